"""The fine-tune gate: five questions a team answers before fine-tuning, one decision.

Fine-tuning is the last step: after prompt engineering, for behaviour rather than
knowledge, with enough quality data, stable requirements and costs that pay off.  Each
question is ``pass``, ``fail`` or ``unknown`` with the evidence used and the next step;
the decision is ``go`` only when all five pass.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataprep import roi as roi_mod
from dataprep.config import load_toml
from dataprep.errors import ConfigError

ANSWER_KEYS: dict[str, str] = {
    "prompting_exhausted": "bool",
    "prompt_variants_tried": "int",
    "few_shot_tried": "bool",
    "chain_of_thought_tried": "bool",
    "best_prompt_score": "number",
    "problem": "problem",
    "requirements_stable": "bool",
    "last_requirement_change": "date",
    "stable_after_days": "int",
    "costs": "table",
}
PROBLEMS = ("behavior", "behaviour", "knowledge", "both")
STABLE_AFTER_DAYS = 90
QUESTION_IDS = ("prompting", "problem", "data", "stability", "costs")


@dataclass
class Question:
    id: str
    title: str
    status: str  # pass | fail | unknown
    evidence: dict[str, Any]
    next_step: str
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        ev = dict(self.evidence)
        if self.warnings:
            ev["warnings"] = self.warnings
        out = {"id": self.id, "title": self.title, "status": self.status, "evidence": ev,
               "next_step": self.next_step}
        units = {k: UNITS[k] for k in ev if k in UNITS}
        if units:  # what a bare number in the evidence is: "ratio" (0.25 = +25%), "USD", ...
            out["units"] = units
        return out


# ---------------------------------------------------------------- answers


def _check_type(key: str, kind: str, value: Any, where: str) -> Any:
    name = f"{where}{key}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{name} must be true or false, not {value!r}")
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{name} must be a whole number >= 0, not {value!r}")
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name} must be a number, not {value!r}")
    elif kind == "problem":
        if value not in PROBLEMS:
            raise ConfigError(f"{name} must be one of \"behavior\", \"knowledge\", \"both\", not {value!r}")
    elif kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        raise ConfigError(f"{name} must be an ISO date (YYYY-MM-DD), not {value!r}")
    return value


def validate_answers(raw: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """Known keys with the right types; exits 2 (ConfigError) naming the key otherwise."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        kind = ANSWER_KEYS.get(key)
        if kind is None:
            hint = difflib.get_close_matches(key, list(ANSWER_KEYS), 1)
            raise ConfigError(f"unknown answer key {where + key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        if kind == "table":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}{key} must be a table of cost inputs")
            out[key] = roi_mod.validate_costs(value, f"{where}{key}.")
        else:
            out[key] = _check_type(key, kind, value, where)
    return out


def load_answers(path: str | None, project_table: Mapping[str, Any] | None) -> tuple[dict[str, Any], str]:
    """Answers from ``--answers FILE`` (a TOML file; ``[tool.dataprep.gate]`` in a
    pyproject.toml also works), else from the project config's ``gate`` table."""
    if path is not None:
        data = load_toml(Path(path), f"answers file {path}")
        if "tool" in data and isinstance(data["tool"], Mapping) and "dataprep" in data["tool"]:
            tool = data["tool"]["dataprep"]
            gate_table = tool.get("gate", {}) if isinstance(tool, Mapping) else None
            if not isinstance(gate_table, Mapping):
                raise ConfigError(f"tool.dataprep.gate in {path} must be a table of answers")
            return validate_answers(gate_table, "tool.dataprep.gate."), str(path)
        return validate_answers(data, ""), str(path)
    if project_table:
        return validate_answers(project_table, "tool.dataprep.gate."), "[tool.dataprep.gate]"
    return {}, "none"


# ---------------------------------------------------------------- questions
#
# One invariant holds for every question: it passes only when nothing in its own evidence
# argues against it.  A blocking finding (error severity) or an answer that says a step was
# not taken makes it ``fail``; a figure it needs and cannot get makes it ``unknown``.  A
# question that does not pass always says what to do next, and a passing one says "None"
# only when there is nothing left to do.

