"""The engine: reads sources once, runs every enabled check in a single pass per record.

It knows checks only through the ``Check`` lifecycle and rules only through their
declarations; it never imports a concrete rule, never prints and never exits.  A check
that raises becomes a DP901 finding at the record where it failed, and the run goes on.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.config import Config, rule_options
from dataprep.model import FileNote, Finding, ParseFailure, Record, Related, places
from dataprep.records import FORMATS, UNKNOWN, apply_mapping, detect
from dataprep.sources import SourceSpec, read_source
from dataprep.stages import ALWAYS, STAGES, Stage

#: the engine's own rule: a check raised an exception (declared in checks/internal.py)
CRASH_CODE = "DP901"


@dataclass
class FileSummary:
    path: str
    split: str
    kind: str
    records: int = 0
    valid: int = 0
    formats: Counter[str] = field(default_factory=Counter)
    #: records whose layout yielded any text, and the text size (characters) of each
    text_records: int = 0
    text_chars: array = field(default_factory=lambda: array("I"))

    @property
    def format(self) -> str:
        known = [(n, f) for f, n in self.formats.items() if f != UNKNOWN]
        if not known:
            return UNKNOWN
        return max(known, key=lambda nf: (nf[0], -_FORMAT_ORDER.get(nf[1], 99)))[1]

    def text_read(self) -> float | None:
        """Share of the file's records whose text the layout read (None: no records)."""
        return round(self.text_records / self.records, 4) if self.records else None

    def median_tokens(self) -> int | None:
        """Median estimated tokens of the records with text (UTF-8 characters / 4)."""
        if not self.text_chars:
            return None
        chars = sorted(self.text_chars)
        return -(-chars[(len(chars) - 1) // 2] // 4)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "format": self.format, "records": self.records,
                               "valid": self.valid, "split": self.split}
        if self.records:
            out["text_read"] = self.text_read()
            out["median_tokens"] = self.median_tokens()
        return out


_FORMAT_ORDER = {f: i for i, f in enumerate(FORMATS)}


class RunContext:
    """What checks and stages may read about the run (config, stages, files so far)."""

    def __init__(self, config: Config, stages: dict[str, Stage]) -> None:
        self.config = config
        self.stages = stages
        self.files: list[FileSummary] = []
        self.format_of: dict[str, str] = {}
        #: the sources in reading order (stages re-read records through them)
        self.specs: list[SourceSpec] = []
        #: resolved options of every rule, by code
        self.options: Mapping[str, Mapping[str, Any]] = {}
        self.enabled: frozenset[str] = frozenset()


@dataclass
class RunOutput:
    findings: list[Finding]
    files: list[FileSummary]
    records: int
    valid: int
    stage_summary: dict[str, Any]
    enabled: frozenset[str]
    context: RunContext


class _State:
    __slots__ = ("errors", "in_check")

    def __init__(self) -> None:
        self.errors = False
        self.in_check = False


def run(
    specs: Sequence[SourceSpec],
    check_classes: Sequence[type[Check]],
    rules: Mapping[str, type[Rule]],
    config: Config,
    progress: Any = None,
) -> RunOutput:
    """Lint ``specs`` with the checks whose rules are enabled; return the raw output."""
    all_codes = list(rules)
    enabled = config.enabled_codes(all_codes)
    options = rule_options(config, rules)
    findings: list[Finding] = []
    state = _State()
    # every message of every rule passes through the PII/secret masks, so no excerpt a
    # rule quotes (tool arguments, leftovers, prompts) prints a secret in any format
    from dataprep.pii import redactor

    redact = redactor(config.pattern_packs)

    def sink(code: str, path: str, line: int | None, record: int | None, message: str,
             pointer: str | None, related: tuple[Related, ...], count: int,
             severity: str | None) -> None:
        rule = rules[code]
        # a finding its rule calls a note (a placeholder, a check it skipped) stays info
        # whatever severity the configuration gives the rule
        sev = "info" if severity == "info" else (config.severity.get(code) or severity
                                                  or rule.severity)
        if sev == "error" and state.in_check:
            state.errors = True
        findings.append(Finding(code, rule.name, sev, path, line, record, redact(message),  # type: ignore[arg-type]
                                pointer, related, count))

    checks_needed = [c for c in check_classes if any(r.code in enabled for r in c.rules)]
    stage_names = set(ALWAYS)
    for c in checks_needed:
        stage_names.update(c.needed_stages(enabled))
    stages: dict[str, Stage] = {}
    ctx = RunContext(config, stages)
    ctx.specs = list(specs)
    ctx.options = options
    ctx.enabled = enabled
    for name in sorted(stage_names):
        stages[name] = STAGES[name](ctx)
    checks = [c(options, ctx) for c in checks_needed]
    stage_list = list(stages.values())
    crashed: dict[tuple[int, str], list[Any]] = {}
    global_emit = Emit(enabled, sink)

    def crash(chk: Check, path: str, line: int | None, record: int | None, exc: BaseException) -> None:
        key = (id(chk), path)
        if key in crashed:
            crashed[key][0] += 1
            return
        crashed[key] = [1, type(chk).__name__, line, record]
        global_emit(CRASH_CODE, path, line, record,
                    f"check {type(chk).__name__} raised {type(exc).__name__}: {exc}"[:300])

    hint = config.format_hint
    text_size = records.text_size
    total_records = 0
    total_valid = 0
    if progress is not None:
        progress.begin(specs)
    for spec in specs:
        info = FileInfo(spec.path, spec.split, spec.kind)
        summary = FileSummary(spec.path, spec.split, spec.kind)
        ctx.files.append(summary)
        file_enabled = config.enabled_codes(all_codes, spec.path) if config.per_file_ignores else enabled
        emit = Emit(file_enabled, sink) if file_enabled is not enabled else global_emit
        file_checks = [c for c in checks if any(r.code in file_enabled for r in c.rules)]
        for chk in checks:
            _call(chk.start_file, crash, chk, spec.path, info, emit)
        by_format: dict[str, list[Check]] = {}
        for fmt in (*_FORMAT_ORDER, UNKNOWN):
            by_format[fmt] = [c for c in file_checks
                              if c.has_check and (c.formats is None or records.applies(fmt, c.formats))]
        # a registry (LLaMA-Factory dataset_info.json) may name this file's layout and columns
        spec_fields = getattr(spec, "fields", ())
        mapping = {**config.fields, **dict(spec_fields)} if spec_fields else config.fields
        layout = getattr(spec, "layout", None) or hint
        text_chars = summary.text_chars
        observers = [c for c in checks if c.has_observe]
        failure_handlers = [c for c in file_checks if c.handles_failures]
        split = spec.split
        fmt_counts = summary.formats
        n_records = n_valid = 0
        for item in read_source(spec, progress):
            if type(item) is Record:
                d = item.data
                if mapping:
                    apply_mapping(d, mapping)
                fmt = layout or detect(d)
                item.format = fmt
                fmt_counts[fmt] += 1
                state.errors = False
                state.in_check = True
                for chk in by_format[fmt]:
                    try:
                        chk.check(item, emit)
                    except Exception as exc:  # noqa: BLE001 - a rule crash is a finding
                        crash(chk, item.path, item.line, item.index, exc)
                state.in_check = False
                valid = not state.errors and fmt != UNKNOWN
                n_records += 1
                size = item.chars = text_size(fmt, d)
                if size:
                    text_chars.append(size)
                if valid:
                    n_valid += 1
                for st in stage_list:
                    st.observe(item, valid, split)
                for chk in observers:
                    try:
                        chk.observe(item, valid)
                    except Exception as exc:  # noqa: BLE001
                        crash(chk, item.path, item.line, item.index, exc)
            elif type(item) is ParseFailure:
                if item.index is not None:
                    n_records += 1
                for chk in failure_handlers:
                    _call(chk.failure, crash, chk, spec.path, item, emit)
            elif type(item) is FileNote:
                for chk in file_checks:
                    _call(chk.note, crash, chk, spec.path, item, emit)
        summary.records, summary.valid = n_records, n_valid
        summary.text_records = len(text_chars)
        total_records += n_records
        total_valid += n_valid
        ctx.format_of[spec.path] = summary.format
        for chk in checks:
            _call(chk.end_file, crash, chk, spec.path, info, emit)
        if progress is not None:
            progress.file_done(spec)
    for st in stage_list:
        st.finish()
    for chk in checks:
        _call(chk.finish, crash, chk, "<dataset>", global_emit)
    if progress is not None:
        progress.close()
    for (_, path), (n, name, line, record) in crashed.items():
        if n > 1:
            global_emit(CRASH_CODE, path, None, None,
                        f"check {name} raised on {n} records in this file; first at "
                        f"{places([(line, record if record is not None else 0)])}",
                        count=n)
    stage_summary: dict[str, Any] = {}
    for st in stage_list:
        stage_summary.update(st.summary())
    findings.sort(key=Finding.sort_key)
    return RunOutput(findings, ctx.files, total_records, total_valid, stage_summary, enabled, ctx)


def _call(fn: Any, crash: Any, chk: Check, path: str, *args: Any) -> None:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 - a rule crash is a finding, the run goes on
        crash(chk, path, None, None, exc)
