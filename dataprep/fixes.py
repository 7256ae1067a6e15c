"""What ``dataprep fix`` changes, decided from the linter's findings (no printing, no click).

A fix is keyed by the rule code that finds the problem, so ``--only``/``--skip`` and
``dataprep explain CODE`` speak the same language:

- ``DP301`` / ``DP302``: exact and near duplicates are dropped; of each cluster the first
  record that is *kept* stays (a first record that is rejected for an error does not
  take the whole cluster with it).  Clusters are the linter's own: a duplicate finding
  points at its cluster's first record (``Finding.related``); tool calls and tool
  definitions are part of a record's identity there (exact and near).  For
  classification a cluster is split by canonical label (which of two labels is right is
  DP401/DP402's question, not a copy to drop) and each part keeps its own first record.
- ``DP505``: leading and trailing whitespace of an assistant reply is removed, exactly
  the part the linter reports (a single trailing newline and the one leading space of
  legacy completions are conventions and stay).  Control, zero-width and mojibake
  characters are left alone: whether a zero-width joiner or a BOM inside code is dirt
  needs a person.
- ``DP403``: a label spelled as a variant of a more frequent label is rewritten to the
  canonical label.  Which labels are variants comes from the DP403 findings; the
  canonical label from ``checks.labels.find_variants`` over the same label counts the
  linter saw (a finding's message is never parsed).
- ``DP506``: an Alpaca-style ``input`` that only says "there is no input"
  (``<noinput>``, ``N/A``, ``No input.``: patterns ``template.noinput`` and
  ``template.na-input``) becomes "".  Outputs, instructions and user turns are never
  touched: an empty user turn is a worse record, and a placeholder reply needs a reply.
- ``errors``: a record with an error-severity finding goes to the rejects file with the
  reasons, unless it is dropped as a duplicate of a kept record.

Every edit goes into the record's own keys in its own layout: the place comes from the
layout's views (``Turn.pointer``, ``label_field``, ``label_pointer``) translated to the
file's own key names (``records.written_pointer``), and an edit is made only when the
value found there is the text the view read (a turn assembled from several fields is
never written back).

The linter is the oracle: fixing is repeated on the output (at most ``MAX_ROUNDS``
times) while its lint still reports something a fix handles, e.g. two records that only
became identical when a placeholder input was emptied.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataprep import records
from dataprep.checks import RULES
from dataprep.model import Finding, ParseFailure
from dataprep.rewrite import Change, place, shared_lines
from dataprep.sources import SourceSpec, read_source

#: every fix, in the order the summary lists them; "errors" is the rejects file
FIX_CODES: tuple[str, ...] = ("DP301", "DP302", "DP505", "DP403", "DP506", "errors")
FIX_TITLES: dict[str, str] = {
    "DP301": "exact duplicates dropped",
    "DP302": "near duplicates dropped",
    "DP505": "replies with whitespace trimmed",
    "DP403": "label variants canonicalised",
    "DP506": "placeholder inputs emptied",
    "errors": "records with errors rejected",
}
DUP_CODES = ("DP301", "DP302")
#: DP506 patterns that say "this input is empty"; only these are replaced by ""
NO_INPUT_PATTERNS = frozenset({"template.noinput", "template.na-input"})
#: fix rounds at most: the first on the input, the others on an output the linter still
#: finds duplicates or errors in (edits can make two records identical)
MAX_ROUNDS = 3


def parse_codes(values: Iterable[str]) -> set[str]:
    """``--only DP301,dp505 --only errors`` -> {"DP301", "DP505", "errors"}; unknown codes
    are a usage error naming the ones that exist."""
    from dataprep.errors import UsageError

    out: set[str] = set()
    for v in values:
        for part in v.split(","):
            p = part.strip()
            if not p:
                continue
            code = "errors" if p.lower() == "errors" else p.upper()
            if code not in FIX_CODES:
                raise UsageError(f"no fix for {p!r}: choose from {', '.join(FIX_CODES)}")
            out.add(code)
    return out


# ------------------------------------------------------------------ records on their way


@dataclass
class Item:
    """One record on its way through ``fix``: where it was first read, and its data now.

    ``offset`` is the byte offset of the unchanged record in a plain JSONL input (its
    line is copied byte for byte); None once the record is edited or when the input is
    not line-per-record.
    """

    path: str
    line: int | None
    index: int
    data: dict[str, Any]
    mapping: Mapping[str, str]
    layout: str | None
    offset: int | None
    edited: bool = False
    #: its record number in the file linted last (the input, then a round's output)
    at: int = -1

    def __post_init__(self) -> None:
        if self.at < 0:
            self.at = self.index

    def view(self) -> tuple[str, dict[str, Any]]:
        """(layout name, the record under canonical key names) as the linter reads it."""
        d = self.data
        if self.mapping:
            d = dict(d)
            records.apply_mapping(d, self.mapping)
        return (self.layout or records.detect(d)), d

    def change(self, action: str, reason: str, before: str | None = None,
               after: str | None = None) -> Change:
        return Change(self.path, self.line, self.index, action, reason, before, after)  # type: ignore[arg-type]


@dataclass
class Outcome:
    """What fixing did: the records kept per output, the rejected ones, every change."""

    kept: list[list[Item]]
    rejects: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: (fix code, action) -> records
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    rounds: int = 0


def load_items(spec: SourceSpec, mapping: Mapping[str, str], layout: str | None
               ) -> tuple[list[Item], list[ParseFailure]]:
    """Records of one input as ``Item``s, and the lines that could not be read."""
    plain = spec.kind == "jsonl"
    items: list[Item] = []
    failures: list[ParseFailure] = []
    for got in read_source(spec):
        if isinstance(got, ParseFailure):
            failures.append(got)
        elif hasattr(got, "data"):
            items.append(Item(got.path, got.line, got.index, got.data, mapping, layout,
                              got.offset if plain else None))
    if not plain and len({it.line for it in items}) < len(items):
        # a minified JSON array: every record is on line 1, so lines name no record
        for it in items:
            it.line = None
    return items, failures


def failure_reject(f: ParseFailure, raw: str | None) -> dict[str, Any]:
    """A rejects line for a line that is no record: no data, the text when it is known."""
    return {"record": None, "text": raw, "path": f.path, "line": f.line, "index": f.index,
            "reasons": [{"code": "unreadable", "message": f"{f.kind}: {f.detail}"}]}


def raw_lines(path: str, wanted: set[int]) -> dict[int, str]:
    """The text of some physical lines of a plain file (for rejects of unreadable lines)."""
    out: dict[int, str] = {}
    if not wanted:
        return out
    try:
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if n in wanted:
                    out[n] = raw.rstrip(b"\r\n").decode("utf-8", "replace")
                    if len(out) == len(wanted):
                        break
    except OSError:
        pass
    return out


# ------------------------------------------------------------------ JSON pointers


def _steps(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def get_at(d: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or None when the pointer leads nowhere."""
    cur = d
    for step in _steps(pointer):
        if type(cur) is dict:
            if step not in cur:
                return None
            cur = cur[step]
        elif type(cur) is list and step.isdigit() and int(step) < len(cur):
            cur = cur[int(step)]
        else:
            return None
    return cur


