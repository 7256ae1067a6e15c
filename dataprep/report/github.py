"""GitHub Actions workflow commands: findings become annotations on the pull request.

``::error file=PATH,line=N,title=CODE name::message`` (``::warning``, ``::notice`` for
info).  GitHub turns at most 10 annotations of each kind into annotations per step and
silently drops the rest, so when a severity has more than 10 findings this format emits the
first 9 and uses the 10th slot for one aggregate annotation that says how many more there
are and which rules they come from: the reader always learns that findings are missing.
(Emitting 10 and then the aggregate would make the aggregate the 11th, the one dropped.)
Before that, one rule's findings in one file are capped (``dataprep.report.grouping``): the
rest become one annotation ("... and 990 more DP116 in this file"), so a flood of one rule
does not take every slot.

Values are escaped as the runner expects (``%``, CR and LF in data; also ``:`` and ``,``
in properties), which also stops dataset text from injecting workflow commands.  After the
annotations a few plain lines summarise score, verdict and counts for the log; they are
wrapped in ``stop-commands`` because they may quote dataset text.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from typing import Any

from dataprep.report.grouping import DEFAULT_MAX_PER_RULE, Item, Overflow, cap
from dataprep.report.text import (
    as_int,
    as_list,
    as_map,
    as_num,
    clean,
    describe,
    finding_line,
    plural,
)

#: annotations GitHub shows per kind (error, warning, notice) per step
ANNOTATIONS_PER_KIND = 10
#: rules the aggregate annotation names
TOP_CODES = 5
#: the pseudo-path of dataset-level findings: not a file, so no ``file=`` property
DATASET_PATH = "<dataset>"

_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
_NOUN = {"error": ("error", "errors"), "warning": ("warning", "warnings"), "info": ("info", "info")}


def escape_data(value: Any) -> str:
    """Escape a command's message (the text after ``::``)."""
    text = "" if value is None else str(value)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: Any) -> str:
    """Escape a property value (``file=``, ``title=``): data escapes plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(name: str, props: list[str], message: str) -> str:
    """``::name prop=v,prop=v::message`` (no space after the name when there are no props)."""
    head = f"{name} {','.join(props)}" if props else name
    return f"::{head}::{escape_data(message)}"


def _severity(finding: Item) -> str:
    """The finding's severity; anything unexpected is shown as a warning, never dropped."""
    sev = finding.severity if isinstance(finding, Overflow) else finding.get("severity")
    return sev if isinstance(sev, str) and sev in _COMMAND else "warning"


def _raw(value: Any) -> str:
    return "" if value is None else str(value)


def annotation(finding: Item) -> str:
    """One workflow command for one finding, or for a rule's findings beyond the cap."""
    props = []
    path = finding.path if isinstance(finding, Overflow) else finding.get("path")
    if path and path != DATASET_PATH:
        props.append(f"file={escape_property(path)}")
        line = None if isinstance(finding, Overflow) else as_int(finding.get("line"))
        if line is not None:
            props.append(f"line={line}")
    if isinstance(finding, Overflow):
        title = " ".join(str(v) for v in (finding.code, finding.name) if v)
        message = finding.text(_raw)
    else:
        title = " ".join(str(finding.get(k)) for k in ("code", "name") if finding.get(k))
        message = describe(finding, esc=_raw)
    if title:
        props.append(f"title={escape_property(title)}")
    if path == DATASET_PATH:
        message = f"{DATASET_PATH}: {message}"
    return _command(_COMMAND[_severity(finding)], props, message)


def aggregate(severity: str, rest: list[Item]) -> str:
    """The one annotation that stands for the findings of a severity beyond the cap."""
    codes: Counter[str] = Counter()
    for f in rest:
        if isinstance(f, Overflow):
            codes[str(f.code)] += f.hidden
        else:
            codes[str(f.get("code"))] += 1
    total = sum(codes.values())
    top = sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))
    named = ", ".join(f"{code} x{n}" for code, n in top[:TOP_CODES])
    if len(top) > TOP_CODES:
        named += f", +{len(top) - TOP_CODES} more rules"
    one, many = _NOUN[severity]
    noun = one if total == 1 else many
    title = f"dataprep: {total} more {noun}"
    message = (
        f"{total} more {noun} not shown as annotations (GitHub shows "
        f"{ANNOTATIONS_PER_KIND} per kind per step): {named}. "
        "The text or json report lists every finding."
    )
    return _command(_COMMAND[severity], [f"title={escape_property(title)}"], message)


