"""Validators: what a regex match must also be to count as personal data or a secret.

A pack pattern stays a simple regex and names a validator (``check = "luhn"``, or its
kind's default); the validator decides with what a regex cannot express: checksums
(Luhn, IBAN mod-97), issuer prefixes, address ranges, randomness.  A validator that says
no means "this is not the kind at all" (a version number, a date, a file name, a sum in
a worked arithmetic answer), so nothing is reported; a stand-in that *is* the kind but
identifies nobody is a placeholder (:mod:`dataprep.pii.placeholders`), reported as info.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections import Counter
from collections.abc import Callable

#: (match, value): value is the pattern's ``secret`` or ``value`` group, or the whole match
Validator = Callable[[re.Match[str], str], bool]


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
#: a digit, an arithmetic operator and a digit: the worked sums of math data (a dash or a
#: slash only between spaces: 2024-05-12 and 12/05 are dates)
_ARITHMETIC = re.compile(r"[0-9](?:[ \t]*[+*×÷=][ \t]*| [-/] )[0-9]")


def in_arithmetic(m: re.Match[str]) -> bool:
    """Whether an ungrouped number sits in a calculation (``a + b = <number>``).

    Long sums and products in math answers pass Luhn one time in ten and carry a ``+``
    sign that reads like an international prefix; a digit then an operator right before
    the number, or an operation in the text just before or after it, says it is a result.
    """
    text = m.string
    before = text[max(0, m.start() - 80): m.start()]
    if before.rstrip().endswith(tuple("0123456789")) and text[m.start()] == "+":
        return True
    return bool(_ARITHMETIC.search(before) or _ARITHMETIC.search(text, m.end(), m.end() + 40))


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
    elif in_arithmetic(m):
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
#: ``/16`` after an address: a network range (a provider's block), not a host
_CIDR_SUFFIX = re.compile(r"/[0-9]{1,2}(?![0-9])")


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
    if _CIDR_SUFFIX.match(m.string, m.end()):
        return False
    return ipv4_public(value) and not any(w in before for w in _VERSION_WORDS)


#: "icon@2x.png" is a file name (retina image), not an address
_FILE_TLDS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf", "tif",
                        "tiff", "avif", "heic", "mp4", "mov", "txt", "zip", "gz", "tar", "js",
                        "css", "html", "json", "py"})


def _email(m: re.Match[str], value: str) -> bool:
    """An address, not a file name (``icon@2x.png``) or an SSH remote (``git@host``)."""
    local, _, domain = value.rpartition("@")
    tld = domain.rsplit(".", 1)[-1].lower()
    return local.lower() != "git" and tld not in _FILE_TLDS


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
    if digits == value.lstrip("+") and in_arithmetic(m):  # "472547338 +960397912423686"
        return False
    # North American numbers in the 555 exchange are reserved for fiction and directory
    # assistance, and toll-free numbers belong to businesses: they identify nobody
    local = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if len(local) == 10 and (local[3:6] == "555" or local[:3] in _TOLL_FREE):
        return False
    return not (len(local) == 7 and local[:3] == "555")


def entropy_bits(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character."""
    n = len(s)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def looks_random(value: str) -> bool:
    """Random enough for a credential: 16+ characters, mixed classes, high entropy.

    A value assigned to ``api_key`` or sent as a bearer token without this is a name, an
    expression or a word (``process.env.TOKEN``, ``ACCESS_TOKEN_FROM_ENV``), not a key.
    """
    if len(value) < 16:
        return False
    classes = (any(c.islower() for c in value) + any(c.isupper() for c in value)
               + any(c.isdigit() for c in value))
    return classes >= 2 and entropy_bits(value) >= 3.0


_WORD = re.compile(r"[a-z]+|[A-Z]+|[A-Z][a-z]+")
_NAME_SEPARATORS = re.compile(r"[._-]")


def is_name(value: str) -> bool:
    """A dotted or underscored name of words (``process.env.OPENAI_API_KEY``), which code
    assigns to a key variable where the key itself belongs elsewhere."""
    parts = _NAME_SEPARATORS.split(value)
    return len(parts) >= 3 and all(_WORD.fullmatch(w) for w in parts if w)


def _entropy(m: re.Match[str], value: str) -> bool:
    return looks_random(value) and not is_name(value)


_BASE64 = re.compile(r"[A-Za-z0-9+/=]")


def _pem(m: re.Match[str], value: str) -> bool:
    end = value.find("-----", 11)
    body = value[end + 5:] if end >= 0 else value
    body = body.split("-----END", 1)[0]
    return len(_BASE64.findall(body)) >= 64


#: validators pack patterns and kinds name with ``check = "..."``
VALIDATORS: dict[str, Validator] = {
    "luhn": _card,
    "iban-mod97": _iban,
    "ipv4": _ipv4,
    "email": _email,
    "phone": _phone,
    "entropy": _entropy,
    "pem": _pem,
}