def set_at(d: Any, pointer: str, value: Any) -> bool:
    """Replace the value at an existing JSON pointer; False when there is none."""
    steps = _steps(pointer)
    if not steps:
        return False
    parent = d
    for step in steps[:-1]:
        if type(parent) is dict:
            parent = parent.get(step)
        elif type(parent) is list and step.isdigit() and int(step) < len(parent):
            parent = parent[int(step)]
        else:
            return False
    last = steps[-1]
    if type(parent) is dict and last in parent:
        parent[last] = value
        return True
    if type(parent) is list and last.isdigit() and int(last) < len(parent):
        parent[int(last)] = value
        return True
    return False


# ------------------------------------------------------------------ single edits


def trim_reply(text: str, lead_ok: bool) -> str:
    """A reply without the edge whitespace DP505 reports: a single trailing newline and,
    where the layout expects it, a single leading space are kept; a blank text is kept."""
    body = text.strip()
    if not body:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return (lead if lead_ok and lead == " " else "") + body + (trail if trail == "\n" else "")


def no_input_matcher(cfg: Any) -> Any:
    """The DP506 patterns that mean "no input", ready to search an input (None: none)."""
    from dataprep import packs
    from dataprep.checks.hygiene.leftovers import PACKS, Leftovers

    found = [p for p in packs.load(PACKS, packs.pack_files(cfg)).for_rule(["DP506"])
             if p.id in NO_INPUT_PATTERNS]
    return Leftovers(found) if found else None


