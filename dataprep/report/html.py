"""The HTML report (``--format html``): one self-contained page to read, share and print.

Like every reporter it is a pure projection of the result dict (``Result.to_dict()``), so
a saved ``--format json`` report can be rendered again.  The page answers in the order a
reader asks: is the data ready (score, verdict and its reasons), what costs most (score
dimensions and costs), what was read (task, thresholds, files), how the data looks
(charts), and which rules fired, with why each matters and a few examples.

Three constraints shape it:

* Self-contained: inline CSS and inline SVG charts (``dataprep.report.svg``), one small
  inline script that only filters the findings; nothing is fetched when it is viewed.
* Safe with hostile data: every value from the result goes through :func:`esc`
  (``html.escape`` with ``quote=True``, after control characters are made visible), no
  dataset text is ever placed in ``href``, ``style``, an event attribute or the script, and
  a Content-Security-Policy allows exactly the page's own script and stylesheet by their
  sha256 hashes.  The stylesheet is hashed rather than allowed with ``'unsafe-inline'``:
  with a hash, a ``<style>`` element or ``style`` attribute smuggled in through an escaping
  bug is inert too; the cost is that the page itself uses no ``style`` attributes (chart
  geometry is in SVG attributes, colours in classes).
* Bounded size: a million-record lint with hundreds of thousands of findings still yields
  a page of a few hundred kilobytes: examples are capped per rule and file, per rule and in
  total, the rest is counted ("and 1,234 more"), files and bar rows are capped, and
  histograms arrive already binned.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from dataprep.report import svg
from dataprep.report.sarif import RANK, severity_of
from dataprep.report.text import (
    DIMENSIONS,
    as_int,
    as_list,
    as_map,
    as_num,
    clean,
    plural,
    record_number,
    related_location,
    shared_lines,
)

#: examples of one rule shown per file when the caller does not choose (``max_per_rule``)
DEFAULT_EXAMPLES_PER_FILE = 5
#: examples of one rule shown in all (normal / verbose)
MAX_EXAMPLES_PER_RULE = (15, 60)
#: examples shown on the whole page (normal / verbose)
MAX_EXAMPLES_TOTAL = (600, 3000)
#: rows of the files table (normal / verbose)
MAX_FILES = (200, 2000)
#: bars of one bar chart before "+N more"
MAX_BARS = 15
#: characters of a message shown in an example (the JSON report keeps it whole)
MAX_MESSAGE = 320
#: characters of a reason, a path or a name
MAX_TEXT = 300
#: characters of a rule's why shown before the rest is folded away
WHY_OPEN = 300

VERDICT_CLASS = {"ready": "v-ready", "needs-work": "v-needs-work", "not-ready": "v-not-ready"}
VERDICT_TEXT = {"ready": "Ready", "needs-work": "Needs work", "not-ready": "Not ready"}
SEVERITY_CLASS = {"error": "sev-error", "warning": "sev-warning", "info": "sev-info"}
_SEVERITIES = ("error", "warning", "info")

#: lone surrogates (undecodable input) cannot be written as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")
#: a quoted part of a message: '...' (apostrophes inside words allowed) or "..."
_QUOTED = re.compile(r"(?<![\w'])'(?:[^'\n]|'(?=\w))+'(?![\w])|\"[^\"\n]+\"")
#: ``literal`` in a rule's why text (the rule docs' spelling of code)
_LITERAL = re.compile(r"``(.+?)``")


def _visible(value: Any) -> str:
    """``clean(value)`` with lone surrogates written as ``\\udXXX``."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", clean(value))


