"""The task-validity patterns of a run, grouped by what they recognise.

The phrases are data (``rules/packs/tasks.toml``, plus the user's ``pattern-packs``); each
pattern's group is the first segment of its id (``forward.the-following`` is in group
``forward``), and each group has one job in a rule (``GROUPS`` says which).  An id whose
group is unknown is a configuration error: a typo in a user pack must not silently
disable a pattern.

Each group is searched through a ``Screen``: every literal a pattern's regex cannot match
without (``regexlits.requirements``: all of them, not only the best one) is tested
before the regex runs, and a literal the regex can only match as a whole word ("rate"
in ``\\b(?:rate|review)\\b``) is looked up in the set of the text's words, so that
"generate" does not let it through.  The regexes are the costly part (most start with
an alternation of imperative positions that the engine tries at every character), so
the screen's job is to run as few of them as possible; code, LaTeX and config snippets
are blanked only for a text that passes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from dataprep import packs
from dataprep.checks.hygiene.leftovers import prose, whole_text_width
from dataprep.errors import ConfigError
from dataprep.regexlits import RARE, fold, requirements, words

_WORD = re.compile(r"\w+")

PACK = "tasks"

#: group -> (rule, what its patterns recognise)
GROUPS: dict[str, tuple[str, str]] = {
    "forward": ("DP701", "a reference to material that should follow it: the following"),
    "back": ("DP701", "a reference to material that should be at hand: this passage"),
    "given": ("DP701", "a reference to given material, also how generic tasks talk"),
    "generic": ("DP701", "a generic task whose given input is a parameter (write a function)"),
    "missing": ("DP701", "material that is not there: a placeholder, a stub, a bare link"),
    "link-subject": ("DP701", "an instruction about a link itself, so a link is its material"),
    "declined": ("DP701", "a reply that declines or asks for the material (DP701 and DP702)"),
    "visual": ("DP702", "a request for an image, logo, chart or other visual artefact"),
    "audio": ("DP702", "a request for sound: music, a recording, singing"),
    "web": ("DP702", "a request to browse, search the web, open a link or watch a video"),
    "realtime": ("DP702", "a question about real-time facts (today's weather, current prices)"),
    "physical": ("DP702", "a request for a physical action (make coffee, call someone)"),
    "code": ("DP702", "a request for code or markup, text whatever it draws or fetches"),
    "fiction": ("DP702", "a made-up dialogue, where a real-time request states no fact"),
    "text-form": ("DP702", "a visual or audio request in a text form (SVG, ASCII, lyrics)"),
    "instruction-header": ("DP705", "the header of an instruction block: 8. Instruction:"),
    "output-header": ("DP705", "the header of an output block: 8. Output:"),
}
#: the DP702 request kinds, in the order a finding prefers them
KINDS = ("visual", "audio", "web", "realtime", "physical")
#: groups searched in the head of every instruction: one search serves them all
HEAD_GROUPS = ("forward", "back", "given", *KINDS)
RULES = ("DP701", "DP702", "DP705")


def group_of(pattern: packs.Pattern) -> str:
    return pattern.id.partition(".")[0]


def load(extra_files: list[str]) -> dict[str, list[packs.Pattern]]:
    """The built-in task pack and the user's packs, by group (unknown groups: an error)."""
    out: dict[str, list[packs.Pattern]] = {g: [] for g in GROUPS}
    for p in packs.load([PACK], extra_files).for_rule(RULES):
        group = group_of(p)
        if group not in GROUPS:
            raise ConfigError(f"pattern pack {p.source}, pattern {p.id}: unknown group "
                              f"{group!r} (the id's first part must be one of "
                              f"{', '.join(GROUPS)})")
        if GROUPS[group][0] != p.rule and group != "declined":
            raise ConfigError(f"pattern pack {p.source}, pattern {p.id}: group {group!r} "
                              f"belongs to {GROUPS[group][0]}, not {p.rule}")
        out[group].append(p)
    return out


