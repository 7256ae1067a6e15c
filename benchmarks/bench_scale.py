"""Scale benchmark: throughput and whole-process-tree memory of lint, one process or many.

Usage::

    python benchmarks/bench_scale.py [--records 1000000] [--out DIR] [--seed 7]
                                     [--only a,b,c,d,e] [--no-half] [--interval 0.1]

It writes (or reuses) the seeded ~4 KB/record chat file of ``bench_lint.py`` and runs, each
in a fresh process, with the report written to a JSON file in the data folder:

  (a) parse-only  ``orjson.loads`` of every line (bench_lint's baseline)
  (b) DP3         ``dataprep lint FILE --select DP3 --format json --no-progress --no-cache``
                  ``--jobs 1``: the duplicate family, the most expensive stage
  (c) default     the default rules, ``--jobs 1``
  (d) jobs 2      the default rules, ``--jobs 2``
  (e) ray         the default rules, ``--engine ray --jobs 2`` (a local Ray cluster that the
                  lint process starts with two CPUs)

Why the whole process tree: ``os.wait4`` gives the peak RSS of the child alone, but
``--jobs 2`` forks workers and ``ray.init`` starts the GCS server, the raylet (which starts
the Ray workers), the dashboard and log monitor as children of the lint process.  A
sampler thread therefore scans ``/proc`` every ``--interval`` seconds, sums ``VmRSS`` over
every descendant of this benchmark and keeps the peak of that sum (and, less often, of
the sum of ``Pss`` from ``smaps_rollup``, which splits shared and copy-on-write pages among
the processes that map them, where the RSS sum counts them once per process).  The
benchmark makes itself a child subreaper (Linux ``prctl``), so a daemon whose parent exits
is re-parented to it and still counted; the table says how many were, and names any
process still alive after its command ended (they are terminated by pid before the next
run so they cannot inflate it).

Printed: a table per size (wall time, records/s, ratio to parse-only, start-up time
measured on a 1-record run, per-record cost without start-up, the child's own peak RSS and
the tree's peak); the targets below with PASS/FAIL; a linear memory fit
(fixed + per-record x N, from runs at N/2 and N) projected to 5,000,000 records; and an
estimate of the cluster size that lints 100,000,000 records in one hour.  A report, not a
test: exit 0 once it has run, 2 for bad arguments.  Commands whose flag the installed
``dataprep lint`` lacks are skipped with a note.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

# same folder: the generator, the runner and the parse-only loop; the table helper
import bench_lint
from tables import markdown_table

LABELS = {
    "a": "(a) parse-only orjson",
    "b": "(b) lint --select DP3, --jobs 1",
    "c": "(c) lint default, --jobs 1",
    "d": "(d) lint default, --jobs 2",
    "e": "(e) lint default, --engine ray --jobs 2",
}
#: (b): records/s as a share of parse-only records/s
DP3_RATIO_TARGET = 0.04
#: (c): three times the 1,600 records/s of the first measured default lint
DEFAULT_RATE_TARGET = 3 * 1_600
#: (d) against (c)
JOBS2_SPEEDUP_TARGET = 1.6
PROJECT_RECORDS = 5_000_000
MEMORY_LIMIT_MB = 24 * 1024
CLUSTER_RECORDS = 100_000_000
CLUSTER_SECONDS = 3600.0
#: smaps_rollup walks page tables (about 10 ms per GB mapped, VmRSS costs 0.04 ms), so
#: Pss is read at most every PSS_GAP seconds and then only after PSS_BUDGET times the last
#: read's cost: the sampler stays under 5 % of a core however large the tree grows
PSS_GAP = 0.5
PSS_BUDGET = 20
PR_SET_CHILD_SUBREAPER = 36


# --- the process-tree sampler -------------------------------------------------------------


def _stat(pid: int) -> tuple[int, str, str] | None:
    """(ppid, state, comm) of a process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            raw = fh.read().decode("utf-8", "replace")
    except OSError:
        return None
    close = raw.rfind(")")  # comm may hold spaces and parentheses; it ends at the last ')'
    fields = raw[close + 2:].split()
    return int(fields[1]), fields[0], raw[raw.find("(") + 1:close]


