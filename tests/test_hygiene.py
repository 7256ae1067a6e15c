"""Unit tests of the text hygiene check (DP502, DP505-DP508): the helpers behind the rules,
the pattern-pack gates, user packs, and the interplay the YAML cases cannot show."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dataprep import packs
from dataprep.api import lint
from dataprep.checks.hygiene import excerpt, repetition, truncation
from dataprep.checks.hygiene.characters import _char_problems, _suspect
from dataprep.checks.hygiene.leftovers import PACKS, Gated, Plan, prose
from dataprep.checks.hygiene.length import asks_for_more
from dataprep.checks.hygiene.repeated import repeats_near
from dataprep.errors import ConfigError
from tests.rulecases import records_bytes

HYGIENE = ["DP502", "DP505", "DP506", "DP507", "DP508"]


def _chat(user: str, assistant: str) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


def _lint(tmp_path: Path, records: Sequence[object], select: list[str], **kw: Any) -> list:
    data = tmp_path / "data.jsonl"
    data.write_bytes(records_bytes(records))
    return lint([str(data)], select=select, cwd=tmp_path, **kw).findings


# ---------------------------------------------------------------- pack gates


def _gated(regex: str, flags: int = 0) -> Gated:
    return Gated(packs.Pattern("t.x", "DP506", re.compile(regex, flags), "test"))


@pytest.mark.parametrize(("regex", "flags", "text"), [
    (r"\bAs an AI(?: model|,)", re.IGNORECASE, "AS AN AI, I cannot"),
    (r"(?:ab|)cd", 0, "xcd"),
    (r"a(?=b)bc", 0, "abc"),
    (r"(a)\1x", 0, "aax"),
    (r"x{0}yz", 0, "yz"),
    (r"foo(?:bar)?baz", 0, "foobaz"),
    (r"(?i:HeLLo) world", 0, "hello world"),
    (r"MASK", re.IGNORECASE, "maſk"),  # re folds the long s into s; the gate must too
    (r"straße", re.IGNORECASE, "STRASSE straße"),
    (r"[Tt]odo:", 0, "todo: x"),
    (r"\AN/A\Z", re.IGNORECASE, "n/a"),
    (r"(?x) foo \s bar  # verbose", 0, "foo bar"),
])
def test_gate_never_rules_out_a_match(regex: str, flags: int, text: str) -> None:
    g = _gated(regex, flags)
    assert g.pattern.regex.search(text)
    assert g in Plan([g]).candidates(text)


def _builtin() -> list[Gated]:
    return [Gated(p) for name in PACKS for p in packs.builtin_pack(name)]


#: one text per built-in pattern that it must find
SAMPLES = {
    "template.double-brace": "Dear {{name}},",
    "template.single-brace": "Hello {first_name}!",
    "template.noinput": "<noinput>",
    "template.na-input": " N/A. ",
    "placeholder.insert": "[Insert company name]",
    "placeholder.angle": "<placeholder>",
    "placeholder.whole-reply": "<nooutput>",
    "placeholder.todo": "Intro\n  TODO: finish",
    "placeholder.lorem-ipsum": "Lorem ipsum dolor",
    "refusal.as-an-ai": "As an AI language model, I",
    "refusal.sorry-cannot": "I am sorry, but I cannot do that",
    "refusal.cannot-fulfill": "I can't fulfill that request",
    "boilerplate.knowledge-cutoff": "As of my last knowledge cut-off, no",
    "refusal.zh.as-an-ai": "作为一个人工智能语言模型，我没有个人观点。",
    "refusal.zh.just-an-ai": "我只是一个人工智能，无法替你做决定。",
    "refusal.zh.sorry-cannot": "很抱歉，我无法预订机票。",
    "refusal.zh.cannot-provide": "我无法提供实时的股票价格。",
    "refusal.ja.as-an-ai": "AI言語モデルとして、個人的な意見はありません。",
    "refusal.ja.sorry-cannot": "申し訳ありませんが、その質問にはお答えできません。",
    "refusal.ko.as-an-ai": "AI 언어 모델로서 저는 개인적인 의견이 없습니다.",
    "refusal.ko.sorry-cannot": "죄송하지만, 그 요청은 도와드릴 수 없습니다.",
    "refusal.es.as-an-ai": "Como modelo de lenguaje, no tengo opiniones.",
    "refusal.es.sorry-cannot": "Lo siento, pero no puedo ayudarte con eso.",
    "refusal.fr.as-an-ai": "En tant qu'IA, je n'ai pas d'opinion.",
    "refusal.fr.sorry-cannot": "Je suis désolé, mais je ne peux pas répondre.",
    "refusal.de.as-an-ai": "Als KI-Sprachmodell habe ich keine Meinung.",
    "refusal.de.sorry-cannot": "Es tut mir leid, aber ich kann nicht helfen.",
    "refusal.pt.as-an-ai": "Como um modelo de linguagem, não tenho opiniões.",
    "refusal.pt.sorry-cannot": "Desculpe, mas não posso ajudar com isso.",
    "refusal.ru.as-an-ai": "Как языковая модель, я не имею мнения.",
    "refusal.ru.sorry-cannot": "Извините, но я не могу помочь с этим.",
}


@pytest.mark.parametrize("reply", ["<nooutput>", "<no output>", "No output", "N/A", "NA", "None",
                                   "null", "TBD", "...", "…", " n/a. "])
def test_whole_reply_placeholders_pass_the_gate(reply: str) -> None:
    g = next(g for g in _builtin() if g.pattern.id == "placeholder.whole-reply")
    assert g in Plan([g]).candidates(reply) and g.passes(reply, [])
    assert not g.pattern.regex.search(f"{reply} of the options fit, so I picked the closest one.")


def test_builtin_patterns_match_their_examples_and_pass_their_gates() -> None:
    builtin = _builtin()
    assert {g.pattern.id for g in builtin} == set(SAMPLES)
    for g in builtin:
        text = SAMPLES[g.pattern.id]
        assert g.pattern.regex.search(text), g.pattern.id
        assert g in Plan([g]).candidates(text), g.pattern.id
        assert g.passes(text, []), g.pattern.id
        assert g.pattern.rule == "DP506"


def test_refusals_are_for_assistant_replies_only() -> None:
    refusals = [g for g in _builtin() if g.pattern.id.startswith(("refusal.", "boilerplate."))]
    assert refusals
    assert all(g.roles == frozenset({"assistant"}) for g in refusals)


@pytest.mark.parametrize("text", [
    "“对不起，我不能卖给你机票。我们的电脑坏了。”",  # a refusal quoted in a story
    "你作为一个人工智能助手，应该礼貌地回答。",  # said of someone else
    "作为人工智能领域的专家，他发表了演讲。",  # "as an expert in the AI field"
    "Los coches eléctricos funcionan como un motor más simple.",
    "Tools such as calls and goals are listed as KPIs.",
    "She works as an AI researcher in Lyon.",
])
def test_refusal_patterns_leave_ordinary_prose_alone(text: str) -> None:
    hits = [g.pattern.id for g in _builtin() if g.pattern.id.startswith("refusal.")
            and g.pattern.regex.search(text)]
    assert hits == []


def test_plan_skips_texts_without_the_literals() -> None:
    builtin = _builtin()
    plan = Plan([g for g in builtin if g.roles is None or "assistant" in g.roles])
    prose = "The quick brown fox jumps over the lazy dog. " * 40
    assert plan.candidates(prose) == []


# ---------------------------------------------------------------- user packs


def _project(tmp_path: Path, pack: str) -> None:
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["extra.toml"]\n', encoding="utf-8")
    (tmp_path / "extra.toml").write_text(pack, encoding="utf-8")


def test_user_pack_extends_dp506(tmp_path: Path) -> None:
    _project(tmp_path, """
