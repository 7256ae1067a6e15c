"""Pre-commit-sized benchmark: ``dataprep lint`` of one 1,000-record chat file vs check-jsonschema.

Usage::

    python benchmarks/bench_precommit.py [--records 1000] [--repeat 5] [--seed 11] [--out DIR] [--profile]

A pre-commit hook runs on every commit, so what matters is the wall time of one small,
warm run, start-up included.  check-jsonschema is the usual way to "lint" JSON data in a
hook, so it is the yardstick.  It validates whole documents and reads no JSONL, so it gets
the same records as one JSON array, against ``rules/schemas/chat.schema.json`` wrapped in an
array schema; dataprep gets the JSONL file and its default rules (every default rule,
volume and duplicates included: more work than a schema check).

Each command runs in a fresh process, once unmeasured (warm: OS file cache, and for the
cache-on run the filled ``.dataprep_cache/``), then ``--repeat`` times; the best time
counts.  Ratios are dataprep / check-jsonschema wall time.  Targets: <= 1.0 with the
cache on, <= 1.5 without.  When a target fails (or with ``--profile``) the script prints
where the time goes: the slowest imports (``-X importtime``) and a cProfile of the
no-cache run.  It is a report: it exits 0 once it has run (2 for bad arguments or a
missing check-jsonschema).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAT_SCHEMA = REPO / "rules" / "schemas" / "chat.schema.json"
TARGETS = {"cache": 1.0, "nocache": 1.5}

_VOCAB = """
order refund invoice account password login email address parcel courier delivery
warehouse return label receipt subscription plan upgrade downgrade billing card payment
please kindly first then next finally also however because therefore meanwhile
check open click select choose enter confirm cancel update change reset verify send
settings profile dashboard page menu button form field link message notification
today tomorrow week month business day hour minute soon later usually always never
you we they it this that the a an your our their my to of in on at for with from by
is are was will can should could would may might must have has do does did be been
""".split()

_SYSTEMS = (
    "You are a concise support assistant for an online shop.",
    "You answer billing questions politely and ask for the invoice number when needed.",
    "You help customers track parcels and explain delivery times.",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_VOCAB) for _ in range(rng.randint(5, 16))]
    return " ".join(words).capitalize() + rng.choice("..?!")


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def make_records(n: int, seed: int) -> list[dict[str, object]]:
    """``n`` distinct, valid chat records of 1-3 exchanges (about 1 KB of JSON each)."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(n):
        messages: list[dict[str, str]] = []
        if rng.random() < 0.5:
            messages.append({"role": "system", "content": rng.choice(_SYSTEMS)})
        for turn in range(rng.randint(1, 3)):
            # the ticket number keeps every record distinct (no duplicate findings)
            question = f"Ticket {i}-{turn}: {_text(rng, rng.randint(1, 2))}"
            messages.append({"role": "user", "content": question})
            messages.append({"role": "assistant", "content": _text(rng, rng.randint(2, 5))})
        out.append({"messages": messages})
    return out


def array_schema() -> dict[str, object]:
    """The chat record schema applied to every item of an array document.

    The record schema keeps its ``$id``, so its ``#/$defs/...`` references resolve inside
    it (a JSON Schema 2020-12 compound document).
    """
    chat = json.loads(CHAT_SCHEMA.read_text(encoding="utf-8"))
    return {"$schema": chat.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
            "title": "array of chat records", "type": "array", "items": chat}


@dataclass
class Timing:
    best: float
    runs: list[float]
    returncode: int
    stderr: str


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "FORCE_COLOR"):
        env.pop(key, None)  # no job summary, no colour codes: the same work everywhere
    return env


def run_once(argv: list[str], cwd: Path) -> tuple[float, int, str]:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=err, check=False)
        wall = time.perf_counter() - start
        err.seek(0)
        return wall, proc.returncode, err.read().decode("utf-8", "replace")


def timed(argv: list[str], cwd: Path, repeat: int) -> Timing:
    """One unmeasured warm-up run, then the best of ``repeat`` fresh processes."""
    _wall, rc, stderr = run_once(argv, cwd)
    runs: list[float] = []
    for _ in range(repeat):
        wall, rc2, stderr2 = run_once(argv, cwd)
        runs.append(wall)
        if rc2 != rc:
            rc, stderr = rc2, stderr2
    return Timing(min(runs), runs, rc, stderr)


def check_jsonschema_cmd() -> list[str] | None:
    if importlib.util.find_spec("check_jsonschema") is not None:
        return [sys.executable, "-m", "check_jsonschema"]
    exe = shutil.which("check-jsonschema")
    return [exe] if exe else None


def sanity(work: Path, data: Path, cjs: list[str], schema: Path) -> list[str]:
    """Problems that would make the timings meaningless (empty list when all is well)."""
    problems = []
    report = work / "sanity-report.json"
    _w, rc, err = run_once([sys.executable, "-m", "dataprep", "lint", str(data), "--no-progress",
                            "--no-cache", "--format", "json", "-o", str(report)], work)
    if rc not in (0, 1) or not report.is_file():
        problems.append(f"dataprep lint exited {rc}: {err.strip()[-300:]}")
    else:
        got = json.loads(report.read_text(encoding="utf-8"))["summary"]
        if got["records"] != got["valid"] or got["records"] == 0:
            problems.append(f"dataprep counted {got['records']} records, {got['valid']} valid")
    broken = work / "sanity-broken.json"
    broken.write_text(json.dumps([{"messages": []}]), encoding="utf-8")
    _w, rc, _err = run_once([*cjs, "--schemafile", str(schema), str(broken)], work)
    if rc != 1:
        problems.append(f"check-jsonschema accepted an empty conversation (exit {rc}): schema not applied")
    return problems


