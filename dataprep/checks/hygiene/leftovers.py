"""DP506: template leftovers, placeholders and refusal boilerplate, from pattern packs.

The patterns are data (``rules/packs/leftovers.toml`` and user packs); this module only
decides where they may match and how to skip texts cheaply.  Each pattern is gated by
literal strings its regex cannot match without (``dataprep.regexlits.gate``), and the
patterns of one role are grouped by their first literal, so a text is searched once per
distinct literal rather than once per pattern.  Only a text that passes a gate is
prepared for the regex: code, math and config snippets are blanked first, because braces
and brackets there are notation, not unfilled slots.
"""

from __future__ import annotations

import re

from dataprep import packs
from dataprep.checks.base import Rule
from dataprep.regexlits import gate

#: the built-in packs DP506 reads (``rules/packs/<name>.toml``)
PACKS = ("leftovers", "refusals")

class TemplateLeftover(Rule):
    """Unfilled template slots, placeholders, or refusal/boilerplate phrases in the text.

    ``{{name}}``, ``<noinput>``, an Alpaca input of "N/A", "[INSERT ...]", "Lorem ipsum"
    and "TODO" are leftovers of the tooling that produced the data; "As an AI language
    model" and "I'm sorry, but I cannot" in replies teach the model to refuse or hedge
    where it should answer. A whole reply that only stands in for an answer
    (``<nooutput>``, "No output", "N/A", "NA", "None", "null", "TBD", "...",
    "[INSERT ANSWER HERE]") is a leftover too: this rule owns placeholders, whole or in
    part (pattern ``placeholder.whole-reply``). Refusals and AI disclaimers are recognised in English,
    Chinese, Japanese, Korean, Spanish, French, German, Portuguese and Russian
    ("作为一个人工智能语言模型", "Lo siento, pero no puedo", ...), in assistant replies
    only. Patterns come from the ``leftovers`` pack in ``rules/packs`` and from the packs
    listed in ``pattern-packs`` (``rule = "DP506"``); each finding names the pattern id.

    Notation is not a leftover: code blocks and inline code, LaTeX (``$...$``,
    ``$$...$$``, ``\\(...\\)``, ``\\[...\\]``), unfenced config or code snippets (three or
    more ``key: value``-like lines, one of them indented, such as a GitHub Actions
    workflow with ``${{ github.repository }}``), sequence notation (``{x_n}``) and stage
    directions ("[Enter FATHER and MOTHER]") are not searched or not matched.

    Examples:
    pass: {"instruction": "Greet the user by name.", "input": "Ada", "output": "Hello, Ada!"}
    pass: {"messages": [{"role": "user", "content": "Is {x_n} bounded?"}, {"role": "assistant", "content": "Yes: every term of {x_n} lies in [0, 1], so $|x_n| < 2$."}]}
    fail: {"instruction": "Greet the user by name.", "input": "<noinput>", "output": "Hello, {{name}}!"}
    fail: {"messages": [{"role": "user", "content": "Tell me a joke"}, {"role": "assistant", "content": "As an AI language model, I do not tell jokes."}]}
    fail: {"messages": [{"role": "user", "content": "How long does a refund take?"}, {"role": "assistant", "content": "<nooutput>"}]}
    fail: {"messages": [{"role": "user", "content": "讲个笑话"}, {"role": "assistant", "content": "作为一个人工智能语言模型，我无法讲笑话。"}]}
    """

    code = "DP506"
    name = "text.template-leftover"
    severity = "warning"


class Gated:
    """A pack pattern with the cheap tests that must pass before its regex runs."""

    __slots__ = ("longest", "pattern", "roles", "steps")

    def __init__(self, pattern: packs.Pattern) -> None:
        self.pattern = pattern
        self.roles = pattern.roles
        #: for a pattern anchored to the whole text (``\A...\Z``, such as a whole-reply
        #: placeholder), the longest text it can match: longer texts skip it by length
        self.longest = whole_text_width(pattern.regex)
        steps, lower = gate(pattern.regex)
        #: each step: (literals of which one must be in the text, test the lowered text)
        self.steps = [(step, lower and any(c.isalpha() for lit in step for c in lit))
                      for step in steps]

    def passes(self, text: str, lowered: list[str]) -> bool:
        """Whether every step after the first holds (``lowered`` caches the folded text)."""
        for step, on_lowered in self.steps[1:]:
            if on_lowered:
                if not lowered:
                    lowered.append(text.casefold())
                hay = lowered[0]
            else:
                hay = text
            if not any(lit in hay for lit in step):
                return False
        return True


class Plan:
    """The patterns of one role, grouped by the first literal their gate tests.

    Each distinct first literal is looked for once per text; only the patterns behind a
    literal that is present go further.  Patterns without a gate always do.
    """

    __slots__ = ("always", "ascii_groups", "groups", "order", "whole", "whole_max")

    def __init__(self, gated: list[Gated]) -> None:
        by_lit: dict[tuple[str, bool], list[Gated]] = {}
        self.always: list[Gated] = []
        #: whole-text patterns: tried only on texts no longer than they can match
        self.whole = [g for g in gated if g.longest is not None]
        self.whole_max = max((g.longest or 0 for g in self.whole), default=-1)
        self.order = {id(g): i for i, g in enumerate(gated)}
        for g in gated:
            if g.longest is not None:
                continue
            if not g.steps:
                self.always.append(g)
                continue
            step, low = g.steps[0]
            for lit in step:
                by_lit.setdefault((lit, low), []).append(g)
        # case-sensitive literals first: the lowered text is made only when needed
        self.groups = sorted(((lit, low, gs) for (lit, low), gs in by_lit.items()),
                             key=lambda t: t[1])
        #: an ASCII text cannot hold a CJK or Cyrillic literal: most texts skip those
        self.ascii_groups = [g for g in self.groups if g[0].isascii()]

    def candidates(self, text: str) -> list[Gated]:
        found: list[Gated] | None = None
        lowered: str | None = None
        if len(text) <= self.whole_max:
            found = [*self.always, *(g for g in self.whole if len(text) <= (g.longest or 0))]
        for lit, low, gs in self.ascii_groups if text.isascii() else self.groups:
            if low:
                if lowered is None:
                    lowered = text.casefold()
                if lit not in lowered:
                    continue
            elif lit not in text:
                continue
            if found is None:
                found = list(self.always)
            found.extend(g for g in gs if g not in found)
        if found is None:
            return self.always
        found.sort(key=lambda g: self.order[id(g)])
        return found


