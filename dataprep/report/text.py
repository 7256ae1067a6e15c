"""The human format: one ruff-like line per finding, then a compact summary and the score.

Finding lines are ``path:line: CODE message`` (``path: CODE message`` without a line) so
editors and CI problem matchers can jump to them.  Messages may quote dataset text, so
every value is made single-line and free of control characters before it is printed: a
record cannot break the one-line-per-finding layout or send escape sequences to the
terminal.  Colour (severity on the code, verdict on the score) is added only when asked
for; without it the output holds no ANSI codes at all.

The summary is built for large runs: however many files, labels and findings there are,
it lists only the first few of each unless ``verbose`` is set.  Findings themselves are
capped per (file, rule) by ``dataprep.report.grouping``; the counts stay whole.

Record numbers are shown 1-based (``record 1`` is a file's first record), as lines are:
the result's ``record`` field is 0-based (the JSON report contract), so it is converted
here, where people read it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dataprep.report.grouping import DEFAULT_MAX_PER_RULE, Overflow, cap, hidden_total

#: ANSI styles: severity on the rule code, verdict on the score line
SEVERITY_STYLE = {"error": "1;31", "warning": "33", "info": "2"}
VERDICT_STYLE = {"ready": "1;32", "needs-work": "1;33", "not-ready": "1;31"}
DIMENSIONS = ("volume", "validity", "uniqueness", "consistency", "labels")

#: how many of each list the summary shows before "+N more" (verbose shows more)
MAX_FILES = 10
MAX_LABELS = 5
MAX_CODES = 5
MAX_COSTS = 5
MAX_RELATED_VERBOSE = 10

#: control characters, line/paragraph separators and bidi overrides: all could make a line
#: lie about its content or layout, so they are printed as escapes
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def clean(value: Any) -> str:
    """``value`` as one printable line: control characters become visible escapes."""
    text = "" if value is None else str(value)
    return _CONTROL.sub(_escape_char, text)


def paint(text: str, style: str | None, color: bool) -> str:
    return f"\x1b[{style}m{text}\x1b[0m" if color and style else text


def as_int(value: Any) -> int | None:
    """An integer field of the result, or None when absent or of the wrong type."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_map(value: Any) -> Mapping[str, Any]:
    """A mapping field of the result, or an empty one when absent or of the wrong type."""
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> Sequence[Any]:
    """A list field of the result, or an empty one when absent or of the wrong type."""
    return value if isinstance(value, (list, tuple)) else ()


def as_num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def location(item: Mapping[str, Any], esc: Callable[[Any], str] = clean) -> str:
    """``path:line`` of a finding or related record (``path`` alone without a line)."""
    path = esc(item.get("path") or "<unknown>")
    line = as_int(item.get("line"))
    return f"{path}:{line}" if line is not None else path


def record_number(record: Any) -> int | None:
    """The 1-based number people read for the result's 0-based ``record`` field."""
    index = as_int(record)
    return index + 1 if index is not None and index >= 0 else None


def related_location(item: Mapping[str, Any], esc: Callable[[Any], str] = clean) -> str:
    """Where a related record is: ``path:line``, else ``path record N`` (Parquet, HF folders).

    Rules that name a partner in their message spell it the same way, which is how
    :func:`describe` sees that the message already says where it is.
    """
    loc = location(item, esc)
    number = record_number(item.get("record"))
    if as_int(item.get("line")) is None and number is not None:
        loc += f" record {number}"
    return loc


def _names(message: str, place: str) -> bool:
    """Whether ``message`` names ``place`` (``data.jsonl:1`` is not named by ``data.jsonl:12``)."""
    return re.search(re.escape(place) + r"(?!\d)", message) is not None


def describe(finding: Mapping[str, Any], esc: Callable[[Any], str] = clean,
             show_record: bool = False) -> str:
    """The message of a finding with its pointer, record number and first related record.

    Shared by the human formats so all tell the same story about a finding.  The first
    related record (the earliest copy, for duplicates) is added as ``(first at ...)``
    unless the message already names that place: a location is never printed twice.
    """
    message = esc(finding.get("message", ""))
    out = message
    pointer = finding.get("pointer")
    if pointer:
        out += f" [{esc(pointer)}]"
    number = record_number(finding.get("record"))
    if (show_record or as_int(finding.get("line")) is None) and number is not None:
        out += f" (record {number})"
    related = as_list(finding.get("related"))
    if related and isinstance(related[0], Mapping):
        first = related_location(related[0], esc)
        if not _names(message, first):
            out += f" (first at {first})"
    return out


