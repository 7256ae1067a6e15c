"""Band-key storage and candidate pairs: the LSH index, grouped by sorting.

Keys are appended to numpy chunks (8 bytes per band per record, plus a 4-byte id), not
to a dict of Python lists, so memory is predictable: 18 bands cost 76 bytes per record.
Above ``spill_after`` records the chunks go to one file per band in a temporary
directory, and grouping reads one band at a time, so peak memory is one band's keys
(5,000,000 records: 60 MB) instead of all of them.

Candidates come from groups of equal keys in any band.  Within a group (ids ascending)
each member is paired with its predecessor and the group's first ``EARLIEST`` members:
enough for clustering and for finding a member's earliest verified partner, without
the quadratic pair count of template-heavy data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import numpy as np

EARLIEST = 3
_CHUNK = 4096


class BandStore:
    def __init__(self, bands: int, spill_after: int) -> None:
        self.bands = bands
        self.spill_after = spill_after
        self._ids: list[np.ndarray] = []
        self._keys: list[np.ndarray] = []
        self._pending = 0
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self.count = 0
        self._dir: str | None = None

    def add(self, rec_id: int, keys: np.ndarray) -> None:
        self.add_many(np.array([rec_id], dtype=np.int32), keys.reshape(1, -1))

    def add_many(self, rec_ids: np.ndarray, keys: np.ndarray) -> None:
        """Band keys of many records: ``keys`` has one row of ``bands`` keys per id.

        Grouping sorts all keys, so neither the order of records nor how they were
        batched changes the candidates.
        """
        if len(rec_ids) == 0:
            return
        self._ids.append(np.asarray(rec_ids, dtype=np.int32))
        self._keys.append(keys)
        self.count += len(rec_ids)
        self._pending += len(rec_ids)
        if self._pending >= _CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._ids:
            return
        ids = np.concatenate(self._ids)
        keys = np.vstack(self._keys)
        self._ids, self._keys, self._pending = [], [], 0
        if self._dir is None and self.count > self.spill_after:
            self._dir = tempfile.mkdtemp(prefix="dataprep-lsh-")
            for old_ids, old_keys in self._chunks:
                self._write(old_ids, old_keys)
            self._chunks = []
        if self._dir is not None:
            self._write(ids, keys)
        else:
            self._chunks.append((ids, keys))

    def _write(self, ids: np.ndarray, keys: np.ndarray) -> None:
        assert self._dir is not None
        with open(os.path.join(self._dir, "ids.bin"), "ab") as fh:
            fh.write(ids.tobytes())
        for b in range(self.bands):
            with open(os.path.join(self._dir, f"band{b}.bin"), "ab") as fh:
                fh.write(np.ascontiguousarray(keys[:, b]).tobytes())

    @property
    def spilled(self) -> bool:
        return self._dir is not None

    def _bands(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        self._flush()
        if self._dir is not None:
            ids = np.fromfile(os.path.join(self._dir, "ids.bin"), dtype=np.int32)
            for b in range(self.bands):
                yield ids, np.fromfile(os.path.join(self._dir, f"band{b}.bin"), dtype=np.uint64)
            return
        if not self._chunks:
            return
        ids = np.concatenate([c[0] for c in self._chunks])
        keys = np.vstack([c[1] for c in self._chunks])
        for b in range(self.bands):
            yield ids, keys[:, b]

    def candidate_pairs(self) -> np.ndarray:
        """Unique (i, j) id pairs with i < j, as an (n, 2) int64 array."""
        found: list[np.ndarray] = []
        for ids, keys in self._bands():
            order = np.lexsort((ids, keys))
            k = keys[order]
            members = ids[order].astype(np.int64)
            if len(k) < 2:
                continue
            same = k[1:] == k[:-1]
            if not same.any():
                continue
            # group starts: positions where a run of equal keys begins
            starts = np.flatnonzero(np.concatenate(([True], ~same)))
            sizes = np.diff(np.concatenate((starts, [len(k)])))
            multi = sizes > 1
            for s, n in zip(starts[multi].tolist(), sizes[multi].tolist()):
                g = members[s : s + n]
                pairs = [np.stack((g[:-1], g[1:]), axis=1)]  # predecessor
                for e in range(min(EARLIEST, n - 1)):
                    pairs.append(np.stack((np.full(n - e - 1, g[e]), g[e + 1 :]), axis=1))
                found.append(np.concatenate(pairs))
        self.close()
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        allp = np.concatenate(found)
        allp = allp[allp[:, 0] != allp[:, 1]]
        return np.unique(allp, axis=0)

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None
        self._chunks = []