def profile(data: Path, work: Path, top: int = 15) -> None:
    """Where the no-cache run spends its time: imports first, then the run itself."""
    lint = ["-m", "dataprep", "lint", str(data), "--no-progress", "--no-cache", "--format", "text"]
    _w, _rc, err = run_once([sys.executable, "-X", "importtime", *lint], work)
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line.split("|")
        try:
            cumulative = int(parts[1].strip())
        except ValueError:
            continue  # the header line
        name = parts[2].rstrip()
        if not name.startswith("  "):  # top-level imports only: their cost includes children
            rows.append((cumulative, name.strip()))
    total = sum(c for c, _ in rows)
    print(f"\nImports (python -X importtime), top-level modules, total {total / 1e6:.3f} s:")
    for cumulative, name in sorted(rows, reverse=True)[:top]:
        print(f"  {cumulative / 1e6:7.3f} s  {name}")
    prof = work / "lint.prof"
    run_once([sys.executable, "-m", "cProfile", "-o", str(prof), *lint], work)
    if prof.is_file():
        buf = io.StringIO()
        pstats.Stats(str(prof), stream=buf).strip_dirs().sort_stats("cumulative").print_stats(top)
        print(f"\ncProfile of `dataprep lint --no-cache` (top {top} by cumulative time):")
        print("\n".join("  " + ln for ln in buf.getvalue().splitlines() if ln.strip()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=None, help="keep the generated files in DIR")
    ap.add_argument("--profile", action="store_true", help="always print the profile")
    args = ap.parse_args(argv)
    if args.records < 1 or args.repeat < 1:
        ap.error("--records and --repeat must be at least 1")
    cjs = check_jsonschema_cmd()
    if cjs is None:
        print("check-jsonschema is not installed: pip install 'dataprep-lint[bench]'", file=sys.stderr)
        return 2

    tmp = None
    if args.out is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-precommit-")
        work = Path(tmp.name)
    else:
        work = args.out
        work.mkdir(parents=True, exist_ok=True)
    try:
        records = make_records(args.records, args.seed)
        data = work / "chat.jsonl"
        array = work / "chat-array.json"
        schema = work / "chat-array.schema.json"
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        array.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        schema.write_text(json.dumps(array_schema(), indent=1), encoding="utf-8")
        shutil.rmtree(work / ".dataprep_cache", ignore_errors=True)  # the warm-up fills it
        print(f"{args.records:,} chat records: {data.name} {data.stat().st_size / 1024:.0f} KiB, "
              f"{array.name} {array.stat().st_size / 1024:.0f} KiB; best of {args.repeat} fresh "
              f"processes after one warm-up; python {sys.version.split()[0]}")

        problems = sanity(work, data, cjs, schema)
        for p in problems:
            print(f"SANITY: {p}")

        lint = [sys.executable, "-m", "dataprep", "lint", str(data), "--no-progress", "--format", "text"]
        commands = {
            "cjs": ("check-jsonschema --schemafile SCHEMA ARRAY.json", [*cjs, "--schemafile", str(schema), str(array)]),
            "cache": ("dataprep lint FILE (cache on, warm)", lint),
            "nocache": ("dataprep lint FILE --no-cache", [*lint, "--no-cache"]),
            "hook": ("hook entry: --select DP0,DP1,DP9 --no-cache",
                     [*lint, "--select", "DP0,DP1,DP9", "--fail-under", "0", "--no-cache"]),
            "start_dp": ("dataprep --version (start-up)", [sys.executable, "-m", "dataprep", "--version"]),
            "start_cjs": ("check-jsonschema --version (start-up)", [*cjs, "--version"]),
        }
        results = {key: timed(cmd, work, args.repeat) for key, (_label, cmd) in commands.items()}
        base = results["cjs"].best
        width = max(len(label) for label, _ in commands.values())
        print(f"\n{'command':<{width}}  {'best s':>7}  {'ratio':>6}  {'target':>7}  result  exit")
        failed = False
        for key, (label, _cmd) in commands.items():
            t = results[key]
            ratio = t.best / base if base > 0 else float("inf")
            target = TARGETS.get(key)
            ok_exit = t.returncode in ((0, 1) if key in ("cache", "nocache", "hook") else (0,))
            if not ok_exit or "Traceback" in t.stderr:
                verdict = "ERROR"
            elif target is None:
                verdict = "info" if key != "cjs" else "base"
            else:
                verdict = "PASS" if ratio <= target else "FAIL"
            failed = failed or verdict in ("FAIL", "ERROR")
            tgt = f"<= {target:.1f}" if target is not None else ""
            print(f"{label:<{width}}  {t.best:7.3f}  {ratio:6.2f}  {tgt:>7}  {verdict:<6}  {t.returncode}")
            if verdict == "ERROR":
                print(f"    stderr: {t.stderr.strip()[-400:]}")
        print("\nratio = command / check-jsonschema wall time (start-up included); all runs (s):")
        for key, (label, _cmd) in commands.items():
            print(f"  {label}: " + " ".join(f"{w:.3f}" for w in results[key].runs))
        if failed or args.profile or problems:
            profile(data, work)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
