"""Find personal data and secrets in text, and mask them: shared by DP6xx and every message.

Two users need the same matching: the DP6xx rules, which report what they find in the
records, and the engine, which passes every finding message of every rule through
:func:`redact` so that no excerpt (a quoted tool-call argument, a template leftover, a
prompt) prints an API key, a private key, a card number, an e-mail address, an IBAN, a
phone number or a public IP address in any output format.  The patterns are the built-in
``pii`` pattern pack (``rules/packs/pii.toml``); this module adds the validators the pack
names (``check = "luhn"``, ...), the masks, and the scanning that keeps it cheap.

Why the scanning is not one ``finditer`` per pattern: a Python regex that cannot start
with a literal tests every position of the text (about 5 ns a character, 20-40 µs for a
4 KB record), even ``"AIza" in text`` costs 1-2 µs on 4 KB, and there are two dozen
patterns while the budget for all of them is a few tens of µs.  So the built-in patterns
are searched only near anchors every match must have:

- e-mail: windows around each ``@``;
- phone, card, IBAN, IPv4: windows around runs of at least 7 digits and number
  separators, found on a class-mapped byte view of the text (``bytes.translate``, then a
  regex that starts with a literal), and only when the text has a digit at all;
- keys and key blocks: windows around runs of 16 or more key characters (letters,
  digits, ``_-+/=``), found with one ``bytes.find`` on the same kind of view; prose has
  no such runs, and every built-in key is one;
- user patterns: only when one of their required literals (``EMP-``, or one per
  alternative) is in the text, else over the whole text.

The masks never contain what they hide (at most the last four digits of a card, the last
two of a phone number, a provider's public key prefix) and never match a pattern
themselves, so masking is idempotent.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from dataprep.packs import Pattern, builtin_pack

if sys.version_info >= (3, 11):
    import re._constants as _sre_c
    import re._parser as _sre_parse
else:  # pragma: no cover
    import sre_constants as _sre_c
    import sre_parse as _sre_parse

#: rules whose matches are personal data (masked everywhere, like secrets)
PII_RULES = frozenset({"DP601", "DP602", "DP603", "DP604", "DP605"})
#: built-in rule families, in the order a text span is claimed (a phone-looking run inside
#: a key or an IBAN is part of that key or IBAN, not a phone number)
RULE_PRIORITY = ("DP607", "DP606", "DP603", "DP604", "DP601", "DP602", "DP605", "DP699")

Validator = Callable[[re.Match[str], str], bool]


# --------------------------------------------------------------------------- validators

def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) checksum of a digit string."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_network(digits: str) -> str | None:
    """The card scheme whose issuer prefix (IIN) and length fit ``digits``, if any."""
    n = len(digits)
    p2, p4, p6 = int(digits[:2]), int(digits[:4]), int(digits[:6])
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "Mastercard"
    if p2 in (34, 37) and n == 15:
        return "American Express"
    discover = p4 == 6011 or p2 == 65 or 644 <= p6 // 1000 <= 649 or 622126 <= p6 <= 622925
    if discover and 16 <= n <= 19:
        return "Discover"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "JCB"
    if (300 <= p6 // 1000 <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19:
        return "Diners Club"
    if 2200 <= p4 <= 2204 and 16 <= n <= 19:
        return "Mir"
    if p2 == 62 and 16 <= n <= 19:
        return "UnionPay"
    if (p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) or p2 in (56, 57, 58)) \
            and 13 <= n <= 19:
        return "Maestro"
    return None


#: published test numbers of payment processors: in documentation and tutorials, not PII
TEST_CARDS = frozenset({
    "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556",
    "4222222222222", "5555555555554444", "5105105105105100", "5200828282828210",
    "2223003122003222", "378282246310005", "371449635398431", "378734493671000",
    "6011111111111117", "6011000990139424", "3530111333300000", "3566002020360505",
    "30569309025904", "38520000023237", "6200000000000005",
})

_GROUPINGS = ((4, 6, 5), (4, 6, 4))


def _card(m: re.Match[str], value: str) -> bool:
    seps = {c for c in value if c in " -"}
    if len(seps) > 1:
        return False
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isascii() or not digits.isdigit():
        return False
    if not 13 <= len(digits) <= 19 or digits in TEST_CARDS or len(set(digits)) < 3:
        return False
    if seps:  # grouped numbers are grouped the way cards are printed
        groups = tuple(len(g) for g in re.split("[ -]", value))
        fours = all(g == 4 for g in groups[:-1]) and 1 <= groups[-1] <= 4
        if groups not in _GROUPINGS and not fours:
            return False
    return card_network(digits) is not None and luhn_ok(digits)


#: IBAN length by country (SWIFT IBAN registry)
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_ok(value: str) -> bool:
    """Country length and the ISO 7064 mod-97-10 check of an IBAN (spaces ignored)."""
    s = value.replace(" ", "").upper()
    if IBAN_LENGTHS.get(s[:2]) != len(s) or not s.isalnum() or not "02" <= s[2:4] <= "98":
        return False
    rearranged = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in rearranged)
    return int(num) % 97 == 1


def _iban(m: re.Match[str], value: str) -> bool:
    return iban_ok(value)


#: well-known public resolvers: infrastructure, not anybody's address
_RESOLVERS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "149.112.112.112",
                        "208.67.222.222", "208.67.220.220", "4.2.2.2", "4.2.2.1"})
_VERSION_WORDS = ("version", "release", "build", "firmware", "ver.", "rev.")


def ipv4_public(text: str) -> bool:
    """Whether a dotted quad is a public unicast IPv4 address written plainly.

    Private, shared, loopback, link-local, documentation, multicast and reserved ranges
    identify nobody; neither do well-known resolvers.  Quads of single digits (1.2.3.4,
    2.1.0.5) are version and section numbers far more often than addresses.
    """
    parts = text.split(".")
    if len(parts) != 4 or any(not p.isdigit() or (len(p) > 1 and p[0] == "0") for p in parts):
        return False
    if text in _RESOLVERS or all(len(p) == 1 for p in parts):
        return False
    try:
        ip = ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


def _ipv4(m: re.Match[str], value: str) -> bool:
    before = m.string[max(0, m.start() - 12): m.start()].lower()
    return ipv4_public(value) and not any(w in before for w in _VERSION_WORDS)


#: domains that are reserved for examples (RFC 2606, RFC 6761) or conventional
#: placeholders in written examples; addresses there identify nobody
_PLACEHOLDER_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.edu",
                                  "domain.com", "yourdomain.com", "yourcompany.com", "email.com"})
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})
#: "icon@2x.png" is a file name (retina image), not an address
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf", "tif",
                        "tiff", "avif", "heic", "mp4", "mov", "txt", "zip", "gz", "tar", "js",
                        "css", "html", "json", "py"})


def _email(m: re.Match[str], value: str) -> bool:
    local, _, domain = value.rpartition("@")
    domain = domain.lower()
    tld = domain.rsplit(".", 1)[-1]
    if local.lower() == "git" or tld in _FILE_TLDS or tld in _RESERVED_TLDS:
        return False
    return not any(domain == d or domain.endswith("." + d) for d in _PLACEHOLDER_DOMAINS)


#: six digits in a row counting up or down: written placeholders, not numbers
_SEQUENCES = tuple({"01234567890123"[i:i + 6] for i in range(8)}
                   | {"98765432109876"[i:i + 6] for i in range(8)})
_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})


def _phone(m: re.Match[str], value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    if not 7 <= len(digits) <= 15 or len(set(digits)) < 3:
        return False
    if any(run in digits for run in _SEQUENCES):  # placeholders such as (234) 567-8901
        return False
    # North American numbers in the 555 exchange are reserved for fiction and directory
    # assistance, and toll-free numbers belong to businesses: they identify nobody
    local = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if len(local) == 10 and (local[3:6] == "555" or local[:3] in _TOLL_FREE):
        return False
    return not (len(local) == 7 and local[:3] == "555")


_PLACEHOLDER_WORDS = ("EXAMPLE", "example", "xxxx", "XXXX", "YOUR", "your_", "Your", "REPLACE",
                      "replace", "dummy", "DUMMY", "placeholder", "PLACEHOLDER", "redacted",
                      "REDACTED", "0000000", "1234567", "abcdefg", "ABCDEFG")


def entropy_bits(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character."""
    n = len(s)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def looks_random(value: str) -> bool:
    """A credential rather than a placeholder: mixed character classes, high entropy."""
    if len(value) < 16 or any(w in value for w in _PLACEHOLDER_WORDS):
        return False
    classes = (any(c.islower() for c in value) + any(c.isupper() for c in value)
               + any(c.isdigit() for c in value))
    return classes >= 2 and entropy_bits(value) >= 3.0


