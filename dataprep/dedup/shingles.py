"""Shingles of normalised text as 64-bit hashes (numpy), deterministic across runs.

Two kinds, chosen by length, because a changed word weighs differently in a short and a
long text (measured on real texts: hh-rlhf transcripts, Alpaca records, banking77
questions; ``benchmarks/bench_dedup.py`` part 1 prints the numbers):

* **Word 3-grams** for texts of ``WORD_FROM`` (20) words or more.  Changing a share
  ``p`` of the words, spread out, leaves a 3-gram Jaccard of about
  ``(1 - 3p) / (1 + 3p)``: 0.74 at 5 %, whatever the length, so DP302's ``threshold``
  (0.7) finds copies with up to about 6 % of the words changed.  On real long texts
  (over 100 words) the 5th percentile at 5 % changed is 0.75; between 7,312 distinct real
  records only 3 pairs reach 0.7, each two branches of one hh-rlhf conversation.  Word
  5-grams (Data-Juicer's and text-dedup's window) fall to 0.60 at 5 % and 2-grams let
  more unrelated texts meet, so 3-grams keep the widest margin.
* **Byte 5-grams** for texts of up to ``CHAR_UNTIL`` (24) words.  Below 20 words one
  changed word is more than 5 % of the text and often its content ("... in Europe" /
  "... in Africa"), while a typo, a hyphen or doubled punctuation is not: byte shingles
  tell the two apart, word 3-grams cannot (one typo or one new word both cost three of
  a dozen 3-grams).  The bar for them is in ``dataprep.dedup.stage.short_bar``.

Records of 20 to 24 words get both kinds, so a pair near the boundary that could reach
either bar always shares a kind (see ``kinds_for``).

Word hashes are computed for a whole text at once with numpy (``word_hashes``), never
with Python's per-process salted ``hash``, so results are the same in every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WORD_N = 3
CHAR_N = 5
#: texts with at least this many words get word shingles (one changed word is then at
#: most 5 % of the text); texts with at most CHAR_UNTIL words get byte shingles; the
#: ranges overlap on purpose
WORD_FROM = 20
CHAR_UNTIL = 24
WORD_KIND, CHAR_KIND = "word", "char"

_U64 = np.uint64
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_S30, _S27, _S31 = _U64(30), _U64(27), _U64(31)
_K = (_U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9))


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised: spreads every input bit over the output.

    Array arithmetic on uint64 wraps silently (only scalar overflow warns), so the
    hot path needs no ``np.errstate`` context.
    """
    x = x ^ (x >> _S30)
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def unique_sorted(x: np.ndarray) -> np.ndarray:
    """Sorted unique values (cheaper than ``np.unique`` on small arrays)."""
    if len(x) < 2:
        return x
    x = np.sort(x)
    keep = np.empty(len(x), dtype=bool)
    keep[0] = True
    np.not_equal(x[1:], x[:-1], out=keep[1:])
    return x[keep]


_R = 0x100000001B3  # odd multiplier of the polynomial word hash
_R_INV = pow(_R, -1, 2**64)
_pow = np.ones(1, dtype=_U64)
_ipow = np.ones(1, dtype=_U64)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """R^j and R^-j (mod 2^64) for j < n, grown on demand and kept."""
    global _pow, _ipow
    if len(_pow) < n:
        size = max(n, 2 * len(_pow), 4096)
        with np.errstate(over="ignore"):
            steps = np.full(size, _R, dtype=_U64)
            steps[0] = 1
            _pow = np.cumprod(steps, dtype=_U64)
            steps = np.full(size, _R_INV, dtype=_U64)
            steps[0] = 1
            _ipow = np.cumprod(steps, dtype=_U64)
    return _pow[:n], _ipow[:n]


