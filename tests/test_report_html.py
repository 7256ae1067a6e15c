"""The HTML report: a pure, escaped, size-bounded projection, checked in real Chromium.

The pure tests parse the page with the standard library's HTML parser: what matters for
safety is which elements and attributes the browser will build, not how a string looks.
The browser tests open a report of a real lint whose records carry script and
event-handler payloads, in Debian's headless Chromium (``tests/browser.py``), and check
that the page paints, logs nothing (no CSP violation, no error), runs its own filter
script, shows every chart it should, and runs none of the payloads.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from dataprep.report import html as html_report
from dataprep.report import svg

sys.path.insert(0, str(Path(__file__).parent))
import browser  # a helper module beside the tests, not a package

SCRIPT = "<script>document.title='pwned'</script>"
IMG = '"><img src=x onerror="document.body.dataset.pwned=1">'
JS = "javascript:alert(1)"
PAYLOADS = (SCRIPT, IMG, JS)

#: every element the page may contain; anything else came from the data
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "h1",
    "h2",
    "h3",
    "p",
    "span",
    "small",
    "section",
    "div",
    "ul",
    "li",
    "b",
    "code",
    "mark",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
    "button",
    "input",
    "footer",
    "script",
    "svg",
    "g",
    "rect",
    "line",
    "circle",
    "text",
    "details",
    "summary",
}

CHARTS = ("tokens", "reply_chars", "labels", "cluster_sizes", "languages", "by_code", "per_file")


class _Page(HTMLParser):
    """The elements, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)
        else:
            self.text.append(data)


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def _finding(
    code: str, path: str, line: int | None, message: str, severity: str = "warning", **extra: Any
) -> dict[str, Any]:
    f: dict[str, Any] = {
        "code": code,
        "name": "rule.name",
        "severity": severity,
        "path": path,
        "line": line,
        "record": None if line is None else line - 1,
        "pointer": None,
        "message": message,
        "related": [],
        "count": 1,
    }
    f.update(extra)
    return f


def hostile_result() -> dict[str, Any]:
    """A result dict with a payload in every field that reaches the page."""
    bad = " ".join(PAYLOADS)
    return {
        "schema_version": 1,
        "tool": {"name": "dataprep", "version": IMG},
        "files": [
            {
                "path": f"data/{SCRIPT}.jsonl",
                "format": IMG,
                "records": 3,
                "valid": 3,
                "split": "train",
                "text_read": 1.0,
                "median_tokens": 12,
            },
            {
                "path": f"data/{JS}.jsonl",
                "format": "chat",
                "records": 1,
                "valid": 1,
                "split": "eval",
                "text_read": 0.5,
                "median_tokens": None,
            },
        ],
        "task": SCRIPT,
        "task_source": IMG,
        "findings": [
            _finding(
                "DP110",
                f"data/{SCRIPT}.jsonl",
                2,
                f'unknown role "{SCRIPT}"; {IMG}',
                severity="error",
                pointer=f"/messages/{IMG}",
                related=[{"path": f"data/{JS}.jsonl", "line": 1, "record": 0}],
            ),
            _finding("DP999", IMG, None, f"'{JS}' is quoted"),
        ],
        "summary": {
            "records": 4,
            "valid": 4,
            "invalid": 0,
            "train_records": 3,
            "eval_records": 1,
            "effective_examples": 3,
            "exact_duplicates": 0,
            "thresholds": {"minimum": 500, "recommended": 2000},
            "labels": {SCRIPT: 2, IMG: 1},
            "by_code": {"DP110": 1, IMG: 1},
            "by_severity": {"error": 1, "warning": 1, "info": 0},
            "distributions": {"languages": {"counts": {SCRIPT: 3, JS: 1}, "records": 4, "basis": JS},
                              "labels": {IMG: 2, SCRIPT: 1}},
        },
        "score": {
            "overall": 40.0,
            "dimensions": {"volume": 0.1, IMG: 0.5},
            "weights": {"volume": 0.2},
            "costs": [{"code": IMG, "name": SCRIPT, "points": 3.0}],
            "not_measured": [JS],
        },
        "verdict": IMG,
        "verdict_reasons": [bad],
        "rules": {
            "DP110": {
                "name": SCRIPT,
                "severity": "error",
                "summary": bad,
                "why": f"``{IMG}`` {bad}",
            }
        },
        "baseline": {"file": SCRIPT, "suppressed": 1, "stale": [{"code": IMG, "path": JS}]},
    }