def _entropy(m: re.Match[str], value: str) -> bool:
    return looks_random(value)


_BASE64 = re.compile(r"[A-Za-z0-9+/=]")


def _pem(m: re.Match[str], value: str) -> bool:
    end = value.find("-----", 11)
    body = value[end + 5:] if end >= 0 else value
    body = body.split("-----END", 1)[0]
    return len(_BASE64.findall(body)) >= 64


#: validators pack patterns name with ``check = "..."``; each gets (match, value) where
#: value is the pattern's ``secret`` or ``value`` group, or the whole match
VALIDATORS: dict[str, Validator] = {
    "luhn": _card,
    "iban-mod97": _iban,
    "ipv4": _ipv4,
    "email": _email,
    "phone": _phone,
    "entropy": _entropy,
    "pem": _pem,
}


# --------------------------------------------------------------------------- masks

def mask(p: Pattern, value: str) -> str:
    """How a match is shown: enough to find it in the data, never enough to use it."""
    rule = p.rule
    if p.secret:
        if rule == "DP607" or value.startswith("-----BEGIN"):
            return f"[redacted private key block, {len(value)} chars]"
        whole = not ({"secret", "value"} & set(p.regex.groupindex))
        keep = value[:4] if whole and _literal_prefix_len(p) >= 2 and len(value) > 12 else ""
        return f"{keep}…[redacted {len(value) - len(keep)} chars]"
    if rule == "DP601" and "@" in value:
        local, _, domain = value.rpartition("@")
        labels = domain.split(".")
        tld = labels[-1] if len(labels) > 1 else ""
        return f"{local[:1]}***@{labels[0][:1]}***" + (f".{tld}" if tld else "")
    if rule == "DP602":
        return _mask_digits(value, 2)
    if rule == "DP603":
        return _mask_digits(value, 4)
    if rule == "DP604":
        s = value.replace(" ", "")
        return s[:2] + "*" * max(0, len(s) - 6) + s[-4:] if len(s) > 8 else "*" * len(s)
    if rule == "DP605" and value.count(".") == 3:
        return value.split(".", 1)[0] + ".*.*.*"
    if rule in PII_RULES:
        return f"[redacted {len(value)} chars]"
    return value if len(value) <= 40 else value[:39] + "…"