#: the rule whose findings are evaluation records copied from training (dup.eval-leakage;
#: a test holds it to the registry, so a renumbered rule fails there, not silently here)
EVAL_LEAK_CODE = "DP304"
#: fewer prompt variants than this is trying a prompt, not iterating on prompts
MIN_PROMPT_VARIANTS = 3
#: prompting techniques the question names, as answered and as read
TECHNIQUES = {"few_shot_tried": "few-shot examples", "chain_of_thought_tried": "chain-of-thought"}
#: how each money or rate figure in the evidence reads; JSON keeps the number, these name its unit
UNITS = {
    "monthly_base_spend": "USD", "training_cost": "USD", "billed_tokens": "tokens",
    "cost_per_success_base": "USD per task", "cost_per_success_finetuned_best": "USD per task",
    "cost_per_success_finetuned_worst": "USD per task",
    "first_year_roi_best": "ratio", "first_year_roi_worst": "ratio",
    "break_even_month_best": "month", "break_even_month_worst": "month",
}


def _sentence(steps: list[str]) -> str:
    """``["remove X", "collect Y"]`` -> ``"Remove X; collect Y."`` (codes keep their case)."""
    text = "; ".join(steps)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def q_prompting(a: Mapping[str, Any]) -> Question:
    ev = {k: a[k] for k in ("prompting_exhausted", "prompt_variants_tried", "few_shot_tried",
                            "chain_of_thought_tried", "best_prompt_score") if k in a}
    title = "Prompt engineering exhausted?"
    advice = ("Iterate prompts systematically first: write an evaluation set, try several prompt "
              "variants, few-shot examples and chain-of-thought, and keep the best score.")
    if "prompting_exhausted" not in a:
        return Question("prompting", title, "unknown", ev, "Answer prompting_exhausted. " + advice)
    if not a["prompting_exhausted"]:
        return Question("prompting", title, "fail", ev, advice)
    # "exhausted" while the answers say a technique was never tried contradicts itself:
    # the untried technique is the next thing to do, not a footnote to a pass
    untried = [key for key in TECHNIQUES if a.get(key) is False]
    variants = a.get("prompt_variants_tried")
    warnings, steps = [], []
    if untried:
        names = " and ".join(TECHNIQUES[k] for k in untried)
        warnings.append(f"not tried yet: {', '.join(TECHNIQUES[k] for k in untried)}")
        steps.append(f"try {names} on your evaluation set, then set "
                     + " and ".join(f"{k} = true" for k in untried))
    if variants is not None and variants < MIN_PROMPT_VARIANTS:
        warnings.append(f"only {variants} prompt variant(s) tried")
        steps.append(f"evaluate at least {MIN_PROMPT_VARIANTS - variants} more prompt variant(s) "
                     "and record prompt_variants_tried")
    if steps:
        return Question("prompting", title, "fail", ev,
                        _sentence(steps) + " Fine-tune only once prompting stops improving your best score.",
                        warnings)
    return Question("prompting", title, "pass", ev, "None: prompting has been pushed as far as it goes.")


def q_problem(a: Mapping[str, Any]) -> Question:
    title = "Knowledge or behaviour?"
    p = a.get("problem")
    ev = {"problem": p} if p is not None else {}
    if p is None:
        return Question("problem", title, "unknown", ev,
                        'Answer problem = "behavior" (style, format, tool use), "knowledge" or "both".')
    if p == "knowledge":
        return Question("problem", title, "fail", ev,
                        "Missing knowledge is retrieval's job: use RAG (retrieval-augmented generation); "
                        "fine-tuning teaches behaviour, not facts.")
    q = Question("problem", title, "pass", ev, "None: fine-tuning fits behaviour (style, format, tool use).")
    if p == "both":
        q.warnings.append("the knowledge part needs retrieval (RAG); fine-tune only for the behaviour")
        q.next_step = "Serve the knowledge with RAG and fine-tune for the behaviour only."
    return q


def _records(f: Mapping[str, Any]) -> int:
    """Records behind one finding (an aggregated finding carries ``count``)."""
    n = f.get("count", 1)
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _leak_step(n: int, paths: list[str], code: str) -> str:
    where = f" from {', '.join(paths)}" if paths else ""
    return (f"remove{where} the {_plural(n, 'evaluation record')} copied from training ({code}), "
            "so the evaluation measures skill, not memory")


