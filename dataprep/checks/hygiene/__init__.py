"""DP502, DP505-DP508: the hygiene of the texts a model is trained on.

One walk over each record's turns (``walk.HygieneCheck``) serves five rules, one module
each: ``length`` (DP502 length outliers, dataset statistics over compact arrays),
``characters`` (DP505 character-level hygiene), ``leftovers`` (DP506 template leftovers
and boilerplate from pattern packs), ``truncated`` (DP507 cut replies) and
``repeated`` (DP508 degenerate repetition); ``common`` holds how texts are named and
quoted in messages.  One walk rather than one per rule, because the turns of a record
are built once and each rule's cheapest test runs while the text is hot.

The walk is on the hot path of every content lint, so each test starts with the cheapest
question that can rule it out: ``str.isascii()`` is free (CPython stores the answer), a
one-character ``in`` is a ``memchr``, a multi-character ``in`` costs about half a
nanosecond per character and a regular-expression scan several times that.  Regexes run
only on texts a cheaper test has picked:

- control characters in ASCII text: ``bytes.translate`` deletes every allowed byte and
  leaves the offenders (no per-character Python code); non-ASCII text is first screened
  the same way on its UTF-8 bytes plus one-character ``in`` tests for the zero-width,
  replacement and mojibake lead characters, and only a text that fails the screen is
  scanned by a regex;
- pack patterns: each is gated by literal strings its regex cannot match without,
  worked out from the regex when the pack loads (``dataprep.regexlits.gate``);
- repetition: a probe of the text is looked for again within a short window; only a
  text that repeats itself there is split into words and counted;
- prompts (DP502): read only for replies short enough to become short outliers.
"""

from __future__ import annotations

from dataprep.checks.hygiene.common import EXCERPT, excerpt
from dataprep.checks.hygiene.repeated import repetition
from dataprep.checks.hygiene.truncated import truncation
from dataprep.checks.hygiene.walk import HygieneCheck

__all__ = ["EXCERPT", "HygieneCheck", "excerpt", "repetition", "truncation"]