def esc(value: Any, limit: int | None = MAX_TEXT) -> str:
    """``value`` as HTML text that renders literally on one line, also safe in a quoted
    attribute: control characters become visible escapes, lone surrogates ``\\udXXX``,
    then ``& < > " '`` become entities.  Long values are cut with an ellipsis."""
    text = _visible(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def highlight(message: Any, limit: int = MAX_MESSAGE, prefix: str = "") -> str:
    """A finding's message, shortened, with its quoted parts (the dataset excerpts rules
    quote) in ``<mark>``.  Quotes are found in the raw text and every piece is escaped on
    its own, so the markup added here is the only markup in the result.  ``prefix`` (the
    files' common directory, stated once in the header) is dropped from places the
    message names, as it is from the locations."""
    text = _visible(message)
    if prefix:
        text = text.replace(prefix, "")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    out, pos = [], 0
    for m in _QUOTED.finditer(text):
        out.append(html.escape(text[pos : m.start()], quote=True))
        out.append(f"<mark>{html.escape(m.group(), quote=True)}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:], quote=True))
    return "".join(out)


def _prose(value: Any) -> str:
    """A rule's ``why``: escaped, then its ````literal```` spans set as code."""
    return _LITERAL.sub(r"<code>\1</code>", esc(value, 2000))


def _why(value: Any) -> str:
    """A rule's ``why``: its first sentences in the open, the rest (some rules explain
    their method at length) behind a "more" toggle, so a page of many rules stays
    scannable.  Printing keeps the open part."""
    text = clean(value)
    if len(text) <= WHY_OPEN * 3 // 2:
        return _prose(text)
    cut = text.find(". ", WHY_OPEN // 2, WHY_OPEN * 3 // 2)
    if cut >= 0:
        head, rest = text[: cut + 1], text[cut + 2 :]
    else:  # no sentence ends near the mark: fold at a word boundary instead
        cut = max(text.rfind(" ", 0, WHY_OPEN), WHY_OPEN // 2)
        head, rest = text[:cut], text[cut:].lstrip()
    return f"{_prose(head)} <details><summary>more</summary>{_prose(rest)}</details>"


def _csp_hash(text: str) -> str:
    """The CSP source expression that allows exactly this inline script or style."""
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def _finite(value: Any) -> float | None:
    """A number that can be drawn and printed: not NaN, not infinite (JSON from other
    tools may hold them), else None."""
    n = as_num(value)
    return n if n is not None and math.isfinite(n) else None


def _n(value: Any) -> str:
    """A count with thousands separators, or an en dash when absent."""
    n = as_int(value)
    return "–" if n is None else f"{n:,}"


def _common_dir(paths: Sequence[str]) -> str:
    """The directory all file paths share (with its trailing separator), or ``""``.

    Paths are shown relative to it, so a table of ``/very/long/prefix/train.jsonl`` rows
    reads as ``train.jsonl``; the prefix is stated once in the header.  String work only:
    the report never looks at the file system.
    """
    if not paths:
        return ""
    sep = "\\" if all("\\" in p and "/" not in p for p in paths) else "/"
    dirs = [p.split(sep)[:-1] for p in paths]
    common = dirs[0]
    for d in dirs[1:]:
        k = 0
        while k < min(len(common), len(d)) and common[k] == d[k]:
            k += 1
        common = common[:k]
    prefix = sep.join(common)
    return prefix + sep if common and prefix else ""


@dataclass
class _Page:
    """What every section needs to know about the result, computed once."""

    result: Mapping[str, Any]
    findings: list[Mapping[str, Any]]
    files: list[Mapping[str, Any]]
    rules: Mapping[str, Any]
    prefix: str
    verbose: bool
    #: (path, line) pairs that hold several records (a JSON array on one line): there the
    #: record number, not the line, tells findings apart
    shared: set[tuple[Any, Any]] = field(default_factory=set)

    def short(self, path: Any) -> str:
        """A path without the common directory, escaped, with the full path as a tooltip."""
        full = clean(path)
        shown = full[len(self.prefix) :] if self.prefix and full.startswith(self.prefix) else full
        return f'<span class="path" title="{esc(full, None)}">{esc(shown)}</span>'


# --- the header: score, verdict, reasons, the headline facts ---------------------------


def _hero(p: _Page) -> str:
    result = p.result
    verdict = result.get("verdict")
    vclass = VERDICT_CLASS.get(str(verdict), "v-unknown")
    vtext = VERDICT_TEXT.get(str(verdict)) or (esc(verdict) if verdict else "No verdict")
    overall = _finite(as_map(result.get("score")).get("overall"))
    if overall is not None:
        gauge = (
            f'<div class="gauge-wrap" id="score" data-score="{overall:.1f}">'
            f"{svg.gauge(overall, vclass, f'readiness score {overall:.1f} of 100')}</div>"
        )
    else:
        gauge = '<div class="gauge-wrap" id="score"><p class="score-num">n/a</p></div>'
    reasons = as_list(result.get("verdict_reasons"))
    items = "".join(f"<li>{esc(r)}</li>" for r in reasons[:20])
    if len(reasons) > 20:
        items += f'<li class="muted">and {len(reasons) - 20:,} more</li>'
    why = f'<ul class="reasons">{items}</ul>' if items else '<p class="muted">No reasons given.</p>'
    return (
        f'<section class="hero card {vclass}" aria-label="verdict">'
        f"{gauge}"
        f'<div class="verdict"><p class="eyebrow">Readiness verdict</p>'
        f'<p class="verdict-text {vclass}" id="verdict">{vtext}</p>{why}</div>'
        f"{_severity_chips(p)}</section>"
    )


def _severity_counts(p: _Page) -> dict[str, int]:
    by_sev = as_map(as_map(p.result.get("summary")).get("by_severity"))
    if by_sev:
        return {s: as_int(by_sev.get(s)) or 0 for s in _SEVERITIES}
    counts = dict.fromkeys(_SEVERITIES, 0)
    for f in p.findings:
        counts[severity_of(f)] += 1
    return counts


def _severity_chips(p: _Page) -> str:
    counts = _severity_counts(p)
    words = {s: s if counts[s] == 1 or s == "info" else s + "s" for s in _SEVERITIES}
    chips = "".join(
        f'<li class="chip {SEVERITY_CLASS[s]}"><b>{counts[s]:,}</b> {words[s]}</li>'
        for s in _SEVERITIES
    )
    return f'<ul class="chips" aria-label="findings by severity">{chips}</ul>'


def _facts(p: _Page) -> str:
    """Task, records, effective examples against the thresholds, tokens: the numbers that
    decide the volume part of the verdict, as a grid of small tiles."""
    result, summary = p.result, as_map(p.result.get("summary"))
    tiles: list[tuple[str, str, str]] = []
    task = result.get("task")
    if task:
        source = result.get("task_source")
        tiles.append(("Task", esc(task), f"{esc(source)}" if source else ""))
    records = as_int(summary.get("records"))
    if records is not None:
        valid, invalid = as_int(summary.get("valid")), as_int(summary.get("invalid"))
        sub = f"{_n(valid)} valid · {_n(invalid)} invalid" if valid is not None else ""
        evals = as_int(summary.get("eval_records"))
        if evals:
            sub += f" · {_n(summary.get('train_records'))} train, {evals:,} eval"
        tiles.append(("Records", f"{records:,}", sub))
    tiles.append(_effective_tile(summary))
    dups = {
        w: as_int(summary.get(k))
        for k, w in (("exact_duplicates", "exact"), ("near_duplicates", "near"))
    }
    known = {w: n for w, n in dups.items() if n is not None}
    if known:
        parts = " · ".join(f"{n:,} {w}" for w, n in known.items())
        tiles.append(
            ("Duplicates", f"{sum(known.values()):,}", f"{parts}; not counted as effective")
        )
    tokens = as_map(summary.get("tokens"))
    if as_int(tokens.get("sampled")):
        tiles.append(
            (
                "Tokens per record",
                f"median {_n(tokens.get('median'))}",
                (
                    f"p90 {_n(tokens.get('p90'))} · max {_n(tokens.get('max'))}"
                    f" · limit {_n(tokens.get('limit'))} ({esc(tokens.get('model'), 60)})"
                ),
            )
        )
        tiles.append(
            (
                "Training tokens",
                _n(tokens.get("total")),
                (
                    f"billed {_n(tokens.get('billed_tokens'))} over {_n(tokens.get('epochs'))}"
                    f" epochs · {esc(tokens.get('encoding'), 40)}"
                ),
            )
        )
    cells = "".join(
        f'<div class="tile"><p class="eyebrow">{k}</p><p class="big">{v}</p>'
        f'<p class="muted">{s}</p></div>'
        for k, v, s in tiles
    )
    base = as_map(result.get("baseline"))
    note = ""
    if base:
        suppressed = as_int(base.get("suppressed")) or 0
        stale = len(as_list(base.get("stale")))
        note = (
            f'<p class="note">Baseline {esc(base.get("file"))}: '
            f"{plural(suppressed, 'known finding')} not shown, "
            f"{plural(stale, 'entry', 'entries')} no longer found.</p>"
        )
    return f'<section class="facts" aria-label="facts">{cells}</section>{note}'


def _effective_tile(summary: Mapping[str, Any]) -> tuple[str, str, str]:
    """Effective examples with the task's minimum and recommended counts and where the
    data stands between them, the one number most verdicts hinge on."""
    thresholds = as_map(summary.get("thresholds"))
    minimum, recommended = as_int(thresholds.get("minimum")), as_int(thresholds.get("recommended"))
    effective = as_int(summary.get("effective_examples"))
    bounds = " · ".join(
        f"{k} {v:,}"
        for k, v in (("minimum", minimum), ("recommended", recommended))
        if v is not None
    )
    if effective is None:
        return ("Effective examples", "not counted", bounds or "duplicate detection did not run")
    if minimum is not None and effective < minimum:
        status = '<span class="tag sev-error">below minimum</span>'
    elif recommended is not None and effective < recommended:
        status = '<span class="tag sev-warning">below recommended</span>'
    else:
        status = '<span class="tag ok">enough</span>'
    return ("Effective examples", f"{effective:,} {status}", bounds)


# --- score dimensions and costs --------------------------------------------------------


def _dimensions(p: _Page) -> str:
    score = as_map(p.result.get("score"))
    dims, weights = as_map(score.get("dimensions")), as_map(score.get("weights"))
    names = [d for d in (*DIMENSIONS, "evaluation") if d in dims]
    names += sorted(str(d) for d in dims if d not in names)
    cards = []
    for name in names[:20]:
        value = _finite(dims.get(name))
        weight = _finite(weights.get(name))
        level = (
            "ok"
            if value is not None and value >= 0.9
            else "mid"
            if value is not None and value >= 0.6
            else "low"
        )
        shown = f"{100 * value:.0f}" if value is not None else "n/a"
        unit = "<small>%</small>" if value is not None else ""
        foot = f'<p class="muted">weight {weight:.2f}</p>' if weight is not None else ""
        cards.append(
            f'<div class="dim {level}"><p class="eyebrow">{esc(name, 40)}</p>'
            f'<p class="big">{shown}{unit}</p>{svg.meter(value or 0.0, level)}{foot}</div>'
        )
    not_measured = as_list(score.get("not_measured"))
    note = (
        f'<p class="muted">Not measured: {", ".join(esc(d, 40) for d in not_measured)}.</p>'
        if not_measured
        else ""
    )
    if not cards:
        return ""
    return (
        f'<section class="card" aria-labelledby="h-dims"><h2 id="h-dims">Score dimensions</h2>'
        f'<div class="dims">{"".join(cards)}</div>{note}{_costs(p)}</section>'
    )


def _costs(p: _Page) -> str:
    costs = [
        c for c in as_list(as_map(p.result.get("score")).get("costs")) if isinstance(c, Mapping)
    ]
    if not costs:
        return ""
    limit = 25 if p.verbose else 8
    rows = []
    for c in costs[:limit]:
        points = abs(_finite(c.get("points")) or 0.0)
        code = f"<code>{esc(c.get('code'), 20)}</code> " if c.get("code") is not None else ""
        shown = f"−{points:.1f}" if points >= 0.05 else '<span class="muted">&lt; 0.1</span>'
        rows.append(f'<tr><td>{code}{esc(c.get("name"), 80)}</td><td class="num">{shown}</td></tr>')
    more = (
        f'<tr><td class="muted" colspan="2">and {plural(len(costs) - limit, "more rule")}</td></tr>'
        if len(costs) > limit
        else ""
    )
    return (
        '<h3>What cost most</h3><table class="compact costs"><thead><tr><th>Rule</th>'
        f'<th class="num">Points</th></tr></thead><tbody>{"".join(rows)}{more}</tbody></table>'
    )


# --- files -----------------------------------------------------------------------------


def _file_findings(p: _Page) -> list[int]:
    """Findings per file: the file's own ``findings`` count when the result carries it,
    else counted from the findings list by path."""
    counted: dict[str, int] = {}
    if any(as_int(f.get("findings")) is None for f in p.files):
        for f in p.findings:
            key = str(f.get("path"))
            counted[key] = counted.get(key, 0) + 1
    out = []
    for f in p.files:
        own = as_int(f.get("findings"))
        out.append(own if own is not None else counted.get(str(f.get("path")), 0))
    return out


def _files(p: _Page, per_file: Sequence[int]) -> str:
    if not p.files:
        return (
            '<section class="card" aria-labelledby="h-files"><h2 id="h-files">Files</h2>'
            '<p class="muted">No files were read.</p></section>'
        )
    limit = MAX_FILES[1 if p.verbose else 0]
    scores = as_map(as_map(p.result.get("score")).get("files"))
    rows = []
    for f, n in zip(p.files[:limit], per_file, strict=False):
        score = _finite(scores.get(str(f.get("path")))) if scores else None
        score_cell = f'<td class="num">{score:.1f}</td>' if score is not None else (
            '<td class="num">–</td>' if scores else "")
        split = "eval" if f.get("split") == "eval" else "train"
        read = _finite(f.get("text_read"))
        read_cell = f"{100 * read:.0f}%" if read is not None else "–"
        rows.append(
            f"<tr><td>{p.short(f.get('path'))}</td>"
            f'<td><span class="tag split-{split}">{split}</span></td>'
            f"<td>{esc(f.get('format') or 'unknown', 40)}</td>"
            f'<td class="num">{_n(f.get("records"))}</td>'
            f'<td class="num">{_n(f.get("valid"))}</td><td class="num">{read_cell}</td>'
            f'<td class="num">{_n(f.get("median_tokens"))}</td><td class="num">{n:,}</td>'
            f"{score_cell}</tr>"
        )
    more = (
        f'<tr><td class="muted" colspan="{9 if scores else 8}">and {len(p.files) - limit:,} more files '
        "(--verbose lists more; --format json lists every one)</td></tr>"
        if len(p.files) > limit
        else ""
    )
    where = (
        f'<p class="muted">in <span class="path">{esc(p.prefix, 400)}</span></p>'
        if p.prefix
        else ""
    )
    return (
        f'<section class="card" aria-labelledby="h-files"><h2 id="h-files">Files '
        f'<span class="count">{len(p.files):,}</span></h2>{where}'
        '<div class="scroll tall"><table class="compact files"><thead><tr>'
        "<th>File</th><th>Split</th>"
        '<th>Layout</th><th class="num">Records</th><th class="num">Valid</th>'
        '<th class="num" title="share of records whose text was read">Text read</th>'
        '<th class="num" title="estimated from characters / 4, every record with text">'
        "Median tokens (est.)</th>"
        '<th class="num">Findings</th>'
        + ('<th class="num" title="record-quality score of the file">Score</th>' if scores else "")
        + "</tr></thead>"
        f"<tbody>{''.join(rows)}{more}</tbody></table></div></section>"
    )


# --- charts ----------------------------------------------------------------------------


def _binned(value: Any) -> tuple[list[float], list[int]] | None:
    """``edges``/``counts`` of a binned distribution, or None when they do not fit
    together (one edge more than counts, numbers, edges rising)."""
    m = as_map(value)
    edges = [_finite(e) for e in as_list(m.get("edges"))]
    counts = [as_int(c) for c in as_list(m.get("counts"))]
    if not counts or len(edges) != len(counts) + 1 or None in edges or None in counts:
        return None
    e = [float(x) for x in edges if x is not None]
    if any(b < a for a, b in pairwise(e)):
        return None
    return e, [max(int(c), 0) for c in counts if c is not None]


def _ranked(counts: Mapping[str, Any], numeric_keys: bool = False) -> list[tuple[str, int]]:
    """Count pairs, biggest first (or by numeric key, for cluster sizes)."""
    pairs = [(str(k), as_int(v)) for k, v in counts.items()]
    good = [(k, v) for k, v in pairs if v is not None]
    if numeric_keys:
        def by_number(kv: tuple[str, int]) -> tuple[bool, int, str]:
            number = kv[0].isdecimal()  # not isdigit: int() rejects "²"
            return (not number, int(kv[0]) if number else 0, kv[0])

        return sorted(good, key=by_number)
    return sorted(good, key=lambda kv: (-kv[1], kv[0]))


def _bar_chart(
    chart_id: str,
    title: str,
    pairs: Sequence[tuple[str, float]],
    noun: str,
    classes: Sequence[str] | None = None,
    counts: bool = True,
) -> str:
    """Bars of the first ``MAX_BARS`` pairs and a line for the rest (with their total
    when the values are ``counts``; a total of scores would mean nothing)."""
    shown = pairs[:MAX_BARS]
    rest = len(pairs) - len(shown)
    total = f" ({svg.fmt(sum(v for _, v in pairs[MAX_BARS:]))})" if counts else ""
    more = f"+{rest:,} more {noun}{total}" if rest > 0 else None
    return svg.bars(chart_id, title, shown, classes=classes, more=more)


def _figure(chart_id: str, title: str, chart: str, note: str = "") -> str:
    note_html = f'<p class="muted">{note}</p>' if note else ""
    return (
        f'<figure class="card chart-card" data-figure="{chart_id}"><figcaption>{title}</figcaption>'
        f"{chart}{note_html}</figure>"
    )


def _charts(p: _Page, per_file: Sequence[int]) -> str:
    """Every chart whose data the result carries, in reading order."""
    summary = as_map(p.result.get("summary"))
    dist = as_map(summary.get("distributions"))
    figs: list[str] = []

    tokens = _binned(dist.get("tokens"))
    if tokens:
        m = as_map(dist.get("tokens"))
        limit = _finite(m.get("limit"))
        sampled = as_int(m.get("sampled"))
        note = f"from a sample of {sampled:,} records" if sampled else ""
        figs.append(
            _figure(
                "tokens",
                "Token length per record",
                svg.histogram("tokens", "token length per record", *tokens, limit=limit),
                note,
            )
        )

    replies = as_map(dist.get("reply_chars"))
    panels = []
    for role in sorted(replies, key=lambda r: (r != "assistant", str(r)))[:6]:
        binned = _binned(replies.get(role))
        if binned:
            panels.append((str(role), *binned))
    if panels:
        figs.append(
            _figure(
                "reply_chars",
                "Message length by role (characters)",
                svg.multi_histogram("reply_chars", "message length by role", panels),
            )
        )

    labels = as_map(dist.get("labels")) or as_map(summary.get("labels"))
    if labels:
        pairs = _ranked(labels)
        kto = {k for k, _ in pairs} <= {"desirable", "undesirable"}
        title = "Desirable and undesirable examples" if kto else "Examples per label"
        classes = ["ok" if k == "desirable" else "sev-error" for k, _ in pairs] if kto else None
        figs.append(
            _figure("labels", title, _bar_chart("labels", title.lower(), pairs, "labels", classes))
        )

    clusters = as_map(dist.get("cluster_sizes"))
    if clusters:
        pairs = [(f"{k} records", v) for k, v in _ranked(clusters, numeric_keys=True)]
        figs.append(
            _figure(
                "cluster_sizes",
                "Duplicate clusters by size",
                _bar_chart("cluster_sizes", "duplicate clusters by size", pairs, "sizes"),
                "number of clusters of each size",
            )
        )

    mix = as_map(dist.get("languages"))
    languages = as_map(mix.get("counts"))
    if languages:
        judged = as_int(mix.get("records"))
        basis = clean(mix.get("basis") or "")
        figs.append(
            _figure(
                "languages",
                "Language mix",
                _bar_chart("languages", "records per language", _ranked(languages), "languages"),
                f"{judged:,} {esc(basis)} judged" if judged else "",
            )
        )

    by_code = as_map(summary.get("by_code"))
    if by_code:
        ranked = _ranked(by_code)
        classes = [SEVERITY_CLASS[severity_of(as_map(p.rules.get(code)))] for code, _ in ranked]
        pairs = [
            (f"{code} {clean(as_map(p.rules.get(code)).get('name') or '')}".strip(), n)
            for code, n in ranked
        ]
        figs.append(
            _figure(
                "by_code",
                "Findings per rule",
                _bar_chart("by_code", "findings per rule", pairs, "rules", classes),
            )
        )

    if len(p.files) > 1:
        def name(path: Any) -> str:
            return clean(path)[len(p.prefix) :] if p.prefix else clean(path)

        scores = as_map(as_map(p.result.get("score")).get("files"))
        scored = [(name(k), s) for k, v in scores.items() if (s := _finite(v)) is not None]
        if scored:
            # worst first: the file to open next
            worst = sorted(scored, key=lambda kv: (kv[1], kv[0]))
            figs.append(
                _figure(
                    "per_file",
                    "Score per file",
                    _bar_chart("per_file", "record-quality score per file", worst, "files",
                               counts=False),
                    "validity, consistency, uniqueness and labels of each file's own records; "
                    "volume and leakage are the dataset's",
                )
            )
        else:
            pairs = sorted(
                ((name(f.get("path")), n) for f, n in zip(p.files, per_file, strict=False)),
                key=lambda kv: (-kv[1], kv[0]),
            )
            figs.append(
                _figure(
                    "per_file",
                    "Findings per file",
                    _bar_chart("per_file", "findings per file", pairs, "files"),
                )
            )

    if not figs:
        return ""
    return (
        f'<section aria-labelledby="h-charts"><h2 id="h-charts" class="section-title">The data</h2>'
        f'<div class="charts">{"".join(figs)}</div></section>'
    )


# --- findings by rule ------------------------------------------------------------------


@dataclass
class _Rule:
    """One rule's findings on the page: its count, worst severity and shown examples."""

    code: str
    name: str
    severity: str
    count: int = 0
    examples: list[Mapping[str, Any]] = field(default_factory=list)
    #: findings per path (its keys are the files the rule fired in)
    per_file: dict[str, int] = field(default_factory=dict)


def _group(p: _Page, per_file_cap: int) -> list[_Rule]:
    """Findings grouped by rule, most severe and most frequent first, with examples
    picked in one pass: the first ``per_file_cap`` of each file, up to the per-rule cap,
    then cut to the page's total in rule order so the worst rules keep theirs."""
    per_rule = MAX_EXAMPLES_PER_RULE[1 if p.verbose else 0]
    groups: dict[str, _Rule] = {}
    for f in p.findings:
        code = clean(f.get("code") or "DP???")
        g = groups.get(code)
        sev = severity_of(f)
        if g is None:
            g = groups[code] = _Rule(code, clean(f.get("name") or ""), sev)
        elif RANK[sev] < RANK[g.severity]:
            g.severity = sev
        g.count += 1
        path = str(f.get("path"))
        seen = g.per_file.get(path, 0)
        if seen < per_file_cap and len(g.examples) < per_rule:
            g.examples.append(f)
        g.per_file[path] = seen + 1
    ordered = sorted(groups.values(), key=lambda g: (RANK[g.severity], -g.count, g.code))
    budget = MAX_EXAMPLES_TOTAL[1 if p.verbose else 0]
    for g in ordered:
        g.examples = g.examples[: max(budget, 0)]
        budget -= len(g.examples)
    return ordered


def _example(p: _Page, f: Mapping[str, Any]) -> str:
    """One finding as a row: where (path:line), the highlighted message, its JSON pointer,
    the record number when there is no line, and the first related record."""
    line = as_int(f.get("line"))
    where = p.short(f.get("path") or "<unknown>") + (
        f'<span class="line">:{line}</span>' if line is not None else ""
    )
    parts = [f'<span class="msg">{highlight(f.get("message"), prefix=p.prefix)}</span>']
    pointer = f.get("pointer")
    if pointer:
        parts.append(f'<code class="ptr">{esc(pointer, 120)}</code>')
    number = record_number(f.get("record"))
    if number is not None and (line is None or (f.get("path"), line) in p.shared):
        parts.append(f'<span class="muted">record {number:,}</span>')
    related = [r for r in as_list(f.get("related")) if isinstance(r, Mapping)]
    if related:
        first = related_location(related[0])
        if first not in clean(f.get("message")):
            parts.append(f'<span class="muted">first at {esc(first)}</span>')
    cls = SEVERITY_CLASS[severity_of(f)]
    return f'<li class="{cls}"><span class="where">{where}</span> {" ".join(parts)}</li>'


def _rule_section(p: _Page, g: _Rule) -> str:
    info = as_map(p.rules.get(g.code))
    name = g.name or clean(info.get("name") or "")
    why = info.get("why")
    summary = info.get("summary")
    shown = len(g.examples)
    rest = g.count - shown
    examples = "".join(_example(p, f) for f in g.examples)
    more = f'<p class="more" data-more="{rest}">and {rest:,} more</p>' if rest > 0 else ""
    where = f" in {plural(len(g.per_file), 'file')}" if len(g.per_file) > 1 else ""
    sev_class = SEVERITY_CLASS[g.severity]
    return (
        f'<section class="rule card {sev_class}" id="rule-{esc(g.code, 20)}" '
        f'data-severity="{g.severity}" data-count="{g.count}" data-shown="{shown}">'
        f'<header><span class="tag {sev_class}">{g.severity}</span> '
        f'<code class="code">{esc(g.code, 20)}</code> <span class="name">{esc(name, 80)}</span>'
        f'<span class="count">{g.count:,}{where}</span></header>'
        + (f'<p class="summary">{_prose(summary)}</p>' if summary else "")
        + (f'<div class="why"><b>Why it matters.</b> {_why(why)}</div>' if why else "")
        + (f'<ul class="examples">{examples}</ul>' if examples else "")
        + more
        + "</section>"
    )


def _findings(p: _Page, per_file_cap: int) -> str:
    if not p.findings:
        return (
            '<section aria-labelledby="h-findings">'
            '<h2 id="h-findings" class="section-title">Findings</h2>'
            '<p class="card empty">No findings.</p></section>'
        )
    groups = _group(p, per_file_cap)
    shown = sum(len(g.examples) for g in groups)
    controls = (
        '<div class="controls" id="controls" hidden>'
        '<div class="seg" role="group" aria-label="severity">'
        '<button type="button" data-sev="all" aria-pressed="true">All</button>'
        '<button type="button" data-sev="error" aria-pressed="false">Errors</button>'
        '<button type="button" data-sev="warning" aria-pressed="false">Warnings</button>'
        '<button type="button" data-sev="info" aria-pressed="false">Info</button></div>'
        '<input type="search" id="q" placeholder="Filter rules and messages" aria-label="filter">'
        '<span class="muted" id="nshown"></span></div>'
    )
    note = (
        f'<p class="muted">{len(p.findings):,} findings of {plural(len(groups), "rule")}; '
        f"{shown:,} shown as examples. <code>--format json</code> keeps every one.</p>"
    )
    sections = "".join(_rule_section(p, g) for g in groups)
    return (
        '<section aria-labelledby="h-findings">'
        '<h2 id="h-findings" class="section-title">Findings by rule</h2>'
        f'{note}{controls}<div id="rules">{sections}</div></section>'
    )


# --- the page --------------------------------------------------------------------------

#: the page's only script: severity buttons and a text filter over the rule sections.
#: Constant text (no data), allowed by its hash in the CSP; the controls start hidden so
#: a reader without scripts never sees dead buttons.
SCRIPT = """(function () {
  var c = document.getElementById('controls');
  if (!c) return;
  var q = document.getElementById('q'), n = document.getElementById('nshown');
  var rules = Array.prototype.slice.call(document.querySelectorAll('section.rule'));
  var sev = 'all';
  function apply() {
    var t = q.value.toLowerCase(), shown = 0;
    rules.forEach(function (r) {
      var ok = (sev === 'all' || r.getAttribute('data-severity') === sev) &&
        (!t || r.textContent.toLowerCase().indexOf(t) >= 0);
      r.hidden = !ok;
      if (ok) shown++;
    });
    n.textContent = shown + ' of ' + rules.length + ' rules';
  }
  function press(b) {
    sev = b.getAttribute('data-sev');
    c.querySelectorAll('button[data-sev]').forEach(function (x) {
      x.setAttribute('aria-pressed', x === b ? 'true' : 'false');
    });
  }
  c.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-sev]');
    if (!b) return;
    press(b);
    apply();
  });
  q.addEventListener('input', apply);
  var h = location.hash || '';
  var s = /(?:#|&)severity=(all|error|warning|info)(?:&|$)/.exec(h);
  if (s) press(c.querySelector('button[data-sev="' + s[1] + '"]'));
  var f = /(?:#|&)q=([^&]*)/.exec(h);
  if (f) { try { q.value = decodeURIComponent(f[1]); } catch (err) { q.value = f[1]; } }
  c.hidden = false;
  apply();
})();"""

CSS = """
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--fg:#18202c;--muted:#5d6776;
--line:#e2e5ea;--accent:#3867d6;--ok:#17935a;--warn:#b7791f;--bad:#d13c3c;--info:#66758a;
--mark:#ffe98a;--mark-fg:#18202c;--code:#eef1f5;--track:#e6e9ee;
--shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08)}
@media (prefers-color-scheme:dark){:root{--bg:#0e1117;--card:#161b22;--fg:#e6edf3;--muted:#9aa5b4;
--line:#2b323c;--accent:#6e9dff;--ok:#3fcf80;--warn:#e3b341;--bad:#ff6e6e;--info:#9aa5b4;
--mark:#6b5a12;--mark-fg:#fff6cf;--code:#21272f;--track:#2b323c;--shadow:none}}
*{box-sizing:border-box}[hidden]{display:none!important}html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:1180px;padding:32px 28px 64px;
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Noto Sans",sans-serif;
-webkit-font-smoothing:antialiased}code,.path,.where,.ptr{
font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:.88em}code{background:var(--code);padding:.05em .35em;border-radius:4px}
h1{font-size:1.35rem;margin:0;font-weight:650;letter-spacing:-.01em}
h2{font-size:1.1rem;margin:0 0 12px}
h3{font-size:.95rem;margin:20px 0 8px;color:var(--muted);font-weight:600}
.section-title{margin:36px 0 14px;font-size:1.2rem}p{margin:0}.muted{color:var(--muted)}.eyebrow{
color:var(--muted);font-size:.75rem;text-transform:uppercase;letter-spacing:.06em;font-weight:600;
margin-bottom:2px}.top{display:flex;justify-content:space-between;align-items:baseline;gap:16px;
margin-bottom:20px;flex-wrap:wrap}.top .muted{font-size:.85rem}.card{background:var(--card);
border:1px solid var(--line);border-radius:12px;padding:20px 22px;box-shadow:var(--shadow);
margin-bottom:16px}.hero{display:grid;grid-template-columns:auto 1fr auto;gap:28px;
align-items:center;border-top:5px solid var(--accent)}.hero.v-ready{border-top-color:var(--ok)}
.hero.v-needs-work{border-top-color:var(--warn)}.hero.v-not-ready{border-top-color:var(--bad)}
.score-num{font-size:2.6rem;font-weight:700}.verdict-text{font-size:2rem;font-weight:700;
line-height:1.15;letter-spacing:-.02em;margin:0 0 8px;color:var(--info)}
.verdict-text.v-ready{color:var(--ok)}.verdict-text.v-needs-work{color:var(--warn)}
.verdict-text.v-not-ready{color:var(--bad)}.reasons{margin:0;padding-left:1.1em}
.reasons li{margin:2px 0}.gauge .track{fill:none;stroke:var(--track);stroke-width:12}
.gauge .fill{fill:none;stroke:var(--accent);stroke-width:12;stroke-linecap:round}
.gauge.v-ready .fill{stroke:var(--ok)}.gauge.v-needs-work .fill{stroke:var(--warn)}
.gauge.v-not-ready .fill{stroke:var(--bad)}
.gauge .value{fill:var(--fg);font-size:30px;font-weight:700;letter-spacing:-.02em}
.gauge .of{fill:var(--muted);font-size:12px}
.chips{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:8px}.chip{
padding:6px 14px;border-radius:8px;background:var(--code);font-size:.9rem;white-space:nowrap;
border-left:4px solid var(--info)}.chip b{font-size:1.1rem;margin-right:4px}
.chip.sev-error{border-left-color:var(--bad)}.chip.sev-warning{border-left-color:var(--warn)}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;
margin-bottom:16px}.tile{background:var(--card);border:1px solid var(--line);border-radius:12px;
padding:14px 16px;box-shadow:var(--shadow)}
.big{font-size:1.3rem;font-weight:650;line-height:1.25;overflow-wrap:break-word}
.big small{font-size:.8rem;color:var(--muted);margin-left:1px}.tile .muted{font-size:.82rem}
.note{margin:-4px 0 16px;color:var(--muted)}
.dims{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.dim{border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.dim .muted{font-size:.8rem;margin-top:4px}.meter{display:block;margin-top:6px}
.meter .track{fill:var(--track)}.meter .fill{fill:var(--ok)}.meter.mid .fill{fill:var(--warn)}
.meter.low .fill{fill:var(--bad)}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--line);vertical-align:top}th{
font-size:.75rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:last-child td{border-bottom:0}.costs{max-width:560px}.scroll{overflow-x:auto}
.scroll.tall{max-height:460px;overflow-y:auto}
.scroll.tall thead th{position:sticky;top:0;background:var(--card);z-index:1}.tag{
display:inline-block;padding:1px 8px;border-radius:999px;font-size:.75rem;font-weight:600;
background:var(--code);color:var(--muted)}.tag.sev-error{background:var(--bad);color:#fff}
.tag.sev-warning{background:var(--warn);color:#fff}
.tag.sev-info{background:var(--info);color:#fff}.tag.ok{background:var(--ok);color:#fff}
.tag.split-eval{background:var(--accent);color:#fff}.count{margin-left:auto;color:var(--muted);
font-size:.9rem;font-weight:500;font-variant-numeric:tabular-nums}h2 .count{margin-left:6px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:16px;
align-items:start}.chart-card{margin:0}figcaption{font-weight:650;margin-bottom:10px}
.chart-card .muted{font-size:.82rem;margin-top:6px}
svg.chart{display:block;width:100%;height:auto;max-width:100%;overflow:visible}
.chart text{fill:var(--muted);font-size:11px;font-family:inherit}.chart .label{fill:var(--fg)}
.chart .panel{fill:var(--fg);font-weight:600;font-size:12px}.chart .bar{fill:var(--accent)}
.chart .bar.sev-error{fill:var(--bad)}.chart .bar.sev-warning{fill:var(--warn)}
.chart .bar.sev-info{fill:var(--info)}.chart .bar.ok{fill:var(--ok)}
.chart .axis{stroke:var(--line)}
.chart .limit{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:4 3}
.chart text.limit-label{fill:var(--bad);font-weight:600}
.chart .more{fill:var(--muted);font-style:italic}
.controls{display:flex;gap:12px;align-items:center;flex-wrap:wrap;margin:12px 0 16px}
.seg{display:inline-flex;border:1px solid var(--line);border-radius:8px;overflow:hidden}
.seg button{font:inherit;font-size:.85rem;background:var(--card);color:var(--fg);border:0;
border-right:1px solid var(--line);padding:6px 12px;cursor:pointer}
.seg button:last-child{border-right:0}
.seg button[aria-pressed=true]{background:var(--accent);color:#fff}input[type=search]{
font:inherit;font-size:.9rem;padding:6px 10px;border:1px solid var(--line);border-radius:8px;
background:var(--card);color:var(--fg);min-width:260px}
.rule{border-left:4px solid var(--info);padding:16px 20px}
.rule.sev-error{border-left-color:var(--bad)}.rule.sev-warning{border-left-color:var(--warn)}
.rule header{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-bottom:6px}
.rule .code{font-weight:700;font-size:.95rem}.rule .name{font-weight:600}
.summary{margin-bottom:4px}.why{color:var(--muted);font-size:.92rem;margin-bottom:8px}
.why details{display:inline}
.why summary{display:inline;cursor:pointer;color:var(--accent);list-style:none}
.why summary::-webkit-details-marker{display:none}.why details[open] summary{display:none}
.examples{list-style:none;margin:8px 0 0;padding:0;border-top:1px solid var(--line)}.examples li{
padding:7px 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere;font-size:.92rem}
.where{color:var(--accent);margin-right:6px;white-space:nowrap}.where .path{font-size:1em}
.ptr{color:var(--muted)}
mark{background:var(--mark);color:var(--mark-fg);border-radius:3px;padding:0 2px}
.more{margin-top:8px;color:var(--muted);font-size:.9rem}.empty{color:var(--muted)}
footer{margin-top:40px;color:var(--muted);font-size:.82rem;text-align:center}
@media (max-width:720px){.hero{grid-template-columns:1fr}.chips{flex-direction:row;flex-wrap:wrap}
.charts{grid-template-columns:1fr}}@media print{:root{--bg:#fff;--card:#fff;--fg:#000;
--muted:#444;--line:#ccc;--code:#f1f1f1;--track:#e5e5e5;--mark:#ffe98a;--mark-fg:#000;
--shadow:none}html,body{background:#fff}body{max-width:none;padding:0;font-size:11pt}
.controls,#controls{display:none!important}section.rule[hidden]{display:block!important}
.scroll,.scroll.tall{max-height:none;overflow:visible}
.card,.tile,figure,.dim,.examples li{break-inside:avoid}
h2,h3,figcaption,.rule header{break-after:avoid}th,td{padding:4px 6px}
th{font-size:7pt;letter-spacing:0}.why summary{display:none}.charts{grid-template-columns:1fr 1fr}
.section-title{break-before:page}.hero{break-before:avoid}
.tag,.chip,mark,.verdict-text{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def csp(css: str = CSS, script: str = SCRIPT) -> str:
    """The page's Content-Security-Policy: nothing by default, the one script and the one
    stylesheet by hash, no base URL, no form targets.  Images are not allowed at all: the
    charts are inline ``<svg>`` elements, which are markup, not loaded images."""
    return (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(css)}; "
        "base-uri 'none'; form-action 'none'"
    )


def _title(result: Mapping[str, Any]) -> str:
    verdict = VERDICT_TEXT.get(str(result.get("verdict")), "")
    overall = _finite(as_map(result.get("score")).get("overall"))
    score = f"{overall:.1f}/100" if overall is not None else ""
    return " · ".join(x for x in ("dataprep report", score, verdict) if x)


def render(
    result: Mapping[str, Any],
    *,
    color: bool = False,
    verbose: bool = False,
    max_per_rule: int | None = None,
) -> str:
    """The whole HTML page for ``result``.

    ``color`` is ignored (the page has its own colours); ``verbose`` raises the caps on
    examples, files and costs; ``max_per_rule`` is the number of examples of one rule shown
    per file (None: ``DEFAULT_EXAMPLES_PER_FILE``).  The per-rule and total caps always
    apply: the page is a summary and must stay small, ``--format json`` keeps everything.
    """
    del color
    findings = [f for f in as_list(result.get("findings")) if isinstance(f, Mapping)]
    files = [f for f in as_list(result.get("files")) if isinstance(f, Mapping)]
    prefix = _common_dir([clean(f.get("path")) for f in files if f.get("path")])
    page = _Page(
        result,
        findings,
        files,
        as_map(result.get("rules")),
        prefix,
        verbose,
        shared_lines(findings),
    )
    per_file_cap = DEFAULT_EXAMPLES_PER_FILE if max_per_rule is None else max(0, max_per_rule)
    per_file = _file_findings(page)
    tool = as_map(result.get("tool"))
    version = esc(tool.get("version"), 40) if tool.get("version") else ""
    where = f" · {esc(prefix, 200)}" if prefix else ""
    header = (
        '<header class="top"><h1>dataprep <span class="muted">readiness report</span></h1>'
        f'<p class="muted">{plural(len(files), "file")}{where}</p></header>'
    )
    footer = (
        f"<footer>Generated by dataprep {version}. A projection of the JSON report "
        "(<code>--format json</code>), which keeps every finding.</footer>"
    )
    body = "".join(
        [
            header,
            _hero(page),
            _facts(page),
            _dimensions(page),
            _files(page, per_file),
            _charts(page, per_file),
            _findings(page, per_file_cap),
            footer,
        ]
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(csp(), quote=True)}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(_title(result))}</title><style>{CSS}</style></head>"
        f"<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )


__all__ = ["CSS", "DEFAULT_EXAMPLES_PER_FILE", "SCRIPT", "csp", "esc", "highlight", "render"]