def q_data(lint: Mapping[str, Any]) -> Question:
    title = "Enough quality data?"
    summary = lint.get("summary", {})
    eff = summary.get("effective_examples")
    if eff is None:
        eff = summary.get("valid")
    minimum = summary.get("thresholds", {}).get("minimum")
    verdict = lint.get("verdict")
    reasons = [r for r in lint.get("verdict_reasons", []) or [] if isinstance(r, str)]
    findings = [f for f in lint.get("findings", []) or [] if isinstance(f, Mapping)]
    errors: dict[str, int] = {}
    names: dict[str, str] = {}
    for f in findings:
        if f.get("severity") == "error" and isinstance(f.get("code"), str):
            errors[f["code"]] = errors.get(f["code"], 0) + _records(f)
            names.setdefault(f["code"], str(f.get("name") or ""))
    blocking = sorted(errors)
    eval_records = summary.get("eval_records", 0)
    leak_code = EVAL_LEAK_CODE
    leak_findings = [f for f in findings if f.get("code") == leak_code]
    leaks = sum(_records(f) for f in leak_findings)
    leak_paths = sorted({str(f["path"]) for f in leak_findings if f.get("path")})
    ev: dict[str, Any] = {
        "task": lint.get("task"), "effective_examples": eff, "minimum": minimum,
        "recommended": summary.get("thresholds", {}).get("recommended"),
        "score": lint.get("score", {}).get("overall"), "verdict": verdict,
        "blocking_rules": blocking, "eval_records": eval_records, "eval_leaks": leaks,
    }
    warnings: list[str] = []
    advice: list[str] = []  # for a pass: worth doing, not blocking
    if eval_records and not leaks:
        ev["evaluation_infrastructure"] = f"evaluation split of {eval_records} records, none copied from training"
    elif eval_records:
        warnings.append(f"{_plural(leaks, 'evaluation record')} copied from training ({leak_code}): "
                        "metrics will be inflated")
        if leak_code not in errors:  # severity lowered in the config: the user's call, still worth doing
            advice.append(_leak_step(leaks, leak_paths, leak_code))
    else:
        warnings.append("no evaluation split: hold out data (or pass --eval) to measure the fine-tune")
        advice.append("hold out an evaluation split that shares no records with training and pass it with --eval")
    if eff is None or minimum is None:
        return Question("data", title, "unknown", ev,
                        "Run dataprep lint on the training data: its example count or the task's minimum is missing.",
                        warnings)
    steps: list[str] = []  # what must happen before this question can pass
    for code in blocking:
        if code == leak_code:
            steps.append(_leak_step(errors[code], leak_paths, code))
        else:
            label = f"{code} {names[code]}".strip()
            steps.append(f"fix the {_plural(errors[code], 'record')} with {label} errors (dataprep explain {code})")
    if eff < minimum:
        steps.append(f"collect at least {minimum - eff} more distinct, valid examples "
                     f"({eff} effective, the {lint.get('task') or 'task'} minimum is {minimum})")
    elif verdict == "not-ready":
        steps.append("lift the data out of not-ready: " + ("; ".join(reasons) if reasons else "run dataprep lint"))
    if steps:
        return Question("data", title, "fail", ev, _sentence(steps) + " Then re-run dataprep gate.", warnings)
    if verdict == "needs-work" and reasons:
        advice.append("enough to start; to reach ready: " + "; ".join(reasons))
    if advice:
        return Question("data", title, "pass", ev, _sentence(advice), warnings)
    return Question("data", title, "pass", ev, "None: no blocking findings and enough effective examples.", warnings)


def q_stability(a: Mapping[str, Any], today: dt.date) -> Question:
    title = "Requirements stable?"
    days_needed = a.get("stable_after_days", STABLE_AFTER_DAYS)
    ev: dict[str, Any] = {}
    stable = a.get("requirements_stable")
    last = a.get("last_requirement_change")
    if stable is not None:
        ev["requirements_stable"] = stable
    why = "every change of format or behaviour means new data and a new training run."
    unstable = (f"Settle the requirements, then set last_requirement_change to the day they last changed "
                f"and let them hold for {days_needed} days: {why}")
    if last is not None:
        days = (today - last).days
        ev.update(last_requirement_change=last.isoformat(), days_since_change=days,
                  stable_after_days=days_needed)
        if days < 0:
            return Question("stability", title, "fail", ev,
                            f"last_requirement_change ({last.isoformat()}) is after today ({today.isoformat()}): "
                            f"a planned change means the requirements are still moving; wait until it has held "
                            f"for {days_needed} days.")
        if stable is False:
            return Question("stability", title, "fail", ev, unstable)
        if days < days_needed:
            q = Question("stability", title, "fail", ev,
                         f"Wait until {(last + dt.timedelta(days=days_needed)).isoformat()} "
                         f"({days_needed - days} more days without a change): {why}")
            if stable:
                q.warnings.append(f"answered requirements_stable = true, but the last change was {_plural(days, 'day')} ago "
                                  f"(stable after {days_needed})")
            return q
        return Question("stability", title, "pass", ev, "None.")
    if stable is None:
        return Question("stability", title, "unknown", ev,
                        "Answer requirements_stable or last_requirement_change (YYYY-MM-DD).")
    return Question("stability", title, "pass" if stable else "fail", ev, "None." if stable else unstable)


