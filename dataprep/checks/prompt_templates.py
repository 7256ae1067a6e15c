"""System prompts filled from one template: group them, and show the template.

Datasets exported from an application often build the system prompt from a template per
conversation ("You are the assistant for ticket #48213 opened on 2024-03-02 by Maria
Lopez ..."). Each record then has a distinct prompt, but the model sees one instruction
with a variable in it; DP504 must compare *templates*, not call 436 filled copies "436
variants of the usual prompt".

Two deterministic steps, each linear in the number of distinct prompts (times a bounded
number of comparisons):

1. **Values by pattern.** Spans that are obviously filled-in values are masked: UUIDs,
   e-mail addresses, URLs, dates (ISO, ``3/2/2024``, ``March 2, 2024``, ``2 Mar 2024``,
   ``2024年3月2日``), times, hex hashes, ids (``TCK-48213``, ``user_10293``) and numbers.
   Prompts with the same masked text are one template; a masked place shows as ``{date}``,
   ``{id}`` ... where its values differ, and as its value where they do not.
2. **Values by position.** Masked texts still differing (names, products, cities) are cut
   into tokens and aligned with difflib against the most frequent prompts (at most
   ``top_k``). A prompt aligns when it differs in at most ``MAX_SLOTS`` short spans (at
   most ``MAX_SLOT_TOKENS`` tokens each) and keeps at least twice as many tokens as it
   changes. A place where the aligned prompts hold at least ``slot_values`` different
   values is a slot (``{name}`` when every value is capitalised, ``{…}`` otherwise); a
   prompt whose every difference lies in slots belongs to the template.

A typo or an old wording is not a slot: it is one or two values at a place where every
other prompt agrees, so it stays a prompt of its own and DP504 can still report it
against the template. The price: three or more different misspellings of the same word
read as a slot.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

#: differing spans allowed between a prompt and the template it aligns with
MAX_SLOTS = 4
#: tokens (words, punctuation marks) a slot value may span on either side
MAX_SLOT_TOKENS = 5

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?,?\s+)?"
#: (kind, pattern) of obvious filled-in values; at one position the first kind wins
VALUE_KINDS: tuple[tuple[str, str], ...] = (
    ("uuid", r"\b[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\b"),
    ("email", r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("url", r"\bhttps?://[^\s\"'<>()\[\]]*[^\s\"'<>()\[\].,;:!?]"),
    # the guard (no letter or digit before, a digit or capital first) keeps this fast
    ("date", r"(?<![A-Za-z0-9_])(?=[\dA-Z])(?:" + "|".join((
        r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
        r"\d{4}年\d{1,2}月\d{1,2}日",
        r"(?<![\d.])\d{1,4}[/.]\d{1,2}[/.]\d{2,4}(?![\d.])",
        rf"{_WEEKDAY}{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}",
        rf"{_WEEKDAY}\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+\d{{4}}",
    )) + ")"),
    ("time", r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\b\.?)?(?![\d:])"),
    ("hash", r"\b(?=[0-9a-fA-F]{8,}\b)(?:\d+[a-fA-F]|[a-fA-F]+\d)[0-9a-fA-F]*\b"),
    ("id", r"\b[A-Za-z][A-Za-z_]*[-_]?\d{3,}(?:[-_]?[A-Za-z0-9]+)*\b"),
    ("number", r"(?<![A-Za-z0-9_])\d+(?:[.,]\d+)*(?![A-Za-z0-9_])"),
)
_VALUES = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in VALUE_KINDS))
# a masked value is one token: U+E000 kind U+E001 (private-use marks no prompt holds)
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_OPEN}([a-z]+){_CLOSE}")
#: tokens keep their leading white space, so joined they give the text back exactly
_TOKEN = re.compile(rf"\s*(?:{_OPEN}[a-z]+{_CLOSE}|\w+|[^\w\s])|\s+")
_NAME = re.compile(r"[^\W\d_][\w'’.-]*")
GENERIC = "{…}"


def mask(text: str) -> tuple[str, list[str]]:
    """The text with each obvious value replaced by a kind mark, and the values in order.

    Every kind needs a digit, an ``@`` or ``://``: the patterns (a wide alternation, slow
    when tried at every position) run only on windows around those, widened to whole
    words (three before, for "Monday, March 4"), which gives the matches the whole text
    would.
    """
    text = text.replace(_OPEN, "\ufffd").replace(_CLOSE, "\ufffd")
    values: list[str] = []

    def repl(m: re.Match[str]) -> str:
        values.append(m.group())
        return f"{_OPEN}{m.lastgroup}{_CLOSE}"

    out: list[str] = []
    pos = 0
    for start, end in _windows(text):
        out.append(text[pos:start])
        out.append(_VALUES.sub(repl, text[start:end]))
        pos = end
    out.append(text[pos:])
    return "".join(out), values


_HINT = re.compile(r"[\d@]|://")
# on the reversed text: the hint's word and up to three words before it
_BACK = re.compile(r"\S*(?:\s+\S+){0,3}")
_AHEAD = re.compile(r"\S*(?:\s+\S+)?")


def _windows(text: str) -> list[tuple[int, int]]:
    """Merged spans of whole words around each digit, ``@`` or ``://`` (see ``mask``)."""
    spans: list[tuple[int, int]] = []
    rev = text[::-1]
    n = len(text)
    for m in _HINT.finditer(text):
        if spans and m.start() < spans[-1][1]:
            continue  # inside the previous window
        back = _BACK.match(rev, n - m.start())
        start = m.start() - (back.end() - back.start() if back else 0)
        ahead = _AHEAD.match(text, m.start())
        end = ahead.end() if ahead else m.end()
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