def _mask_digits(value: str, keep: int) -> str:
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


# --------------------------------------------------------------------------- scanning

class Hit(NamedTuple):
    """One validated match: the pattern, and the span and text of its value."""

    pattern: Pattern
    start: int
    end: int
    value: str


def _literals(items: Iterable[tuple[object, object]]) -> tuple[tuple[str, ...] | None, bool]:
    """The literals one of which every match must contain (and whether it starts it)."""
    lit: list[str] = []
    leading = True
    for op, av in items:
        if op is _sre_c.LITERAL:
            lit.append(chr(av))  # type: ignore[arg-type]
            continue
        if lit:
            break
        if op in (_sre_c.AT, _sre_c.ASSERT, _sre_c.ASSERT_NOT):
            leading = False
            continue
        if op is _sre_c.BRANCH:
            alts = [_literals(list(b))[0] for b in av[1]]  # type: ignore[index]
            if all(alts):
                return tuple(s for a in alts for s in a), leading  # type: ignore[union-attr]
        elif op is _sre_c.SUBPATTERN:
            _, add_flags, _, sub = av  # type: ignore[misc]
            if not add_flags & re.IGNORECASE:
                found, lead = _literals(list(sub))
                return found, leading and lead
        break
    return (("".join(lit),), leading) if len(lit) >= 2 else (None, False)


