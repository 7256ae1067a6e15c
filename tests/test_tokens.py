"""Token counting (``dataprep.tokens``), DP501's byte screen, the token summary, the CLI.

Counts are checked against known token ids of the two OpenAI encodings and against
``bpe_openai``'s public (tiktoken-compatible) API, and the chat overhead against OpenAI's
cookbook formula, written out here from its description: 3 tokens per message plus the
tokens of every string value, 1 more per ``name``, 3 for the reply priming.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dataprep import tokens
from dataprep.api import lint
from dataprep.checks.tokens import _chat_chars
from dataprep.errors import ConfigError
from dataprep.tokens import (
    REPLY_PRIMING,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    count_sequences,
    encoder,
    record_tokens,
    sequences,
    upper_bound,
)

#: 4 tokens in both encodings: [111228, 261, 60252, 0] / [89711, 264, 44196, 0]
BANANA = "Eat a banana!"


def dp(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    return subprocess.run([sys.executable, "-m", "dataprep", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


def write(path: Path, records: list[Any]) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(text, encoding="utf-8")
    return path


def lint501(path: Path, cwd: Path, **options: Any) -> Any:
    return lint([str(path)], select=["DP501"], options={"DP501": options} if options else None,
                cwd=cwd)


def chat(*turns: str, system: str | None = None) -> dict[str, Any]:
    msgs = [{"role": "system", "content": system}] if system is not None else []
    for i, t in enumerate(turns):
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": t})
    return {"messages": msgs}


# ------------------------------------------------------------------ counting


KNOWN_IDS = {
    "o200k_base": {"hello world": [24912, 2375], "hi": [3686], "assistant": [173781],
                   BANANA: [111228, 261, 60252, 0]},
    "cl100k_base": {"hello world": [15339, 1917], "hi": [6151], "assistant": [78191],
                    BANANA: [89711, 264, 44196, 0]},
}


#: bpe_openai's public API loads its vocabulary with a deprecated importlib call
public_api = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@public_api
@pytest.mark.parametrize("encoding", sorted(KNOWN_IDS))
def test_counts_match_known_token_ids(encoding: str) -> None:
    import bpe_openai

    official = bpe_openai.get_encoding(encoding)
    enc = encoder(encoding)
    for text, ids in KNOWN_IDS[encoding].items():
        assert official.encode(text) == ids  # the vocabulary is the one we think it is
        assert enc.count(text) == len(ids)


SAMPLES = ["", " ", "hello world", "naïve café 東京 🙂", "def f(x):\n    return x ** 2\n",
           "   leading and trailing   ", "ÃƒÂ© mojibake", "a" * 5000, "\u200b\u200bzero width",
           "مرحبا بالعالم", "1234567890" * 30, BANANA * 2000]


@public_api
@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_count_equals_the_public_api(encoding: str) -> None:
    """The fast-loaded extension counts what bpe_openai's tiktoken-style API encodes."""
    import bpe_openai

    official = bpe_openai.get_encoding(encoding)
    enc = encoder(encoding)
    for text in SAMPLES:
        assert enc.count(text) == len(official.encode_ordinary(text)), text[:40]


def test_special_token_text_is_counted_as_ordinary_text() -> None:
    # training data is plain text: "<|endoftext|>" in a record is not the control token
    import bpe_openai

    text = "before <|endoftext|> after"
    official = bpe_openai.get_encoding("o200k_base").encode_ordinary(text)
    assert encoder("o200k_base").count(text) == len(official)


def test_lone_surrogate_does_not_crash() -> None:
    assert encoder("o200k_base").count("a\ud800b") >= 1
    assert encoder("estimate").count("a\ud800b") == 2  # 5 bytes (surrogatepass) / 4, rounded up


def test_estimate_is_bytes_over_four_rounded_up() -> None:
    est = encoder("estimate")
    assert not est.exact
    assert [est.count(t) for t in ("", "a", "abcd", "abcde", "é", "東京")] == [0, 1, 1, 2, 1, 2]


def cookbook_count(messages: list[dict[str, str]], encoding: str) -> int:
    """OpenAI cookbook ``num_tokens_from_messages`` for gpt-4o / gpt-3.5-turbo-0125."""
    import bpe_openai

    enc = bpe_openai.get_encoding(encoding)
    n = 0
    for m in messages:
        n += TOKENS_PER_MESSAGE
        for key, value in m.items():
            n += len(enc.encode(value))
            if key == "name":
                n += TOKENS_PER_NAME
    return n + REPLY_PRIMING


