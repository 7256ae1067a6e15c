"""Unit tests of the regex-literal analyser shared by the DP506 prefilter and the PII scanner.

Beyond the expected literals, every case checks the promise callers rely on: a text
without one of the literals has no match (a wrong literal would hide findings).
"""

from __future__ import annotations

import re

import pytest

from dataprep import packs, regexlits
from dataprep.regexlits import gate, leading_literals


@pytest.mark.parametrize(("regex", "flags", "steps", "lower"), [
    (r"\{\{\s*\w+\s*\}\}", 0, [("{",), ("{{",), ("}}",)], False),
    (r"\b[Aa]s an AI(?: model|,)", 0, [("s an AI",)], False),
    (r"<\s*no\s*input\s*>", re.IGNORECASE, [("<",), (">",)], True),
    (r"\bLorem ipsum\b", re.IGNORECASE, [("lorem ipsum",)], True),
    (r"(?:alpha|beta)-\d+", 0, [("alpha", "beta")], False),
    (r"\d+\s*%", 0, [("%",)], False),
    (r"[a-z]+\d", 0, [], False),
    (r"x(?i:Sorry)y", 0, [("xsorryy",)], True),  # a local (?i) group folds the whole gate
    ("作为(?:一个)?(?:AI|人工智能)语言模型", 0, [("语言模型",), ("作为",)], False),
    (r"(?:foo)?bar", 0, [("bar",)], False),  # an optional group requires nothing
    (r"(?:ab)+cd", 0, [("ab",), ("cd",)], False),  # a repeated group is required once
    (r"\bals (?:KI|Sprachmodell)", 0, [("als ",), ("KI", "Sprachmodell")], False),
    (r"\bfoo\d+x", 0, [("foo",)], False),  # one common character is no second test
])
def test_gate(regex: str, flags: int, steps: list[tuple[str, ...]], lower: bool) -> None:
    assert gate(re.compile(regex, flags)) == (steps, lower)


@pytest.mark.parametrize(("regex", "flags", "literals", "leading"), [
    (r"sk_live_[0-9a-zA-Z]{24}", 0, ("sk_live_",), True),
    (r"\bAKIA[0-9A-Z]{16}\b", 0, ("AKIA",), False),  # \b: contained, not known to start
    (r"(?:ghp|xoa)_[A-Za-z0-9]{36}", 0, ("ghp", "xoa"), True),
    (r"(?:ghp|gho)_\w+", 0, ("gh",), True),  # the parser factors the common prefix out
    (r"(?:ghp|x)_\w+", 0, None, False),  # one branch too short: no literal promise
    (r"(?:xox[bp])-\d+", 0, ("xox",), True),
    (r"[A-Z]{2}\d{2}", 0, None, False),
    (r"a\d", 0, None, False),  # one character is not worth a jump
    (r"sk-\w+", re.IGNORECASE, None, False),  # case-insensitive: no case-exact literal
    (r"(?i:sk)-\w+", 0, None, False),
    (r"(?=ab)abc", 0, ("abc",), False),
])
def test_leading_literals(regex: str, flags: int, literals: tuple[str, ...] | None,
                          leading: bool) -> None:
    assert leading_literals(re.compile(regex, flags)) == (literals, leading)


def test_broken_parser_shape_gives_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable tree costs the prefilter, never a wrong literal."""
    rx = re.compile(r"token-[a-z]{8}-unread")

    def boom(pattern: str, flags: int) -> None:
        raise RuntimeError("new parser shape")

    monkeypatch.setattr(regexlits._sre_parse, "parse", boom)
    regexlits._tree.cache_clear()
    gate.cache_clear()
    leading_literals.cache_clear()
    try:
        assert gate(rx) == ([], False)
        assert leading_literals(rx) == (None, False)
    finally:
        regexlits._tree.cache_clear()
        gate.cache_clear()
        leading_literals.cache_clear()


def test_one_parse_per_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    rx = re.compile(r"parsed-once-[0-9]+")
    calls: list[str] = []
    real = regexlits._sre_parse.parse

    def counting(pattern: str, flags: int) -> object:
        calls.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(regexlits._sre_parse, "parse", counting)
    gate(rx)
    leading_literals(rx)
    gate(rx)
    assert calls == [rx.pattern]


def _shipped() -> list[packs.Pattern]:
    return packs.load(["leftovers", "pii"], []).patterns


@pytest.mark.parametrize("pattern", _shipped(), ids=lambda p: p.id)
def test_literals_never_hide_a_match(pattern: packs.Pattern) -> None:
    """For every shipped pattern: a text the gate rules out has no match, and a match
    holds (or starts with) one of its leading literals."""
    samples = ["", "plain prose without anything", "{{ name }} and {user_name}",
               "As an AI language model, I cannot", "作为一个人工智能语言模型，我无法回答",
               "key sk_live_" + "a1B2" * 6, "mail ada@example.org", "<noinput>", "N/A"]
    steps, lower = gate(pattern.regex)
    lits, leading = leading_literals(pattern.regex)
    for text in samples:
        m = pattern.regex.search(text)
        if m is None:
            continue
        hay = text.casefold() if lower else text
        assert all(any(lit in hay for lit in step) for step in steps), (pattern.id, text)
        if lits:
            assert any(lit in m.group() for lit in lits), (pattern.id, text)
            if leading:
                assert m.group().startswith(lits), (pattern.id, text)