def finding_line(finding: Mapping[str, Any], color: bool = False, show_record: bool = False) -> str:
    """``path:line: CODE message [pointer] (first at path:line)``.

    ``show_record`` adds the record number where the line alone does not tell records
    apart (a JSON array written on one line).
    """
    style = SEVERITY_STYLE.get(str(finding.get("severity")))
    code = paint(clean(finding.get("code", "DP???")), style, color)
    return f"{location(finding)}: {code} {describe(finding, show_record=show_record)}".rstrip()


def shared_lines(findings: Sequence[Mapping[str, Any]]) -> set[tuple[Any, Any]]:
    """(path, line) pairs that hold findings of more than one record."""
    records: dict[tuple[Any, Any], set[Any]] = {}
    for f in findings:
        if f.get("line") is not None and f.get("record") is not None:
            records.setdefault((f.get("path"), f.get("line")), set()).add(f.get("record"))
    return {k for k, v in records.items() if len(v) > 1}


def _finding_detail(finding: Mapping[str, Any]) -> str:
    """The verbose second line: severity, rule name, count and every related record."""
    parts = [f"{clean(finding.get('severity'))} {clean(finding.get('name'))}"]
    count = as_int(finding.get("count"))
    if count is not None and count != 1:
        parts.append(f"stands for {count} records")
    related = [r for r in as_list(finding.get("related")) if isinstance(r, Mapping)]
    if len(related) > 1:
        shown = ", ".join(related_location(r) for r in related[:MAX_RELATED_VERBOSE])
        more = len(related) - MAX_RELATED_VERBOSE
        parts.append(f"related: {shown}" + (f", +{more} more" if more > 0 else ""))
    return "    " + "; ".join(parts)


def overflow_line(item: Overflow, color: bool = False) -> str:
    """The indented line that stands for a (file, rule)'s findings beyond the cap."""
    return "  " + item.text(clean, lambda code: paint(code, SEVERITY_STYLE.get(item.severity), color))


def _more(shown: int, total: int, word: str) -> list[str]:
    return [f"  ... and {total - shown} more {word}"] if total > shown else []


def _files_lines(files: Sequence[Any], verbose: bool) -> list[str]:
    files = [f for f in files if isinstance(f, Mapping)]
    if not files:
        return ["Files: none"]
    splits = [str(f.get("split") or "train") for f in files]
    n_eval = splits.count("eval")
    head = f"Files: {len(files)}"
    if n_eval:
        head += f" ({len(files) - n_eval} train, {n_eval} eval)"
    shown = files if verbose else files[:MAX_FILES]
    width = min(max(len(clean(f.get("path"))) for f in shown), 60)
    fmt_width = max(len(clean(f.get("format") or "?")) for f in shown)
    num_width = max(len(str(as_int(f.get("records")) or 0)) for f in shown)
    lines = [head]
    for f, split in zip(shown, splits[: len(shown)], strict=True):
        records = as_int(f.get("records")) or 0
        valid = as_int(f.get("valid"))
        counts = f"{records:>{num_width}} {'record' if records == 1 else 'records'}"
        if valid is not None:
            counts += f" ({valid} valid)"
        read = f.get("text_read")
        if isinstance(read, (int, float)) and records:
            counts += f", text read in {100 * read:.0f}%"
            median = as_int(f.get("median_tokens"))
            if median is not None:
                counts += f" (median ~{median:,} tokens)"
        tail = "  eval" if split == "eval" else ""
        lines.append(
            f"  {clean(f.get('path')):<{width}}  {clean(f.get('format') or '?'):<{fmt_width}}"
            f"  {counts}{tail}"
        )
    return lines + _more(len(shown), len(files), "files")


def _volume_line(summary: Mapping[str, Any], color: bool) -> str:
    effective = as_int(summary.get("effective_examples"))
    thresholds = summary.get("thresholds") or {}
    minimum = as_int(thresholds.get("minimum")) if isinstance(thresholds, Mapping) else None
    recommended = as_int(thresholds.get("recommended")) if isinstance(thresholds, Mapping) else None
    n: int | None = effective
    if effective is not None:
        line = f"Effective examples: {effective}"
        dups = as_int(summary.get("exact_duplicates"))
        near = as_int(summary.get("near_duplicates"))
        left_out = [plural(n, what) for n, what in ((dups, "exact duplicate"), (near, "near duplicate")) if n]
        if left_out:
            line += f" ({' and '.join(left_out)} not counted)"
    else:
        # without the duplicate stage, valid training records are the best estimate
        known = [
            x
            for x in (as_int(summary.get("train_records")), as_int(summary.get("valid")))
            if x is not None
        ]
        n = min(known) if known else None
        line = "Effective examples: not counted (duplicate detection did not run)"
    if n is None or (minimum is None and recommended is None):
        return line
    bounds = ", ".join(
        f"{k} {v}" for k, v in (("minimum", minimum), ("recommended", recommended)) if v is not None
    )
    if minimum is not None and n < minimum:
        status, style = "below minimum", SEVERITY_STYLE["error"]
    elif recommended is not None and n < recommended:
        status, style = "below recommended", SEVERITY_STYLE["warning"]
    else:
        status, style = "enough", VERDICT_STYLE["ready"]
    return f"{line}; {bounds}: {paint(status, style, color)}"


