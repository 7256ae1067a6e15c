"""Throughput of the content rules (DP5xx, DP6xx) against parse-only, end to end.

Usage::

    python benchmarks/bench_hygiene.py [--records 100000] [--out DIR] [--seed 7]

Generates the same seeded ~4 KB chat file as ``bench_lint.py`` and times, each in a
fresh process through the CLI (``dataprep lint FILE --select ... --format json``, cache
off): parse-only orjson; all default DP5 rules; token counting alone (DP501); language
detection alone (DP503); the other hygiene rules; system prompts (DP504); and the PII
pack (DP6).  Prints records/s and the ratio to parse-only.  Target (issue 5): all DP5
rules together keep at least 5% of parse-only throughput.  A report, not a test:
always exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_lint  # noqa: E402  (same folder: shares the generator and the runner)

TARGET = 0.05
VARIANTS = [
    ("parse", "parse-only orjson", None),
    ("dp5", "DP5 (all hygiene rules)", "DP5"),
    ("tokens", "DP501 token length", "DP501"),
    ("lang", "DP503 language", "DP503"),
    ("text", "DP502,505-508 text rules", "DP502,DP505,DP506,DP507,DP508"),
    ("system", "DP504 system prompts", "DP504"),
    ("pii", "DP6 PII and secrets", "DP6"),
    ("base", "DP9 only (engine + reading)", "DP9"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=None, help="keep generated files here")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="dataprep-bench5-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        data = out / f"chat-{args.records}-seed{args.seed}.jsonl"
        if not data.exists():
            bench_lint.generate(data, args.records, args.seed)
        runs = {}
        for key, _label, select in VARIANTS:
            if select is None:
                argv_ = [sys.executable, "-c", bench_lint.PARSE_ONLY, str(data)]
            else:
                argv_ = [sys.executable, "-m", "dataprep", "lint", str(data), "--select", select,
                         "--format", "json", "--no-progress", "--no-cache", "-o", os.devnull]
            runs[key] = bench_lint.run_child(argv_, out)
        parse = runs["parse"].wall
        print(f"{args.records:,} chat records ({data.stat().st_size / 1e6:.0f} MB), python "
              f"{sys.version.split()[0]}, {os.cpu_count()} CPUs\n")
        print(f"{'variant':<32}{'wall s':>8}{'rec/s':>10}{'ratio':>8}{'us/rec':>9}{'RSS MB':>8}  exit")
        for key, label, _ in VARIANTS:
            r = runs[key]
            rate = args.records / r.wall
            extra = (r.wall - runs["base"].wall) / args.records * 1e6 if key not in ("parse", "base") else None
            us = f"{extra:>9.1f}" if extra is not None else f"{'':>9}"
            rss = f"{r.rss_mb:>8.0f}" if r.rss_mb is not None else f"{'n/a':>8}"
            print(f"{label:<32}{r.wall:>8.2f}{rate:>10.0f}{parse / r.wall:>8.3f}{us}{rss}  {r.returncode}")
        ratio = parse / runs["dp5"].wall
        verdict = "PASS" if ratio >= TARGET else "FAIL"
        print(f"\nus/rec = extra cost per record over 'DP9 only' (reading + engine).")
        print(f"{verdict} all DP5 rules: {ratio:.3f} of parse-only throughput (target >= {TARGET})")
        for key in ("dp5", "tokens", "lang", "text", "system", "pii"):
            if runs[key].returncode not in (0, 1):
                print(f"ERROR {key}: exit {runs[key].returncode}: {runs[key].stderr.strip()[-300:]}")
        return 0
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
