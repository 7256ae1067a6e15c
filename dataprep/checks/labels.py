"""DP401-DP403: labels that contradict each other or are spelled several ways.

A classifier learns the mapping from input to label; the same input with two labels,
or one class spelled three ways, teaches it noise it cannot learn around.  These rules
apply to classification-like data only (the run's task is ``classification``, inferred
or configured): ``{"text", "label"}`` records and chat, ShareGPT, completion or Alpaca
records whose output is a short label.

What counts as a record's *label* and *input*:

- label: a classification record's ``label`` (a string, number or boolean; lists and
  objects are DP105's and are skipped; blank strings are DP171's); for the other formats
  the stripped output when it is a short single line (as the task profile infers it).
  Labels compare by value *and* JSON type, so ``1`` and ``"1"`` are two spellings of one
  class (DP403 names them), never a conflict;
- input: the text of a classification record; for chat and ShareGPT the turns before the
  answer *without* system and developer messages (a long shared system prompt would make
  every pair of short questions look alike); the prompt of a completion record; the
  instruction and input of an Alpaca record.

State is small per record: a 16-byte digest of the normalised input, a location and a
label number (labels are interned); for DP402 a label number and a digest per record of
the near-duplicate stage.  Texts are re-read only for the few near pairs of
non-classification records that need re-measuring (see ``_near_pairs``).
"""

from __future__ import annotations


import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from hashlib import blake2b
from typing import Any

from dataprep.checks.base import Check, Emit, Rule
from dataprep import records
from dataprep.records import SEPARATORS
from dataprep.model import Record, Related
from dataprep.normalize import normalize
from dataprep.stages import MAX_LABEL_CHARS

DATASET = "<dataset>"
LABEL_CODES = ("DP401", "DP402", "DP403")
#: distinct labels beyond which the data is not a label set: the label rules stop
#: tracking labels (one info finding says so) instead of growing without bound
MAX_LABELS = 20_000
#: distinct labels above which DP403 compares spellings only by key, not by edit distance
MAX_EDIT_LABELS = 2_000
#: records from which "most labels are used once" means the data is no label set
MIN_MOSTLY_UNIQUE = 50
#: labels listed in a message before "and N more"
LIST_LIMIT = 6
#: characters that separate words in a label; removing them must not change the class
_SEPARATORS_RE = re.compile(r"[\s_\-.,:;/'\"`()\[\]{}!?]+")
_DIGITS_RE = re.compile(r"\d+")
_SYSTEM_ROLES = ("system", "developer")


class LabelConflict(Rule):
    """The same input (after normalisation) appears with different labels.

    A classifier cannot learn two answers to one question: identical inputs with
    different labels are label noise, and they cap the accuracy any model can reach. The
    first record of the input is kept; every later copy with another label is reported,
    with the labels this input was given and how often. Copies with the same label are
    DP301's (exact duplicates); labels that differ only in spelling are DP403's.

    Examples:
    pass: {"records": [{"text": "I want my money back", "label": "refund"}, {"text": "i want my money back", "label": "refund"}, {"text": "stop my subscription", "label": "cancel"}], "task": "classification"}
    fail: {"records": [{"text": "I want my money back", "label": "refund"}, {"text": "i want my  money back", "label": "cancel"}], "task": "classification"}
    """

    code = "DP401"
    name = "label.conflict"
    severity = "error"
    scope = "dataset"
    dimension = "labels"


class LabelNearConflict(Rule):
    """Near-duplicate inputs carry different labels.

    Inputs that differ by a word or a typo but have different labels are usually a
    labelling mistake, or a class boundary the guidelines do not settle. Either way the
    model is taught both answers for nearly the same input. Pairs come from the
    near-duplicate stage (MinHash LSH, verified Jaccard at DP302's ``threshold``); every
    record with an earlier near copy of another label is reported, pointing at the
    earliest such copy.

    Examples:
    pass: {"records": [{"text": "How do I reset my password?", "label": "account"}, {"text": "How do I reset my password??", "label": "account"}, {"text": "Where is my parcel?", "label": "delivery"}], "task": "classification"}
    fail: {"records": [{"text": "How do I reset my password?", "label": "account"}, {"text": "How do I reset my password??", "label": "billing"}], "task": "classification"}
    """

    code = "DP402"
    name = "label.near-conflict"
    severity = "warning"
    scope = "dataset"
    dimension = "labels"


