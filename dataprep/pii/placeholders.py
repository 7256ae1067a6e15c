"""Placeholders: matches that have a kind's shape but are obvious stand-ins.

Tutorials, synthetic tool-calling sets and records *about* secret handling are full of
addresses and keys written to look like the real thing (``boss@company.com``,
``jane@example-domain.com``, ``sk_live_abc123xyz789def456``, ``sk-proj-XXXX...``).  They
identify nobody and unlock nothing, so a blocking error or a warning on them teaches
users to ignore the rule; a real-looking address or a random key body keeps its
severity.  A placeholder is still reported, as ``info`` with the reason, because a
stand-in domain such as company.com is somebody's domain and a user may want to look.

Each kind names its test (``placeholder = "email"`` in ``rules/packs/pii.toml``); the
word and domain lists are data in the same pack (``[placeholder.email]``, ...), so they
grow without code.  A test returns the reason (shown after "looks like a placeholder:")
or None.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from dataprep.pii.validators import looks_random

#: value -> the reason it is a placeholder, or None
PlaceholderTest = Callable[[str], "str | None"]


def _strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(s) for s in data.get(key, ()))


def email_test(data: Mapping[str, Any]) -> PlaceholderTest:
    """Addresses at reserved, example or stand-in domains, or with stand-in names."""
    reserved = frozenset(_strings(data, "reserved-tlds"))
    example = _strings(data, "example-domains")
    marker = _strings(data, "example-labels")
    stand_in = frozenset(_strings(data, "stand-in-labels"))
    names = frozenset(_strings(data, "stand-in-names"))
    prefixes = _strings(data, "stand-in-name-prefixes")

    def test(value: str) -> str | None:
        local, _, domain = value.rpartition("@")
        domain = domain.lower()
        labels = domain.split(".")
        if labels[-1] in reserved:
            return f"reserved domain .{labels[-1]}"
        if any(domain == d or domain.endswith("." + d) for d in example) \
                or any(lab.startswith(marker) or lab.endswith(marker) for lab in labels[:-1]):
            return "example domain"
        name = labels[-2] if len(labels) > 1 else ""
        if name in stand_in or (name and len(set(name)) == 1):  # company.com, d.co, xxx.com
            return f"stand-in domain {domain}"
        lp = local.lower()
        if lp in names or lp.startswith(prefixes):
            return f"stand-in name {local}"
        return None

    return test


_SEGMENTS = re.compile(r"[A-Za-z0-9]+")


def sequential_share(s: str) -> float:
    """Share of ``s`` in runs of 3+ characters that count up, down or repeat (abc, 321, 000)."""
    if not s:
        return 0.0
    covered = 0
    run = 1
    for i in range(1, len(s) + 1):
        if i < len(s) and abs(ord(s[i]) - ord(s[i - 1])) <= 1:
            run += 1
            continue
        if run >= 3:
            covered += run
        run = 1
    return covered / len(s)


def key_test(data: Mapping[str, Any]) -> PlaceholderTest:
    """Key values with stand-in words, sequences (``abc123xyz789``) or no randomness.

    The words are matched case-sensitively and are 4+ characters, so a random 40-character
    key holds one of them about once in 10^5 keys; a key body made mostly of counting
    runs, or without mixed character classes and entropy, was typed by a person.
    """
    words = _strings(data, "words")
    share = float(data.get("sequential-share", 0.5))

    def test(value: str) -> str | None:
        for w in words:
            if w in value:
                return f"contains {w!r}"
        body = max(_SEGMENTS.findall(value) or [""], key=len)
        if len(body) >= 8 and sequential_share(body) >= share:
            return "sequential characters"
        if not looks_random(value):
            return "not random"
        return None

    return test


#: placeholder tests kinds name with ``placeholder = "..."``; each is built from the
#: pack's ``[placeholder.<name>]`` table
PLACEHOLDER_TESTS: dict[str, Callable[[Mapping[str, Any]], PlaceholderTest]] = {
    "email": email_test,
    "key": key_test,
}