@functools.lru_cache(maxsize=None)
def _analyse(regex: re.Pattern[str]) -> tuple[tuple[str, ...] | None, bool]:
    """(required literals, whether they start every match) of a compiled pattern."""
    if regex.flags & re.IGNORECASE:
        return None, False
    try:
        return _literals(list(_sre_parse.parse(regex.pattern, regex.flags)))
    except Exception:  # noqa: BLE001 - an unusual pattern just loses its prefilter
        return None, False


def _literal_prefix_len(p: Pattern) -> int:
    """Length of the literal every match of ``p`` starts with (0: none)."""
    lits, leading = _analyse(p.regex)
    return min(len(s) for s in lits) if lits and leading else 0


# Cheap views of a text: ``text.encode("ascii", "replace")`` has one byte per character
# (so offsets stay valid), and ``bytes.translate`` maps it to character classes in one C
# loop; searching the class bytes with a regex that starts with a literal is then a
# memchr-style jump instead of a test at every position.
_NUM_MAP = bytes(ord("d") if chr(i).isdigit() and i < 128 else ord("s") if chr(i) in " ().+/-"
                 else ord("x") for i in range(256))
#: a run of at least 7 digits and number separators: every built-in numeric match has one
_NUM_RUN = re.compile(rb"d[ds]{5,}d")
_KEY_MAP = bytes(ord("k") if (chr(i).isalnum() or chr(i) in "_-+/=") and i < 128 else ord(" ")
                 for i in range(256))
#: 16 key characters in a row: every built-in key or key block has such a run
_KEY_RUN = b"k" * 16
_DIGITS = "0123456789"
#: how far around an anchor a match may reach (labels before a phone number, the
#: ``hooks.slack.com/services/...`` path before a webhook secret, a key block's header)
_BEFORE, _AFTER = 64, 72
#: more ``@`` signs than this and windows stop paying off
_MAX_ANCHORS = 200

_AT, _NUMERIC, _KEYRUN, _LITERAL, _FULL = range(5)


class _Compiled(NamedTuple):
    pattern: Pattern
    strategy: int
    literals: tuple[str, ...]
    bounded: bool  # starts with a literal: a match must not start inside a word
    validator: Validator | None
    group: int | str  # the value's group (0: the whole match)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def has_digit(text: str) -> bool:
    """Whether ``text`` holds an ASCII digit (ten substring tests beat a regex scan)."""
    for d in _DIGITS:
        if d in text:
            return True
    return False


#: per numeric rule (or pattern id): (digits a run needs, needs a dot, characters before,
#: after).  A card, an address or an unlabelled phone number lies inside its run; a phone
#: label and an IBAN's country code and letter groups lie around it.
_NUMERIC_NEEDS: dict[str, tuple[int, bool, int, int]] = {
    "DP602": (7, False, 2, 2),
    "phone.labelled": (7, False, 48, 4),
    "DP603": (13, False, 2, 2),
    "DP604": (7, False, 12, 20),
    "DP605": (5, True, 2, 2),
}
#: class views of dates (2024-05-12, 12/05/2024, 12.05.2024): no phone, card or IBAN
_DATE_SHAPES = frozenset({b"ddddsddsdd", b"ddsddsdddd", b"dsdsdddd", b"ddsdsdddd", b"dsddsdddd"})


