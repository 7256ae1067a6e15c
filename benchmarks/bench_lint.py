"""Throughput benchmark: how much slower is linting than just parsing the JSON?

Usage::

    python benchmarks/bench_lint.py [--records 100000] [--out DIR] [--seed 7] [--repeat 1]

It writes a seeded chat JSONL file (about 4 KB per record, a system prompt and 3-4
user/assistant pairs, a few percent exact duplicates), then runs five commands, each in
a fresh Python process:

  (a) parse-only  a bare loop that reads the file line by line and ``orjson.loads`` each
  (b) record      ``dataprep lint FILE --select DP0,DP1 --format json --no-progress -o /dev/null``
  (c) dataset     the same with ``--select DP0,DP1,DP2``
  (d) default     the same with the default rules
  (e) near        the same with ``--select DP3`` (the duplicate family: exact and near
                  duplicates, their MinHash signatures and LSH index)

and prints wall time, records/s, throughput relative to (a), and peak RSS, with PASS/FAIL
against the targets below.  It is a report, not a test: it always exits 0 once it has run
(exit 2 only for bad arguments).  Interpreter start-up is part of every timing, the same
way for all five; a 1-record run of each command measures start-up so the table can
also show the per-record cost without it.

Why ``os.wait4`` for memory: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the maximum over
all children reaped so far, not a sum, so deltas of it cannot isolate one run; ``wait4``
returns the resource usage of exactly the child it reaps.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]

#: lint throughput as a share of parse-only throughput (higher is better)
RATIO_TARGETS = {"record": 0.30, "dataset": 0.10, "near": 0.04}
#: peak resident memory of one lint run on the default 100,000 records
RSS_TARGET_MB = 300.0
RECORD_BYTES = 4096
DUPLICATE_SHARE = 0.03

# A small vocabulary of everyday and technical words, enough to make text that is
# tokenised, hashed and length-checked like real prose, without shipping a corpus.
WORDS = """
the a an and or but if then when while because so although however therefore also
is are was were be been being have has had do does did can could should would will may might must
i you we they it this that these those there here what which who whom whose how why where
data model training dataset example answer question user assistant system prompt response
customer order invoice account password email address payment refund shipping delivery
product service support ticket issue problem solution step first second third next finally
please thank help need want know think see look find make take give use try ask tell explain
write read check update change create delete open close start stop send receive save load
good bad new old small large quick slow simple complex clear correct wrong important useful
time day week month year today tomorrow yesterday morning evening hour minute second moment
people team company project report meeting plan goal result value number list table file
function method class variable parameter error warning message log output input format
please note that you should always make sure to review the following details carefully
in on at by for with about from into over under between through during before after
more most less least very quite rather really just only even still already yet again
""".split()

SYSTEM_PROMPTS = [
    "You are a helpful customer support assistant for an online store. Answer politely "
    "and concisely, and ask for an order number when you need one.",
    "You are a careful technical writer. Explain concepts step by step, use short "
    "paragraphs, and give one concrete example for every idea.",
    "You are an assistant that summarises meeting notes into clear action items with "
    "owners and due dates.",
    "You are a friendly tutor. Check the student's reasoning before giving the answer "
    "and point out the first mistake you find.",
]


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice(".....?!")


def _text(rng: random.Random, target_chars: int) -> str:
    parts: list[str] = []
    size = 0
    while size < target_chars:
        s = _sentence(rng)
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)


def make_record(rng: random.Random) -> dict[str, object]:
    """One chat record of about RECORD_BYTES bytes of JSON."""
    pairs = rng.randint(3, 4)
    system = rng.choice(SYSTEM_PROMPTS)
    budget = RECORD_BYTES - len(system) - 60 * (2 * pairs + 1)
    per_pair = budget // pairs
    messages = [{"role": "system", "content": system}]
    for _ in range(pairs):
        user_chars = int(per_pair * rng.uniform(0.15, 0.3))
        messages.append({"role": "user", "content": _text(rng, user_chars)})
        messages.append({"role": "assistant", "content": _text(rng, per_pair - user_chars)})
    return {"messages": messages}


def generate(path: Path, n: int, seed: int) -> tuple[int, int]:
    """Write ``n`` records to ``path``; return (bytes written, exact duplicates)."""
    rng = random.Random(seed)
    recent: deque[bytes] = deque(maxlen=2000)
    dups = 0
    tmp = path.with_suffix(".part")
    with open(tmp, "wb") as fh:
        for i in range(n):
            if i > 0 and recent and rng.random() < DUPLICATE_SHARE:
                line = rng.choice(recent)
                dups += 1
            else:
                line = orjson.dumps(make_record(rng)) + b"\n"
                recent.append(line)
            fh.write(line)
    tmp.replace(path)
    return path.stat().st_size, dups


PARSE_ONLY = """
import sys, orjson
loads = orjson.loads
n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        loads(line)
        n += 1