def _key(value: Any) -> str:
    """A label or code for display; quoted when blank or padded (``"positive "``), since
    label spelling variants that differ only in whitespace must stay distinguishable."""
    text = clean(value)
    return json.dumps(text, ensure_ascii=False) if not text or text != text.strip() else text


def _counts(pairs: Sequence[tuple[Any, Any]], limit: int | None) -> str:
    """``positive (60), negative (50), +3 more``: parentheses keep numeric labels readable."""
    shown = pairs if limit is None else pairs[:limit]
    text = ", ".join(f"{_key(k)} ({clean(v)})" for k, v in shown)
    if len(pairs) > len(shown):
        text += f", +{len(pairs) - len(shown)} more"
    return text


def summary_lines(
    result: Mapping[str, Any], color: bool = False, verbose: bool = False
) -> list[str]:
    """The summary block: files, task, volume, findings, labels, then the score."""
    summary = as_map(result.get("summary"))
    lines = _files_lines(as_list(result.get("files")), verbose)

    task = result.get("task")
    if task:
        source = result.get("task_source")
        lines.append(f"Task: {clean(task)}" + (f" ({clean(source)})" if source else ""))

    records = as_int(summary.get("records"))
    if records is not None:
        valid = as_int(summary.get("valid"))
        invalid = as_int(summary.get("invalid"))
        if invalid is None and valid is not None:
            invalid = records - valid
        line = f"Records: {records}"
        if valid is not None:
            line += f" ({valid} valid, {invalid} invalid)"
        train, evals = as_int(summary.get("train_records")), as_int(summary.get("eval_records"))
        if evals:
            line += f"; train {train if train is not None else '?'}, eval {evals}"
        lines.append(line)
        lines.append(_volume_line(summary, color))

    tokens = summary.get("tokens")  # DP501's stage: distribution and billed training tokens
    if isinstance(tokens, Mapping) and as_int(tokens.get("sampled")):
        def n(key: str) -> str:
            v = as_int(tokens.get(key))
            return "?" if v is None else f"{v:,}"

        sampled = as_int(tokens.get("sampled")) != as_int(tokens.get("records"))
        how = "every record counted" if not sampled else f"sample of {n('sampled')}"
        if tokens.get("method") == "estimate":
            how = f"estimated as UTF-8 bytes / 4 for {clean(tokens.get('model'))}; {how}"
        else:
            how = f"{clean(tokens.get('encoding'))}, {how}"
        ci = as_list(tokens.get("total_ci95"))
        spread = f" (95% CI {as_int(ci[0]) or 0:,}-{as_int(ci[1]) or 0:,})" if len(ci) == 2 else ""
        lines.append(
            f"Tokens ({how}): median {n('median')}, p90 {n('p90')}, "
            f"max {n('max')} (limit {n('limit')}); total {n('total')}{spread}; billed "
            f"{n('billed_tokens')} over {n('epochs')} epochs"
        )

    by_sev = summary.get("by_severity") or {}
    if isinstance(by_sev, Mapping):
        errors, warnings, infos = (as_int(by_sev.get(s)) or 0 for s in ("error", "warning", "info"))
        lines.append(
            f"Findings: {plural(errors, 'error')}, {plural(warnings, 'warning')}, {infos} info"
        )
    by_code = summary.get("by_code") or {}
    if isinstance(by_code, Mapping) and by_code:
        pairs = sorted(by_code.items(), key=lambda kv: (-(as_int(kv[1]) or 0), str(kv[0])))
        lines.append(f"  by rule: {_counts(pairs, None if verbose else MAX_CODES)}")

    base = result.get("baseline")
    if isinstance(base, Mapping):
        suppressed = as_int(base.get("suppressed")) or 0
        stale = [e for e in as_list(base.get("stale")) if isinstance(e, Mapping)]
        lines.append(f"Baseline {clean(base.get('file'))}: {plural(suppressed, 'known finding')} not shown")
        if stale:
            shown = ", ".join(f"{clean(e.get('code'))} in {clean(e.get('path'))}" for e in stale[:MAX_CODES])
            more = f" and {len(stale) - MAX_CODES} more" if len(stale) > MAX_CODES else ""
            verb = "matches" if len(stale) == 1 else "match"
            lines.append(f"  {plural(len(stale), 'baseline entry', 'baseline entries')} no longer "
                         f"{verb} (fixed? rewrite the baseline): {shown}{more}")

    labels = summary.get("labels")
    if isinstance(labels, Mapping) and labels:
        pairs = sorted(labels.items(), key=lambda kv: (-(as_int(kv[1]) or 0), str(kv[0])))
        lines.append(
            f"Labels: {plural(len(pairs), 'class', 'classes')}: "
            f"{_counts(pairs, None if verbose else MAX_LABELS)}"
        )

    lines.append("")
    lines.extend(score_lines(result, color, verbose))
    return lines