# --- pure tests: structure and escaping --------------------------------------------------


def test_no_field_can_inject_markup() -> None:
    page = html_report.render(hostile_result())
    doc = parse(page)
    tags = {t for t, _ in doc.tags}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert [t for t, _ in doc.tags].count("script") == 1
    assert [t for t, _ in doc.tags].count("style") == 1
    for tag, attrs in doc.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name not in ("href", "src", "style", "action", "formaction", "srcdoc"), (
                tag,
                name,
            )
            assert "javascript:" not in (value or "") or name == "title", (tag, name, value)
    text = "".join(doc.text)
    for payload in PAYLOADS:  # shown as text, whole, somewhere on the page
        assert payload in text, payload
    assert "pwned" not in "".join(doc.scripts)
    assert doc.scripts == [html_report.SCRIPT]


@pytest.mark.parametrize("field", ["path", "message", "why", "label", "language", "code"])
def test_each_field_is_escaped(field: str) -> None:
    """One payload at a time, so a failure names the field that leaked."""
    result: dict[str, Any] = {
        "files": [{"path": "a.jsonl", "records": 1, "valid": 1}],
        "findings": [],
        "summary": {},
        "rules": {},
    }
    f = _finding("DP301", "a.jsonl", 1, "plain")
    if field == "path":
        result["files"][0]["path"] = f"x/{IMG}"  # no "/" inside: the name stays whole
        f["path"] = f"x/{IMG}"
    elif field == "message":
        f["message"] = f"dup of '{SCRIPT}'"
    elif field == "why":
        result["rules"] = {"DP301": {"why": SCRIPT, "summary": IMG}}
    elif field == "label":
        result["summary"]["distributions"] = {"labels": {SCRIPT: 1}}
    elif field == "language":
        result["summary"]["distributions"] = {"languages": {"counts": {IMG: 1}}}
    elif field == "code":
        f["code"] = SCRIPT
        result["summary"]["by_code"] = {SCRIPT: 1}
    result["findings"] = [f]
    page = html_report.render(result)
    doc = parse(page)
    assert {t for t, _ in doc.tags} <= ALLOWED_TAGS
    assert [t for t, _ in doc.tags].count("script") == 1
    assert "<script>document" not in page and "<img" not in page
    payload = IMG if field in ("language", "path") else SCRIPT
    assert payload in "".join(doc.text)


def test_control_characters_and_surrogates_are_made_visible() -> None:
    f = _finding("DP301", "a.jsonl", 1, "a\x1b[31mred\u202e\ud800 end")
    page = html_report.render({"findings": [f], "files": []})
    assert "\x1b" not in page and "\u202e" not in page and "\ud800" not in page
    page.encode("utf-8")  # writable as a file
    assert "\\x1b[31mred\\u202e\\ud800 end" in "".join(parse(page).text)


def test_highlight_marks_quoted_parts_after_escaping() -> None:
    out = html_report.highlight(f"role \"{SCRIPT}\" and 'it's <b>' here")
    marks = re.findall(r"<mark>(.*?)</mark>", out)
    assert marks == [
        "&quot;&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;&quot;",
        "&#x27;it&#x27;s &lt;b&gt;&#x27;",
    ]
    assert "<script" not in out and "<b>" not in out


def test_long_why_is_folded_after_its_first_sentences() -> None:
    why = "First sentence about ``key`` and <b>. " * 5 + "Method detail. " * 40
    page = html_report.render(
        {"findings": [_finding("DP301", "a", 1, "m")], "rules": {"DP301": {"why": why}}}
    )
    opened, folded = page.split('<div class="why">')[1].split("</div>")[0].split("<details>")
    assert "<code>key</code>" in opened and "&lt;b&gt;" in opened and "Method detail" not in opened
    assert "Method detail" in folded
    short = html_report.render(
        {"findings": [_finding("DP301", "a", 1, "m")], "rules": {"DP301": {"why": "Short."}}}
    )
    assert "<details>" not in short and "Short." in short