"""


@dataclass
class Run:
    wall: float
    rss_mb: float | None
    returncode: int
    stderr: str


def _child_env(src: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    first = str(src or REPO)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (first, env.get("PYTHONPATH", "")) if p)
    env.pop("GITHUB_ACTIONS", None)  # keep the report format what we asked for
    return env


def run_child(argv: list[str], cwd: Path, src: Path | None = None) -> Run:
    """Run one command in a fresh process (``src``: the checkout it imports dataprep from);
    time it and read its own peak RSS."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=_child_env(src), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
        rss_mb: float | None = None
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            # Linux reports kilobytes, macOS bytes
            scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
            rss_mb = usage.ru_maxrss * scale
        else:  # pragma: no cover - non-POSIX
            proc.wait()
            wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    return Run(wall, rss_mb, proc.returncode, stderr)


def commands(data: Path) -> dict[str, list[str]]:
    # --no-cache: a reused --out folder would otherwise answer from the result cache
    lint = [sys.executable, "-m", "dataprep", "lint", str(data), "--format", "json",
            "--no-progress", "--no-cache", "-o", os.devnull]
    return {
        "parse": [sys.executable, "-c", PARSE_ONLY, str(data)],
        "record": [*lint, "--select", "DP0,DP1"],
        "dataset": [*lint, "--select", "DP0,DP1,DP2"],
        "default": lint,
        "near": [*lint, "--select", "DP3"],
    }


LABELS = {
    "parse": "(a) parse-only orjson",
    "record": "(b) lint DP0,DP1",
    "dataset": "(c) lint DP0,DP1,DP2",
    "default": "(d) lint, default rules",
    "near": "(e) lint DP3",
}


def best_of(argv: list[str], cwd: Path, repeat: int, src: Path | None = None) -> Run:
    runs = [run_child(argv, cwd, src) for _ in range(repeat)]
    return min(runs, key=lambda r: r.wall)


def sanity_check(one: Path, cwd: Path) -> str | None:
    """Lint the 1-record file into a real report and check it counted that record."""
    report = cwd / "sanity.json"
    argv = [sys.executable, "-m", "dataprep", "lint", str(one), "--format", "json",
            "--no-progress", "-o", str(report), "--select", "DP0,DP1,DP2"]
    r = run_child(argv, cwd)
    if r.returncode not in (0, 1):
        return f"lint exited {r.returncode}: {r.stderr.strip()[-500:]}"
    try:
        records = orjson.loads(report.read_bytes())["summary"]["records"]
    except Exception as exc:  # noqa: BLE001 - any failure here is worth reporting, not raising
        return f"could not read the JSON report: {exc}"
    return None if records == 1 else f"report counted {records} records, expected 1"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=100_000,
                    help="records to generate (default 100000)")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the generated files (kept, reused when present); "
                    "default: a temporary folder, removed afterwards")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=1, help="runs per command; the fastest counts")
    ap.add_argument("--baseline-src", type=Path, default=None,
                    help="another checkout of dataprep (e.g. a git worktree of an earlier "
                    "commit): its lint commands run on the same file, side by side")
    args = ap.parse_args(argv)
    if args.records < 2 or args.repeat < 1:
        ap.error("--records must be at least 2 and --repeat at least 1")

    own_tmp = args.out is None
    out = Path(tempfile.mkdtemp(prefix="dataprep-bench-")) if own_tmp else args.out
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _bench(out, args.records, args.seed, args.repeat, args.baseline_src)
    finally:
        if own_tmp:
            shutil.rmtree(out, ignore_errors=True)


def _bench(out: Path, n: int, seed: int, repeat: int, baseline: Path | None = None) -> int:
    data = out / f"chat-{n}-seed{seed}.jsonl"
    one = out / f"chat-1-seed{seed}.jsonl"
    if data.exists():
        print(f"reusing {data} ({data.stat().st_size / 1e6:.1f} MB)")
    else:
        t0 = time.perf_counter()
        size, dups = generate(data, n, seed)
        print(f"generated {data}: {n} records, {size / 1e6:.1f} MB "
              f"({size / n:.0f} B/record), {dups} exact duplicates, "
              f"{time.perf_counter() - t0:.1f}s")
    if not one.exists():
        generate(one, 1, seed)
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs")

    problem = sanity_check(one, out)
    if problem:
        print(f"ERROR: sanity run failed, timings below are not meaningful: {problem}")

    full_cmds, one_cmds = commands(data), commands(one)
    full: dict[str, Run] = {}
    start_up: dict[str, Run] = {}
    for key in full_cmds:
        start_up[key] = best_of(one_cmds[key], out, repeat)
        full[key] = best_of(full_cmds[key], out, repeat)
        print(f"  ran {LABELS[key]}: {full[key].wall:.2f}s", flush=True)

    print_table(n, full, start_up, problem)
    if baseline is not None:
        base_runs = {key: best_of(argv, out, repeat, baseline.resolve())
                     for key, argv in full_cmds.items() if key != "parse"}
        print_side_by_side(n, full, base_runs, baseline)
    return 0


