"""The task-validity patterns of a run, grouped by what they recognise.

The phrases are data (``rules/packs/tasks.toml``, plus the user's ``pattern-packs``); each
pattern's group is the first segment of its id (``forward.the-following`` is in group
``forward``), and each group has one job in a rule (``GROUPS`` says which).  An id whose
group is unknown is a configuration error: a typo in a user pack must not silently
disable a pattern.

Each group is searched with the DP506 machinery (``hygiene.leftovers.Leftovers``): every
pattern is gated by literal strings its regex cannot match without, so most texts are
ruled out by a few ``in`` tests, and code, LaTeX and config snippets are blanked first.
"""

from __future__ import annotations

import re

from dataprep import packs
from dataprep.checks.hygiene.leftovers import Leftovers, prose
from dataprep.errors import ConfigError
from dataprep.regexlits import gate

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


class Finder:
    """One group's patterns, ready to search a text (cheap literal gates first)."""

    __slots__ = ("_search",)

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self._search = Leftovers(patterns)

    def __bool__(self) -> bool:
        return bool(self._search)

    def all(self, text: str) -> list[tuple[packs.Pattern, re.Match[str]]]:
        """The first match of each pattern, earliest first."""
        if not self._search or not text:
            return []
        found = self._search.find(text, "user")
        if len(found) > 1:
            found.sort(key=lambda pm: pm[1].start())
        return found

    def first(self, text: str) -> tuple[packs.Pattern, re.Match[str]] | None:
        found = self.all(text)
        return found[0] if found else None

    def any(self, text: str) -> bool:
        return bool(self._search) and bool(text) and bool(self._search.find(text, "user"))


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
    """Patterns whose every match counts (block headers), gated by their literals."""

    __slots__ = ("_gated",)

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self._gated = []
        for p in patterns:
            steps, lower = gate(p.regex)
            self._gated.append((p, [s for s in steps], lower))

    def __bool__(self) -> bool:
        return bool(self._gated)

    def matches(self, text: str) -> list[re.Match[str]]:
        """Every match of every pattern in ``text`` outside code and math, in text order."""
        out: list[re.Match[str]] = []
        folded: str | None = None
        searched: str | None = None
        for p, steps, lower in self._gated:
            if lower:
                if folded is None:
                    folded = text.casefold()
                hay = folded
            else:
                hay = text
            if not all(any(lit in hay for lit in step) for step in steps):
                continue
            if searched is None:
                searched = prose(text)
            out.extend(p.regex.finditer(searched))
        out.sort(key=lambda m: m.start())
        return out
