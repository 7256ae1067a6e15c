"""The fine-tune gate: each question's pass / fail / unknown, the decision, the answers file,
and the real CLI (exit 0 go, 1 not-yet, 2 error; json and markdown output; ``--init``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dataprep import gate
from dataprep.errors import ConfigError
from dataprep.resources import rules_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
GATE = ROOT / "fixtures" / "gate"
READY = GATE / "ready"
TODAY = dt.date(2026, 11, 29)
IDS = ["prompting", "problem", "data", "stability", "costs"]


def dp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "dataprep", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=60)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ------------------------------------------------------------------ question 1: prompting

PROMPTING = [
    ("unanswered", {}, "unknown", 0),
    ("not-exhausted", {"prompting_exhausted": False, "prompt_variants_tried": 2}, "fail", 0),
    ("exhausted", {"prompting_exhausted": True, "prompt_variants_tried": 12, "few_shot_tried": True,
                   "chain_of_thought_tried": True, "best_prompt_score": 0.8}, "pass", 0),
    ("exhausted-without-few-shot", {"prompting_exhausted": True, "few_shot_tried": False}, "pass", 1),
    ("exhausted-after-two-variants", {"prompting_exhausted": True, "prompt_variants_tried": 2}, "pass", 1),
]


@pytest.mark.parametrize(("answers", "status", "warnings"), [c[1:] for c in PROMPTING], ids=[c[0] for c in PROMPTING])
def test_prompting(answers: dict[str, Any], status: str, warnings: int) -> None:
    q = gate.q_prompting(answers)
    assert (q.id, q.status, len(q.warnings)) == ("prompting", status, warnings)
    for key, value in answers.items():
        assert q.evidence[key] == value  # every answer given is shown as evidence
    if status != "pass":
        assert "prompt" in q.next_step.lower() and "few-shot" in q.next_step


# ------------------------------------------------------------------ question 2: knowledge or behaviour

PROBLEM = [
    ("unanswered", {}, "unknown", 0, ""),
    ("knowledge", {"problem": "knowledge"}, "fail", 0, "RAG"),
    ("behavior", {"problem": "behavior"}, "pass", 0, ""),
    ("behaviour-spelling", {"problem": "behaviour"}, "pass", 0, ""),
    ("both", {"problem": "both"}, "pass", 1, "RAG"),
]


@pytest.mark.parametrize(("answers", "status", "warnings", "advice"), [c[1:] for c in PROBLEM],
                         ids=[c[0] for c in PROBLEM])
def test_problem(answers: dict[str, Any], status: str, warnings: int, advice: str) -> None:
    q = gate.q_problem(answers)
    assert (q.status, len(q.warnings)) == (status, warnings)
    assert advice in q.next_step


# ------------------------------------------------------------------ question 3: data (from the lint)


def lint_report(effective: int | None = 120, minimum: int | None = 50, verdict: str = "ready",
                eval_records: int = 0, leaks: int = 0, errors: tuple[str, ...] = ()) -> dict[str, Any]:
    """The slice of ``Result.to_dict()`` the data question reads."""
    findings = [{"code": "DP304", "severity": "error"} for _ in range(leaks)]
    findings += [{"code": c, "severity": "error"} for c in errors]
    thresholds = {} if minimum is None else {"minimum": minimum, "recommended": 2 * minimum}
    return {"task": "classification", "verdict": verdict, "score": {"overall": 90.0}, "findings": findings,
            "summary": {"valid": effective, "effective_examples": effective, "eval_records": eval_records,
                        "thresholds": thresholds}}


DATA = [
    # (id, lint report, status, has evaluation_infrastructure, warning fragment)
    ("enough-with-clean-eval", lint_report(eval_records=30), "pass", True, None),
    ("exactly-the-minimum", lint_report(effective=50, verdict="needs-work", eval_records=5), "pass", True, None),
    ("no-eval-split-still-passes", lint_report(), "pass", False, "no evaluation split"),
    ("leaking-eval-split-warns", lint_report(eval_records=30, leaks=2), "pass", False, "DP304"),
    ("below-minimum", lint_report(effective=49, verdict="needs-work"), "fail", False, None),
    ("not-ready-verdict", lint_report(effective=500, verdict="not-ready", errors=("DP113",)), "fail", False, None),
    ("no-count", lint_report(effective=None), "unknown", False, None),
    ("no-minimum", lint_report(minimum=None), "unknown", False, None),
]


@pytest.mark.parametrize(("report", "status", "infra", "warning"), [c[1:] for c in DATA], ids=[c[0] for c in DATA])
def test_data(report: dict[str, Any], status: str, infra: bool, warning: str | None) -> None:
    q = gate.q_data(report)
    assert q.status == status
    assert ("evaluation_infrastructure" in q.evidence) is infra
    if warning:
        assert any(warning in w for w in q.warnings), q.warnings
    assert q.next_step.strip(". ")  # always a next step to take
    for key in ("effective_examples", "minimum", "score", "verdict", "blocking_rules"):
        assert key in q.evidence


def test_data_failure_says_how_many_more_examples() -> None:
    q = gate.q_data(lint_report(effective=30, verdict="not-ready"))
    # minimum 50 - 30 effective = 20 more
    assert "20 more" in q.next_step and "blocking findings" in q.next_step


# ------------------------------------------------------------------ question 4: stability


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


STABILITY = [
    ("unanswered", {}, "unknown"),
    ("answered-stable", {"requirements_stable": True}, "pass"),
    ("answered-unstable", {"requirements_stable": False}, "fail"),
    ("changed-89-days-ago", {"last_requirement_change": days_ago(89)}, "fail"),
    ("changed-90-days-ago", {"last_requirement_change": days_ago(90)}, "pass"),  # default: 90 days
    ("changed-in-the-future", {"last_requirement_change": days_ago(-3)}, "fail"),
    ("date-wins-over-stable-answer", {"requirements_stable": True, "last_requirement_change": days_ago(10)}, "fail"),
    ("old-date-but-answered-unstable",
     {"requirements_stable": False, "last_requirement_change": days_ago(400)}, "fail"),
    ("custom-window-met", {"last_requirement_change": days_ago(30), "stable_after_days": 30}, "pass"),
    ("custom-window-missed", {"last_requirement_change": days_ago(29), "stable_after_days": 30}, "fail"),
    ("longer-window", {"last_requirement_change": days_ago(120), "stable_after_days": 180}, "fail"),
]


@pytest.mark.parametrize(("answers", "status"), [c[1:] for c in STABILITY], ids=[c[0] for c in STABILITY])
def test_stability(answers: dict[str, Any], status: str) -> None:
    q = gate.q_stability(answers, TODAY)
    assert q.status == status
    if "last_requirement_change" in answers:
        days = (TODAY - answers["last_requirement_change"]).days
        assert q.evidence["days_since_change"] == days
        assert q.evidence["stable_after_days"] == answers.get("stable_after_days", 90)
    if status == "fail":
        assert "days" in q.next_step


# ------------------------------------------------------------------ question 5: costs

HIGH_VOLUME = {"monthly_queries": 50_000_000, "base_price_per_1k_tokens": 0.002, "tokens_per_query": 2000,
               "tokens_per_query_finetuned": 300, "training_cost": 12_000}
COSTS = [
    # no spend figures at all
    ("unanswered", {}, "unknown", 0),
    ("half-the-query-figures", {"monthly_queries": 1000, "tokens_per_query": 100}, "unknown", 0),
    # 4,999 a month is below the $5,000 floor, whatever the ROI
    ("spend-below-5000", {"monthly_api_spend": 4_999, "tokens_per_query": 1000, "tokens_per_query_finetuned": 10,
                          "maintenance_per_month": 0, "drift_monitoring_per_month": 0,
                          "retraining_per_quarter": 0, "training_cost": 1}, "fail", 0),
    # base 20,000; fine-tuned 8,000-12,000; hidden 14,666.67 eats the 8,000-12,000 saving
    ("hidden-costs-exceed-savings", {"monthly_queries": 1_000_000, "base_price_per_1k_tokens": 0.01,
                                     "tokens_per_query": 2000, "tokens_per_query_finetuned": 200}, "fail", 0),
    # base 200,000; fine-tuned 120,000-180,000 (15% of the tokens); worst-case ROI +27.7%
    ("high-volume-15pct-tokens", HIGH_VOLUME, "pass", 0),
    # 8,000 spend; fine-tuned 8,000 x 100 / 1,000 x 6 = 4,800 worst case; no hidden costs,
    # training 1,000: ROI high = (12 x 3,200 - 1,000) / 1,000 = 37.4 -> passes, thin-margin warning
    ("between-5000-and-10000-warns", {"monthly_api_spend": 8_000, "tokens_per_query": 1000,
                                      "tokens_per_query_finetuned": 100, "maintenance_per_month": 0,
                                      "drift_monitoring_per_month": 0, "retraining_per_quarter": 0,
                                      "training_cost": 1_000}, "pass", 1),
    # worst-case multiplier 12: 200,000 x 0.15 x 12 = 360,000 > base: the worst case loses money
    ("worst-multiplier-loses", {**HIGH_VOLUME, "token_multiplier_high": 12}, "fail", 0),
]


@pytest.mark.parametrize(("costs", "status", "warnings"), [c[1:] for c in COSTS], ids=[c[0] for c in COSTS])
def test_costs(costs: dict[str, Any], status: str, warnings: int) -> None:
    q, roi = gate.q_costs(costs)
    assert (q.status, len(q.warnings)) == (status, warnings)
    assert isinstance(roi, dict) and "monthly" in roi  # the roi object is always there
    if status != "unknown":
        assert q.evidence["monthly_api_spend"] == roi["monthly"]["base"]
        assert q.evidence["first_year_roi_worst"] == roi["first_year_roi"]["high"]
    if status == "fail" and q.evidence.get("monthly_api_spend", 0) < 5000:
        assert "$5,000" in q.next_step


# ------------------------------------------------------------------ the decision

ALL_PASS: dict[str, Any] = {
    "prompting_exhausted": True, "problem": "behavior", "last_requirement_change": days_ago(200),
    "costs": HIGH_VOLUME,
}
BREAKERS = [
    ("all-pass", {}, None, "go"),
    ("prompting-fails", {"prompting_exhausted": False}, "prompting", "not-yet"),
    ("prompting-unknown", {"prompting_exhausted": None}, "prompting", "not-yet"),
    ("knowledge-fails", {"problem": "knowledge"}, "problem", "not-yet"),
    ("problem-unknown", {"problem": None}, "problem", "not-yet"),
    ("unstable", {"last_requirement_change": days_ago(5)}, "stability", "not-yet"),
    ("stability-unknown", {"last_requirement_change": None}, "stability", "not-yet"),
    ("costs-fail", {"costs": {"monthly_api_spend": 3000}}, "costs", "not-yet"),
    ("costs-unknown", {"costs": None}, "costs", "not-yet"),
]


@pytest.mark.parametrize(("change", "broken", "decision"), [c[1:] for c in BREAKERS], ids=[c[0] for c in BREAKERS])
def test_decision_is_go_only_when_all_five_pass(change: dict[str, Any], broken: str | None, decision: str) -> None:
    answers = {k: v for k, v in {**ALL_PASS, **change}.items() if v is not None}
    g = gate.decide(answers, lint_report(eval_records=20), TODAY)
    assert g["decision"] == decision
    assert [q["id"] for q in g["questions"]] == IDS
    not_passing = [q["id"] for q in g["questions"] if q["status"] != "pass"]
    assert not_passing == ([] if broken is None else [broken])


def test_data_alone_can_block_the_decision() -> None:
    g = gate.decide(ALL_PASS, lint_report(effective=10, verdict="not-ready"), TODAY)
    assert g["decision"] == "not-yet"
    assert [q["status"] for q in g["questions"]] == ["pass", "pass", "fail", "pass", "pass"]


# ------------------------------------------------------------------ answers validation

BAD_ANSWERS = [
    ("unknown-key", 'promting_exhausted = true\n', "promting_exhausted"),
    ("unknown-cost-key", '[costs]\nmonthly_spend = 10\n', "costs.monthly_spend"),
    ("bool-as-string", 'prompting_exhausted = "yes"\n', "prompting_exhausted"),
    ("int-as-float", 'prompt_variants_tried = 2.5\n', "prompt_variants_tried"),
    ("bad-problem", 'problem = "facts"\n', "problem"),
    ("bad-date", 'last_requirement_change = "last spring"\n', "last_requirement_change"),
    ("stable-as-int", 'requirements_stable = 1\n', "requirements_stable"),
    ("costs-not-a-table", 'costs = 5000\n', "costs"),
    ("money-as-string", '[costs]\nmonthly_api_spend = "5k"\n', "costs.monthly_api_spend"),
    ("negative-money", '[costs]\nretraining_per_quarter = -20000\n', "costs.retraining_per_quarter"),
    ("negative-training", '[costs]\ntraining_cost = -1\n', "costs.training_cost"),
    ("rate-over-one", '[costs]\nsuccess_rate = 1.01\n', "costs.success_rate"),
    ("percent-not-share", '[costs]\nsuccess_rate_finetuned = 92\n', "costs.success_rate_finetuned"),
]


@pytest.mark.parametrize(("text", "key"), [c[1:] for c in BAD_ANSWERS], ids=[c[0] for c in BAD_ANSWERS])
def test_bad_answers_raise_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        gate.validate_answers(tomllib.loads(text))
    assert key in str(err.value)


@pytest.mark.parametrize(("text", "key"), [BAD_ANSWERS[i][1:] for i in (0, 2, 9, 11)],
                         ids=[BAD_ANSWERS[i][0] for i in (0, 2, 9, 11)])
def test_bad_answers_file_exits_2_with_one_line(tmp_path: Path, text: str, key: str) -> None:
    (tmp_path / "answers.toml").write_text(text)
    line = one_line_error(dp("gate", str(READY), "--answers", "answers.toml", cwd=tmp_path))
    assert key in line


def test_dates_parse_as_toml_dates_and_strings() -> None:
    a = gate.validate_answers(tomllib.loads('last_requirement_change = 2026-01-15\n'))
    b = gate.validate_answers({"last_requirement_change": "2026-01-15"})
    assert a["last_requirement_change"] == b["last_requirement_change"] == dt.date(2026, 1, 15)


# ------------------------------------------------------------------ the CLI


def test_ready_fixture_is_go(tmp_path: Path) -> None:
    proc = dp("gate", str(READY), "--answers", str(GATE / "answers-go.toml"), "--today", "2026-11-29",
              "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= {"decision", "questions", "data", "roi"}
    assert out["decision"] == "go"
    assert [q["id"] for q in out["questions"]] == IDS
    for q in out["questions"]:
        assert set(q) >= {"id", "status", "evidence", "next_step"}
        assert q["status"] == "pass" and isinstance(q["evidence"], dict) and isinstance(q["next_step"], str)
    assert set(out["data"]) >= {"score", "verdict", "effective_examples", "task"}
    assert out["data"]["task"] == "classification"
    assert set(out["roi"]) >= {"inputs", "monthly", "cost_per_success", "first_year_roi", "break_even_month"}
    stability = out["questions"][3]["evidence"]
    # 2026-05-04 to 2026-11-29: 27 + 30 + 31 + 31 + 30 + 31 + 29 = 209 days
    assert stability["days_since_change"] == 209


def test_not_yet_exits_1(tmp_path: Path) -> None:
    proc = dp("gate", str(READY), "--answers", str(GATE / "answers-not-yet.toml"), "--today", "2026-11-29",
              "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert out["decision"] == "not-yet"
    assert {q["id"]: q["status"] for q in out["questions"]} == {
        "prompting": "fail", "problem": "fail", "data": "pass", "stability": "fail", "costs": "fail"}


def test_hidden_costs_fixture_fails_only_on_costs(tmp_path: Path) -> None:
    proc = dp("gate", str(READY), "--answers", str(GATE / "answers-hidden-costs.toml"), "--today", "2026-11-29",
              "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    statuses = {q["id"]: q["status"] for q in json.loads(proc.stdout)["questions"]}
    assert statuses == {"prompting": "pass", "problem": "pass", "data": "pass", "stability": "pass",
                        "costs": "fail"}


def test_stability_follows_today(tmp_path: Path) -> None:
    # answers-go.toml: last change 2026-05-04; +89 days = 2026-08-01 (fail), +90 = 2026-08-02 (pass)
    def stability(today: str) -> tuple[int, str]:
        proc = dp("gate", str(READY), "--answers", str(GATE / "answers-go.toml"), "--today", today,
                  "--format", "json", "--no-progress", cwd=tmp_path)
        return proc.returncode, json.loads(proc.stdout)["questions"][3]["status"]

    assert stability("2026-08-01") == (1, "fail")
    assert stability("2026-08-02") == (0, "pass")


def test_too_little_data_is_not_yet(tmp_path: Path) -> None:
    rows = [{"text": f"message number {i} about topic {i * 7}", "label": ["a", "b"][i % 2]} for i in range(12)]
    (tmp_path / "small.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = dp("gate", "small.jsonl", "--answers", str(GATE / "answers-go.toml"), "--today", "2026-11-29",
              "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data_q = json.loads(proc.stdout)["questions"][2]
    assert data_q["status"] == "fail" and "more" in data_q["next_step"]
    assert any("no evaluation split" in w for w in data_q["evidence"]["warnings"])


@pytest.mark.parametrize(("args", "fragment"), [
    (["gate", "fixtures-missing.jsonl"], "fixtures-missing.jsonl"),
    (["gate", str(READY), "--answers", "nope.toml"], "nope.toml"),
    (["gate", str(READY), "--today", "2026-13-01"], "--today"),
    (["gate"], "dataprep gate"),
], ids=["missing-data", "missing-answers", "bad-today", "no-paths"])
def test_errors_exit_2(tmp_path: Path, args: list[str], fragment: str) -> None:
    assert fragment in one_line_error(dp(*args, cwd=tmp_path))


def test_answers_from_pyproject_in_cwd(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.dataprep.gate]\nprompting_exhausted = true\nproblem = "both"\nrequirements_stable = true\n'
        '[tool.dataprep.gate.costs]\nmonthly_queries = 50000000\nbase_price_per_1k_tokens = 0.002\n'
        'tokens_per_query = 2000\ntokens_per_query_finetuned = 300\n')
    proc = dp("gate", str(READY), "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    problem = out["questions"][1]
    assert problem["evidence"]["problem"] == "both" and problem["evidence"]["warnings"]
    assert out["roi"]["monthly"]["base"] == 200_000  # 50,000,000 x 2,000 / 1,000 x 0.002


def test_bad_key_in_pyproject_names_the_full_key(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dataprep.gate]\nprolem = \"behavior\"\n")
    line = one_line_error(dp("gate", str(READY), "--no-progress", cwd=tmp_path))
    assert "'tool.dataprep.gate.prolem'" in line and "did you mean 'problem'" in line


def test_pyproject_passed_as_answers_file(tmp_path: Path) -> None:
    p = tmp_path / "team.toml"
    p.write_text('[tool.dataprep.gate]\nproblem = "knowledge"\n')
    proc = dp("gate", str(READY), "--answers", str(p), "--format", "json", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["questions"][1]["status"] == "fail"
    p.write_text('[tool.dataprep]\ngate = "yes"\n')
    assert "tool.dataprep.gate" in one_line_error(dp("gate", str(READY), "--answers", str(p), cwd=tmp_path))


# ------------------------------------------------------------------ --init and the template


def test_init_writes_the_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    proc = dp("gate", "--init", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = tmp_path / "dataprep-gate.toml"
    assert written.read_text(encoding="utf-8") == (rules_dir() / "gate" / "answers.toml").read_text(encoding="utf-8")
    written.write_text("# mine\n")
    assert "dataprep-gate.toml" in one_line_error(dp("gate", "--init", cwd=tmp_path))
    assert written.read_text() == "# mine\n"  # untouched
    assert dp("gate", "--init", "team-gate.toml", cwd=tmp_path).returncode == 0
    assert (tmp_path / "team-gate.toml").is_file()


def test_template_parses_validates_and_gives_not_yet(tmp_path: Path) -> None:
    text = (rules_dir() / "gate" / "answers.toml").read_text(encoding="utf-8")
    answers = gate.validate_answers(tomllib.loads(text))
    assert answers["prompting_exhausted"] is False  # a fresh template never says go
    # every key the template mentions, commented or not, is a key the gate accepts
    for line in text.splitlines():
        body = line.lstrip("# ").split("=")[0].strip()
        if "=" in line and body.isidentifier() and body.islower():
            assert body in gate.ANSWER_KEYS or body in gate.roi_mod.COST_INPUTS, body
    proc = dp("gate", "--init", cwd=tmp_path)
    assert proc.returncode == 0
    proc = dp("gate", str(READY), "--answers", "dataprep-gate.toml", "--format", "json", "--no-progress",
              cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    statuses = [q["status"] for q in json.loads(proc.stdout)["questions"]]
    assert statuses == ["fail", "pass", "pass", "unknown", "unknown"]


# ------------------------------------------------------------------ markdown and text


def test_markdown_has_a_table_of_the_five_questions(tmp_path: Path) -> None:
    proc = dp("gate", str(READY), "--answers", str(GATE / "answers-go.toml"), "--today", "2026-11-29",
              "--format", "markdown", "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    rows = [line for line in md.splitlines() if line.startswith("| ") and "question" not in line]
    assert len(rows) == 5
    for row, title in zip(rows, ["Prompt engineering", "Knowledge or behaviour", "Enough quality data",
                                  "Requirements stable", "Ongoing costs"]):
        assert title in row
    assert "**go**" in md and "|---|" in md


def test_markdown_escapes_pipes_in_evidence() -> None:
    g = gate.decide(ALL_PASS, lint_report(eval_records=20), TODAY)
    g["questions"][0]["evidence"]["note"] = "a | b"
    g["questions"][0]["next_step"] = "x | y"
    md = gate.render_markdown(g)
    row = next(line for line in md.splitlines() if "Prompt engineering" in line)
    assert "a \\| b" in row and "x \\| y" in row
    # the escaped pipes do not add columns: 5 cell borders in a 4-column row
    assert row.replace("\\|", "").count("|") == 5


def test_markdown_without_costs_skips_the_cost_math() -> None:
    g = gate.decide({}, lint_report(), TODAY)
    assert g["decision"] == "not-yet" and isinstance(g["roi"], dict)
    md = gate.render_markdown(g)
    assert "not yet" in md and "Cost math" not in md


def test_text_output_lists_status_and_next_steps(tmp_path: Path) -> None:
    proc = dp("gate", str(READY), "--answers", str(GATE / "answers-not-yet.toml"), "--today", "2026-11-29",
              "--no-progress", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Fine-tune gate: NOT-YET" in proc.stdout
    assert proc.stdout.count("[fail   ]") == 4 and "RAG" in proc.stdout
