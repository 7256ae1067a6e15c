"""DP501: a record longer than the model's training example limit, in tokens.

The check screens every record by size and counts tokens exactly only where the answer
could be "over": a byte-level BPE token covers at least one byte, so a record whose
characters x 4 (then, if needed, UTF-8 bytes) plus overhead fit the limit cannot exceed
it.  On ~4 KB chat records against a 65,536-token limit the screen is a few additions per
message; exact counts (``dataprep.tokens``) run on the rare long record only.

The dataset's token distribution and billed training tokens come from the ``tokens``
stage (``dataprep.tokens.TokenStats``): exact counts on a seeded sample, with the
sampling error stated in ``summary["tokens"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, Rule
from dataprep.model import Record
from dataprep.tokens import (
    DEFAULT_EPOCHS,
    DEFAULT_MODEL,
    DEFAULT_SAMPLE,
    ESTIMATE_BYTES_PER_TOKEN,
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    count_sequences,
    describe,
    sequences,
    upper_bound,
)


class OverLimit(Rule):
    """A record has more tokens than the model accepts in one training example.

    Fine-tuning truncates an example that does not fit: OpenAI cuts tokens from the end,
    which is where the assistant's reply is, so the model trains on a conversation whose
    answer is missing or cut mid-sentence. Counts are exact for OpenAI models (o200k_base / cl100k_base, chat overhead
    included as OpenAI's cookbook counts it); models without a bundled tokenizer get an
    estimate of UTF-8 bytes / 4, labelled so. Pick the model with --model (see
    rules/models.toml), or set the limit your trainer uses with --max-tokens.

    Examples:
    pass: {"messages": [{"role": "user", "content": "I'm hungry."}, {"role": "assistant", "content": "Eat a banana!"}]}
    fail: (a chat record of about 70,000 tokens, over gpt-4o-mini's 65,536-token training example limit; see fixtures/rules/DP501.yaml)
    """

    code = "DP501"
    name = "tokens.over-limit"
    severity = "error"
    options = {
        "model": {
            "type": "string", "minLength": 1, "default": DEFAULT_MODEL,
            "description": "Model to be fine-tuned: its training example limit and tokenizer come "
                           "from rules/models.toml (default: gpt-4o-mini, OpenAI's recommended "
                           "fine-tuning model).",
        },
        "max_tokens": {
            "type": ["integer", "null"], "minimum": 1, "default": None,
            "description": "Token limit per record, overriding the model's (e.g. your trainer's "
                           "max sequence length).",
        },
        "epochs": {
            "type": "integer", "minimum": 1, "default": DEFAULT_EPOCHS,
            "description": "Training epochs, for billed training tokens (tokens x epochs) in the "
                           "summary and the gate's cost math.",
        },
        "sample_size": {
            "type": "integer", "minimum": 1, "default": DEFAULT_SAMPLE,
            "description": "Training records counted exactly for the summary's token "
                           "distribution and total (all of them when fewer).",
        },
    }


class TokenCheck(Check):
    """Screens each record's size against the limit; counts tokens only for long records."""

    rules = (OverLimit,)
    stages = ("tokens",)
    per_record = True

    def __init__(self, options: Mapping[str, Mapping[str, Any]], context: Any) -> None:
        super().__init__(options, context)
        self.stats = context.stages["tokens"]
        s = self.stats.settings
        self.settings = s
        self.limit: int = s.limit
        # tokens <= bytes <= 4 x characters: below this many characters nothing is over
        self.char_budget = (s.limit - REPLY_PRIMING) // 4
        if s.limit_source == "max_tokens":
            self.where = f"the {s.limit:,}-token limit set by max_tokens"
        else:
            self.where = f"{s.model.name}'s {s.limit:,}-token training example limit"

    def check(self, rec: Record, emit: Emit) -> int | None:
        """DP501; returns the exact token count when it counted (the tokens stage reuses it)."""
        d = rec.data
        plain = records.get(rec.format).plain_messages(d)
        if plain is not None and _chat_chars(d, self.char_budget):
            return None  # the common case: a chat of plain messages far below the limit
        seqs = sequences(rec.format, d)
        if seqs is None or upper_bound(seqs) <= self.limit:
            return None
        enc = self.settings.enc
        n, pointer = count_sequences(seqs, enc, self.limit)
        if n <= self.limit:
            return n
        what = describe(rec.format, d)
        if enc.exact:
            size = f"{n:,} tokens ({enc.name}, {what})"
        else:
            size = (f"about {n:,} tokens (estimated: UTF-8 bytes / {ESTIMATE_BYTES_PER_TOKEN}, "
                    f"no tokenizer bundled for {self.settings.model.name}; {what})")
        emit.at("DP501", rec, f"{size}, over {self.where}: the end of the example is cut off "
                              "in training", pointer)
        return n


def _chat_chars(d: Mapping[str, Any], budget: int) -> bool:
    """True when a chat record of plain role/content messages is under ``budget`` characters
    with overhead (so it cannot exceed the limit); False means "look closer"."""
    msgs = d.get("messages")
    if type(msgs) is not list or "tools" in d or "functions" in d:
        return False
    chars = 0
    for m in msgs:
        if type(m) is not dict:
            return False
        k = len(m)
        if k != 2 and not (k == 3 and "weight" in m):
            return False
        c = m.get("content")
        r = m.get("role")
        if type(c) is not str or type(r) is not str:
            return False
        chars += len(c) + len(r)
    # each message's fixed tokens, counted as characters (they fit in a quarter of the budget)
    return chars + TOKENS_PER_MESSAGE * len(msgs) <= budget
