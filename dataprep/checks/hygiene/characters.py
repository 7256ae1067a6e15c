"""DP505: characters a model should not learn to write.

The screens are ordered by cost (see ``dataprep.checks.hygiene``): ASCII text is screened
by ``bytes.translate``, other text by a cheap test on its UTF-8 bytes and a few
one-character ``in`` tests, and only a text that fails the screen is scanned by a regex.
"""

from __future__ import annotations

import re
from collections import Counter

from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import excerpt, fence_lines, plural, show


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


_CTRL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])
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


def _control_bytes(bad: bytes) -> list[str]:
    shown = ", ".join(f"U+{c:04X}" for c in sorted(set(bad))[:4])
    return [f"{plural(len(bad), 'control character')} ({shown})"]


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
        out.append(f"{plural(sum(ctrl.values()), 'control character')} ({shown})")
    for ch, n in sorted(zw.items()):
        out.append(f"{_ZW_NAMES[ch]}" + (f" ×{n}" if n > 1 else ""))
    if fffd:
        out.append(f"{plural(fffd, 'replacement character')} U+FFFD (bytes lost in decoding)")
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
            out.append(f"leading whitespace {show(lead)}")
    if text[-1].isspace():
        body = text.rstrip()
        trail = text[len(body):]
        if trail != "\n":
            out.append(f"trailing whitespace {show(trail)}")
    return out


def problems(text: str, reply: bool, lead_ok: bool, fences_are_dp507s: bool) -> list[str]:
    """Every DP505 problem of one non-empty text, as message parts.

    ``reply``: the text is an assistant reply whose edges matter (whitespace);
    ``lead_ok``: the layout puts one space before a reply by convention;
    ``fences_are_dp507s``: an unclosed fence is reported as a cut reply instead.
    """
    if text.isascii():
        bad = text.encode("ascii").translate(None, _ALLOWED_BYTES)
        out = _control_bytes(bad) if bad else []
    else:
        out = _char_problems(text)
    if reply and (text[0].isspace() or text[-1].isspace()) and text.strip():
        out.extend(_whitespace_problems(text, lead_ok))
    if "`" in text:
        fences = fence_lines(text)
        if fences % 2 and not fences_are_dp507s:
            out.append(f"unbalanced code fences ({fences} ``` lines)")
    return out
