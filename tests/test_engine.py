"""Engine behaviour independent of concrete rules: crashes become findings, selection costs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dataprep.checks import RULES
from dataprep.checks.base import Check, Emit, Rule
from dataprep.config import resolve
from dataprep.engine import run
from dataprep.model import Record
from dataprep.sources import discover


class Boom(Rule):
    """A rule whose check always raises (test only).

    It exists to prove that a crashing check becomes a DP901 finding and that the
    other checks still run.

    Examples:
    pass: {"text": "x"}
    fail: {"text": "y"}
    """

    code = "DP998"
    name = "test.boom"
    severity = "warning"


class BoomCheck(Check):
    rules = (Boom,)

    def check(self, rec: Record, emit: Emit) -> None:
        raise ValueError("kaboom")


class CountingCheck(Check):
    rules = (Boom,)
    calls = 0

    def check(self, rec: Record, emit: Emit) -> None:
        CountingCheck.calls += 1


def _run(tmp_path: Path, checks: list[type[Check]], select: list[str]) -> Any:
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "c"}\n')
    rules = {**RULES, "DP998": Boom}
    # the test rule is part of this run's registry, so selecting it is no unknown code
    cfg = resolve(rules, cli={"select": select}, cwd=tmp_path)
    return run(discover([str(data)]), checks, rules, cfg)


def test_crash_becomes_finding_and_run_goes_on(tmp_path: Path) -> None:
    out = _run(tmp_path, [BoomCheck], ["DP9"])
    crashes = [f for f in out.findings if f.code == "DP901"]
    # one finding at the first record plus one summary for the file, not one per record
    assert len(crashes) == 2
    first = next(f for f in crashes if f.line is not None)
    assert first.line == 1 and "kaboom" in first.message
    assert next(f for f in crashes if f.line is None).count == 3
    assert out.records == 3


def test_unselected_check_is_never_called(tmp_path: Path) -> None:
    CountingCheck.calls = 0
    _run(tmp_path, [CountingCheck], ["DP1"])
    assert CountingCheck.calls == 0
    _run(tmp_path, [CountingCheck], ["DP998"])
    assert CountingCheck.calls == 3


def test_findings_are_sorted_and_deterministic(tmp_path: Path) -> None:
    from dataprep.api import lint

    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n'
                    '{"messages": [{"role": "assistant", "content": "x"}, {"role": "system", "content": "y"}]}\n')
    a = lint([str(data)], cwd=tmp_path).to_dict()
    b = lint([str(data)], cwd=tmp_path).to_dict()
    assert a == b
    lines = [f["line"] or 0 for f in a["findings"] if f["path"] != "<dataset>"]
    assert lines == sorted(lines)
