"""Rule declarations and the check lifecycle.

A *rule* is what users see: a code, a dotted name, a default severity, options, a summary,
why it matters, and pass/fail examples.  It is declared as a class whose docstring is its
documentation.  A *check* is the code that finds problems; one check may serve several
rules of a family so that each record is walked once, not once per rule (the per-record
budget is a few microseconds).  The engine runs a check only when at least one of its
rules is enabled, so unselected rules cost nothing.

Lifecycle of a check (fresh instance per run, so state never leaks between runs):
``start_file`` → ``check`` (per record, pure with respect to other records) →
``observe`` (per record, may keep small state) → ``end_file`` → ``finish``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from dataprep.model import SEVERITIES, Derives, ParseFailure, Record, Related, Severity

CODE_RE = re.compile(r"^DP\d{3}$")
NAME_RE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
#: score dimensions a rule can declare it lowers (validity and consistency follow from
#: severity and family)
RULE_DIMENSIONS = ("volume", "uniqueness", "labels", "evaluation")


class RuleDeclarationError(TypeError):
    """A rule class is declared wrongly; raised at import so every test run fails."""


@dataclass(frozen=True, slots=True)
class Example:
    """One documented pass or fail case of a rule (a JSON record or a raw line)."""

    kind: str  # "pass" | "fail"
    text: str


class Rule:
    """Base of all rule declarations; subclasses only declare, they never run."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    #: JSON-Schema fragments, each with "default" and "description"
    options: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    #: formats the rule applies to (None: any); documentation and example routing
    formats: ClassVar[tuple[str, ...] | None] = None
    #: "record" (judged from one record) or "dataset" (needs the whole dataset)
    scope: ClassVar[str] = "record"
    #: the score dimension the rule's findings measure beyond the default channels (an
    #: error makes its record invalid, a warning lowers consistency by its family):
    #: "volume", "uniqueness", "labels" or "evaluation" (see ``dataprep.score``); None
    #: for none.  The score reads only this declaration, never a list of codes
    dimension: ClassVar[str | None] = None
    #: how much one record flagged by the rule counts in its dimension (1: the record's
    #: whole signal; a label variant that a rename fixes counts less)
    dimension_weight: ClassVar[float] = 1.0

    summary: ClassVar[str]
    why: ClassVar[str]
    examples: ClassVar[tuple[Example, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        doc = (cls.__doc__ or "").strip()
        where = f"rule class {cls.__name__}"
        for attr in ("code", "name", "severity"):
            if not isinstance(cls.__dict__.get(attr), str):
                raise RuleDeclarationError(f"{where} must declare {attr!r}")
        if not CODE_RE.match(cls.code):
            raise RuleDeclarationError(f"{where}: code {cls.code!r} is not DP + 3 digits")
        if not NAME_RE.match(cls.name):
            raise RuleDeclarationError(f"{where}: name {cls.name!r} is not dotted lower-case")
        if cls.severity not in SEVERITIES:
            raise RuleDeclarationError(f"{where}: severity {cls.severity!r} unknown")
        if cls.scope not in ("record", "dataset"):
            raise RuleDeclarationError(f"{where}: scope {cls.scope!r} unknown")
        if cls.dimension is not None and cls.dimension not in RULE_DIMENSIONS:
            raise RuleDeclarationError(f"{where}: dimension {cls.dimension!r} unknown")
        if not 0 < cls.dimension_weight <= 1:
            raise RuleDeclarationError(f"{where}: dimension_weight must be in (0, 1]")
        for opt, schema in cls.options.items():
            if "default" not in schema or "description" not in schema:
                raise RuleDeclarationError(f"{where}: option {opt!r} needs default and description")
        summary, why, examples = _parse_doc(doc)
        if not summary or not why:
            raise RuleDeclarationError(f"{where}: docstring needs a summary line and a why paragraph")
        kinds = {e.kind for e in examples}
        if not {"pass", "fail"} <= kinds:
            raise RuleDeclarationError(f"{where}: docstring needs pass: and fail: examples")
        cls.summary, cls.why, cls.examples = summary, why, tuple(examples)

    @classmethod
    def default_options(cls) -> dict[str, Any]:
        return {k: v["default"] for k, v in cls.options.items()}


def _parse_doc(doc: str) -> tuple[str, str, list[Example]]:
    """Split a rule docstring into summary, why-paragraphs and examples.

    Examples live after a line ``Examples:``; each is ``pass: <one line>`` or
    ``fail: <one line>`` (a JSON record, or for input rules the raw line).
    """
    lines = [ln.strip() for ln in doc.splitlines()]
    if not lines:
        return "", "", []
    summary = lines[0]
    body: list[str] = []
    examples: list[Example] = []
    in_examples = False
    for ln in lines[1:]:
        if ln == "Examples:":
            in_examples = True
            continue
        if in_examples:
            for kind in ("pass", "fail"):
                if ln.startswith(kind + ":"):
                    examples.append(Example(kind, ln[len(kind) + 1 :].strip()))
        else:
            body.append(ln)
    why = " ".join(" ".join(body).split())
    return summary, why, examples


class Emit:
    """What a check calls to report; built by the engine for each file.

    ``enabled`` is the set of codes reported for the current file (after select,
    ignore and per-file ignores): checks may test it to skip work no rule wants.
    """

    __slots__ = ("enabled", "_sink")

    def __init__(self, enabled: frozenset[str], sink: Callable[..., None]) -> None:
        self.enabled = enabled
        self._sink = sink

    def __call__(
        self,
        code: str,
        path: str,
        line: int | None,
        record: int | None,
        message: str,
        *,
        pointer: str | None = None,
        related: Iterable[Related] = (),
        count: int = 1,
        severity: Severity | None = None,
    ) -> None:
        if code in self.enabled:
            self._sink(code, path, line, record, message, pointer, tuple(related), count, severity)

    def at(self, code: str, rec: Record, message: str, pointer: str | None = None) -> None:
        """Report on a record (the common case, kept short for check code)."""
        if code in self.enabled:
            self._sink(code, rec.path, rec.line, rec.index, message, pointer, (), 1, None)


class FileInfo:
    """What checks learn about the file being read."""

    __slots__ = ("path", "split", "source_kind")

    def __init__(self, path: str, split: str, source_kind: str) -> None:
        self.path = path
        self.split = split  # "train" | "eval"
        self.source_kind = source_kind  # "jsonl", "json", "parquet", "hf"


class Check(Derives):
    """Base class of checks: override the hooks you need.

    ``rules`` lists the rule classes this check reports; ``formats`` restricts ``check``
    to records of those formats (None: every record); ``stages`` names shared dataset
    stages (see ``dataprep.stages``) the check needs.  ``per_record`` checks run in the
    map phase (see ``Derives``); the others' ``check`` runs in the reduce phase.
    """

    rules: ClassVar[tuple[type[Rule], ...]] = ()
    formats: ClassVar[frozenset[str] | None] = None
    stages: ClassVar[tuple[str, ...]] = ()
    #: whether ``check`` is overridden; the engine skips the call otherwise
    has_check: ClassVar[bool] = False
    has_observe: ClassVar[bool] = False
    handles_failures: ClassVar[bool] = False
    #: ``check`` reads the record, the options and per-file settings made in ``start_file``
    #: only (no state from other records, no stage): it runs in the map phase, possibly in
    #: another process; what it returns is kept as the record's derived value for ``observe``
    per_record: ClassVar[bool] = False
    has_derive: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.has_check = cls.check is not Check.check
        cls.has_observe = cls.observe is not Check.observe
        cls.handles_failures = cls.failure is not Check.failure
        cls.has_derive = cls.derive_many is not Derives.derive_many

    @classmethod
    def needed_stages(cls, enabled: frozenset[str]) -> tuple[str, ...]:
        """Stages this check needs when ``enabled`` codes are on (default: ``stages``)."""
        return cls.stages

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        """``options`` maps rule code → resolved options; ``context`` is the RunContext."""
        self.options = options
        self.context = context

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        """Called before the first record of each file."""

    def check(self, rec: Record, emit: Emit) -> Any:
        """Judge one record on its own (a ``per_record`` check may return a derived value)."""

    def observe(self, rec: Record, valid: bool) -> None:
        """See every record (after ``check``); ``valid`` = no error finding on it."""

    def failure(self, item: ParseFailure, emit: Emit) -> None:
        """A piece of input that did not parse."""

    def note(self, item: Any, emit: Emit) -> None:
        """A file-level note from the source (BOM, CRLF, no records)."""

    def end_file(self, info: FileInfo, emit: Emit) -> None:
        """Called after the last record of each file."""

    def finish(self, emit: Emit) -> None:
        """Called once after every file; report dataset-level findings here."""

    def distributions(self) -> dict[str, Any]:
        """Binned distributions this check measured, for ``summary.distributions``
        (the HTML report's charts; see ``dataprep.histogram``).  Called after ``finish``."""
        return {}

    def opt(self, code: str, key: str) -> Any:
        return self.options[code][key]
