"""DP507: replies cut off mid-sentence or inside an unclosed code block."""

from __future__ import annotations

import re

from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import EXCERPT, FENCE, excerpt, fence_lines


class TruncatedReply(Rule):
    """An assistant reply that stops mid-sentence or inside an unclosed code block.

    Replies cut by a token limit or a broken export teach the model to stop mid-thought.
    To keep false alarms rare, only prose is judged, and a reply counts as cut when it
    is at least ``min_chars`` long, ends on a letter or a comma (no ``.``, ``!``, ``?``,
    ``:``, closing quote or bracket, emoji or CJK full stop), and one of these holds:

    - after a finished sentence, the unfinished one has ``min_tail_words`` words or more,
      or at least two words ending on a word no sentence ends on ("the", "of", "your",
      "and", "is"...);
    - a reply of one unpunctuated sentence ends on such a word and has three words or
      more ("Yes, our cards work with both Apple Pay and");
    - a reply of one unpunctuated sentence is lower-case prose of at least eight words
      ("Refunds usually reach your account within 5 business days of the merchant
      issuing"), not a title, a label or a name.

    Short answers ("Arizona", "The capital of France is Paris"), lists, verse, headings,
    tables, formulas, code, URLs and numbers are never taken for cuts.  Only trained
    replies are judged: the assistant turns of a preference pair's shared history (a TRL
    ``prompt``, LLaMA-Factory's ``conversations`` beside ``chosen``/``rejected``) are
    context the model is shown, not taught to write.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Why is the sky blue?"}, {"role": "assistant", "content": "Sunlight is scattered by the molecules of the air. Blue light is scattered more than red light because its wavelength is shorter."}]}
    fail: {"messages": [{"role": "user", "content": "Why is the sky blue?"}, {"role": "assistant", "content": "Sunlight is scattered by the molecules of the air. Blue light is scattered more than red light because its wavelength is"}]}
    """

    code = "DP507"
    name = "reply.truncated"
    severity = "warning"
    options = {
        "min_chars": {
            "type": "integer", "minimum": 1, "default": 30,
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
#: the subset of those no English sentence ends on, even in chat: prepositions are left
#: out ("what are you talking about", "anything I can help you with", "log in"), as are
#: verbs ("I do", "that's what it is"); a short reply ending on one of these is cut
_CUT_WORDS = frozenset("""
a an the and or but nor than if because although though whether my your our their its
very
""".split())
#: how a question starts; an unfinished sentence that starts so lacks a "?", not an end
_QUESTION_WORDS = frozenset("""
is are was were do does did can could would will should shall may have has what which
who whom whose how where when why anything
""".split())
#: words of running prose; a one-sentence reply needs two of them to be judged
_FUNCTION_WORDS = frozenset("""
a an the and or but so as if when than then of to in on at by for with from into about
after before until is are was were be been has have had do does did it this that you
your we our they their he she his her can will would could should may might must not
""".split())
#: fewest words of an unpunctuated one-sentence reply that is judged on its shape alone
_PROSE_WORDS = 8
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
    if not words or not words[-1].rstrip(",").replace("'", "").replace("’", "").isalpha():
        return None  # ends on a number, a URL, a symbol
    if any(c in _NOT_PROSE for c in tail):
        return None  # formulas, tables, markup, URLs
    cut_word = kind == "letter" and words[-1].lower() in _CUT_WORDS
    if not cut_word and _title_case(words):
        return None  # a heading after an abbreviation: "Washington D.C. Health Official Warns"
    if not cut_word and words[0].lower() in _QUESTION_WORDS:
        return None  # a question without its "?": "Is there anything else I can help with"
    if end == 0 and nl < 0 and len(words) < 20:
        # the whole reply is one unpunctuated sentence: judged on its own words
        return kind if cut_word and len(words) >= 3 or _one_cut_sentence(words) else None
    if len(words) < min_tail and not (cut_word and len(words) >= 2):
        return None
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


def _title_case(words: list[str]) -> bool:
    """Whether most words after the first are capitalised (a heading or a name list)."""
    rest = [w for w in words[1:] if w[:1].isalpha()]
    return len(rest) >= 2 and sum(1 for w in rest if w[0].isupper()) > 0.5 * len(rest)


def _one_cut_sentence(words: list[str]) -> bool:
    """Whether an unpunctuated one-sentence reply reads as running prose that was cut.

    Lower-case prose of ``_PROSE_WORDS`` words or more with function words in it; a
    title ("The Catcher in the Rye"), a name list or a label has capitals or lacks them.
    """
    if len(words) < _PROSE_WORDS:
        return False
    rest = [w for w in words[1:] if w[:1].isalpha()]
    if sum(1 for w in rest if w[0].isupper()) > 0.3 * len(rest):
        return False  # a title, a headline or a list of names
    return sum(1 for w in words if w.lower().strip(",") in _FUNCTION_WORDS) >= 2


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