def is_no_input(text: str, matcher: Any) -> bool:
    """Whether an input holds nothing but a "no input" marker (quotes, brackets and
    punctuation around it allowed; any other letter or digit makes it real input)."""
    if matcher is None or not text.strip():
        return False
    for _pattern, m in matcher.find(text, "input"):
        rest = text[: m.start()] + text[m.end():]
        if not any(c.isalnum() for c in rest):
            return True
    return False


# ------------------------------------------------------------------ labels (DP403)


def label_plan(items: Sequence[Item], extra: Sequence[Item],
               order: Mapping[str, int], errors: set[tuple[str, int]], cfg: Any,
               variant_findings: Sequence[Finding]) -> tuple[dict[tuple[str, bool], tuple[str, bool]], list[str]]:
    """(label text, is a string) of each variant the linter reported -> its canonical label.

    Labels are counted as the linter counts them (valid records of every linted file, in
    file order), so ``find_variants`` names the same canonical label the message names.
    A reported label the recount does not confirm is left alone and noted.
    """
    from dataprep.checks.labels import LabelInfo, find_variants, label_of
    from dataprep.config import rule_options

    infos: dict[tuple[str, bool], LabelInfo] = {}
    every = sorted([*items, *extra], key=lambda it: (order.get(it.path, len(order)), it.index))
    for it in every:
        if (it.path, it.index) in errors:
            continue
        fmt, d = it.view()
        if fmt == records.UNKNOWN:
            continue
        got = label_of(fmt, d)
        if got is None:
            continue
        info = infos.get(got)
        if info is None:
            info = infos[got] = LabelInfo(got[0], got[1], (0, it.line, it.index), len(infos))
        info.count += 1
    labels = sorted(infos.values(), key=lambda x: x.order)
    share = float(rule_options(cfg, RULES)["DP403"]["max_edit_share"])
    variants = find_variants(labels, share)
    by_place = {(it.path, it.index): it for it in items}
    out: dict[tuple[str, bool], tuple[str, bool]] = {}
    notes: list[str] = []
    for f in variant_findings:
        found = by_place.get((f.path, f.record if f.record is not None else -1))
        if found is None:
            continue
        fmt, d = found.view()
        got = label_of(fmt, d) if fmt != records.UNKNOWN else None
        info = infos.get(got) if got is not None else None
        if info is None or info.order not in variants:
            notes.append(f"DP403 at {f.path}:{f.line}: the label could not be matched to a "
                         "canonical one; left as is")
            continue
        final = labels[variants[info.order][1]]
        out[(info.text, info.is_str)] = (final.text, final.is_str)
    return out, notes


def _label_value(text: str, is_str: bool) -> Any:
    return text if is_str else json.loads(text)


# ------------------------------------------------------------------ one round


