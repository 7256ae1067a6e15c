"""Scanning: find validated matches of many patterns in a text, cheaply.

Why this is not one ``finditer`` per pattern: a Python regex that cannot start with a
literal tests every position of the text (about 5 ns a character, 20-40 µs for a 4 KB
record), even ``"AIza" in text`` costs 1-2 µs on 4 KB, and there are two dozen patterns
while the budget for all of them is a few tens of µs.  So the built-in patterns are
searched only near the anchor their kind declares (``anchor`` in ``rules/packs/pii.toml``):

- ``at``: windows around each ``@``;
- ``digits``: windows around runs of at least 7 digits and number separators, found on a
  class-mapped byte view of the text (``bytes.translate``, then a regex that starts with
  a literal), and only when the text has a digit at all; the kind says how many digits a
  run needs, whether it holds a dot, and how far around it a match may reach;
- ``key-run``: windows around runs of 16 or more key characters (letters, digits,
  ``_-+/=``) holding a digit or a capital, found with one ``bytes.find`` on the same kind
  of view; prose has no such runs, and every built-in key is one.

User patterns are searched only when one of their required literals (``EMP-``, or one per
alternative, from :func:`dataprep.regexlits.leading_literals`) is in the text, else over
the whole text: the anchors are a promise the built-in pack keeps, not one a user made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from dataprep.packs import Pattern
from dataprep.pii.kinds import Kind, kind_of, resolve
from dataprep.pii.validators import VALIDATORS, Validator
from dataprep.regexlits import leading_literals


class Hit(NamedTuple):
    """One validated match: the pattern, its kind, the span and text of its value, and
    why it looks like a placeholder (None: it looks real)."""

    pattern: Pattern
    kind: Kind
    start: int
    end: int
    value: str
    placeholder: str | None


# Cheap views of a text: ``text.encode("ascii", "replace")`` has one byte per character
# (so offsets stay valid), and ``bytes.translate`` maps it to character classes in one C
# loop; searching the class bytes with a regex that starts with a literal is then a
# memchr-style jump instead of a test at every position.
_NUM_MAP = bytes(ord("d") if chr(i).isdigit() and i < 128 else ord("s") if chr(i) in " ().+/-"
                 else ord("x") for i in range(256))
#: a run of at least 7 digits and number separators: every built-in numeric match has one
_NUM_RUN = re.compile(rb"d[ds]{5,}d")
_KEY_MAP = bytes(ord("k") if (chr(i).isalnum() or chr(i) in "_-+/=") and i < 128 else ord(" ")
                 for i in range(256))
#: 16 key characters in a row: every built-in key or key block has such a run
KEY_RUN = 16
_DIGITS = "0123456789"
#: how far around a key run a match may reach (the ``hooks.slack.com/services/...`` path
#: before a webhook secret, a key block's header)
_BEFORE, _AFTER = 64, 72
#: more ``@`` signs than this and windows stop paying off
_MAX_ANCHORS = 200
#: class views of dates (2024-05-12, 12/05/2024, 12.05.2024): no phone, card or IBAN
_DATE_SHAPES = frozenset({b"ddddsddsdd", b"ddsddsdddd", b"dsdsdddd", b"ddsdsdddd", b"dsddsdddd"})
_ANY_DIGIT = re.compile(r"[0-9]").search

_BY_AT, _BY_DIGITS, _BY_KEYS, _BY_LITERAL, _WHOLE = range(5)
_STRATEGIES = {"at": _BY_AT, "digits": _BY_DIGITS, "key-run": _BY_KEYS}


class _Compiled(NamedTuple):
    pattern: Pattern
    kind: Kind
    strategy: int
    literals: tuple[str, ...]
    bounded: bool  # starts with a literal: a match must not start inside a word
    validator: Validator | None
    group: int | str  # the value's group (0: the whole match)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def has_digit(text: str) -> bool:
    """Whether ``text`` holds an ASCII digit (ten substring tests beat a regex scan)."""
    for d in _DIGITS:
        if d in text:
            return True
    return False


def _numeric_runs(text: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, digits, has a dot) of each run of 7+ digits and number separators."""
    if not has_digit(text):
        return []
    view = text.encode("ascii", "replace").translate(_NUM_MAP)
    out = []
    for m in _NUM_RUN.finditer(view):
        a, b = m.span()
        has_dot = text.find(".", a, b) >= 0
        if m.group() in _DATE_SHAPES and not (has_dot and text.count(".", a, b) == 3):
            continue
        out.append((a, b, view.count(b"d", a, b), has_dot))
    return out