class LabelVariant(Rule):
    """A label is a spelling variant of a more frequent label (case, spaces, punctuation, typo).

    ``Positive``, ``positive `` and ``postive`` are three classes to a trainer: the
    examples of one class are split, and the model learns to produce the misspellings.
    A label is a variant when it equals a more frequent label after case folding and
    whitespace collapsing, after dropping separators (``_ - . ,`` ...), when it differs
    from it only in JSON type (``1`` and ``"1"``), or when it is at most one edit away
    (two for labels of ten characters or more) and much rarer. Labels whose numbers
    differ (``class_1``, ``class_2``; ``-1``, ``1``) are never variants. On a tie the
    label seen first is the canonical one.

    Examples:
    pass: {"records": [{"text": "great", "label": "positive"}, {"text": "fine", "label": "positive"}, {"text": "awful", "label": "negative"}], "task": "classification"}
    fail: {"records": [{"text": "great", "label": "positive"}, {"text": "fine", "label": "positive"}, {"text": "nice", "label": "Positive "}, {"text": "awful", "label": "negative"}], "task": "classification"}
    """

    code = "DP403"
    name = "label.variant"
    severity = "warning"
    scope = "dataset"
    dimension = "labels"
    dimension_weight = 0.5  # a misspelt class is fixed by a rename
    options = {
        "max_edit_share": {
            "type": "number", "minimum": 0, "maximum": 1, "default": 0.5,
            "description": "A label one or two edits from another is a typo only when it has at most "
                           "this share of the other label's records (real classes such as "
                           "'sadness' and 'madness' are both common).",
        },
    }


# ------------------------------------------------------------------ label and input views


def label_of(fmt: str, d: Mapping[str, Any]) -> tuple[str, bool] | None:
    """(label text, is a string) of a record, or None when it has no usable label.

    An explicit label (classification): non-string labels become their JSON text (``1``,
    ``true``); lists and objects are DP105's, blank strings DP171's, and neither is a label
    here.  Other layouts: their output when it is short enough to be a label.
    """
    layout = records.get(fmt)
    if layout.task == "classification":
        return layout.label(d)
    out = layout.output(d)
    if out is None:
        return None
    out = out.strip()
    if not out or len(out) > MAX_LABEL_CHARS or "\n" in out:
        return None
    return out, True


def input_of(fmt: str, d: Mapping[str, Any]) -> str:
    """The input a label was given for ("" when there is none); see the module docstring."""
    return records.get(fmt).label_input(d)


def _digest(norm: str) -> bytes:
    return blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def show(text: str, is_str: bool) -> str:
    """A label as users wrote it: strings quoted, numbers and booleans bare."""
    return repr(text) if is_str else text


# ------------------------------------------------------------------ spelling variants


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None  # NaN is no number to compare


def osa_within(a: str, b: str, k: int) -> bool:
    """Whether the optimal-string-alignment (Damerau-Levenshtein) distance is at most ``k``."""
    if abs(len(a) - len(b)) > k:
        return False
    if a == b:
        return True
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        ai = a[i - 1]
        for j in range(1, len(b) + 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ai != b[j - 1]))
            if i > 1 and j > 1 and ai == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > k:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= k


def edit_budget(a: str, b: str) -> int:
    """Edits two separator-free label keys may differ by and still be one label."""
    shorter = min(len(a), len(b))
    return 2 if shorter >= 10 else 1 if shorter >= 5 else 0


class LabelInfo:
    """One distinct label: how it was written, where first seen, how many records."""

    __slots__ = ("text", "is_str", "first", "count", "order")

    def __init__(self, text: str, is_str: bool, first: tuple[int, int | None, int], order: int):
        self.text = text
        self.is_str = is_str
        self.first = first  # (file number, line, record index)
        self.count = 0
        self.order = order

    @property
    def shown(self) -> str:
        return show(self.text, self.is_str)


