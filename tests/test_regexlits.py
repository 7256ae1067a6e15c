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


# ------------------------------------------------------------------ requirements


def _holds(req: regexlits.Requirements | None, text: str) -> bool:
    """What a screen concludes from ``requirements``: every factor has an atom in the
    text (a whole-word atom among its words)."""
    if req is None:
        return True
    hay = regexlits.fold(text) if req.lower else text
    if hay is None:
        return True
    found = regexlits.words(hay)
    return all(any(lit in hay and (not whole or all(w in found for w in re.findall(r"\w+", lit)))
                   for lit, whole in f)
               for f in req.factors)


def _factors(regex: str, flags: int = 0) -> set[frozenset[tuple[str, bool]]]:
    req = regexlits.requirements(re.compile(regex, flags))
    return set(req.factors) if req is not None else set()


W, S = True, False  # a whole-word atom, a substring atom


@pytest.mark.parametrize(("regex", "flags", "factors"), [
    # the DP702 verb lists: "rate" must be a word of its own, not the end of "generate"
    (r"\b(?:make|rate)\b", 0, {frozenset({("make", W), ("rate", W)})}),
    # imperative positions before the verb: text start, after punctuation, after "please"
    (r"(?:\A\s*|(?<=[.!?;\n])\s*|\bplease\s+)draw\b", re.IGNORECASE, {frozenset({("draw", W)})}),
    # a word character may come before it: a substring only
    (r"(?:\A|x)draw\b", 0, {frozenset({("draw", S)})}),
    (r"\w+draw\b", 0, {frozenset({("draw", S)})}),
    (r"\bfoo\B", 0, {frozenset({("foo", S)})}),
    # an optional group requires nothing and may continue the word
    (r"\bfoo(?:bar)?x", 0, {frozenset({("foo", S)}), frozenset({("x", S)})}),
    # an optional ending before a boundary: either word
    (r"\bfoo(?:bar)?\b", 0, {frozenset({("foo", W), ("foobar", W)})}),
    (r"\b(?:photo|chart)s?\b", 0,
     {frozenset({("photo", W), ("photos", W), ("chart", W), ("charts", W)})}),
    (r"\bfoo(?:\s+bar)?\b", 0, {frozenset({("foo", W)})}),
    # a character class: word characters continue the word, punctuation ends it; a
    # small class of plain characters is a factor of its own, a large one or a range not
    (r"\bcat[sz]\b", 0, {frozenset({("cat", S)}), frozenset({("s", S), ("z", S)})}),
    (r"\bcat[.!]", 0, {frozenset({("cat", W)}), frozenset({(".", S), ("!", S)})}),
    (r"\bcat[a-z]", 0, {frozenset({("cat", S)})}),
    (r"\bcat[abcdefghij]", 0, {frozenset({("cat", S)})}),
    (r"[Ab]-\d", re.IGNORECASE, {frozenset({("a", S), ("b", S)}), frozenset({("-", S)})}),
    (r"x[Éé]", re.IGNORECASE, {frozenset({("x", S)})}),  # a non-ASCII cased letter
    # all conjunctive parts, and an alternation gives one factor per pair of branch factors
    (r"\bab\s+cd\b|\bef\s+gh\b", 0, {frozenset({("ab", W), ("ef", W)}),
                                     frozenset({("ab", W), ("gh", W)}),
                                     frozenset({("cd", W), ("ef", W)}),
                                     frozenset({("cd", W), ("gh", W)})}),
    # a prefix the parser moves out of the alternation is put back
    (r"\b(?:set|start)\b", 0, {frozenset({("set", W), ("start", W)})}),
    # a branch without a literal makes the whole alternation require nothing
    (r"\b(?:ab|\d+)\s+cd\b", 0, {frozenset({("cd", W)})}),
    # a positive lookahead's literals are required, a negative one's are not
    (r"\blook\s+up\b(?=\s+online\b)(?!\s+shop)", 0,
     {frozenset({("look", W)}), frozenset({("up", W)}), frozenset({("online", W)})}),
    # case-insensitive: folded literals; a local (?i) group folds the whole pattern
    (r"\bDraw\b", re.IGNORECASE, {frozenset({("draw", W)})}),
    (r"x(?i:Sorry)y", 0, {frozenset({("xsorryy", S)})}),
    # a non-ASCII cased letter in a case-insensitive pattern is not testable
    (r"\bstraße\b", re.IGNORECASE, {frozenset({("stra", S)}), frozenset({("e", S)})}),
    # CJK characters are word characters: no boundary inside a run of them
    ("作为(?:一个)?(?:AI|人工智能)语言模型", 0,
     {frozenset({("作为", S)}), frozenset({("AI", S), ("人工智能", S)}), frozenset({("语言模型", S)})}),
    (r"^[ \t]*(?:instruction|指令)[ \t]*[:：]", re.IGNORECASE | re.MULTILINE,
     {frozenset({("instruction", W), ("指令", W)}), frozenset({(":", S), ("：", S)})}),
    (r"[a-z]+\d", 0, set()),
])
def test_requirements(regex: str, flags: int, factors: set[frozenset[tuple[str, bool]]]) -> None:
    assert _factors(regex, flags) == factors


