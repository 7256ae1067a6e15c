"""The cost math of fine-tuning: is it cheaper per successful task than the base model?

Formulas (a contract, so results are comparable between teams):

- ``base`` monthly = monthly_queries x tokens_per_query / 1000 x base_price_per_1k_tokens,
  or ``monthly_api_spend`` when those are missing;
- fine-tuned monthly at multiplier m = monthly_queries x tokens_per_query_finetuned / 1000
  x base_price_per_1k_tokens x m (without query and price figures: base x
  tokens_per_query_finetuned / tokens_per_query x m);
- ``hidden`` monthly = maintenance + drift monitoring + retraining / 3;
- cost per success = monthly cost / (monthly_queries x success rate), the fine-tuned
  model's including hidden costs;
- first-year cost = training_cost + 12 x hidden;
- first-year ROI = (12 x (base - fine-tuned) - first-year cost) / first-year cost;
- break-even month = first k with k x (base - fine-tuned - hidden) >= training_cost, or
  None when savings never cover it;
- training_cost, when not given but ``training_price_per_1m_tokens`` is = billed_tokens /
  1,000,000 x training_price_per_1m_tokens.  ``dataprep gate`` takes billed_tokens from
  the lint's ``summary["tokens"]`` (training tokens x epochs); ``dataprep roi`` cannot
  count tokens, so it needs ``--billed-tokens`` (else the price is ignored, with a note).

``low`` is computed at ``token_multiplier_low`` (best case), ``high`` at
``token_multiplier_high`` (worst case).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dataprep.errors import ConfigError

#: every cost input: (default, description); None = no default (must be given to be used)
COST_INPUTS: dict[str, tuple[float | None, str]] = {
    "monthly_api_spend": (None, "current monthly API spend on the base model, $"),
    "monthly_queries": (None, "queries per month"),
    "base_price_per_1k_tokens": (None, "base model price per 1,000 tokens, $"),
    "tokens_per_query": (None, "tokens per query with the base model (prompt + completion)"),
    "tokens_per_query_finetuned": (None, "tokens per query with the fine-tuned model (shorter prompts)"),
    "success_rate": (1.0, "share of base-model answers that succeed, 0-1"),
    "success_rate_finetuned": (None, "share of fine-tuned answers that succeed, 0-1 (default: success_rate)"),
    "token_multiplier_low": (4.0, "fine-tuned per-token price as a multiple of base, best case"),
    "token_multiplier_high": (6.0, "fine-tuned per-token price as a multiple of base, worst case"),
    "maintenance_per_month": (5000.0, "maintenance of the fine-tuned model, $/month"),
    "drift_monitoring_per_month": (3000.0, "drift monitoring, $/month"),
    "retraining_per_quarter": (20000.0, "retraining, $/quarter"),
    "training_cost": (0.0, "one-off training cost, $"),
    "training_price_per_1m_tokens": (None, ("training price per 1M billed tokens, $: without training_cost, "
                                            "training_cost = billed_tokens / 1,000,000 x this")),
    "billed_tokens": (None, ("billed training tokens (tokens x epochs); dataprep gate takes it from "
                             "the lint's token summary (DP501)")),
}
RATES = ("success_rate", "success_rate_finetuned")
SPEND_BELOW = 5000.0
SPEND_ABOVE = 10000.0


def validate_costs(values: Mapping[str, Any], where: str) -> dict[str, float]:
    """Check cost inputs (known keys, numbers, not negative, rates within 0-1)."""
    out: dict[str, float] = {}
    for key, value in values.items():
        # command-line flags are named as typed (``--monthly-api-spend``), file keys as written
        name = f"--{key.replace('_', '-')}" if where == "--" else f"{where}{key}"
        if key not in COST_INPUTS:
            import difflib

            hint = difflib.get_close_matches(key, list(COST_INPUTS), 1)
            raise ConfigError(f"unknown cost key {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigError(f"{name} must be a number, not {value!r}")
        if value < 0:
            raise ConfigError(f"{name} must not be negative ({value})")
        if key in RATES and value > 1:
            raise ConfigError(f"{name} is a share between 0 and 1, not {value}")
        if key.startswith("token_multiplier") and value <= 0:
            raise ConfigError(f"{name} must be above 0")
        out[key] = float(value)
    return out


def check_multipliers(inputs: Mapping[str, float | None]) -> None:
    """The band must be ordered; checked on the merged inputs (file + flags + defaults), so
    a flag can move one end of a band the answers file set."""
    low, high = inputs.get("token_multiplier_low"), inputs.get("token_multiplier_high")
    if low is not None and high is not None and low > high:
        raise ConfigError(f"token_multiplier_low ({low:g}) is above token_multiplier_high ({high:g})")


def resolve_inputs(given: Mapping[str, float]) -> dict[str, float | None]:
    """Every input with its default applied (``None`` where there is none)."""
    inputs: dict[str, float | None] = {k: given.get(k, d) for k, (d, _) in COST_INPUTS.items()}
    if inputs["success_rate_finetuned"] is None:
        inputs["success_rate_finetuned"] = inputs["success_rate"]
    return inputs


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def band(spend: float | None) -> str | None:
    if spend is None:
        return None
    if spend < SPEND_BELOW:
        return "below"
    return "consider" if spend < SPEND_ABOVE else "above"


def compute(given: Mapping[str, float]) -> dict[str, Any]:
    """The ``roi`` object of the JSON contract."""
    i = resolve_inputs(given)
    check_multipliers(i)
    q, price = i["monthly_queries"], i["base_price_per_1k_tokens"]
    tpq, tpq_ft = i["tokens_per_query"], i["tokens_per_query_finetuned"]
    if q is not None and tpq is not None and price is not None:
        base: float | None = q * tpq / 1000 * price
        base_source = "queries x tokens x price"
    else:
        base = i["monthly_api_spend"]
        base_source = "monthly_api_spend" if base is not None else "missing"

    def finetuned(m: float) -> float | None:
        if q is not None and tpq_ft is not None and price is not None:
            return q * tpq_ft / 1000 * price * m
        if base is None:
            return None
        ratio = (tpq_ft / tpq) if (tpq_ft is not None and tpq) else 1.0
        return base * ratio * m

    hidden = (i["maintenance_per_month"] or 0) + (i["drift_monitoring_per_month"] or 0) + (i["retraining_per_quarter"] or 0) / 3
    training, training_source, notes = _training_cost(given, i)
    first_year_cost = training + 12 * hidden
    lows_highs: dict[str, float | None] = {
        "low": finetuned(i["token_multiplier_low"] or 4.0),
        "high": finetuned(i["token_multiplier_high"] or 6.0),
    }

    def per_success(cost: float | None, rate: float | None) -> float | None:
        if cost is None or q is None or not q or not rate:
            return None
        return cost / (q * rate)

    roi: dict[str, float | None] = {}
    breakeven: dict[str, int | None] = {}
    for end, ft in lows_highs.items():
        if base is None or ft is None:
            roi[end] = None
            breakeven[end] = None
            continue
        roi[end] = (12 * (base - ft) - first_year_cost) / first_year_cost if first_year_cost > 0 else None
        saving = base - ft - hidden
        if saving > 0:
            breakeven[end] = max(1, math.ceil(training / saving - 1e-12))
        elif saving == 0 and training <= 0:
            breakeven[end] = 1
        else:
            breakeven[end] = None
    return {
        "inputs": {k: v for k, v in i.items()},
        "base_source": base_source,
        "spend_band": band(base),
        "monthly": {"base": _r(base), "finetuned_low": _r(lows_highs["low"]),
                    "finetuned_high": _r(lows_highs["high"]), "hidden": _r(hidden)},
        "first_year": {"cost": _r(first_year_cost),
                       "savings_low": _r(None if base is None or lows_highs["low"] is None else 12 * (base - lows_highs["low"])),
                       "savings_high": _r(None if base is None or lows_highs["high"] is None else 12 * (base - lows_highs["high"]))},
        "cost_per_success": {
            "base": _r6(per_success(base, i["success_rate"])),
            "finetuned_low": _r6(per_success(None if lows_highs["low"] is None else lows_highs["low"] + hidden, i["success_rate_finetuned"])),
            "finetuned_high": _r6(per_success(None if lows_highs["high"] is None else lows_highs["high"] + hidden, i["success_rate_finetuned"])),
        },
        "first_year_roi": {k: (None if v is None else round(v, 4)) for k, v in roi.items()},
        "break_even_month": breakeven,
        "training_cost_source": training_source,
        "notes": notes,
    }


def _training_cost(given: Mapping[str, float], i: dict[str, float | None]) -> tuple[float, str, list[str]]:
    """(training cost, where it came from, notes); fills ``i["training_cost"]`` when computed."""
    price, billed = i["training_price_per_1m_tokens"], i["billed_tokens"]
    if "training_cost" in given or price is None:
        return i["training_cost"] or 0.0, "training_cost" if "training_cost" in given else "default", []
    if billed is None:
        return i["training_cost"] or 0.0, "default", [
            ("training_price_per_1m_tokens ignored: no billed token count (dataprep gate takes it "
             "from the lint; for dataprep roi pass --billed-tokens)")]
    cost = billed / 1_000_000 * price
    i["training_cost"] = cost
    return cost, "billed_tokens x training_price_per_1m_tokens", []


def _r6(x: float | None) -> float | None:
    # per-task costs are often fractions of a cent: six places keep them comparable
    return None if x is None else round(x, 6)


def has_cost_inputs(given: Mapping[str, float]) -> bool:
    return "monthly_api_spend" in given or all(
        k in given for k in ("monthly_queries", "tokens_per_query", "base_price_per_1k_tokens"))


# ---------------------------------------------------------------- how figures read
# One unit per kind of figure, shared by ``dataprep roi`` and every human view of the gate:
# money in $ with cents, per-task costs in $ with four significant digits below a dollar,
# ROI (a ratio in JSON: 0.25 is a 25% return) as a signed percentage.


def money(x: float | None) -> str:
    """``$4,000.00``; ``n/a`` for a figure that could not be computed."""
    return "n/a" if x is None else f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def per_task(x: float | None) -> str:
    """Per-task costs are usually fractions of a cent: cents would show $0.00."""
    return "n/a" if x is None else f"${x:,.2f}" if x >= 1 else f"${x:.4g}"


def percent(ratio: float | None) -> str:
    """A ratio (ROI -2.6089) as the percentage people read (``-260.9%``)."""
    return "n/a" if ratio is None else f"{ratio:+.1%}"


def month(k: int | None) -> str:
    """A break-even month; ``never`` when the savings never cover the costs."""
    return "never" if k is None else str(k)


#: the spend bands of ``spend_band`` as people read them
SPEND_BANDS = {"below": "below $5,000 a month (fine-tuning rarely pays)",
               "consider": "$5,000-$10,000 a month (consider it)",
               "above": "above $10,000 a month (likely to pay)"}


def render_text(roi: Mapping[str, Any]) -> str:
    """A readable table of inputs (defaults marked) and results."""
    lines = ["Inputs:"]
    for key, (default, desc) in COST_INPUTS.items():
        value = roi["inputs"].get(key)
        shown = "-" if value is None else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
        mark = " (default)" if default is not None and value == default else ""
        lines.append(f"  {key:<28} {shown:>12}{mark}  {desc}")
    m, cps, fyr, be = roi["monthly"], roi["cost_per_success"], roi["first_year_roi"], roi["break_even_month"]
    lines += [
        "",
        (f"Monthly base-model spend: {money(m['base'])} ({roi['base_source']}; band: {roi['spend_band'] or 'n/a'}: "
         f"below $5,000 fine-tuning rarely pays, $5,000-$10,000 consider, above $10,000 likely)"),
        (f"Monthly fine-tuned inference: {money(m['finetuned_low'])} (x{roi['inputs']['token_multiplier_low']:g}) "
         f"to {money(m['finetuned_high'])} (x{roi['inputs']['token_multiplier_high']:g})"),
        f"Monthly hidden costs: {money(m['hidden'])} (maintenance + drift monitoring + retraining / 3)",
        (f"Cost per successful task: base {per_task(cps['base'])}, fine-tuned {per_task(cps['finetuned_low'])} "
         f"to {per_task(cps['finetuned_high'])}"),
        f"First-year cost (training + 12 x hidden): {money(roi['first_year']['cost'])}"
        + (f" (training: {roi['inputs']['billed_tokens']:,.0f} billed tokens x "
           f"${roi['inputs']['training_price_per_1m_tokens']:g} per 1M)"
           if roi.get("training_cost_source", "").startswith("billed_tokens") else ""),
        f"First-year ROI: {percent(fyr['low'])} (best case) to {percent(fyr['high'])} (worst case)",
        f"Break-even month: {month(be['low'])} (best case), {month(be['high'])} (worst case)",
    ]
    lines += [f"Note: {n}" for n in roi.get("notes", [])]
    return "\n".join(lines) + "\n"
