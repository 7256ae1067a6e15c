"""The wheel carries rules/ (schemas, presets) so a non-editable install finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_rules(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0 and "hatchling" in proc.stderr and "No module named" in proc.stderr:
        pytest.skip("hatchling not installed in the test environment")
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("dataprep_lint-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (Path(p).relative_to(ROOT) for p in (ROOT / "rules").rglob("*") if p.is_file()):
        assert f"dataprep/_rules/{rel.relative_to('rules').as_posix()}" in names
    assert "dataprep/cli.py" in names
    assert not any(n.startswith(("tests/", "fixtures/")) for n in names)


def test_rules_dir_resolves() -> None:
    from dataprep.resources import rules_dir

    d = rules_dir()
    assert (d / "presets" / "default.toml").is_file()
    assert (d / "schemas" / "config.schema.json").is_file()
