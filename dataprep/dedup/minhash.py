"""MinHash signatures and LSH band keys, vectorised with numpy.

Signature: for each of ``num_perm`` seeded affine maps ``x -> a*x + b (mod 2^32)`` with
odd ``a`` (bijections of 32-bit space), the minimum over a record's shingle hashes.  One
``(n_shingles x num_perm)`` array operation replaces datasketch's shingle-by-shingle
Python loop; the ``*_many`` methods take a whole batch of records (``shingles.Segments``)
in one such operation per ``KPERM_CHUNK`` shingles, with the same values.

Banding: ``bands x rows`` is chosen from the threshold so that a pair *at* the threshold
becomes a candidate with probability >= 0.95 (recall is decided here; precision is
restored by verifying every candidate against its exact Jaccard).  With 128
permutations, DP302's word-shingle threshold 0.7 gives 25 bands of 5 rows: P(candidate)
is 0.990 at Jaccard 0.7 and 0.999 at 0.75 (datasketch's ``MinHashLSH(threshold=0.7)``
picks 14 x 9, which weighs false positives and negatives equally: 0.44 at 0.7); the
short-text floor 0.8 gives 18 bands of 7 rows, 0.986 at 0.8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dataprep.dedup.shingles import Segments, mix

#: distinct shingles from which one-permutation hashing is used (see ``Hasher.schemes``)
OPH_FROM = 256
#: k-permutation signatures of a batch take (shingles x num_perm) uint32 cells at a
#: time; this many shingles bound one step to 4 MB at 128 permutations
KPERM_CHUNK = 8192
_U32 = np.uint32
_U64 = np.uint64


def candidate_probability(j: float, bands: int, rows: int) -> float:
    return 1.0 - (1.0 - j**rows) ** bands


def choose_bands(threshold: float, num_perm: int, target: float = 0.95) -> tuple[int, int]:
    """The most rows per band (fewest false candidates) that still reach ``target`` at the threshold."""
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if bands < 1:
            break
        if candidate_probability(threshold, bands, rows) >= target:
            best = (bands, rows)
    return best


@dataclass(frozen=True)
class Hasher:
    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.8

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        a = rng.integers(0, 2**31, self.num_perm, dtype=np.int64).astype(_U32) * _U32(2) + _U32(1)
        b = rng.integers(0, 2**32, self.num_perm, dtype=np.int64).astype(_U32)
        object.__setattr__(self, "_a", a)
        object.__setattr__(self, "_b", b)
        bands, rows = choose_bands(self.threshold, self.num_perm)
        object.__setattr__(self, "bands", bands)
        object.__setattr__(self, "rows", rows)
        weights = mix(np.arange(1, rows + 1, dtype=_U64) * _U64(0x9E3779B97F4A7C15))
        object.__setattr__(self, "_row_weights", weights)
        # OPH bin boundaries: bin b holds hashes whose top bits equal b (num_perm a power
        # of two is not required: boundaries split the 64-bit range evenly)
        edges = [(2**64 * b) // self.num_perm for b in range(self.num_perm)] + [2**64 - 1]
        object.__setattr__(self, "_bounds", np.array(edges, dtype=_U64))

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """``num_perm`` uint32 minima; an empty shingle set gets an all-max signature."""
        if len(shingles) == 0:
            return np.full(self.num_perm, np.iinfo(_U32).max, dtype=_U32)
        x = shingles.astype(_U32)  # the low 32 bits
        m = np.multiply.outer(x, self._a)  # type: ignore[attr-defined]
        m += self._b  # type: ignore[attr-defined]
        return m.min(axis=0)

    def schemes(self, n: int) -> tuple[str, ...]:
        """Signature schemes for a record of ``n`` distinct shingles.

        Classic k-permutation MinHash costs O(n x num_perm); one-permutation hashing
        (OPH) costs O(n) but needs n well above num_perm to fill its bins.  Records
        below ``OPH_FROM`` use k-permutation, above it OPH, and records in
        [t x OPH_FROM, OPH_FROM / t] get both.  A pair at Jaccard >= t has a size ratio
        >= t, so both of its records always share a scheme.
        """
        lo, hi = self.scheme_bounds()
        if n < lo:
            return ("kperm",)
        if n > hi:
            return ("oph",)
        return ("kperm", "oph")

    def scheme_bounds(self) -> tuple[int, int]:
        """Records below the first get k-permutation only, above the second OPH only."""
        t = self.threshold
        return math.ceil(t * OPH_FROM), math.floor(OPH_FROM / t)

    def oph_signature(self, shingles: np.ndarray) -> np.ndarray:
        """One-permutation MinHash over sorted unique 64-bit shingle hashes.

        The top bits of a (well-mixed) hash pick one of ``num_perm`` bins; a bin's value
        is its smallest hash, found with one ``searchsorted`` since the input is sorted.
        An empty bin borrows from the next non-empty bin (rotation densification, with
        the distance mixed in), which keeps P(equal) = Jaccard.
        """
        k = self.num_perm
        idx: np.ndarray = np.searchsorted(shingles, self._bounds)  # type: ignore[attr-defined,assignment]
        filled = idx[:-1] < idx[1:]
        sig = np.zeros(k, dtype=_U64)
        sig[filled] = shingles[idx[:-1][filled]]
        if not filled.all():
            if not filled.any():
                return sig
            pos = np.flatnonzero(filled)
            # for every bin, the next filled bin at or after it (circularly)
            nxt = np.searchsorted(pos, np.arange(k))
            nxt = np.where(nxt == len(pos), pos[0], pos[nxt % len(pos)])
            dist = (nxt - np.arange(k)) % k
            empty = ~filled
            sig[empty] = mix(sig[nxt[empty]] + dist[empty].astype(_U64) * _U64(0x9E3779B97F4A7C15))
        return sig

    def band_keys(self, sig: np.ndarray) -> np.ndarray:
        """One 64-bit key per band (equal bands give equal keys)."""
        used = sig[: self.bands * self.rows].astype(_U64).reshape(self.bands, self.rows)  # type: ignore[attr-defined]
        used *= self._row_weights  # type: ignore[attr-defined]
        return mix(used.sum(axis=1, dtype=_U64))

    # ----------------------------------------------------------------- batches
    #
    # The same signatures and keys for many records at once (rows of a 2-D array),
    # equal value for value to the per-record methods above.

    def signatures(self, shingles: Segments) -> np.ndarray:
        """``signature`` of every record, as a (records x num_perm) uint32 array.

        Records are taken a run at a time, about ``KPERM_CHUNK`` shingles per run: one
        outer product over the run's shingles, then each record's column minima with
        ``np.minimum.reduceat`` over its segment.
        """
        n = len(shingles)
        out = np.full((n, self.num_perm), np.iinfo(_U32).max, dtype=_U32)
        off, sizes = shingles.offsets, shingles.sizes()
        x = shingles.values.astype(_U32)  # the low 32 bits
        i = 0
        while i < n:
            j = max(i + 1, int(np.searchsorted(off, off[i] + KPERM_CHUNK, side="right")) - 1)
            j = min(j, n)
            rows = i + np.flatnonzero(sizes[i:j])
            if len(rows):
                m = np.multiply.outer(x[off[i] : off[j]], self._a)  # type: ignore[attr-defined]
                m += self._b  # type: ignore[attr-defined]
                out[rows] = np.minimum.reduceat(m, off[rows] - off[i], axis=0)
            i = j
        return out

    def oph_signatures(self, shingles: Segments) -> np.ndarray:
        """``oph_signature`` of every record (sorted unique shingles each), as a
        (records x num_perm) uint64 array.

        A shingle's bin is found with one ``searchsorted`` over the bin bounds; with the
        record number it makes a flat index ``record * num_perm + bin`` that never
        decreases along the input (records in order, shingles sorted), so the first
        shingle at each flat index is its bin's minimum.  Densification looks up, for
        every empty bin, the next filled one with a running minimum over two copies of
        the row (the wrap-around).
        """
        k, n = self.num_perm, len(shingles)
        x = shingles.values
        if k > 1 and k & (k - 1) == 0:  # bounds at multiples of 2**64 / k: the bin is the top bits
            binno = (x >> _U64(64 - k.bit_length() + 1)).astype(np.intp)
        else:
            binno = self._bounds.searchsorted(x, side="right") - 1  # type: ignore[attr-defined]
        # the hash 2**64 - 1 lies past the last bound, as in oph_signature
        ok = x != _U64(2**64 - 1)
        flat = shingles.ids()
        flat *= k
        flat += binno
        if not ok.all():
            flat, x = flat[ok], x[ok]
        first = np.empty(len(flat), dtype=bool)
        first[:1] = True
        np.not_equal(flat[1:], flat[:-1], out=first[1:])
        at = np.flatnonzero(first)  # integer indexing: faster than a boolean mask here
        cells = flat[at]
        flat_sig = np.zeros(n * k, dtype=_U64)
        flat_sig[cells] = x[at]
        flat_filled = np.zeros(n * k, dtype=bool)
        flat_filled[cells] = True
        sig, filled = flat_sig.reshape(n, k), flat_filled.reshape(n, k)
        count = filled.sum(axis=1)
        rows = np.flatnonzero((count > 0) & (count < k))
        if len(rows):
            f = filled[rows]
            cols = np.arange(2 * k, dtype=np.intp)
            pos = np.where(np.concatenate((f, f), axis=1), cols, 2 * k)
            # the nearest filled column at or after each column
            nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1][:, :k]
            dist = (nxt - cols[:k]).view(_U64)
            s = sig[rows]
            src = np.take_along_axis(s, nxt % k, axis=1)
            dist *= _U64(0x9E3779B97F4A7C15)
            src += dist
            sig[rows] = np.where(f, s, mix(src))
        return sig

    def band_keys_many(self, sigs: np.ndarray) -> np.ndarray:
        """``band_keys`` of every row of ``sigs``, as a (records x bands) uint64 array."""
        b, r = self.bands, self.rows  # type: ignore[attr-defined]
        used = sigs[:, : b * r].astype(_U64).reshape(len(sigs), b, r)
        used *= self._row_weights  # type: ignore[attr-defined]
        return mix(used.sum(axis=2, dtype=_U64))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard of two sorted unique shingle-hash arrays."""
    if len(a) == 0 and len(b) == 0:
        return 1.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)