def q_costs(costs: Mapping[str, float]) -> tuple[Question, dict[str, Any]]:
    title = "Ongoing costs justified?"
    r = roi_mod.compute(costs)  # always an object, so "roi" in the JSON never needs a null check
    if not roi_mod.has_cost_inputs(costs):
        return Question("costs", title, "unknown", {},
                        "Fill in [costs] (monthly_api_spend, or monthly_queries, tokens_per_query and "
                        "base_price_per_1k_tokens) and see dataprep roi."), r
    spend = r["monthly"]["base"]
    best, worst = r["first_year_roi"]["low"], r["first_year_roi"]["high"]
    # the base-model spend, whether typed as monthly_api_spend or computed from queries x tokens x price
    ev: dict[str, Any] = {"monthly_base_spend": spend, "spend_band": r["spend_band"],
                          "first_year_roi_best": best, "first_year_roi_worst": worst,
                          "break_even_month_best": r["break_even_month"]["low"],
                          "break_even_month_worst": r["break_even_month"]["high"]}
    for end, label in (("base", "base"), ("finetuned_low", "finetuned_best"), ("finetuned_high", "finetuned_worst")):
        if r["cost_per_success"][end] is not None:
            ev[f"cost_per_success_{label}"] = r["cost_per_success"][end]
    if r.get("training_cost_source", "").startswith("billed_tokens"):
        ev["training_cost"] = round(r["inputs"]["training_cost"], 2)
        ev["billed_tokens"] = r["inputs"]["billed_tokens"]
    notes = list(r.get("notes", []))

    def question(status: str, next_step: str) -> tuple[Question, dict[str, Any]]:
        return Question("costs", title, status, ev, next_step, list(notes)), r

    if spend is None or spend < roi_mod.SPEND_BELOW:
        return question("fail", f"At {roi_mod.money(spend)} a month in base-model spend (below $5,000) the fixed "
                                "costs of a fine-tuned model rarely pay off: stay with prompting (and cheaper models).")
    first_year = r["first_year"]
    # no first-year cost at all (every hidden cost set to 0): ROI has no denominator, the savings decide
    pays = worst > 0 if worst is not None else (first_year["savings_high"] or 0) > 0
    if not pays:
        return question("fail", f"The worst case does not pay back in the first year (ROI {roi_mod.percent(worst)}: "
                                f"savings of {roi_mod.money(first_year['savings_high'])} against "
                                f"{roi_mod.money(first_year['cost'])} of training and hidden costs): cut tokens "
                                "per query further, raise the success rate, or wait for higher volume.")
    if notes:
        # the ROI left out a training cost it was told exists: too optimistic to pass on
        return question("unknown", "Give training_cost in [costs] (no billed token count reached the cost math, "
                                   "so training_price_per_1m_tokens was ignored), then re-run dataprep gate.")
    if spend < roi_mod.SPEND_ABOVE:
        q, _ = question("pass", f"Re-check the cost math after a quarter: at {roi_mod.money(spend)} a month the "
                                "margin over the hidden costs is thin.")
        q.warnings.append("spend is between $5,000 and $10,000 a month: the margin is thin; re-check after a quarter")
        return q, r
    return question("pass", "None: savings cover training and hidden costs in the worst case.")


def billed_tokens(lint: Mapping[str, Any]) -> float | None:
    """Billed training tokens (tokens x epochs) from the lint's token summary (DP501), if any."""
    tokens = lint.get("summary", {}).get("tokens")
    billed = tokens.get("billed_tokens") if isinstance(tokens, Mapping) else None
    if isinstance(billed, bool) or not isinstance(billed, (int, float)) or billed < 0:
        return None
    return float(billed)


def decide(answers: Mapping[str, Any], lint: Mapping[str, Any], today: dt.date) -> dict[str, Any]:
    """The gate's JSON object."""
    costs = dict(answers.get("costs", {}))
    billed = billed_tokens(lint)
    if billed is not None and "billed_tokens" not in costs:
        # measured by the lint; a value written in the answers wins (explicit over measured)
        costs["billed_tokens"] = billed
    costs_q, roi = q_costs(costs)
    questions = [q_prompting(answers), q_problem(answers), q_data(lint), q_stability(answers, today), costs_q]
    decision = "go" if all(q.status == "pass" for q in questions) else "not-yet"
    summary = lint.get("summary", {})
    return {
        "decision": decision,
        "questions": [q.to_dict() for q in questions],
        "data": {"score": lint.get("score", {}).get("overall"), "verdict": lint.get("verdict"),
                 "effective_examples": summary.get("effective_examples"), "task": lint.get("task")},
        "roi": roi,
    }