def variant_reason(a: LabelInfo, b: LabelInfo) -> str | None:
    """Why label ``a`` is another spelling of ``b`` (edit distance aside), or None."""
    na, nb = _number(a.text), _number(b.text)
    if na is not None or nb is not None:
        # numbers are classes of their own: only the same value written another way
        if na is None or nb is None or na != nb:
            return None
        if a.text == b.text:
            return "differs only in JSON type"
        return "is the same number written differently"
    typed = "" if a.is_str == b.is_str else " and JSON type"
    if a.text == b.text:
        return "differs only in JSON type"
    ka, kb = normalize(a.text), normalize(b.text)
    if ka == kb:
        return f"differs only in case or whitespace{typed}"
    sa = _SEPARATORS_RE.sub("", ka)
    if sa and sa == _SEPARATORS_RE.sub("", kb):
        return f"differs only in punctuation, underscores, hyphens or spaces{typed}"
    return None


def _key(text: str) -> str:
    """Case-folded label without separators; labels made only of separators keep them;
    numbers are keyed by value (``1``, ``"1"`` and ``1.0`` meet, ``-1`` stays apart)."""
    num = _number(text)
    if num is not None:
        return "\x01" + repr(num)
    k = normalize(text)
    return _SEPARATORS_RE.sub("", k) or "\x00" + k


def find_variants(labels: list[LabelInfo],
                  max_edit_share: float) -> dict[int, tuple[int, int, str]]:
    """Variant label number → (label it is a spelling of, canonical label number, reason).

    A variant must be rarer than its canonical label (on equal counts: seen later).  The
    canonical label is the most frequent label the variant is a spelling of, followed
    through chains so that every variant names the label to keep.  Key comparisons group
    labels in O(labels); the edit distance is tried only between keys of similar length
    and only up to ``MAX_EDIT_LABELS`` distinct labels.
    """
    rank = sorted(labels, key=lambda x: (-x.count, x.order))
    pos = {x.order: i for i, x in enumerate(rank)}
    key = {x.order: _key(x.text) for x in labels}
    by_key: dict[str, list[LabelInfo]] = defaultdict(list)
    by_len: dict[int, list[LabelInfo]] = defaultdict(list)
    for x in rank:
        by_key[key[x.order]].append(x)
        if not key[x.order].startswith(("\x00", "\x01")):
            by_len[len(key[x.order])].append(x)
    use_edits = len(labels) <= MAX_EDIT_LABELS
    found: dict[int, tuple[int, str]] = {}
    for x in rank[1:]:
        kx = key[x.order]
        best: tuple[int, str] | None = None
        for y in by_key[kx]:
            if pos[y.order] >= pos[x.order]:
                break  # candidates come in rank order: the rest are rarer
            reason = variant_reason(x, y)
            if reason is not None:
                best = (y.order, reason)
                break
        if best is None and use_edits and x in by_len.get(len(kx), ()):
            digits = _DIGITS_RE.findall(kx)
            for n in range(len(kx) - 2, len(kx) + 3):
                for y in by_len.get(n, ()):
                    if pos[y.order] >= pos[x.order]:
                        break
                    if best is not None and pos[y.order] > pos[best[0]]:
                        break  # a more frequent match was found at another length
                    ky = key[y.order]
                    budget = edit_budget(kx, ky)
                    if (budget and x.count <= max_edit_share * y.count
                            and _DIGITS_RE.findall(ky) == digits and osa_within(kx, ky, budget)):
                        edits = 1 if osa_within(kx, ky, 1) else 2
                        best = (y.order, f"is {edits} edit{'s' if edits > 1 else ''} away")
                        break
        if best is not None:
            found[x.order] = best
    out: dict[int, tuple[int, int, str]] = {}
    for order, (target, reason) in found.items():
        final = target
        while final in found:  # a chain ends at a label that is no variant
            final = found[final][0]
        out[order] = (target, final, reason)
    return out


# ------------------------------------------------------------------ the check


