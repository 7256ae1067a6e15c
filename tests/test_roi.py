"""The cost math of ``dataprep roi`` against cases worked out by hand.

Every expected figure below is computed in the comments next to it, from the formulas of
the contract (issue 6), so a change to the math shows up as a broken sum, not a silently
updated golden file.  Defaults: token multipliers 4 (low, best case) and 6 (high, worst
case); hidden costs 5,000 maintenance + 3,000 drift monitoring + 20,000 / 3 retraining
= 14,666.67 a month; training cost 0; success rate 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dataprep import roi
from dataprep.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
GATE = ROOT / "fixtures" / "gate"
DEFAULT_HIDDEN = 5000 + 3000 + 20000 / 3  # 14,666.67 a month

#: hidden costs chosen to be exact in binary floating point: 1,000 + 500 + 1,500 / 3 = 2,000
EXACT_HIDDEN = {"maintenance_per_month": 1000, "drift_monitoring_per_month": 500, "retraining_per_quarter": 1500}


def dp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "dataprep", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=60, check=False)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return lines[0]


# ------------------------------------------------------------------ hand-computed cases

HIGH_VOLUME = {  # the fine-tuned model needs 15% of the base tokens per query
    "monthly_queries": 50_000_000, "base_price_per_1k_tokens": 0.002,
    "tokens_per_query": 2000, "tokens_per_query_finetuned": 300,  # 300 / 2000 = 15%
    "success_rate": 0.8, "success_rate_finetuned": 0.9, "training_cost": 12_000,
}
HIDDEN_EATS_SAVINGS = {
    "monthly_queries": 1_000_000, "base_price_per_1k_tokens": 0.01,
    "tokens_per_query": 2000, "tokens_per_query_finetuned": 200,
}
LOW_SPEND = {"monthly_api_spend": 4000, "tokens_per_query": 1000, "tokens_per_query_finetuned": 100}

CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "high-volume-15pct-tokens",
        HIGH_VOLUME,
        {
            # base = 50,000,000 x 2,000 / 1,000 x 0.002 = 200,000
            "base": 200_000.0,
            # low  = 50,000,000 x 300 / 1,000 x 0.002 x 4 = 120,000
            "finetuned_low": 120_000.0,
            # high = 50,000,000 x 300 / 1,000 x 0.002 x 6 = 180,000
            "finetuned_high": 180_000.0,
            "hidden": round(DEFAULT_HIDDEN, 2),
            # first-year cost = 12,000 + 12 x 14,666.67 = 12,000 + 176,000 = 188,000
            # ROI low  = (12 x (200,000 - 120,000) - 188,000) / 188,000 = 772,000 / 188,000 = 4.1064
            "roi_low": 772_000 / 188_000,
            # ROI high = (12 x (200,000 - 180,000) - 188,000) / 188,000 = 52,000 / 188,000 = 0.2766
            "roi_high": 52_000 / 188_000,
            # low:  saving 80,000 - 14,666.67 = 65,333.33 >= 12,000 in month 1
            "be_low": 1,
            # high: saving 20,000 - 14,666.67 = 5,333.33; 12,000 / 5,333.33 = 2.25 -> month 3
            "be_high": 3,
            # per success: base 200,000 / (50,000,000 x 0.8) = 0.005
            "cps_base": 0.005,
            # low  (120,000 + 14,666.67) / (50,000,000 x 0.9) = 134,666.67 / 45,000,000 = 0.0029926
            "cps_low": (120_000 + DEFAULT_HIDDEN) / 45_000_000,
            # high (180,000 + 14,666.67) / 45,000,000 = 0.0043259
            "cps_high": (180_000 + DEFAULT_HIDDEN) / 45_000_000,
            "band": "above",
        },
    ),
    (
        "hidden-costs-exceed-savings",
        HIDDEN_EATS_SAVINGS,
        {
            # base = 1,000,000 x 2,000 / 1,000 x 0.01 = 20,000
            "base": 20_000.0,
            # low  = 1,000,000 x 200 / 1,000 x 0.01 x 4 = 8,000 (saves 12,000 a month)
            "finetuned_low": 8_000.0,
            # high = 1,000,000 x 200 / 1,000 x 0.01 x 6 = 12,000 (saves 8,000 a month)
            "finetuned_high": 12_000.0,
            "hidden": round(DEFAULT_HIDDEN, 2),
            # hidden 14,666.67 > either saving: the fine-tuned model never pays for itself
            # first-year cost = 0 + 12 x 14,666.67 = 176,000
            # ROI low  = (12 x 12,000 - 176,000) / 176,000 = -32,000 / 176,000 = -0.1818
            "roi_low": -32_000 / 176_000,
            # ROI high = (12 x 8,000 - 176,000) / 176,000 = -80,000 / 176,000 = -0.4545
            "roi_high": -80_000 / 176_000,
            "be_low": None,
            "be_high": None,
            # per success at the default success rate 1: base 20,000 / 1,000,000 = 0.02
            "cps_base": 0.02,
            # low (8,000 + 14,666.67) / 1,000,000 = 0.022667: dearer per task than base
            "cps_low": (8_000 + DEFAULT_HIDDEN) / 1_000_000,
            # high (12,000 + 14,666.67) / 1,000,000 = 0.026667
            "cps_high": (12_000 + DEFAULT_HIDDEN) / 1_000_000,
            "band": "above",
        },
    ),
    (
        "spend-below-5000",
        LOW_SPEND,
        {
            # no query figures: base = monthly_api_spend = 4,000
            "base": 4_000.0,
            # fine-tuned from the token ratio: 4,000 x 100 / 1,000 x 4 = 1,600
            "finetuned_low": 1_600.0,
            # 4,000 x 100 / 1,000 x 6 = 2,400
            "finetuned_high": 2_400.0,
            "hidden": round(DEFAULT_HIDDEN, 2),
            # ROI low  = (12 x 2,400 - 176,000) / 176,000 = -147,200 / 176,000
            "roi_low": -147_200 / 176_000,
            # ROI high = (12 x 1,600 - 176,000) / 176,000 = -156,800 / 176,000
            "roi_high": -156_800 / 176_000,
            "be_low": None,
            "be_high": None,
            # no monthly_queries: cost per success cannot be computed
            "cps_base": None,
            "cps_low": None,
            "cps_high": None,
            "band": "below",
        },
    ),
]


def _approx(x: float | None, abs_: float) -> Any:
    return None if x is None else pytest.approx(x, abs=abs_)


@pytest.mark.parametrize(("given", "want"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hand_computed_cases(given: dict[str, Any], want: dict[str, Any]) -> None:
    r = roi.compute(roi.validate_costs(given, "costs."))
    assert r["monthly"] == {
        "base": _approx(want["base"], 0.005), "finetuned_low": _approx(want["finetuned_low"], 0.005),
        "finetuned_high": _approx(want["finetuned_high"], 0.005), "hidden": _approx(want["hidden"], 0.005),
    }
    assert r["first_year_roi"]["low"] == pytest.approx(want["roi_low"], abs=1e-4)
    assert r["first_year_roi"]["high"] == pytest.approx(want["roi_high"], abs=1e-4)
    assert r["break_even_month"] == {"low": want["be_low"], "high": want["be_high"]}
    assert r["cost_per_success"] == {
        "base": _approx(want["cps_base"], 1e-6), "finetuned_low": _approx(want["cps_low"], 1e-6),
        "finetuned_high": _approx(want["cps_high"], 1e-6),
    }
    assert r["spend_band"] == want["band"]


def test_high_volume_case_passes_at_both_multipliers() -> None:
    r = roi.compute(HIGH_VOLUME)
    # worst case (x6) still returns 27.7% in the first year; best case (x4) 410.6%
    assert r["first_year_roi"]["high"] > 0 and r["first_year_roi"]["low"] > 0
    # and per successful task it is cheaper at both ends: 0.0030 and 0.0043 < 0.0050
    cps = r["cost_per_success"]
    assert cps["finetuned_low"] < cps["base"] and cps["finetuned_high"] < cps["base"]


# ------------------------------------------------------------------ break-even month

# exact hidden costs (2,000/month) and powers-of-two token ratios keep every sum exact:
# base = monthly_api_spend = 10,000; ratio = 125 / 1,000 = 0.125
#   low  = 10,000 x 0.125 x 4 = 5,000 -> monthly saving 10,000 - 5,000 - 2,000 = 3,000
#   high = 10,000 x 0.125 x 6 = 7,500 -> monthly saving 10,000 - 7,500 - 2,000 =   500
BREAK_EVEN_BASE = {"monthly_api_spend": 10_000, "tokens_per_query": 1000, "tokens_per_query_finetuned": 125,
                   **EXACT_HIDDEN}
BREAK_EVEN = [
    # training 6,000: 2 x 3,000 = 6,000 >= 6,000 exactly (month 2); 12 x 500 = 6,000 (month 12)
    ("exact-boundary", {"training_cost": 6_000}, 2, 12),
    # one dollar more tips both into the next month: 6,001 / 3,000 -> 3; 6,001 / 500 -> 13
    ("one-dollar-over", {"training_cost": 6_001}, 3, 13),
    # training 3,000 is covered by one month's 3,000 (month 1); 3,000 / 500 = 6
    ("month-one", {"training_cost": 3_000}, 1, 6),
    # nothing to recover and a positive saving: month 1 at both ends
    ("no-training-cost", {"training_cost": 0}, 1, 1),
    # x8 at the high end: 10,000 x 0.125 x 8 = 10,000 -> saving 10,000 - 10,000 - 2,000 < 0: never
    ("never-negative-saving", {"training_cost": 6_000, "token_multiplier_high": 8}, 2, None),
    # x6.4: 10,000 x 0.125 x 6.4 = 8,000 -> saving exactly 0; 6,000 is never recovered
    ("never-zero-saving", {"training_cost": 6_000, "token_multiplier_high": 6.4}, 2, None),
    # ... but with no training cost 1 x 0 >= 0 holds in month 1
    ("zero-saving-nothing-to-recover", {"training_cost": 0, "token_multiplier_high": 6.4}, 1, 1),
    # negative saving and nothing to recover: k x (-2,000) >= 0 never holds
    ("never-even-without-training", {"training_cost": 0, "token_multiplier_high": 8}, 1, None),
]


@pytest.mark.parametrize(("extra", "low", "high"), [c[1:] for c in BREAK_EVEN], ids=[c[0] for c in BREAK_EVEN])
def test_break_even_month(extra: dict[str, Any], low: int | None, high: int | None) -> None:
    r = roi.compute({**BREAK_EVEN_BASE, **extra})
    assert r["monthly"]["hidden"] == 2000.0
    assert r["break_even_month"] == {"low": low, "high": high}


# ------------------------------------------------------------------ spend fallback and per-success


def test_query_figures_win_over_monthly_api_spend() -> None:
    # all three figures given: base = 100,000 x 1,000 / 1,000 x 0.1 = 10,000, the 999 is ignored
    r = roi.compute({"monthly_api_spend": 999, "monthly_queries": 100_000, "tokens_per_query": 1000,
                     "base_price_per_1k_tokens": 0.1, "tokens_per_query_finetuned": 125})
    assert r["monthly"]["base"] == pytest.approx(10_000)
    assert r["base_source"] == "queries x tokens x price"


@pytest.mark.parametrize("missing", ["monthly_queries", "tokens_per_query", "base_price_per_1k_tokens"])
def test_monthly_api_spend_fallback_when_a_query_figure_is_missing(missing: str) -> None:
    given = {"monthly_api_spend": 12_000, "monthly_queries": 100_000, "tokens_per_query": 1000,
             "base_price_per_1k_tokens": 0.1, "tokens_per_query_finetuned": 200}
    del given[missing]
    r = roi.compute(given)
    # base falls back to the spend: 12,000 (not 100,000 x 1,000 / 1,000 x 0.1 = 10,000)
    assert r["monthly"]["base"] == 12_000.0
    assert r["base_source"] == "monthly_api_spend"
    if missing != "tokens_per_query":
        # fine-tuned from the token ratio 200 / 1,000: 12,000 x 0.2 x 4 = 9,600 and x 6 = 14,400
        assert r["monthly"]["finetuned_low"] == pytest.approx(9_600)
        assert r["monthly"]["finetuned_high"] == pytest.approx(14_400)


def test_no_spend_at_all_gives_nulls_not_a_crash() -> None:
    r = roi.compute({})
    assert r["base_source"] == "missing" and r["spend_band"] is None
    assert r["monthly"]["base"] is None and r["monthly"]["finetuned_low"] is None
    assert r["first_year_roi"] == {"low": None, "high": None}
    assert r["break_even_month"] == {"low": None, "high": None}
    assert r["cost_per_success"] == {"base": None, "finetuned_low": None, "finetuned_high": None}
    assert r["monthly"]["hidden"] == pytest.approx(DEFAULT_HIDDEN, abs=0.005)


def test_cost_per_success_uses_success_rates_and_hidden_costs() -> None:
    given = {"monthly_queries": 100_000, "tokens_per_query": 1000, "tokens_per_query_finetuned": 125,
             "base_price_per_1k_tokens": 0.1, "success_rate": 0.5, "success_rate_finetuned": 0.8,
             **EXACT_HIDDEN}
    r = roi.compute(given)
    cps = r["cost_per_success"]
    # base: 100,000 x 1,000 / 1,000 x 0.1 = 10,000 a month over 100,000 x 0.5 = 50,000 successes = 0.20
    assert cps["base"] == pytest.approx(0.2)
    # low: fine-tuned 100,000 x 125 / 1,000 x 0.1 x 4 = 5,000, plus hidden 2,000 = 7,000
    #      over 100,000 x 0.8 = 80,000 successes = 0.0875 (0.0625 if hidden were left out)
    assert cps["finetuned_low"] == pytest.approx(0.0875)
    # high: 7,500 + 2,000 = 9,500 / 80,000 = 0.11875
    assert cps["finetuned_high"] == pytest.approx(0.11875)


def test_success_rate_finetuned_defaults_to_success_rate() -> None:
    r = roi.compute({"monthly_api_spend": 10_000, "monthly_queries": 100_000, "success_rate": 0.5,
                     **EXACT_HIDDEN})
    assert r["inputs"]["success_rate_finetuned"] == 0.5
    # no fine-tuned token figure: ratio 1, low = 10,000 x 4 = 40,000; + 2,000 hidden = 42,000
    # over 100,000 x 0.5 = 50,000 successes = 0.84
    assert r["cost_per_success"]["finetuned_low"] == pytest.approx(0.84)


def test_tiny_per_task_costs_keep_their_precision() -> None:
    # 1,000,000 queries x 500 tokens / 1,000 x 0.0005 = 250 a month -> 0.00025 per query;
    # rounding to 4 places would report 0.0003 (20% off)
    r = roi.compute({"monthly_queries": 1_000_000, "tokens_per_query": 500, "base_price_per_1k_tokens": 0.0005})
    assert r["cost_per_success"]["base"] == pytest.approx(0.00025, rel=1e-3)


# ------------------------------------------------------------------ validation

BAD_COSTS = [
    ("unknown-key", {"monthly_spend": 1}, "costs.monthly_spend"),
    ("wrong-type", {"monthly_queries": "many"}, "costs.monthly_queries"),
    ("bool-is-not-a-number", {"training_cost": True}, "costs.training_cost"),
    ("negative-money", {"maintenance_per_month": -1}, "costs.maintenance_per_month"),
    ("negative-spend", {"monthly_api_spend": -5000}, "costs.monthly_api_spend"),
    ("rate-over-one", {"success_rate": 1.5}, "costs.success_rate"),
    ("finetuned-rate-over-one", {"success_rate_finetuned": 92}, "costs.success_rate_finetuned"),
    ("zero-multiplier", {"token_multiplier_low": 0}, "costs.token_multiplier_low"),
]


@pytest.mark.parametrize(("given", "key"), [c[1:] for c in BAD_COSTS], ids=[c[0] for c in BAD_COSTS])
def test_bad_cost_inputs_name_the_key(given: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        roi.validate_costs(given, "costs.")


def test_multiplier_band_must_be_ordered() -> None:
    with pytest.raises(ConfigError, match="token_multiplier_low"):
        roi.compute({"monthly_api_spend": 10_000, "token_multiplier_low": 7})  # 7 > default high 6


# ------------------------------------------------------------------ the CLI

CONTRACT_INPUTS = {
    "monthly_api_spend", "monthly_queries", "base_price_per_1k_tokens", "tokens_per_query",
    "tokens_per_query_finetuned", "success_rate", "success_rate_finetuned", "token_multiplier_low",
    "token_multiplier_high", "maintenance_per_month", "drift_monitoring_per_month",
    "retraining_per_quarter", "training_cost",
}


def test_roi_json_has_the_contract_keys_with_defaults_applied(tmp_path: Path) -> None:
    proc = dp("roi", "--format", "json", "--monthly-api-spend", "20000", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {"inputs", "monthly", "cost_per_success", "first_year_roi", "break_even_month"} <= set(out)
    assert set(out["monthly"]) >= {"base", "finetuned_low", "finetuned_high", "hidden"}
    assert set(out["cost_per_success"]) >= {"base", "finetuned_low", "finetuned_high"}
    assert set(out["first_year_roi"]) >= {"low", "high"}
    assert set(out["break_even_month"]) >= {"low", "high"}
    assert set(out["inputs"]) >= CONTRACT_INPUTS
    inputs = out["inputs"]
    assert inputs["monthly_api_spend"] == 20000
    assert (inputs["token_multiplier_low"], inputs["token_multiplier_high"]) == (4, 6)
    assert (inputs["maintenance_per_month"], inputs["drift_monitoring_per_month"],
            inputs["retraining_per_quarter"]) == (5000, 3000, 20000)
    assert inputs["training_cost"] == 0
    assert inputs["success_rate_finetuned"] == inputs["success_rate"]
    # 20,000 spend with no token figures: fine-tuned = 20,000 x 4 = 80,000 (ratio 1)
    assert out["monthly"]["finetuned_low"] == 80_000


def test_flags_override_the_answers_files_costs(tmp_path: Path) -> None:
    answers = tmp_path / "answers.toml"
    answers.write_text("[costs]\nmonthly_api_spend = 20000\ntraining_cost = 9000\ntoken_multiplier_high = 10\n")
    proc = dp("roi", "--answers", str(answers), "--format", "json", "--monthly-api-spend", "30000",
              "--token-multiplier-low", "7", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    inputs = json.loads(proc.stdout)["inputs"]
    assert inputs["monthly_api_spend"] == 30000  # the flag wins
    assert inputs["training_cost"] == 9000  # the file's value stays
    # the flag moves one end of the band the file set: 7 <= 10 is a valid band
    assert (inputs["token_multiplier_low"], inputs["token_multiplier_high"]) == (7, 10)


def test_roi_reads_the_pyproject_gate_costs_in_cwd(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dataprep.gate.costs]\nmonthly_api_spend = 12000\nretraining_per_quarter = 0\n")
    proc = dp("roi", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["inputs"]["monthly_api_spend"] == 12000
    # hidden = 5,000 + 3,000 + 0 / 3 = 8,000
    assert out["monthly"]["hidden"] == 8000


def test_roi_text_shows_every_input_and_marks_defaults(tmp_path: Path) -> None:
    proc = dp("roi", "--answers", str(GATE / "answers-go.toml"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for key in CONTRACT_INPUTS:
        assert key in proc.stdout
    assert "maintenance_per_month" in proc.stdout and "(default)" in proc.stdout
    assert "Break-even month" in proc.stdout and "First-year ROI" in proc.stdout


def test_roi_text_shows_per_task_costs_below_a_cent(tmp_path: Path) -> None:
    args = [f"--{k.replace('_', '-')}={v}" for k, v in HIGH_VOLUME.items()]
    proc = dp("roi", *args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # 200,000 / (50,000,000 x 0.8) = $0.005 per successful task, not "$0.01" or "$0.00"
    assert "base $0.005," in proc.stdout
    # worst case: 20,000 x 12 = 240,000 saved - 188,000 first-year cost = +27.7%
    assert "+27.7% (worst case)" in proc.stdout and "3 (worst case)" in proc.stdout


BAD_FLAGS = [
    (["--success-rate", "1.5"], "--success-rate"),
    (["--training-cost", "-1"], "--training-cost"),
    (["--monthly-api-spend", "-5000"], "--monthly-api-spend"),
    (["--token-multiplier-low", "7"], "token_multiplier_low"),  # above the default high end, 6
]


@pytest.mark.parametrize(("flags", "key"), BAD_FLAGS, ids=[f[0][0] + f[0][1] for f in BAD_FLAGS])
def test_bad_flags_exit_2_naming_the_flag(tmp_path: Path, flags: list[str], key: str) -> None:
    assert key in one_line_error(dp("roi", *flags, cwd=tmp_path))


def test_bad_answers_file_exits_2_for_roi_too(tmp_path: Path) -> None:
    bad = tmp_path / "a.toml"
    bad.write_text("[costs]\nsuccess_rate_finetuned = 1.2\n")
    assert "costs.success_rate_finetuned" in one_line_error(dp("roi", "--answers", str(bad), cwd=tmp_path))


# ------------------------------------------------------------------ one unit per kind of figure

UNITS = [
    # (formatter, value, shown)
    (roi.money, 4000.0, "$4,000.00"),
    (roi.money, 14666.666666, "$14,666.67"),  # hidden costs: rounded to the cent
    (roi.money, -144000.0, "-$144,000.00"),  # a loss keeps its currency sign after the minus
    (roi.money, None, "n/a"),
    (roi.per_task, 0.0079012, "$0.007901"),  # below a dollar: four significant digits
    (roi.per_task, 1.5, "$1.50"),
    (roi.percent, -2.6089, "-260.9%"),  # the ratio the issue saw as -2.6089 next to -260.9%
    (roi.percent, 0.2766, "+27.7%"),
    (roi.percent, None, "n/a"),
    (roi.month, None, "never"),
    (roi.month, 3, "3"),
]


@pytest.mark.parametrize(("fmt", "value", "shown"), UNITS, ids=[f"{u[0].__name__}-{u[1]}" for u in UNITS])
def test_figures_read_in_one_unit(fmt: Any, value: Any, shown: str) -> None:
    assert fmt(value) == shown


def test_roi_text_shows_a_losing_case_in_the_same_units() -> None:
    # $4,000 a month: first-year cost 12 x 14,666.67 = 176,000; best case fine-tuned x4 = 16,000:
    # ROI = (12 x (4,000 - 16,000) - 176,000) / 176,000 = -1.8182; worst (x6) -2.3636
    text = roi.render_text(roi.compute({"monthly_api_spend": 4000}))
    assert "First-year ROI: -181.8% (best case) to -236.4% (worst case)" in text
    assert "Break-even month: never (best case), never (worst case)" in text
    assert "Monthly base-model spend: $4,000.00" in text and "None" not in text