class _Clusters:
    """Union-find over (path, record) places."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(self, x: tuple[str, int]) -> tuple[str, int]:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: tuple[str, int], b: tuple[str, int]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def groups(self) -> list[list[tuple[str, int]]]:
        out: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for x in list(self.parent):
            out[self.find(x)].append(x)
        return list(out.values())


def _canonical_label(it: Item, variants: Mapping[tuple[str, bool], tuple[str, bool]]
                     ) -> tuple[str, bool] | None:
    """A record's label as the linter reads it, spelling variants resolved."""
    from dataprep.checks.labels import label_of

    fmt, view = it.view()
    if fmt == records.UNKNOWN:
        return None
    got = label_of(fmt, view)
    return variants.get(got, got) if got is not None else None


def fix_round(slots: Sequence[Sequence[Item]], lint_paths: Sequence[str], result: Any,
              fixes: set[str], cfg: Any, matcher: Any, extra: Sequence[Item] = ()) -> Outcome:
    """One pass: the findings of ``result`` (a lint of ``lint_paths``, one per slot) decide
    what happens to each item of ``slots``.  ``extra``: records of other linted files
    (evaluation files), read for label counts only.

    Precedence per record: dropped as a duplicate of a kept record, else rejected for an
    error, else edited (whitespace, placeholder input, label) and kept.
    """
    norm = [os.path.normpath(p) for p in lint_paths]
    slot_of = {p: i for i, p in enumerate(norm)}
    order = {f["path"]: i for i, f in enumerate(result.files)}
    findings: dict[tuple[int, int], list[Finding]] = defaultdict(list)
    for f in result.findings:
        s = slot_of.get(f.path)
        if s is not None and f.record is not None:
            findings[(s, f.record)].append(f)
    # findings name places in the linted files; items keep their first place
    here = {(s, it.at): it for s, items in enumerate(slots) for it in items}
    out = Outcome(kept=[[] for _ in slots])

    rejected: dict[tuple[int, int], list[Finding]] = {}
    if "errors" in fixes:
        for key, fs in findings.items():
            errs = [f for f in fs if f.severity == "error"]
            if errs and key in here:
                rejected[key] = errs

    variants: dict[tuple[str, bool], tuple[str, bool]] = {}
    if "DP403" in fixes:
        reported = [f for f in result.findings if f.code == "DP403" and f.severity != "info"
                    and f.record is not None and f.path in slot_of]
        if reported:
            errors = {(here[k].path, here[k].index) for k, fs in findings.items()
                      if k in here and any(f.severity == "error" and f.code in RULES
                                           and RULES[f.code].scope != "dataset" for f in fs)}
            flat = [it for items in slots for it in items]
            # findings name places in the linted files: translate them to the items' own
            moved = [_moved(f, here[(slot_of[f.path], f.record)]) for f in reported
                     if (slot_of[f.path], f.record) in here]
            variants, notes = label_plan(flat, extra, _first_order(slots, extra, order, lint_paths),
                                         errors, cfg, moved)
            out.notes.extend(notes)

    dropped: dict[tuple[int, int], tuple[str, str]] = {}
    dup_codes = [c for c in DUP_CODES if c in fixes]
    classification = getattr(result, "task", None) == "classification"
    if dup_codes:
        uf = _Clusters()
        code_of: dict[tuple[str, int], str] = {}
        for f in result.findings:
            if f.code in dup_codes and f.record is not None and f.related:
                first = f.related[0]
                if first.record is None:
                    continue
                uf.union((first.path, first.record), (f.path, f.record))
                code_of.setdefault((f.path, f.record), f.code)
        for members in uf.groups():
            # only the records being fixed: a copy in a file that is not written is
            # left to the linter to report
            mine = sorted(((slot_of[m[0]], m[1]) for m in members
                           if m[0] in slot_of and (slot_of[m[0]], m[1]) in here),
                          key=lambda k: (order.get(norm[k[0]], len(order)), k[0], k[1]))
            # records (classification) carrying another label are not copies to drop,
            # however alike their texts: each label's part of a cluster keeps its own
            # first kept record
            parts: dict[Any, list[tuple[int, int]]] = defaultdict(list)
            for k in mine:
                label = _canonical_label(here[k], variants) if classification else None
                parts[label].append(k)
            first_seen = False
            for part in parts.values():
                keeper = next((k for k in part if k not in rejected), None)
                if keeper is None:
                    continue
                if first_seen:
                    out.counts[("labels", "kept")] += 1
                first_seen = True
                kit = here[keeper]
                kwhere = place(kit.path, kit.line, kit.index)
                for k in part[part.index(keeper) + 1:]:
                    it = here[k]
                    code = code_of.get((norm[k[0]], k[1]), dup_codes[0])
                    what = "exact" if code == "DP301" else "near"
                    dropped[k] = (code, f"{code} {what} duplicate of {kwhere} (kept)")

    for s, items in enumerate(slots):
        for it in items:
            key = (s, it.at)
            if key in dropped:
                code, reason = dropped[key]
                out.changes.append(it.change("drop", reason))
                out.counts[(code, "drop")] += 1
                continue
            if key in rejected:
                errs = rejected[key]
                out.rejects.append(reject_line(it, errs))
                codes = ", ".join(sorted({f.code for f in errs}))
                out.changes.append(it.change("reject", f"{codes} {errs[0].message}"))
                out.counts[("errors", "reject")] += 1
                continue
            _edit(it, findings.get(key, ()), fixes, matcher, variants, out)
            out.kept[s].append(it)
    return out


