"""The near-duplicate stage: MinHash LSH over every valid, non-repeated record.

Per record it keeps a location (file, index, line, byte offset), a split flag, a
format code, a response digest and band keys; never the text.  Band keys are computed
in the map phase, a batch of records at a time (``derive_many``, with
``dataprep.dedup.batch``), wherever that phase runs; ``observe`` queues them, up to
``BATCH_TEXTS`` keys, for the band stores, and ``finish`` flushes the rest before
grouping.  At the end it
verifies every candidate pair against the exact shingle-set Jaccard by re-reading the
records, then builds clusters (DP302), train/eval leaks (DP304) and same-prompt groups
(DP303).  Bytes per record are reported in the summary.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import numpy as np

from dataprep.dedup.batch import BATCH_TEXTS, band_keys_of, prepare
from dataprep.dedup.fetch import fetch_many
from dataprep.dedup.lsh import BandStore
from dataprep.dedup.minhash import Hasher, jaccard
from dataprep.dedup.shingles import CHAR_KIND, WORD_KIND, shingle, word_hashes
from dataprep.model import Derives, Record
from dataprep.normalize import normalize
from dataprep.records import (
    FORMATS,
    SEPARATORS,
    UNKNOWN,
    near_reuses_identity,
    prompt_response,
)
from dataprep.records import get as layout_of
from dataprep.records import near_text as full_text
from dataprep.stages import identity_norms

_FMT_CODE = {f: i for i, f in enumerate((*FORMATS, UNKNOWN))}
_FMT_NAME = {i: f for f, i in _FMT_CODE.items()}
#: verify at most this many distinct records' shingles at a time (memory bound)
_VERIFY_BATCH = 20_000
#: byte 5-grams that may differ on each side of a short pair at the default floor 0.8
#: (see ``short_bar``)
SHORT_DIFF = 6


def short_bar(size_a: int, size_b: int, floor: float) -> float:
    """The Jaccard two short texts (byte 5-gram sets of these sizes) must reach.

    A one-letter typo changes at most five byte 5-grams on each side, a replaced word
    about its length plus four (ten for a six-letter word).  Allowing ``SHORT_DIFF`` (6)
    per side, i.e. ``J >= (S - 6) / (S + 6)`` for a mean size ``S``, keeps typos,
    hyphens and doubled punctuation and drops most one-word changes, whose share of a
    short text is large and often its content ("capital of France" / "of Spain").
    ``floor`` (DP302's ``short_threshold``) decides for the shortest texts, where the
    formula would fall low: "Where is my parcel?" and "Where is my refund?" differ in
    six 5-grams per side.  The allowance scales with ``1 - floor`` (6 at 0.8, 15 at
    0.5, none at 1.0), so lowering the option loosens the whole bar.  Measured on real short texts (Alpaca instructions, banking77
    questions) of 9-24 words: 80-100 % of one-typo copies found and 10-15 % of one-word
    replacements, against 16-76 % with a flat 0.8 (the more words, the more).
    """
    size = (size_a + size_b) / 2
    diff = SHORT_DIFF * (1.0 - floor) / 0.2
    return max(floor, (size - diff) / (size + diff))


def _digest8(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def tool_digest(fmt: str, d: dict[str, Any]) -> int:
    """A digest of the record's tool calls and tool definitions (0: it has neither).

    Tool calls and the tools offered are part of what a record teaches: two conversations
    worded alike that call different tools, or the same tool with other arguments, or
    offer other tools, are different examples, so they are never near duplicates (exact
    duplicates already compare them through the identity).
    """
    layout = layout_of(fmt)
    calls = [t.text for t in layout.cached_turns(d) if t.kind == "call"]
    tools = layout.tools_text(d)
    if not calls and not tools:
        return 0
    return _digest8("\x1e".join(calls) + "\x1f" + tools) or 1


def label_digest(fmt: str, d: dict[str, Any]) -> int:
    """A digest of the label of a layout whose near text is its input alone (0: none).

    Lets DP302 leave a near copy with another label to DP402 (a label conflict is not a
    copy to drop).  Case-folded and whitespace-normalised; spelling variants are DP403's.
    """
    layout = layout_of(fmt)
    if not layout.near_is_input:
        return 0
    got = layout.label(d)
    return (_digest8(normalize(got[0])) or 1) if got is not None else 0


def _prepare(text: str) -> tuple[str, np.ndarray]:
    """Normalised text and its word hashes."""
    norm = prepare(text)
    return norm, word_hashes(norm)


@dataclass
class Edge:
    a: int
    b: int
    similarity: float


@dataclass
class NearResult:
    """What the checks read: verified pairs, per view."""

    full: list[Edge] = field(default_factory=list)
    prompt: list[Edge] = field(default_factory=list)


class NearDuplicates(Derives):
    """Stage "near" (see ``dataprep.stages``)."""

    name = "near"

    def __init__(self, context: Any) -> None:
        self.context = context
        opts = context.options.get("DP302", {})
        #: word 3-gram Jaccard for texts of 20 words or more
        self.threshold = float(opts.get("threshold", 0.7))
        #: the lowest byte 5-gram Jaccard for short texts (``short_bar`` raises it with length)
        self.short_threshold = float(opts.get("short_threshold", 0.8))
        self.side_threshold = float(opts.get("side_threshold", 0.7))
        num_perm, seed = int(opts.get("num_perm", 128)), int(opts.get("seed", 1))
        # one hasher per kind: each kind's bands are chosen for its own (lowest) bar
        self.hashers = {WORD_KIND: Hasher(num_perm, seed, self.threshold),
                        CHAR_KIND: Hasher(num_perm, seed, self.short_threshold)}
        spill = int(opts.get("spill_after", 2_000_000))
        enabled: frozenset[str] = getattr(context, "enabled", frozenset())
        self.want_prompt = bool({"DP303", "DP304", "DP402"} & set(enabled)) or not enabled
        self.stores: dict[tuple[str, str, str], BandStore] = {}
        self._spill = spill
        self.file = array("i")
        self.index = array("q")
        self.line = array("q")
        self.offset = array("q")
        self.split = array("b")
        self.fmt = array("b")
        self.response = array("Q")
        self.prompt_empty = array("b")
        #: ``tool_digest`` of each record: a pair whose digests differ is no near copy
        self.tools = array("Q")
        #: ``label_digest`` of each record (clusters ignore it: see ``relabelled``)
        self.label = array("Q")
        #: exact prompt groups: digest → first id; and (id, first id) for repeats
        self.prompt_first: dict[int, int] = {}
        self.prompt_repeats: list[tuple[int, int]] = []
        self.result = NearResult()
        self.candidates = 0
        #: per (view, kind, scheme), the record ids and band keys waiting for ``_flush``
        self._pending: dict[tuple[str, str, str], tuple[list[int], list[bytes]]] = {}
        self._pending_n = 0

    def _store(self, view: str, kind: str, scheme: str) -> BandStore:
        key = (view, kind, scheme)
        st = self.stores.get(key)
        if st is None:
            st = self.stores[key] = BandStore(self.hashers[kind].bands, self._spill)  # type: ignore[attr-defined]
        return st

    def derive_many(self, recs: list[Record]) -> list[Any]:
        """Map phase: per record, its views' band keys and digests (None: unknown layout).

        Band keys are made for the whole batch at once (``band_keys_of``); each record
        gets ``(response digest, prompt empty, prompt digest or 0, tool digest, label
        digest, full-text keys, prompt keys)`` where keys are ``((kind, scheme), row)`` pairs.  Exact repeats and
        invalid records get keys too; ``observe`` drops them.
        """
        out: list[Any] = [None] * len(recs)
        full_rows: list[int] = []
        full_texts: list[str] = []
        prompt_rows: list[int] = []
        prompt_texts: list[str] = []
        heads: list[Any] = []
        norms = identity_norms(recs)
        for i, rec in enumerate(recs):
            fmt = rec.format
            if fmt == UNKNOWN:
                heads.append(None)
                continue
            full_rows.append(i)
            norm = norms[i]
            if norm is not None and near_reuses_identity(fmt):
                # the exact stage's normalised text: only separators differ
                norm = norm.translate(SEPARATORS)
                while "  " in norm:
                    norm = norm.replace("  ", " ")
                full_texts.append(norm.strip(" "))
            else:
                full_texts.append(prepare(full_text(fmt, rec.data)))
            prompt, response = prompt_response(fmt, rec.data) if self.want_prompt else ("", "")
            pd = 0
            if prompt.strip():
                pnorm = prepare(prompt)
                pd = _digest8(pnorm)
                prompt_rows.append(i)
                prompt_texts.append(pnorm)
            heads.append((_digest8(normalize(response)) if response else 0,
                          0 if prompt.strip() else 1, pd, tool_digest(fmt, rec.data),
                          label_digest(fmt, rec.data)))
        keys: dict[int, tuple[list[Any], list[Any]]] = {i: ([], []) for i in full_rows}
        for side, rows, texts in ((0, full_rows, full_texts), (1, prompt_rows, prompt_texts)):
            if not texts:
                continue
            for got in band_keys_of(texts, self.hashers):
                where = (got.kind, got.scheme)
                # bytes, not array rows: a result crossing processes unpickles 10x faster
                raw = np.ascontiguousarray(got.keys, dtype=np.uint64).tobytes()
                width = raw and len(raw) // len(got.keys)
                for n, row in enumerate(got.rows.tolist()):
                    keys[rows[row]][side].append((where, raw[n * width:(n + 1) * width]))
        for i in full_rows:
            full, prompt = keys[i]
            out[i] = (*heads[i], tuple(full), tuple(prompt))
        return out

    def _index(self, rid: int, view: str, found: tuple[tuple[tuple[str, str], bytes], ...]) -> None:
        """Queue a record's band keys of one view; a full batch goes to the stores at once."""
        for (kind, scheme), k in found:
            ids, rows = self._pending.setdefault((view, kind, scheme), ([], []))
            ids.append(rid)
            rows.append(k)
            self._pending_n += 1
        if self._pending_n >= BATCH_TEXTS:
            self._flush()

    def _flush(self) -> None:
        for (view, kind, scheme), (ids, rows) in sorted(self._pending.items()):
            if ids:
                keys = np.frombuffer(b"".join(rows), dtype=np.uint64).reshape(len(ids), -1)
                self._store(view, kind, scheme).add_many(np.asarray(ids, dtype=np.int64), keys)
        self._pending.clear()
        self._pending_n = 0

    def observe(self, rec: Record, valid: bool, split: str) -> None:
        if not valid:
            return
        exact = self.context.stages.get("exact")
        if exact is not None and exact.last_repeat:
            return  # an exact repeat is DP301's; its text is its first copy's
        got = self.derived(rec)
        if got is None:
            return
        response, prompt_empty, pd, tools, label, full, prompt = got
        rid = len(self.file)
        self.file.append(len(self.context.files) - 1)
        self.index.append(rec.index)
        self.line.append(rec.line if rec.line is not None else -1)
        self.offset.append(rec.offset if rec.offset is not None else -1)
        self.split.append(1 if split == "eval" else 0)
        self.fmt.append(_FMT_CODE.get(rec.format, _FMT_CODE[UNKNOWN]))
        self._index(rid, "full", full)
        self.response.append(response)
        self.prompt_empty.append(prompt_empty)
        self.tools.append(tools)
        self.label.append(label)
        if pd:
            first = self.prompt_first.get(pd)
            if first is None:
                self.prompt_first[pd] = rid
                self._index(rid, "prompt", prompt)
            else:
                self.prompt_repeats.append((rid, first))

    # ------------------------------------------------------------- verification

    def bar(self, kind: str, size_a: int, size_b: int) -> float:
        """The Jaccard a pair with shingle sets of these sizes must reach in ``kind``."""
        if kind == CHAR_KIND:
            return short_bar(size_a, size_b, self.short_threshold)
        return self.threshold

    def _texts(self, rid: int, data: dict[str, Any], view: str) -> str:
        fmt = _FMT_NAME[self.fmt[rid]]
        if view == "full":
            return full_text(fmt, data)
        return prompt_response(fmt, data)[0]

    def _verify(self, view: str, kind: str, pairs: np.ndarray) -> list[Edge]:
        specs = self.context.specs
        mapping = self.context.config.fields
        edges: list[Edge] = []
        for start in range(0, len(pairs), _VERIFY_BATCH):
            chunk = pairs[start : start + _VERIFY_BATCH]
            ids = np.unique(chunk)
            locs = [(self.file[i], self.index[i], self.offset[i] if self.offset[i] >= 0 else None)
                    for i in ids.tolist()]
            data = fetch_many(specs, locs, mapping)
            cache: dict[int, np.ndarray] = {}
            for i in ids.tolist():
                d = data.get((self.file[i], self.index[i]))
                if d is None:
                    continue
                norm, words = _prepare(self._texts(i, d, view))
                cache[i] = shingle(norm, kind, words)
            sides: dict[int, tuple[frozenset[int], frozenset[int]] | None] = {}
            for a, b in chunk.tolist():
                if view == "full" and self.tools[a] != self.tools[b]:
                    continue  # other tool calls or tools: another example (``tool_digest``)
                sa, sb = cache.get(a), cache.get(b)
                if sa is None or sb is None:
                    continue
                small, big = sorted((len(sa), len(sb)))
                bar = self.bar(kind, small, big)
                if big and small / big < bar:
                    continue  # Jaccard <= |small|/|big|: cannot reach the bar
                j = jaccard(sa, sb)
                if j >= bar and view == "full":
                    j = self._both_sides(a, b, j, data, sides)
                if j >= bar:
                    edges.append(Edge(a, b, j))
        return edges

    def _both_sides(self, a: int, b: int, j: float, data: dict[tuple[int, int], Any],
                    sides: dict[int, tuple[frozenset[int], frozenset[int]] | None]) -> float:
        """The similarity of a near pair whose prompt and reply sides are both near-equal.

        Two records with different prompts and the same long reply (a support set with
        one written answer per intent) look alike as whole texts, yet teach different
        things: a near duplicate needs both sides near-equal, each side's word sets
        overlapping by ``side_threshold`` (the side similarity is returned when one falls
        short, so the pair is dropped).  The same prompt with different replies is
        DP303's.  Records without a prompt/reply split keep ``j``.  Only verified pairs
        get here, and each record's word sets are made once per batch.
        """
        pair = []
        for rid in (a, b):
            if rid not in sides:
                d = data.get((self.file[rid], self.index[rid]))
                fmt = _FMT_NAME[self.fmt[rid]]
                p, r = ("", "") if d is None or layout_of(fmt).near_is_input else _sides(fmt, d)
                sides[rid] = ((frozenset(_prepare(p)[1].tolist()), frozenset(_prepare(r)[1].tolist()))
                              if p.strip() and r.strip() else None)
            pair.append(sides[rid])
        sa, sb = pair
        if sa is None or sb is None:
            return j
        for x, y in zip(sa, sb):
            side = len(x & y) / max(len(x | y), 1)
            if side < self.side_threshold:
                return side
        return j

    def finish(self) -> None:
        self._flush()
        best: dict[str, dict[tuple[int, int], float]] = {"full": {}, "prompt": {}}
        for (view, kind, _scheme), store in sorted(self.stores.items()):
            pairs = store.candidate_pairs()
            self.candidates += len(pairs)
            for e in self._verify(view, kind, pairs):
                key = (e.a, e.b)
                if e.similarity > best[view].get(key, -1.0):
                    best[view][key] = e.similarity
        self.result.full = [Edge(a, b, s) for (a, b), s in sorted(best["full"].items())]
        self.result.prompt = [Edge(a, b, s) for (a, b), s in sorted(best["prompt"].items())]
        self.stores.clear()
        self._analyse()

    def _analyse(self) -> None:
        """Clusters within each split, leaks across splits, same-prompt groups."""
        same = [e for e in self.result.full if self.split[e.a] == self.split[e.b]]
        partner: dict[int, tuple[int, float]] = {}
        for e in same:
            for x, y in ((e.a, e.b), (e.b, e.a)):
                cur = partner.get(x)
                if cur is None or y < cur[0]:
                    partner[x] = (y, e.similarity)
        roots = union_find(len(self.file), ((e.a, e.b) for e in same))
        groups = groups_of(roots)
        #: rid → (earliest verified partner, similarity, cluster size), for non-first members
        self.flagged: dict[int, tuple[int, float, int]] = {}
        #: rid → the cluster's first record (its smallest id: ids follow reading order)
        self.cluster_first: dict[int, int] = {}
        for root, members in groups.items():
            for m in members[1:]:
                p, sim = partner[m]
                self.flagged[m] = (p, sim, len(members))
                self.cluster_first[m] = root
        self.flagged_train = sum(1 for m in self.flagged if self.split[m] == 0)
        self.clusters = sum(1 for g in groups.values() if len(g) > 1)
        #: eval rid → (train rid, similarity), earliest training partner
        self.leaks: dict[int, tuple[int, float]] = {}
        for e in self.result.full:
            if self.split[e.a] == self.split[e.b]:
                continue
            ev, tr = (e.a, e.b) if self.split[e.a] == 1 else (e.b, e.a)
            cur = self.leaks.get(ev)
            if cur is None or tr < cur[0]:
                self.leaks[ev] = (tr, e.similarity)
        # same prompt (exact or near), train split only
        pedges = [(e.a, e.b) for e in self.result.prompt
                  if self.split[e.a] == 0 and self.split[e.b] == 0]
        pedges += [(a, b) for a, b in self.prompt_repeats if self.split[a] == 0 and self.split[b] == 0]
        self.prompt_groups: list[list[int]] = []
        for members in groups_of(union_find(len(self.file), pedges)).values():
            inside = set(members)
            # a member that is a near copy of another member does not bring a new response
            distinct = {self.response[m] for m in members
                        if not (m in self.flagged and self.flagged[m][0] in inside)}
            if len(members) > 1 and len(distinct) > 1:
                self.prompt_groups.append(members)
        self.prompt_groups.sort()

    def conflicting(self, members: list[int]) -> list[int]:
        """The members of a same-prompt group after its first whose response differs from it.

        A member whose whole record is a near copy of another member is DP302's, not a
        second answer; one with the first's response gives no conflicting answer.
        """
        first = members[0]
        inside = set(members)
        return [m for m in members[1:]
                if self.response[m] != self.response[first]
                and not (m in self.flagged and self.flagged[m][0] in inside)]

    # ------------------------------------------------------------- helpers for checks

    def where(self, rid: int) -> tuple[str, int | None, int]:
        path = self.context.files[self.file[rid]].path
        line = self.line[rid]
        return path, (line if line >= 0 else None), self.index[rid]

    def is_eval(self, rid: int) -> bool:
        return self.split[rid] == 1

    def bytes_per_record(self) -> float:
        n = max(len(self.file), 1)
        arrays = sum(a.itemsize for a in (self.file, self.index, self.line, self.offset, self.split,
                                         self.fmt, self.response, self.prompt_empty, self.tools,
                                         self.label))
        bands = max(h.bands for h in self.hashers.values()) * 8 + 4  # type: ignore[attr-defined]
        views = 2 if self.want_prompt else 1
        return arrays + bands * views + (len(self.prompt_first) * 100) / n

    def summary(self) -> dict[str, Any]:
        return {}

    def relabelled(self, rid: int) -> bool:
        """Whether a flagged member carries another label than its cluster's first record.

        It stays out of the effective count like any member (adding a conflicting
        record must not add an example), but it is no copy of the kept record: DP402
        names it, DP302 does not.
        """
        first = self.cluster_first.get(rid)
        return first is not None and self.label[rid] != self.label[first]

    def distributions(self) -> dict[str, Any]:
        """Duplicate clusters by size: the exact stage's clusters of copies, plus near
        clusters when DP302 is on (the same condition under which near copies leave the
        effective-example count).  A near cluster counts its distinct texts; exact copies
        of a member are in the exact clusters."""
        exact = self.context.stages.get("exact")
        sizes = exact.cluster_sizes() if exact is not None else Counter()
        if "DP302" in self.context.enabled and hasattr(self, "flagged"):
            per_root = Counter(self.cluster_first.values())
            sizes.update(n + 1 for n in per_root.values())
        return {"cluster_sizes": {str(k): v for k, v in sorted(sizes.items())}} if sizes else {}


def _sides(fmt: str, d: dict[str, Any]) -> tuple[str, str]:
    """(prompt side, reply side) as DP302 compares them: the reply is the record's
    response; the prompt is every turn before it except system turns, which a dataset
    usually shares word for word and would make any two prompts look alike."""
    prompt, response = prompt_response(fmt, d)
    if not prompt:
        return prompt, response
    ts = layout_of(fmt).cached_turns(d)
    start = max((i for i, t in enumerate(ts) if t.role == "assistant"), default=-1)
    while start > 0 and ts[start - 1].role == "assistant":
        start -= 1
    return " ".join(t.text for t in ts[:start] if t.role != "system"), response


def union_find(n_hint: int, edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Root (smallest id) of every id that appears in ``edges``."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            if ra < rb:
                parent[rb] = ra
            else:
                parent[ra] = rb
    return {x: find(x) for x in list(parent)}


def groups_of(roots: dict[int, int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for x, r in roots.items():
        out[r].append(x)
    for v in out.values():
        v.sort()
    return out
