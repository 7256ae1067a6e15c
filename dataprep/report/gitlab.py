"""GitLab Code Quality JSON: findings in the merge request widget and diff.

GitLab reads an array of issues with ``description``, ``check_name``, ``fingerprint``,
``severity`` and ``location.path`` + ``location.lines.begin`` (the subset of the Code
Climate format it documents; it ignores other fields, so none are added).

* ``severity``: error -> ``major``, warning -> ``minor``, info -> ``info``.  ``critical``
  and ``blocker`` are left for problems worse than a bad record; a data error blocks the
  gate through the exit code, not through this label.
* ``fingerprint``: GitLab compares fingerprints between the source and target branch to
  decide which issues are new or fixed, and shows only one issue per fingerprint.  It is
  a hash of the path and the finding's content identity (record fingerprint + rule code +
  pointer, see :func:`dataprep.report.sarif.identity_keys`), so an issue survives inserted
  lines and reordering; duplicate identities in one file get an ordinal, so every issue
  is unique.
* ``location``: paths as given, with forward slashes and without ``./`` (GitLab expects
  them relative to the repository root, which is where CI runs); lines >= 1 (file-level
  findings and line-less sources use 1).  Dataset-level findings are placed on the first
  training file, line 1, and the description says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dataprep.report.sarif import (
    anchor_path,
    code_of,
    identity_keys,
    is_dataset_level,
    repo_path,
    severity_of,
    short_hash,
)
from dataprep.report.text import as_int, as_list, describe

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
#: where issues go when a run has no file at all to attach a dataset-level finding to
NO_FILE = "."


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def build(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The Code Quality issues of ``result``, in report order."""
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    keys = identity_keys(findings)
    anchor = anchor_path(result, findings)
    issues = []
    for f, key in zip(findings, keys, strict=True):
        code = code_of(f)
        title = " ".join(x for x in (code, _raw(f.get("name"))) if x)
        message = describe(f, esc=_raw)
        if is_dataset_level(f):
            path = repo_path(anchor) if anchor else NO_FILE
            ident_path = "<dataset>"
            message = f"(dataset-level finding) {message}"
            line = 1
        else:
            ident_path = str(f.get("path"))
            path = repo_path(ident_path)
            found = as_int(f.get("line"))
            line = found if found is not None and found >= 1 else 1
        issues.append({
            "description": f"{title}: {message}" if message else title,
            "check_name": code,
            "fingerprint": short_hash("gitlab", ident_path, key, size=16),
            "severity": SEVERITY[severity_of(f)],
            "location": {"path": path, "lines": {"begin": line}},
        })
    return issues


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """The issues as an indented JSON array (``[]`` when there are none)."""
    del color, verbose
    return json.dumps(build(result), indent=2, ensure_ascii=False) + "\n"