def _moved(f: Finding, it: Item) -> Finding:
    from dataclasses import replace

    return replace(f, path=it.path, line=it.line, record=it.index)


def _first_order(slots: Sequence[Sequence[Item]], extra: Sequence[Item],
                 order: Mapping[str, int], lint_paths: Sequence[str]) -> dict[str, int]:
    """File order of the items' own paths, as the linted files are ordered."""
    out: dict[str, int] = {}
    for s, items in enumerate(slots):
        pos = order.get(os.path.normpath(lint_paths[s]), len(order))
        for it in items:
            out.setdefault(it.path, pos)
    for it in extra:
        out.setdefault(it.path, order.get(it.path, len(order)))
    return out


def reject_line(it: Item, errs: Sequence[Finding]) -> dict[str, Any]:
    """A rejects line: the record as read, its first place and the error findings."""
    return {"record": it.data, "path": it.path, "line": it.line, "index": it.index,
            "reasons": [{"code": f.code, "message": f.message} for f in errs]}


def _mutable(it: Item) -> dict[str, Any]:
    """The item's data, copied before the first edit (rejects and the input stay as read)."""
    if not it.edited:
        it.data = copy.deepcopy(it.data)
        it.edited = True
        it.offset = None
    return it.data


def _edit(it: Item, fs: Iterable[Finding], fixes: set[str], matcher: Any,
          variants: Mapping[tuple[str, bool], tuple[str, bool]], out: Outcome) -> None:
    """Apply the edits of one kept record, each where its layout keeps the text."""
    fs = list(fs)
    fmt, view = it.view()
    layout = records.get(fmt)
    written = lambda p: records.written_pointer(p, it.mapping)  # noqa: E731
    if "DP505" in fixes and layout.replies:
        pointers = {f.pointer for f in fs if f.code == "DP505" and f.pointer}
        done = False
        for t in layout.turns(view):
            if t.pointer not in pointers or t.role != "assistant" or t.kind != "text":
                continue
            value = get_at(it.data, written(t.pointer))
            if type(value) is not str or value != t.text:
                continue  # the view joined several fields: not one place to write
            new = trim_reply(value, layout.leading_space_ok)
            if new != value:
                set_at(_mutable(it), written(t.pointer), new)
                out.changes.append(it.change("edit", f"DP505 whitespace around the reply at {t.pointer}",
                                             value, new))
                done = True
        if done:
            out.counts[("DP505", "edit")] += 1
    if "DP506" in fixes:
        if any(f.code == "DP506" and f.pointer == "/input" for f in fs):
            p = written("/input")
            value = get_at(it.data, p)
            if type(value) is str and is_no_input(value, matcher):
                set_at(_mutable(it), p, "")
                out.changes.append(it.change("edit", "DP506 placeholder input replaced by \"\"",
                                             value, ""))
                out.counts[("DP506", "edit")] += 1
    if variants and fmt != records.UNKNOWN:
        _edit_label(it, fmt, variants, out)