class LabelsCheck(Check):
    """Collects labels and input digests while reading; decides and reports in ``finish``."""

    rules = (LabelConflict, LabelNearConflict, LabelVariant)

    @classmethod
    def needed_stages(cls, enabled: frozenset[str]) -> tuple[str, ...]:
        # MinHash is costly: run it for DP402 only
        return ("near",) if "DP402" in enabled else ()

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        self.label_ids: dict[str, int] = {}
        self.labels: list[LabelInfo] = []
        self.overflow = False
        self.labelled = 0
        #: input digest (with split mark) → (file, line, index, label) of its first record
        self.first: dict[bytes, tuple[int, int | None, int, int]] = {}
        #: (digest, file, line, index, label) of every later record with the same input
        self.repeats: list[tuple[bytes, int, int | None, int, int]] = []
        near = context.stages.get("near")
        wanted = near is not None and "DP402" in getattr(context, "enabled", ())
        self.near = near if wanted else None
        self.near_seen = 0
        #: per near-stage record id: label number (-1: none) and input digest
        self.near_label = array("i")
        self.near_digest = array("Q")

    def _label_id(self, text: str, is_str: bool, where: tuple[int, int | None, int]) -> int:
        key = text if is_str else "\x00" + text
        lid = self.label_ids.get(key)
        if lid is None:
            if len(self.labels) >= MAX_LABELS:
                if not self.overflow:
                    self.overflow = True
                    self.first.clear()
                    self.repeats.clear()
                return -1
            lid = self.label_ids[key] = len(self.labels)
            self.labels.append(LabelInfo(text, is_str, where, lid))
        return lid

    def derive_many(self, recs: list[Record]) -> list[tuple[str, bool, bytes | None] | None]:
        """Map phase: each record's label, whether it is a string, and the digest of its
        normalised input (None: no input)."""
        out: list[tuple[str, bool, bytes | None] | None] = []
        for rec in recs:
            got = None if rec.format == records.UNKNOWN else label_of(rec.format, rec.data)
            if got is None:
                out.append(None)
                continue
            norm = normalize(input_of(rec.format, rec.data))
            out.append((got[0], got[1], _digest(norm) if norm else None))
        return out

    def observe(self, rec: Record, valid: bool) -> None:
        near = self.near
        rid = -1
        if near is not None and len(near.file) > self.near_seen:
            rid = self.near_seen = len(near.file)
            rid -= 1
        lid, digest8 = -1, 0
        if valid and not self.overflow:
            got = self.derived(rec)
            if got is not None:
                file_no = len(self.context.files) - 1
                where = (file_no, rec.line, rec.index)
                lid = self._label_id(got[0], got[1], where)
                if lid >= 0:
                    self.labels[lid].count += 1
                    self.labelled += 1
                    d = got[2]
                    if d is not None and not self.overflow:
                        split = self.context.files[file_no].split
                        digest8 = int.from_bytes(d[:8], "little")
                        key = (b"e" if split == "eval" else b"t") + d
                        if key in self.first:
                            self.repeats.append((key, file_no, rec.line, rec.index, lid))
                        else:
                            self.first[key] = (file_no, rec.line, rec.index, lid)
        if rid >= 0:
            self.near_label.append(lid)
            self.near_digest.append(digest8)

    # -------------------------------------------------------------- reporting

    def _path(self, file_no: int) -> str:
        return self.context.files[file_no].path

    def _loc(self, file_no: int, line: int | None, index: int) -> str:
        path = self._path(file_no)
        return f"{path}:{line}" if line is not None else f"{path} record {index + 1}"  # 1-based for people

    def finish(self, emit: Emit) -> None:
        task = self.context.stages["task"]
        if task.task != "classification" or not self.labels:
            return
        if self.overflow:
            emit("DP403", DATASET, None, None,
                 f"more than {MAX_LABELS:,} distinct labels: this is not a label set, so label "
                 "conflicts and variants were not checked (is the task really classification?)",
                 severity="info")
            return
        if self._unique_info(emit):
            return  # free-text outputs: every near pair would "conflict"
        canon = list(range(len(self.labels)))
        variants = find_variants(self.labels, float(self.opt("DP403", "max_edit_share")))
        for order, (target, final, reason) in sorted(variants.items()):
            canon[order] = final
            self._report_variant(emit, self.labels[order], self.labels[target],
                                 self.labels[final], reason)
        flagged = self._conflicts(emit, canon)
        if self.near is not None:
            self._near_conflicts(emit, canon, flagged if "DP401" in emit.enabled else set())

    def _unique_info(self, emit: Emit) -> bool:
        """An info when most labels are used once: then this is not a label set, and
        comparing labels would report every near pair of free-text outputs."""
        n, distinct = self.labelled, len(self.labels)
        singles = sum(1 for x in self.labels if x.count == 1)
        # every label unique (from a handful of records on), or most records' labels
        # unique in a dataset large enough that this is no accident of a small sample
        if not ((n >= 5 and distinct == n) or (n >= MIN_MOSTLY_UNIQUE and singles * 2 > n)):
            return False
        what = (f"each of the {n} labelled records has a label of its own" if distinct == n else
                f"{singles} of {n} labelled records have a label no other record has")
        emit("DP403", DATASET, None, None,
             f"{what} ({distinct} distinct labels): this does not look like classification data; "
             "label conflicts and variants were not checked (run with --task generative if the "
             "outputs are free text)",
             severity="info")
        return True

    def _report_variant(self, emit: Emit, x: LabelInfo, y: LabelInfo, final: LabelInfo,
                        reason: str) -> None:
        file_no, line, index = x.first
        emit("DP403", self._path(file_no), line, index,
             f"label {x.shown} ({x.count} record(s)) {reason} from the more frequent {y.shown} "
             f"({y.count} record(s)): use {final.shown}", count=x.count)

    def _labels_list(self, counts: Counter[int]) -> str:
        items = sorted(counts.items(), key=lambda kv: (-kv[1], self.labels[kv[0]].text))
        shown = ", ".join(f"{self.labels[lid].text} ({n})" for lid, n in items[:LIST_LIMIT])
        more = len(items) - LIST_LIMIT
        return shown + (f" and {more} more" if more > 0 else "")

    def _conflicts(self, emit: Emit, canon: list[int]) -> set[tuple[int, int]]:
        """DP401; returns the (file, index) of every reported record."""
        groups: dict[bytes, list[tuple[int, int | None, int, int]]] = defaultdict(list)
        for key, file_no, line, index, lid in self.repeats:
            groups[key].append((file_no, line, index, lid))
        flagged: set[tuple[int, int]] = set()
        for key, members in groups.items():
            f_file, f_line, f_index, f_lid = self.first[key]
            if all(canon[lid] == canon[f_lid] for *_, lid in members):
                continue
            counts = Counter([f_lid, *(lid for *_, lid in members)])
            listing = self._labels_list(counts)
            first = Related(self._path(f_file), f_line, f_index)
            there = self.labels[f_lid].shown
            for file_no, line, index, lid in members:
                if canon[lid] == canon[f_lid]:
                    continue  # same label as the first: DP301's exact duplicate
                flagged.add((file_no, index))
                emit("DP401", self._path(file_no), line, index,
                     f"same text as {self._loc(f_file, f_line, f_index)} with a different label: "
                     f"{self.labels[lid].shown} here, {there} there; "
                     f"labels for this text: {listing}",
                     related=(first,))
        return flagged

    def _near_conflicts(self, emit: Emit, canon: list[int], skip: set[tuple[int, int]]) -> None:
        """DP402: every record with an earlier near copy (same split) of another label."""
        near = self.near
        labels, digests = self.near_label, self.near_digest
        n = len(labels)
        pairs: dict[tuple[int, int], float] = {}
        for a, b, sim in _near_pairs(near, labels, digests, canon):
            if a < n and b < n:
                key = (min(a, b), max(a, b))
                pairs[key] = max(sim, pairs.get(key, 0.0))
        partners: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for (a, b), sim in pairs.items():
            partners[a].append((b, sim))
            partners[b].append((a, sim))
        for rid in sorted(partners):
            earlier = sorted((p, s) for p, s in partners[rid]
                             if p < rid and canon[labels[p]] != canon[labels[rid]])
            if not earlier:
                continue
            path, line, index = near.where(rid)
            if (near.file[rid], index) in skip:
                continue  # already a DP401 conflict
            p, sim = earlier[0]
            ppath, pline, pindex = near.where(p)
            group = Counter([labels[rid], *(labels[q] for q, _ in partners[rid])])
            loc = f"{ppath}:{pline}" if pline is not None else f"{ppath} record {pindex + 1}"
            emit("DP402", path, line, index,
                 f"near duplicate of {loc} (Jaccard {sim:.2f}) with a different label: "
                 f"{self.labels[labels[rid]].shown} here, {self.labels[labels[p]].shown} there; "
                 f"labels among these near copies: {self._labels_list(group)}",
                 related=(Related(ppath, pline, pindex),))