def word_hashes(normalised: str) -> np.ndarray:
    """One 64-bit hash per space-separated word, computed for all words at once.

    A polynomial hash over the UTF-8 bytes, from prefix sums: the hash of bytes
    ``[s, e)`` is ``(S[e] - S[s]) * R^-s`` (mod 2^64, R odd so invertible), the same
    wherever the word stands.  About 20x faster than hashing word by word in Python.
    ``normalised`` must have single spaces between words (``normalize`` guarantees it).
    """
    b = np.frombuffer(normalised.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    n = len(b)
    if n == 0:
        return np.empty(0, dtype=_U64)
    pw, ipw = _powers(n)
    prefix = np.empty(n + 1, dtype=_U64)
    prefix[0] = 0
    np.cumsum(b * pw, dtype=_U64, out=prefix[1:])
    spaces = np.flatnonzero(b == 32)
    starts = np.empty(len(spaces) + 1, dtype=np.intp)
    starts[0] = 0
    starts[1:] = spaces + 1
    ends = np.empty(len(spaces) + 1, dtype=np.intp)
    ends[:-1] = spaces
    ends[-1] = n
    h = prefix[ends] - prefix[starts]
    h *= ipw[starts]
    h += (ends - starts).astype(_U64) * _K[2]
    return mix(h)


def kinds_for(n_words: int) -> tuple[str, ...]:
    """Which shingle kinds a text of ``n_words`` words gets (one or both)."""
    kinds = []
    if n_words <= CHAR_UNTIL:
        kinds.append(CHAR_KIND)
    if n_words >= WORD_FROM:
        kinds.append(WORD_KIND)
    return tuple(kinds)


def word_shingles(w: np.ndarray) -> np.ndarray:
    """Unique hashes of word 3-grams from word hashes (one shingle for shorter texts)."""
    if len(w) == 0:
        return np.empty(0, dtype=_U64)
    if len(w) < WORD_N:
        acc = _U64(len(w))
        with np.errstate(over="ignore"):
            for i, v in enumerate(w):
                acc = acc * _K[i % 3] + v
        return mix(np.array([acc], dtype=_U64))
    s = w[:-2] * _K[0]
    s += w[1:-1] * _K[1]
    s += w[2:] * _K[2]
    return unique_sorted(mix(s))


def char_shingles(text: str) -> np.ndarray:
    """Unique hashes of byte 5-grams of the normalised text."""
    b = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    if len(b) == 0:
        return np.empty(0, dtype=_U64)
    if len(b) < CHAR_N:
        v = _U64(0)
        for x in b.tolist():
            v = (v << _U64(8)) | _U64(x)
        return mix(np.array([v | (_U64(len(b)) << _U64(56))], dtype=_U64))
    win = np.lib.stride_tricks.sliding_window_view(b, CHAR_N).astype(_U64)
    v = win[:, 0]
    for j in range(1, CHAR_N):
        v = (v << _U64(8)) | win[:, j]
    return unique_sorted(mix(v | (_U64(CHAR_N) << _U64(56))))


def shingle(normalised: str, kind: str, words: np.ndarray | None = None) -> np.ndarray:
    """Shingle hashes of a normalised text; ``words`` are its ``word_hashes`` if known."""
    if kind == WORD_KIND:
        return word_shingles(words if words is not None else word_hashes(normalised))
    return char_shingles(normalised)


# --------------------------------------------------------------------------- batches
#
# The functions below compute exactly what the per-record ones above compute, for many
# texts at once: every text's values laid end to end in one array, with offsets.  A
# record costs a few numpy calls per *batch* instead of a few dozen per record, which on
# long chat records was most of the near-duplicate stage's time (Python and numpy call
# overhead, not arithmetic).  ``tests/test_dedup.py`` checks them against the per-record
# functions value for value.


@dataclass(frozen=True, slots=True)
class Segments:
    """Many records' arrays end to end: record ``i`` owns ``values[offsets[i]:offsets[i + 1]]``."""

    values: np.ndarray
    offsets: np.ndarray  # intp, one more than there are records, starting at 0

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def ids(self) -> np.ndarray:
        """The record each value belongs to."""
        return np.repeat(np.arange(len(self), dtype=np.intp), self.sizes())

    def take(self, rows: np.ndarray) -> Segments:
        """The records at ``rows`` (positions), in that order."""
        sizes = self.sizes()[rows]
        offsets = _offsets(sizes)
        # value j of the result comes from offsets_old[row] + (j - offsets_new[row])
        shift = np.repeat(self.offsets[:-1][rows] - offsets[:-1], sizes)
        return Segments(self.values[np.arange(offsets[-1], dtype=np.intp) + shift], offsets)


def _offsets(sizes: np.ndarray) -> np.ndarray:
    out = np.zeros(len(sizes) + 1, dtype=np.intp)
    np.cumsum(sizes, out=out[1:])
    return out


def _encode_all(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' UTF-8 bytes end to end, and their offsets."""
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    sizes = np.fromiter(map(len, encoded), dtype=np.intp, count=len(encoded))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), _offsets(sizes)


def _sort_unique(values: np.ndarray, counts: np.ndarray) -> Segments:
    """Each record's values (``counts[i]`` of them, records in order) sorted and
    deduplicated, as ``unique_sorted`` does per record.

    One in-place ``sort`` per record: a record's few hundred values sort in cache, and
    measured faster than one ``lexsort`` or a padded 2-D sort of the whole batch.
    """
    off = _offsets(counts)
    multi = np.flatnonzero(counts > 1)
    for a, b in zip(off[multi].tolist(), off[multi + 1].tolist()):
        values[a:b].sort()
    if len(values) == 0:
        return Segments(values, off)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    keep[off[:-1][counts > 0]] = True  # a record's first value, whatever its predecessor
    if keep.all():  # the common case: no shingle twice in a record
        return Segments(values, off)
    rec = np.repeat(np.arange(len(counts), dtype=np.intp), counts)
    return Segments(values[keep], _offsets(np.bincount(rec[keep], minlength=len(counts))))


def _with_singles(values: np.ndarray, counts: np.ndarray, rows: np.ndarray,
                  single: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Records' values in record order, with one value added for each of ``rows``
    (ascending, records that have no other value)."""
    if len(rows) == 0:
        return values, counts
    counts = counts.copy()
    counts[rows] += 1
    off = _offsets(counts)
    out = np.empty(int(off[-1]), dtype=_U64)
    at = np.zeros(len(out), dtype=bool)
    at[off[rows]] = True
    out[at] = single
    out[~at] = values
    return out, counts


#: word hashes are computed over runs of texts of about this many bytes, so the power
#: tables of ``_powers`` stay small (2 x 8 bytes each: 4 MB), or as long as the longest text
_HASH_SPAN = 1 << 18


def _inside(offsets: np.ndarray, total: int, width: int) -> np.ndarray:
    """Which of ``total - width + 1`` windows of ``width`` values stay inside one record:
    all but those starting in the last ``width - 1`` places before a record's end."""
    ok = np.ones(total, dtype=bool)
    ends = offsets[1:]
    for back in range(1, width):
        ok[ends[ends >= back] - back] = False
    return ok[: total - width + 1]


def word_hashes_many(texts: Sequence[str]) -> Segments:
    """``word_hashes`` of every text, as one array.

    The hash of a word is the same wherever it stands, so the texts are joined with
    spaces and hashed as one text (prefix sums over runs of about ``_HASH_SPAN``
    bytes); an empty text leaves one empty word there, which is dropped.  Like
    ``word_hashes`` it expects normalised texts: single spaces between words, none at
    either end.
    """
    n = len(texts)
    if n == 0:
        return Segments(np.empty(0, dtype=_U64), np.zeros(1, dtype=np.intp))
    joined = " ".join(texts)
    if joined.isascii():
        sizes = np.fromiter(map(len, texts), dtype=np.intp, count=n)
    else:
        sizes = np.fromiter((len(t.encode("utf-8", "surrogatepass")) for t in texts), dtype=np.intp, count=n)
    b = np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    spaces = np.flatnonzero(b == 32)
    starts = np.empty(len(spaces) + 1, dtype=np.intp)
    starts[0] = 0
    np.add(spaces, 1, out=starts[1:])
    ends = np.empty(len(spaces) + 1, dtype=np.intp)
    ends[:-1] = spaces
    ends[-1] = len(b)
    del spaces
    h = np.empty(len(starts), dtype=_U64)
    ws = 0
    while ws < len(starts):
        we = max(ws + 1, int(np.searchsorted(starts, starts[ws] + _HASH_SPAN)))
        lo, hi = int(starts[ws]), int(ends[we - 1])
        pw, ipw = _powers(max(hi - lo, 1))
        prefix = np.empty(hi - lo + 1, dtype=_U64)
        prefix[0] = 0
        np.multiply(b[lo:hi], pw[: hi - lo], out=prefix[1:])
        np.cumsum(prefix[1:], out=prefix[1:])
        s = starts[ws:we] - lo
        e = ends[ws:we] - lo
        part = prefix[e]
        part -= prefix[s]
        part *= ipw[np.minimum(s, len(ipw) - 1)]  # an empty text's word at the very end
        e -= s
        part += e.view(_U64) * _K[2]
        h[ws:we] = part
        ws = we
    # a text's first word starts where the text does (an empty text's empty word too)
    text_start = np.zeros(n, dtype=np.intp)
    np.cumsum(sizes[:-1] + 1, out=text_start[1:])
    first_word = np.searchsorted(starts, text_start)
    empty = sizes == 0
    counts = np.diff(np.append(first_word, len(starts)))
    if empty.any():
        keep = np.ones(len(h), dtype=bool)
        keep[first_word[empty]] = False
        h = h[keep]
        counts[empty] = 0
    return Segments(mix(h), _offsets(counts))


def word_shingles_many(words: Segments) -> Segments:
    """``word_shingles`` of every record's word hashes."""
    w, sizes = words.values, words.sizes()
    if len(w) >= WORD_N:
        tri = w[:-2] * _K[0]
        tri += w[1:-1] * _K[1]
        tri += w[2:] * _K[2]
        values = mix(tri[_inside(words.offsets, len(w), WORD_N)])
    else:
        values = np.empty(0, dtype=_U64)
    counts = np.maximum(sizes - (WORD_N - 1), 0)
    # records of one or two words: one shingle, folded as in ``word_shingles``
    rows = np.flatnonzero((sizes > 0) & (sizes < WORD_N))
    first = words.offsets[:-1][rows]
    acc = sizes[rows].astype(_U64)
    for i in range(WORD_N - 1):
        more = sizes[rows] > i
        acc[more] = acc[more] * _K[i % 3] + w[first[more] + i]
    values, counts = _with_singles(values, counts, rows, mix(acc))
    return _sort_unique(values, counts)


def char_shingles_many(texts: Sequence[str]) -> Segments:
    """``char_shingles`` of every text."""
    b, text_off = _encode_all(texts)
    lengths = np.diff(text_off)
    if len(b) >= CHAR_N:
        b64 = b.astype(_U64)
        m = len(b) - CHAR_N + 1
        v = b64[:m].copy()
        for j in range(1, CHAR_N):
            v <<= _U64(8)
            v |= b64[j : m + j]
        del b64
        values = mix(v[_inside(text_off, len(b), CHAR_N)] | (_U64(CHAR_N) << _U64(56)))
    else:
        values = np.empty(0, dtype=_U64)
    counts = np.maximum(lengths - (CHAR_N - 1), 0)
    # texts of 1-4 bytes: one shingle, the bytes themselves and the length
    rows = np.flatnonzero((lengths > 0) & (lengths < CHAR_N))
    first, size = text_off[:-1][rows], lengths[rows]
    packed = np.zeros(len(rows), dtype=_U64)
    for j in range(CHAR_N - 1):
        more = size > j
        packed[more] = (packed[more] << _U64(8)) | b[first[more] + j].astype(_U64)
    values, counts = _with_singles(values, counts, rows, mix(packed | (size.astype(_U64) << _U64(56))))
    return _sort_unique(values, counts)
