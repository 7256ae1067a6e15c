"""Cheap text normalisation and hashing for exact-duplicate detection.

Normalised form = Unicode NFKC, case-folded, whitespace collapsed to single spaces.
The ASCII fast path skips NFKC and uses ``str.lower`` (identical to NFKC + casefold on
ASCII), which is what keeps volume rules within budget on large files: NFKC + casefold
on every record costs several times the JSON parse.
"""

from __future__ import annotations

import unicodedata
from hashlib import blake2b


def normalize(text: str) -> str:
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(text: str) -> bytes:
    """16-byte digest of the normalised text (collisions are negligible at 2^-64 pairs)."""
    return blake2b(normalize(text).encode("utf-8", "surrogatepass"), digest_size=16).digest()
