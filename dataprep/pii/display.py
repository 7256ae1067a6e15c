"""How a match is shown: its mask, and what more a message says about it.

The masks never contain what they hide (at most the last four digits of a card, the last
two of a phone number, a provider's public key prefix) and never match a pattern
themselves, so masking is idempotent.  Kinds name their mask and detail in
``rules/packs/pii.toml`` (``mask = "digits"``, ``keep = 4``, ``detail = "card-network"``);
a secret is always shown with a key mask, whatever its kind says, because a user pack
may mark any pattern ``secret = true``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dataprep.packs import Pattern
from dataprep.pii.validators import card_network
from dataprep.regexlits import leading_literals

#: (pattern, value, characters or digits to keep) -> what a message shows
Mask = Callable[[Pattern, str, int], str]


def _digits(p: Pattern, value: str, keep: int) -> str:
    total = sum(c.isdigit() for c in value)
    out = []
    seen = 0
    for c in value:
        if c.isdigit():
            seen += 1
            out.append(c if seen > total - keep else "*")
        else:
            out.append(c)
    return "".join(out)


def _email(p: Pattern, value: str, keep: int) -> str:
    if "@" not in value:
        return _length(p, value, keep)
    local, _, domain = value.rpartition("@")
    labels = domain.split(".")
    tld = labels[-1] if len(labels) > 1 else ""
    return f"{local[:1]}***@{labels[0][:1]}***" + (f".{tld}" if tld else "")


def _iban(p: Pattern, value: str, keep: int) -> str:
    s = value.replace(" ", "")
    return s[:2] + "*" * max(0, len(s) - 6) + s[-4:] if len(s) > 8 else "*" * len(s)


def _ipv4(p: Pattern, value: str, keep: int) -> str:
    if value.count(".") != 3:
        return _length(p, value, keep)
    return value.split(".", 1)[0] + ".*.*.*"


def literal_prefix_len(p: Pattern) -> int:
    """Length of the literal every match of ``p`` starts with (0: none)."""
    lits, leading = leading_literals(p.regex)
    return min(len(s) for s in lits) if lits and leading else 0


def _key(p: Pattern, value: str, keep: int) -> str:
    whole = not ({"secret", "value"} & set(p.regex.groupindex))
    shown = value[:4] if whole and literal_prefix_len(p) >= 2 and len(value) > 12 else ""
    return f"{shown}…[redacted {len(value) - len(shown)} chars]"


def _block(p: Pattern, value: str, keep: int) -> str:
    return f"[redacted private key block, {len(value)} chars]"


def _length(p: Pattern, value: str, keep: int) -> str:
    return f"[redacted {len(value)} chars]"


def _excerpt(p: Pattern, value: str, keep: int) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


#: masks kinds name with ``mask = "..."``
MASKS: dict[str, Mask] = {
    "email": _email,
    "digits": _digits,
    "iban": _iban,
    "ipv4": _ipv4,
    "key": _key,
    "key-block": _block,
    "length": _length,
    "excerpt": _excerpt,
}


def mask(p: Pattern, value: str, how: str, keep: int = 0) -> str:
    """``value`` shown with mask ``how``: enough to find it in the data, never enough to
    use it (secrets always get a key mask)."""
    if p.secret:
        how = "key-block" if how == "key-block" or value.startswith("-----BEGIN") else "key"
    return MASKS[how](p, value, keep)


def _card_network(p: Pattern, value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    network = card_network(digits) if len(digits) >= 13 else None
    return f" ({network}, Luhn-valid)" if network else ""


def _iban_check(p: Pattern, value: str) -> str:
    return " with valid check digits" if p.check == "iban-mod97" else ""


_PEM_KIND = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY")


def _pem_kind(p: Pattern, value: str) -> str:
    m = _PEM_KIND.match(value)
    return m.group(1).strip() + " " if m and m.group(1) else ""


#: message details kinds name with ``detail = "..."`` (the ``{detail}`` of their message)
DETAILS: dict[str, Callable[[Pattern, str], str]] = {
    "card-network": _card_network,
    "iban-check": _iban_check,
    "pem-kind": _pem_kind,
}
