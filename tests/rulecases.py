"""Shared helpers for rule tests: turn a YAML case or a docstring example into files, lint
them with exactly one rule selected, and compare the findings with expectations.

A case (``fixtures/rules/<CODE>.yaml``) writes its input in one of these ways:

- ``records``: a list of JSON records, one line each (a string item is written as the
  raw line, so good and broken lines can be mixed);
- ``raw``: the exact file text (UTF-8), or bytes given with YAML's ``!!binary``;
- ``raw_escaped``: file text in which ``\\xNN``, ``\\r``, ``\\n``, ``\\t`` and ``\\\\`` stand
  for those bytes (how invalid UTF-8 or a BOM is written in a text file);
- ``files``: a mapping of file name to records list (or raw text) for multi-file cases.

Optional keys: ``filename`` (default ``data.jsonl``), ``options`` (of the rule under
test), ``format_hint``, ``task``, ``eval`` (file names passed as evaluation files), ``note``
(free text for the reader).
``expect`` lists the findings of the rule under test; each item matches a subset of the
finding's fields (``line``, ``record``, ``pointer``, ``count``, ``severity``, ``path``
relative to the case folder, ...) plus ``message_contains``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from dataprep.api import lint
from dataprep.model import Finding

REPO = Path(__file__).resolve().parent.parent
RULE_FIXTURES = REPO / "fixtures" / "rules"
DATA_DIR = "data"
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|[rnt\\])")
_SIMPLE = {"r": b"\r", "n": b"\n", "t": b"\t", "\\": b"\\"}


def decode_raw(text: str) -> bytes:
    r"""File bytes from text with ``\xNN``, ``\r``, ``\n``, ``\t``, ``\\`` escapes."""
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos : m.start()].encode("utf-8")
        esc = m.group(1)
        out += bytes([int(esc[1:], 16)]) if esc[0] == "x" else _SIMPLE[esc]
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def records_bytes(records: Iterable[Any]) -> bytes:
    """JSONL bytes: one line per record; a string item is taken as the raw line."""
    lines = []
    for r in records:
        lines.append(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def _content(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return records_bytes(value)


def load_cases(folder: Path = RULE_FIXTURES) -> list[tuple[str, dict[str, Any]]]:
    """(rule code, case) for every case of every ``<CODE>.yaml``, in file and case order."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        code = doc.get("rule", path.stem)
        for case in doc.get("cases") or []:
            out.append((code, case))
    return out


def write_case(tmp_path: Path, case: Mapping[str, Any]) -> Path:
    """Write a case's input under ``tmp_path/data``; return the file (the folder for ``files``)."""
    folder = tmp_path / DATA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    if "files" in case:
        for name, value in case["files"].items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_content(value))
        return folder
    target = folder / case.get("filename", "data.jsonl")
    if "raw_escaped" in case:
        data = decode_raw(case["raw_escaped"])
    elif "raw" in case:
        data = _content(case["raw"])
    else:
        data = records_bytes(case.get("records") or [])
    target.write_bytes(data)
    return target


def run_rule(
    path: Path | Sequence[Path],
    code: str,
    options: Mapping[str, Any] | None = None,
    *,
    cwd: Path | None = None,
    **kwargs: Any,
) -> list[Finding]:
    """Lint with exactly ``code`` selected; return that rule's findings (sorted)."""
    paths = [path] if isinstance(path, Path) else list(path)
    if cwd is None:
        first = paths[0]
        cwd = first if first.is_dir() else first.parent
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    res = lint([str(p) for p in paths], select=[code],
               options={code: dict(options)} if options else None, cwd=cwd, **kwargs)
    return [f for f in res.findings if f.code == code]


def lint_case(tmp_path: Path, code: str, case: Mapping[str, Any]) -> list[Finding]:
    """Write and lint one YAML case; return the findings of ``code``."""
    target = write_case(tmp_path, case)
    folder = tmp_path / DATA_DIR
    eval_paths = [str(folder / name) for name in case.get("eval") or []]
    return run_rule(target, code, case.get("options"), cwd=tmp_path,
                    task=case.get("task"), format_hint=case.get("format_hint"),
                    eval_paths=eval_paths)


def _relative(path: str, base: Path) -> str:
    if path.startswith("<"):
        return path
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:
        return path


def finding_view(f: Finding, base: Path) -> dict[str, Any]:
    """A finding as a dict with its path relative to ``base`` (how expectations name it)."""
    d = f.to_dict()
    d["path"] = _relative(f.path, base)
    return d


def _matches(view: Mapping[str, Any], want: Mapping[str, Any]) -> bool:
    for key, value in want.items():
        if key == "message_contains":
            if str(value) not in view["message"]:
                return False
        elif key not in view or view[key] != value:
            return False
    return True


def assert_findings(found: Sequence[Finding], expect: Sequence[Mapping[str, Any]],
                    base: Path) -> None:
    """Exact count, and every expected item matched by a distinct finding."""
    views = [finding_view(f, base) for f in found]
    shown = "\n".join(f"  {v}" for v in views) or "  (none)"
    assert len(views) == len(expect), (
        f"expected {len(expect)} finding(s), got {len(views)}:\n{shown}")
    unused = list(range(len(views)))
    for want in expect:
        hit = next((i for i in unused if _matches(views[i], want)), None)
        assert hit is not None, f"no finding matches {want}; findings:\n{shown}"
        unused.remove(hit)