class _Screened:
    """A pattern and the literal tests its regex needs: per factor, words of which one
    must be a word of the text and substrings of which one must be in it."""

    __slots__ = ("factors", "keys", "longest", "lower", "order", "pattern")

    def __init__(self, pattern: packs.Pattern, order: int) -> None:
        self.pattern = pattern
        self.order = order
        #: a ``\A...\Z`` pattern cannot match a text longer than this (None: any)
        self.longest = whole_text_width(pattern.regex)
        req = requirements(pattern.regex)
        self.lower = req is not None and req.lower
        #: per factor: (whole words, substrings) of which one must be in the text
        self.factors: list[tuple[frozenset[str], tuple[str, ...]]] = []
        #: per factor, what the index may look for instead: a whole phrase ("at the
        #: moment") by its longest word, since every word of it is a word of the text
        self.keys: list[tuple[frozenset[str], tuple[str, ...]]] = []
        for f in req.factors if req is not None else ():
            plain = frozenset(lit for lit, whole in f if whole and _WORD.fullmatch(lit))
            subs = tuple(sorted(lit for lit, whole in f if lit not in plain))
            self.factors.append((plain, subs))
            phrases = {max(_WORD.findall(lit), key=len) for lit, whole in f
                       if whole and lit not in plain}
            self.keys.append((plain | phrases,
                              tuple(sorted(lit for lit, whole in f if not whole))))

    def holds(self, hay: str, found: set[str] | None) -> bool:
        """Whether every factor holds in ``hay`` (whose words are ``found``, or None
        when a long text was not split into words)."""
        for whole, subs in self.factors:
            if whole:
                if found is not None:
                    if not whole.isdisjoint(found):
                        continue
                elif any(_has_word(hay, w) for w in whole):
                    continue
            for lit in subs:
                if lit in hay:
                    break
            else:
                return False
        return True


class Screen:
    """Patterns indexed by their most selective factor, so that one look at a text's
    words (a set intersection) and a few ``in`` tests name the patterns that can match;
    each of those is then held to all of its factors before its regex runs."""

    __slots__ = ("_always", "_by_word", "_entries", "_keys", "_lower", "_subs", "_subs_ascii")

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self._entries = [_Screened(p, i) for i, p in enumerate(patterns)]
        self._always: list[_Screened] = []
        #: (lower, word) -> patterns keyed on that whole word
        self._by_word: dict[tuple[bool, str], list[_Screened]] = {}
        by_sub: dict[tuple[bool, str], list[_Screened]] = {}
        self._lower = any(e.lower for e in self._entries)
        for e in self._entries:
            if not e.factors:
                self._always.append(e)
                continue
            whole, subs = max(e.keys, key=_selectivity)
            for w in whole:
                self._by_word.setdefault((e.lower, w), []).append(e)
            for s in subs:
                by_sub.setdefault((e.lower, s), []).append(e)
        self._keys = {lower: frozenset(w for low, w in self._by_word if low == lower)
                      for lower in (False, True)}
        #: (substring, test the folded text, patterns keyed on it); an ASCII text cannot
        #: hold the others (most of them CJK), so it skips them
        self._subs = [(lit, lower, es) for (lower, lit), es in by_sub.items()]
        self._subs_ascii = [t for t in self._subs if t[0].isascii()]

    def __bool__(self) -> bool:
        return bool(self._entries)

    def candidates(self, text: str) -> list[packs.Pattern]:
        """The patterns whose literals all hold in ``text``, in pack order."""
        folded = fold(text) if self._lower else text
        if folded is None:
            return [e.pattern for e in self._entries]  # folding is not exact: test all
        hays = {False: text, True: folded}
        found_words: dict[bool, set[str]] = {}
        picked: set[_Screened] = set(self._always)
        for lower in (False, True):
            keys = self._keys[lower]
            if not keys:
                continue
            hay = hays[lower]
            if len(hay) <= _CHARS_PER_KEY * len(keys):
                found = found_words[lower] = words(hay)
                hits: Iterable[str] = keys.intersection(found)
            else:  # a long text: a few ``in`` tests cost less than splitting it into words
                hits = [w for w in keys if w in hay]
            for w in hits:
                picked.update(self._by_word[(lower, w)])
        for lit, lower, entries in self._subs_ascii if text.isascii() else self._subs:
            if lit in (folded if lower else text):
                picked.update(entries)
        n = len(text)
        out = []
        for e in sorted(picked, key=_order):
            if e.longest is not None and n > e.longest:
                continue
            if e.holds(hays[e.lower], found_words.get(e.lower)):
                out.append(e.pattern)
        return out


#: a text up to this many characters per whole-word key is split into words (one set
#: intersection); a longer one is searched for each key (the two cost about the same)
_CHARS_PER_KEY = 25


def _has_word(hay: str, word: str) -> bool:
    """Whether ``word`` (word characters only) is a whole word of ``hay``: the same
    answer as ``word in words(hay)``, without splitting a long text."""
    n = len(word)
    i = hay.find(word)
    while i >= 0:
        j = i + n
        if ((i == 0 or not _is_word_char(hay[i - 1]))
                and (j == len(hay) or not _is_word_char(hay[j]))):
            return True
        i = hay.find(word, i + 1)
    return False


