"""DP502, DP505-DP508: the hygiene of the texts a model is trained on.

One walk over each record's turns serves five rules: length outliers (DP502, dataset
statistics over compact arrays), character-level hygiene (DP505), template leftovers and
boilerplate from a pattern pack (DP506), truncated replies (DP507) and degenerate
repetition (DP508).

The walk is on the hot path of every content lint, so each test starts with the cheapest
question that can rule it out: ``str.isascii()`` is free (CPython stores the answer), a
one-character ``in`` is a ``memchr``, a multi-character ``in`` costs about half a
nanosecond per character and a regular-expression scan several times that.  Regexes run
only on texts a cheaper test has picked:

- control characters in ASCII text: ``bytes.translate`` deletes every allowed byte and
  leaves the offenders (no per-character Python code); non-ASCII text is first screened
  the same way on its UTF-8 bytes plus one-character ``in`` tests for the zero-width,
  replacement and mojibake lead characters, and only a text that fails the screen is
  scanned by a regex;
- pack patterns: each is gated by literal strings its regex cannot match without,
  worked out from the regex when the pack loads (see ``_gate``);
- repetition: a probe of the text is looked for again within a short window; only a
  text that repeats itself there is split into words and counted.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from typing import Any

from dataprep import packs
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.model import Record
from dataprep import records
from dataprep.records import Turn, turns
from dataprep.records.toolcalls import might_hold_calls, text_calls

try:  # the regex parser moved in Python 3.11; it is only read, never patched
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]

EXCERPT = 60

#: fillers that answer nothing; "yes" and "no" are left out because they answer yes/no
#: questions (hand-written instruction data has them); add them in config if you want them
_TRIVIAL_DEFAULT = ["ok", "okay", "k", "sure", "thanks", "thank you", "thx", "got it",
                    "alright", "all right", "fine", "done", "cool", "noted", "understood"]


class LengthOutlier(Rule):
    """An assistant reply far shorter or longer than this dataset's replies usually are.

    A reply many times longer than its peers is often a runaway generation or records
    merged by an export bug; one many times shorter is often a fragment. Either teaches
    the model a length it should not produce. The norm is robust (median and median
    absolute deviation of log length, so outliers cannot move it) and a reply must also
    differ from the median by a factor (``min_ratio``); statistics apply from
    ``min_replies`` replies on. In generative data, filler replies such as "ok", "sure"
    or "thanks" are reported too: they teach the model to answer without answering
    (classification data, whose outputs are labels, is exempt). Empty replies are
    DP115's.

    Examples:
    pass: {"records": [{"prompt": "Say hi", "completion": "Hello there, nice to meet you."}, {"prompt": "Say bye", "completion": "Goodbye, see you soon."}, {"prompt": "Thank", "completion": "Thank you very much indeed."}], "options": {"min_replies": 3}}
    fail: {"records": [{"prompt": "Say hi", "completion": "Hello there, nice to meet you."}, {"prompt": "Say bye", "completion": "Goodbye, see you soon."}, {"prompt": "Thank", "completion": "Thank you very much indeed."}, {"prompt": "Tell", "completion": "la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la"}], "options": {"min_replies": 3}}
    """

    code = "DP502"
    name = "length.outlier"
    severity = "warning"
    scope = "dataset"
    options = {
        "z": {
            "type": "number", "exclusiveMinimum": 0, "default": 4.0,
            "description": "Robust z-score of log length (median/MAD) beyond which a reply "
                           "is an outlier.",
        },
        "min_ratio": {
            "type": "number", "minimum": 1, "default": 10.0,
            "description": "A reply must also be this many times shorter or longer than the "
                           "median reply.",
        },
        "min_replies": {
            "type": "integer", "minimum": 3, "default": 30,
            "description": "Non-empty assistant replies the dataset needs before length "
                           "statistics apply.",
        },
        "trivial_replies": {
            "type": "array", "items": {"type": "string"}, "default": _TRIVIAL_DEFAULT,
            "description": "Whole replies (case and punctuation ignored) reported as filler in "
                           "generative data.",
        },
    }


class TextHygiene(Rule):
    """Whitespace around a reply, control or zero-width characters, U+FFFD, mojibake, open fences.

    These are invisible in most viewers and survive into training: the model learns to
    open a reply with a newline, to emit zero-width spaces or replacement characters, or
    to write "cafÃ©" for "café" (UTF-8 read as Latin-1/cp1252 somewhere in the pipeline).
    Whitespace is checked around assistant replies only (a single trailing newline is
    tolerated, as is the leading space of legacy prompt/completion data); the characters
    in every turn. Zero-width joiners inside emoji and non-Latin scripts are legitimate.
    An unclosed code fence in a reply is reported by DP507 when that rule is on.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Say café"}, {"role": "assistant", "content": "café"}]}
    fail: {"messages": [{"role": "user", "content": "Say café"}, {"role": "assistant", "content": "cafÃ©"}]}
    fail: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "\\nHello!  "}]}
    """

    code = "DP505"
    name = "text.hygiene"
    severity = "warning"


class TemplateLeftover(Rule):
    """Unfilled template slots, placeholders, or refusal/boilerplate phrases in the text.

    ``{{name}}``, ``<noinput>``, an Alpaca input of "N/A", "[INSERT ...]", "Lorem ipsum"
    and "TODO" are leftovers of the tooling that produced the data; "As an AI language
    model" and "I'm sorry, but I cannot" in replies teach the model to refuse or hedge
    where it should answer. Patterns come from the ``leftovers`` pack in ``rules/packs``
    and from the packs listed in ``pattern-packs`` (``rule = "DP506"``); each finding
    names the pattern id. Code blocks and inline code are not searched.

    Examples:
    pass: {"instruction": "Greet the user by name.", "input": "Ada", "output": "Hello, Ada!"}
    fail: {"instruction": "Greet the user by name.", "input": "<noinput>", "output": "Hello, {{name}}!"}
    fail: {"messages": [{"role": "user", "content": "Tell me a joke"}, {"role": "assistant", "content": "As an AI language model, I do not tell jokes."}]}
    """

    code = "DP506"
    name = "text.template-leftover"
    severity = "warning"


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


class Repetition(Rule):
    """Degenerate repetition: the same words repeated over and over in one text.

    A looping generation ("Eat a banana!" two thousand times) teaches the model to loop,
    and costs tokens on every epoch. A text is reported when one word n-gram occurs at
    least ``min_repeats`` times and the repeated n-grams cover at least ``min_coverage``
    of it, or when an exactly periodic stretch does.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Eat what?"}, {"role": "assistant", "content": "Eat a banana! It is sweet, cheap, and full of potassium, which helps muscles work."}]}
    fail: {"messages": [{"role": "user", "content": "Eat what?"}, {"role": "assistant", "content": "Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana! Eat a banana!"}]}
    """

    code = "DP508"
    name = "text.repetition"
    severity = "warning"
    options = {
        "min_repeats": {
            "type": "integer", "minimum": 2, "default": 10,
            "description": "Occurrences of the most repeated n-gram (or period) needed.",
        },
        "min_coverage": {
            "type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 0.5,
            "description": "Share of the text the repetition must cover.",
        },
        "ngram": {
            "type": "integer", "minimum": 1, "maximum": 10, "default": 3,
            "description": "Words per n-gram.",
        },
        "min_chars": {
            "type": "integer", "minimum": 20, "default": 200,
            "description": "Texts shorter than this (characters) are not examined.",
        },
    }


# --------------------------------------------------------------------------- helpers

_ROLE_LABEL = {"assistant": "assistant reply", "user": "user turn", "system": "system prompt",
               "developer": "system prompt", "tool": "tool output"}


#: top-level fields name themselves better than their normalised role does
_FIELD_LABEL = {"/input": "input", "/instruction": "instruction", "/output": "output",
                "/text": "text", "/prompt": "prompt", "/completion": "completion",
                "/chosen": "chosen reply", "/rejected": "rejected reply", "/system": "system prompt"}


def _label(turn: Turn) -> str:
    """How a message names the text it is about ("assistant reply", "input", ...)."""
    return _FIELD_LABEL.get(turn.pointer) or _ROLE_LABEL.get(turn.role, f"{turn.role} turn")


def _show(s: str) -> str:
    """A short text as it should appear in a message: escapes visible, length capped."""
    r = repr(s)
    return r if len(r) <= EXCERPT + 2 else r[: EXCERPT - 1] + "…'"


def excerpt(text: str, start: int, end: int, width: int = EXCERPT) -> str:
    """About ``width`` characters around ``text[start:end]``, whitespace collapsed, quoted.

    The cut falls between words, never inside one: the engine masks secrets and personal
    data in every message (``dataprep.redact``), and half a key would not be recognised.
    """
    if end - start >= width:
        a, b = start, start + width
    else:
        a = max(0, start - (width - (end - start)) // 2)
        b = min(len(text), a + width)
        a = max(0, b - width)
    if a > 0 and not text[a - 1].isspace():
        space = _next_space(text, a, start)
        a = space if space is not None else start
    if b < len(text) and not text[b].isspace():
        keep = end if end < b else start  # never cut the match itself short when it fits
        cut = max(text.rfind(" ", keep, b), text.rfind("\n", keep, b))
        b = cut if cut > start else b
    body = " ".join(text[a:b].split())
    return "'" + ("…" if a > 0 else "") + body + ("…" if b < len(text) else "") + "'"


def _next_space(text: str, lo: int, hi: int) -> int | None:
    for i in range(lo, hi):
        if text[i].isspace():
            return i + 1
    return None


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# ------------------------------------------------------------------ DP505 characters

_CTRL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
#: every byte except the C0 controls (tab, LF, CR allowed) and DEL: ``translate`` deletes
#: these and leaves only the offenders
_ALLOWED_BYTES = bytes(b for b in range(256) if b not in _CTRL_BYTES)

# mojibake: UTF-8 bytes decoded as cp1252 or Latin-1.  A continuation byte 0x80-0xBF shows
# as a C1 control or Latin-1 symbol (Latin-1) or as one of cp1252's extra characters.
_CP1252_EXTRA = "€‚ƒ„†‡ˆ‰Š‹ŒŽ˜™š›œžŸ"
_CP1252_PUNCT = "‘’“”–—…•"
_CONT = "\u0080-\u00bf" + _CP1252_EXTRA + _CP1252_PUNCT
_SYMBOLS = "\u0080-\u009f\u00a0-\u00aa\u00ac-\u00ba\u00bc-\u00bf"  # Latin-1 range minus « »
_MOJIBAKE = (
    # Ã/Â + symbol: é -> Ã©, NBSP -> Â\xa0; followed by common punctuation or guillemets
    # only inside a lower-case word, since all-caps Portuguese ends words in Ã ("IRMÃ”")
    f"[ÂÃ][{_SYMBOLS}{_CP1252_EXTRA}]"
    f"|[ÂÃ](?<=[a-z].)[«»{_CP1252_PUNCT}]"
    # three-byte punctuation and symbols: ’ -> â€™, € -> â‚¬, ™ -> â„¢
    f"|â[{_CONT}][{_CONT}]"
    # emoji: F0 9F xx xx
    f"|ð[\u009fŸ][{_CONT}][{_CONT}]"
    # Latin Extended-A (Polish, Czech ...): ł -> Å‚, ę -> Ä™
    f"|[ÄÅ][\u0080-\u009f{_CP1252_EXTRA}]"
    # Greek and Cyrillic: two letters in a row (привет -> Ð¿Ñ€Ð¸Ð²ÐµÑ‚, κόσμε -> ÎºÏŒÏƒÎ¼Îµ)
    f"|(?:[ÎÏÐÑ][{_CONT}]){{2}}"
)
#: where a problem can start (a regex made of one character class scans quickly) ...
_FIRST = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff\ufffdÂÃâðÄÅÎÏÐÑ]")
#: ... and what it is, matched at that position only
_SUSPECT = re.compile(
    "(?P<ctrl>[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])"
    "|(?P<zw>[\u200b-\u200d\u2060\ufeff])"
    "|(?P<fffd>\ufffd)"
    f"|(?P<moji>{_MOJIBAKE})"
)
#: C1 controls (U+0080-U+009F) in UTF-8
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
_ZW_NAMES = {"\u200b": "zero-width space U+200B", "\u200c": "zero-width non-joiner U+200C",
             "\u200d": "zero-width joiner U+200D", "\u2060": "word joiner U+2060",
             "\ufeff": "zero-width no-break space (BOM) U+FEFF"}
#: a line that opens or closes a fenced code block (not ```inline``` on one line)
_FENCE = re.compile(r"^[ \t]*```(?!.*```)", re.M)


def _control_bytes(bad: bytes) -> list[str]:
    shown = ", ".join(f"U+{c:04X}" for c in sorted(set(bad))[:4])
    return [f"{_plural(len(bad), 'control character')} ({shown})"]


def _suspect(text: str) -> bool:
    """Whether a non-ASCII text may have a character-level problem (cheap, no false "no").

    A regex character class scans a non-Latin-1 string at about 3 ns a character; this
    costs about a third of that: C0 controls by deleting every other byte of the UTF-8
    form, C1 controls by their UTF-8 lead byte, the rest by one-character ``in`` tests.
    """
    enc = text.encode("utf-8", "surrogatepass")
    if enc.translate(None, _ALLOWED_BYTES):
        return True
    if b"\xc2" in enc and _C1_UTF8.search(enc):
        return True
    return ("\u200b" in text or "\u200c" in text or "\u200d" in text or "\u2060" in text
            or "\ufeff" in text or "\ufffd" in text or "Ã" in text or "Â" in text
            or "â" in text or "ð" in text or "Ä" in text or "Å" in text or "Î" in text
            or "Ï" in text or "Ð" in text or "Ñ" in text)


def _char_problems(text: str) -> list[str]:
    """Control, zero-width and replacement characters and mojibake, as message parts."""
    if text.isascii():
        bad = text.encode("ascii").translate(None, _ALLOWED_BYTES)
        return _control_bytes(bad) if bad else []
    if not _suspect(text):
        return []
    ctrl: Counter[str] = Counter()
    zw: Counter[str] = Counter()
    fffd = 0
    moji: list[re.Match[str]] = []
    n = len(text)
    first = _FIRST.search(text)
    while first is not None:
        pos = first.start()
        m = _SUSPECT.match(text, pos)
        if m is None:
            first = _FIRST.search(text, pos + 1)
            continue
        kind = m.lastgroup
        if kind == "ctrl":
            ctrl[m.group()] += 1
        elif kind == "zw":
            ch = m.group()
            # joiners inside emoji and non-Latin scripts are spelling, not dirt
            if ch not in "\u200c\u200d" or (
                    (pos == 0 or text[pos - 1].isascii())
                    and (pos + 1 == n or text[pos + 1].isascii())):
                zw[ch] += 1
        elif kind == "fffd":
            fffd += 1
        else:
            moji.append(m)
        first = _FIRST.search(text, m.end())
    out = []
    if ctrl:
        shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(ctrl)[:4])
        out.append(f"{_plural(sum(ctrl.values()), 'control character')} ({shown})")
    for ch, n in sorted(zw.items()):
        out.append(f"{_ZW_NAMES[ch]}" + (f" ×{n}" if n > 1 else ""))
    if fffd:
        out.append(f"{_plural(fffd, 'replacement character')} U+FFFD (bytes lost in decoding)")
    if moji:
        m = moji[0]
        more = f", {len(moji)} sequences" if len(moji) > 1 else ""
        out.append(f"mojibake {m.group()!r}{more} (UTF-8 read as Latin-1/cp1252): "
                   f"{excerpt(text, m.start(), m.end(), 40)}")
    return out


def _whitespace_problems(text: str, lead_ok: bool) -> list[str]:
    """Leading/trailing whitespace of a reply, minus the conventions that put it there."""
    out = []
    if text[0].isspace():
        body = text.lstrip()
        lead = text[: len(text) - len(body)]
        legacy = lead_ok and lead == " "
        if not legacy:
            out.append(f"leading whitespace {_show(lead)}")
    if text[-1].isspace():
        body = text.rstrip()
        trail = text[len(body):]
        if trail != "\n":
            out.append(f"trailing whitespace {_show(trail)}")
    return out


def _fence_lines(text: str) -> int:
    return len(_FENCE.findall(text)) if "```" in text else 0


# ------------------------------------------------------------------ DP506 pack gates

#: characters rare enough in prose that a ``memchr`` for them rules most texts out
_RARE = frozenset("{}<>[]|\\@#$%^~_*=`")


def _factors(seq: Any, lower: bool) -> list[frozenset[str]]:
    """Sets of literals a parsed regex needs: for each set, one member must occur."""
    out: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            out.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in seq:
        name = str(op)
        if name == "LITERAL":
            ch = chr(av)
            run.append(ch.casefold() if lower else ch)
        elif name == "AT":
            continue  # zero-width: \b, ^, $ do not break a literal run
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            sub = av[-1] if name == "SUBPATTERN" else av
            lit = _pure_literal(sub, lower)
            if lit is not None:
                run.append(lit)
            else:
                flush()
                out.extend(_factors(sub, lower))
        elif name == "BRANCH":
            flush()
            alts: set[str] = set()
            for branch in av[1]:
                best = _best(_factors(branch, lower))
                if best is None:
                    alts = set()
                    break
                alts |= best
            if alts:
                out.append(frozenset(alts))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            flush()
            if av[0] >= 1:
                out.extend(_factors(av[2], lower))
        else:
            flush()
    flush()
    return out


def _pure_literal(seq: Any, lower: bool) -> str | None:
    chars = []
    for op, av in seq:
        if str(op) != "LITERAL":
            return None
        chars.append(chr(av))
    s = "".join(chars)
    return s.casefold() if lower else s


def _score(f: frozenset[str]) -> float:
    shortest = min(len(s) for s in f)
    if any(c in _RARE for s in f for c in s if len(s) == 1):
        return 100.0  # single rare characters are found with memchr
    return min(shortest, 10) / len(f) ** 1.5


def _best(factors: list[frozenset[str]]) -> frozenset[str] | None:
    good = [f for f in factors if all(s.strip() for s in f)]
    return max(good, key=_score) if good else None


class _Gated:
    """A pack pattern with the cheap tests that must pass before its regex runs."""

    __slots__ = ("pattern", "steps", "roles")

    def __init__(self, pattern: packs.Pattern) -> None:
        self.pattern = pattern
        self.roles = pattern.roles
        steps, lower = _gate(pattern.regex)
        #: each step: (literals of which one must be in the text, test the lowered text)
        self.steps = [(step, lower and any(c.isalpha() for lit in step for c in lit))
                      for step in steps]


def _gate(rx: re.Pattern[str]) -> tuple[list[tuple[str, ...]], bool]:
    """Cheapest-first literal tests implied by ``rx`` (none: always run the regex), and
    whether they apply to the lower-cased text.

    Worked out from the parsed regex: the best set of required literals (long and few),
    preceded by a single rare character from it when there is one, so that most texts
    are ruled out by one ``memchr``.  A case-insensitive pattern, or one with a
    case-insensitive group anywhere, is gated on lower-cased literals in the lower-cased
    text.  Anything unexpected gives no gate, never a wrong one.
    """
    try:
        tree = _sre_parse.parse(rx.pattern, rx.flags)
        lower = bool(rx.flags & re.IGNORECASE) or _has_local_ignorecase(tree)
        factors = _factors(tree, lower)
    except Exception:  # noqa: BLE001 - an unknown parser shape only costs speed
        return [], False
    best = _best(factors)
    if best is None:
        return [], False
    steps: list[tuple[str, ...]] = []
    if len(best) == 1:
        (lit,) = best
        rare = next((c for c in lit if c in _RARE), None)
        if rare is not None and len(lit) > 1:
            steps.append((rare,))
    steps.append(tuple(sorted(best)))
    return steps, lower


def _has_local_ignorecase(seq: Any) -> bool:
    for op, av in seq:
        name = str(op)
        if name == "SUBPATTERN" and av[1] & re.IGNORECASE:
            return True
        subs: list[Any] = []
        if name in ("SUBPATTERN", "ATOMIC_GROUP"):
            subs = [av[-1] if name == "SUBPATTERN" else av]
        elif name == "BRANCH":
            subs = list(av[1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            subs = [av[2]]
        elif name in ("ASSERT", "ASSERT_NOT"):
            subs = [av[1]]
        if any(_has_local_ignorecase(s) for s in subs):
            return True
    return False


class _Plan:
    """The patterns of one role, grouped by the first literal their gate tests.

    Each distinct first literal is looked for once per text; only the patterns behind a
    literal that is present go further.  Patterns without a gate always do.
    """

    __slots__ = ("groups", "always", "order")

    def __init__(self, gated: list[_Gated]) -> None:
        by_lit: dict[tuple[str, bool], list[_Gated]] = {}
        self.always: list[_Gated] = []
        self.order = {id(g): i for i, g in enumerate(gated)}
        for g in gated:
            if not g.steps:
                self.always.append(g)
                continue
            step, low = g.steps[0]
            for lit in step:
                by_lit.setdefault((lit, low), []).append(g)
        # case-sensitive literals first: the lowered text is made only when needed
        self.groups = sorted(((lit, low, gs) for (lit, low), gs in by_lit.items()),
                             key=lambda t: t[1])

    def candidates(self, text: str) -> list[_Gated]:
        found: list[_Gated] | None = None
        lowered: str | None = None
        for lit, low, gs in self.groups:
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


_CODE_SPANS = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`", re.S)


def _prose(text: str) -> str:
    """The text with code blocks and inline code blanked (kept the same length)."""
    if "`" not in text:
        return text
    return _CODE_SPANS.sub(lambda m: " " * len(m.group()), text)


# ------------------------------------------------------------------ DP507 truncation

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


# ------------------------------------------------------------------ DP508 repetition

_PROBE = 12
_WINDOW = 400


def _probe_count(coverage: float) -> int:
    """Probes at ``n*i/(k+1)``, i = 1..k: any stretch covering ``coverage`` of a text holds one."""
    return max(1, math.floor(1 / coverage))


def _repeats_near(text: str, k: int) -> bool:
    """Whether the text at one of ``k`` probe points recurs twice within a short window.

    A 12-character probe that reappears at the same distance twice in a row is what a
    loop looks like; prose almost never does it, so the expensive count runs rarely.
    """
    find = text.find
    n = len(text)
    for i in range(1, k + 1):
        p = n * i // (k + 1)
        probe = text[p : p + _PROBE]
        q = find(probe, p + 1, p + _WINDOW)
        if q < 0:
            continue
        d = q - p
        r = find(probe, q + 1, q + d + d // 4 + _PROBE + 1)
        if r >= 0 and abs((r - q) - d) <= d // 4 + 1:
            return True
    return False


def repetition(text: str, ngram: int, min_repeats: int, min_coverage: float) -> str | None:
    """A message part describing degenerate repetition in ``text``, or None.

    An exactly periodic stretch is described by its unit; otherwise word n-grams are
    counted, which also catches loops with small changes ("1. Eat a banana", "2. Eat ...").
    """
    periodic = _periodic(text, min_repeats, min_coverage)
    if periodic:
        return periodic
    words = text.split()
    if len(words) < ngram + min_repeats - 1:
        return None
    grams = list(zip(*(words[k:] for k in range(ngram))))
    counts = Counter(grams)
    top, count = counts.most_common(1)[0]
    if count < min_repeats:
        return None
    covered = bytearray(len(words))
    for i, g in enumerate(grams):
        if counts[g] >= min_repeats:
            covered[i : i + ngram] = b"\x01" * ngram
    share = sum(covered) / len(words)
    if share < min_coverage:
        return None
    return (f"the words {_show(' '.join(top))} occur {count:,} times; repeated n-grams cover "
            f"{share:.0%} of the text")


def _periodic(text: str, min_repeats: int, min_coverage: float) -> str | None:
    """Exact repetition of a unit found from the probe points, with or without spaces
    ("Eat a banana!Eat a banana!", "hahaha", CJK loops)."""
    n = len(text)
    k = _probe_count(min_coverage)
    for i in range(1, k + 1):
        p = n * i // (k + 1)
        probe = text[p : p + _PROBE]
        q = text.find(probe, p + 1, p + _WINDOW)
        if q < 0:
            continue
        d = q - p
        if text[p:q] != text[q : q + d]:
            continue  # the probe recurs, but the stretch between is not a period
        lo, hi = p, q + d
        while lo - d >= 0 and text[lo - d : lo] == text[lo : lo + d]:
            lo -= d
        while lo > 0 and text[lo - 1] == text[lo - 1 + d]:
            lo -= 1  # start the unit where the repetition starts, not mid-unit
        while text[lo].isspace() and lo + d < hi:
            lo += 1  # ... and on a word rather than the space before it
        while hi + d <= n and text[hi : hi + d] == text[hi - d : hi]:
            hi += d
        while hi < n and text[hi] == text[hi - d]:
            hi += 1  # a last, partial unit still belongs to the loop
        reps = (hi - lo) // d
        share = (hi - lo) / n
        if reps >= min_repeats and share >= min_coverage:
            return (f"{_show(text[lo : lo + d])} repeated {reps:,} times, covering {share:.0%} "
                    "of the text")
    return None


# ------------------------------------------------------------------ the check


class HygieneCheck(Check):
    """One walk over each record's turns for DP502 and DP505-DP508."""

    rules = (LengthOutlier, TextHygiene, TemplateLeftover, TruncatedReply, Repetition)
    stages = ("task",)

    def __init__(self, options: Any, context: Any) -> None:
        super().__init__(options, context)
        self._gated: list[_Gated] = []
        if "DP506" in context.enabled:
            loaded = packs.load(["leftovers"], packs.pack_files(context.config))
            self._gated = [_Gated(p) for p in loaded.for_rule(["DP506"])]
        self._plans: dict[str, _Plan] = {}
        o502, o507, o508 = options["DP502"], options["DP507"], options["DP508"]
        self._replies = self._judged = True
        self._lead_ok = False
        self._trivial = {_norm_reply(s): s for s in o502["trivial_replies"] if _norm_reply(s)}
        self._trivial_max = max((len(s) for s in o502["trivial_replies"]), default=0) + 8
        self._min_chars = int(o507["min_chars"])
        self._min_tail = int(o507["min_tail_words"])
        self._rep_repeats = int(o508["min_repeats"])
        self._rep_coverage = float(o508["min_coverage"])
        self._rep_ngram = int(o508["ngram"])
        self._rep_chars = int(o508["min_chars"])
        self._rep_k = _probe_count(self._rep_coverage)
        # DP502 state: one entry per non-empty reply of a valid record, in compact arrays
        self._len = array("I")
        self._file = array("I")
        self._line = array("I")  # 0: no line (Parquet, HF)
        self._rec = array("I")
        self._ptr = array("I")
        self._short = array("I")  # positions of filler replies in the arrays above
        self._short_text = array("I")  # ... and which filler (index into _fillers)
        self._fillers: list[str] = []
        self._filler_ids: dict[str, int] = {}
        self._ptr_ids: dict[str, int] = {}
        self._msg_ptr_ids: dict[int, int] = {}
        self._ptrs: list[str] = []
        self._paths: list[str] = []
        self._pending: list[tuple[int, int, int]] = []
        self._on = frozenset[str]()
        self._do502 = self._do505 = self._do506 = self._do507 = self._do508 = False

    # -- lifecycle

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        on = self._on = emit.enabled
        self._do502, self._do505, self._do506, self._do507, self._do508 = (
            c in on for c in ("DP502", "DP505", "DP506", "DP507", "DP508"))
        self._do506 = self._do506 and bool(self._gated)
        self._paths.append(info.path)
        self._file_id = len(self._paths) - 1

    def check(self, rec: Record, emit: Emit) -> None:
        self._pending = []
        fmt = rec.format
        d = rec.data
        layout = records.get(fmt)
        # raw documents have no replies; an undesirable (KTO) reply is bad on purpose
        self._replies = layout.replies
        self._judged = layout.desirable(d) is not False
        self._lead_ok = layout.leading_space_ok
        msgs = layout.plain_messages(d)
        if msgs is not None and _plain_messages(msgs):
            # fast path for the commonest layout; pointers are built only for findings
            for i, m in enumerate(msgs):
                text = m["content"]
                if text:
                    role = m.get("role")
                    if role == "assistant" and might_hold_calls(text) and text_calls(text):
                        continue  # a tool call written as text is not prose
                    self._turn(rec, emit, role if type(role) is str else "?", text, None, i)
        else:
            for t in turns(fmt, d):
                if t.text and t.kind != "call":
                    self._turn(rec, emit, t.role, t.text, t.pointer, -1)

    def observe(self, rec: Record, valid: bool) -> None:
        pending, self._pending = self._pending, []
        if not valid or not pending:
            return
        line = rec.line or 0
        for length, ptr_id, filler in pending:
            if filler >= 0:
                self._short.append(len(self._len))
                self._short_text.append(filler)
            self._len.append(length)
            self._file.append(self._file_id)
            self._line.append(line)
            self._rec.append(rec.index)
            self._ptr.append(ptr_id)

    # -- one turn

    def _turn(self, rec: Record, emit: Emit, role: str, text: str,
              pointer: str | None, index: int) -> None:
        """Every rule on one non-empty text (``pointer`` None: ``/messages/<index>/content``)."""
        assistant = role == "assistant"
        if self._do505:
            if text.isascii():
                bad = text.encode("ascii").translate(None, _ALLOWED_BYTES)
                problems = _control_bytes(bad) if bad else []
            else:
                problems = _char_problems(text)
            if assistant and self._replies and (text[0].isspace() or text[-1].isspace()):
                if text.strip():
                    problems.extend(_whitespace_problems(text, self._lead_ok))
            if "`" in text:
                fences = _fence_lines(text)
                if fences % 2 and not (assistant and self._do507):
                    problems.append(f"unbalanced code fences ({fences} ``` lines)")
            if problems:
                ptr = pointer or f"/messages/{index}/content"
                label = _label(Turn(role, text, ptr))
                emit.at("DP505", rec, f"{label}: " + "; ".join(problems), ptr)
        if self._do506 and (self._judged or not assistant):
            self._leftovers(rec, emit, role, text, pointer, index)
        if assistant and self._judged:
            if self._do507 and self._replies:
                self._truncated(rec, emit, role, text, pointer, index)
            if self._do502:
                stripped = text.strip()
                if stripped:
                    filler = -1
                    if len(stripped) <= self._trivial_max:
                        filler = self._filler_id(stripped)
                    self._pending.append((len(stripped), self._pointer_id(pointer, index), filler))
        if self._do508 and len(text) >= self._rep_chars:
            if _repeats_near(text, self._rep_k):
                what = repetition(text, self._rep_ngram, self._rep_repeats, self._rep_coverage)
                if what:
                    ptr = pointer or f"/messages/{index}/content"
                    emit.at("DP508", rec, f"{_label(Turn(role, text, ptr))}: {what}", ptr)

    def _leftovers(self, rec: Record, emit: Emit, role: str, text: str, pointer: str | None,
                   index: int) -> None:
        key = "input" if pointer == "/input" else role
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan([
                g for g in self._gated if g.roles is None or key in g.roles
                or (key == "input" and "user" in g.roles)])
        candidates = plan.candidates(text)
        if not candidates:
            return
        prose = _prose(text)
        lowered: str | None = None
        for g in candidates:
            passed = True
            for step, on_lowered in g.steps[1:]:
                if on_lowered:
                    if lowered is None:
                        lowered = text.casefold()
                    hay = lowered
                else:
                    hay = text
                if not any(lit in hay for lit in step):
                    passed = False
                    break
            if not passed:
                continue
            m = g.pattern.regex.search(prose)
            if m is None:
                continue
            ptr = pointer or f"/messages/{index}/content"
            shown = excerpt(text, m.start(), m.end())
            emit.at("DP506", rec, f"{g.pattern.id} ({g.pattern.description}) in the "
                                  f"{_label(Turn(role, text, ptr))}: {shown}", ptr)

    def _truncated(self, rec: Record, emit: Emit, role: str, text: str,
                   pointer: str | None, index: int) -> None:
        # raw documents are chunked anywhere: only replies have endings (see ``_judged``)
        ptr = pointer or f"/messages/{index}/content"
        label = _label(Turn(role, text, ptr))
        if "`" in text:
            fences = _fence_lines(text)
            if fences % 2:
                opened = list(_FENCE.finditer(text))[-1]
                emit.at("DP507", rec, f"{label} ends inside a code block opened at "
                                      f"line {text.count(chr(10), 0, opened.start()) + 1} of the "
                                      f"reply and never closed ({fences} ``` lines)", ptr)
                return
        kind = truncation(text, self._min_chars, self._min_tail)
        if kind is None:
            return
        t = text.rstrip()
        shown = excerpt(t, max(0, len(t) - EXCERPT), len(t))
        if kind == "comma":
            how = "ends on a comma, cut mid-sentence"
        else:
            last = t.split()[-1]
            how = (f"ends on {last!r}, cut mid-sentence" if last.lower() in _OPEN_WORDS
                   else "ends without closing punctuation, likely cut mid-sentence")
        emit.at("DP507", rec, f"{label} {how}: {shown}", ptr)

    def _filler_id(self, stripped: str) -> int:
        norm = _norm_reply(stripped)
        if norm not in self._trivial:
            return -1
        fid = self._filler_ids.get(stripped)
        if fid is None:
            fid = self._filler_ids[stripped] = len(self._fillers)
            self._fillers.append(stripped)
        return fid

    def _pointer_id(self, pointer: str | None, index: int) -> int:
        if pointer is None:
            pid = self._msg_ptr_ids.get(index)
            if pid is None:
                pid = self._msg_ptr_ids[index] = self._pointer_id(f"/messages/{index}/content", -1)
            return pid
        ptr = pointer
        pid = self._ptr_ids.get(ptr)
        if pid is None:
            pid = self._ptr_ids[ptr] = len(self._ptrs)
            self._ptrs.append(ptr)
        return pid

    # -- dataset statistics

    def finish(self, emit: Emit) -> None:
        if "DP502" not in self.context.enabled:
            return
        opts = self.options["DP502"]
        trivial: set[int] = set()
        if self.context.stages["task"].task != "classification":
            trivial = set(self._short)
            for pos, fid in zip(self._short, self._short_text):
                filler = self._fillers[fid]
                self._emit_at(emit, pos, f"trivially short reply {filler!r} in generative data: "
                                         "the model learns to answer without answering")
        if len(self._len) >= int(opts["min_replies"]):
            self._outliers(emit, float(opts["z"]), float(opts["min_ratio"]), trivial)

    def _outliers(self, emit: Emit, z: float, min_ratio: float, skip: set[int]) -> None:
        lengths = sorted(self._len)
        n = len(lengths)
        median = (lengths[(n - 1) // 2] + lengths[n // 2]) / 2
        centre = math.log(median)
        logs = sorted(abs(math.log(x) - centre) for x in lengths)
        mad = (logs[(n - 1) // 2] + logs[n // 2]) / 2
        scale = max(1.4826 * mad, 0.05)
        low = min(math.exp(centre - z * scale), median / min_ratio)
        high = max(math.exp(centre + z * scale), median * min_ratio)
        p10, p90 = lengths[(n - 1) // 10], lengths[(9 * (n - 1)) // 10]
        typical = (f"this dataset's typical {p10:,}–{p90:,} characters "
                   f"(10th–90th percentile, median {median:,.0f})")
        for pos, length in enumerate(self._len):
            if low <= length <= high or pos in skip:
                continue
            zscore = abs(math.log(length) - centre) / scale
            side = "shorter" if length < low else "longer"
            self._emit_at(emit, pos, f"reply is {_plural(length, 'character')}, far {side} than "
                                     f"{typical}; robust z {zscore:.1f}")

    def _emit_at(self, emit: Emit, pos: int, message: str) -> None:
        line = self._line[pos]
        emit("DP502", self._paths[self._file[pos]], line or None, self._rec[pos], message,
             pointer=self._ptrs[self._ptr[pos]])


def _plain_messages(msgs: list[Any]) -> bool:
    for m in msgs:
        if type(m) is not dict or type(m.get("content")) is not str:
            return False
    return True


_PUNCT_STRIP = " \t\r\n.!?,;:'\"“”‘’…-—–()"


def _norm_reply(s: str) -> str:
    return " ".join(s.lower().strip(_PUNCT_STRIP).split())

