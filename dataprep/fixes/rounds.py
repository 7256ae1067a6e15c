"""One fix round: the linter's findings decide what happens to each record.

Duplicate clusters come from the findings' ``related`` pointers (the cluster's first
record); each keeps its first *kept* record.  Errors reject, and the rest is edited.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from dataprep.checks import RULES
from dataprep.fixes.edits import (
    DUP_CODES,
    Item,
    Outcome,
    edit_record,
    item_label,
    label_plan,
    reject_line,
)
from dataprep.model import Finding
from dataprep.rewrite import place

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
    got = item_label(it)
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
            edit_record(it, findings.get(key, ()), fixes, matcher, variants, out)
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