@dataclass(eq=False)
class PromptGroup(Generic[T]):
    """Distinct prompts that are one prompt (a template and its fillings), or one prompt.

    ``text`` shows the template: constant parts verbatim, varying parts as ``{kind}``;
    ``slots`` lists those placeholders in order of first appearance.
    """

    members: list[T]
    count: int
    order: int
    text: str
    slots: tuple[str, ...] = ()


@dataclass(eq=False)
class _Unit(Generic[T]):
    """Prompts with one masked text; ``values[k]`` holds up to two values of mark ``k``."""

    masked: str
    members: list[T] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    count: int = 0
    order: int = 0
    values: list[list[str]] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)
    marks: dict[int, int] = field(default_factory=dict)  # token index -> value index

    def add(self, member: T, text: str, values: list[str], count: int, order: int) -> None:
        if not self.members:
            self.order = order
            self.values = [[v] for v in values]
        else:
            self.order = min(self.order, order)
            for seen, v in zip(self.values, values):
                if len(seen) < 2 and v not in seen:
                    seen.append(v)
        self.members.append(member)
        self.counts.append(count)
        self.orders.append(order)
        self.count += count
        if len(self.texts) < 2:
            self.texts.add(text)

    def tokenise(self, pool: dict[str, str]) -> None:
        """Tokens of the masked text, shared through ``pool``: prompts of one template
        repeat the same tokens, so thousands of them cost little memory."""
        self.tokens = [pool.setdefault(t, t) for t in _TOKEN.findall(self.masked)]
        k = 0
        for i, tok in enumerate(self.tokens):
            if _OPEN in tok:
                self.marks[i] = k
                k += 1

    def varies(self, i: int) -> bool:
        k = self.marks.get(i)
        return k is not None and len(self.values[k]) > 1

    def show(self, i: int, vary: bool, slots: dict[str, None]) -> str:
        """Token ``i`` as displayed: a mark shows its placeholder (noted in ``slots``) when
        ``vary`` or its value differs within the unit, else the value itself."""
        tok = self.tokens[i]
        k = self.marks.get(i)
        if k is None:
            return tok
        m = _MARK.search(tok)
        assert m is not None
        if vary or len(self.values[k]) > 1:
            slots["{" + m.group(1) + "}"] = None
            return tok[: m.start()] + "{" + m.group(1) + "}"
        return tok[: m.start()] + self.values[k][0]


Op = tuple[str, int, int, int, int]


@dataclass(eq=False)
class _Head(Generic[T]):
    """A prompt that others are aligned with, and what aligned with it."""

    unit: _Unit[T]
    tokset: frozenset[str]
    aligned: list[tuple[_Unit[T], list[Op]]] = field(default_factory=list)
    # filled in by _decide: merged difference regions (lo, hi, placeholder or None)
    regions: list[tuple[int, int, str | None]] = field(default_factory=list)
    varying: set[int] = field(default_factory=set)  # head token indexes of varying marks


