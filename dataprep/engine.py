"""The engine: reads sources once, runs every enabled check in a single pass per record.

It knows checks only through the ``Check`` lifecycle and rules only through their
declarations; it never imports a concrete rule, never prints and never exits.  A check
that raises becomes a DP901 finding at the record where it failed, and the run goes on.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.config import Config, rule_options
from dataprep.model import Derives, FileNote, Finding, ParseFailure, Record, Related, places
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
_CANONICAL_FORMAT = {f: f for f in (*FORMATS, UNKNOWN)}


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
    #: binned distributions stages and checks measured (``summary.distributions``)
    distributions: dict[str, Any] = field(default_factory=dict)


#: the map phase works on batches of one file's records: this many at most ...
BATCH_RECORDS = 1024
#: ... or records spanning this many bytes of the file, whichever comes first
BATCH_BYTES = 4 << 20


class Plan:
    """What a run needs, built the same way in the driver and in every map worker.

    Everything here follows from the sources, the rule registry and the configuration,
    so a worker process (or a Ray actor) that builds its own ``Plan`` from the same
    three runs the same checks with the same options.
    """

    def __init__(self, specs: Sequence[SourceSpec], check_classes: Sequence[type[Check]],
                 rules: Mapping[str, type[Rule]], config: Config) -> None:
        from dataprep.pii import redactor

        self.specs = list(specs)
        self.check_classes = list(check_classes)
        self.rules = rules
        self.config = config
        self.all_codes = list(rules)
        self.enabled = config.enabled_codes(self.all_codes)
        self.options = rule_options(config, rules)
        # every message of every rule passes through the PII/secret masks, so no excerpt a
        # rule quotes (tool arguments, leftovers, prompts) prints a secret in any format
        self.redact = redactor(config.pattern_packs)
        checks_needed = [c for c in check_classes if any(r.code in self.enabled for r in c.rules)]
        stage_names = set(ALWAYS)
        for c in checks_needed:
            stage_names.update(c.needed_stages(self.enabled))
        self.stages: dict[str, Stage] = {}
        self.ctx = RunContext(config, self.stages)
        self.ctx.specs = self.specs
        self.ctx.options = self.options
        self.ctx.enabled = self.enabled
        for name in sorted(stage_names):
            self.stages[name] = STAGES[name](self.ctx)
        self.checks: list[Check] = [c(self.options, self.ctx) for c in checks_needed]
        self.derivers: list[Any] = [x for x in (*self.stages.values(), *self.checks)
                                    if getattr(type(x), "derive_many", Derives.derive_many)
                                    is not Derives.derive_many]

    def file_enabled(self, path: str) -> frozenset[str]:
        """The codes reported for ``path`` (per-file ignores applied)."""
        if not self.config.per_file_ignores:
            return self.enabled
        return self.config.enabled_codes(self.all_codes, path)

    def finding(self, code: str, path: str, line: int | None, record: int | None, message: str,
                pointer: str | None, related: tuple[Related, ...], count: int,
                severity: str | None) -> Finding:
        """A finding as reported: configured severity, masked message."""
        rule = self.rules[code]
        # a finding its rule calls a note (a placeholder, a check it skipped) stays info
        # whatever severity the configuration gives the rule
        sev = "info" if severity == "info" else (self.config.severity.get(code) or severity
                                                 or rule.severity)
        return Finding(code, rule.name, sev, path, line, record, self.redact(message),  # type: ignore[arg-type]
                       pointer, related, count)

    def by_format(self, checks: Sequence[Check], enabled: frozenset[str]) -> dict[str, list[Check]]:
        """For each format, the checks among ``checks`` whose ``check`` applies to it."""
        on = [c for c in checks if c.has_check and any(r.code in enabled for r in c.rules)]
        return {fmt: [c for c in on if c.formats is None or records.applies(fmt, c.formats)]
                for fmt in (*_FORMAT_ORDER, UNKNOWN)}


class Mapped:
    """The map phase's result for one record: all the reduce phase needs of it but its data.

    ``line`` and ``index`` are the record's as its reader saw them (relative to a shard's
    start when a worker read a shard); ``crashes`` are (check class name, message).
    """

    __slots__ = ("line", "index", "format", "findings", "errors", "chars", "derived", "crashes")

    def __init__(self, line: int | None, index: int, fmt: str, findings: list[Finding],
                 errors: tuple[str, ...], chars: int, derived: dict[str, Any],
                 crashes: list[tuple[str, str]]) -> None:
        self.line, self.index, self.format = line, index, fmt
        self.findings, self.errors, self.chars = findings, errors, chars
        self.derived, self.crashes = derived, crashes

    def __reduce__(self) -> Any:
        return (Mapped, (self.line, self.index, self.format, self.findings, self.errors,
                         self.chars, self.derived, self.crashes))


class Mapper:
    """The map phase: layout detection, record checks and derived values, per batch.

    It sees one file's records at a time and keeps nothing between batches, so the same
    code runs in the driver (``--jobs 1``), in worker processes over byte-range shards,
    and in Ray actors.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.record_checks = [c for c in plan.checks if c.per_record]
        self._out: list[Finding] = []
        self._by_format: dict[str, list[Check]] = {}
        #: the current file's field mapping (canonical key -> the file's key)
        self.mapping: Mapping[str, Any] = {}
        self._layout: str | None = None
        self._emit = Emit(plan.enabled, self._sink)

    def _sink(self, code: str, path: str, line: int | None, record: int | None, message: str,
              pointer: str | None, related: tuple[Related, ...], count: int,
              severity: str | None) -> None:
        self._out.append(self.plan.finding(code, path, line, record, message, pointer, related,
                                           count, severity))

    def start_file(self, spec: SourceSpec, own_checks: bool) -> None:
        """Settle per-file settings; ``own_checks``: this mapper's checks are its own (a
        worker's), so their ``start_file`` is called here (the driver calls its own)."""
        plan = self.plan
        enabled = plan.file_enabled(spec.path)
        self._emit = Emit(enabled, self._sink)
        self._by_format = plan.by_format(self.record_checks, enabled)
        # a registry (LLaMA-Factory dataset_info.json) may name this file's layout and columns
        spec_fields = getattr(spec, "fields", ())
        config = plan.config
        self.mapping = {**config.fields, **dict(spec_fields)} if spec_fields else config.fields
        self._layout = getattr(spec, "layout", None) or config.format_hint
        if own_checks:
            info = FileInfo(spec.path, spec.split, spec.kind)
            for chk in self.record_checks:
                try:
                    chk.start_file(info, self._emit)
                except Exception:  # noqa: BLE001 - the driver's own call reports it
                    pass

    def map(self, recs: list[Record]) -> list[Mapped]:
        """Map one batch of records (of the current file, in reading order)."""
        mapping, layout, by_format, emit = self.mapping, self._layout, self._by_format, self._emit
        text_size = records.text_size
        out: list[Mapped] = []
        for rec in recs:
            d = rec.data
            if mapping:
                apply_mapping(d, mapping)
            fmt = layout or detect(d)
            rec.format = fmt
            found: list[Finding] = []
            self._out = found
            crashes: list[tuple[str, str]] = []
            derived = rec.derived
            for chk in by_format[fmt]:
                try:
                    value = chk.check(rec, emit)
                except Exception as exc:  # noqa: BLE001 - a rule crash is a finding
                    crashes.append((type(chk).__name__, _crash_text(chk, exc)))
                else:
                    if value is not None:
                        derived[type(chk).__name__] = value
            errors = tuple(f.code for f in found if f.severity == "error")
            out.append(Mapped(rec.line, rec.index, fmt, found, errors, text_size(fmt, d),
                              derived, crashes))
        for owner in self.plan.derivers:
            key = type(owner).__name__
            try:
                values = owner.derive_many(recs)
            except Exception as exc:  # noqa: BLE001 - reported once, at the batch's first record
                if out:
                    out[0].crashes.append((key, _crash_text(owner, exc)))
                continue
            if values is not None:
                for rec, value in zip(recs, values):
                    rec.derived[key] = value
        return out


