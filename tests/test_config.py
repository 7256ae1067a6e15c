"""Config discovery, validation and selection semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataprep.api import lint, load_config
from dataprep.checks import RULES
from dataprep.config import find_project_config
from dataprep.errors import ConfigError

CHAT_NO_ASSISTANT = '{"messages": [{"role": "user", "content": "hi"}]}\n'


def test_finds_dataprep_toml_walking_up(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('select = ["DP1"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert find_project_config(sub) == tmp_path / "dataprep.toml"
    cfg = load_config(cwd=sub)
    assert cfg.select == ["DP1"]


def test_pyproject_without_tool_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find_project_config(tmp_path) is None or find_project_config(tmp_path) != tmp_path / "pyproject.toml"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.dataprep]\nignore = ["DP113"]\n')
    cfg = load_config(cwd=tmp_path)
    assert "DP113" not in cfg.enabled_codes(RULES)
    assert "DP112" in cfg.enabled_codes(RULES)


def test_unknown_key_names_key_with_hint(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('selcet = ["DP1"]\n')
    with pytest.raises(ConfigError, match="selcet.*did you mean 'select'"):
        load_config(cwd=tmp_path)


def test_unknown_rule_option_names_rule(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[rules.DP201]\nminimum_count = 3\n')
    with pytest.raises(ConfigError, match=r"DP201 \(volume.below-minimum\) has no option 'minimum_count'"):
        load_config(cwd=tmp_path)


def test_bad_option_value_names_rule(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[rules.DP203]\nmin_per_class = "many"\n')
    with pytest.raises(ConfigError, match="DP203.*min_per_class"):
        load_config(cwd=tmp_path)


def test_rule_by_name_and_severity(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[rules."chat.no-assistant-turn"]\nseverity = "warning"\n')
    data = tmp_path / "d.jsonl"
    data.write_text(CHAT_NO_ASSISTANT)
    res = lint([str(data)], cwd=tmp_path)
    sev = {f.severity for f in res.findings if f.code == "DP113"}
    assert sev == {"warning"}


def test_invalid_severity(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[rules.DP113]\nseverity = "fatal"\n')
    with pytest.raises(ConfigError, match="DP113"):
        load_config(cwd=tmp_path)


def test_unknown_rule_code_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('extend-select = ["DP177"]\n')
    cfg = load_config(cwd=tmp_path)
    assert any("DP177" in w for w in cfg.warnings)


def test_extends_strict(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('extends = "strict"\n')
    cfg = load_config(cwd=tmp_path)
    assert cfg.strict is True
    assert cfg.options["DP203"]["min_per_class"] == 20


def test_extends_unknown_preset(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('extends = "lenient"\n')
    with pytest.raises(ConfigError, match="unknown preset 'lenient'"):
        load_config(cwd=tmp_path)


def test_longest_prefix_wins(tmp_path: Path) -> None:
    cfg = load_config(cwd=tmp_path, select=["DP1"], ignore=["DP11"], extend_select=["DP113"])
    on = cfg.enabled_codes(RULES)
    assert "DP113" in on and "DP112" not in on and "DP101" in on


def test_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('[per-file-ignores]\n"legacy/*.jsonl" = ["DP113"]\n')
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.jsonl").write_text(CHAT_NO_ASSISTANT)
    (tmp_path / "new.jsonl").write_text(CHAT_NO_ASSISTANT)
    res = lint([str(tmp_path / "legacy" / "old.jsonl"), str(tmp_path / "new.jsonl")], cwd=tmp_path)
    paths = {Path(f.path).name for f in res.findings if f.code == "DP113"}
    assert paths == {"new.jsonl"}


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text("select = [\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(cwd=tmp_path)


def test_explicit_config_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(config_path=str(tmp_path / "nope.toml"), cwd=tmp_path)


def test_task_from_config(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('task = "classification"\n')
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "a long story about things"}\n')
    res = lint([str(data)], cwd=tmp_path)
    assert res.task == "classification" and res.task_source == "configured"
