"""The reply a repeated-answer rule counts: one reading shared by DP509 and DP510.

Both rules ask the same question of a training record: which written reply does it give,
after case, spacing and punctuation are normalised, and is that reply long enough to be
an answer rather than a short fact ("yes", "42", "Paris") that repeats by nature?
"""

from __future__ import annotations

import re
from hashlib import blake2b
from typing import NamedTuple

from dataprep import records
from dataprep.model import Record, shared_per_batch
from dataprep.normalize import normalize

_PUNCT = re.compile(r"[^\w\s]+")
EXCERPT_CHARS = 60


class CountedReply(NamedTuple):
    prompt: str
    reply: str
    #: 8-byte digest of the normalised reply: equal replies, equal digests
    digest: int
    #: the reply lower-cased, punctuation and spacing folded (what the digest is of)
    normal: str


def digest(text: str) -> int:
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little")


def counted_reply(rec: Record, min_words: int) -> CountedReply | None:
    """The record's prompt, reply and reply digest, or None when its layout has no
    trained reply (inputs only, an undesirable KTO reply) or the reply is a short answer."""
    layout = records.get(rec.format)
    if layout.near_is_input or not layout.replies or layout.desirable(rec.data) is False:
        return None
    prompt, reply = layout.prompt_response(rec.data)
    norm = " ".join(_PUNCT.sub(" ", normalize(reply)).split())
    if norm.count(" ") + 1 < min_words:
        return None
    return CountedReply(prompt, reply, digest(norm), norm)


@shared_per_batch
def counted_replies(recs: list[Record], min_words: int) -> list[CountedReply | None]:
    """``counted_reply`` of each record of a map-phase batch (unknown layouts: None).

    DP509 and DP510 derive from the same batch one after the other, usually with the
    same ``min_words``: the second gets the first's readings instead of normalising
    every reply again.
    """
    return [None if rec.format == records.UNKNOWN else counted_reply(rec, min_words)
            for rec in recs]


def show(text: str) -> str:
    """A reply quoted on one line, cut to ``EXCERPT_CHARS``."""
    one = " ".join(text.split())
    return repr(one if len(one) <= EXCERPT_CHARS else one[: EXCERPT_CHARS - 1] + "…")