def test_overhead_constants_are_the_cookbooks() -> None:
    assert (TOKENS_PER_MESSAGE, TOKENS_PER_NAME, REPLY_PRIMING) == (3, 1, 3)


@pytest.mark.parametrize("encoding", ["o200k_base", "cl100k_base"])
def test_chat_count_matches_the_cookbook(encoding: str) -> None:
    messages = [
        {"role": "system", "content": "You are a helpful, pattern-following assistant."},
        {"role": "system", "name": "example_user",
         "content": "New synergies will help drive top-line growth."},
        {"role": "system", "name": "example_assistant",
         "content": "Things working well together will increase revenue."},
        {"role": "user", "content": "This late pivot means we don't have time to boil the ocean."},
        {"role": "assistant", "content": "naïve café 東京 🙂 " + BANANA * 3},
    ]
    ours = record_tokens("chat", {"messages": messages}, encoder(encoding))
    assert ours == cookbook_count(messages, encoding)


def test_tiny_chat_hand_count() -> None:
    # (3 + "user" 1 + "hi" 1) + (3 + "assistant" 1 + "hello" 1) + 3 = 13
    assert record_tokens("chat", chat("hi", "hello"), encoder("o200k_base")) == 13
    named = {"messages": [{"role": "user", "name": "bob", "content": "hi"},
                          {"role": "assistant", "content": "hello"}]}
    assert record_tokens("chat", named, encoder("o200k_base")) == 15  # + "bob" 1 + name 1


def test_toy_banana_record_count() -> None:
    """The shape of the OpenAI cookbook's toy record 5: 2,000 x "Eat a banana!" = 8,000 tokens."""
    rec = chat("I'm hungry.", BANANA * 2000,
               system="You are a happy assistant that puts a positive spin on everything.")
    n = record_tokens("chat", rec, encoder("o200k_base"))
    assert n == cookbook_count(rec["messages"], "o200k_base")
    assert 8000 < n < 8100


def test_tool_calls_and_tools_are_counted_as_json() -> None:
    base = chat("What's the weather in Paris?")
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {}}}
    with_tools = dict(base, tools=[tool])
    enc = encoder("o200k_base")
    assert record_tokens("chat", with_tools, enc) > record_tokens("chat", base, enc)
    fn = {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}
    call = {"messages": [{"role": "user", "content": "hi"},
                         {"role": "assistant",
                          "tool_calls": [{"id": "c1", "type": "function", "function": fn}]}]}
    seqs = sequences("chat", call)
    assert seqs is not None and any(p[1] == "/messages/1/tool_calls" for p in seqs[0])


def test_preference_takes_the_longer_side() -> None:
    enc = encoder("o200k_base")
    rec = {"prompt": "hi", "chosen": "hello", "rejected": BANANA * 2}
    assert record_tokens("preference", rec, enc) == 1 + 8
    msgs = {"prompt": [{"role": "user", "content": "hi"}],
            "chosen": [{"role": "assistant", "content": BANANA}],
            "rejected": [{"role": "assistant", "content": "hello"}]}
    assert record_tokens("preference", msgs, enc) == 1 + 4


def test_preference_longer_side_is_judged_in_tokens_not_characters() -> None:
    enc = encoder("o200k_base")
    # "aaaa..." packs many characters per token; digits cost a token per 3 digits
    few_tokens = "a" * 64
    many_tokens = "1 2 3 4 5 6 7 8 9 0 " * 2  # 40 characters, 20 tokens
    assert len(few_tokens) > len(many_tokens) and enc.count(few_tokens) < enc.count(many_tokens)
    rec = {"prompt": "hi", "chosen": few_tokens, "rejected": many_tokens}
    assert record_tokens("preference", rec, enc) == 1 + enc.count(many_tokens)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.text(max_size=200), st.text(max_size=200))
def test_preference_bound_covers_both_sides(prompt: str, chosen: str, rejected: str) -> None:
    rec = {"prompt": prompt, "chosen": chosen, "rejected": rejected}
    seqs = sequences("preference", rec)
    assert seqs is not None
    n = count_sequences(seqs, encoder("o200k_base"))[0]
    assert n <= upper_bound(seqs)
    enc = encoder("o200k_base")
    assert n == enc.count(prompt) + max(enc.count(chosen), enc.count(rejected))


def test_unknown_format_has_no_count() -> None:
    assert record_tokens("unknown", {"foo": "bar"}, encoder("o200k_base")) is None


