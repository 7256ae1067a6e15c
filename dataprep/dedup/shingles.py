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