def _numeric_runs(text: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, digits, has a dot) of each run of 7+ digits and number separators."""
    if not has_digit(text):
        return []
    view = text.encode("ascii", "replace").translate(_NUM_MAP)
    out = []
    for m in _NUM_RUN.finditer(view):
        a, b = m.span()
        has_dot = text.find(".", a, b) >= 0
        if m.group() in _DATE_SHAPES and not (has_dot and text.count(".", a, b) == 3):
            continue
        out.append((a, b, view.count(b"d", a, b), has_dot))
    return out


def _numeric_windows(runs: list[tuple[int, int, int, bool]], p: Pattern,
                     n: int) -> list[tuple[int, int]]:
    """Windows around the runs that can hold a match of ``p``."""
    need = _NUMERIC_NEEDS.get(p.id) or _NUMERIC_NEEDS.get(p.rule) or (0, False, _BEFORE, _AFTER)
    digits, dot, before, after = need
    return _merge([(max(0, a - before), min(n, b + after)) for a, b, d, has_dot in runs
                   if d >= digits and (has_dot or not dot)])


def has_key_run(text: str) -> bool:
    """Whether ``text`` has 16 key characters (letters, digits, ``_-+/=``) in a row."""
    return _KEY_RUN in text.encode("ascii", "replace").translate(_KEY_MAP)


_ANY_DIGIT = re.compile(r"[0-9]").search


def _key_windows(text: str) -> list[tuple[int, int]]:
    """Windows around runs of 16+ key characters that hold a digit or a capital.

    Long lower-case runs are words, identifiers and file names; every built-in key mixes
    in digits or capitals (16 random base-62 characters have neither about once in a
    million).
    """
    view = text.encode("ascii", "replace").translate(_KEY_MAP)
    i = view.find(_KEY_RUN)
    if i < 0:
        return []
    n = len(text)
    spans = []
    while i >= 0:
        j = view.find(b" ", i)
        if j < 0:
            j = n
        run = text[i:j]
        if not run.islower() or _ANY_DIGIT(run):
            spans.append((max(0, i - _BEFORE), min(n, j + _AFTER)))
        i = view.find(_KEY_RUN, j)
    return _merge(spans)


def _at_windows(text: str) -> list[tuple[int, int]] | None:
    """Windows around each ``@`` (None: too many, scan the whole text)."""
    spans = []
    i = text.find("@")
    n = len(text)
    while i >= 0:
        if len(spans) >= _MAX_ANCHORS:
            return None
        spans.append((max(0, i - 65), min(n, i + 256)))
        i = text.find("@", i + 1)
    return _merge(spans)


def _holds(text: str, literals: tuple[str, ...]) -> bool:
    for lit in literals:
        if lit in text:
            return True
    return False


def _is_builtin(p: Pattern) -> bool:
    return p.source.endswith("(built in)")


def unknown_checks(patterns: Iterable[Pattern]) -> list[Pattern]:
    """Patterns that name a validator this module does not have."""
    return [p for p in patterns if p.check is not None and p.check not in VALIDATORS]


class Scanner:
    """Finds validated matches of a list of patterns in texts, cheaply.

    ``strict`` (the rules): validators apply to every pattern and a provider key must not
    start inside a word.  Not strict (redaction): secrets are masked whether or not they
    pass their validator (a placeholder key masked in a message costs nothing) and word
    boundaries are ignored (``\\nsk-...`` in JSON-escaped text is still a key).
    """

    def __init__(self, patterns: Sequence[Pattern], *, strict: bool = True) -> None:
        order = {r: i for i, r in enumerate(RULE_PRIORITY)}
        ranked = sorted(enumerate(patterns),
                        key=lambda ip: (order.get(ip[1].rule, len(order)), ip[0]))
        self.strict = strict
        self._compiled: list[_Compiled] = []
        for _, p in ranked:
            lits, leading = _analyse(p.regex)
            builtin = _is_builtin(p)
            if builtin and p.rule == "DP601":
                strategy = _AT
            elif builtin and p.rule in ("DP602", "DP603", "DP604", "DP605"):
                strategy = _NUMERIC
            elif builtin and p.rule in ("DP606", "DP607"):
                strategy = _KEYRUN
            elif lits:
                strategy = _LITERAL
            else:
                strategy = _FULL
            validator = VALIDATORS.get(p.check) if p.check else None
            if p.secret and not strict:
                validator = None
            gi = p.regex.groupindex
            group: int | str = "secret" if "secret" in gi else "value" if "value" in gi else 0
            self._compiled.append(_Compiled(p, strategy, lits or (), leading and strict,
                                            validator, group))
        kinds = {c.strategy for c in self._compiled}
        self._need_at = _AT in kinds
        self._need_digit = _NUMERIC in kinds
        self._need_keyrun = _KEYRUN in kinds
        self._need_full = _FULL in kinds
        lits = {lit for c in self._compiled if c.strategy == _LITERAL for lit in c.literals}
        # a literal that contains another is implied by it
        self._literals = tuple(sorted(x for x in lits if not any(y != x and y in x for y in lits)))

    def prefilter(self, text: str) -> bool:
        """Whether any pattern could match somewhere in ``text`` (a few C-speed passes)."""
        if self._need_full:
            return True
        if self._need_at and "@" in text:
            return True
        if self._need_digit and has_digit(text):
            return True
        for lit in self._literals:
            if lit in text:
                return True
        return self._need_keyrun and has_key_run(text)

    def scan(self, text: str, role: str | None = None) -> list[Hit]:
        """Validated, non-overlapping hits in ``text``, by start (higher rule wins a span)."""
        n = len(text)
        at: list[tuple[int, int]] | None = (_at_windows(text) if self._need_at and "@" in text
                                             else [])
        runs = _numeric_runs(text) if self._need_digit else []
        keys = _key_windows(text) if self._need_keyrun else []
        if at == [] and not runs and not keys and not self._literals and not self._need_full:
            return []  # the common case: nothing any built-in pattern could match
        hits: list[Hit] = []
        claimed: list[tuple[int, int]] = []
        numeric: dict[str, list[tuple[int, int]]] = {}
        whole = [(0, n)]
        for c in self._compiled:
            s = c.strategy
            windows: list[tuple[int, int]] | None
            if s == _NUMERIC:
                if not runs:
                    continue
                key = c.pattern.id if c.pattern.id in _NUMERIC_NEEDS else c.pattern.rule
                windows = numeric.get(key)
                if windows is None:
                    windows = numeric[key] = _numeric_windows(runs, c.pattern, n)
            elif s == _KEYRUN:
                windows = keys
            elif s == _AT:
                windows = whole if at is None else at
            elif s == _LITERAL:
                if not any(lit in text for lit in c.literals):
                    continue
                windows = whole
            else:
                windows = whole
            if not windows:
                continue
            p = c.pattern
            if role is not None and p.roles is not None and role not in p.roles:
                continue
            if c.literals and s != _LITERAL:  # only windows holding one of its literals
                lits = c.literals
                windows = [w for w in windows if _holds(text[w[0]:w[1]], lits)]
            for a, b in windows:
                for m in p.regex.finditer(text, a, b):
                    if m.end() == m.start():
                        continue
                    if c.bounded and m.start() > 0:
                        prev = text[m.start() - 1]
                        if prev.isalnum() or prev == "_":
                            continue
                    start, end = m.span(c.group)
                    if start < 0:
                        start, end = m.span()
                    value = text[start:end]
                    if c.validator is not None and not c.validator(m, value):
                        continue
                    if any(start < ce and cs < end for cs, ce in claimed):
                        continue
                    claimed.append((start, end))
                    hits.append(Hit(p, start, end, value))
        hits.sort(key=lambda h: h.start)
        return hits


# --------------------------------------------------------------------------- redaction

class Redactor:
    """Masks every secret and every personal-data match in a text.

    Built from the patterns to mask (by default the built-in pack); secret patterns mask
    without their validators.  Besides the pattern matches it masks what a cut-short
    quote leaves of a key: a run of key characters (with a digit or a capital) that holds
    a known key prefix and six more characters, and runs of 24 or more that look random.
    """

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        wanted = [p for p in patterns if p.secret or p.rule in PII_RULES]
        self._scanner = Scanner(wanted, strict=False)
        prefixes = {lit for p in wanted if p.secret and _analyse(p.regex)[1]
                    for lit in (_analyse(p.regex)[0] or ()) if len(lit) >= 2}
        self._prefixes = tuple(sorted(prefixes, key=lambda x: (-len(x), x)))
        self.redact = functools.lru_cache(maxsize=4096)(self._redact)

    def _redact(self, text: str) -> str:
        if self._scanner.prefilter(text):
            text = _replace(text, [(h.start, h.end, mask(h.pattern, h.value))
                                   for h in self._scanner.scan(text)])
        spans: list[tuple[int, int, str]] = []
        for i, j in _runs(text, 9):
            run = text[i:j]
            if run.islower() and not _ANY_DIGIT(run):
                continue
            starts = [k for k in (_token_start(text, i, run, pre) for pre in self._prefixes)
                      if k >= 0 and len(run) - k >= 9]
            if starts:  # from the first key prefix on, the run is key material
                cut = run[min(starts):]
                spans.append((j - len(cut), j, f"{cut[:4]}…[redacted {len(cut) - 4} chars]"))
            elif len(run) >= 24 and _mixed(run):
                spans.append((i, j, f"[redacted {len(run)} chars]"))
        return _replace(text, spans)


def _replace(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end) span replaced (later overlapping spans dropped)."""
    if not spans:
        return text
    out = []
    pos = 0
    for a, b, rep in sorted(spans):
        if a < pos:
            continue
        out.append(text[pos:a])
        out.append(rep)
        pos = b
    out.append(text[pos:])
    return "".join(out)


