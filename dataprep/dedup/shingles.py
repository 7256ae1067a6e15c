"""Shingles of normalised text as 64-bit hashes (numpy), deterministic across runs.

Word 3-grams for ordinary texts: one changed word in a 40-word record keeps a shingle
Jaccard of about 0.86, above the default 0.8 threshold (5-grams would fall to about
0.77).  Short texts have too few word 3-grams for a stable estimate, so they use byte
5-grams instead.  Records whose word count lies in the overlap of the two ranges get
both kinds, so a pair near the boundary always shares a kind (see ``kinds_for``).

Word hashes come from blake2b (not Python's salted ``hash``), memoised in a bounded
dictionary: natural-language vocabularies are Zipfian, so nearly every lookup hits.
"""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

WORD_N = 3
CHAR_N = 5
#: texts with at most this many words get byte shingles; texts with at least
#: SHORT_WORDS // 2 + 1 words get word shingles; the ranges overlap on purpose
SHORT_WORDS = 20
WORD_KIND, CHAR_KIND = "word", "char"

_U64 = np.uint64
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_K = (_U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F), _U64(0x165667B19E3779F9))
_CACHE_MAX = 2_000_000
_word_cache: dict[str, int] = {}


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised: spreads every input bit over the output."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> _U64(30))
        x = x * _M1
        x = x ^ (x >> _U64(27))
        x = x * _M2
        return x ^ (x >> _U64(31))


def _word_hash(w: str) -> int:
    h = _word_cache.get(w)
    if h is None:
        if len(_word_cache) >= _CACHE_MAX:
            _word_cache.clear()
        h = int.from_bytes(blake2b(w.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
        _word_cache[w] = h
    return h


def kinds_for(n_words: int) -> tuple[str, ...]:
    """Which shingle kinds a text of ``n_words`` words gets (one or both)."""
    kinds = []
    if n_words <= SHORT_WORDS:
        kinds.append(CHAR_KIND)
    if n_words > SHORT_WORDS // 2:
        kinds.append(WORD_KIND)
    return tuple(kinds)


def word_shingles(words: list[str]) -> np.ndarray:
    """Unique hashes of word 3-grams (the whole text as one shingle when shorter)."""
    if not words:
        return np.empty(0, dtype=_U64)
    w = np.fromiter((_word_hash(x) for x in words), dtype=_U64, count=len(words))
    if len(w) < WORD_N:
        acc = _U64(len(w))
        with np.errstate(over="ignore"):
            for i, v in enumerate(w):
                acc = acc * _K[i % 3] + v
        return mix(np.array([acc], dtype=_U64))
    with np.errstate(over="ignore"):
        s = w[:-2] * _K[0] + w[1:-1] * _K[1] + w[2:] * _K[2]
    return np.unique(mix(s))


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
    return np.unique(mix(v | (_U64(CHAR_N) << _U64(56))))


def shingle(normalised: str, kind: str, words: list[str] | None = None) -> np.ndarray:
    if kind == WORD_KIND:
        return word_shingles(words if words is not None else normalised.split())
    return char_shingles(normalised)
