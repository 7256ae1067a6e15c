"""The map phase over byte-range shards of JSONL files, run in processes or on Ray.

Why shards of the file rather than batches of parsed records: a worker that reads its
own byte range parses its own records, so nothing but the (small) map results crosses
a process boundary.  The driver still reads every file once itself for the reduce
phase (``dataprep.engine``): parsing is cheap next to the record checks and MinHash
signatures that move to the workers, and the reduce phase's checks need the data.

A shard is ``[start, stop)`` of a plain ``.jsonl`` file; a line belongs to the shard
its first byte falls in (a worker starting mid-line skips to the next line start and
reads past ``stop`` to finish its last line), so every line is read by exactly one
worker.  Workers number lines and records from their shard's start; the driver
rebases them to its own numbering (``engine._paired``).  Compressed files, JSON
arrays, Parquet and HF folders are mapped in the driver.
"""

from __future__ import annotations

import functools
import os
import pickle
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dataprep.errors import UsageError
from dataprep.model import Record
from dataprep.sources import SNIFF_BYTES, SourceSpec, _sniff_binary

#: default shard size: about 2,000 chat records of 4 KB, a few MB of map results
SHARD_BYTES = 8 << 20
ENGINES = ("local", "ray")


@dataclass(frozen=True, slots=True)
class Shard:
    """Bytes ``[start, stop)`` of the run's source number ``spec``."""

    spec: int
    start: int
    stop: int


def shardable(spec: SourceSpec) -> bool:
    """Whether ``spec`` is a plain JSONL file a worker can read by byte ranges."""
    if spec.kind != "jsonl":
        return False
    try:
        with open(spec.real_path, "rb") as fh:
            return not _sniff_binary(fh.read(SNIFF_BYTES))
    except OSError:
        return False  # the driver's own read reports it


def plan_shards(specs: Sequence[SourceSpec], shard_bytes: int) -> list[Shard]:
    """The shards of every shardable source, in reading order."""
    out: list[Shard] = []
    for i, spec in enumerate(specs):
        if not shardable(spec):
            continue
        size = os.path.getsize(spec.real_path)
        out.extend(Shard(i, start, min(start + shard_bytes, size))
                   for start in range(0, max(size, 1), shard_bytes))
    return out


class ShardWorker:
    """One worker's map phase: builds its own plan once, then maps shard after shard."""

    def __init__(self, specs: Sequence[SourceSpec], check_classes: Sequence[type[Any]],
                 rules: Mapping[str, type[Any]], config: Any) -> None:
        from dataprep.engine import Mapper, Plan

        self.specs = list(specs)
        self.mapper = Mapper(Plan(specs, check_classes, rules, config))

    def __call__(self, shard: Shard) -> bytes:
        from dataprep.engine import batches
        from dataprep.sources.jsonl import read_jsonl

        spec = self.specs[shard.spec]
        self.mapper.start_file(spec, own_checks=True)
        out = []
        with open(spec.real_path, "rb") as fh:
            start = shard.start
            if start > 0:
                fh.seek(start - 1)
                start += len(fh.readline()) - 1  # the rest of a line that began earlier
            items = (x for x in read_jsonl(spec.path, fh, start=start, stop=shard.stop)
                     if type(x) is Record)
            for _, recs in batches(items):
                out.extend(self.mapper.map(recs))
        return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


class ShardedMap:
    """The map results of the run's sharded sources, handed to the driver file by file."""

    def __init__(self, shards: list[Shard], stream: Iterator[bytes] | None) -> None:
        self._counts: dict[int, int] = {}
        for s in shards:
            self._counts[s.spec] = self._counts.get(s.spec, 0) + 1
        self._stream = stream

    @classmethod
    def start(cls, plan: Any, *, jobs: int, engine: str, address: str | None,
              shard_bytes: int | None) -> ShardedMap:
        """Plan shards and start the map phase on them (nothing to do at ``--jobs 1``)."""
        if engine not in ENGINES:
            raise UsageError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
        if jobs < 1:
            raise UsageError(f"--jobs must be at least 1, got {jobs}")
        if engine == "local" and jobs == 1:
            return cls([], None)
        size = shard_bytes or SHARD_BYTES
        shards = plan_shards(plan.specs, size)
        if not shards or (engine == "local" and len(shards) == 1):
            return cls([], None)  # one shard: a worker would only add its start-up time
        # a picklable factory: each worker (process or Ray actor) builds its own plan once
        factory = functools.partial(ShardWorker, plan.specs, plan.check_classes, plan.rules, plan.config)
        if engine == "ray":
            from dataprep.engines.ray_engine import ordered_map as ray_map

            stream = ray_map(shards, factory, address=address, num_cpus=jobs if jobs > 1 else None)
        else:
            from dataprep.engines.local import ordered_map

            stream = ordered_map(shards, factory, jobs)
        return cls(shards, stream)

    def results(self, spec_no: int) -> Iterator[Any] | None:
        """The map results of source ``spec_no`` in record order (None: map it locally)."""
        n = self._counts.get(spec_no)
        if n is None or self._stream is None:
            return None
        return self._take(n)

    def _take(self, n: int) -> Iterator[Any]:
        assert self._stream is not None
        for _ in range(n):
            payload = next(self._stream)
            yield from pickle.loads(payload)

    def close(self) -> None:
        """Stop the workers (also when the driver stops early)."""
        stream, self._stream = self._stream, None
        close = getattr(stream, "close", None)
        if close is not None:
            close()
