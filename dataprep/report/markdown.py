"""Markdown for the GitHub Actions job summary (``$GITHUB_STEP_SUMMARY``).

A summary is read on the run page, so it answers in order: is the data ready (verdict and
score), why (reasons, dimensions, counts), which rules matter most (top rules, top score
costs), and where (the most severe findings as a table, errors first; one rule's findings
in one file are capped by ``dataprep.report.grouping``, the rest summed up in one row).

GitHub accepts at most 1 MiB of summary per step and drops an oversized one entirely, so
the output is kept under a byte budget: the fixed sections are capped in rows, every cell
in length, and finding rows are added only while they fit; a note says how many are not
shown.  Every value from the data is escaped for Markdown tables: control characters
become visible escapes, ``&``/``<``/``>`` become entities (no raw HTML), and Markdown
punctuation (``|``, backticks, ``*``, ``_``, brackets, ``@``...) is backslash-escaped, so a
record cannot break the table, inject links or HTML, or mention anyone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from dataprep.report.grouping import DEFAULT_MAX_PER_RULE, Item, Overflow, cap
from dataprep.report.sarif import RANK, code_of, severity_of
from dataprep.report.text import (
    DIMENSIONS,
    as_int,
    as_list,
    as_map,
    as_num,
    clean,
    describe,
    location,
    plural,
)

#: GitHub's limit for one step's summary
MAX_BYTES = 1024 * 1024
#: what the finding rows may grow the document to; the rest is room for the closing note
BUDGET = MAX_BYTES - 16 * 1024
MAX_FINDINGS = 200
MAX_FINDINGS_VERBOSE = 1000
MAX_RULES = 10
MAX_COSTS = 10
MAX_REASONS = 10
MAX_DIMENSIONS = 20
MAX_CELL = 300

VERDICT_ICON = {"ready": "✅", "needs-work": "⚠️", "not-ready": "❌"}
SEVERITY_ICON = {"error": "🔴 error", "warning": "🟡 warning", "info": "🔵 info"}

_MD_PUNCT = re.compile(r"([\\`*_\[\]{}()#+\-.!|~@:])")
#: lone surrogates (undecodable input) cannot be written as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")


def md(value: Any, limit: int = MAX_CELL) -> str:
    """``value`` as inline Markdown text that renders literally, on one line."""
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", clean(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_PUNCT.sub(r"\\\1", text)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], align: Sequence[str], rows: list[list[str]]) -> list[str]:
    sep = ["---:" if a == "r" else "---" for a in align]
    return [_row(header), _row(sep), *(_row(r) for r in rows)]


def _headline(result: Mapping[str, Any]) -> str:
    verdict = result.get("verdict")
    overall = as_num(as_map(result.get("score")).get("overall"))
    parts = ["## dataprep"]
    if isinstance(verdict, str) and verdict:
        icon = VERDICT_ICON.get(verdict, "")
        parts.append(f"{icon} **{md(verdict, 40)}**".strip())
    parts.append(f"readiness {overall:.1f}/100" if overall is not None else "readiness n/a")
    return parts[0] + ": " + " · ".join(parts[1:])


def _facts(result: Mapping[str, Any]) -> list[str]:
    summary = as_map(result.get("summary"))
    files = [f for f in as_list(result.get("files")) if isinstance(f, Mapping)]
    facts = []
    records = as_int(summary.get("records"))
    if records is not None:
        fact = f"**{plural(records, 'record')}** in {plural(len(files), 'file')}"
        valid = as_int(summary.get("valid"))
        if valid is not None:
            fact += f" ({valid} valid, {records - valid} invalid)"
        facts.append(fact)
    task = result.get("task")
    if task:
        source = result.get("task_source")
        facts.append(f"task **{md(task, 40)}**" + (f" ({md(source, 40)})" if source else ""))
    effective = as_int(summary.get("effective_examples"))
    thresholds = as_map(summary.get("thresholds"))
    bounds = ", ".join(
        f"{md(k, 40)} {md(v, 40)}" for k, v in list(thresholds.items())[:4]
    )
    if effective is not None:
        facts.append(
            f"**{plural(effective, 'effective example')}**" + (f" ({bounds})" if bounds else "")
        )
    elif bounds:
        facts.append(f"effective examples not counted ({bounds})")
    return [" · ".join(facts)] if facts else []


def _counts(result: Mapping[str, Any], findings: Sequence[Mapping[str, Any]]) -> str:
    by_sev = as_map(as_map(result.get("summary")).get("by_severity"))
    if by_sev:
        e, w, i = (as_int(by_sev.get(s)) or 0 for s in ("error", "warning", "info"))
    else:
        c = Counter(severity_of(f) for f in findings)
        e, w, i = c["error"], c["warning"], c["info"]
    return f"**Findings:** {plural(e, 'error')} · {plural(w, 'warning')} · {i} info"


def _reasons(result: Mapping[str, Any]) -> list[str]:
    reasons = as_list(result.get("verdict_reasons"))
    lines = [f"- {md(r)}" for r in reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        lines.append(f"- … and {len(reasons) - MAX_REASONS} more")
    return lines


def _baseline(result: Mapping[str, Any]) -> list[str]:
    baseline = as_map(result.get("baseline"))
    if not baseline:
        return []
    suppressed = as_int(baseline.get("suppressed")) or 0
    stale = len(as_list(baseline.get("stale")))
    note = (
        f"> Baseline {md(baseline.get('file'), 120)}: {plural(suppressed, 'known finding')} "
        f"suppressed, {plural(stale, 'entry', 'entries')} no longer found."
    )
    return [note]


def _dimensions(result: Mapping[str, Any]) -> list[str]:
    score = as_map(result.get("score"))
    dims = as_map(score.get("dimensions"))
    weights = as_map(score.get("weights"))
    if not dims:
        return []
    names = [d for d in DIMENSIONS if d in dims]
    names += sorted(str(d) for d in dims if d not in DIMENSIONS)
    rows = []
    for name in names[:MAX_DIMENSIONS]:
        value, weight = as_num(dims.get(name)), as_num(weights.get(name))
        rows.append([
            md(name, 60),
            f"{value:.2f}" if value is not None else "n/a",
            f"{weight:.2f}" if weight is not None else "",
        ])
    return ["### Score", "", *_table(["Dimension", "Score", "Weight"], "lrr", rows)]


def _top_rules(findings: Sequence[Mapping[str, Any]]) -> list[str]:
    counts = Counter(code_of(f) for f in findings)
    if not counts:
        return []
    names: dict[str, str] = {}
    worst: dict[str, str] = {}
    for f in findings:
        code, sev = code_of(f), severity_of(f)
        if code not in names and f.get("name") is not None:
            names[code] = str(f.get("name"))
        if code not in worst or RANK[sev] < RANK[worst[code]]:
            worst[code] = sev
    top = sorted(counts.items(), key=lambda kv: (RANK[worst[kv[0]]], -kv[1], kv[0]))
    rows = [
        [md(code, 40), md(names.get(code, ""), 80), SEVERITY_ICON[worst[code]], f"{n:,}"]
        for code, n in top[:MAX_RULES]
    ]
    lines = ["### Top rules", "", *_table(["Rule", "Name", "Severity", "Findings"], "lllr", rows)]
    if len(top) > MAX_RULES:
        lines += ["", f"… and {plural(len(top) - MAX_RULES, 'more rule')}."]
    return lines


def _top_costs(result: Mapping[str, Any]) -> list[str]:
    costs = [c for c in as_list(as_map(result.get("score")).get("costs")) if isinstance(c, Mapping)]
    if not costs:
        return []
    rows = []
    for c in costs[:MAX_COSTS]:
        label = " ".join(md(c.get(k), 80) for k in ("code", "name") if c.get(k) is not None)
        points = as_num(c.get("points")) or 0.0
        rows.append([label, f"-{abs(points):.1f}"])
    lines = ["### Top score costs", "", *_table(["Rule", "Points"], "lr", rows)]
    if len(costs) > MAX_COSTS:
        lines += ["", f"… and {plural(len(costs) - MAX_COSTS, 'more rule')}."]
    return lines


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def _finding_row(f: Item) -> str:
    if isinstance(f, Overflow):
        return _row([SEVERITY_ICON[f.severity], md(f.path, 160), md(f.code, 40), md(f.text(_raw))])
    return _row([
        SEVERITY_ICON[severity_of(f)],
        md(location(f), 160),
        md(code_of(f), 40),
        md(describe(f, esc=_raw)),
    ])


def _findings(findings: Sequence[Mapping[str, Any]], used: int, limit: int,
              max_per_rule: int | None = DEFAULT_MAX_PER_RULE) -> list[str]:
    """The findings table, most severe first, within ``limit`` rows and the byte budget."""
    if not findings:
        return ["No findings."]
    items = cap(findings, max_per_rule)

    def rank(i: int) -> tuple[int, int]:
        item = items[i]
        return (RANK[item.severity if isinstance(item, Overflow) else severity_of(item)], i)

    order = sorted(range(len(items)), key=rank)
    lines = ["### Findings", "", *_table(["Severity", "Location", "Rule", "Message"], "llll", [])]
    size = used + sum(len(x.encode("utf-8", "replace")) + 1 for x in lines)
    shown = told = 0
    for i in order[:limit]:
        row = _finding_row(items[i])
        cost = len(row.encode("utf-8", "replace")) + 1
        if size + cost > BUDGET:
            break
        lines.append(row)
        size += cost
        item = items[i]
        if isinstance(item, Overflow):
            told += item.hidden
        else:
            shown += 1
    if shown + told < len(findings):
        what = "most severe " if shown else ""
        note = (
            f"_Showing the {shown:,} {what}of {len(findings):,} findings; "
            "`dataprep lint --format json` lists every one._"
        )
        lines += ["", note]
    return lines


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False,
           max_per_rule: int | None = DEFAULT_MAX_PER_RULE) -> str:
    """The job summary; always under 1 MiB of UTF-8."""
    del color
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    sections: list[list[str]] = [
        [_headline(result)],
        _facts(result),
        [_counts(result, findings)],
        _reasons(result),
        _baseline(result),
        _dimensions(result),
        _top_rules(findings),
        _top_costs(result),
    ]
    lines: list[str] = []
    for section in sections:
        if section:
            lines += [*section, ""]
    head = "\n".join(lines) + "\n"
    used = len(head.encode("utf-8", "replace"))
    limit = MAX_FINDINGS_VERBOSE if verbose else MAX_FINDINGS
    out = head + "\n".join(_findings(findings, used, limit, max_per_rule)) + "\n"
    data = out.encode("utf-8", "replace")
    if len(data) > MAX_BYTES:  # only reachable with absurd inputs; never hand GitHub more
        out = data[: MAX_BYTES - 64].decode("utf-8", "ignore") + "\n\n_(summary truncated)_\n"
    return out
