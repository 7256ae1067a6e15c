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
        return {"id": self.id, "title": self.title, "status": self.status, "evidence": ev,
                "next_step": self.next_step}


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
    q = Question("prompting", title, "pass", ev, "None: prompting has been pushed as far as it goes.")
    tried = [k for k in ("few_shot_tried", "chain_of_thought_tried") if a.get(k) is False]
    if tried:
        q.warnings.append("not tried yet: " + ", ".join(t.replace("_tried", "").replace("_", " ") for t in tried))
    if a.get("prompt_variants_tried", 3) < 3:
        q.warnings.append(f"only {a['prompt_variants_tried']} prompt variant(s) tried")
    return q


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


def q_data(lint: Mapping[str, Any]) -> Question:
    title = "Enough quality data?"
    summary = lint.get("summary", {})
    eff = summary.get("effective_examples")
    if eff is None:
        eff = summary.get("valid")
    minimum = summary.get("thresholds", {}).get("minimum")
    verdict = lint.get("verdict")
    blocking = sorted({f["code"] for f in lint.get("findings", []) if f.get("severity") == "error"})
    eval_records = summary.get("eval_records", 0)
    leaks = sum(1 for f in lint.get("findings", []) if f.get("code") == "DP304")
    ev: dict[str, Any] = {
        "task": lint.get("task"), "effective_examples": eff, "minimum": minimum,
        "recommended": summary.get("thresholds", {}).get("recommended"),
        "score": lint.get("score", {}).get("overall"), "verdict": verdict,
        "blocking_rules": blocking, "eval_records": eval_records, "eval_leaks": leaks,
    }
    warnings = []
    if eval_records and not leaks:
        ev["evaluation_infrastructure"] = f"evaluation split of {eval_records} records, none copied from training"
    elif eval_records:
        warnings.append(f"{leaks} evaluation record(s) are copies of training records (DP304): metrics will be inflated")
    else:
        warnings.append("no evaluation split: hold out data (or pass --eval) to measure the fine-tune")
    if eff is None or minimum is None:
        q = Question("data", title, "unknown", ev,
                     "Run dataprep lint on the training data: its example count or the task's minimum is missing.")
        q.warnings = warnings
        return q
    ok = eff >= minimum and verdict != "not-ready"
    if ok:
        q = Question("data", title, "pass", ev, "None: the data is ready enough; fix the remaining findings as you go.")
    else:
        steps = []
        if eff is not None and minimum is not None and eff < minimum:
            steps.append(f"collect at least {minimum - eff} more distinct, valid examples")
        if verdict == "not-ready":
            steps.append("fix the blocking findings (run dataprep lint)")
        q = Question("data", title, "fail", ev, "; ".join(steps).capitalize() + ".")
    q.warnings = warnings
    return q


def q_stability(a: Mapping[str, Any], today: dt.date) -> Question:
    title = "Requirements stable?"
    days_needed = a.get("stable_after_days", STABLE_AFTER_DAYS)
    ev: dict[str, Any] = {}
    stable = a.get("requirements_stable")
    last = a.get("last_requirement_change")
    if stable is not None:
        ev["requirements_stable"] = stable
    advice = (f"Wait until requirements have held for {days_needed} days: every change of "
              "format or behaviour means new data and a new training run.")
    if last is not None:
        days = (today - last).days
        ev.update(last_requirement_change=last.isoformat(), days_since_change=days,
                  stable_after_days=days_needed)
        if days < days_needed or stable is False:
            return Question("stability", title, "fail", ev, advice)
        return Question("stability", title, "pass", ev, "None.")
    if stable is None:
        return Question("stability", title, "unknown", ev,
                        "Answer requirements_stable or last_requirement_change (YYYY-MM-DD).")
    return Question("stability", title, "pass" if stable else "fail", ev, "None." if stable else advice)


