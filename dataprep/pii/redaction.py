"""Redaction: mask every secret and every piece of personal data in a finding message.

Every message of every rule passes through :func:`redact` (the engine calls it), so that
no excerpt a rule quotes (a tool-call argument, a template leftover, a prompt) prints an
API key, a private key, a card number, an e-mail address, an IBAN, a phone number or a
public IP address in any output format.  What is masked is what the kinds of the pii
pack call personal or secret; secrets are masked whether or not they pass their
validator, personal data only when it is real (a placeholder address such as
support@example.com identifies nobody and stays readable).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence

from dataprep.packs import Pattern, builtin_pack, load
from dataprep.pii.display import mask
from dataprep.pii.kinds import kind_of, resolve
from dataprep.pii.scanner import Hit, Scanner, key_runs, keylike
from dataprep.pii.validators import entropy_bits
from dataprep.regexlits import leading_literals


def shown(hit: Hit) -> str:
    """How a hit is shown in a message (its kind's mask)."""
    return mask(hit.pattern, hit.value, hit.kind.mask, hit.kind.keep)


class Redactor:
    """Masks every secret and every personal-data match in a text.

    Built from the patterns to mask (by default the built-in pack); secret patterns mask
    without their validators.  Besides the pattern matches it masks what a cut-short
    quote leaves of a key: a run of key characters (with a digit or a capital) that holds
    a known key prefix and six more characters, and runs of 24 or more that look random.
    """

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        wanted = [p for p in resolve(patterns) if p.secret or kind_of(p).personal]
        self._scanner = Scanner(wanted, strict=False)
        prefixes: set[str] = set()
        for p in wanted:
            lits, leading = leading_literals(p.regex)
            if p.secret and leading and lits:
                prefixes.update(lit for lit in lits if len(lit) >= 2)
        self._prefixes = tuple(sorted(prefixes, key=lambda x: (-len(x), x)))
        self.redact = functools.lru_cache(maxsize=4096)(self._redact)

    def _redact(self, text: str) -> str:
        if self._scanner.prefilter(text):
            text = _replace(text, [(h.start, h.end, shown(h)) for h in self._scanner.scan(text)
                                   if h.pattern.secret or h.placeholder is None])
        spans: list[tuple[int, int, str]] = []
        for i, j in key_runs(text, 9):
            run = text[i:j]
            if not keylike(run):
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