def _edit_label(it: Item, fmt: str, variants: Mapping[tuple[str, bool], tuple[str, bool]],
                out: Outcome) -> None:
    from dataprep.checks.labels import label_of

    _, view = it.view()
    got = label_of(fmt, view)
    target = variants.get(got) if got is not None else None
    if target is None:
        return
    layout = records.get(fmt)
    field_ = layout.label_field(view) if layout.task == "classification" else None
    pointer = field_[0] if field_ is not None else layout.label_pointer(view)
    if pointer is None:
        return
    p = records.written_pointer(pointer, it.mapping)
    value = get_at(it.data, p)
    if layout.task == "classification":
        shown = value if type(value) is str else json.dumps(value)
        if shown != got[0]:  # type: ignore[index]
            return
        new: Any = _label_value(*target)
    else:
        if type(value) is not str or value.strip() != got[0]:  # type: ignore[index]
            return  # the reply read as a label is not one field
        new = target[0]
    before = value if type(value) is str else json.dumps(value)
    set_at(_mutable(it), p, new)
    out.changes.append(it.change("edit", f"DP403 label variant -> canonical label at {pointer}",
                                 before, new if type(new) is str else json.dumps(new)))
    out.counts[("DP403", "edit")] += 1


# ------------------------------------------------------------------ the whole run


@dataclass(frozen=True)
class Target:
    """One input and where its fixed records go."""

    spec: SourceSpec
    output: str
    #: where ``--in-place`` keeps the original (None: not in place)
    backup: str | None = None


@dataclass
class Report:
    """Everything ``fix`` did or would do, for the summary and the tests."""

    records_in: int
    records_out: int
    counts: Counter[tuple[str, str]]
    unreadable: int
    before: Any
    after: Any
    changes: list[Change]
    written: list[tuple[str, int]]
    rejects_path: str | None
    rejects: int
    notes: list[str]
    rounds: int
    fixes: frozenset[str]
    #: the rejects file of an earlier run, when this one rejected nothing (never deleted)
    stale_rejects: str | None = None
    #: (path, line) pairs several input records share (a one-line JSON array)
    shared: set[tuple[str, int]] = field(default_factory=set)

    @property
    def dropped(self) -> int:
        return sum(n for (_, action), n in self.counts.items() if action == "drop")

    @property
    def rejected(self) -> int:
        return self.counts[("errors", "reject")] + self.unreadable


