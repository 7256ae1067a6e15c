"""Every case in ``fixtures/rules/<CODE>.yaml`` runs through the real engine.

Test ids are ``<CODE>-<case id>`` (``DP113-assistant_missing``) so a failure names the
rule and the case; only the rule under test is selected, so a case states exactly the
findings that rule must give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.rulecases import DATA_DIR, RULE_FIXTURES, assert_findings, lint_case, load_cases

CASES = load_cases()
KNOWN_CASE_KEYS = {"id", "records", "raw", "raw_escaped", "files", "filename", "options",
                   "format_hint", "task", "eval", "expect", "note"}


@pytest.mark.parametrize(
    ("code", "case"),
    [pytest.param(code, case, id=f"{code}-{case.get('id')}") for code, case in CASES],
)
def test_rule_case(tmp_path: Path, code: str, case: dict[str, Any]) -> None:
    found = lint_case(tmp_path, code, case)
    assert_findings(found, case.get("expect") or [], tmp_path / DATA_DIR)


@pytest.mark.parametrize("path", sorted(RULE_FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_case_file_is_well_formed(path: Path) -> None:
    from dataprep.checks import RULES

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc.get("rule") == path.stem, f"{path.name}: 'rule' must be {path.stem}"
    assert path.stem in RULES, f"{path.name}: no rule {path.stem} is registered"
    cases = doc.get("cases") or []
    ids = [c.get("id") for c in cases]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: case ids must be unique: {ids}"
    for case in cases:
        unknown = set(case) - KNOWN_CASE_KEYS
        assert not unknown, f"{path.name}:{case['id']}: unknown keys {sorted(unknown)}"
        assert "expect" in case, f"{path.name}:{case['id']}: needs 'expect' ([] for a pass case)"
    kinds = {bool(c["expect"]) for c in cases}
    assert kinds == {True, False}, f"{path.name}: needs at least one pass and one fail case"