def plain_block(lines: list[str]) -> list[str]:
    """Wrap plain log lines so the runner executes nothing in them.

    Plain lines may quote dataset text (rule messages, label names), and a line of it that
    looks like a workflow command would run.  GitHub's ``stop-commands`` pauses command
    processing until the token is echoed back; the token is a digest of the block itself,
    so the output stays deterministic and no line inside can know it in advance.
    """
    if not lines:
        return []
    token = (
        "dataprep-" + hashlib.sha256("\n".join(lines).encode("utf-8", "replace")).hexdigest()[:20]
    )
    return [f"::stop-commands::{token}", *lines, f"::{token}::"]


def summary_lines(result: Mapping[str, Any]) -> list[str]:
    """A few plain lines for the log: score and verdict, volume, counts, reasons."""
    score = as_map(result.get("score"))
    summary = as_map(result.get("summary"))
    overall = as_num(score.get("overall"))
    head = "dataprep: readiness " + (f"{overall:.1f}/100" if overall is not None else "n/a")
    if result.get("verdict"):
        head += f" ({clean(result.get('verdict'))})"
    lines = [head]

    records, valid = as_int(summary.get("records")), as_int(summary.get("valid"))
    if records is not None:
        line = f"  {plural(records, 'record')}"
        if valid is not None:
            line += f", {valid} valid"
        effective = as_int(summary.get("effective_examples"))
        if effective is not None:
            line += f", {plural(effective, 'effective example')}"
        thresholds = summary.get("thresholds")
        if isinstance(thresholds, Mapping) and thresholds:
            line += " (" + ", ".join(f"{clean(k)} {clean(v)}" for k, v in thresholds.items()) + ")"
        if result.get("task"):
            line += f"; task {clean(result.get('task'))}"
        lines.append(line)

    by_sev = summary.get("by_severity")
    if isinstance(by_sev, Mapping):
        e, w, i = (as_int(by_sev.get(s)) or 0 for s in ("error", "warning", "info"))
        lines.append(f"  findings: {plural(e, 'error')}, {plural(w, 'warning')}, {i} info")
    for reason in as_list(result.get("verdict_reasons")):
        lines.append(f"  - {clean(reason)}")
    return lines


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False,
           max_per_rule: int | None = DEFAULT_MAX_PER_RULE) -> str:
    """Capped annotations, one aggregate per overflowing severity, then the log summary.

    With ``verbose`` the findings that did not become annotations are also printed as
    plain text lines (within the same per-rule cap as the annotations).
    """
    del color  # the runner renders annotations itself
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    items = cap(findings, max_per_rule)
    totals = Counter(_severity(f) for f in items)
    limit = {
        s: n if n <= ANNOTATIONS_PER_KIND else ANNOTATIONS_PER_KIND - 1 for s, n in totals.items()
    }
    emitted: Counter[str] = Counter()
    rest: dict[str, list[Item]] = {s: [] for s in _COMMAND}
    lines: list[str] = []
    for f in items:
        sev = _severity(f)
        if emitted[sev] < limit[sev]:
            emitted[sev] += 1
            lines.append(annotation(f))
        else:
            rest[sev].append(f)
    for sev in _COMMAND:
        if rest[sev]:
            lines.append(aggregate(sev, rest[sev]))
    plain: list[str] = []
    if verbose and any(rest.values()):
        hidden = {id(f) for group in rest.values() for f in group}
        plain.append("Findings not shown as annotations:")
        for f in items:
            if id(f) in hidden:
                plain.append(f"{clean(f.path)}: {f.text(clean)}" if isinstance(f, Overflow)
                             else finding_line(f))
        plain.append("")
    plain.extend(summary_lines(result))
    lines.extend(plain_block(plain))
    return "\n".join(lines) + "\n"