DATA_ENDINGS = (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson", ".json", ".parquet", ".gz")


def output_name(spec: SourceSpec) -> str:
    """The base name of a fixed file: the input's, with a JSON Lines ending."""
    base = os.path.basename(os.path.normpath(spec.real_path))
    for end in DATA_ENDINGS:
        if base.lower().endswith(end):
            base = base[: -len(end)]
            break
    if spec.hf_split:
        base = f"{base}-{spec.hf_split}"
    return base + ".jsonl"


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _identical(a: str, b: str) -> bool:
    try:
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                x, y = fa.read(1 << 20), fb.read(1 << 20)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def plan_targets(inputs: Sequence[str], specs: Sequence[SourceSpec], output: str | None,
                 in_place: bool) -> tuple[list[Target], bool]:
    """Where each input's fixed records go; (targets, the output is a directory).

    One input file: ``output`` is a file (or, when it is an existing directory, the file
    of the input's name in it).  Several inputs, a directory or a glob: ``output`` is a
    directory with one file per input.  Inputs are never a target unless ``in_place``.
    """
    from dataprep.errors import UsageError

    if not specs:
        raise UsageError("no input records: the inputs hold no data files")
    if in_place:
        targets = []
        for spec in specs:
            low = spec.real_path.lower()
            if spec.kind != "jsonl" or not low.endswith((".jsonl", ".ndjson")):
                raise UsageError(f"--in-place needs plain .jsonl inputs: {spec.path} is not one "
                                 "(use -o to write a new .jsonl file)")
            backup = spec.real_path + ".bak"
            if os.path.exists(backup) and not _identical(backup, spec.real_path):
                raise UsageError(f"backup {backup} exists and differs from {spec.path}: "
                                 "move it away first (it may be the only copy of an earlier original)")
            targets.append(Target(spec, spec.real_path, backup))
        return targets, False
    assert output is not None
    single = (len(inputs) == 1 and len(specs) == 1 and os.path.isfile(inputs[0])
              and not os.path.isdir(output) and not output.endswith(os.sep))
    if single:
        targets = [Target(specs[0], output)]
    else:
        if os.path.exists(output) and not os.path.isdir(output):
            raise UsageError(f"{output} is a file: with several inputs -o names a directory")
        names: dict[str, str] = {}
        targets = []
        for spec in specs:
            name = output_name(spec)
            if name in names:
                raise UsageError(f"{names[name]} and {spec.path} would both be written to "
                                 f"{os.path.join(output, name)}: fix them in separate runs")
            names[name] = spec.path
            targets.append(Target(spec, os.path.join(output, name)))
    for t in targets:
        for spec in specs:
            if os.path.exists(t.output) and _same_file(t.output, spec.real_path):
                raise UsageError(f"{t.output} is an input: write elsewhere with -o, or use --in-place")
    return targets, not single


def default_rejects(targets: Sequence[Target], output: str | None, to_dir: bool) -> str:
    """Beside the output: ``OUT`` stem + ``.rejects.jsonl``; for an output directory, beside
    the directory (inside it, a later ``lint DIR`` would read the rejects as data)."""
    if output is not None and to_dir:
        return os.path.normpath(output) + ".rejects.jsonl"
    first = targets[0].output
    folder = os.path.dirname(first)
    if len(targets) > 1:
        return os.path.join(folder, "dataprep-fix.rejects.jsonl")
    stem = output_name(SourceSpec(first, first, "jsonl", "train"))[: -len(".jsonl")]
    return os.path.join(folder, stem + ".rejects.jsonl")


def _rows(items: Sequence[Item], lines: Mapping[str, Any]) -> Iterable[Any]:
    for it in items:
        raw = None
        src = lines.get(it.path) if not it.edited else None
        if src is not None:
            raw = src.line(it.offset, it.data)
        yield raw if raw is not None else it.data


def _merge(total: Outcome, step: Outcome) -> None:
    total.rejects.extend(step.rejects)
    total.changes.extend(step.changes)
    for key, n in step.counts.items():
        if key[1] == "kept":  # a record spared is spared again in every round: count it once
            total.counts[key] = max(total.counts[key], n)
        else:
            total.counts[key] += n
    total.notes.extend(step.notes)


def run(inputs: Sequence[str], *, output: str | None, in_place: bool, dry_run: bool,
        fixes: set[str], rejects_path: str | None, cfg: Any) -> Report:
    """Lint, fix, lint the fixed output; write it unless ``dry_run``.

    The fixed records are first written to a temporary folder (same base names) and
    linted there; that lint decides whether another round is needed and gives the
    "after" score.  Only then are the outputs written, each atomically, so a failed run
    leaves no half-fixed file.
    """
    import shutil
    import tempfile

    from dataprep.api import lint
    from dataprep.errors import UsageError
    from dataprep.rewrite import SourceLines, write_jsonl, write_many
    from dataprep.sources import discover

    specs = [s for s in discover(inputs) if s.kind != "registry"]
    targets, to_dir = plan_targets(inputs, specs, output, in_place)
    rejects_file = rejects_path or default_rejects(targets, output, to_dir)
    for t in targets:
        if _same_file(rejects_file, t.output) or _same_file(rejects_file, t.spec.real_path):
            raise UsageError(f"the rejects file {rejects_file} would overwrite {t.output}: "
                             "choose another with --rejects")

    before = lint(inputs, config=cfg)
    slot_paths = [t.spec.path for t in targets]
    slots: list[list[Item]] = []
    failures: list[ParseFailure] = []
    for t in targets:
        mapping = {**cfg.fields, **dict(t.spec.fields)} if t.spec.fields else dict(cfg.fields)
        items, bad = load_items(t.spec, mapping, t.spec.layout or cfg.format_hint)
        slots.append(items)
        failures.extend(bad)
    extra: list[Item] = []
    if "DP403" in fixes and any(f.code == "DP403" for f in before.findings):
        for spec in discover(inputs, cfg.eval):
            if spec.path not in slot_paths and spec.kind != "registry":
                mapping = {**cfg.fields, **dict(spec.fields)} if spec.fields else dict(cfg.fields)
                extra.extend(load_items(spec, mapping, spec.layout or cfg.format_hint)[0])
    matcher = no_input_matcher(cfg) if "DP506" in fixes else None
    records_in = sum(len(s) for s in slots) + len(failures)

    total = fix_round(slots, slot_paths, before, fixes, cfg, matcher, extra)
    total.rounds = 1
    lines = {t.spec.path: SourceLines(t.spec.real_path) for t in targets if t.spec.kind == "jsonl"}
    tmp = tempfile.mkdtemp(prefix="dataprep-fix-")
    try:
        while True:
            tmp_paths = []
            for n, (t, items) in enumerate(zip(targets, total.kept)):
                p = os.path.join(tmp, str(n), os.path.basename(t.output))
                write_jsonl(p, _rows(items, lines))
                tmp_paths.append(os.path.normpath(p))
            after = lint(tmp_paths, config=cfg)
            if total.rounds >= MAX_ROUNDS:
                break
            for items in total.kept:
                for pos, it in enumerate(items):
                    it.at = pos
            step = fix_round(total.kept, tmp_paths, after, fixes, cfg, matcher, extra)
            if not step.changes:
                break
            total.kept = step.kept
            _merge(total, step)
            total.rounds += 1
        written: list[tuple[str, int]] = []
        rejects = list(total.rejects)
        by_path: dict[str, set[int]] = defaultdict(set)
        for f in failures:
            if f.line is not None:
                by_path[f.path].add(f.line)
        real = {t.spec.path: t.spec.real_path for t in targets}
        texts = {p: raw_lines(real[p], want) for p, want in by_path.items()
                 if p in real and any(t.spec.path == p and t.spec.kind == "jsonl" for t in targets)}
        for f in failures:
            rejects.append(failure_reject(f, texts.get(f.path, {}).get(f.line or -1)))
            total.changes.append(Change(f.path, f.line, f.index if f.index is not None else -1,
                                        "reject", f"unreadable line ({f.kind}: {f.detail})"))
        if not dry_run:
            # all files are written before any is renamed; the rejects file first, so a
            # record taken out of an input replaced in place is never only in a temp file
            outs: list[tuple[str, Iterable[Any], str | None]] = (
                [(rejects_file, rejects, None)] if rejects else [])
            outs += [(t.output, _rows(items, lines), t.backup)
                     for t, items in zip(targets, total.kept)]
            written = list(zip([o[0] for o in outs], write_many(outs)))
            if rejects:
                written = [*written[1:], written[0]]
    finally:
        for src in lines.values():
            src.close()
        shutil.rmtree(tmp, ignore_errors=True)
    changes = sorted(total.changes, key=lambda c: (slot_paths.index(c.path) if c.path in slot_paths
                                                    else len(slot_paths), c.record))
    return Report(records_in, sum(len(k) for k in total.kept), total.counts, len(failures),
                  before, after, changes, written, rejects_file if rejects else None,
                  len(rejects), total.notes, total.rounds, frozenset(fixes),
                  rejects_file if not rejects and os.path.exists(rejects_file) else None,
                  shared_lines((it.path, it.line) for items in slots for it in items))