@pytest.mark.parametrize(("regex", "flags", "text", "matches"), [
    (r"\b(?:make|rate)\b", 0, "Generate a string.", False),
    (r"\b(?:make|rate)\b", 0, "Rate it: make it so", True),
    (r"(?:\A\s*|(?<=[.!?;\n])\s*|\bplease\s+)draw\b", re.IGNORECASE, "Fine.Draw a cat", True),
    (r"\bthis\b", re.IGNORECASE, "THıS one", True),  # dotless i matches "i" in the engine
    (r"\bistanbul\b", re.IGNORECASE, "İSTANBUL", True),  # so does a dotted capital I
    (r"\bstraße\b", re.IGNORECASE, "STRAẞE", True),  # folds to "strasse": nothing ruled out
    (r"\bkelvin\b", re.IGNORECASE, "\u212aELVIN", True),  # the Kelvin sign folds to "k"
    (r"\bfoo\b", 0, "foo\u0345", True),  # a combining mark stays a non-word character
    (r"\bfoo\b", re.IGNORECASE, "FOO\u0345", True),
    ("作为(?:一个)?(?:AI|人工智能)语言模型", 0, "作为一个人工智能语言模型，我", True),
])
def test_requirements_hold_where_the_regex_matches(regex: str, flags: int, text: str,
                                                   matches: bool) -> None:
    rx = re.compile(regex, flags)
    assert (rx.search(text) is not None) == matches
    if matches:
        assert _holds(regexlits.requirements(rx), text)
    else:
        assert not _holds(regexlits.requirements(rx), text)


def test_fold_agrees_with_the_regex_engine_on_every_character() -> None:
    """A character the engine matches to an ASCII letter case-insensitively folds to that
    letter, and folding never turns a word character into a non-word one or back."""
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for ch in set(re.findall(r"(?i)[a-z]", chars)):
        f = regexlits.fold(ch)
        assert f is not None and re.fullmatch("(?i)" + f, ch), hex(ord(ch))
    word = re.compile(r"\w")
    for ch in chars:
        f = regexlits.fold(ch)
        if f is not None:
            assert len(f) == 1 and bool(word.match(f)) == bool(word.match(ch)), hex(ord(ch))


def _task_patterns() -> list[packs.Pattern]:
    return packs.load(["tasks", "leftovers"], []).patterns


#: words and separators the shipped task patterns are made of, for generated texts
_PIECES = ("draw", "generate", "rate", "a", "the", "this", "these", "following", "logo",
           "image", "please", "can you", "search", "web", "weather", "today", "call", "my",
           "mom", "record", "audio", "make", "me", "coffee", "current", "price", "news",
           "write", "code", "instruction", "output", "below", "given", "passage", "Draw",
           "THE", "İ", "ı", "ß", "以下", "文章", "画", "海报", "请", "帮我", "今天", "天气")
_SEPS = (" ", " ", " ", ".", ". ", "\n", ", ", ":", "", "-", "'s ", "?")


def _texts(n: int, seed: int) -> list[str]:
    import random

    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 9)):
            parts.append(rnd.choice(_PIECES))
            parts.append(rnd.choice(_SEPS))
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("pattern", _task_patterns(), ids=lambda p: p.id)
def test_requirements_never_hide_a_match(pattern: packs.Pattern) -> None:
    """For every shipped pattern: on generated texts (and its rule's fixture texts), a
    text the requirements rule out has no match."""
    req = regexlits.requirements(pattern.regex)
    matched = 0
    for text in _texts(3000, 11):
        if pattern.regex.search(text) is not None:
            matched += 1
            assert _holds(req, text), (pattern.id, text)
    assert req is None or matched == 0 or req.factors


def test_screen_finds_what_running_every_regex_finds() -> None:
    """The task groups' screen is only a shortcut: the same patterns match as when every
    regex runs on every text."""
    from dataprep.checks.hygiene.leftovers import prose
    from dataprep.checks.task.patterns import Screen

    pats = packs.load(["tasks"], []).patterns
    screen = Screen(pats)
    texts = [*_texts(4000, 5), "Design a minimalistic logo for a travel site.",
             "What is the weather in Paris today?", "帮我画一张关于环保的海报。",
             "Summarize the following article.", "Generate a list of five string instruments."]
    hits = 0
    for text in texts:
        want = [p.id for p in pats if p.regex.search(prose(text))]
        got = [p.id for p in screen.candidates(text) if p.regex.search(prose(text))]
        assert got == want, text
        hits += bool(want)
    assert hits > 100  # the generated texts do reach the patterns


def test_whole_word_search_agrees_with_the_word_set() -> None:
    """A long text is searched for each whole word instead of being split into words:
    the answers must be the same, with ``\\w`` as the regex engine reads it."""
    from dataprep.checks.task.patterns import _has_word, _is_word_char

    word = re.compile(r"\w")
    for cp in range(0x110000):
        if not 0xD800 <= cp < 0xE000:
            ch = chr(cp)
            assert _is_word_char(ch) == bool(word.match(ch)), hex(cp)
    for text in _texts(500, 3):
        hay = regexlits.fold(text) or text
        found = regexlits.words(hay)
        for w in ("draw", "the", "a", "these", "画", "today", "s", "i", "ss"):
            assert _has_word(hay, w) == (w in found), (w, text)


def test_screen_on_long_texts_finds_what_every_regex_finds() -> None:
    """Past a length the screen looks for each key word instead of splitting the text
    into words; the matches stay those of running every regex, group by group."""
    from dataprep.checks.hygiene.leftovers import prose
    from dataprep.checks.task.patterns import Screen, load

    groups = load([])
    texts = ["\n\n".join(_texts(60, seed)) for seed in range(40)]
    texts += [t + " " + "x" * 3000 for t in _texts(40, 9)]
    for group, pats in groups.items():
        screen = Screen(pats)
        for text in texts:
            want = [p.id for p in pats if p.regex.search(prose(text))]
            got = [p.id for p in screen.candidates(text) if p.regex.search(prose(text))]
            assert got == want, (group, text[:80])
