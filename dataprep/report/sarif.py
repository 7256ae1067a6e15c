"""SARIF 2.1.0 for GitHub code scanning: findings become alerts that follow the records.

The document has one run whose driver lists every rule that reported (summary, why, help,
default level, tags) and one result per finding.  Three platform limits shape it:

* **Results.** Code scanning stores at most 5,000 results per run, chosen by severity.
  Above that, the most severe findings are kept (in report order) and the rest become one
  summary result per (rule, file) that says how many findings it stands for; the number
  kept is lowered until kept + summaries fit, so the reader always learns what is missing.
* **Locations.** An alert needs a file and a line >= 1.  File-level findings and records
  of sources without lines (Parquet) are shown at line 1 and the message says so.
  Dataset-level findings (path ``<dataset>``) belong to no file: they are shown on the
  first training file at line 1, say so, and carry a logical location named ``dataset``;
  without any file they have the logical location only.
* **Identity.** Alerts are matched across runs by ``partialFingerprints``.  Line text is
  the wrong identity for data (a shifted line is the same record; two records can share a
  template), so the value is the record's content fingerprint plus the rule code (and a
  short hash of the JSON pointer when there is one); findings without a fingerprint
  (file- or dataset-level) use a hash of code, path and message with the numbers taken out,
  so "110 examples" and "112 examples" stay one alert.  Identical keys in one file (exact
  duplicates of one record) get an ordinal suffix, which is stable because the copies are
  interchangeable.

The helpers for paths and identities are shared with the GitLab format.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from hashlib import blake2b
from typing import Any
from urllib.parse import quote

from dataprep.report.text import as_int, as_list, as_map, as_num, describe, plural

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#: results GitHub code scanning keeps per run (it accepts 25,000 but stores the top 5,000)
MAX_RESULTS = 5000
#: related records listed per result (GitHub displays at most 100 locations per alert, and
#: every related location adds to a file that must stay under 10 MB)
MAX_RELATED = 10
#: lines a summary result lists before "+N more"
MAX_SUMMARY_LINES = 20
#: the partialFingerprints key; versioned so a future scheme can change the value
FINGERPRINT_KEY = "dataprep/content/v1"
DATASET_PATH = "<dataset>"
SRCROOT = "%SRCROOT%"

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
RANK = {"error": 0, "warning": 1, "info": 2}
_DIGITS = re.compile(r"\d+")
#: characters kept as they are in a relative URI; ":" is encoded so that a first path
#: segment such as "c:data.jsonl" cannot be read as a URI scheme
_URI_SAFE = "/!$&'()*+,;=@"
_WINDOWS_ABS = re.compile(r"^[A-Za-z]:/")


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def short_hash(*parts: str, size: int = 12) -> str:
    """A hex digest of ``parts``; lone surrogates from undecodable input are kept, not fatal."""
    data = "\x00".join(parts).encode("utf-8", "surrogatepass")
    return blake2b(data, digest_size=size).hexdigest()


def severity_of(finding: Mapping[str, Any]) -> str:
    """The finding's severity; anything unexpected counts as a warning, never dropped."""
    sev = finding.get("severity")
    return sev if isinstance(sev, str) and sev in LEVEL else "warning"


def code_of(finding: Mapping[str, Any]) -> str:
    code = finding.get("code")
    return code if isinstance(code, str) and code else "unknown"


def is_dataset_level(finding: Mapping[str, Any]) -> bool:
    path = finding.get("path")
    return not isinstance(path, str) or not path or path == DATASET_PATH


def repo_path(path: str) -> str:
    """``path`` with forward slashes and without leading ``./`` (as CI platforms expect)."""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return re.sub("/{2,}", "/", p) if "//" in p and "://" not in p else p