def _near_pairs(near: Any, labels: array, digests: array,
                canon: list[int]) -> Iterable[tuple[int, int, float]]:
    """Verified near pairs of labelled records, same split, other label, other input.

    Classification records are compared by the near stage on their text alone, so its
    edges are used as they are.  Other records were compared on their whole
    conversation, label included, and chat inputs may share a long system prompt: their
    candidate pairs (prompt view when the stage built it, else the whole view) are
    re-measured on the input as this module defines it (re-read from disk), with the
    stage's shingles and threshold.
    """
    from dataprep.records import FORMATS

    # layouts whose near-duplicate text is the labelled input itself
    text_only = {i for i, f in enumerate(FORMATS) if records.get(f).near_is_input}
    n = len(labels)
    recheck: dict[tuple[int, int], None] = {}
    for edges, is_prompt in ((near.result.full, False), (near.result.prompt, True)):
        for e in edges:
            a, b = e.a, e.b
            if a >= n or b >= n or labels[a] < 0 or labels[b] < 0:
                continue
            if near.split[a] != near.split[b] or digests[a] == digests[b]:
                continue  # across splits: DP304's; the same input: DP401's
            if digests[a] == 0 or digests[b] == 0:
                continue  # no input to compare
            if canon[labels[a]] == canon[labels[b]]:
                continue
            if near.fmt[a] in text_only and near.fmt[b] in text_only:
                if not is_prompt:
                    yield a, b, e.similarity
            else:
                recheck[(a, b)] = None
    if recheck:
        yield from _remeasure(near, list(recheck))


