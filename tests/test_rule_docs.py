"""Every registered rule's docstring examples run as tests, and every rule has YAML cases.

Record rules: a ``pass:`` line written as a one-line file gives no finding of the rule,
a ``fail:`` line at least one.  Input rules (DP0xx) write their example as raw bytes with
escapes (see ``tests/rulecases.decode_raw``) and no newline is added, so a missing final
newline can be shown.  Dataset rules' examples are JSON objects
``{"records": [...], "options": {...}, "task": "..."}``, or ``{"files": {name: [...]}}``
for rules across files (the folder is linted).  An example in parentheses
describes an input that cannot be written on one line (or, for DP901, is raised by the
engine); it is skipped here and must be covered by the rule's YAML cases instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataprep.checks import RULES
from dataprep.checks.base import Example, Rule
from tests.rulecases import RULE_FIXTURES, decode_raw, records_bytes, run_rule

#: rules whose findings come from the engine, not from a check; no YAML cases
ENGINE_ONLY = {"DP901"}


def _params() -> list[object]:
    out = []
    for code, rule in RULES.items():
        for n, ex in enumerate(rule.examples):
            out.append(pytest.param(rule, ex, id=f"{code}-{ex.kind}{n}"))
    return out


def _write(tmp_path: Path, rule: type[Rule], ex: Example) -> tuple[Path, dict, dict]:
    """Write the example; return (path, rule options, extra lint arguments)."""
    target = tmp_path / "data" / "data.jsonl"
    target.parent.mkdir()
    if rule.scope == "dataset":
        spec = json.loads(ex.text)
        extra = {"task": spec["task"]} if "task" in spec else {}
        if "files" in spec:  # several files (train/eval): lint their folder
            for name, recs in spec["files"].items():
                (target.parent / name).write_bytes(records_bytes(recs))
            return target.parent, spec.get("options") or {}, extra
        target.write_bytes(records_bytes(spec.get("records", [])))
        return target, spec.get("options") or {}, extra
    if rule.code.startswith("DP0"):
        target.write_bytes(decode_raw(ex.text))
    else:
        json.loads(ex.text)  # a record example must be one JSON object
        target.write_text(ex.text + "\n", encoding="utf-8")
    return target, {}, {}


@pytest.mark.parametrize(("rule", "ex"), _params())
def test_docstring_example(tmp_path: Path, rule: type[Rule], ex: Example) -> None:
    if ex.text.startswith("("):
        pytest.skip("descriptive example; covered by the rule's YAML cases")
    target, options, extra = _write(tmp_path, rule, ex)
    found = run_rule(target, rule.code, options, cwd=tmp_path, **extra)
    if ex.kind == "pass":
        assert not found, f"{rule.code} pass example gave: {[f.message for f in found]}"
    else:
        assert found, f"{rule.code} fail example gave no finding"


def test_every_rule_has_yaml_cases() -> None:
    missing = sorted(c for c in RULES if c not in ENGINE_ONLY
                     and not (RULE_FIXTURES / f"{c}.yaml").is_file())
    assert not missing, "rules without fixtures/rules/<CODE>.yaml: " + ", ".join(missing)


def test_descriptive_examples_only_where_needed() -> None:
    """Only a rule's fail side may be prose, and only when one line cannot show it."""
    for code, rule in RULES.items():
        for ex in rule.examples:
            if ex.text.startswith("("):
                assert ex.kind == "fail", f"{code}: a pass example must be runnable"