def _numeric_windows(runs: list[tuple[int, int, int, bool]], kind: Kind,
                     n: int) -> list[tuple[int, int]]:
    """Windows around the runs that can hold a match of ``kind``."""
    before, after = kind.window
    return _merge([(max(0, a - before), min(n, b + after)) for a, b, d, has_dot in runs
                   if d >= kind.digits and (has_dot or not kind.dotted)])


def key_runs(text: str, minimum: int = KEY_RUN) -> list[tuple[int, int]]:
    """Spans of the runs of ``minimum`` or more key characters (letters, digits, ``_-+/=``)."""
    view = text.encode("ascii", "replace").translate(_KEY_MAP)
    needle = b"k" * minimum
    out = []
    i = view.find(needle)
    while i >= 0:
        j = view.find(b" ", i)
        if j < 0:
            j = len(view)
        out.append((i, j))
        i = view.find(needle, j)
    return out


def keylike(run: str) -> bool:
    """Whether a run of key characters could be a key: it holds a digit or a capital.

    Long lower-case runs are words, identifiers and file names; every built-in key mixes
    in digits or capitals (16 random base-62 characters have neither about once in a
    million).
    """
    return not run.islower() or bool(_ANY_DIGIT(run))


def has_key_run(text: str) -> bool:
    """Whether ``text`` has 16 key characters in a row."""
    return b"k" * KEY_RUN in text.encode("ascii", "replace").translate(_KEY_MAP)


def _key_windows(text: str) -> list[tuple[int, int]]:
    """Windows around the key-like runs of 16+ key characters."""
    n = len(text)
    return _merge([(max(0, i - _BEFORE), min(n, j + _AFTER)) for i, j in key_runs(text)
                   if keylike(text[i:j])])


def _at_windows(text: str) -> list[tuple[int, int]] | None:
    """Windows around each ``@`` (None: too many, scan the whole text)."""
    spans: list[tuple[int, int]] = []
    i = text.find("@")
    n = len(text)
    while i >= 0:
        if len(spans) >= _MAX_ANCHORS:
            return None
        spans.append((max(0, i - 65), min(n, i + 256)))
        i = text.find("@", i + 1)
    return _merge(spans)


def _holds(text: str, literals: tuple[str, ...]) -> bool:
    for lit in literals:
        if lit in text:
            return True
    return False


def _is_builtin(p: Pattern) -> bool:
    return p.source.endswith("(built in)")


