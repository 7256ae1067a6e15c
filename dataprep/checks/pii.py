"""DP601-DP607, DP699: personal data and secrets, from data-defined pattern packs.

A model memorises rare strings it sees in training and can repeat them to anyone who
prompts it the right way; an e-mail address, a phone number or an API key in a
fine-tuning set is a leak waiting for a query.  The patterns and the kinds of data they
find are data (``rules/packs/pii.toml``, extended by the user's ``pattern-packs``); the
validators, placeholder tests, masks and scanning live in :mod:`dataprep.pii`, which the
engine also uses to mask every other rule's message.  Each rule here only declares
itself; which rule reports a match is the kind's ``rule``.

Every text of a record is searched: all turns of every format (through
:mod:`dataprep.records`), tool calls and their arguments included, which carry keys and
addresses as often as the prose does, and every string of a record whose format is
unknown (its training text cannot be told from its metadata).  When nothing can match
(the usual case) a record costs one join of its texts, a few substring tests and one
``bytes.translate`` + ``find``; regexes run only in small windows around anchors that
every match must have (see :mod:`dataprep.pii.scanner`).  One finding per rule and
text: the first real-looking match, masked, and how many more the text holds; when every
match is an obvious placeholder, one ``info`` finding that says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dataprep import packs
from dataprep.checks.base import Check, Emit, Rule
from dataprep.errors import ConfigError
from dataprep.model import Record
from dataprep.pii import Hit, Scanner, resolve, shown
from dataprep.pii.display import DETAILS
from dataprep.records import UNKNOWN, Turn, turns


class Email(Rule):
    """An e-mail address in the training text.

    A fine-tuned model can reproduce addresses it saw, so personal addresses in the data
    become addresses the model hands out. Obvious stand-ins are reported as info, with
    the reason, instead of a warning: reserved and example domains (example.com, *.test,
    example-domain.com), conventional stand-in domains (company.com, mycompany.com, d.co)
    and stand-in names (user@, john.doe@). File names such as icon@2x.png and git@host
    remotes are not addresses. The message shows a masked address (j***@e***.com).

    Examples:
    pass: {"messages": [{"role": "user", "content": "Email me the report @ noon, or ping @dataprep on the forum."}, {"role": "assistant", "content": "Sure."}]}
    fail: {"messages": [{"role": "user", "content": "My address is jane.roe@mailbox.org, reply there."}, {"role": "assistant", "content": "Noted."}]}
    """

    code = "DP601"
    name = "pii.email"
    severity = "warning"


class Phone(Rule):
    """A phone number in the training text (international or a common national format).

    Phone numbers are personal data a model can memorise and repeat. Only numbers with
    phone structure count: a leading plus sign, a parenthesised or separated area code,
    a trunk 0 with separators, or a label such as "phone:"; plain numbers, dates, times,
    versions and IDs are not phone numbers, nor are the fictional 555 numbers.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Order 20240512 shipped on 2024-05-12 at 10:30 (v1.2.3)."}, {"role": "assistant", "content": "Thanks."}]}
    fail: {"messages": [{"role": "user", "content": "Call me on +49 30 9018 2245 after six."}, {"role": "assistant", "content": "Will do."}]}
    """

    code = "DP602"
    name = "pii.phone"
    severity = "warning"


class CreditCard(Rule):
    """A payment card number (13-19 digits, Luhn-valid, known issuer prefix).

    A card number in training data is a payment credential the model may reproduce; it
    also puts the dataset in scope of PCI DSS. Candidates must pass the Luhn checksum and
    start with a known issuer prefix (Visa, Mastercard, American Express, Discover, JCB,
    Diners Club, UnionPay, Maestro, Mir) at a length that issuer uses; processors'
    published test numbers (4242 4242 4242 4242, ...) are not reported. The message shows
    at most the last four digits.

    Examples:
    pass: {"prompt": "Pay with the test card 4242 4242 4242 4242.", "completion": "Payment accepted."}
    fail: {"prompt": "My card is 4539 5787 6362 1486, charge it.", "completion": "Charged."}
    """

    code = "DP603"
    name = "pii.credit-card"
    severity = "error"


class Iban(Rule):
    """An IBAN (bank account number) with valid ISO 7064 mod-97 check digits.

    Bank account numbers identify a person's account; a model that memorised one can
    repeat it. A candidate must have its country's IBAN length and valid check digits,
    so random letter-digit strings are not reported.

    Examples:
    pass: {"prompt": "Transfer to DE89 3704 0044 0532 0130 01 please.", "completion": "Done."}
    fail: {"prompt": "Transfer to DE89 3704 0044 0532 0130 00 please.", "completion": "Done."}
    """

    code = "DP604"
    name = "pii.iban"
    severity = "warning"


class IpAddress(Rule):
    """A public IPv4 address in the training text.

    A public IP address can identify a household or a server, and logs pasted into
    conversations carry them in bulk. Private, loopback, link-local, documentation
    (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24), multicast and reserved addresses,
    well-known public resolvers (8.8.8.8, 1.1.1.1) and version-like quads (1.2.3.4,
    "version 10.2.0.1") are not reported. IPv6 is not checked.

    Examples:
    pass: {"messages": [{"role": "user", "content": "My router is 192.168.1.1 and DNS is 8.8.8.8."}, {"role": "assistant", "content": "OK."}]}
    fail: {"messages": [{"role": "user", "content": "Our server 81.2.69.160 keeps timing out."}, {"role": "assistant", "content": "Check the firewall."}]}
    """

    code = "DP605"
    name = "pii.ip-address"
    severity = "info"


class ApiKey(Rule):
    """An API key or access token of a known provider, or a credential assigned in code.

    A model trained on a live credential can leak it verbatim, and the dataset itself
    becomes a secret to guard. Recognised: OpenAI (sk-, sk-proj-), Anthropic (sk-ant-),
    AWS access key IDs (AKIA/ASIA) and secret keys, GitHub (ghp_, github_pat_), GitLab
    (glpat-), Slack tokens and webhooks, Google (AIza), Stripe live keys, Hugging Face
    (hf_), JSON Web Tokens, bearer tokens, and random quoted values assigned to api_key,
    client_secret, access_token and similar names. Obvious placeholders (sk-proj-XXXX...,
    YOUR_API_KEY, AKIA...EXAMPLE, sk_live_abc123xyz789def456) are reported as info with
    the reason; a random key body stays an error. The message names the provider and
    never prints the key.

    Examples:
    pass: {"messages": [{"role": "user", "content": "Where does my OpenAI key go?"}, {"role": "assistant", "content": "Read it from the OPENAI_API_KEY environment variable; never paste it into code."}]}
    fail: {"messages": [{"role": "user", "content": "Use my key sk-proj-V4dxQBQwiDECkQ5lPtb2WvAvgVyfAI8WeFnGXcJnjPBBNOuU to call it."}, {"role": "assistant", "content": "Done."}]}
    """

    code = "DP606"
    name = "secret.api-key"
    severity = "error"


class PrivateKey(Rule):
    """A private key block (-----BEGIN ... PRIVATE KEY-----) in the training text.

    A private key in the data is a compromised key: anyone with the dataset, or with a
    model that memorised it, holds it. Blocks with a key body are reported (RSA, EC,
    DSA, OpenSSH, PKCS#8, encrypted, PGP); documentation placeholders with "..." as the
    body are not.

    Examples:
    pass: {"messages": [{"role": "user", "content": "What does -----BEGIN RSA PRIVATE KEY-----\\n...\\n-----END RSA PRIVATE KEY----- mean?"}, {"role": "assistant", "content": "It starts a PEM block."}]}
    fail: {"messages": [{"role": "user", "content": "Fix my key: -----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAfakeKEYfortestsONLY0123456789abcdefABCDEF+/ghijklmnop\\nqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ9876543210fakeKEYfortestsONLY+/abcdef\\n-----END RSA PRIVATE KEY-----"}, {"role": "assistant", "content": "Never share keys."}]}
    """

    code = "DP607"
    name = "secret.private-key"
    severity = "error"


class CustomPattern(Rule):
    """A match of a user-defined pattern (a pack pattern with rule = "DP699").

    Every organisation has its own sensitive strings: employee and customer IDs,
    internal host names, project code names. Add them as patterns in a pack file listed
    in pattern-packs (with `secret = true` to keep matches out of every message), or as
    id = regex pairs in this rule's `patterns` option, and they are reported like the
    built-in ones.

    Examples:
    pass: {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}
    fail: (a message matching a user pack pattern with rule = "DP699", e.g. employee id EMP-004217 for the regex EMP-[0-9]{6})
    """

    code = "DP699"
    name = "pattern.custom"
    severity = "warning"
    options = {
        "patterns": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "default": {},
            "description": "Extra patterns as id = regex pairs (a pack file can also set "
                           "flags, roles, a validator and secret = true).",
        },
    }


_RULES: tuple[type[Rule], ...] = (Email, Phone, CreditCard, Iban, IpAddress, ApiKey, PrivateKey,
                                  CustomPattern)
_CODES = frozenset(r.code for r in _RULES)


def message(hit: Hit, more: int) -> str:
    """A finding's message from its kind's template: the masked match, what more the kind
    says about it, its advice (real matches only), and how many more the text holds."""
    p, kind = hit.pattern, hit.kind
    label = p.id if p.description == p.id else f"{p.description} ({p.id})"
    detail = DETAILS[kind.detail](p, hit.value) if kind.detail else ""
    text = kind.message.format(what=p.description, label=label, shown=shown(hit),
                               detail=detail, chars=len(hit.value))
    if kind.advice and hit.placeholder is None:
        text += f"; {kind.advice}"
    if more:
        text += f" (+{more} more in this text)"
    if hit.placeholder is not None:
        text += f"; looks like a placeholder: {hit.placeholder}"
    return text


_MAX_LEAVES = 1000


def _leaf_turns(d: Any, pointer: str = "", out: list[Turn] | None = None,
                depth: int = 0) -> list[Turn]:
    """Every string in a record of unknown format, with its pointer.

    The training text of an unrecognised record cannot be told from its metadata, and
    personal data is a problem wherever it sits in a file that will be shared.
    """
    if out is None:
        out = []
    if len(out) >= _MAX_LEAVES or depth > 20:
        return out
    if type(d) is str:
        out.append(Turn("?", d, pointer))
    elif type(d) is dict:
        for k, v in d.items():
            key = str(k).replace("~", "~0").replace("/", "~1")
            _leaf_turns(v, f"{pointer}/{key}", out, depth + 1)
    elif type(d) is list:
        for i, v in enumerate(d):
            _leaf_turns(v, f"{pointer}/{i}", out, depth + 1)
    return out


class PiiCheck(Check):
    """Runs the DP6xx patterns over every text of every record."""

    rules = _RULES
    per_record = True

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        enabled = getattr(context, "enabled", None) or _CODES
        files = packs.pack_files(getattr(context, "config", None))
        pats = [p for p in resolve(packs.load(["pii"], files).patterns)
                if p.rule in _CODES and p.rule in enabled]
        custom = CustomPattern.code
        if custom in enabled:
            for pid, regex in (options.get(custom, {}).get("patterns") or {}).items():
                try:
                    rx = re.compile(regex)
                except re.error as exc:
                    raise ConfigError(f"rule {custom} ({CustomPattern.name}) option 'patterns': "
                                      f"{pid!r} is not a valid regex: {exc}") from None
                pats.append(packs.Pattern(str(pid), custom, rx, str(pid),
                                          source=f"{custom} option"))
        self._scanner = Scanner(pats)
        self._active = bool(pats)

    def check(self, rec: Record, emit: Emit) -> None:
        if not self._active:
            return
        d = rec.data
        fmt = rec.format
        if fmt == UNKNOWN:
            texts = _leaf_turns(d)
        else:
            texts = turns(fmt, d)
        if not texts:
            return
        scanner = self._scanner
        if not scanner.prefilter("\n".join([t.text for t in texts])):
            return
        for t in texts:
            if not t.text:
                continue
            hits = scanner.scan(t.text, t.role)
            if not hits:
                continue
            by_rule: dict[str, list[Hit]] = {}
            for h in hits:
                by_rule.setdefault(h.pattern.rule, []).append(h)
            for code, group in by_rule.items():
                real = next((h for h in group if h.placeholder is None), None)
                text = message(real or group[0], len(group) - 1)
                if real is not None:
                    emit.at(code, rec, text, t.pointer)
                else:  # every match a stand-in: worth a look, not a block
                    emit(code, rec.path, rec.line, rec.index, text, pointer=t.pointer,
                         severity="info")