def test_record_number_where_the_line_does_not_tell_records_apart() -> None:
    one_line = [_finding("DP140", "a.json", 1, f"empty {i}", record=i) for i in (3, 8)]
    page = html_report.render({"findings": [*one_line, _finding("DP140", "b.jsonl", 4, "x")]})
    assert "record 4<" in page and "record 9<" in page  # 1-based, as people read them
    assert "record 4</span>" in page and page.count("record ") == 2


def test_long_messages_are_shortened() -> None:
    out = html_report.highlight("x" * 10_000)
    assert len(out) == html_report.MAX_MESSAGE and out.endswith("…")


def _hashes(page: str) -> dict[str, str]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert meta is not None
    policy = meta.group(1).replace("&#x27;", "'")
    return {d.split()[0]: d for d in (x.strip() for x in policy.split(";"))}


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_allows_exactly_the_page_script_and_style() -> None:
    page = html_report.render(hostile_result())
    doc = parse(page)
    policy = _hashes(page)
    assert policy["default-src"] == "default-src 'none'"
    assert policy["script-src"] == f"script-src {_sha(doc.scripts[0])}"
    assert policy["style-src"] == f"style-src {_sha(doc.styles[0])}"
    assert policy["base-uri"] == "base-uri 'none'" and policy["form-action"] == "form-action 'none'"
    assert "unsafe-inline" not in page.split("</head>")[0].split("<style>")[0]
    assert "img-src" not in policy  # no images: the charts are inline <svg>
    # the meta tag comes before the script and stylesheet it governs
    assert page.index("Content-Security-Policy") < page.index("<style>") < page.index("<script>")


def _charts(page: str) -> set[str]:
    return {a["data-chart"] or "" for t, a in parse(page).tags if t == "svg" and "data-chart" in a}


def _distributions() -> dict[str, Any]:
    return {
        "tokens": {
            "edges": [0, 128, 256, 512, 1024],
            "counts": [5, 40, 10, 1],
            "limit": 700,
            "sampled": 56,
        },
        "reply_chars": {
            "assistant": {"edges": [0, 100, 200], "counts": [3, 4]},
            "user": {"edges": [0, 50, 100], "counts": [7, 0]},
        },
        "labels": {"desirable": 30, "undesirable": 12},
        "cluster_sizes": {"2": 40, "10": 1, "3": 5},
        "languages": {"counts": {"en": 950, "zh": 30, "und": 20}, "records": 1000,
                      "basis": "sampled records"},
    }


def test_charts_follow_the_keys_present() -> None:
    files = [{"path": "d/a.jsonl", "records": 3}, {"path": "d/b.jsonl", "records": 2}]
    full = {
        "files": files,
        "findings": [],
        "summary": {"by_code": {"DP301": 2}, "distributions": _distributions()},
    }
    assert _charts(html_report.render(full)) == set(CHARTS)
    for key in _distributions():
        dist = {k: v for k, v in _distributions().items() if k != key}
        page = html_report.render(
            {**full, "summary": {"by_code": {"DP301": 2}, "distributions": dist}}
        )
        assert _charts(page) == set(CHARTS) - {key}
    bare = html_report.render({"files": files[:1], "findings": [], "summary": {}})
    assert _charts(bare) == set()


def test_kto_labels_are_coloured_and_summary_labels_are_a_fallback() -> None:
    page = html_report.render(
        {"summary": {"distributions": {"labels": {"desirable": 3, "undesirable": 1}}}}
    )
    assert 'class="bar ok"' in page and 'class="bar sev-error"' in page
    assert "Desirable and undesirable" in page
    classic = html_report.render({"summary": {"labels": {"billing": 3, "refund": 1}}})
    assert _charts(classic) == {"labels"} and "Examples per label" in classic