def _field_kb(path: str, name: bytes) -> int:
    """A ``Name:  N kB`` line of a /proc file, 0 when absent (zombie, kernel thread, gone)."""
    try:
        with open(path, "rb") as fh:
            for line in fh:
                if line.startswith(name):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants(root: int) -> dict[int, tuple[int, str, str]]:
    """Every live descendant of ``root``: pid -> (ppid, state, comm), from one /proc scan.

    /proc/PID/task/*/children would be cheaper but needs CONFIG_PROC_CHILDREN, which many
    kernels (this one included) leave out; a scan of a few hundred entries is cheap enough.
    """
    table: dict[int, tuple[int, str, str]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return {}
    for name in names:
        if name.isdigit() and (st := _stat(int(name))) is not None:
            table[int(name)] = st
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[int, tuple[int, str, str]] = {}
    todo = list(children.get(root, ()))
    while todo:
        pid = todo.pop()
        found[pid] = table[pid]
        todo.extend(children.get(pid, ()))
    return found


def _name(pid: int, comm: str) -> str:
    """A readable name: ``comm``, except that Python processes are named by their script or
    module (Ray runs its dashboard, monitors and agents as ``python .../NAME.py``)."""
    if not comm.startswith("python"):
        return comm
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = fh.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return comm
    for i, arg in enumerate(args[1:], 1):
        if arg == "-m" and i + 1 < len(args):
            return f"python -m {args[i + 1]}"
        if arg == "-c":  # multiprocessing's workers: name them by the module they run
            code = args[i + 1] if i + 1 < len(args) else ""
            words = code.split()
            return f"python -c {words[1]}" if words[:1] == ["from"] and len(words) > 1 \
                else "python -c"
        if arg and not arg.startswith("-"):
            return f"python {os.path.basename(arg)}"
    return comm


@dataclass
class TreePeak:
    """What the sampler saw over one command."""

    samples: int = 0
    rss_mb: float | None = None  # peak of the sum of VmRSS over the tree
    pss_mb: float | None = None  # peak of the sum of Pss (read less often, see PSS_GAP)
    max_procs: int = 0
    at_peak: list[tuple[str, float]] = field(default_factory=list)  # (comm, RSS MB)
    seen: int = 0  # distinct processes
    reparented: list[str] = field(default_factory=list)  # children of the benchmark other
    # than the command itself: orphans whose parent exited (the benchmark is their subreaper)
    leftovers: list[str] = field(default_factory=list)


class TreeSampler(threading.Thread):
    """Polls this benchmark's descendants (the one command running and whatever it started)."""

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.root = os.getpid()
        self.peak = TreePeak()
        self._halt = threading.Event()
        self._command: int | None = None
        self._seen: dict[int, str] = {}
        self._reparented: set[int] = set()
        self._next_pss = 0.0

    def run(self) -> None:
        while not self._halt.is_set():
            self._sample()
            self._halt.wait(self.interval)

    def finish(self) -> TreePeak:
        self._halt.set()
        self.join()
        self.peak.seen = len(self._seen)
        self.peak.reparented = sorted(self._seen[pid] for pid in self._reparented)
        return self.peak

    def _sample(self) -> None:
        tree = descendants(self.root)
        if not tree:
            return
        p = self.peak
        p.samples += 1
        for pid, (ppid, _, comm) in tree.items():
            if pid not in self._seen:
                self._seen[pid] = _name(pid, comm)
            if ppid == self.root:
                if self._command is None:
                    self._command = pid  # the first child is the command (one at a time)
                elif pid != self._command:
                    self._reparented.add(pid)
        sizes = [(pid, _field_kb(f"/proc/{pid}/status", b"VmRSS:") / 1024)
                 for pid, (_, state, _) in tree.items() if state != "Z"]
        total = sum(mb for _, mb in sizes)
        p.max_procs = max(p.max_procs, len(sizes))
        if p.rss_mb is None or total > p.rss_mb:
            p.rss_mb = total
            # named now, not when first seen: Ray workers retitle themselves after start-up
            p.at_peak = sorted(((_name(pid, tree[pid][2]), mb) for pid, mb in sizes),
                               key=lambda s: -s[1])
        now = time.monotonic()
        if now >= self._next_pss:
            pss = sum(_field_kb(f"/proc/{pid}/smaps_rollup", b"Pss:") for pid in tree) / 1024
            p.pss_mb = pss if p.pss_mb is None else max(p.pss_mb, pss)
            self._next_pss = now + max(PSS_GAP, PSS_BUDGET * (time.monotonic() - now))


def become_subreaper() -> bool:
    """Make orphaned descendants re-parent to this process instead of init (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _reap() -> None:
    """Collect exit statuses of re-parented orphans (only between runs: the command's own
    status has already been taken by wait4)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def settle(wait_s: float = 15.0) -> list[str]:
    """Wait for descendants that outlive their command; terminate the stragglers by pid.

    Returns the names of those that had to be terminated.
    """
    deadline = time.monotonic() + wait_s
    while True:
        _reap()
        left = {pid: st for pid, st in descendants(os.getpid()).items() if st[1] != "Z"}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    time.sleep(2.0 if left else 0.0)
    _reap()
    return sorted(st[2] for st in left.values())


# --- running the commands ------------------------------------------------------------------


@dataclass
class Measured:
    records: int
    run: bench_lint.Run
    tree: TreePeak
    summary: dict[str, object] | None  # the JSON report's summary (lint commands)
    problem: str | None


def measure(key: str, argv: list[str], cwd: Path, records: int, report: Path | None,
            interval: float) -> Measured:
    """One command in a fresh process: bench_lint's runner for wall time and the child's
    own peak RSS, the sampler for the tree, then the report's summary."""
    if report is not None:
        report.unlink(missing_ok=True)
    sampler = TreeSampler(interval)
    sampler.start()
    try:
        run = bench_lint.run_child(argv, cwd)
    finally:
        tree = sampler.finish()
    tree.leftovers = settle()
    if run.rss_mb is not None and (tree.rss_mb is None or run.rss_mb > tree.rss_mb):
        # the sum over the tree is never below the command's own RSS, so its exact peak
        # from wait4 is a floor for the sampled one (a short run can fall between samples)
        tree.rss_mb = run.rss_mb
        tree.max_procs = max(tree.max_procs, 1)
    problem = bench_lint._failed("parse" if key == "a" else "lint", run, None)
    summary = None
    if report is not None and problem is None:
        try:
            summary = orjson.loads(report.read_bytes())["summary"]
        except Exception as exc:  # noqa: BLE001 - a bad report is reported, not raised
            problem = f"could not read the JSON report: {exc}"
        else:
            counted = summary.get("records") if isinstance(summary, dict) else None
            if counted != records:
                problem = f"report counted {counted} records, expected {records}"
    return Measured(records, run, tree, summary, problem)


def lint_flags() -> tuple[bool, bool]:
    """Whether the checkout's ``dataprep lint`` has ``--jobs`` and ``--engine``."""
    proc = subprocess.run([sys.executable, "-m", "dataprep", "lint", "--help"],
                          cwd=bench_lint.REPO, env=bench_lint._child_env(),
                          capture_output=True, text=True, check=False)
    return "--jobs" in proc.stdout, "--engine" in proc.stdout


def has_ray() -> bool:
    proc = subprocess.run([sys.executable, "-c", "import ray"], capture_output=True,
                          check=False)
    return proc.returncode == 0


def commands(data: Path, reports: Path, jobs: bool, engine: bool, ray_ok: bool
             ) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Argument vectors per key, and the reason for each key that cannot run here."""
    tag = data.stem
    lint = [sys.executable, "-m", "dataprep", "lint", str(data), "--format", "json",
            "--no-progress", "--no-cache"]

    def out(key: str) -> list[str]:
        return ["-o", str(reports / f"report-{key}-{tag}.json")]

    one = ["--jobs", "1"] if jobs else []  # without the flag the engine is one process
    argvs = {
        "a": [sys.executable, "-c", bench_lint.PARSE_ONLY, str(data)],
        "b": [*lint, *out("b"), "--select", "DP3", *one],
        "c": [*lint, *out("c"), *one],
        "d": [*lint, *out("d"), "--jobs", "2"],
        "e": [*lint, *out("e"), "--engine", "ray", "--jobs", "2"],
    }
    skip: dict[str, str] = {}
    if not jobs:
        skip["d"] = skip["e"] = "this dataprep lint has no --jobs"
    elif not engine:
        skip["e"] = "this dataprep lint has no --engine"
    elif not ray_ok:
        skip["e"] = "ray is not installed (pip install 'dataprep-lint[ray]')"
    return argvs, skip


def report_path(argv: list[str]) -> Path | None:
    return Path(argv[argv.index("-o") + 1]) if "-o" in argv else None


def ensure_data(out: Path, n: int, seed: int, source: Path | None = None) -> Path:
    """The seeded file of ``n`` records, reused when present.

    ``bench_lint.generate`` draws every record from one seeded stream in order, so the
    file of ``k`` records is the first ``k`` lines of any larger one: the half-size file is
    cut from the full one instead of generated again.
    """
    path = out / f"chat-{n}-seed{seed}.jsonl"
    if path.exists():
        print(f"reusing {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
        return path
    t0 = time.perf_counter()
    if source is not None and source.exists():
        tmp = path.with_suffix(".part")
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            for i, line in enumerate(src):
                if i == n:
                    break
                dst.write(line)
        tmp.replace(path)
        how = f"first {n} lines of {source.name}"
    else:
        _, dups = bench_lint.generate(path, n, seed)
        how = f"{dups} exact duplicates"
    size = path.stat().st_size
    print(f"wrote {path.name}: {n} records, {size / 1e6:.1f} MB ({size / n:.0f} B/record), "
          f"{how}, {time.perf_counter() - t0:.1f}s", flush=True)
    return path


# --- the report ----------------------------------------------------------------------------


def _mb(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.0f}"


def net_us(m: Measured, start: Measured) -> float:
    """Per-record cost without start-up, in microseconds."""
    return max(m.run.wall - start.run.wall, 0.0) / max(m.records - 1, 1) * 1e6


def print_runs(title: str, runs: dict[str, Measured], start: dict[str, Measured],
               parse: Measured | None) -> None:
    rows = []
    for key, m in runs.items():
        s = start[key]
        ratio = f"{parse.run.wall / m.run.wall:.3f}" if parse and not parse.problem else "n/a"
        rows.append([
            LABELS[key], f"{m.records:,}", f"{m.run.wall:.2f}",
            f"{m.records / m.run.wall:,.0f}", ratio, f"{s.run.wall:.2f}",
            f"{net_us(m, s):.1f}", _mb(m.run.rss_mb), _mb(m.tree.rss_mb),
            _mb(m.tree.pss_mb), m.tree.max_procs,
            "ERROR" if m.problem or s.problem else "ok",
        ])
    print(f"\n{title}\n")
    print(markdown_table(
        ["command", "records", "wall s", "rec/s", "x parse", "start s", "µs/rec",
         "own max RSS MB", "tree peak RSS MB", "tree peak PSS MB", "procs", "status"], rows))
    for key, m in runs.items():
        for which, r in (("run", m), ("1-record run", start[key])):
            if r.problem:
                print(f"ERROR {LABELS[key]}, {which}: {r.problem}")


def print_processes(runs: dict[str, Measured]) -> None:
    """Who made up the tree at its peak, for the commands that started more than one
    process; how many were re-parented to the benchmark; who outlived its command."""
    lines = []
    for key, m in runs.items():
        t = m.tree
        if t.max_procs <= 1 and not t.leftovers and not t.reparented:
            continue
        groups: dict[str, list[float]] = {}
        for comm, mb in t.at_peak:
            groups.setdefault(comm, []).append(mb)
        parts = ", ".join(f"{comm} x{len(v)} {sum(v):,.0f} MB" if len(v) > 1
                          else f"{comm} {v[0]:,.0f} MB" for comm, v in groups.items())
        lines.append(f"- {LABELS[key]}: {t.seen} processes seen, at most {t.max_procs} at "
                     f"once; at the peak: {parts}")
        if t.reparented:
            lines.append(f"  re-parented to the benchmark when their parent exited (counted "
                         f"through the subreaper): {', '.join(t.reparented)}")
        if t.leftovers:
            lines.append(f"  still alive after the command ended (terminated): "
                         f"{', '.join(t.leftovers)}")
    if lines:
        print("\nprocess trees (RSS at the tree's peak sample)\n")
        print("\n".join(lines))


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_targets(n: int, full: dict[str, Measured], skipped: dict[str, str]) -> None:
    def rate(key: str) -> float | None:
        m = full.get(key)
        return None if m is None or m.problem else m.records / m.run.wall

    def missing(*keys: str) -> str:
        why = [f"{k}: {skipped.get(k) or ('failed' if k in full else 'not selected')}"
               for k in keys if rate(k) is None]
        return "not run (" + "; ".join(why) + ")"

    rows = []
    a, b, c, d = rate("a"), rate("b"), rate("c"), rate("d")
    target = f">= {DP3_RATIO_TARGET} x parse-only records/s"
    if a and b:
        rows.append(["(b) DP3 throughput", target, f"{b / a:.4f} x ({b:,.0f} rec/s)",
                     _verdict(b / a >= DP3_RATIO_TARGET)])
    else:
        rows.append(["(b) DP3 throughput", target, missing("a", "b"), ""])
    target = f">= {DEFAULT_RATE_TARGET:,} records/s"
    if c:
        rows.append(["(c) default lint, 1 job", target, f"{c:,.0f} rec/s",
                     _verdict(c >= DEFAULT_RATE_TARGET)])
    else:
        rows.append(["(c) default lint, 1 job", target, missing("c"), ""])
    target = f">= {JOBS2_SPEEDUP_TARGET} x (c)"
    if c and d:
        alone = " (no worker process started)" if full["d"].tree.max_procs <= 1 else ""
        rows.append(["(d) default lint, 2 jobs", target,
                     f"{d / c:.2f} x ({d:,.0f} rec/s){alone}",
                     _verdict(d / c >= JOBS2_SPEEDUP_TARGET)])
    else:
        rows.append(["(d) default lint, 2 jobs", target, missing("c", "d"), ""])
    print(f"\ntargets (records/s with start-up included, at {n:,} records)\n")
    print(markdown_table(["target", "wanted", "measured", "verdict"], rows))
    if n < 200_000:
        print(f"\nnote: at {n:,} records start-up is a large share of every wall time; the "
              "verdicts above are indicative only (the targets are for 1,000,000 records).")


def memory_fit(points: list[tuple[int, float]]) -> tuple[float, float, str]:
    """A line memory = fixed + per_record x N through the two largest runs (N/2 and N);
    with only one run, through the 1-record start-up run and it."""
    (x1, y1), (x2, y2) = sorted(points)[-2:]
    slope = (y2 - y1) / (x2 - x1)
    how = f"through {x1:,} and {x2:,} records"
    if x1 == 1:  # a 1-record run has not yet built its caches and tables
        how += " (from start-up: slope overstated)"
    if slope < 0:  # noise at small sizes: memory did not grow measurably
        slope, how = 0.0, how + " (no growth measured: per-record set to 0)"
    return y2 - slope * x2, slope, how


def print_memory(n: int, full: dict[str, Measured], half: dict[str, Measured],
                 start: dict[str, Measured]) -> None:
    rows = []
    for key, m in full.items():
        if key == "a" or m.problem or m.tree.rss_mb is None:
            continue
        points = [(m.records, m.tree.rss_mb)]
        h = half.get(key)
        if h is not None and not h.problem and h.tree.rss_mb is not None:
            points.append((h.records, h.tree.rss_mb))
        else:
            s = start[key]
            if s.problem or s.tree.rss_mb is None:
                continue
            points.append((s.records, s.tree.rss_mb))
        fixed, per, how = memory_fit(points)
        projected = fixed + per * PROJECT_RECORDS
        rows.append([LABELS[key], how, f"{fixed:,.0f}", f"{per * 1024 * 1024:,.0f}",
                     f"{projected:,.0f}", _verdict(projected <= MEMORY_LIMIT_MB)])
    print(f"\nmemory: tree peak RSS = fixed MB + per-record bytes x N, projected to "
          f"{PROJECT_RECORDS:,} records (target: within {MEMORY_LIMIT_MB:,} MB = 24 GiB)\n")
    if not rows:
        print("no lint command with a tree peak to fit")
        return
    print(markdown_table(["command", "fit", "fixed MB", "bytes/record",
                          f"at {PROJECT_RECORDS:,} MB", "verdict"], rows))
    print("\nThe RSS sum counts pages shared between processes once per process (an upper "
          "bound for --jobs and Ray); the PSS column of the run table splits them.")
    if n < 200_000:
        print(f"At {n:,} records the fixed part dominates and the slope is noisy: run "
              "--records 1000000 (N/2 = 500,000) before trusting the projection.")


def _phases(summary: dict[str, object] | None) -> dict[str, tuple[float, bool]] | None:
    """Per-phase seconds if the engine reported them in the JSON summary, with whether
    they are CPU seconds summed over processes (True) or wall seconds (False).

    Read from ``summary.phases`` (or ``summary.timing``, or the same under
    ``summary.engine``): a mapping of phase name to wall seconds, or to an object with
    ``cpu_seconds`` (preferred: map and reduce overlap in a streaming run, so their wall
    times do not add up) or ``seconds``.  Phases whose name contains ``map`` count as the
    parallel phase, all others as the sequential driver.
    """
    if not isinstance(summary, dict):
        return None
    holders = [summary, summary.get("engine")]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        for name in ("phases", "timing", "timings"):
            raw = holder.get(name)
            if not isinstance(raw, dict):
                continue
            out: dict[str, tuple[float, bool]] = {}
            for phase, v in raw.items():
                cpu = isinstance(v, dict) and "cpu_seconds" in v
                if isinstance(v, dict):
                    v = v.get("cpu_seconds", v.get("seconds", v.get("wall")))
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out[str(phase)] = (float(v), cpu)
            if out:
                return out
    return None


def _cores_needed(map_us: float, seq_us: float) -> str:
    """k = R*m / (T - R*s): cores whose map phase plus the sequential phase fit in T."""
    seq_total = CLUSTER_RECORDS * seq_us / 1e6
    if seq_total >= CLUSTER_SECONDS:
        return (f"not reachable by adding cores: the sequential phase alone takes "
                f"{seq_total / 3600:.2f} h for {CLUSTER_RECORDS:,} records")
    cores = CLUSTER_RECORDS * map_us / 1e6 / (CLUSTER_SECONDS - seq_total)
    return (f"{cores:,.1f} cores (sequential phase {seq_total / 60:,.1f} min of the hour, "
            f"map phase {CLUSTER_RECORDS * map_us / 1e6 / 3600:,.1f} core-hours)")


def print_cluster(full: dict[str, Measured], start: dict[str, Measured]) -> None:
    print(f"\ncluster size for {CLUSTER_RECORDS:,} records in one hour\n")
    printed = False
    for key, jobs in (("d", 2), ("e", 2)):
        m = full.get(key)
        if m is None or m.problem:
            continue
        phases = _phases(m.summary)
        if not phases:
            continue
        # core-seconds of the map phase: its CPU time, or its wall time on every job
        par = sum(v if cpu else v * jobs for k, (v, cpu) in phases.items() if "map" in k.lower())
        seq = sum(v for k, (v, _) in phases.items() if "map" not in k.lower())
        shown = ", ".join(f"{k} {v:.2f} {'CPU ' if cpu else ''}s"
                          for k, (v, cpu) in phases.items())
        print(f"from the phases {LABELS[key]} reported ({shown}):")
        if par <= 0:
            print("  no phase named 'map': cannot split parallel from sequential work")
            continue
        map_us = par / m.records * 1e6  # core-seconds per record
        seq_us = seq / m.records * 1e6
        print(f"  map: {1e6 / map_us:,.0f} records/s per core ({map_us:.1f} core-µs/record, "
              f"CPU seconds, or wall x {jobs} jobs, / records); sequential: "
              f"{(1e6 / seq_us) if seq_us else float('inf'):,.0f} records/s "
              f"({seq_us:.1f} µs/record)")
        print(f"  -> {_cores_needed(map_us, seq_us)}")
        printed = True
    c, d = full.get("c"), full.get("d")
    if c is None or d is None or c.problem or d.problem:
        if not printed:
            print("needs (c) and (d), or an engine that reports phases: not run")
        return
    if d.tree.max_procs <= 1:
        print("(d) started no worker process (the engine maps a file of one shard, about "
              "2,000 records, in the driver): no estimate from (c) and (d)")
        return
    t1, t2 = net_us(c, start["c"]), net_us(d, start["d"])
    print("estimate from (c) and (d), per-record cost without start-up:")
    print("  t_j = m / j + s   (m: parallel cost per record on one core, s: sequential "
          "driver cost per record)")
    print(f"  t1 = {t1:.1f} µs (1 job), t2 = {t2:.1f} µs (2 jobs)  =>  m = 2 (t1 - t2) = "
          f"{2 * (t1 - t2):.1f} µs, s = 2 t2 - t1 = {2 * t2 - t1:.1f} µs")
    m_us, s_us = 2 * (t1 - t2), max(2 * t2 - t1, 0.0)
    if m_us <= 0:
        print("  no speed-up from the second job: the work could not be split; no estimate")
        return
    print(f"  map: {1e6 / m_us:,.0f} records/s per core; sequential: "
          + (f"{1e6 / s_us:,.0f} records/s" if s_us else "none measured (perfect scaling)"))
    print(f"  cores k = R m / (T - R s), R = {CLUSTER_RECORDS:,}, T = {CLUSTER_SECONDS:.0f} s"
          f"  ->  {_cores_needed(m_us, s_us)}")
    print(f"  (were all of t1 parallel: k = R t1 / T = "
          f"{CLUSTER_RECORDS * t1 / 1e6 / CLUSTER_SECONDS:,.1f} cores, a lower bound)")
    print("  caveat: on 2 cores the driver shares a core with the workers, so s is an "
          "upper bound, and m includes the workers' start-up and the cost of sending their "
          "results back to the driver.")


# --- main ----------------------------------------------------------------------------------


def parse_only(value: str) -> list[str]:
    keys = [k.strip().lower() for k in value.split(",") if k.strip()]
    bad = [k for k in keys if k not in LABELS]
    if bad or not keys:
        raise argparse.ArgumentTypeError(
            f"unknown command(s) {','.join(bad) or '(none)'}: choose from a,b,c,d,e")
    return sorted(set(keys))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000,
                    help="records to generate (default 1000000)")
    ap.add_argument("--out", type=Path, default=None,
                    help="folder for the data and reports (kept, files reused when present); "
                    "default: a temporary folder, removed afterwards")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", type=parse_only, default=list(LABELS),
                    help="commands to run, e.g. a,b,c (default: all of a,b,c,d,e)")
    ap.add_argument("--no-half", action="store_true",
                    help="skip the runs at N/2 records (the memory fit then uses the "
                    "1-record run as its second point)")
    ap.add_argument("--interval", type=float, default=0.1,
                    help="seconds between process-tree samples (default 0.1)")
    args = ap.parse_args(argv)
    if args.records < 4:
        ap.error("--records must be at least 4")
    if not 0.01 <= args.interval <= 10:
        ap.error("--interval must be between 0.01 and 10 seconds")

    try:
        os.nice(10)  # the runs take minutes each at full size: leave the machine usable
    except OSError:
        pass
    # Ray's usage statistics would try to reach the network; dataprep runs offline
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    own_tmp = args.out is None
    out = Path(tempfile.mkdtemp(prefix="dataprep-scale-")) if own_tmp else args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        ap.error(f"cannot create --out folder: {exc}")
    try:
        return bench(out, args.records, args.seed, args.only, not args.no_half, args.interval)
    finally:
        if own_tmp:
            shutil.rmtree(out, ignore_errors=True)


def bench(out: Path, n: int, seed: int, keys: list[str], half_too: bool,
          interval: float) -> int:
    data = ensure_data(out, n, seed)
    half = ensure_data(out, n // 2, seed, data) if half_too else None
    one = ensure_data(out, 1, seed)
    jobs, engine = lint_flags()
    ray_ok = has_ray()
    subreaper = become_subreaper()
    print(f"python {sys.version.split()[0]} on {sys.platform}, {os.cpu_count()} CPUs; "
          f"dataprep lint --jobs: {'yes' if jobs else 'no'}, --engine: "
          f"{'yes' if engine else 'no'}; ray importable: {'yes' if ray_ok else 'no'}")
    print(f"process tree sampled every {interval} s from /proc; subreaper "
          f"{'on (orphaned daemons still counted)' if subreaper else 'off'}")
    problem = bench_lint.sanity_check(one, out)
    if problem:
        print(f"ERROR: sanity run failed, timings below are not meaningful: {problem}")

    plans = {size: commands(path, out, jobs, engine, ray_ok)
             for size, path in (("one", one), ("half", half), ("full", data)) if path}
    skipped = {k: why for k, why in plans["full"][1].items() if k in keys}
    for key, why in skipped.items():
        print(f"skipping {LABELS[key]}: {why}")
    start: dict[str, Measured] = {}
    halves: dict[str, Measured] = {}
    full: dict[str, Measured] = {}
    for key in (k for k in keys if k not in skipped):
        for size, store, count in (("one", start, 1), ("half", halves, n // 2),
                                   ("full", full, n)):
            if size not in plans:
                continue
            argv = plans[size][0][key]
            store[key] = m = measure(key, argv, out, count, report_path(argv), interval)
            note = f" ({m.problem})" if m.problem else ""
            print(f"  ran {LABELS[key]} on {count:,}: {m.run.wall:.2f}s, tree peak "
                  f"{_mb(m.tree.rss_mb)} MB{note}", flush=True)

    if not full:
        print("nothing ran")
        return 0
    parse = full.get("a")
    print_runs(f"{n:,} records", full, start, parse)
    if halves:
        print_runs(f"{n // 2:,} records (for the memory fit)", halves, start, halves.get("a"))
    print_processes(full)
    print_targets(n, full, skipped)
    print_memory(n, full, halves, start)
    print_cluster(full, start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