class Scanner:
    """Finds validated matches of a list of patterns in texts, cheaply.

    ``strict`` (the rules): validators apply to every pattern and a provider key must not
    start inside a word.  Not strict (redaction): secrets are masked whether or not they
    pass their validator (a placeholder key masked in a message costs nothing) and word
    boundaries are ignored (``\\nsk-...`` in JSON-escaped text is still a key).
    """

    def __init__(self, patterns: Sequence[Pattern], *, strict: bool = True) -> None:
        resolved = resolve(patterns)
        ranked = sorted(enumerate(resolved), key=lambda ip: (kind_of(ip[1]).rank, ip[0]))
        self.strict = strict
        self._compiled: list[_Compiled] = []
        for _, p in ranked:
            kind = kind_of(p)
            lits, leading = leading_literals(p.regex)
            if kind.anchor is not None and _is_builtin(p):
                strategy = _STRATEGIES[kind.anchor]
            elif lits:
                strategy = _BY_LITERAL
            else:
                strategy = _WHOLE
            validator = VALIDATORS[p.check] if p.check else None
            if p.secret and not strict:
                validator = None
            gi = p.regex.groupindex
            group: int | str = "secret" if "secret" in gi else "value" if "value" in gi else 0
            self._compiled.append(_Compiled(p, kind, strategy, lits or (), leading and strict,
                                            validator, group))
        strategies = {c.strategy for c in self._compiled}
        self._need_at = _BY_AT in strategies
        self._need_digit = _BY_DIGITS in strategies
        self._need_keyrun = _BY_KEYS in strategies
        self._need_full = _WHOLE in strategies
        needed = {lit for c in self._compiled if c.strategy == _BY_LITERAL for lit in c.literals}
        # a literal that contains another is implied by it
        self._literals = tuple(sorted(x for x in needed
                                      if not any(y != x and y in x for y in needed)))

    @property
    def patterns(self) -> list[Pattern]:
        """The resolved patterns, in claim order."""
        return [c.pattern for c in self._compiled]

    def prefilter(self, text: str) -> bool:
        """Whether any pattern could match somewhere in ``text`` (a few C-speed passes)."""
        if self._need_full:
            return True
        if self._need_at and "@" in text:
            return True
        if self._need_digit and has_digit(text):
            return True
        for lit in self._literals:
            if lit in text:
                return True
        return self._need_keyrun and has_key_run(text)

    def scan(self, text: str, role: str | None = None) -> list[Hit]:
        """Validated, non-overlapping hits in ``text``, by start (higher kind wins a span)."""
        n = len(text)
        at: list[tuple[int, int]] | None = (_at_windows(text) if self._need_at and "@" in text
                                             else [])
        runs = _numeric_runs(text) if self._need_digit else []
        keys = _key_windows(text) if self._need_keyrun else []
        if at == [] and not runs and not keys and not self._literals and not self._need_full:
            return []  # the common case: nothing any built-in pattern could match
        hits: list[Hit] = []
        claimed: list[tuple[int, int]] = []
        numeric: dict[str, list[tuple[int, int]]] = {}
        whole = [(0, n)]
        for c in self._compiled:
            s = c.strategy
            windows: list[tuple[int, int]] | None
            if s == _BY_DIGITS:
                if not runs:
                    continue
                windows = numeric.get(c.kind.name)
                if windows is None:
                    windows = numeric[c.kind.name] = _numeric_windows(runs, c.kind, n)
            elif s == _BY_KEYS:
                windows = keys
            elif s == _BY_AT:
                windows = whole if at is None else at
            elif s == _BY_LITERAL:
                if not any(lit in text for lit in c.literals):
                    continue
                windows = whole
            else:
                windows = whole
            if not windows:
                continue
            p = c.pattern
            if role is not None and p.roles is not None and role not in p.roles:
                continue
            if c.literals and s != _BY_LITERAL:  # only windows holding one of its literals
                lits = c.literals
                windows = [w for w in windows if _holds(text[w[0]:w[1]], lits)]
            for a, b in windows:
                for m in p.regex.finditer(text, a, b):
                    if m.end() == m.start():
                        continue
                    if c.bounded and m.start() > 0:
                        prev = text[m.start() - 1]
                        if prev.isalnum() or prev == "_":
                            continue
                    start, end = m.span(c.group)
                    if start < 0:
                        start, end = m.span()
                    value = text[start:end]
                    if c.validator is not None and not c.validator(m, value):
                        continue
                    if any(start < ce and cs < end for cs, ce in claimed):
                        continue
                    claimed.append((start, end))
                    test = c.kind.placeholder
                    hits.append(Hit(p, c.kind, start, end, value, test(value) if test else None))
        hits.sort(key=lambda h: h.start)
        return hits