def _cost_label(cost: Mapping[str, Any]) -> str:
    """``DP113 chat.no-assistant-turn``; just the name for a cost no rule owns (code null)."""
    return " ".join(clean(cost.get(k)) for k in ("code", "name") if cost.get(k) is not None)


def score_lines(result: Mapping[str, Any], color: bool = False, verbose: bool = False) -> list[str]:
    """``Readiness score: 83.4/100 (needs-work)``, dimensions, top costs and reasons."""
    score = as_map(result.get("score"))
    verdict = result.get("verdict")
    overall = as_num(score.get("overall"))
    head = f"Readiness score: {overall:.1f}/100" if overall is not None else "Readiness score: n/a"
    if verdict:
        head += f" ({paint(clean(verdict), VERDICT_STYLE.get(str(verdict)), color)})"
    lines = [head]

    dims = score.get("dimensions") or {}
    weights = score.get("weights") or {}
    if isinstance(dims, Mapping) and dims:
        names = [d for d in DIMENSIONS if d in dims] + sorted(
            d for d in dims if d not in DIMENSIONS
        )
        parts = []
        for name in names:
            value = as_num(dims.get(name))
            part = f"{clean(name)} {value:.2f}" if value is not None else f"{clean(name)} n/a"
            weight = as_num(weights.get(name)) if verbose and isinstance(weights, Mapping) else None
            if weight is not None:
                part += f" (weight {weight:.2f})"
            parts.append(part)
        lines.append("  " + "  ".join(parts))

    not_measured = as_list(score.get("not_measured"))
    if not_measured:
        lines.append(f"  not measured: {', '.join(clean(d) for d in not_measured)}")

    costs = [c for c in as_list(score.get("costs")) if isinstance(c, Mapping)]
    if costs:
        shown = costs if verbose else costs[:MAX_COSTS]
        labels = [_cost_label(c) for c in shown]
        width = max(len(label) for label in labels)
        points = [f"-{abs(as_num(c.get('points')) or 0.0):.1f}" for c in shown]
        pwidth = max(len(p) for p in points)
        lines.append("  Top costs:")
        for label, pts in zip(labels, points, strict=True):
            lines.append(f"    {label:<{width}}  {pts:>{pwidth}}")
        lines.extend("  " + m for m in _more(len(shown), len(costs), "rules"))

    reasons = as_list(result.get("verdict_reasons"))
    if reasons:
        lines.append("  Why:")
        lines.extend(f"    - {clean(r)}" for r in reasons)
    return lines


def render(result: Mapping[str, Any], *, color: bool = False, verbose: bool = False,
           max_per_rule: int | None = DEFAULT_MAX_PER_RULE) -> str:
    """Finding lines (at most ``max_per_rule`` per file and rule), a blank line, the summary."""
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    lines: list[str] = []
    shared = shared_lines(findings)
    items = cap(findings, max_per_rule)
    for f in items:
        if isinstance(f, Overflow):
            lines.append(overflow_line(f, color))
            continue
        lines.append(finding_line(f, color, (f.get("path"), f.get("line")) in shared))
        if verbose:
            lines.append(_finding_detail(f))
    if not findings:
        lines.append("No findings.")
    hidden = hidden_total(items)
    if hidden:
        lines.append(f"({plural(hidden, 'more finding')} summed up above: --max-per-rule N or "
                     "--show-all prints them, --format json keeps every one)")
    lines.append("")
    lines.extend(summary_lines(result, color, verbose))
    return "\n".join(lines) + "\n"
