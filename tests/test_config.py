"""Config discovery, validation and selection semantics."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

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


# ------------------------------------------------------- unknown rule references: exit 2


def dataprep_cli(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the console entry point in click's isolation: (exit code, stderr)."""
    from dataprep.cli import main

    monkeypatch.chdir(cwd)
    with CliRunner().isolation() as (_out, err, _mixed):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        return code, err.getvalue().decode()


def one_line(code: int, stderr: str) -> str:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture()
def chat_file(tmp_path: Path) -> Path:
    data = tmp_path / "train.jsonl"
    data.write_text(CHAT_NO_ASSISTANT)
    return data


@pytest.mark.parametrize(("config", "want"), [
    ('[rules."dup.exactt"]\nseverity = "info"\n',
     """rules."dup.exactt": no such rule (did you mean 'dup.exact', DP301?)"""),
    ('[rules.DP3011]\nseverity = "info"\n', "rules.DP3011: no such rule (did you mean DP301, 'dup.exact'?)"),
    ('ignore = ["DP5O4"]\n', "ignore: 'DP5O4' matches no rule (did you mean DP504?)"),
    ('select = ["DP1", "DP8"]\n', "select: 'DP8' matches no rule (rule families: DP0, DP1,"),
    ('extend-select = ["dup.near"]\n', "extend-select: 'dup.near' is a rule name; give its code (did you mean DP302?)"),
    ('extend-ignore = ["DP1133"]\n', "extend-ignore: 'DP1133' matches no rule (did you mean DP113?)"),
    ('[per-file-ignores]\n"legacy/*.jsonl" = ["DP1133"]\n',
     """per-file-ignores."legacy/*.jsonl": 'DP1133' matches no rule (did you mean DP113?)"""),
])
def test_unknown_rule_in_dataprep_toml_is_exit_2(
    config: str, want: str, tmp_path: Path, chat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dataprep.toml").write_text(config)
    line = one_line(*dataprep_cli(["lint", chat_file.name, "--no-progress", "--no-cache"],
                                  tmp_path, monkeypatch))
    assert line.startswith(f"dataprep: error: invalid config {tmp_path / 'dataprep.toml'}: ")
    assert want in line


def test_unknown_rule_in_pyproject_is_exit_2(
    tmp_path: Path, chat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.dataprep]\n[tool.dataprep.rules.DP9999]\nseverity = "info"\n')
    line = one_line(*dataprep_cli(["lint", chat_file.name, "--no-progress"], tmp_path, monkeypatch))
    assert f"{tmp_path / 'pyproject.toml'}: rules.DP9999: no such rule (did you mean " in line


@pytest.mark.parametrize(("args", "want"), [
    (["--select", "DP1,DP9999"], "dataprep: error: --select: 'DP9999' matches no rule"),
    (["--ignore", "dup.exact"], ("dataprep: error: --ignore: 'DUP.EXACT' is a rule name; give its code "
                                 "(did you mean DP301?)")),
    (["--extend-select", "DP30", "--extend-select", "DP8"], "dataprep: error: --extend-select: 'DP8'"),
])
def test_unknown_rule_on_the_command_line_is_exit_2(
    args: list[str], want: str, tmp_path: Path, chat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = one_line(*dataprep_cli(["lint", chat_file.name, "--no-progress", *args], tmp_path, monkeypatch))
    assert line.startswith(want), line


def test_prefixes_that_match_rules_stay_valid(
    tmp_path: Path, chat_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dataprep.toml").write_text(
        'select = ["DP1", "DP30"]\nignore = ["DP11"]\nextend-select = ["DP113", "ALL"]\n'
        '[per-file-ignores]\n"legacy/*" = ["DP3"]\n[rules."chat.no-assistant-turn"]\nseverity = "warning"\n')
    code, stderr = dataprep_cli(["lint", chat_file.name, "--no-progress", "--no-cache", "--select", "DP11",
                                 "--format", "json", "--exit-zero"], tmp_path, monkeypatch)
    assert code == 0 and stderr == ""


def test_loader_refuses_unknown_rules_without_warning(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('extend-select = ["DP177"]\n')
    with pytest.raises(ConfigError, match=r"extend-select: 'DP177' matches no rule \(did you mean DP1\d\d\?\)"):
        load_config(cwd=tmp_path)
    (tmp_path / "dataprep.toml").write_text('[score.consistency]\nDP8 = 1.0\n')
    with pytest.raises(ConfigError, match="score.consistency: 'DP8' matches no rule"):
        load_config(cwd=tmp_path)
    (tmp_path / "dataprep.toml").write_text('select = ["DP3"]\n')
    cfg = load_config(cwd=tmp_path, ignore=["DP30"])
    assert cfg.warnings == [] and cfg.enabled_codes(RULES) == {c for c in RULES if c.startswith("DP3")
                                                               and not c.startswith("DP30")}
    with pytest.raises(ConfigError, match="--select: 'DP301X' matches no rule"):
        load_config(cwd=tmp_path, select=["DP301X"])


def test_presets_name_only_known_rules(tmp_path: Path) -> None:
    """The shipped presets go through the same check a project file does."""
    from dataprep.config import check_rule_references, load_preset
    from dataprep.resources import rules_dir

    for preset in sorted((rules_dir() / "presets").glob("*.toml")):
        check_rule_references(load_preset(preset.stem), RULES, f"preset {preset.stem}: ")


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