# ---------------------------------------------------------------- output
# Text and markdown are projections of the JSON object: every figure reads in the unit its
# ``units`` entry names (money in $, ROI as a percentage), the same in evidence and cost math.

_MARK = {"pass": "✅", "fail": "❌", "unknown": "❔"}


def _shown(key: str, value: Any, unit: str | None) -> str:
    if unit == "USD":
        return roi_mod.money(value)
    if unit == "USD per task":
        return roi_mod.per_task(value)
    if unit == "ratio":
        return roi_mod.percent(value)
    if unit == "month":
        return roi_mod.month(value)
    if unit == "tokens" and isinstance(value, (int, float)):
        return f"{value:,.0f}"
    if key == "spend_band" and value in roi_mod.SPEND_BANDS:
        return roi_mod.SPEND_BANDS[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "n/a" if value is None else str(value)


def _evidence_text(q: Mapping[str, Any]) -> str:
    units = q.get("units", {})
    parts = []
    for k, v in q["evidence"].items():
        if k == "warnings" or isinstance(v, Mapping):
            continue
        parts.append(f"{k.replace('_', ' ')}: {_shown(k, v, units.get(k))}")
    return "; ".join(parts)


def _tally(g: Mapping[str, Any]) -> str:
    passed = sum(1 for q in g["questions"] if q["status"] == "pass")
    return f"{passed} of {len(g['questions'])} questions pass"


def render_text(g: Mapping[str, Any]) -> str:
    lines = [f"Fine-tune gate: {g['decision'].upper()} ({_tally(g)})", ""]
    for q in g["questions"]:
        lines.append(f"[{q['status']:<7}] {q['title']}")
        ev = _evidence_text(q)
        if ev:
            lines.append(f"          evidence: {ev}")
        for w in q["evidence"].get("warnings", []):
            lines.append(f"          warning: {w}")
        if q["status"] != "pass" or not q["next_step"].startswith("None"):
            lines.append(f"          next: {q['next_step']}")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(g: Mapping[str, Any]) -> str:
    head = "✅ **go**" if g["decision"] == "go" else "⛔ **not yet**"
    d = g["data"]
    lines = [f"### Fine-tune gate: {head} ({_tally(g)})", "",
             f"Data: score {d['score']}, verdict `{d['verdict']}`, {d['effective_examples']} effective examples ({d['task']}).",
             "", "| | question | evidence | next step |", "|---|---|---|---|"]
    for q in g["questions"]:
        ev = _evidence_text(q)
        warn = "".join(f"<br>⚠️ {w}" for w in q["evidence"].get("warnings", []))
        lines.append(f"| {_MARK[q['status']]} | {_md_escape(q['title'])} | {_md_escape(ev)}{_md_escape(warn)} "
                     f"| {_md_escape(q['next_step'])} |")
    r = g.get("roi")
    if r and r["monthly"]["base"] is not None:
        m, cps = r["monthly"], r["cost_per_success"]
        money, pct, month = roi_mod.money, roi_mod.percent, roi_mod.month
        lines += ["", "<details><summary>Cost math</summary>", "",
                  f"- monthly base spend: {money(m['base'])}, {roi_mod.SPEND_BANDS.get(r['spend_band'], 'band n/a')}",
                  (f"- monthly fine-tuned inference: {money(m['finetuned_low'])} to {money(m['finetuned_high'])}; "
                   f"hidden costs {money(m['hidden'])}"),
                  f"- first-year cost (training + 12 × hidden): {money(r['first_year']['cost'])}"]
        if cps["base"] is not None:
            lines.append(f"- cost per successful task: base {roi_mod.per_task(cps['base'])}, fine-tuned "
                         f"{roi_mod.per_task(cps['finetuned_low'])} to {roi_mod.per_task(cps['finetuned_high'])}")
        lines += [f"- first-year ROI: {pct(r['first_year_roi']['low'])} (best) to {pct(r['first_year_roi']['high'])} (worst)",
                  (f"- break-even month: {month(r['break_even_month']['low'])} (best), "
                   f"{month(r['break_even_month']['high'])} (worst)"),
                  "", "</details>"]
    lines += ["", "<sub>generated by dataprep gate</sub>"]
    return "\n".join(lines) + "\n"