def group_prompts(prompts: Iterable[tuple[str, int, int, T]], *, top_k: int,
                  slot_values: int) -> list[PromptGroup[T]]:
    """Group distinct prompts ``(text, count, order, member)`` into templates.

    Deterministic: the result depends on the prompts and their counts and orders only.
    """
    units: dict[str, _Unit[T]] = {}
    for text, count, order, member in prompts:
        masked, values = mask(text)
        unit = units.get(masked)
        if unit is None:
            unit = units[masked] = _Unit(masked)
        unit.add(member, text, values, count, order)
    flat: list[_Unit[T]] = []
    for unit in units.values():
        if len(unit.members) > 1 and len(unit.texts) == 1:
            # same kept text, distinct prompts: they differ past what was kept, not in values
            flat.extend(_single(unit, i) for i in range(len(unit.members)))
        else:
            flat.append(unit)
    flat.sort(key=lambda u: (-u.count, u.order))
    heads: list[_Head[T]] = []
    loose: list[_Unit[T]] = []
    pool: dict[str, str] = {}
    for unit in flat:
        unit.tokenise(pool)
        tokset = frozenset(unit.tokens)
        distinct = list(dict.fromkeys(unit.tokens))  # spread the sample over the whole text
        sample = frozenset(distinct[:: max(1, len(distinct) // (3 * MAX_SLOTS * MAX_SLOT_TOKENS))])
        for head in heads:
            ops = _align(head, unit.tokens, tokset, sample)
            if ops is not None:
                head.aligned.append((unit, ops))
                break
        else:
            if len(heads) < top_k:
                heads.append(_Head(unit, tokset))
            else:
                loose.append(unit)
                if len(unit.texts) == 1:
                    unit.tokens = []  # shown as its text: the tokens are not needed again
    out: list[PromptGroup[T]] = []
    for head in heads:
        out.extend(_decide(head, slot_values))
    for unit in loose:
        if len(unit.texts) == 1:  # one text: nothing varies, the text is its display
            out.append(PromptGroup(unit.members, unit.count, unit.order, next(iter(unit.texts))))
            continue
        slots: dict[str, None] = {}
        text = "".join(unit.show(i, False, slots) for i in range(len(unit.tokens)))
        out.append(PromptGroup(unit.members, unit.count, unit.order, text, tuple(slots)))
    return out


def _single(unit: _Unit[T], i: int) -> _Unit[T]:
    """One member of ``unit`` on its own (the members are not told apart by their values)."""
    one: _Unit[T] = _Unit(unit.masked)
    one.add(unit.members[i], next(iter(unit.texts)), [v[0] for v in unit.values],
            unit.counts[i], unit.orders[i])
    return one


def _align(head: _Head[T], tokens: Sequence[str], tokset: frozenset[str],
           sample: frozenset[str]) -> list[Op] | None:
    """The opcodes turning the head's tokens into ``tokens`` when they differ only in a
    few short spans; None otherwise (cheap filters first)."""
    a = head.unit.tokens
    budget = MAX_SLOTS * MAX_SLOT_TOKENS
    if abs(len(a) - len(tokens)) > budget:
        return None
    # tokens the head lacks all sit in changed spans: a few tokens tell most pairs apart
    if len(sample - head.tokset) > budget or len(tokset - head.tokset) > budget:
        return None
    ops: list[Op] = list(difflib.SequenceMatcher(None, a, tokens, autojunk=False).get_opcodes())
    changed = [op for op in ops if op[0] != "equal"]
    if len(changed) > MAX_SLOTS:
        return None
    differing = 0
    for _, i1, i2, j1, j2 in changed:
        if i2 - i1 > MAX_SLOT_TOKENS or j2 - j1 > MAX_SLOT_TOKENS:
            return None
        differing += max(i2 - i1, j2 - j1)
    equal = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if equal < 3 or equal < 2 * differing:
        return None
    return ops


def _span(i1: int, i2: int) -> tuple[int, int]:
    """Head span as a closed interval on doubled coordinates: token i is ``2i+1``, the gap
    before it ``2i`` (where an insertion goes)."""
    return (2 * i1 + 1, 2 * i2 - 1) if i2 > i1 else (2 * i1, 2 * i1)


def _decide(head: _Head[T], slot_values: int) -> list[PromptGroup[T]]:
    """Slots of the head's template; the prompts it absorbs; displays of the others."""
    h = head.unit
    if not head.aligned and len(h.texts) == 1:
        return [PromptGroup(h.members, h.count, h.order, next(iter(h.texts)))]
    # marks whose value differs anywhere in the cluster
    values: dict[int, set[str]] = {}
    spans: list[tuple[int, int, str, str]] = []
    for unit, ops in head.aligned:
        for tag, i1, i2, j1, j2 in ops:
            if tag == "equal":
                for t in range(i2 - i1):
                    k = h.marks.get(i1 + t)
                    if k is None:
                        continue
                    seen = values.setdefault(i1 + t, set(h.values[k]))
                    kj = unit.marks.get(j1 + t)
                    if kj is not None:
                        seen.update(unit.values[kj])
            else:
                lo, hi = _span(i1, i2)
                spans.append((lo, hi, "".join(h.tokens[i1:i2]).strip(),
                              "".join(unit.tokens[j1:j2]).strip()))
    head.varying = {i for i in h.marks if h.varies(i) or len(values.get(i, ())) > 1}
    # merge overlapping spans into regions ("Maria Lopez" → "Wei" and "Lopez" → "Garcia");
    # a region is a slot when its prompts hold at least ``slot_values`` values there
    spans.sort()
    merged: list[tuple[int, int, set[str]]] = []
    for lo, hi, old, new in spans:
        if merged and lo <= merged[-1][1]:
            plo, phi, vals = merged[-1]
            vals.update((old, new))
            merged[-1] = (plo, max(phi, hi), vals)
        else:
            merged.append((lo, hi, {old, new}))
    head.regions = [(lo, hi, _placeholder(vals) if len(vals) >= slot_values else None)
                    for lo, hi, vals in merged]
    starts = [r[0] for r in head.regions]

    def region(c: int) -> int | None:
        at = bisect.bisect_right(starts, c) - 1
        return at if at >= 0 and head.regions[at][1] >= c else None

    def slot(ops: list[Op]) -> bool:
        changed = [op for op in ops if op[0] != "equal"]
        for _, i1, i2, _, _ in changed:
            r = region(_span(i1, i2)[0])
            if r is None or head.regions[r][2] is None:
                return False
        return bool(changed)

    members, count, order = list(h.members), h.count, h.order
    others: list[PromptGroup[T]] = []
    for unit, ops in head.aligned:
        if slot(ops):
            members.extend(unit.members)
            count += unit.count
            order = min(order, unit.order)
        else:
            text, slots = _render(head, unit, ops, region)
            others.append(PromptGroup(unit.members, unit.count, unit.order, text, slots))
    n = len(h.tokens)
    text, slots = _render(head, h, [("equal", 0, n, 0, n)], region)
    return [PromptGroup(members, count, order, text, slots), *others]


def _render(head: _Head[T], unit: _Unit[T], ops: list[Op],
            find: Callable[[int], int | None]) -> tuple[str, tuple[str, ...]]:
    """``unit`` as text in the head's template, slots and varying marks as placeholders;
    and the placeholders shown. ``find`` maps a head coordinate to its region."""
    out: list[str] = []
    done: set[int] = set()
    slots: dict[str, None] = {}

    def slot_at(c: int, ws: str) -> bool:
        r = find(c)
        name = None if r is None else head.regions[r][2]
        if r is None or name is None:
            return False
        if r not in done:
            done.add(r)
            out.append(ws + name)
            slots[name] = None
        return True

    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            for t in range(i2 - i1):
                i, j = i1 + t, j1 + t
                tok = unit.tokens[j]
                ws = tok[: len(tok) - len(tok.lstrip())]
                slot_at(2 * i, " " if i else "")
                if not slot_at(2 * i + 1, ws):
                    out.append(unit.show(j, i in head.varying, slots))
        else:
            ws = ""
            if j2 > j1:
                tok = unit.tokens[j1]
                ws = tok[: len(tok) - len(tok.lstrip())]
            if not slot_at(_span(i1, i2)[0], ws or " "):
                out.extend(unit.show(j, False, slots) for j in range(j1, j2))
    slot_at(2 * len(head.unit.tokens), " ")
    return "".join(out), tuple(slots)


def _placeholder(values: set[str]) -> str:
    """``{name}`` when every value is one or more capitalised words, else ``{…}``."""
    words = [w for v in values if v for w in v.split()]
    if words and all(_NAME.fullmatch(w) and w[0].isupper() for w in words):
        return "{name}"
    return GENERIC
