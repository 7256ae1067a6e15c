"""Personal data and secrets: kinds, validators, placeholders, scanning and redaction.

Two users need the same matching: the DP6xx rules (``dataprep.checks.pii``), which report
what they find in the records, and the engine, which passes every finding message of
every rule through :func:`redact`.  The patterns and the kinds they belong to are the
built-in ``pii`` pattern pack (``rules/packs/pii.toml``) plus the user's packs; this
package holds what the data names:

- :mod:`~dataprep.pii.validators`: checksums, issuer prefixes, address ranges, randomness;
- :mod:`~dataprep.pii.placeholders`: stand-ins (example domains, ``YOUR_API_KEY``) that
  are reported as info;
- :mod:`~dataprep.pii.display`: masks and message details;
- :mod:`~dataprep.pii.kinds`: the ``[[kind]]`` declarations tying those to a rule;
- :mod:`~dataprep.pii.scanner`: anchored windows that keep the search cheap;
- :mod:`~dataprep.pii.redaction`: the masks applied to every message.
"""

from dataprep.pii.kinds import Kind, kind_of, resolve
from dataprep.pii.redaction import Redactor, redact, redactor, shown
from dataprep.pii.scanner import Hit, Scanner
from dataprep.pii.validators import (
    VALIDATORS,
    card_network,
    entropy_bits,
    iban_ok,
    ipv4_public,
    looks_random,
    luhn_ok,
)

__all__ = ["VALIDATORS", "Hit", "Kind", "Redactor", "Scanner", "card_network", "entropy_bits",
           "iban_ok", "ipv4_public", "kind_of", "looks_random", "luhn_ok", "redact", "redactor",
           "resolve", "shown"]