@pytest.mark.parametrize(
    "bad",
    [
        {"edges": [0, 1], "counts": [1, 2]},  # one edge too few
        {"edges": [0, "x", 2], "counts": [1, 2]},  # not a number
        {"edges": [0, 5, 2], "counts": [1, 2]},  # edges fall
        {"edges": [0, 1, 2], "counts": [1, True]},  # a bool is not a count
        "nonsense",
    ],
)
def test_malformed_distributions_are_left_out_not_fatal(bad: Any) -> None:
    page = html_report.render(
        {"summary": {"distributions": {"tokens": bad, "reply_chars": {"user": bad}}}}
    )
    assert _charts(page) == set()


def test_limit_line_inside_and_beyond_the_bins() -> None:
    inside = svg.histogram("t", "t", [0, 100, 200], [1, 2], limit=150)
    found = re.search(r'<line class="limit" x1="([\d.]+)"', inside)
    assert found is not None
    x = float(found.group(1))
    left, right = 48.0, svg.WIDTH - 12.0
    assert x == pytest.approx(left + 0.75 * (right - left), abs=0.2)
    beyond = svg.histogram("t", "t", [0, 100, 200], [1, 2], limit=65536)
    assert "limit 65,536 →" in beyond
    assert 'class="limit"' not in svg.histogram("t", "t", [0, 100, 200], [1, 2])


def test_print_and_dark_mode_styles() -> None:
    css = html_report.CSS
    assert "@media (prefers-color-scheme:dark)" in css
    printed = css[css.index("@media print") :]
    assert ".controls" in printed and "display:none" in printed
    assert "break-inside:avoid" in printed
    assert "color-scheme" in html_report.render({})


def test_empty_and_garbage_results_render() -> None:
    for result in (
        {},
        {"files": "x", "findings": [1, None, "x"], "summary": [], "score": 3, "rules": []},
    ):
        page = html_report.render(result)  # type: ignore[arg-type]
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "No findings." in html_report.render({})


def test_non_finite_and_negative_numbers_draw_nothing_invalid() -> None:
    """NaN, infinities and negative counts (JSON from other tools) neither crash nor
    reach an SVG attribute, where Chromium would log an error."""
    result = {
        "score": {"overall": float("nan"), "dimensions": {"volume": float("inf")}},
        "files": [{"path": "a", "text_read": float("nan")}],
        "summary": {
            "distributions": {
                "labels": {"a": -3, "b": 2},
                "tokens": {"edges": [0, 1, float("inf")], "counts": [1, 2]},
                "reply_chars": {"user": {"edges": [0, 1, 2], "counts": [-1, 2]}},
            }
        },
    }
    page = html_report.render(result)
    attrs = [v or "" for _, a in parse(page).tags for v in a.values()]
    assert not [v for v in attrs if re.search(r"\b(nan|inf)\b", v)]
    assert not [
        v
        for t, a in parse(page).tags
        for k, v in a.items()
        if k in ("width", "height") and (v or "").startswith("-")
    ]
    assert _charts(page) == {"labels", "reply_chars"}
    assert page == html_report.render(result)  # deterministic


def _counts(page: str) -> tuple[int, int, int]:
    """(findings counted by rule, examples shown, findings summed up as 'more')."""
    counted = sum(
        int(n) for n in re.findall(r'<section class="rule[^"]*"[^>]*data-count="(\d+)"', page)
    )
    shown = page.count('<li class="sev-')
    more = sum(int(n) for n in re.findall(r'data-more="(\d+)"', page))
    return counted, shown, more


def test_examples_are_capped_per_file_and_the_rest_counted() -> None:
    findings = [_finding("DP301", f"f{i % 3}.jsonl", i + 1, f"dup {i}") for i in range(40)]
    findings += [
        _finding("DP115", "f0.jsonl", 100 + i, "empty", severity="error") for i in range(3)
    ]
    page = html_report.render({"findings": findings}, max_per_rule=2)
    counted, shown, more = _counts(page)
    assert counted == 43 and shown == 2 * 3 + 2 and shown + more == 43
    assert "and 34 more" in page
    assert page.index('id="rule-DP115"') < page.index('id="rule-DP301"')  # errors first