def print_side_by_side(n: int, full: dict[str, Run], base: dict[str, Run], src: Path) -> None:
    """This checkout against ``src`` on the same file: ratios to parse-only and speed-up."""
    parse = full["parse"].wall
    print(f"\nside by side with {src} (ratio = parse-only wall / command wall)")
    head = f"{'command':<24}{'ratio now':>10}{'baseline':>10}{'now / baseline speed':>22}"
    print(head)
    print("-" * len(head))
    for key, b in base.items():
        r = full[key]
        bad = _failed(key, r, None) or _failed(key, b, None)
        speed = "ERROR" if bad else f"{b.wall / r.wall:.2f}x"
        print(f"{LABELS[key]:<24}{parse / r.wall:>10.2f}{parse / b.wall:>10.2f}{speed:>22}")


def _num(x: float, digits: int) -> str:
    """A number for a fixed-width column; start-up noise can make tiny runs meaningless."""
    return f"{x:.{digits}f}" if 0 <= x < 10**5 else "n/a"


def _failed(key: str, r: Run, sanity_problem: str | None) -> str | None:
    """Why a run cannot be trusted, or None: lint exits 0/1 normally, parse-only 0."""
    if "Traceback (most recent call last)" in r.stderr:
        return "crashed: " + r.stderr.strip().splitlines()[-1][-300:]
    if r.returncode != 0 and (key == "parse" or r.returncode != 1):
        return f"exit {r.returncode}: {r.stderr.strip()[-300:]}"
    if key != "parse" and sanity_problem:
        return f"sanity run: {sanity_problem}"
    return None


def print_table(n: int, full: dict[str, Run], start_up: dict[str, Run],
                sanity_problem: str | None = None) -> None:
    base = full["parse"].wall
    base_net = max(full["parse"].wall - start_up["parse"].wall, 1e-9)
    head = (f"{'command':<24}{'wall s':>8}{'rec/s':>10}{'ratio':>7}{'target':>8}{'':>6}"
            f"{'RSS MB':>8}{'target':>8}{'':>6}{'start s':>9}{'us/rec':>8}{'ratio*':>8}")
    print()
    print(f"records: {n}   ratio = parse-only wall / command wall (start-up included); "
          f"ratio* = same without start-up")
    print(head)
    print("-" * len(head))
    verdicts: list[str] = []
    for key, r in full.items():
        s = start_up[key]
        net = max(r.wall - s.wall, 1e-9)
        per_rec_us = net / (n - 1) * 1e6
        ratio = base / r.wall
        ratio_net = base_net / net
        rss = f"{r.rss_mb:.0f}" if r.rss_mb is not None else "n/a"
        ratio_target = RATIO_TARGETS.get(key)
        ok_ratio = "" if ratio_target is None else ("PASS" if ratio >= ratio_target else "FAIL")
        ok_rss = ""
        if key != "parse" and r.rss_mb is not None:
            ok_rss = "PASS" if r.rss_mb < RSS_TARGET_MB else "FAIL"
        failed = _failed(key, r, sanity_problem) or _failed(key, s, None)
        if failed:
            ok_ratio = ok_rss = "ERROR"
        print(f"{LABELS[key]:<24}{r.wall:>8.2f}{n / r.wall:>10.0f}{ratio:>7.2f}"
              f"{'' if ratio_target is None else f'>={ratio_target:.2f}':>8}{ok_ratio:>6}"
              f"{rss:>8}{'' if key == 'parse' else f'<{RSS_TARGET_MB:.0f}':>8}{ok_rss:>6}"
              f"{s.wall:>9.2f}{_num(per_rec_us, 1):>8}{_num(ratio_net, 2):>8}")
        if failed:
            verdicts.append(f"ERROR {LABELS[key]}: {failed}")
        for what, ok in (("throughput", ok_ratio), ("memory", ok_rss)):
            if ok in ("PASS", "FAIL"):
                verdicts.append(f"{ok} {LABELS[key]} {what}")
    print()
    for v in verdicts:
        print(v)
    fails = sum(v.startswith(("FAIL", "ERROR")) for v in verdicts)
    print(f"\n{'ALL TARGETS MET' if not fails else f'{fails} TARGET(S) MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
