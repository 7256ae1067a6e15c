"""Band keys for a batch of texts: the near-duplicate stage's per-record work, vectorised.

``band_keys_of`` takes normalised texts (thousands at a time) and returns, per shingle
kind and signature scheme, which texts got keys and their keys: the same values the
per-record path (``shingles.kinds_for``/``shingle``, ``Hasher.schemes``/``signature``/
``oph_signature``/``band_keys``) gives each text, computed with a few dozen numpy calls
per batch instead of per record.  It knows no engine: the local stage calls it on the
texts it has buffered, a distributed one can call it inside ``map_batches``.

Memory per batch is bounded by what the caller buffers: ``BATCH_CHARS`` (1 MiB) of text
or ``BATCH_TEXTS`` (4,096) texts.  Word hashes take about 11 bytes per byte of text at
their peak (the joined text, its bytes, word boundaries; prefix sums only over runs of
``_HASH_SPAN``), signatures about 1.5 KB per text, k-permutation steps a fixed 4 MB
(``KPERM_CHUNK``).  Measured with tracemalloc: a full batch of 266 chat records (1 MiB of
ASCII text) peaks at 11 MiB, 4,096 short texts at 13 MiB; non-ASCII text (up to 4 bytes
a character) at most about 4 times the first.

Speed (``benchmarks/README.md``, 2 shared cores): the batched functions cost about 30 µs
per view of a 640-word chat record against 73 µs record by record;
``bench_lint.py --records 100000`` ``--select DP3`` went from 3,390 to 5,630-5,710
records/s (0.021 -> 0.035 of orjson parse-only), ``bench_dedup.py`` part 2 DP302 from
5,584 to 7,782 records/s (2.9x -> 3.7x datasketch's bulk path), findings unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from dataprep.dedup.minhash import Hasher
from dataprep.dedup.shingles import (
    CHAR_KIND,
    CHAR_UNTIL,
    WORD_FROM,
    WORD_KIND,
    Segments,
    char_shingles_many,
    word_hashes_many,
    word_shingles_many,
)
from dataprep.normalize import normalize
from dataprep.records import SEPARATORS

#: a caller flushes a batch once its texts hold this many characters ...
BATCH_CHARS = 1 << 20
#: ... or this many texts, whichever comes first
BATCH_TEXTS = 4096


@dataclass(frozen=True, slots=True)
class BandKeys:
    """Band keys of the texts at ``rows`` (positions in the batch) for one kind and scheme."""

    kind: str
    scheme: str
    rows: np.ndarray  # intp
    keys: np.ndarray  # (len(rows), bands) uint64


def prepare(text: str) -> str:
    """A text as the near-duplicate stage compares it: separators as spaces, normalised."""
    return normalize(text.translate(SEPARATORS))


def prepare_many(texts: Sequence[str]) -> list[str]:
    """``prepare`` of every text (what an engine's batch hands to ``band_keys_of``)."""
    return [prepare(t) for t in texts]


def shingles_of(normalised: Sequence[str], words: Segments | None = None) -> dict[str, tuple[np.ndarray, Segments]]:
    """Per kind, the texts that get it (``kinds_for`` of their word count) and their shingles.

    ``words`` are ``word_hashes_many(normalised)`` when the caller has them.
    """
    if words is None:
        words = word_hashes_many(normalised)
    n_words = words.sizes()
    out: dict[str, tuple[np.ndarray, Segments]] = {}
    short = np.flatnonzero(n_words <= CHAR_UNTIL)
    if len(short):
        out[CHAR_KIND] = (short, char_shingles_many([normalised[i] for i in short.tolist()]))
    long = np.flatnonzero(n_words >= WORD_FROM)
    if len(long):
        out[WORD_KIND] = (long, word_shingles_many(_subset(words, long)))
    return out


def _subset(seg: Segments, rows: np.ndarray) -> Segments:
    """The records at ``rows`` (ascending positions); all of them without copying."""
    return seg if len(rows) == len(seg) else seg.take(rows)


def band_keys_of(normalised: Sequence[str], hashers: Mapping[str, Hasher]) -> list[BandKeys]:
    """Band keys of normalised texts, per kind (``hashers`` by kind) and scheme.

    Texts without shingles (empty) get none, as in the per-record path.  The list is
    ordered by kind, then scheme (``kperm`` before ``oph``), so callers see the same order
    in every run.
    """
    found: list[BandKeys] = []
    for kind, (rows, sh) in sorted(shingles_of(normalised).items()):
        h = hashers[kind]
        sizes = sh.sizes()
        lo, hi = h.scheme_bounds()
        kperm = np.flatnonzero((sizes > 0) & (sizes <= hi))
        oph = np.flatnonzero(sizes >= lo)
        if len(kperm):
            sigs = h.signatures(_subset(sh, kperm))
            found.append(BandKeys(kind, "kperm", rows[kperm], h.band_keys_many(sigs)))
        if len(oph):
            sigs = h.oph_signatures(_subset(sh, oph))
            found.append(BandKeys(kind, "oph", rows[oph], h.band_keys_many(sigs)))
    return found