def test_300k_findings_stay_small() -> None:
    """A big lint: examples capped, counts whole, page far under 5 MB."""
    n = 300_000
    codes = [f"DP{100 + k}" for k in range(60)]
    findings = [
        _finding(
            codes[i % 60],
            f"shard-{i % 400:04d}.jsonl",
            i // 400 + 1,
            f"near duplicate of shard-0000.jsonl:{i} '{'word ' * 20}' (Jaccard 0.9{i % 10})",
            severity=("error", "warning", "info")[i % 3],
        )
        for i in range(n)
    ]
    files = [
        {
            "path": f"shard-{k:04d}.jsonl",
            "format": "chat",
            "records": 2500,
            "valid": 2500,
            "split": "train",
            "text_read": 1.0,
            "median_tokens": 300,
        }
        for k in range(400)
    ]
    by_code: dict[str, int] = {}
    for f in findings:
        by_code[f["code"]] = by_code.get(f["code"], 0) + 1
    result = {
        "files": files,
        "findings": findings,
        "summary": {"records": 1_000_000, "by_code": by_code, "distributions": _distributions()},
    }
    start = time.perf_counter()
    page = html_report.render(result)
    took = time.perf_counter() - start
    size = len(page.encode("utf-8"))
    assert size < 5 * 1024 * 1024, size
    assert took < 60, took  # loose: the CI machine is shared; measured ~1 s on 2 cores
    counted, shown, more = _counts(page)
    assert counted == n and shown + more == n
    assert shown <= html_report.MAX_EXAMPLES_TOTAL[0]
    assert _charts(page) == set(CHARTS)


# --- in a real browser --------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    browser.chromium() is None,
    reason=f"Chromium is not installed ({browser.CHROMIUM}); "
    "CI installs it with apt-get install -y chromium",
)


def _payload_dataset(folder: Path) -> list[str]:
    """Chat records whose findings quote the payloads: the same script reply to many
    prompts (DP509 quotes it), an image-tag-only reply (DP703), payload keys (DP103),
    an exact duplicate (DP301) and an empty reply (DP115); a second file makes the
    per-file chart."""
    records: list[dict[str, Any]] = [
        {
            "messages": [
                {"role": "user", "content": f"question {i}: reset item {7 * i} [link]({JS})"},
                {"role": "assistant", "content": SCRIPT},
            ]
        }
        for i in range(8)
    ]
    records.append(records[0])
    records.append(
        {
            "messages": [
                {"role": "user", "content": "empty reply " + IMG},
                {"role": "assistant", "content": ""},
            ]
        }
    )
    records.append(
        {
            "messages": [
                {"role": "user", "content": "show me"},
                {"role": "assistant", "content": IMG[2:]},
            ]
        }
    )
    records.append(
        {
            "messages": [{"role": "user", "content": "k"}, {"role": "assistant", "content": "z"}],
            IMG: 1,
            JS: 2,
        }
    )
    a, b = folder / "data.jsonl", folder / "more.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    b.write_text("".join(json.dumps(r) + "\n" for r in records[:3]), encoding="utf-8")
    return [str(a), str(b)]


@pytest.fixture(scope="module")
def payload_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from dataprep import api

    folder = tmp_path_factory.mktemp("html-payload")
    result = api.lint(
        _payload_dataset(folder), task="generative", options={"DP509": {"min_records": 2}}
    ).to_dict()
    # the distributions the result will carry (summary.distributions), with payload names
    result["summary"]["distributions"] = {
        **_distributions(),
        "labels": {SCRIPT: 3, IMG: 2},
        "languages": {"counts": {"en": 9, JS: 1}, "records": 10, "basis": SCRIPT},
    }
    page = folder / "report.html"
    page.write_text(html_report.render(result), encoding="utf-8")
    return page, result


def test_payload_findings_come_from_the_real_lint(
    payload_report: tuple[Path, dict[str, Any]],
) -> None:
    """The fixture exercises what it claims: its findings quote the payloads whole."""
    _, result = payload_report
    codes = {f["code"] for f in result["findings"]}
    assert {"DP301", "DP115", "DP509", "DP703", "DP103"} <= codes
    messages = " ".join(f["message"] for f in result["findings"])
    assert SCRIPT in messages and IMG[2:] in messages and JS in messages


