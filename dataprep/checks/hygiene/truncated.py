"""DP507: replies cut off mid-sentence or inside an unclosed code block."""

from __future__ import annotations

import re

from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import EXCERPT, FENCE, excerpt, fence_lines


class TruncatedReply(Rule):
    """An assistant reply that stops mid-sentence or inside an unclosed code block.

    Replies cut by a token limit or a broken export teach the model to stop mid-thought.
    To keep false alarms rare, only prose is judged: the reply must be long enough
    (``min_chars``), written in punctuated sentences, and end its last sentence of at
    least ``min_tail_words`` words on a letter or a comma; lists, verse, tables,
    formulas, code, URLs, numbers, emoji and closing brackets are never taken for cuts.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Why is the sky blue?"}, {"role": "assistant", "content": "Sunlight is scattered by the molecules of the air. Blue light is scattered more than red light because its wavelength is shorter."}]}
    fail: {"messages": [{"role": "user", "content": "Why is the sky blue?"}, {"role": "assistant", "content": "Sunlight is scattered by the molecules of the air. Blue light is scattered more than red light because its wavelength is"}]}
    """

    code = "DP507"
    name = "reply.truncated"
    severity = "warning"
    options = {
        "min_chars": {
            "type": "integer", "minimum": 1, "default": 100,
            "description": "Replies shorter than this (characters) are never judged truncated.",
        },
        "min_tail_words": {
            "type": "integer", "minimum": 1, "default": 5,
            "description": "Words the unfinished last sentence needs before it counts as cut.",
        },
    }


#: English words a finished sentence does not end on (articles, prepositions, conjunctions,
#: auxiliaries): a reply ending on one was certainly cut
_OPEN_WORDS = frozenset("""
a an the and or but nor of to in on at by for with from into onto about over under than
that which who whose whom if because while although though as so such is are was were be
been being has have had do does did will would can could should shall may might must not
my your our their its his her very most more also then when where how why what whether
""".split())
_LIST_ITEM = re.compile(r"\s*(?:[-*+•·▪‣―—–]|\d{1,3}[-.):]|[a-zA-Z][.)]|#+)\s*")
_TERMINATOR = re.compile(r"[.!?…\"”»):;]")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s")
_NOT_PROSE = frozenset("=|<>{}[]_\\/@#*`~^+")


def truncation(text: str, min_chars: int, min_tail: int) -> str | None:
    """Why ``text`` looks cut off mid-sentence ("comma", "letter"), or None.

    Precision first: only the last line's unfinished sentence is judged, and only in
    punctuated prose.
    """
    t = text.rstrip()
    if len(t) < min_chars:
        return None
    last = t[-1]
    if last == ",":
        kind = "comma"
    elif last.isalpha():
        kind = "letter"
    else:
        return None
    nl = t.rfind("\n")
    last_line = t[nl + 1 :]
    if _LIST_ITEM.match(last_line):
        return None  # a list item: lists rarely end with a full stop
    end = 0
    for m in _TERMINATOR.finditer(last_line):
        end = m.end()
    tail = last_line[end:]
    words = tail.split()
    if len(words) < min_tail or not words[-1].rstrip(",").isalpha():
        return None
    if any(c in _NOT_PROSE for c in tail):
        return None  # formulas, tables, markup, URLs
    if not _SENTENCE_END.search(t, 0, len(t) - len(tail) + 1) and len(words) < 20:
        return None  # not written in sentences (a title, a definition, a label list)
    commas = tail.count(",")
    if commas >= 3 and len(words) / (commas + 1) <= 4:
        return None  # an enumeration: "Red, Green, Blue, Yellow"
    if kind == "comma" and nl >= 0 and len(last_line.split()) <= 6:
        return None  # a closing line of a letter: "Looking forward to seeing you,"
    if nl > 0:
        lines = [ln.rstrip() for ln in t[:nl].split("\n") if ln.strip()]
        unpunctuated = sum(1 for ln in lines if ln[-1].isalnum())
        if unpunctuated >= 2 and unpunctuated >= 0.3 * len(lines):
            return None  # verse, lists and headings end lines without punctuation
    return kind


def describe(text: str, label: str, min_chars: int, min_tail: int) -> str | None:
    """The DP507 message for a reply (``label`` names it), or None when it looks whole."""
    if "`" in text:
        fences = fence_lines(text)
        if fences % 2:
            opened = list(FENCE.finditer(text))[-1]
            return (f"{label} ends inside a code block opened at line "
                    f"{text.count(chr(10), 0, opened.start()) + 1} of the reply and never "
                    f"closed ({fences} ``` lines)")
    kind = truncation(text, min_chars, min_tail)
    if kind is None:
        return None
    t = text.rstrip()
    shown = excerpt(t, max(0, len(t) - EXCERPT), len(t))
    if kind == "comma":
        how = "ends on a comma, cut mid-sentence"
    else:
        last = t.split()[-1]
        how = (f"ends on {last!r}, cut mid-sentence" if last.lower() in _OPEN_WORDS
               else "ends without closing punctuation, likely cut mid-sentence")
    return f"{label} {how}: {shown}"
