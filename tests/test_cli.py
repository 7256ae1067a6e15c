"""The real CLI in a subprocess: exit codes, one-line errors, formats, rules catalogue."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dataprep.resources import load_schema

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
GOOD = (
    '{"messages": [{"role": "user", "content": "Name a prime"}, {"role": "assistant", "content": "7"}]}\n'
    '{"messages": [{"role": "user", "content": "Name an even number"}, {"role": "assistant", "content": "4"}]}\n'
)


def dp(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    e = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "dataprep", *args], cwd=cwd, capture_output=True,
                          text=True, env=e, timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    p = tmp_path / "train.jsonl"
    p.write_text(GOOD)
    return p


def test_clean_file_passes_with_select(tmp_path: Path, good: Path) -> None:
    proc = dp("lint", str(good), "--select", "DP0,DP1", "--format", "text", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Readiness score" in proc.stdout


def test_volume_error_fails_by_default(tmp_path: Path, good: Path) -> None:
    proc = dp("lint", str(good), "--format", "text", cwd=tmp_path)
    assert proc.returncode == 1
    assert "DP201" in proc.stdout


def test_exit_zero(tmp_path: Path, good: Path) -> None:
    assert dp("lint", str(good), "--exit-zero", cwd=tmp_path).returncode == 0


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    p = tmp_path / "train.jsonl"
    p.write_text(GOOD + '{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},'
                 ' {"role": "assistant", "content": "c"}]}\n')
    assert dp("lint", str(p), "--select", "DP1", cwd=tmp_path).returncode == 0
    assert dp("lint", str(p), "--select", "DP1", "--strict", cwd=tmp_path).returncode == 1


def test_fail_under(tmp_path: Path, good: Path) -> None:
    assert dp("lint", str(good), "--select", "DP1", "--fail-under", "99.9", cwd=tmp_path).returncode == 1
    # two records score near 0 (too few examples caps the score), but not below 0.1
    assert dp("lint", str(good), "--select", "DP1", "--fail-under", "0.1", cwd=tmp_path).returncode == 0


def test_missing_path_is_exit_2_one_line(tmp_path: Path) -> None:
    line = one_line_error(dp("lint", "nope.jsonl", cwd=tmp_path))
    assert "nope.jsonl" in line


def test_bad_option_is_exit_2_one_line(tmp_path: Path, good: Path) -> None:
    one_line_error(dp("lint", str(good), "--task", "poetry", cwd=tmp_path))
    one_line_error(dp("lint", str(good), "--format", "xml", cwd=tmp_path))
    one_line_error(dp("lint", cwd=tmp_path))
    one_line_error(dp("frobnicate", cwd=tmp_path))


def test_invalid_config_is_exit_2_naming_rule(tmp_path: Path, good: Path) -> None:
    (tmp_path / "dataprep.toml").write_text("[rules.DP203]\nmin_per_klass = 3\n")
    line = one_line_error(dp("lint", str(good), cwd=tmp_path))
    assert "DP203" in line and "min_per_klass" in line


def test_json_report_validates_against_published_schema(tmp_path: Path) -> None:
    import jsonschema

    proc = dp("lint", str(DEMO), "--format", "json", cwd=tmp_path)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    jsonschema.validate(report, load_schema("report"))
    assert report["verdict"] in ("ready", "needs-work", "not-ready")


def test_demo_findings_at_planted_lines(tmp_path: Path) -> None:
    proc = dp("lint", str(DEMO), "--format", "json", cwd=tmp_path)
    report = json.loads(proc.stdout)
    got = {(Path(f["path"]).name, f["line"], f["code"]) for f in report["findings"]}
    for expected in [("train.jsonl", 12, "DP113"), ("train.jsonl", 24, "DP111"),
                     ("train.jsonl", 38, "DP119"), ("train.jsonl", 65, "DP115"),
                     ("train.jsonl", 91, "DP110"), ("train.jsonl", 101, "DP003"),
                     ("valid.jsonl", 6, "DP117")]:
        assert expected in got, (expected, sorted(got))
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["train.jsonl"]["format"] == "chat" and files["valid.jsonl"]["split"] == "eval"
    assert report["summary"]["exact_duplicates"] >= 1


def test_output_file_and_jsonl(tmp_path: Path) -> None:
    out = tmp_path / "report.jsonl"
    proc = dp("lint", str(DEMO), "--format", "jsonl", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert rows and all("code" in r for r in rows)


def test_auto_is_github_on_actions(tmp_path: Path) -> None:
    proc = dp("lint", str(DEMO), cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert "::error file=" in proc.stdout


def test_text_has_no_ansi_when_piped(tmp_path: Path) -> None:
    proc = dp("lint", str(DEMO), "--format", "text", cwd=tmp_path)
    assert "\x1b[" not in proc.stdout


def test_rules_and_explain(tmp_path: Path) -> None:
    proc = dp("rules", cwd=tmp_path)
    assert proc.returncode == 0 and "DP113" in proc.stdout and "chat.no-assistant-turn" in proc.stdout
    rows = json.loads(dp("rules", "--format", "json", "--all", cwd=tmp_path).stdout)
    assert {r["code"] for r in rows} >= {"DP001", "DP101", "DP201", "DP901"}
    proc = dp("explain", "DP201", cwd=tmp_path)
    assert proc.returncode == 0 and "classification_minimum" in proc.stdout and "pass:" in proc.stdout
    assert dp("explain", "chat.no-assistant-turn", cwd=tmp_path).returncode == 0
    line = one_line_error(dp("explain", "DP2011", cwd=tmp_path))
    assert "did you mean" in line


def test_input_not_modified(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "train.jsonl"
    p.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode() + b"{bad\n")
    before = hashlib.sha256(p.read_bytes()).hexdigest()
    dp("lint", str(p), cwd=tmp_path)
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before


def test_version(tmp_path: Path) -> None:
    from dataprep import __version__

    proc = dp("--version", cwd=tmp_path)
    assert proc.returncode == 0 and __version__ in proc.stdout


def test_file_named_like_eval_alone_is_audited_as_data(tmp_path: Path) -> None:
    p = tmp_path / "test.jsonl"
    p.write_text(GOOD)
    report = json.loads(dp("lint", str(p), "--format", "json", cwd=tmp_path).stdout)
    assert report["files"][0]["split"] == "train" and report["summary"]["effective_examples"] == 2
    train = tmp_path / "train.jsonl"
    train.write_text(GOOD)
    report = json.loads(dp("lint", str(train), str(p), "--format", "json", cwd=tmp_path).stdout)
    assert {Path(f["path"]).name: f["split"] for f in report["files"]} == {"train.jsonl": "train", "test.jsonl": "eval"}


# --- how many findings the text shows ---------------------------------------------------------


def _no_answer_records(n: int) -> str:
    """``n`` distinct conversations without an assistant turn: one DP113 each."""
    return "".join(
        json.dumps({"messages": [{"role": "user", "content": f"Translate sentence {i} into French."}]}) + "\n"
        for i in range(n)
    )


def _lint_in_process(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from dataprep.cli import cli

    res = CliRunner().invoke(cli, ["lint", "--no-progress", "--no-cache", "--exit-zero",
                                   "--select", "DP113", *args])
    return res.exit_code, res.output


def test_text_caps_one_rule_per_file_and_the_options_change_it(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(_no_answer_records(25))
    code, out = _lint_in_process(str(data), "--format", "text")
    assert code == 0
    shown = [ln for ln in out.splitlines() if ln.startswith(f"{data}:") and ": DP113 " in ln]
    assert len(shown) == 10
    assert "  ... and 15 more DP113 in this file (most: " in out
    assert "Findings: 25 errors" in out, "the summary counts every finding"
    _, out = _lint_in_process(str(data), "--format", "text", "--max-per-rule", "3")
    assert sum(ln.startswith(f"{data}:") for ln in out.splitlines()) == 3 and "... and 22 more DP113" in out
    _, out = _lint_in_process(str(data), "--format", "text", "--show-all")
    assert sum(ln.startswith(f"{data}:") for ln in out.splitlines()) == 25 and "more DP113" not in out
    _, out = _lint_in_process(str(data), "--format", "json", "--max-per-rule", "3")
    assert len(json.loads(out)["findings"]) == 25, "machine formats keep every finding"


def test_html_shows_its_own_example_cap_unless_one_is_given(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    data.write_text(_no_answer_records(25))
    examples = re.compile(r'data-shown="(\d+)"')
    _, page = _lint_in_process(str(data), "--format", "html")
    assert examples.findall(page) == ["5"]  # the page's default, not the text cap of 10
    _, page = _lint_in_process(str(data), "--format", "html", "--max-per-rule", "2")
    assert examples.findall(page) == ["2"]


def test_show_all_and_max_per_rule_together_is_a_usage_error(tmp_path: Path, good: Path) -> None:
    line = one_line_error(dp("lint", str(good), "--show-all", "--max-per-rule", "3", cwd=tmp_path))
    assert "--show-all" in line and "--max-per-rule" in line