def whole_text_width(rx: re.Pattern[str]) -> int | None:
    """The longest text a ``\\A...\\Z`` pattern matches, or None (not anchored to the
    whole text, or unbounded)."""
    src = rx.pattern
    if not (src.startswith("\\A") and src.endswith("\\Z")):
        return None
    try:
        try:
            from re import _parser as parser  # type: ignore[attr-defined]
        except ImportError:  # Python 3.10
            import sre_parse as parser
        width = parser.parse(src, rx.flags).getwidth()[1]
    except Exception:  # noqa: BLE001 - an unknown parser shape only costs speed
        return None
    return width if width < 10_000 else None


class Leftovers:
    """The DP506 patterns of a run, ready to search one text of a given role."""

    __slots__ = ("_gated", "_plans")

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self._gated = [Gated(p) for p in patterns]
        self._plans: dict[str, Plan] = {}

    def __bool__(self) -> bool:
        return bool(self._gated)

    def find(self, text: str, key: str) -> list[tuple[packs.Pattern, re.Match[str]]]:
        """The first match of each pattern that applies to ``key`` (a role, or ``input``
        for an Alpaca input), outside code, math and config snippets."""
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = Plan([
                g for g in self._gated if g.roles is None or key in g.roles
                or (key == "input" and "user" in g.roles)])
        candidates = plan.candidates(text)
        if not candidates:
            return []
        out = []
        searched: str | None = None
        lowered: list[str] = []
        for g in candidates:
            if not g.passes(text, lowered):
                continue
            if searched is None:
                searched = prose(text)
            m = g.pattern.regex.search(searched)
            if m is not None:
                out.append((g.pattern, m))
        return out


# ------------------------------------------------------------------ what is not prose

_CODE_SPANS = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.DOTALL)
#: display and inline LaTeX; an inline ``$`` span may not start with a digit or a space,
#: so two prices on one line ("$5 and $10") are not taken for math
_MATH_SPANS = re.compile(
    r"\$\$.{1,3000}?\$\$|\\\[.{1,3000}?\\\]|\\\(.{1,1000}?\\\)"
    r"|\$(?![\s\d$])[^$\n]{1,300}?(?<![\s\\])\$",
    re.DOTALL)
#: a line of a config file or program: ``key: value``, ``- key: value``, ``# key: ...``,
#: ``key = value``, a line ending in ``;``, ``{`` or ``}``, or a markup tag
_CODE_LINE = re.compile(
    r"[ \t]*(?:(?:-[ \t]+|#[ \t]*)?[\w.\-\\\"'/$]+:(?:[ \t]|$)"
    r"|[\w.\-]+[ \t]*=[ \t]*\S"
    r"|<[/!]?[A-Za-z]"
    r"|.*[;{}][ \t]*$)")
#: lines a snippet needs before it is blanked (fewer is a sentence with a colon)
_SNIPPET_LINES = 3


def prose(text: str) -> str:
    """The text with code, LaTeX and unfenced config snippets blanked (same length and
    lines)."""
    out = text
    if "`" in out:
        out = _CODE_SPANS.sub(_blank, out)
    if "$" in out or "\\" in out:
        out = _MATH_SPANS.sub(_blank, out)
    if out.count("\n") >= _SNIPPET_LINES - 1:
        out = _blank_snippets(out)
    return out


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(m: re.Match[str]) -> str:
    """Spaces for a span, newlines kept so that line-based tests still see lines."""
    return _NOT_NEWLINE.sub(" ", m.group())


def _blank_snippets(text: str) -> str:
    """Blank runs of ``_SNIPPET_LINES`` or more code-like lines, one of them indented.

    Blank lines neither break nor extend a run.  The indentation test keeps a form in
    prose ("Name: {{name}}" / "Date: {{date}}" / ...) searchable: configs nest, forms
    rarely do.
    """
    spans: list[tuple[int, int]] = []
    start = end = -1
    count = 0
    indented = False
    pos = 0
    for line in text.split("\n"):
        nxt = pos + len(line) + 1
        if not line.strip():
            pos = nxt
            continue
        if _CODE_LINE.match(line):
            if count == 0:
                start = pos
                indented = False
            count += 1
            end = pos + len(line)
            indented = indented or line[0] in " \t"
        else:
            if count >= _SNIPPET_LINES and indented:
                spans.append((start, end))
            count = 0
        pos = nxt
    if count >= _SNIPPET_LINES and indented:
        spans.append((start, end))
    if not spans:
        return text
    parts = []
    last = 0
    for a, b in spans:
        parts.append(text[last:a])
        parts.append(_NOT_NEWLINE.sub(" ", text[a:b]))
        last = b
    parts.append(text[last:])
    return "".join(parts)