def _remeasure(near: Any, pairs: list[tuple[int, int]]) -> Iterable[tuple[int, int, float]]:
    """Jaccard of ``pairs`` on their inputs, re-read in batches (memory stays bounded)."""
    import numpy as np

    from dataprep.dedup.fetch import fetch_many
    from dataprep.dedup.minhash import jaccard
    from dataprep.dedup.shingles import kinds_for, shingle, word_hashes
    from dataprep.records import FORMATS, UNKNOWN

    names = (*FORMATS, UNKNOWN)
    ctx = near.context
    batch = 20_000
    for start in range(0, len(pairs), batch):
        chunk = pairs[start : start + batch]
        ids = sorted({x for p in chunk for x in p})
        locs = [(near.file[i], near.index[i], near.offset[i] if near.offset[i] >= 0 else None)
                for i in ids]
        data = fetch_many(ctx.specs, locs, ctx.config.fields)
        prepared: dict[int, tuple[str, np.ndarray]] = {}
        for i in ids:
            d = data.get((near.file[i], near.index[i]))
            if d is not None:
                norm = normalize(input_of(names[near.fmt[i]], d).translate(SEPARATORS))
                prepared[i] = (norm, word_hashes(norm))
        for a, b in chunk:
            pa, pb = prepared.get(a), prepared.get(b)
            if pa is None or pb is None:
                continue
            best = 0.0
            for kind in set(kinds_for(len(pa[1]))) & set(kinds_for(len(pb[1]))):
                sa, sb = shingle(pa[0], kind, pa[1]), shingle(pb[0], kind, pb[1])
                j = jaccard(sa, sb)
                if j >= near.bar(kind, len(sa), len(sb)):  # the stage's bar for this kind and length
                    best = max(best, j)
            if best:
                yield a, b, best