# ------------------------------------------------------------------ the screen never misses


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_tokens_never_exceed_utf8_bytes(text: str) -> None:
    """A byte-level BPE token covers at least one byte: the screen's premise."""
    n_bytes = len(text.encode("utf-8", "surrogatepass"))
    for name in ("o200k_base", "cl100k_base"):
        assert encoder(name).count(text) <= n_bytes


message = st.fixed_dictionaries({"role": st.sampled_from(["system", "user", "assistant"]),
                                 "content": st.text(max_size=120)})


@settings(max_examples=300, deadline=None)
@given(st.lists(message, min_size=1, max_size=6), st.integers(min_value=1, max_value=2000))
def test_screens_only_pass_records_that_fit(msgs: list[dict[str, str]], limit: int) -> None:
    """Whatever passes the character screen or the byte bound is within the limit."""
    rec = {"messages": msgs}
    seqs = sequences("chat", rec)
    assert seqs is not None
    exact, _ = count_sequences(seqs, encoder("o200k_base"))
    assert exact <= upper_bound(seqs)
    if _chat_chars(rec, (limit - REPLY_PRIMING) // 4):
        assert upper_bound(seqs) <= limit and exact <= limit


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(message, min_size=1, max_size=4), min_size=1, max_size=5))
def test_records_within_the_byte_limit_are_never_flagged(
        tmp_path: Path, records: list[list[dict[str, str]]]) -> None:
    recs = [{"messages": m} for m in records]
    bounds = [upper_bound(sequences("chat", r) or []) for r in recs]
    path = write(tmp_path / "data.jsonl", recs)
    assert lint501(path, tmp_path, max_tokens=max(bounds)).findings == []


# ------------------------------------------------------------------ the rule, end to end


def test_default_model_limit_flags_a_long_record(tmp_path: Path) -> None:
    long = chat("Summarise this.", BANANA * 16_500)  # 66,000 tokens + overhead > 65,536
    path = write(tmp_path / "data.jsonl", [chat("hi", "hello"), long])
    res = lint([str(path)], select=["DP501"], cwd=tmp_path)
    [f] = res.findings
    assert (f.line, f.pointer, f.severity) == (2, "/messages/1/content", "error")
    assert "gpt-4o-mini-2024-07-18's 65,536-token training example limit" in f.message
    assert "66,0" in f.message


def test_model_option_sets_the_limit(tmp_path: Path) -> None:
    rec = chat("hi", BANANA * 1100)  # ~4,414 tokens: over gpt-3.5-turbo-0613's 4,096 only
    path = write(tmp_path / "data.jsonl", [rec])
    assert lint([str(path)], select=["DP501"], cwd=tmp_path).findings == []
    res = lint501(path, tmp_path, model="gpt-3.5-turbo-0613")
    [f] = res.findings
    assert "cl100k_base" in f.message and "gpt-3.5-turbo-0613's 4,096-token" in f.message


def test_unknown_model_in_config_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "data.jsonl", [chat("hi", "hello")])
    with pytest.raises(ConfigError, match="did you mean 'gpt-4o-mini-2024-07-18'"):
        lint501(path, tmp_path, model="gpt4o-mini")


# ------------------------------------------------------------------ the model table


def test_model_table_is_well_formed() -> None:
    table = tokens.models()
    assert tokens.DEFAULT_MODEL in table
    default = table[tokens.DEFAULT_MODEL]
    assert default.context_window == 128_000 and default.max_example_tokens == 65_536
    assert default.tokenizer == "o200k_base"
    assert table["gpt-3.5-turbo-0125"].max_example_tokens == 16_385
    assert table["gpt-3.5-turbo-0125"].tokenizer == "cl100k_base"
    for spec in table.values():
        assert spec.tokenizer in tokens.TOKENIZERS
        assert spec.max_example_tokens <= spec.context_window or spec.tokenizer == "estimate"
    assert any(not s.exact for s in table.values())  # an estimate-only model is listed
    names = [n.lower() for s in table.values() for n in (s.name, *s.aliases)]
    assert len(names) == len(set(names)), "a name or alias is listed twice"


def test_resolve_model_accepts_aliases_in_any_case() -> None:
    assert tokens.resolve_model("GPT-4o-mini").name == "gpt-4o-mini-2024-07-18"
    assert tokens.resolve_model(" gpt-4.1 ").name == "gpt-4.1-2025-04-14"
    with pytest.raises(ConfigError, match="unknown model 'claude-9'"):
        tokens.resolve_model("claude-9")


# ------------------------------------------------------------------ the summary


