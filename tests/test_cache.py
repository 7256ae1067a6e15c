"""The result cache: hits on unchanged input, misses on any change of data or config."""

from __future__ import annotations

import json
from pathlib import Path

from dataprep import api
from dataprep.api import lint

RECS = [{"text": f"sample text number {i} with words", "label": "a" if i % 2 else "b"} for i in range(8)]


def write(path: Path, recs: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs))
    return path


def count_runs(monkeypatch: object) -> list[int]:
    """Patch the engine run to count how often the cache missed."""
    calls: list[int] = []
    real_run = api.run

    def counting_run(*a: object, **k: object) -> object:
        calls.append(1)
        return real_run(*a, **k)

    monkeypatch.setattr(api, "run", counting_run)  # type: ignore[attr-defined]
    return calls


def test_hit_on_unchanged_input_and_miss_on_change(tmp_path: Path, monkeypatch: object) -> None:
    data = write(tmp_path / "train.jsonl", RECS)
    calls = count_runs(monkeypatch)
    first = lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    second = lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert len(calls) == 1
    assert second.to_dict() == first.to_dict()
    assert (tmp_path / ".dataprep_cache" / ".gitignore").read_text().strip().endswith("*")
    # same size and mtime tricks do not matter: content is hashed
    write(data, [*RECS[:-1], {"text": "changed", "label": "a"}])
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert len(calls) == 2
    # a config change invalidates too
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path, select=["DP1"])
    assert len(calls) == 3


def test_exit_code_from_cached_result(tmp_path: Path) -> None:
    data = write(tmp_path / "train.jsonl", [*RECS, {"text": "x", "label": None}])
    a = lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    b = lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert a.exit_code() == b.exit_code() == (1, a.exit_code()[1])
    assert [f.code for f in a.findings] == [f.code for f in b.findings]


def test_corrupt_cache_entry_is_recomputed(tmp_path: Path) -> None:
    data = write(tmp_path / "train.jsonl", RECS)
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    for entry in (tmp_path / ".dataprep_cache").glob("*.json"):
        entry.write_text('{"findings": 5}')
    again = lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert again.summary["records"] == len(RECS)


def test_a_change_of_dataprep_code_or_a_pattern_pack_invalidates(tmp_path: Path, monkeypatch: object) -> None:
    """The version number alone served results of the code before an edit."""
    from dataprep import cache

    data = write(tmp_path / "train.jsonl", RECS)
    calls = count_runs(monkeypatch)
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    monkeypatch.setattr(cache, "code_stamp", lambda: "edited checkout")  # type: ignore[attr-defined]
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert len(calls) == 2
    pack = tmp_path / "mine.toml"
    pack.write_text('[[pattern]]\nid = "mine.todo"\nrule = "DP506"\nregex = "TODO"\n')
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["mine.toml"]\n')
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert len(calls) == 3
    pack.write_text('[[pattern]]\nid = "mine.todo"\nrule = "DP506"\nregex = "sample"\n')
    lint([str(data)], cwd=tmp_path, cache_root=tmp_path)
    assert len(calls) == 4


def test_the_code_stamp_is_stable_and_reads_the_package() -> None:
    from dataprep import cache

    assert cache.code_stamp() == cache.code_stamp() and len(cache.code_stamp()) == 32