[[pattern]]
id = "acme.ticket-stub"
rule = "DP506"
regex = 'TICKET-\\?\\?\\?'
description = "unfilled ticket number"
roles = ["assistant"]

[[pattern]]
id = "acme.not-mine"
rule = "DP699"
regex = 'TICKET'
""")
    found = _lint(tmp_path, [_chat("TICKET-??? open?", "Your ticket TICKET-??? is open."),
                             _chat("hi", "hello")], ["DP506"])
    assert [(f.line, f.pointer) for f in found] == [(1, "/messages/1/content")]
    assert "acme.ticket-stub (unfilled ticket number) in the assistant reply" in found[0].message


def test_invalid_user_pack_is_a_config_error(tmp_path: Path) -> None:
    _project(tmp_path, '[[pattern]]\nid = "bad"\nrule = "DP506"\nregex = "(unclosed"\n')
    with pytest.raises(ConfigError, match="invalid regex"):
        _lint(tmp_path, [_chat("hi", "hello")], ["DP506"])


def test_user_pattern_id_clashing_with_the_builtin_pack(tmp_path: Path) -> None:
    _project(tmp_path, '[[pattern]]\nid = "placeholder.todo"\nrule = "DP506"\nregex = "x"\n')
    with pytest.raises(ConfigError, match="duplicate pattern id"):
        _lint(tmp_path, [_chat("hi", "hello")], ["DP506"])


# ---------------------------------------------------------------- DP505 characters


CLEAN = [
    "Le café est très bon, n’est-ce pas ? « Oui », dit-elle — à bientôt…",
    "São Paulo é a maior cidade do Brasil; NÃO há dúvida. “IRMÔ, disse ela. AMANHÃ… talvez.",
    "Ça coûte 5 € — c’est l’été à Noël.",
    "Grüße aus München! Übermorgen fährt der Zug über Köln.",
    "Zażółć gęślą jaźń. Łódź, Kraków, Gdańsk.",
    "Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Привет, как дела? Это тест.",
    "Ελληνικά: Καλημέρα κόσμε",
    "Él dijo: “¡Hola, señor!” y añadió «adiós».",
    "Í Reykjavík er Ð og ð notuð — ÐÞ.",
    "Temperature: 25°C ± 2°, price £10 © 2024 ® ™",
    "東京は日本の首都です。😀👍🏽 ✓ → ←",
    "Åsa och Ärlig på Öland — ÅÄÖ «ÅÄÖ»",
    "CAFÉ’s menu — RÉSUMÉ… “DÉJÀ VU”",
    "👨‍👩‍👧 🧙‍♂️ می‌خواهم",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_has_no_character_problems(text: str) -> None:
    assert _char_problems(text) == []


@pytest.mark.parametrize("text", CLEAN[:-1])
@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_mojibake_of_clean_text_is_found(text: str, codec: str) -> None:
    garbled = text.encode("utf-8").decode(codec, errors="replace")
    problems = _char_problems(garbled)
    assert problems, garbled
    # cp1252 turns every byte into a printable character: only the mojibake test can see it
    if codec == "cp1252":
        assert any(p.startswith("mojibake") for p in problems), (garbled, problems)


@pytest.mark.parametrize("ch", ["\x01", "\x1f", "\x7f", "\x85", "\x9f", "\u200b", "\u200c",
                                "\u2060", "\ufeff", "\ufffd", "Ã©", "â€™", "ðŸ˜€", "Å‚", "Ð¿Ñ€"])
def test_the_cheap_screen_never_misses_a_problem(ch: str) -> None:
    text = "Ünïcödé text " * 20 + ch + " and more text ’"
    assert _suspect(text)
    assert _char_problems(text)


def test_ascii_control_characters_are_counted() -> None:
    assert _char_problems("a\x00b\x1bc\x7f\td\n") == ["3 control characters (U+0000, U+001B, U+007F)"]


def test_unclosed_fence_in_a_reply_is_dp507s_when_it_is_on(tmp_path: Path) -> None:
    rec = _chat("Code?\n```", "Here:\n```python\nprint(1)\n")
    found = _lint(tmp_path, [rec], ["DP505", "DP507"])
    assert [(f.code, f.pointer) for f in found] == [
        ("DP505", "/messages/0/content"), ("DP507", "/messages/1/content")]


# ---------------------------------------------------------------- DP507 truncation


@pytest.mark.parametrize(("text", "kind"), [
    ("It rained all day. We stayed inside and played cards until the", "letter"),
    ("It rained all day. We stayed inside and played cards with my brother,", "comma"),
    ("It rained all day. We stayed inside and played cards.", None),
    ("We stayed inside and played cards with my brother and", None),  # < min_chars
    ("Shopping list for the week ahead, written down:\n- apples and pears\n- bread and butter", None),
    ("Docs. Read it all at https://example.org/a/very/long/path/to/the/documentation", None),
])
def test_truncation(text: str, kind: str | None) -> None:
    assert truncation(text, 40 if kind else 60, 5) == kind


def test_truncation_ignores_unpunctuated_definitions() -> None:
    text = ("Middle English oblique, borrowed from Latin obliquus \"slanting, transverse,\" "
            "from ob- \"against\" + -liquus, of uncertain meaning and origin")
    assert truncation(text, 40, 5) is None


# ---------------------------------------------------------------- DP508 repetition


def test_repetition_of_the_openai_toy_reply(tmp_path: Path) -> None:
    records = [_chat(f"Question {i}?", "A short and friendly answer.") for i in range(4)]
    records.append({"messages": [{"role": "system", "content": "Be positive."},
                                 {"role": "user", "content": "I'm hungry."},
                                 {"role": "assistant", "content": "Eat a banana!" * 2000}]})
    found = _lint(tmp_path, records, ["DP508"])
    assert [(f.line, f.pointer) for f in found] == [(5, "/messages/2/content")]
    assert "'Eat a banana!' repeated 2,000 times, covering 100% of the text" in found[0].message


def test_probe_finds_loops_anywhere_in_the_covered_half() -> None:
    prose = " ".join(f"word{i}" for i in range(300))
    loop = "stop it now. " * 120
    for text in (loop + prose, prose + loop, prose[:500] + loop + prose[:500]):
        assert repeats_near(text, 2), text[:40]
        assert repetition(text, 3, 10, 0.5)


def test_prose_is_not_a_candidate() -> None:
    prose = ("Bananas are a good snack before exercise because they are easy to carry and give "
             "quick energy. Eat one half an hour before a run, with some yogurt or nuts. ") * 2
    assert not repeats_near(prose, 2)


def test_excerpt_is_short_and_cut_between_words() -> None:
    text = "word " * 40 + "KEY-abcdefghijklmnop " + "word " * 40
    i = text.index("KEY")
    shown = excerpt(text, i, i + 20)
    assert len(shown) <= 64
    assert "KEY-abcdefghijklmnop" in shown
    assert shown.startswith("'…word") and shown.endswith("word…'")


# ---------------------------------------------------------------- DP502 statistics


def test_length_statistics_across_records_and_formats(tmp_path: Path) -> None:
    records: list[object] = [_chat(f"Q{i}", f"An ordinary answer number {i} of usual size.") for i in range(40)]
    records.append({"prompt": "Tell me all", "completion": " " + "very long answer " * 100})
    records.append(_chat("ok?", "ok"))
    found = _lint(tmp_path, records, ["DP502"])
    assert [(f.line, f.pointer) for f in found] == [(41, "/completion"), (42, "/messages/1/content")]
    assert "far longer than this dataset's typical" in found[0].message
    assert "trivially short reply 'ok'" in found[1].message  # reported once, as a filler


def test_invalid_records_do_not_count(tmp_path: Path) -> None:
    # DP113 (no assistant turn) makes the record invalid; its reply-less turns add nothing,
    # and an invalid record's reply does not join the statistics either
    records: list[object] = [_chat(f"Q{i}", "A reply of quite ordinary length.") for i in range(5)]
    records.append({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x" * 2000},
                                 {"role": "bogus", "content": "?"}]})
    found = _lint(tmp_path, records, ["DP502", "DP110"], options={"DP502": {"min_replies": 5}})
    assert [f.code for f in found] == ["DP110"]


def test_all_rules_together_on_a_clean_record(tmp_path: Path) -> None:
    rec = _chat("Why is the sky blue?", "Because air scatters blue light more than red light.")
    assert _lint(tmp_path, [rec] * 3, HYGIENE) == []


def test_fast_chat_path_agrees_with_the_text_views(tmp_path: Path, monkeypatch) -> None:
    records: list[object] = [
        _chat("Say café\u0007", "cafÃ© {{name}}, and the loop: " + "spin " * 50),
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"},
                      {"role": "assistant", "content": "Because the reply was cut before it could"
                                                       " finish its sentence properly. It ends here and"},
                      {"role": "user", "content": "ok"}, {"role": "assistant", "content": "Sure!"}]},
    ]
    fast = [f.to_dict() for f in _lint(tmp_path, records, HYGIENE)]
    monkeypatch.setattr("dataprep.checks.hygiene.walk._plain_messages", lambda msgs: False)
    slow = [f.to_dict() for f in _lint(tmp_path, records, HYGIENE)]
    assert fast == slow
    assert {f["code"] for f in fast} == {"DP502", "DP505", "DP506", "DP507", "DP508"}


def test_no_crash_on_odd_records(tmp_path: Path) -> None:
    odd: list[object] = [
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi {{x}}"}]},
                      {"role": "assistant", "content": None, "tool_calls": []}]},
        {"messages": [{"role": 5, "content": "\x00"}, "not a message"]},
        {"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "\ufffd"}]},
        {"prompt": [{"role": "user", "content": "x"}], "chosen": [{"role": "assistant", "content": " y "}],
         "rejected": "z"},
        {"text": "", "label": 3},
        json.dumps({"weird": True}),
    ]
    found = _lint(tmp_path, odd, HYGIENE + ["DP901"])
    assert not [f for f in found if f.code == "DP901"]
    assert {f.code for f in found} <= set(HYGIENE)


# ---------------------------------------------------------------- DP506 notation


@pytest.mark.parametrize(("text", "hidden", "kept"), [
    ("Let $x^{ab}$ and $$\\sum_{i} {total}$$ hold.", ["{ab}", "{total}"], ["Let", "hold."]),
    ("By \\( {rate} \\) and \\[ {cost} \\] we get", ["{rate}", "{cost}"], ["we get"]),
    ("It costs $5 and {item} costs $10.", [], ["{item}"]),  # prices are not math
    ("Run:\njobs:\n build:\n  url: ${{ x }}\n steps: 3\nDone {name}.", ["${{ x }}"], ["Done {name}."]),
    ("Name: {{name}}\nDate: {{date}}\nRoom: {{room}}", [], ["{{name}}", "{{room}}"]),
    ("See `{{x}}` and\n```\n{{y}}\n```\nthen {{z}}", ["{{x}}", "{{y}}"], ["{{z}}"]),
])
def test_prose_blanks_notation_only(text: str, hidden: list[str], kept: list[str]) -> None:
    out = prose(text)
    assert len(out) == len(text)
    assert out.count("\n") == text.count("\n")
    for s in hidden:
        assert s not in out, s
    for s in kept:
        assert s in out, s


# ---------------------------------------------------------------- DP502 prompts


@pytest.mark.parametrize(("prompt", "cue"), [
    ("Explain in detail why leaves change colour in autumn.", "explain"),
    ("Write a Python function that reverses a string.", "write … function"),
    ("Why is the sky blue?", "why"),
    ("List the steps to change a tyre.", "list"),
    ("请详细解释光合作用的过程。", "解释"),
    ("光合作用の仕組みを詳しく教えてください。", "詳しく"),
    ("Which bear is Christopher Robin's friend?", None),
    ("Name the capital of Arizona.", None),
    ("Classify this review as positive or negative: great film!", None),
    ("Is 7 prime? Answer yes or no.", None),
    ("Provide a step-by-step calculation for 3*7. Equations/math only, no commentary.", None),
    ("Translate 'cat' into French.", None),
    ("Explain the idiom in one word: 'break the ice'.", None),
    ("In this task you explain why. " * 30 + "\nNew input: PersonX eats\nOutput:", None),
    ("Detailed Instructions: classify the text.\n" + "Text: lorem. " * 60 + "\nA:", None),
    ("中国的首都是哪里？", None),
])
def test_asks_for_more(prompt: str, cue: str | None) -> None:
    assert asks_for_more(prompt) == cue


@pytest.mark.parametrize("prompt", [
    "Generate answer \"True\" if the sentence and its polarity match.\nReview: the story was dull.",
    ("What is the role of folklore?\nA) To predict events\nB) To reflect societal norms\n"
     "C) To create fictional characters\nD) To explain every function of the state"),
])
def test_write_cues_need_their_object_nearby_and_choices_are_short(prompt: str) -> None:
    assert asks_for_more(prompt) is None