def summary_of(tmp_path: Path, records: list[Any], **options: Any) -> dict[str, Any]:
    path = write(tmp_path / "data.jsonl", records)
    return lint501(path, tmp_path, **options).to_dict()["summary"]["tokens"]


def test_summary_is_exact_when_the_dataset_is_small(tmp_path: Path) -> None:
    recs = [chat("hi", "hello"), chat("hi", BANANA), chat("hi", BANANA * 10)]  # 13, 16, 52
    t = summary_of(tmp_path, recs, epochs=4)
    assert t["method"] == "exact" and t["sampled"] == t["records"] == 3
    assert (t["min"], t["median"], t["max"], t["total"]) == (13, 16, 52, 81)
    assert t["total_ci95"] is None
    assert (t["epochs"], t["billed_tokens"]) == (4, 324)
    assert (t["encoding"], t["limit"]) == ("o200k_base", 65_536)
    assert t["model"] == "gpt-4o-mini-2024-07-18"


def test_summary_counts_an_over_limit_record_at_the_limit(tmp_path: Path) -> None:
    t = summary_of(tmp_path, [chat("hi", "hello"), chat("hi", BANANA * 10)], max_tokens=20)
    assert t["max"] == 52  # the distribution shows the real length
    assert t["total"] == 13 + 20  # the trainer keeps 20 tokens of it
    assert t["limit_source"] == "max_tokens"


def test_summary_from_a_sample_states_its_error(tmp_path: Path) -> None:
    recs = [chat("hi", BANANA * (1 + i % 37)) for i in range(600)]
    # (3 + 1 + "hi" 1) + (3 + 1 + 4 per banana) + 3 = 12 + 4 x bananas
    true_total = sum(12 + 4 * (1 + i % 37) for i in range(600))
    t = summary_of(tmp_path, recs, sample_size=150)
    assert t["method"] == "sample" and t["sampled"] == 150 and t["records"] == 600
    lo, hi = t["total_ci95"]
    assert lo <= t["total"] <= hi
    assert lo <= true_total <= hi
    assert t["billed_tokens"] == 3 * t["total"]
    assert summary_of(tmp_path, recs, sample_size=150) == t  # seeded: the same every run


def test_reservoir_sample_is_uniform() -> None:
    """Algorithm L picks each record with probability k/N (checked on the positions)."""
    from dataprep.model import Record

    class Ctx:
        options = {"DP501": {"sample_size": 50}}

    hits = [0] * 1000
    for seed in range(40):
        stats = tokens.TokenStats(Ctx())
        stats.rng.seed(seed)
        for i in range(1000):
            rec = Record("f", i + 1, i, None, {"text": str(i)})
            rec.format = "text"
            stats.observe(rec, True, "train")
        assert len(stats.sample) == 50
        for item in stats.sample:
            hits[int(item[0][0][0])] += 1  # type: ignore[index]
    # 40 runs x 50 / 1000 = 2 expected picks per position; the halves must be balanced
    first, second = sum(hits[:500]), sum(hits[500:])
    assert abs(first - second) < 0.1 * (first + second)  # about 9 standard deviations
    assert sum(hits[900:]) > 100  # the last records are drawn too (200 expected)


def test_summary_of_an_estimate_model(tmp_path: Path) -> None:
    t = summary_of(tmp_path, [chat("hi", "hello")], model="llama-3.1-8b-instruct")
    assert t["method"] == "estimate" and t["encoding"] == "estimate" and t["total"] == 16


def test_eval_records_are_not_billed(tmp_path: Path) -> None:
    train = write(tmp_path / "train.jsonl", [chat("hi", "hello")])
    ev = write(tmp_path / "eval.jsonl", [chat("hi", BANANA)])
    res = lint([str(train)], select=["DP501"], eval_paths=[str(ev)], cwd=tmp_path)
    assert res.to_dict()["summary"]["tokens"]["total"] == 13


def test_report_with_tokens_validates_against_the_schema(tmp_path: Path) -> None:
    import jsonschema

    from dataprep.resources import load_schema

    path = write(tmp_path / "data.jsonl", [chat("hi", "hello")] * 3)
    report = lint([str(path)], cwd=tmp_path).to_dict()  # the default preset runs DP501
    assert "tokens" in report["summary"]
    jsonschema.validate(report, load_schema("report"))


# ------------------------------------------------------------------ the CLI