def _crash_text(owner: Any, exc: BaseException) -> str:
    return f"check {type(owner).__name__} raised {type(exc).__name__}: {exc}"[:300]


def batches(items: Iterator[Any]) -> Iterator[tuple[list[Any], list[Record]]]:
    """One file's items in batches: (every item in order, the records among them)."""
    pending: list[Any] = []
    recs: list[Record] = []
    first_offset = -1
    for item in items:
        pending.append(item)
        if type(item) is Record:
            recs.append(item)
            off = item.offset
            if first_offset < 0 and off is not None:
                first_offset = off
            if len(recs) >= BATCH_RECORDS or (
                    off is not None and off - first_offset >= BATCH_BYTES):
                yield pending, recs
                pending, recs, first_offset = [], [], -1
    if pending:
        yield pending, recs


class _State:
    __slots__ = ("errors", "in_check")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.in_check = False


def run(
    specs: Sequence[SourceSpec],
    check_classes: Sequence[type[Check]],
    rules: Mapping[str, type[Rule]],
    config: Config,
    progress: Any = None,
    *,
    jobs: int = 1,
    engine: str = "local",
    ray_address: str | None = None,
    shard_bytes: int | None = None,
) -> RunOutput:
    """Lint ``specs`` with the checks whose rules are enabled; return the raw output.

    ``jobs`` > 1 or ``engine="ray"`` run the map phase of large JSONL files in worker
    processes or on Ray (see ``dataprep.shards``); the output is the same.
    """
    plan = Plan(specs, check_classes, rules, config)
    enabled, ctx, checks = plan.enabled, plan.ctx, plan.checks
    stages = plan.stages
    findings: list[Finding] = []
    state = _State()

    def sink(code: str, path: str, line: int | None, record: int | None, message: str,
             pointer: str | None, related: tuple[Related, ...], count: int,
             severity: str | None) -> None:
        f = plan.finding(code, path, line, record, message, pointer, related, count, severity)
        if f.severity == "error" and state.in_check:
            state.errors.append(code)
        findings.append(f)

    stage_list = list(stages.values())
    crashed: dict[tuple[str, str], list[Any]] = {}
    global_emit = Emit(enabled, sink)

    def crash(name: str, path: str, line: int | None, record: int | None, text: str) -> None:
        key = (name, path)
        if key in crashed:
            crashed[key][0] += 1
            return
        crashed[key] = [1, name, line, record]
        global_emit(CRASH_CODE, path, line, record, text)

    def call(fn: Any, owner: Any, path: str, *args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:  # noqa: BLE001 - a rule crash is a finding, the run goes on
            crash(type(owner).__name__, path, None, None, _crash_text(owner, exc))

    mapper = Mapper(plan)
    from dataprep.shards import ShardedMap

    sharded = ShardedMap.start(plan, jobs=jobs, engine=engine, address=ray_address,
                               shard_bytes=shard_bytes)
    total_records = 0
    total_valid = 0
    if progress is not None:
        progress.begin(specs)
    try:
        for spec_no, spec in enumerate(specs):
            info = FileInfo(spec.path, spec.split, spec.kind)
            summary = FileSummary(spec.path, spec.split, spec.kind)
            ctx.files.append(summary)
            file_enabled = plan.file_enabled(spec.path)
            emit = Emit(file_enabled, sink) if file_enabled is not enabled else global_emit
            file_checks = [c for c in checks if any(r.code in file_enabled for r in c.rules)]
            for chk in checks:
                call(chk.start_file, chk, spec.path, info, emit)
            mapper.start_file(spec, own_checks=False)
            # the reduce phase's record checks: those that keep state across records
            by_format = plan.by_format([c for c in file_checks if not c.per_record], file_enabled)
            text_chars = summary.text_chars
            observers = [c for c in checks if c.has_observe]
            failure_handlers = [c for c in file_checks if c.handles_failures]
            split = spec.split
            fmt_counts = summary.formats
            n_records = n_valid = 0
            remote = sharded.results(spec_no)
            if remote is not None:
                pairs = _paired(read_source(spec, progress), remote, mapper.mapping, spec)
            else:
                pairs = _local(read_source(spec, progress), mapper)
            for item, m in pairs:
                if m is None:
                    if type(item) is ParseFailure:
                        if item.index is not None:
                            n_records += 1
                        for chk in failure_handlers:
                            call(chk.failure, chk, spec.path, item, emit)
                    elif type(item) is FileNote:
                        for chk in file_checks:
                            call(chk.note, chk, spec.path, item, emit)
                    continue
                fmt = item.format = m.format
                fmt_counts[fmt] += 1
                if m.findings:
                    findings.extend(m.findings)
                for name, text in m.crashes:
                    crash(name, item.path, item.line, item.index, text)
                errors = state.errors = list(m.errors)
                state.in_check = True
                for chk in by_format[fmt]:
                    try:
                        chk.check(item, emit)
                    except Exception as exc:  # noqa: BLE001 - a rule crash is a finding
                        crash(type(chk).__name__, item.path, item.line, item.index,
                              _crash_text(chk, exc))
                state.in_check = False
                valid = not errors and fmt != UNKNOWN
                n_records += 1
                size = item.chars = m.chars
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
                        crash(type(chk).__name__, item.path, item.line, item.index,
                              _crash_text(chk, exc))
            summary.records, summary.valid = n_records, n_valid
            summary.text_records = len(text_chars)
            total_records += n_records
            total_valid += n_valid
            ctx.format_of[spec.path] = summary.format
            for chk in checks:
                call(chk.end_file, chk, spec.path, info, emit)
            if progress is not None:
                progress.file_done(spec)
    finally:
        sharded.close()
    for st in stage_list:
        st.finish()
    for chk in checks:
        call(chk.finish, chk, "<dataset>", global_emit)
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
    distributions: dict[str, Any] = {}
    for st in stage_list:
        distributions.update(st.distributions())
    for chk in checks:
        distributions.update(chk.distributions())
    findings.sort(key=Finding.sort_key)
    return RunOutput(findings, ctx.files, total_records, total_valid, stage_summary, enabled, ctx,
                     distributions)


def _local(items: Iterator[Any], mapper: Mapper) -> Iterator[tuple[Any, Mapped | None]]:
    """The map phase in this process, a batch at a time, paired with the items in order."""
    for pending, recs in batches(items):
        mapped = iter(mapper.map(recs)) if recs else iter(())
        for item in pending:
            yield item, (next(mapped) if type(item) is Record else None)


def _paired(items: Iterator[Any], remote: Iterator[Mapped], mapping: Mapping[str, Any],
            spec: SourceSpec) -> Iterator[tuple[Any, Mapped | None]]:
    """The driver's own reading of a file paired with the map phase's results from shards.

    Workers count lines and records from their shard's start; each result is rebased
    to the driver's numbering of the record it belongs to.  The driver applies the
    field mapping itself, as the reduce phase's checks read the record's data.
    """
    for item in items:
        if type(item) is not Record:
            yield item, None
            continue
        m = next(remote, None)
        if m is None:
            raise RuntimeError(f"{spec.path}: the map phase returned fewer records than the file holds")
        if mapping:
            apply_mapping(item.data, mapping)
        dl = (item.line - m.line) if item.line is not None and m.line is not None else 0
        di = item.index - m.index
        if dl or di:
            m.findings = [_rebased(f, dl, di) for f in m.findings]
        # a format name that crossed a process boundary is an equal but new string;
        # checks compare formats by identity (``fmt is UNKNOWN``), so take the canonical one
        m.format = _CANONICAL_FORMAT.get(m.format, m.format)
        item.derived = m.derived
        yield item, m
    if next(remote, None) is not None:
        raise RuntimeError(f"{spec.path}: the map phase returned more records than the file holds")


def _rebased(f: Finding, dl: int, di: int) -> Finding:
    return replace(f, line=None if f.line is None else f.line + dl,
                   record=None if f.record is None else f.record + di)