def _is_word_char(ch: str) -> bool:
    """What ``\\w`` matches in a ``str`` pattern."""
    return ch.isalnum() or ch == "_"


def _order(e: _Screened) -> int:
    return e.order


#: words found in most English instructions: a factor holding one rules out little, so
#: a pattern is not indexed by it (it is still tested)
_COMMON = frozenset((
    "a", "an", "the", "of", "to", "in", "on", "at", "by", "for", "from", "with", "and",
    "or", "as", "is", "are", "be", "it", "its", "my", "our", "your", "his", "her", "their",
    "me", "us", "you", "we", "i", "what", "which", "how", "one", "two", "some", "any",
    "all", "not", "no", "up", "out"))


#: single characters rare enough in prose to index a pattern by: brackets and symbols
_RARE = RARE | frozenset("()")


def _selectivity(factor: tuple[frozenset[str], tuple[str, ...]]) -> float:
    """How well a factor rules texts out, to pick the one a pattern is indexed by: a
    whole word is rarer than the same letters anywhere; a common word, a single letter
    or a set of many literals rules out little.  Testing many whole words costs no more
    than testing one (a set intersection), so the count weighs less than in ``gate``."""
    whole, subs = factor
    if not whole.isdisjoint(_COMMON):
        return 0.0
    rarity = min([len(w) + 3 for w in whole] + [len(s) for s in subs])
    if rarity <= 1:
        # single characters: only rare ones ("<", "[", a CJK bracket) rule much out
        return 2.5 if not whole and all(s in _RARE or not s.isascii() for s in subs) else 0.0
    return min(rarity, 12) / (len(whole) + len(subs)) ** 0.5


class Finder:
    """One group's patterns, ready to search a text (their literals tested first)."""

    __slots__ = ("_screen",)

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        # the patterns that apply to a user's text (a pack may give a pattern roles)
        self._screen = Screen([p for p in patterns if p.roles is None or "user" in p.roles])

    def __bool__(self) -> bool:
        return bool(self._screen)

    def _find(self, text: str, one: bool = False) -> list[tuple[packs.Pattern, re.Match[str]]]:
        """The first match of each pattern in pack order (``one``: stop at the first)."""
        out = []
        searched: str | None = None
        for p in self._screen.candidates(text):
            if searched is None:
                searched = prose(text)
            m = p.regex.search(searched)
            if m is not None:
                out.append((p, m))
                if one:
                    break
        return out

    def all(self, text: str) -> list[tuple[packs.Pattern, re.Match[str]]]:
        """The first match of each pattern, earliest first."""
        if not self._screen or not text:
            return []
        found = self._find(text)
        if len(found) > 1:
            found.sort(key=lambda pm: pm[1].start())
        return found

    def first(self, text: str) -> tuple[packs.Pattern, re.Match[str]] | None:
        found = self.all(text)
        return found[0] if found else None

    def any(self, text: str) -> bool:
        return bool(self._screen) and bool(text) and bool(self._find(text, one=True))


class HeadIndex:
    """The head groups' patterns in one search: each instruction head is searched once
    (one pass over the literal gates) and the matches are split by group."""

    __slots__ = ("_finder", "_last")

    def __init__(self, groups: dict[str, list[packs.Pattern]],
                 kinds: tuple[str, ...] | list[str] = KINDS) -> None:
        wanted = [g for g in HEAD_GROUPS if g not in KINDS or g in kinds]
        self._finder = Finder([p for g in wanted for p in groups[g]])
        self._last: tuple[str, dict[str, list[tuple[packs.Pattern, re.Match[str]]]]] | None = None

    def by_group(self, text: str) -> dict[str, list[tuple[packs.Pattern, re.Match[str]]]]:
        """Matches in ``text`` by group, earliest first (the last text's are kept)."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        out: dict[str, list[tuple[packs.Pattern, re.Match[str]]]] = {}
        for pm in self._finder.all(text):
            out.setdefault(group_of(pm[0]), []).append(pm)
        self._last = (text, out)
        return out


class Counter:
    """Patterns whose every match counts (block headers), screened by their literals."""

    __slots__ = ("_screen",)

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self._screen = Screen(patterns)

    def __bool__(self) -> bool:
        return bool(self._screen)

    def matches(self, text: str) -> list[re.Match[str]]:
        """Every match of every pattern in ``text`` outside code and math, in text order."""
        out: list[re.Match[str]] = []
        searched: str | None = None
        for p in self._screen.candidates(text):
            if searched is None:
                searched = prose(text)
            out.extend(p.regex.finditer(searched))
        out.sort(key=lambda m: m.start())
        return out
