"""DP508: degenerate repetition, a text looping over the same words."""

from __future__ import annotations

import math
from collections import Counter

from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import show


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


_PROBE = 12
_WINDOW = 400


def probe_count(coverage: float) -> int:
    """Probes at ``n*i/(k+1)``, i = 1..k: any stretch covering ``coverage`` of a text holds one."""
    return max(1, math.floor(1 / coverage))


def repeats_near(text: str, k: int) -> bool:
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
    return (f"the words {show(' '.join(top))} occur {count:,} times; repeated n-grams cover "
            f"{share:.0%} of the text")


def _periodic(text: str, min_repeats: int, min_coverage: float) -> str | None:
    """Exact repetition of a unit found from the probe points, with or without spaces
    ("Eat a banana!Eat a banana!", "hahaha", CJK loops)."""
    n = len(text)
    k = probe_count(min_coverage)
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
            return (f"{show(text[lo : lo + d])} repeated {reps:,} times, covering {share:.0%} "
                    "of the text")
    return None