def q_costs(costs: Mapping[str, float]) -> tuple[Question, dict[str, Any]]:
    title = "Ongoing costs justified?"
    r = roi_mod.compute(costs)  # always an object, so "roi" in the JSON never needs a null check
    if not roi_mod.has_cost_inputs(costs):
        return Question("costs", title, "unknown", {},
                        "Fill in [costs] (monthly_api_spend, or monthly_queries, tokens_per_query and "
                        "base_price_per_1k_tokens) and see dataprep roi."), r
    spend = r["monthly"]["base"]
    worst = r["first_year_roi"]["high"]
    ev = {"monthly_api_spend": spend, "spend_band": r["spend_band"],
          "first_year_roi_best": r["first_year_roi"]["low"], "first_year_roi_worst": worst,
          "break_even_month_best": r["break_even_month"]["low"],
          "break_even_month_worst": r["break_even_month"]["high"],
          "cost_per_success": r["cost_per_success"]}
    if r.get("training_cost_source", "").startswith("billed_tokens"):
        ev["training_cost"] = round(r["inputs"]["training_cost"], 2)
        ev["billed_tokens"] = r["inputs"]["billed_tokens"]
    notes = list(r.get("notes", []))
    if spend is None or spend < roi_mod.SPEND_BELOW:
        return Question("costs", title, "fail", ev,
                        "Below $5,000 a month in API spend the fixed costs of a fine-tuned model rarely pay off: "
                        "stay with prompting (and cheaper models).", notes), r
    if worst is None or worst <= 0:
        return Question("costs", title, "fail", ev,
                        "The first year does not pay back in the worst case: cut tokens per query further, "
                        "raise success rate, or wait for higher volume.", notes), r
    q = Question("costs", title, "pass", ev, "None: savings cover training and hidden costs in the worst case.", notes)
    if spend < roi_mod.SPEND_ABOVE:
        q.warnings.append("spend is between $5,000 and $10,000 a month: the margin is thin; re-check after a quarter")
    return q, r


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

_MARK = {"pass": "✅", "fail": "❌", "unknown": "❔"}


def _evidence_text(ev: Mapping[str, Any]) -> str:
    parts = []
    for k, v in ev.items():
        if k == "warnings" or isinstance(v, Mapping):
            continue
        if isinstance(v, list):
            v = ", ".join(map(str, v)) or "none"
        parts.append(f"{k.replace('_', ' ')}: {v}")
    return "; ".join(parts)


def render_text(g: Mapping[str, Any]) -> str:
    lines = [f"Fine-tune gate: {g['decision'].upper()}", ""]
    for q in g["questions"]:
        lines.append(f"[{q['status']:<7}] {q['title']}")
        ev = _evidence_text(q["evidence"])
        if ev:
            lines.append(f"          evidence: {ev}")
        for w in q["evidence"].get("warnings", []):
            lines.append(f"          warning: {w}")
        if q["status"] != "pass" or q["evidence"].get("warnings"):
            lines.append(f"          next: {q['next_step']}")
    return "\n".join(lines) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(g: Mapping[str, Any]) -> str:
    head = "✅ **go**" if g["decision"] == "go" else "⛔ **not yet**"
    d = g["data"]
    lines = [f"### Fine-tune gate: {head}", "",
             f"Data: score {d['score']}, verdict `{d['verdict']}`, {d['effective_examples']} effective examples ({d['task']}).",
             "", "| | question | evidence | next step |", "|---|---|---|---|"]
    for q in g["questions"]:
        ev = _evidence_text(q["evidence"])
        warn = "".join(f"<br>⚠️ {w}" for w in q["evidence"].get("warnings", []))
        lines.append(f"| {_MARK[q['status']]} | {_md_escape(q['title'])} | {_md_escape(ev)}{_md_escape(warn)} "
                     f"| {_md_escape(q['next_step'])} |")
    r = g.get("roi")
    if r and r["monthly"]["base"] is not None:
        m = r["monthly"]
        lines += ["", "<details><summary>Cost math</summary>", "",
                  f"- monthly base spend: ${m['base']:,.2f} (band: {r['spend_band']})",
                  f"- monthly fine-tuned inference: ${m['finetuned_low']:,.2f} to ${m['finetuned_high']:,.2f}; hidden costs ${m['hidden']:,.2f}",
                  f"- first-year ROI: {_pct(r['first_year_roi']['low'])} (best) to {_pct(r['first_year_roi']['high'])} (worst)",
                  f"- break-even month: {r['break_even_month']['low'] or 'never'} (best), {r['break_even_month']['high'] or 'never'} (worst)",
                  "", "</details>"]
    lines += ["", "<sub>generated by dataprep gate</sub>"]
    return "\n".join(lines) + "\n"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1%}"
