"""Cheap text normalisation and hashing for exact-duplicate detection.

Normalised form = Unicode NFKC, case-folded, runs of whitespace collapsed to one space,
trimmed.  Whitespace here is space, tab, newline, CR, VT, FF and the Unicode line
separators; the ASCII control characters U+001C-U+001F are *not* whitespace, because
``formats.content_text`` uses them to mark roles and fields (and strips each field, so
edge whitespace never sits next to a separator), and a duplicate must have the same text
in the same roles.

Speed matters: this runs on every valid record when the volume rules are on.  The ASCII
fast path skips NFKC and uses ``str.lower`` (identical to NFKC + casefold on ASCII), and
whitespace is collapsed with C-level ``str.replace`` passes instead of
``split``/``join``, which measured about 3x slower on 4 KB chat records.
"""

from __future__ import annotations

import unicodedata
from hashlib import blake2b

_ASCII_WS = ("\n", "\t", "\r", "\x0b", "\x0c")
# NFKC already maps the Unicode space characters (NBSP, em space, ideographic space...)
# to U+0020; these line separators it leaves alone.
_UNICODE_WS = (*_ASCII_WS, "\x85", "\u2028", "\u2029")


def normalize(text: str) -> str:
    if text.isascii():
        s = text.lower()
        seps = _ASCII_WS
    else:
        s = unicodedata.normalize("NFKC", text).casefold()
        seps = _UNICODE_WS
    for ch in seps:
        if ch in s:
            s = s.replace(ch, " ")
    while "  " in s:
        s = s.replace("  ", " ")
    return s.strip(" ")


def content_hash(text: str) -> bytes:
    """16-byte digest of the normalised text (collisions are negligible at 2^-64 pairs)."""
    return blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=16).digest()