def artifact_uri(path: str) -> tuple[str, bool]:
    """(URI, is relative) of a file path: relative paths stay relative (percent-encoded),
    absolute paths become ``file://`` URIs."""
    p = repo_path(path)
    if _WINDOWS_ABS.match(p):
        return "file:///" + quote(p, safe=_URI_SAFE + ":"), False
    if p.startswith("/"):
        return "file://" + quote(p, safe=_URI_SAFE), False
    return quote(p, safe=_URI_SAFE), True


def anchor_path(result: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> str | None:
    """Where dataset-level findings are shown: the first training file, else the first file."""
    files = [
        f for f in as_list(result.get("files"))
        if isinstance(f, Mapping) and isinstance(f.get("path"), str) and f.get("path")
    ]
    train = [f for f in files if f.get("split") != "eval"]
    if train or files:
        return str((train or files)[0]["path"])
    for f in findings:
        if not is_dataset_level(f):
            return str(f["path"])
    return None


def identity_keys(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    """One stable identity per finding, unique within its file (see the module docstring)."""
    seen: Counter[tuple[str, str]] = Counter()
    out = []
    for f in findings:
        code = code_of(f)
        path = DATASET_PATH if is_dataset_level(f) else str(f.get("path"))
        fp = f.get("fingerprint")
        if isinstance(fp, str) and fp:
            key = f"{fp}:{code}"
        else:
            message = _DIGITS.sub("#", _raw(f.get("message")))
            key = f"{short_hash(code, path, message)}:{code}"
        pointer = f.get("pointer")
        if isinstance(pointer, str) and pointer:
            key += ":" + short_hash(pointer, size=4)
        seen[(path, key)] += 1
        n = seen[(path, key)]
        out.append(key if n == 1 else f"{key}:{n}")
    return out


def _text(value: Any, fallback: str) -> str:
    text = _raw(value).strip()
    return text or fallback


def _rule_descriptor(code: str, doc: Mapping[str, Any], name: str, level: str) -> dict[str, Any]:
    summary = _text(doc.get("summary"), name or code)
    why = _text(doc.get("why"), summary)
    family = name.split(".", 1)[0] if "." in name else ""
    tags = ["data-quality", *([family] if family and family != "data-quality" else [])]
    explain = f"Run `dataprep explain {code}` for examples and options."
    return {
        "id": code,
        "name": name or code,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": why},
        "help": {
            "text": f"{summary}\n\n{why}\n\n{explain}",
            "markdown": f"**{summary}**\n\n{why}\n\n{explain}",
        },
        "defaultConfiguration": {"level": level},
        "properties": {"tags": tags},
    }


def _rules(
    result: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Rule descriptors sorted by code, and each code's index in that list.

    The documentation comes from the result's ``rules``; a code without documentation (a
    report saved by an older version) is described from its findings, so every result has
    a rule to point at.
    """
    docs = {str(k): v for k, v in as_map(result.get("rules")).items() if isinstance(v, Mapping)}
    names: dict[str, str] = {}
    worst: dict[str, str] = {}
    for f in findings:
        code = code_of(f)
        name = f.get("name")
        if code not in names and isinstance(name, str):
            names[code] = name
        sev = severity_of(f)
        if code not in worst or RANK[sev] < RANK[worst[code]]:
            worst[code] = sev
    out: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for code in sorted(set(docs) | set(worst)):
        doc = docs.get(code, {})
        configured = doc.get("severity")
        fallback = LEVEL[worst.get(code, "warning")]
        level = LEVEL.get(configured, fallback) if isinstance(configured, str) else fallback
        name = _text(doc.get("name"), names.get(code, ""))
        index[code] = len(out)
        out.append(_rule_descriptor(code, doc, name, level))
    return out, index


def _physical(path: str, line: int | None) -> dict[str, Any]:
    uri, relative = artifact_uri(path)
    artifact: dict[str, Any] = {"uri": uri}
    if relative:
        artifact["uriBaseId"] = SRCROOT
    return {
        "artifactLocation": artifact,
        "region": {"startLine": line if line is not None and line >= 1 else 1},
    }


def _location(finding: Mapping[str, Any], anchor: str | None) -> tuple[dict[str, Any], str]:
    """(SARIF location, note for the message when the shown line is not the finding's)."""
    if is_dataset_level(finding):
        logical = [{"name": "dataset", "fullyQualifiedName": DATASET_PATH, "kind": "module"}]
        if anchor is None:
            return {"logicalLocations": logical}, "dataset-level finding"
        note = f"dataset-level finding, shown on {repo_path(anchor)} line 1"
        return {"physicalLocation": _physical(anchor, 1), "logicalLocations": logical}, note
    path = str(finding.get("path"))
    line = as_int(finding.get("line"))
    if line is not None and line >= 1:
        return {"physicalLocation": _physical(path, line)}, ""
    if as_int(finding.get("record")) is not None:
        note = "this file has no line numbers; shown at line 1"
    else:
        note = "applies to the whole file; shown at line 1"
    return {"physicalLocation": _physical(path, None)}, note


def _related(finding: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    items = [r for r in as_list(finding.get("related")) if isinstance(r, Mapping)]
    for r in items:
        if is_dataset_level(r):
            continue
        if len(out) == MAX_RELATED:
            break
        record = as_int(r.get("record"))
        text = "related record" + (f" {record + 1}" if record is not None else "")  # 1-based for people
        out.append({
            "id": len(out) + 1,
            "physicalLocation": _physical(str(r.get("path")), as_int(r.get("line"))),
            "message": {"text": text},
        })
    return out


def _result(
    finding: Mapping[str, Any], key: str, index: Mapping[str, int], anchor: str | None
) -> dict[str, Any]:
    code = code_of(finding)
    location, note = _location(finding, anchor)
    text = describe(finding, esc=_raw)
    if note:
        text = f"{text} ({note})" if text else note
    out: dict[str, Any] = {
        "ruleId": code,
        "ruleIndex": index[code],
        "level": LEVEL[severity_of(finding)],
        "message": {"text": text or code},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: key},
    }
    related = _related(finding)
    if related:
        out["relatedLocations"] = related
    props: dict[str, Any] = {}
    for field in ("record", "count"):
        value = as_int(finding.get(field))
        if value is not None:
            props[field] = value
    pointer = finding.get("pointer")
    if isinstance(pointer, str) and pointer:
        props["pointer"] = pointer
    n_related = len(as_list(finding.get("related")))
    if n_related > len(related):
        props["related_total"] = n_related
    if props:
        out["properties"] = props
    return out


def _keep_count(order: Sequence[int], group: list[tuple[str, ...]]) -> int | None:
    """The largest k with k + (distinct groups among ``order[k:]``) <= MAX_RESULTS, or None."""
    distinct_from = [0] * (len(order) + 1)
    seen: set[tuple[str, ...]] = set()
    for pos in range(len(order) - 1, -1, -1):
        seen.add(group[order[pos]])
        distinct_from[pos] = len(seen)
    for k in range(min(MAX_RESULTS, len(order)), -1, -1):
        if k + distinct_from[k] <= MAX_RESULTS:
            return k
    return None


def _select(
    findings: Sequence[Mapping[str, Any]],
) -> tuple[list[int], dict[tuple[str, ...], list[int]]]:
    """Indexes of findings kept as results (report order) and the rest grouped for summaries.

    The most severe findings are kept first, as GitHub would when it truncates.  Groups are
    (rule, file); if even that is more groups than results allowed, (rule) alone.
    """
    n = len(findings)
    if n <= MAX_RESULTS:
        return list(range(n)), {}
    order = sorted(range(n), key=lambda i: (RANK[severity_of(findings[i])], i))
    by_file: list[tuple[str, ...]] = [
        (code_of(f), DATASET_PATH if is_dataset_level(f) else str(f.get("path"))) for f in findings
    ]
    group = by_file
    k = _keep_count(order, by_file)
    if k is None:
        group = [key[:1] for key in by_file]
        k = _keep_count(order, group) or 0
    rest: dict[tuple[str, ...], list[int]] = {}
    for i in sorted(order[k:]):
        rest.setdefault(group[i], []).append(i)
    return sorted(order[:k]), rest


def _summary_result(
    gkey: tuple[str, ...],
    members: list[int],
    findings: Sequence[Mapping[str, Any]],
    index: Mapping[str, int],
    anchor: str | None,
) -> dict[str, Any]:
    code = gkey[0]
    first = findings[members[0]]
    worst = min((severity_of(findings[i]) for i in members), key=RANK.__getitem__)
    name = _raw(first.get("name"))
    label = f"{code} {name}".strip()
    lines = sorted({ln for i in members if (ln := as_int(findings[i].get("line"))) is not None})
    if len(gkey) == 2:
        where = "the dataset" if gkey[1] == DATASET_PATH else repo_path(gkey[1])
        loc, _ = _location(first, anchor)
        if "physicalLocation" in loc and lines and gkey[1] != DATASET_PATH:
            loc["physicalLocation"]["region"]["startLine"] = max(lines[0], 1)
        where_line = ""
        if lines:
            shown = ", ".join(str(x) for x in lines[:MAX_SUMMARY_LINES])
            more = len(lines) - MAX_SUMMARY_LINES
            where_line = f" Lines: {shown}" + (f", +{more} more." if more > 0 else ".")
    else:
        paths = {DATASET_PATH if is_dataset_level(findings[i]) else str(findings[i].get("path"))
                 for i in members}
        where = plural(len(paths), "file")
        loc, _ = _location(first, anchor)
        where_line = ""
    text = (
        f"{plural(len(members), 'more ' + label + ' finding')} in {where} not listed one by one: "
        f"GitHub code scanning keeps {MAX_RESULTS:,} results per run.{where_line} "
        "The json report (dataprep lint --format json) lists every finding."
    )
    return {
        "ruleId": code,
        "ruleIndex": index[code],
        "level": LEVEL[worst],
        "message": {"text": text},
        "locations": [loc],
        "partialFingerprints": {FINGERPRINT_KEY: f"{short_hash('summary', *gkey)}:{code}"},
        "properties": {"summarised": len(members)},
    }


def _run_properties(result: Mapping[str, Any], total: int, listed: int) -> dict[str, Any]:
    props: dict[str, Any] = {"findings": total, "listed": listed}
    score = as_map(result.get("score"))
    overall = as_num(score.get("overall"))
    if overall is not None:
        props["readiness_score"] = overall
    verdict = result.get("verdict")
    if isinstance(verdict, str):
        props["verdict"] = verdict
    baseline = as_map(result.get("baseline"))
    if baseline:
        props["baseline"] = {
            "file": _raw(baseline.get("file")),
            "suppressed": as_int(baseline.get("suppressed")) or 0,
            "stale": len(as_list(baseline.get("stale"))),
        }
    return props


def build(result: Mapping[str, Any]) -> dict[str, Any]:
    """The SARIF log of ``result`` as a dict."""
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    rules, index = _rules(result, findings)
    keys = identity_keys(findings)
    anchor = anchor_path(result, findings)
    kept, rest = _select(findings)
    results = [_result(findings[i], keys[i], index, anchor) for i in kept]
    for gkey in sorted(rest):
        results.append(_summary_result(gkey, rest[gkey], findings, index, anchor))
    tool = as_map(result.get("tool"))
    version = tool.get("version")
    driver: dict[str, Any] = {"name": "dataprep"}
    if isinstance(version, str) and version:
        driver["version"] = version
    driver["rules"] = rules
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The directory dataprep was run from."}}
        },
        "results": results,
        "properties": _run_properties(result, len(findings), len(kept)),
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """The SARIF log as indented JSON (one shape; ``color`` and ``verbose`` do not apply)."""
    del color, verbose
    return json.dumps(build(result), indent=2, ensure_ascii=False) + "\n"