def test_cli_max_tokens_flags_the_banana_record(tmp_path: Path) -> None:
    rec = chat("I'm hungry.", BANANA * 2000, system="You are a happy assistant.")
    write(tmp_path / "toy.jsonl", [chat("hi", "hello"), rec])
    proc = dp("lint", "toy.jsonl", "--select", "DP501", "--max-tokens", "4096", "--format", "json",
              "--no-progress", "--no-cache", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    [f] = json.loads(proc.stdout)["findings"]
    assert f["line"] == 2 and "over the 4,096-token limit set by max_tokens" in f["message"]
    text = dp("lint", "toy.jsonl", "--select", "DP501", "--no-progress", "--no-cache", cwd=tmp_path)
    assert "Tokens (o200k_base, every record counted): median" in text.stdout


def test_cli_model_picks_limit_and_tokenizer(tmp_path: Path) -> None:
    write(tmp_path / "d.jsonl", [chat("hi", BANANA * 1100)])
    args = ["lint", "d.jsonl", "--select", "DP501", "--format", "json", "--no-progress",
            "--no-cache"]
    ok = dp(*args, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    proc = dp(*args, "--model", "gpt-3.5-turbo-0613", cwd=tmp_path)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert "cl100k_base" in report["findings"][0]["message"]
    assert report["summary"]["tokens"]["model"] == "gpt-3.5-turbo-0613"


def test_cli_unknown_model_exits_2_with_one_line_and_a_hint(tmp_path: Path) -> None:
    write(tmp_path / "d.jsonl", [chat("hi", "hello")])
    proc = dp("lint", "d.jsonl", "--model", "gpt-4o-mni", cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "unknown model 'gpt-4o-mni'" in lines[0]
    assert "did you mean 'gpt-4o-mini-2024-07-18'" in lines[0]


def test_cli_bad_max_tokens_exits_2(tmp_path: Path) -> None:
    write(tmp_path / "d.jsonl", [chat("hi", "hello")])
    proc = dp("lint", "d.jsonl", "--max-tokens", "0", cwd=tmp_path)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_config_file_model_option(tmp_path: Path) -> None:
    write(tmp_path / "d.jsonl", [chat("hi", BANANA * 1100)])
    (tmp_path / "dataprep.toml").write_text('[rules.DP501]\nmodel = "gpt-3.5-turbo-0613"\n')
    proc = dp("lint", "d.jsonl", "--select", "DP501", "--no-progress", "--no-cache", cwd=tmp_path)
    assert proc.returncode == 1 and "gpt-3.5-turbo-0613's 4,096-token" in proc.stdout
    (tmp_path / "dataprep.toml").write_text('[rules.DP501]\nmodel = "gpt-5-turbo-max"\n')
    proc = dp("lint", "d.jsonl", "--select", "DP501", "--no-progress", "--no-cache", cwd=tmp_path)
    assert proc.returncode == 2 and "unknown model 'gpt-5-turbo-max'" in proc.stderr


# ------------------------------------------------------------------ the gate's cost math


def test_gate_prices_training_from_billed_tokens() -> None:
    from dataprep import gate

    lint_report = {"summary": {"tokens": {"billed_tokens": 2_000_000}}}
    answers = {"costs": {"monthly_api_spend": 20_000, "training_price_per_1m_tokens": 3.0}}
    out = gate.decide(answers, lint_report, dt.date(2026, 1, 1))
    # 2,000,000 / 1,000,000 x $3 = $6
    assert out["roi"]["inputs"]["training_cost"] == 6.0
    assert out["roi"]["training_cost_source"] == "billed_tokens x training_price_per_1m_tokens"
    costs_q = next(q for q in out["questions"] if q["id"] == "costs")
    assert costs_q["evidence"]["training_cost"] == 6.0
    # an explicit training_cost wins over the price
    answers["costs"]["training_cost"] = 100.0
    out = gate.decide(answers, lint_report, dt.date(2026, 1, 1))
    assert out["roi"]["inputs"]["training_cost"] == 100.0


def test_roi_needs_billed_tokens_for_the_price(tmp_path: Path) -> None:
    args = ["roi", "--monthly-api-spend", "20000", "--training-price-per-1m-tokens", "3",
            "--format", "json"]
    out = json.loads(dp(*args, cwd=tmp_path).stdout)
    assert out["inputs"]["training_cost"] == 0
    assert out["notes"] and "--billed-tokens" in out["notes"][0]
    proc = dp(*args, "--billed-tokens", "5000000", cwd=tmp_path)
    out = json.loads(proc.stdout)
    assert math.isclose(out["inputs"]["training_cost"], 15.0) and out["notes"] == []