@needs_chromium
def test_browser_runs_no_payload_and_shows_the_report(
    payload_report: tuple[Path, dict[str, Any]],
) -> None:
    page, result = payload_report
    run = browser.dump_dom(page.as_uri())
    assert run.console == []
    dom = run.stdout
    title = re.search(r"<title>(.*?)</title>", dom)
    assert (
        title is not None
        and title.group(1).startswith("dataprep report")
        and "pwned" not in title.group(1)
    )
    assert "data-pwned" not in dom
    doc = parse(dom)
    body = next(a for t, a in doc.tags if t == "body")
    assert "data-pwned" not in body
    text = "".join(doc.text)
    for payload in (SCRIPT, IMG[2:], JS):
        assert payload in text, payload  # visible as text
    assert [t for t, _ in doc.tags].count("img") == 0
    assert not any(name == "href" for _, a in doc.tags for name in a)
    score = f"{result['score']['overall']:.1f}"
    assert f'data-score="{score}"' in dom and score in text
    counts = {
        c: sum(1 for t, a in doc.tags if t == "svg" and a.get("data-chart") == c) for c in CHARTS
    }
    assert counts == dict.fromkeys(CHARTS, 1)
    # the page's own script ran under the CSP: it reveals the filter controls
    controls = next(a for t, a in doc.tags if a.get("id") == "controls")
    assert "hidden" not in controls
    rules = len({f["code"] for f in result["findings"]})
    assert f"{rules} of {rules} rules" in text


@needs_chromium
def test_browser_filter_follows_the_link(payload_report: tuple[Path, dict[str, Any]]) -> None:
    """A shared link such as ``report.html#severity=error`` opens the page filtered: the
    filter script hides the other rules, and ``q=`` filters by text."""
    page, result = payload_report

    def visible(fragment: str) -> tuple[list[tuple[str, str]], str]:
        run = browser.dump_dom(page.as_uri() + fragment)
        assert run.console == []
        doc = parse(run.stdout)
        sections = [a for t, a in doc.tags if t == "section" and "rule" in (a.get("class") or "").split()]
        assert sections
        return [((a.get("id") or "").removeprefix("rule-"), a.get("data-severity") or "")
                for a in sections
                if "hidden" not in a], "".join(doc.text)

    rules = len({f["code"] for f in result["findings"]})
    shown, _ = visible("#severity=error")
    assert shown and {sev for _, sev in shown} == {"error"}
    errors = {f["code"] for f in result["findings"] if f["severity"] == "error"}
    assert len(shown) == len(errors) < rules
    shown, text = visible("#q=DP301")
    assert "DP301" in [code for code, _ in shown] and len(shown) < rules
    assert f"{len(shown)} of {rules} rules" in text
    shown, _ = visible("#severity=warning&q=%3Cscript")  # a payload in the link is only text
    assert all(sev == "warning" for _, sev in shown)


@needs_chromium
def test_browser_paints_light_and_dark(
    payload_report: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    page, _ = payload_report
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    run = browser.screenshot(page.as_uri(), light)
    assert run.console == []
    assert browser.png_colours(light) > 200  # text, gauge, tiles: not a blank page
    assert sum(browser.png_pixel(light, 4, 4)) > 600  # light background
    run = browser.screenshot(page.as_uri(), dark, dark=True)
    assert run.console == []
    assert browser.png_colours(dark) > 200
    assert sum(browser.png_pixel(dark, 4, 4)) < 150  # prefers-color-scheme: dark applied


def test_report_command_writes_the_page_and_exits_0(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dataprep.cli import cli

    data = tmp_path / "train.jsonl"
    row = '{"messages": [{"role": "user", "content": "Hi <b>there</b>"}, {"role": "assistant", "content": ""}]}\n'
    data.write_text(row * 3, encoding="utf-8")
    out = tmp_path / "report.html"
    runner = CliRunner()
    got = runner.invoke(cli, ["report", str(data), "-o", str(out), "--no-progress"])
    # findings (an empty reply, duplicates) would fail `lint`; the report command still exits 0
    assert got.exit_code == 0, got.output
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Content-Security-Policy" in page and "DP115" in page
    assert "<b>there</b>" not in page
    missing = runner.invoke(cli, ["report", str(data)])
    assert missing.exit_code == 2 and "--output" in missing.output
