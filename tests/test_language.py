"""DP503 and its helpers (dataprep.langid): the screen, cleaning, sampling, determinism."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from dataprep import langid
from dataprep.api import lint
from dataprep.checks import language
from dataprep.checks.language import PREFIX_CHARS, record_text

REPO = Path(__file__).resolve().parent.parent

SENTENCES = {
    "en": "The weather was lovely today, so we walked to the park and had lunch by the lake "
          "with our friends.",
    "de": "Das Wetter war heute sehr schön, deshalb sind wir in den Park gegangen und haben am "
          "See mit unseren Freunden gegessen.",
    "fr": "Il faisait très beau aujourd'hui, alors nous sommes allés au parc et nous avons "
          "déjeuné au bord du lac avec nos amis.",
    "es": "Hoy hizo muy buen tiempo, así que fuimos al parque y comimos junto al lago con "
          "nuestros amigos.",
    "it": "Oggi il tempo era bellissimo, quindi siamo andati al parco e abbiamo pranzato "
          "vicino al lago con i nostri amici.",
    "pt": "O tempo estava ótimo hoje, então fomos ao parque e almoçamos perto do lago com os "
          "nossos amigos.",
    "nl": "Het weer was vandaag heerlijk, dus we liepen naar het park en aten bij het meer "
          "met onze vrienden.",
    "sv": "Vädret var underbart idag, så vi gick till parken och åt lunch vid sjön med våra "
          "vänner.",
    "cs": "Počasí bylo dnes krásné, tak jsme šli do parku a obědvali jsme u jezera s přáteli.",
    "tr": "Bugün hava çok güzeldi, bu yüzden parka yürüdük ve arkadaşlarımızla göl kenarında "
          "öğle yemeği yedik.",
    "id": "Cuaca hari ini sangat cerah, jadi kami berjalan ke taman dan makan siang di tepi "
          "danau bersama teman-teman kami.",
    "vi": "Hôm nay thời tiết rất đẹp, vì vậy chúng tôi đi bộ đến công viên và ăn trưa bên hồ "
          "với bạn bè.",
    "ru": "Сегодня была прекрасная погода, поэтому мы пошли в парк и пообедали у озера с "
          "нашими друзьями.",
    "uk": "Сьогодні була чудова погода, тому ми пішли до парку і пообідали біля озера з "
          "нашими друзями.",
    "zh": "今天天气很好，所以我们去了公园，和朋友们在湖边吃了午饭。",
    "ja": "今日はとても良い天気だったので、公園に行って、友達と湖のそばで昼ご飯を食べました。",
    "ko": "오늘은 날씨가 정말 좋아서 우리는 공원에 가서 친구들과 호수 옆에서 점심을 먹었습니다.",
    "ar": "كان الطقس جميلا اليوم، لذلك ذهبنا إلى الحديقة وتناولنا الغداء بجانب البحيرة مع "
          "أصدقائنا.",
    "el": "Ο καιρός ήταν υπέροχος σήμερα, οπότε πήγαμε στο πάρκο και φάγαμε μεσημεριανό "
          "δίπλα στη λίμνη με τους φίλους μας.",
}


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_screen_names_the_language(lang: str) -> None:
    scr = langid.screen(SENTENCES[lang], 20)
    assert scr is not None
    assert lang in (scr.label, scr.alt)


def test_screen_devanagari_is_a_script_label() -> None:
    text = "आज मौसम बहुत अच्छा था, इसलिए हम पार्क गए और अपने दोस्तों के साथ झील के किनारे खाना खाया।"
    scr = langid.screen(text, 20)
    assert scr is not None and scr.label == "Deva"
    assert langid.compatible(scr.label, scr.alt, "hi")
    assert not langid.compatible(scr.label, scr.alt, "en")


def test_screen_close_languages_keep_an_alternative() -> None:
    text = ("Vejret var dejligt i dag, så vi gik en tur i parken og spiste frokost ved søen "
            "med vores venner.")
    scr = langid.screen(text, 20)
    assert scr is not None and {scr.label, scr.alt} == {"da", "no"}


@pytest.mark.parametrize("text", [
    "ok thanks",  # too few letters
    "x = [1, 2, 3]; y = {k: v for k, v in z.items()}; print(x, y)",  # code
    "| 1 | 2 | 3 |\n|---|---|---|\n| 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 |",  # table
])
def test_screen_skips_texts_without_signal(text: str) -> None:
    assert langid.screen(text, 20) is None


def test_screen_latin_without_stop_words_is_a_script_label() -> None:
    scr = langid.screen("Unusual direct deposit payment declined yesterday evening", 20)
    assert scr is not None and scr.label == "Latn"


def test_clean_drops_code_urls_and_mail() -> None:
    text = ("Read this ```python\nder die das und\n``` and `inline die der` at "
            "https://example.org/der/die or write to someone@example.org, <b>bold</b>. "
            "Then ```unclosed der die das")
    out = langid.clean(text)
    for gone in ("der", "https", "someone", "<b>", "unclosed"):
        assert gone not in out
    assert "Read this" in out and "bold" in out
    assert langid.clean("plain text") == "plain text"


def test_clean_drops_json_program_lines_paths_and_identifiers() -> None:
    assert langid.clean('{"name": "get_weather", "arguments": {"city": "Paris"}}').strip() == ""
    assert langid.clean('[{"title": "The Old Man and the Sea"}]').strip() == ""
    embedded = 'The tool returned {"status": "ok", "items": [1, 2]} and then stopped.'
    assert langid.clean(embedded).split() == ["The", "tool", "returned", "and", "then", "stopped."]
    # a payload cut by the prefix window is dropped to the end
    assert langid.clean('Result: {"answer": "the rest is cut').strip() == "Result:"
    code = ("def add(a, b):\n    # add the two numbers and return the sum\n    return a + b\n"
            "print(add(1, 2))\nresult = add(3, 4)")
    assert langid.clean(code).split() == []
    prose = "Open the file at /usr/local/etc/app.conf, call os.path.join or load_workbook."
    out = langid.clean(prose)
    for gone in ("/usr", "os.path", "load_workbook"):
        assert gone not in out
    assert out.startswith("Open the file at") and "call" in out
    # prose lines that only look like code keywords stay
    assert "For example" in langid.clean("For example, if you want to return the book:")


def test_names_inside_sentences_are_not_language() -> None:
    text = "1. Levitating - Dua Lipa\n2. Plats du Chef\n3. La Banquise"
    assert "Lipa" not in langid.without_names(text) and "Chef" not in langid.without_names(text)
    kept = langid.without_names("The sky is blue. The sea is green.")
    assert kept == "The sky is blue. The sea is green."


@pytest.mark.parametrize(("text", "label"), [
    ("新款苹果iPhone 15 Pro与Apple Watch Series 9一同发布，支持USB-C接口。", "zh"),
    (("这里是几位在日本很受欢迎的歌手：宇多田光、米津玄师、椎名林檎，还有乐队サカナクション，"
      "他们的作品风格各不相同。"), "zh"),
    ("秋になると木の葉が赤や黄色に色づきます。", "ja"),
    ("가을이 되면 나뭇잎이 빨갛게 물듭니다.", "ko"),
    ("带来 means to bring or to bring along, and it is used when someone brings a thing.", "en"),
])
def test_script_decides_first(text: str, label: str) -> None:
    scr = langid.screen(langid.without_names(langid.clean(text)), 20)
    assert scr is not None and scr.label == label


def test_latin_words_in_a_chinese_text_leave_cjk_to_the_confirmer() -> None:
    text = "带来 (dài lái) means to bring or to bring along, as in 我会带来一些饼干."
    assert "带" not in langid.without_cjk(text) and "means to bring" in langid.without_cjk(text)


def test_requests_for_another_language_and_quoted_words() -> None:
    assert langid.asks_for_language("你能用英文介绍一下杭州吗？")
    assert langid.asks_for_language("Could you please translate this to English?")
    assert langid.asks_for_language("... fundamental rights. Say this using Spanish.")
    assert not langid.asks_for_language("What is the capital of Spain?")
    assert langid.quotes_script("生成一个正确使用“opulent”一词的例句。", "Latn")
    assert not langid.quotes_script("Ruby代码实现冒泡排序算法的代码是什么？", "Latn")


def test_probability_only_for_a_long_text_in_one_script() -> None:
    long = langid.screen(SENTENCES["fr"] * 2, 20)
    short = langid.screen(SENTENCES["fr"], 20)
    assert long is not None and short is not None
    assert "langdetect 1.00" in language._confirmed_evidence(long, "fr", 0.99999)
    said = language._confirmed_evidence(short, "fr", 0.99999)
    assert "langdetect" not in said and "stop words" in said
    # on a short text the stop words name the language, not langdetect's guess
    assert language._confirmed_evidence(short, "ca", 0.95).startswith("French (fr")


def test_record_text_is_the_reply_and_points_at_its_main_turn() -> None:
    d = {"messages": [{"role": "system", "content": "Ignore me entirely."},
                      {"role": "user", "content": "Short question?"},
                      {"role": "assistant", "content": "A much longer answer " * 5}]}
    text, ptr = record_text("chat", d)
    assert "Ignore" not in text and "question" not in text
    assert text.startswith("A much longer answer") and ptr == "/messages/2/content"


def test_record_text_other_formats_content_parts_and_prompt_only() -> None:
    d = {"messages": [{"role": "user", "content": [{"type": "text", "text": "Hello there"}]},
                      {"role": "assistant", "content": "General Kenobi, you are a bold one."}]}
    text, ptr = record_text("chat", d)
    assert text.startswith("General") and ptr == "/messages/1/content"
    text, ptr = record_text("alpaca", {"instruction": "Say hi", "input": "", "output": "Hi!"})
    assert text == "Hi!" and ptr == "/output"
    # no reply: the prompt is what there is to judge
    text, ptr = record_text("alpaca", {"instruction": "Say hi", "input": "", "output": ""})
    assert text == "Say hi" and ptr == "/instruction"


def test_record_text_skips_tool_calls_results_and_tool_turns() -> None:
    d = {"conversations": [
        {"from": "human", "value": "今天北京的天气怎么样？"},
        {"from": "function_call",
         "value": '{"name": "get_weather", "arguments": {"city": "Beijing", "unit": "celsius"}}'},
        {"from": "observation",
         "value": '{"temperature": 21, "condition": "Partly cloudy with light wind"}'},
        {"from": "gpt", "value": "北京今天多云，气温21摄氏度，有微风。"}]}
    text, ptr = record_text("sharegpt", d)
    assert text == "北京今天多云，气温21摄氏度，有微风。" and ptr == "/conversations/3/value"
    chat = {"messages": [
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "",
         "tool_calls": [{"type": "function", "function": {"name": "get_weather",
                                                          "arguments": '{"city": "Paris"}'}}]},
        {"role": "tool", "content": "Il fait beau et chaud à Paris aujourd'hui, 25 degrés."},
        {"role": "assistant", "content": "It is sunny and warm in Paris today, 25 degrees."}]}
    text, _ = record_text("chat", chat)
    assert "Il fait" not in text and "sunny and warm" in text


def test_record_text_is_bounded() -> None:
    d = {"messages": [{"role": "user", "content": "word " * 100_000},
                      {"role": "assistant", "content": "other " * 100_000}]}
    text, _ = record_text("chat", d)
    assert len(text) == PREFIX_CHARS


def test_stopword_languages_are_known_codes() -> None:
    sw = langid.stopwords()
    assert set(sw.order) <= set(langid.LANGUAGE_NAMES)
    assert sw.lookup["the"] == ("en",)
    assert "fr" in sw.lookup["de"] and "es" in sw.lookup["de"]


def test_wilson_interval() -> None:
    lo, hi = langid.wilson(150, 300)
    assert 0.44 < lo < 0.45 and 0.55 < hi < 0.56
    assert langid.wilson(0, 300)[0] == 0.0
    assert langid.wilson(0, 0) == (0.0, 1.0)


def test_confirmer_is_deterministic() -> None:
    c = langid.Confirmer()
    text = "Ceci est une phrase assez courte, mais elle est écrite en français."
    first = c.detect(text)
    assert first[0][0] == "fr"
    assert all(c.detect(text) == first for _ in range(5))
    assert langid.Confirmer().detect("今天天气很好，所以我们去了公园。")[0][0] == "zh"
    assert c.detect("1234 5678") == []


def test_normalize_code() -> None:
    assert langid.normalize_code("zh-CN") == "zh"
    assert langid.normalize_code("EN") == "en"
    assert langid.normalize_code("pt_BR") == "pt"


# ---------------------------------------------------------------- whole-rule behaviour

_EN_NOUNS = ("garden", "kitchen", "river", "teacher", "window", "letter", "market",
             "station", "doctor", "engine")
_EN_ADJS = ("quiet", "busy", "old", "bright", "small", "warm", "broken", "clean", "heavy",
            "friendly")
_FR_NOUNS = ("jardin", "cuisine", "rivière", "professeur", "fenêtre", "lettre", "marché",
             "gare", "médecin", "moteur")
_FR_ADJS = ("calme", "occupé", "vieux", "lumineux", "petit", "chaud", "cassé", "propre",
            "lourd", "gentil")


def _english(rng: random.Random) -> dict[str, str]:
    n1, n2 = rng.sample(_EN_NOUNS, 2)
    a1, a2 = rng.sample(_EN_ADJS, 2)
    return {"prompt": f"Can you tell me why the {n1} is so {a1} this morning?",
            "completion": f"The {n1} is {a1} because the {n2} was {a2} and nobody wanted "
                          f"to deal with it before the end of the week."}


def _french(rng: random.Random) -> dict[str, str]:
    n1, n2 = rng.sample(_FR_NOUNS, 2)
    a1, a2 = rng.sample(_FR_ADJS, 2)
    return {"prompt": f"Peux-tu me dire pourquoi le {n1} est si {a1} ce matin ?",
            "completion": f"Le {n1} est {a1} parce que le {n2} était {a2} et personne ne "
                          f"voulait s'en occuper avant la fin de la semaine."}


def _write(path: Path, records: list[dict[str, str]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def _dp503(path: Path, tmp_path: Path, **options: object) -> list[dict[str, object]]:
    res = lint([str(path)], select=["DP503"], options={"DP503": options} if options else None,
               cwd=tmp_path)
    return [f.to_dict() for f in res.findings if f.code == "DP503"]


def _dataset(n_en: int, n_fr: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    records = [_english(rng) for _ in range(n_en)] + [_french(rng) for _ in range(n_fr)]
    random.Random(seed + 1).shuffle(records)
    return records


def test_sample_bounds_langdetect_calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = langid.Confirmer.detect

    def counting(self: langid.Confirmer, text: str) -> list[tuple[str, float]]:
        calls.append(text)
        return real(self, text)

    monkeypatch.setattr(langid.Confirmer, "detect", counting)
    path = _write(tmp_path / "data.jsonl", _dataset(1500, 5))
    found = _dp503(path, tmp_path, sample_size=100)
    assert len(found) == 5
    # short texts: the stop words are the evidence, not langdetect's 1.00
    assert all("French (fr, " in f["message"] and "stop words" in f["message"]
               for f in found)
    assert all("of 100 sampled records" in f["message"] for f in found)
    assert len(calls) <= 100 + 5  # the sample plus the suspicious records, never every record


def test_mixed_dataset_reports_the_sample_and_its_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(120, 80))
    found = _dp503(path, tmp_path, sample_size=60)
    assert len(found) == 1
    f = found[0]
    assert f["path"] == "<dataset>" and f["line"] is None and f["count"] == 1
    assert "mixed languages" in f["message"]
    assert "seeded sample of 60 of 200 records; 95% CI ±" in f["message"]


def test_many_records_of_one_other_language_are_one_finding(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(1000, language.KEEP + 30))
    found = _dp503(path, tmp_path, sample_size=100)
    assert len(found) == 1
    f = found[0]
    assert f["count"] == language.KEEP + 30
    assert f["message"].startswith(f"{language.KEEP + 30} records look French (fr)")
    assert "langdetect confirmed" in f["message"] and "first at lines" in f["message"]


def test_expected_language_on_a_dataset_in_another(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(40, 0))
    found = _dp503(path, tmp_path, expected_language="fr")
    assert len(found) == 1
    assert found[0]["message"].startswith(
        "only 0% of records are in the expected language, French (fr): English (en) 100%")


def test_no_langdetect_at_all_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: langid.Confirmer, text: str) -> list[tuple[str, float]]:
        raise AssertionError("langdetect called")

    monkeypatch.setattr(langid.Confirmer, "detect", boom)
    path = _write(tmp_path / "data.jsonl", _dataset(50, 2))
    found = _dp503(path, tmp_path, sample_size=0, confirm=False)
    assert len(found) == 2 and all("not confirmed" in f["message"] for f in found)


def test_two_runs_are_identical(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(400, 12))
    first = _dp503(path, tmp_path, sample_size=50)
    assert first and first == _dp503(path, tmp_path, sample_size=50)


def test_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    path = _write(tmp_path / "data.jsonl", _dataset(300, 8) + _dataset(10, 10, seed=9))
    script = ("import json, sys; from pathlib import Path; from dataprep.api import lint; "
              "r = lint([sys.argv[1]], select=['DP503'], options={'DP503': {'sample_size': 40}}, "
              "cwd=Path(sys.argv[2])); print(json.dumps([f.to_dict() for f in r.findings]))")
    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path)],
                             capture_output=True, text=True, env=env, cwd=REPO, check=True)
        outs.append(run.stdout)
    assert json.loads(outs[0]) and outs[0] == outs[1]


def test_screen_only_shares_leave_undecided_records_out(tmp_path: Path) -> None:
    """Records whose words name no language (lists, titles) never become "the language"."""
    rng = random.Random(1)
    items = ["lamp", "chair", "table", "carpet", "mirror", "shelf", "drawer", "pillow",
             "blanket", "curtain", "sofa"]
    records = [{"prompt": "Inventory", "completion": " ".join(rng.sample(items, 9))}
               for _ in range(30)] + [_english(rng) for _ in range(5)]
    path = _write(tmp_path / "data.jsonl", records)
    assert _dp503(path, tmp_path, sample_size=0, confirm=False) == []
    assert _dp503(path, tmp_path) == []


def test_tool_turns_do_not_count_in_the_language_mix(tmp_path: Path) -> None:
    """A Chinese tool dataset whose calls and observations are English JSON is Chinese."""
    rng = random.Random(5)
    cities = ["北京", "上海", "广州", "深圳", "杭州", "成都", "西安", "南京"]
    records = []
    for i in range(40):
        city = rng.choice(cities)
        records.append({"conversations": [
            {"from": "human", "value": f"请帮我查一下{city}明天的天气，我想出门散步。"},
            {"from": "function_call",
             "value": json.dumps({"name": "get_weather", "arguments": {"city": city}})},
            {"from": "observation", "value": json.dumps(
                {"forecast": "It will be sunny in the morning and windy in the afternoon",
                 "temperature": 20 + i % 5})},
            {"from": "gpt", "value": f"{city}明天上午晴，下午风比较大，气温大约{20 + i % 5}度，适合上午出门散步。"}],
            "tools": "[]"})
    path = _write(tmp_path / "tools.jsonl", records)
    assert _dp503(path, tmp_path) == []


def test_unconfirmed_script_label(tmp_path: Path) -> None:
    rng = random.Random(2)
    records = [_english(rng) for _ in range(6)] + [{"prompt": SENTENCES["ru"], "completion": ""}]
    path = _write(tmp_path / "data.jsonl", records)
    found = _dp503(path, tmp_path, sample_size=0, confirm=False)
    assert [f["line"] for f in found] == [7]
    assert "Russian (ru, " in found[0]["message"] and "not confirmed" in found[0]["message"]