def _token_start(text: str, i: int, run: str, prefix: str) -> int:
    """Where ``prefix`` starts a token inside ``run`` (which starts at ``text[i]``), or -1.

    A token starts at the run's start, after ``_-+/=``, or after a JSON escape (the ``n``
    of ``\\n``): ``sk-`` in ``task-...`` or ``gh`` in ``highScore`` start nothing.
    """
    k = run.find(prefix)
    while k >= 0:
        if k == 0 or run[k - 1] in "_-+/=" or (i + k >= 2 and text[i + k - 2] == "\\"):
            return k
        k = run.find(prefix, k + 1)
    return -1


def _runs(text: str, minimum: int) -> list[tuple[int, int]]:
    """Spans of the runs of ``minimum`` or more key characters in ``text``."""
    view = text.encode("ascii", "replace").translate(_KEY_MAP)
    needle = b"k" * minimum
    out = []
    i = view.find(needle)
    while i >= 0:
        j = view.find(b" ", i)
        if j < 0:
            j = len(view)
        out.append((i, j))
        i = view.find(needle, j)
    return out


_SEPARATORS = re.compile(r"[/_-]")


def _mixed(v: str) -> bool:
    """Key-like: a 16+ character stretch without separators (paths and identifiers have
    short ones), at least two digits, two capitals and two small letters, high entropy."""
    if max(len(s) for s in _SEPARATORS.split(v)) < 16:
        return False
    lower = upper = digit = 0
    for c in v:
        if c.islower():
            lower += 1
        elif c.isupper():
            upper += 1
        elif c.isdigit():
            digit += 1
    return lower >= 2 and upper >= 2 and digit >= 2 and entropy_bits(v) >= 3.5


@functools.lru_cache(maxsize=1)
def default_redactor() -> Redactor:
    return Redactor(builtin_pack("pii"))


def redactor(pattern_packs: Iterable[str] = ()) -> Callable[[str], str]:
    """A redact function that also masks the secret patterns of the user's packs."""
    files = list(pattern_packs)
    if not files:
        return redact
    from dataprep.packs import load

    return Redactor(load(["pii"], files).patterns).redact


def redact(text: str) -> str:
    """``text`` with every secret and personal-data match of the built-in pack masked.

    Used on every finding message, so that no rule's excerpt prints a key, a private key
    block, a card number, an IBAN, an e-mail address, a phone number or a public IP
    address, in any output format.  Idempotent: masks never match again.
    """
    if not text:
        return text
    return default_redactor().redact(text)
