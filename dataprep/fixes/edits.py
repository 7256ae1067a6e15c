"""What ``fix`` works on and the edits it makes: the fix codes, ``Item`` (a record on its
way), reading inputs, JSON-pointer edits in the file's own keys, and the single fixes
(reply whitespace, placeholder inputs, label variants).  No decision about which record
is dropped or rejected is made here: that is ``rounds``'s.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dataprep import records
from dataprep.checks import RULES
from dataprep.model import Finding, ParseFailure
from dataprep.rewrite import Change
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


def load_items(spec: SourceSpec, cfg: Any) -> tuple[list[Item], list[ParseFailure]]:
    """Records of one input as ``Item``s (read with the input's field mapping and layout,
    as the linter reads them), and the lines that could not be read."""
    mapping = {**cfg.fields, **dict(spec.fields)} if spec.fields else dict(cfg.fields)
    layout = spec.layout or cfg.format_hint
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


def _walk(d: Any, steps: Sequence[str]) -> Any:
    cur = d
    for step in steps:
        if type(cur) is dict:
            if step not in cur:
                return None
            cur = cur[step]
        elif type(cur) is list and step.isdigit() and int(step) < len(cur):
            cur = cur[int(step)]
        else:
            return None
    return cur


def get_at(d: Any, pointer: str) -> Any:
    """The value at a JSON pointer, or None when the pointer leads nowhere."""
    return _walk(d, _steps(pointer))


def set_at(d: Any, pointer: str, value: Any) -> bool:
    """Replace the value at an existing JSON pointer; False when there is none."""
    steps = _steps(pointer)
    if not steps:
        return False
    parent = _walk(d, steps[:-1])
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


def item_label(it: Item) -> tuple[str, bool] | None:
    """The item's label as the linter reads it (``checks.labels.label_of``), or None."""
    from dataprep.checks.labels import label_of

    fmt, d = it.view()
    return None if fmt == records.UNKNOWN else label_of(fmt, d)


def label_plan(items: Sequence[Item], extra: Sequence[Item],
               order: Mapping[str, int], errors: set[tuple[str, int]], cfg: Any,
               variant_findings: Sequence[Finding]) -> tuple[dict[tuple[str, bool], tuple[str, bool]], list[str]]:
    """(label text, is a string) of each variant the linter reported -> its canonical label.

    Labels are counted as the linter counts them (valid records of every linted file, in
    file order), so ``find_variants`` names the same canonical label the message names.
    A reported label the recount does not confirm is left alone and noted.
    """
    from dataprep.checks.labels import LabelInfo, find_variants
    from dataprep.config import rule_options

    infos: dict[tuple[str, bool], LabelInfo] = {}
    every = sorted([*items, *extra], key=lambda it: (order.get(it.path, len(order)), it.index))
    for it in every:
        if (it.path, it.index) in errors:
            continue
        got = item_label(it)
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
        got = item_label(found)
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


def edit_record(it: Item, fs: Iterable[Finding], fixes: set[str], matcher: Any,
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
