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
                          text=True, env=env, timeout=60, check=False)


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
    # "exhausted" contradicted by the team's own answers: a named technique untried, or a
    # single prompt rewritten once, is not systematic iteration (the question fails)
    ("exhausted-without-few-shot", {"prompting_exhausted": True, "few_shot_tried": False}, "fail", 1),
    ("exhausted-after-two-variants", {"prompting_exhausted": True, "prompt_variants_tried": 2}, "fail", 1),
    ("exhausted-techniques-unanswered", {"prompting_exhausted": True}, "pass", 0),
]


@pytest.mark.parametrize(("answers", "status", "warnings"), [c[1:] for c in PROMPTING], ids=[c[0] for c in PROMPTING])
def test_prompting(answers: dict[str, Any], status: str, warnings: int) -> None:
    q = gate.q_prompting(answers)
    assert (q.id, q.status, len(q.warnings)) == ("prompting", status, warnings)
    for key, value in answers.items():
        assert q.evidence[key] == value  # every answer given is shown as evidence
    if status != "pass":
        assert "prompt" in q.next_step.lower() and not q.next_step.startswith("None")
    if status == "pass":
        assert q.next_step.startswith("None") and not q.warnings


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
    findings = [{"code": "DP304", "name": "dup.eval-leakage", "severity": "error", "path": "test.jsonl",
                 "count": 1} for _ in range(leaks)]
    findings += [{"code": c, "name": "chat.no-assistant-turn", "severity": "error", "path": "train.jsonl"}
                 for c in errors]
    thresholds = {} if minimum is None else {"minimum": minimum, "recommended": 2 * minimum}
    return {"task": "classification", "verdict": verdict, "score": {"overall": 90.0}, "findings": findings,
            "summary": {"valid": effective, "effective_examples": effective, "eval_records": eval_records,
                        "thresholds": thresholds}}


