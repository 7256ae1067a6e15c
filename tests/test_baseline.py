"""Baselines: legacy findings accepted, new ones fail, reordering changes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dataprep.api import lint

GOOD = [{"messages": [{"role": "user", "content": f"Question number {i} about invoices"},
                      {"role": "assistant", "content": f"Answer {i}: open Billing, then Invoices."}]}
        for i in range(6)]
BAD = [
    {"messages": [{"role": "user", "content": "where is my refund"}]},  # DP113
    {"messages": [{"role": "assistant", "content": "hi"}, {"role": "system", "content": "x"}]},
]
NEW_BAD = {"messages": [{"role": "robot", "content": "beep"}, {"role": "assistant", "content": "boop"}]}


def write(path: Path, records: list[object]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def dp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dataprep", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture()
def legacy(tmp_path: Path) -> Path:
    data = write(tmp_path / "train.jsonl", [*GOOD[:3], BAD[0], *GOOD[3:], BAD[1], "{broken json"])
    proc = dp("baseline", "write", "base.json", "train.jsonl", "--select", "DP0,DP1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return data


def lint_new(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return dp("lint", "train.jsonl", "--select", "DP0,DP1", "--baseline", "base.json", "--format", "json",
              "--no-cache", cwd=tmp_path)


def test_legacy_passes_with_its_baseline(tmp_path: Path, legacy: Path) -> None:
    proc = lint_new(tmp_path)
    assert proc.returncode == 0, proc.stdout
    report = json.loads(proc.stdout)
    assert report["findings"] == []
    assert report["baseline"]["suppressed"] >= 3 and report["baseline"]["stale"] == []


def test_one_new_bad_record_fails_with_exactly_that_record(tmp_path: Path, legacy: Path) -> None:
    lines = legacy.read_text().splitlines()
    lines.insert(2, json.dumps(NEW_BAD))
    legacy.write_text("\n".join(lines) + "\n")
    proc = lint_new(tmp_path)
    assert proc.returncode == 1
    found = json.loads(proc.stdout)["findings"]
    assert {f["line"] for f in found} == {3} and "DP110" in {f["code"] for f in found}


def test_reordering_changes_nothing(tmp_path: Path, legacy: Path) -> None:
    lines = legacy.read_text().splitlines()
    legacy.write_text("\n" + "\n".join(reversed(lines)) + "\n")
    proc = lint_new(tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["findings"] == []


def test_a_second_copy_of_a_baselined_bad_record_is_new(tmp_path: Path, legacy: Path) -> None:
    with legacy.open("a") as fh:
        fh.write(json.dumps(BAD[0]) + "\n")
    proc = lint_new(tmp_path)
    assert proc.returncode == 1
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["DP113"]


def test_fixed_records_are_listed_as_stale(tmp_path: Path, legacy: Path) -> None:
    write(legacy, [*GOOD, BAD[1], "{broken json"])
    proc = lint_new(tmp_path)
    assert proc.returncode == 0
    stale = json.loads(proc.stdout)["baseline"]["stale"]
    assert [s["code"] for s in stale] == ["DP113"]
    text = dp("lint", "train.jsonl", "--select", "DP0,DP1", "--baseline", "base.json", "--no-cache",
              "--format", "text", cwd=tmp_path).stdout
    assert "stale" in text.lower() or "no longer" in text.lower()


def test_bad_baseline_file_is_exit_2(tmp_path: Path, legacy: Path) -> None:
    (tmp_path / "base.json").write_text("{not json")
    proc = lint_new(tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    proc = dp("lint", "train.jsonl", "--baseline", "missing.json", cwd=tmp_path)
    assert proc.returncode == 2 and "missing.json" in proc.stderr


def test_api_baseline_keeps_score(tmp_path: Path, legacy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # baseline paths are as given, relative to where dataprep runs
    full = lint(["train.jsonl"], select=["DP0", "DP1"], cwd=tmp_path)
    base = lint(["train.jsonl"], select=["DP0", "DP1"], cwd=tmp_path, baseline="base.json")
    assert base.findings == [] and base.score.overall == full.score.overall