DATA = [
    # (id, lint report, status, has evaluation_infrastructure, warning fragment)
    ("enough-with-clean-eval", lint_report(eval_records=30), "pass", True, None),
    ("exactly-the-minimum", lint_report(effective=50, verdict="needs-work", eval_records=5), "pass", True, None),
    ("no-eval-split-still-passes", lint_report(), "pass", False, "no evaluation split"),
    ("leaking-eval-split-fails", lint_report(eval_records=30, leaks=2), "fail", False, "DP304"),
    ("blocking-error-fails", lint_report(eval_records=30, errors=("DP113",)), "fail", True, None),
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
    assert "20 more" in q.next_step and "re-run dataprep gate" in q.next_step


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
        assert q.evidence["monthly_base_spend"] == roi["monthly"]["base"]
        assert q.evidence["first_year_roi_worst"] == roi["first_year_roi"]["high"]
    if status == "fail" and q.evidence.get("monthly_base_spend", 0) < 5000:
        assert "$5,000" in q.next_step
    assert (status == "pass" and not warnings) is q.next_step.startswith("None")


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


# ------------------------------------------------------------------ no question contradicts itself
#
# fixtures/gate/leaky-eval: prompt/completion records in the style of the MLX LoRA examples
# (a train and a valid split of developer Q&A); 3 of the 7 evaluation records are copies of
# training records, one of them re-cased and re-spaced, as 26 of the 144 evaluation records of
# mlx-examples' wwdc25 set are.  leaky-eval.toml lowers the thresholds to the fixture's size.

LEAKY = GATE / "leaky-eval"
LEAKY_CONFIG = GATE / "leaky-eval.toml"


def gate_json(tmp_path: Path, data: Path, config: Path, answers: Path | None = None,
              fmt: str = "json") -> tuple[int, str]:
    args = ["gate", str(data), "--config", str(config), "--today", "2026-11-29", "--no-progress",
            "--format", fmt, "--answers", str(answers or GATE / "answers-go.toml")]
    proc = dp(*args, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, proc.stdout


@pytest.fixture(scope="module")
def leaky(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    code, out = gate_json(tmp_path_factory.mktemp("leaky"), LEAKY, LEAKY_CONFIG)
    assert code == 1
    g: dict[str, Any] = json.loads(out)
    return g


def test_copied_eval_records_fail_the_data_question(leaky: dict[str, Any]) -> None:
    data = leaky["questions"][2]
    ev = data["evidence"]
    assert data["status"] == "fail" and leaky["decision"] == "not-yet"
    assert ev["blocking_rules"] == ["DP304"] and ev["eval_leaks"] == 3 and ev["eval_records"] == 7
    assert "evaluation_infrastructure" not in ev  # a leaking split is not evaluation infrastructure
    assert data["next_step"] == (
        f"Remove from {LEAKY / 'valid.jsonl'} the 3 evaluation records copied from training (DP304), "
        "so the evaluation measures skill, not memory. Then re-run dataprep gate.")
    # the team's answers are all in order: the data is the one thing that blocks
    assert [q["status"] for q in leaky["questions"]] == ["pass", "pass", "fail", "pass", "pass"]


def test_the_same_data_without_the_copies_passes_with_a_next_step(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_bytes((LEAKY / "train.jsonl").read_bytes())
    train = set((LEAKY / "train.jsonl").read_text(encoding="utf-8").lower().split("\n"))
    fresh = [line for line in (LEAKY / "valid.jsonl").read_text(encoding="utf-8").splitlines()
             if line.lower().replace(",  ", ", ") not in train]
    assert len(fresh) == 4
    (tmp_path / "data" / "valid.jsonl").write_text("\n".join(fresh) + "\n", encoding="utf-8")
    code, out = gate_json(tmp_path, tmp_path / "data", LEAKY_CONFIG)
    g = json.loads(out)
    data = g["questions"][2]
    assert (code, g["decision"], data["status"]) == (0, "go", "pass")
    assert data["evidence"]["blocking_rules"] == [] and data["evidence"]["verdict"] == "needs-work"
    # needs-work passes the minimum, but the next step says what ready takes, never "None"
    assert data["next_step"] == ("Enough to start; to reach ready: 30 effective training examples, "
                                 "below the recommended 60.")


def test_a_leak_downgraded_to_a_warning_passes_but_still_says_remove_it(tmp_path: Path) -> None:
    config = tmp_path / "dataprep.toml"
    config.write_text(LEAKY_CONFIG.read_text(encoding="utf-8") + '\n[rules.DP304]\nseverity = "warning"\n',
                      encoding="utf-8")
    code, out = gate_json(tmp_path, LEAKY, config)
    data = json.loads(out)["questions"][2]
    assert (code, data["status"], data["evidence"]["blocking_rules"]) == (0, "pass", [])
    assert "3 evaluation records copied from training (DP304)" in data["evidence"]["warnings"][0]
    assert data["next_step"].startswith(f"Remove from {LEAKY / 'valid.jsonl'} the 3 evaluation records")


def test_text_output_never_pairs_a_pass_with_none_and_a_blocking_rule(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text((GATE / "answers-go.toml").read_text(encoding="utf-8")
                       .replace("chain_of_thought_tried = true", "chain_of_thought_tried = false"), encoding="utf-8")
    code, text = gate_json(tmp_path, LEAKY, LEAKY_CONFIG, answers, fmt="text")
    assert code == 1
    assert text.startswith("Fine-tune gate: NOT-YET (3 of 5 questions pass)\n")
    blocks = text.split("\n[")
    prompting = next(b for b in blocks if "Prompt engineering" in b)
    assert prompting.startswith("fail") and "not tried yet: chain-of-thought" in prompting
    assert "next: Try chain-of-thought on your evaluation set, then set chain_of_thought_tried = true." in prompting
    data = next(b for b in blocks if "Enough quality data" in b)
    assert data.startswith("fail") and "blocking rules: DP304" in data and "next: Remove from" in data
    assert "None" not in text  # nothing passes with a "None" next that its evidence contradicts


def test_the_leak_code_is_the_registered_eval_leakage_rule() -> None:
    from dataprep.checks import RULES

    rule = RULES[gate.EVAL_LEAK_CODE]
    assert (rule.name, rule.severity) == ("dup.eval-leakage", "error")


NO_TRAINING_COST = {k: v for k, v in HIGH_VOLUME.items() if k != "training_cost"}
# every combination of answers and lint outcomes: a question passes only with nothing against it
ANSWER_GRID: list[dict[str, Any]] = [
    {}, ALL_PASS,
    {**ALL_PASS, "chain_of_thought_tried": False},
    {**ALL_PASS, "few_shot_tried": False, "prompt_variants_tried": 1},
    {**ALL_PASS, "problem": "both", "requirements_stable": True, "last_requirement_change": days_ago(10)},
    {**ALL_PASS, "requirements_stable": False},
    {**ALL_PASS, "costs": {"monthly_api_spend": 8_000, "tokens_per_query": 1000, "tokens_per_query_finetuned": 100,
                           "maintenance_per_month": 0, "drift_monitoring_per_month": 0,
                           "retraining_per_quarter": 0}},
    {**ALL_PASS, "costs": {**NO_TRAINING_COST, "training_price_per_1m_tokens": 25.0}},
    {**ALL_PASS, "costs": {"monthly_api_spend": 3_000}},
]
LINT_GRID = [
    lint_report(eval_records=20), lint_report(), lint_report(eval_records=30, leaks=4),
    lint_report(errors=("DP113",)), lint_report(effective=40, verdict="not-ready"),
    lint_report(verdict="needs-work"), lint_report(effective=None),
]


@pytest.mark.parametrize("answers", ANSWER_GRID, ids=[f"answers{i}" for i in range(len(ANSWER_GRID))])
def test_no_question_contradicts_its_evidence(answers: dict[str, Any]) -> None:
    for report in LINT_GRID:
        g = gate.decide(answers, report, TODAY)
        for q in g["questions"]:
            ev, nxt, warnings = q["evidence"], q["next_step"], q["evidence"].get("warnings", [])
            if q["status"] == "pass":
                assert not ev.get("blocking_rules"), q
                assert not any("not tried yet" in w or "ignored" in w for w in warnings), q
                # "None" only when there is nothing left to do
                assert nxt.startswith("None") is (not warnings and ev.get("verdict") in (None, "ready")
                                                  and ev.get("eval_records", 1) > 0), q
            else:
                assert nxt and not nxt.startswith("None"), q
        assert (g["decision"] == "go") is all(q["status"] == "pass" for q in g["questions"])


def test_requirements_answered_stable_but_changed_recently() -> None:
    q = gate.q_stability({"requirements_stable": True, "last_requirement_change": days_ago(28)}, TODAY)
    assert q.status == "fail"
    assert q.warnings == ["answered requirements_stable = true, but the last change was 28 days ago "
                          + "(stable after 90)"]
    # 2026-11-01 + 90 days = 2027-01-30
    assert q.next_step.startswith("Wait until 2027-01-30 (62 more days without a change)")


def test_costs_with_an_ignored_training_price_are_unknown_not_pass() -> None:
    # a training price but no billed token count: the ROI leaves training out, too rosy to pass on
    q, roi = gate.q_costs({**NO_TRAINING_COST, "training_price_per_1m_tokens": 25.0})
    assert roi["notes"] and q.status == "unknown" and "training_cost" in q.next_step
    # with the count (the gate takes it from the lint): 4,000,000 / 1,000,000 x $25 = $100
    q, _ = gate.q_costs({**NO_TRAINING_COST, "training_price_per_1m_tokens": 25.0, "billed_tokens": 4_000_000})
    assert (q.status, q.evidence["training_cost"], q.evidence["billed_tokens"]) == ("pass", 100.0, 4_000_000)


def test_costs_without_any_first_year_cost_pass_on_savings() -> None:
    # every hidden cost and training set to 0: ROI has no denominator (n/a); savings decide
    free = {"monthly_api_spend": 20_000, "tokens_per_query": 1000, "tokens_per_query_finetuned": 100,
            "maintenance_per_month": 0, "drift_monitoring_per_month": 0, "retraining_per_quarter": 0}
    q, roi = gate.q_costs(free)
    assert roi["first_year_roi"]["high"] is None and q.status == "pass"
    q, _ = gate.q_costs({**free, "tokens_per_query_finetuned": 1000})  # no saving at all
    assert q.status == "fail" and "does not pay back" in q.next_step


# ------------------------------------------------------------------ one unit per figure


def test_roi_reads_as_a_percentage_in_evidence_and_cost_math_alike() -> None:
    # $4,000 a month: fine-tuned x4..x6 = $16,000..$24,000, hidden $14,666.67, first-year cost
    # $176,000; worst ROI = (12 x (4,000 - 24,000) - 176,000) / 176,000 = -2.3636 -> -236.4%
    g = gate.decide({**ALL_PASS, "costs": {"monthly_api_spend": 4_000}}, lint_report(eval_records=20), TODAY)
    costs = g["questions"][4]
    assert costs["evidence"]["first_year_roi_worst"] == -2.3636 == g["roi"]["first_year_roi"]["high"]
    assert costs["units"]["first_year_roi_worst"] == "ratio" and costs["units"]["monthly_base_spend"] == "USD"
    text, md = gate.render_text(g), gate.render_markdown(g)
    for out in (text, md):
        assert "first year roi worst: -236.4%" in out and "-2.3636" not in out
        assert "monthly base spend: $4,000.00" in out and "4000.0" not in out
        assert "break even month worst: never" in out and "None;" not in out
    assert "- first-year ROI: -181.8% (best) to -236.4% (worst)" in md
    assert "- monthly base spend: $4,000.00" in md
    assert "At $4,000.00 a month in base-model spend (below $5,000)" in costs["next_step"]


def test_money_in_a_failing_cost_next_step_matches_the_cost_math() -> None:
    q, roi = gate.q_costs({"monthly_queries": 1_000_000, "base_price_per_1k_tokens": 0.01,
                           "tokens_per_query": 2000, "tokens_per_query_finetuned": 200})
    # savings 12 x (20,000 - 12,000) = 96,000 against 12 x 14,666.67 = 176,000: ROI -45.5%
    assert q.status == "fail"
    assert ("ROI -45.5%: savings of $96,000.00 against $176,000.00 of training and hidden costs"
            in q.next_step)
    assert q.evidence["cost_per_success_base"] == roi["cost_per_success"]["base"] == 0.02
