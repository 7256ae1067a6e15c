"""DP703/DP704 internals the YAML cases cannot show one by one: how a calculation is read
from a prompt, how the stated result is found in a reply, the rounding that is accepted,
how replies are paired with prompts, and that users extend the cues with their own pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dataprep import packs
from dataprep.api import lint
from dataprep.checks.task.arithmetic import Stated, Task, TaskReader, agrees, fmt, read_task, stated_result
from dataprep.checks.task.nontext import NonTextPatterns
from dataprep.checks.task.view import exchanges
from dataprep.records import Turn


@pytest.fixture(scope="module")
def reader() -> TaskReader:
    return TaskReader([p for p in packs.builtin_pack("answers") if p.rule == "DP704"])


@pytest.fixture(scope="module")
def nontext() -> NonTextPatterns:
    return NonTextPatterns([p for p in packs.builtin_pack("answers") if p.rule == "DP703"])


# ---------------------------------------------------------------- reading the task

@pytest.mark.parametrize(("prompt", "value", "shown"), [
    ("Calculate the following equation: 8 * (25 + 7)", 256, "8 × (25 + 7)"),
    ("Solve the given math problem\n2 + 3 x 4", 14, "2 + 3 × 4"),
    ("Multiply 987,654,321 by 12.\n987,654,321", 11851851852, "987,654,321 × 12"),
    ("Subtract 3 from 10.", 7, "10 - 3"),
    ("What is 4 raised to the power of 3?", 64, "4 ^ 3"),
    ("What is the square root of 144?", 12, "√144"),
    ("What is 15% of 80?", 12, "15% of 80"),
    ("计算200的10%。", 20, "10% of 200"),
    ("100除以8等于多少？", 12.5, "100 ÷ 8"),
    ("Calculate the average of the 4 student's grades.\n87, 89, 92, 95", 90.75,
     "the mean of 87, 89, 92, 95"),
    ("Find the median among the following set of numbers: 7,5,3,4", 4.5,
     "the median of 7, 5, 3, 4"),
    ("Sum up the numbers.\n$1,200, $300, $45", 1545, "the sum of $1,200, $300, $45"),
    ("Convert the number in Fahrenheit to Celsius.\n212", 100, "212 °F"),
    ("Convert the given temperature from Celsius to Kelvin.\n25 C", 298.15, "25 °C"),
    ("How many minutes are in 2.5 hours?", 150, "2.5 hours"),
    ("将0.15千克转换为克。", 150, "0.15 kg"),
])
def test_reads_the_calculation(prompt: str, value: float, shown: str) -> None:
    task = read_task(prompt)
    assert task is not None
    assert task.value == pytest.approx(value)
    assert task.shown == shown


@pytest.mark.parametrize("prompt", [
    "Add 2 eggs and 3 cups of flour, then stir.",          # numbers, but not all operands
    "Calculate the average temperature.\nDay 1: 15 degrees\nDay 2: 25 degrees",
    "Compute the sum of the two matrices.\nA = [[1,2],[3,4]]\nB = [[5,6],[7,8]]",
    "Given two populations, calculate the mean.\nPopulation 1: 7, 8\nPopulation 2: 5, 9",
    "Calculate the mean and median of 1, 2, 3.",           # more than one result
    "Compute the regression coefficient.\nx: 1, 2, 3\ny: 6, 5, 7",
    "What is 2x + 4 when x is 3?",                          # a variable
    "Is 3 + 4 = 8 right?",                                  # a claim to check
    "Convert the following date to American format: 15/10/2021",
    "What happened between 1789 and 1799?",
    "Find the time difference between 3:30pm and 6:45pm.",
    "Calculate the number of days between January 1 and April 5.",
])
def test_no_task_where_it_is_not_clear(prompt: str) -> None:
    assert read_task(prompt) is None


def test_skip_and_ask_cues_come_from_the_pack(reader: TaskReader) -> None:
    assert reader.wrong_result("Calculate 6 * 8.", "The answer is 42.") == \
        "answer says 42, 6 × 8 = 48"
    # code, an equation to write, a quantity beyond plain arithmetic: not judged
    assert reader.wrong_result("Write a Python program to calculate 6 * 8.", "print(42)") is None
    assert reader.wrong_result("Create an equation that equals 36.", "6 x 5 = 36") is None
    assert reader.wrong_result("Calculate the area of a square with side 6 * 8.", "42") is None
    # no calculation asked for
    assert reader.wrong_result("The code 6 * 8 is on the door.", "Thanks, I see 42.") is None


# ---------------------------------------------------------------- the stated result

@pytest.mark.parametrize(("reply", "value", "decimals"), [
    ("216", 216, 0),
    ("50.", 50, 0),
    ("The average of [2, 4, 5, 7, 8] is 5.4.", 5.4, 1),
    ("10 times 3 is equal to 30.", 30, 0),
    ("Total cost: $294.", 294, 0),
    ("First 2 * 3 = 6, then 6 + 4 = 10, and 10 / 5 = 2.", 2, 0),
    ("3 的 8 次方 = 3^8 = 6,561", 6561, 0),
    ("所以答案是77。", 77, 0),
    ("两个数字10和15之间的差值为5。", 5, 0),
    ("In conclusion, 3/4 + 2/3 = 17/12.", 17 / 12, -1),
    ("2700 seconds.", 2700, 0),
])
def test_finds_the_last_stated_result(reply: str, value: float, decimals: int) -> None:
    got = stated_result(reply)
    assert got is not None
    assert got.value == pytest.approx(value)
    assert got.decimals == decimals


def test_a_conversion_reads_the_number_in_the_target_unit() -> None:
    got = stated_result("32°C is equal to 89.6°F (about 305 K).", ("°F", "Fahrenheit"))
    assert got is not None and got.value == pytest.approx(89.6)


@pytest.mark.parametrize("reply", [
    "50%",                                   # a percentage: not compared
    "I cannot calculate that.",
    "The answer depends on the rounding rule.",
])
def test_no_stated_result(reply: str) -> None:
    assert stated_result(reply) is None


@pytest.mark.parametrize(("stated", "task", "hedged", "ok"), [
    (Stated(26.7, 1, "26.7"), Task(80 / 3.6 + 4.444, "x", "convert"), False, True),
    (Stated(26.6, 1, "26.6"), Task(26.667, "x"), False, True),      # cut, not rounded
    (Stated(26.5, 1, "26.5"), Task(26.667, "x"), False, False),
    (Stated(6, 0, "6"), Task(5.5, "mean"), False, False),             # a whole number for 5.5
    (Stated(6, 0, "6"), Task(5.5, "mean"), True, True),               # ... when rounding is said
    (Stated(27, 0, "27"), Task(26.67, "x", "convert"), False, True),  # conversions round
    (Stated(1383, 0, "1383"), Task(1382.6, "x"), False, True),        # large values round
    (Stated(2.48, 2, "2.48"), Task(2.4855, "x", "approx"), False, True),
    (Stated(2.3, 1, "2.3"), Task(2.4855, "x", "approx"), False, False),
    (Stated(5, 0, "5"), Task(-5, "d", unsigned=True), False, True),
    (Stated(17 / 12, -1, "17/12"), Task(3 / 4 + 2 / 3, "x"), False, True),
    (Stated(11851252742, 0, "11,851,252,742"), Task(11851851852, "x"), False, False),
])
def test_rounding_that_is_accepted(stated: Stated, task: Task, hedged: bool, ok: bool) -> None:
    assert agrees(stated, task, hedged) is ok


@pytest.mark.parametrize(("x", "shown"), [(48.0, "48"), (5.25, "5.25"), (14.666666, "14.6667"),
                                          (-4.0, "-4"), (0.00001234, "1.23e-05")])
def test_values_are_shown_without_float_noise(x: float, shown: str) -> None:
    assert fmt(x) == shown


# ---------------------------------------------------------------- DP703 pieces

@pytest.mark.parametrize(("reply", "prompt", "kind"), [
    ("![cat](https://img.example.com/cat.jpg)", "Show me a cat.", "a markdown image"),
    ('<img src="https://img.example.com/cat.jpg" alt="cat">', "Show me a cat.", "an HTML media tag"),
    ("https://example.com/article", "Find an article about bees.", "a bare URL"),
    ("Here it is:\nhttps://example.com/article", "Find an article about bees.", "a bare URL"),
    ("[screenshot of the home page]", "Take a screenshot of the website.",
     "a bracketed stand-in for an image, chart or recording"),
    ("https://example.com/bees", "Find a website about bees.", None),
    ("![cat](cat.png)", "Write the HTML or markdown to show cat.png.", None),
    ("Bees pollinate crops; see https://example.com/bees for more.", "Tell me about bees.", None),
    ("[1, 2, 3]", "Sort [3, 2, 1].", None),
    ("<meta name=\"description\" content=\"A test page\">", "Select the description tag.", None),
])
def test_non_text_pieces(nontext: NonTextPatterns, reply: str, prompt: str, kind: str | None) -> None:
    assert nontext.only_non_text(reply, prompt) == kind


def test_exchanges_pair_each_answer_with_its_prompt() -> None:
    turns = [Turn("system", "Be brief.", "/system"), Turn("user", "Sum these.", "/instruction"),
             Turn("user", "1, 2", "/input"), Turn("assistant", "3", "/output"),
             Turn("user", "And 6 * 7?", "/messages/3/content"),
             Turn("assistant", "Let me use the calculator.", "/messages/4/content"),
             Turn("assistant", "mul(6, 7)", "/messages/4/tool_calls/0", "call"),
             Turn("tool", "42", "/messages/5/content", "result"),
             Turn("assistant", "It is 42.", "/messages/6/content")]
    got = [(e.prompt, e.reply.pointer, e.grounding) for e in exchanges(turns)]
    # the text before the tool call is not the answer; the tool output grounds the answer
    assert got == [("Sum these.\n1, 2", "/output", ""),
                   ("And 6 * 7?", "/messages/6/content", "42")]


def test_a_link_a_tool_returned_is_grounded(nontext: NonTextPatterns) -> None:
    reply = "![cat](https://gifs.example.com/cat.gif)"
    assert nontext.only_non_text(reply, "Show me a cat GIF.") == "a markdown image"
    assert nontext.only_non_text(reply, "Show me a cat GIF.",
                                 '{"url": "https://gifs.example.com/cat.gif"}') is None


def test_linked_titles_are_an_answer(nontext: NonTextPatterns) -> None:
    reply = ("1. [Sony announces a new console](https://www.sony.example/news)\n"
             "2. [Toyota unveils an electric car](https://www.toyota.example/news)")
    assert nontext.only_non_text(reply, "Any tech news from Japan?") is None
    assert nontext.only_non_text("[Listen here](https://pod.example/ep1)",
                                 "Recommend a podcast.") == "a link"


# ---------------------------------------------------------------- user packs

def test_a_user_pack_adds_a_link_cue(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"instruction": "Where is the press kit?", "input": "",
                                "output": "https://example.com/press"}) + "\n", encoding="utf-8")
    before = lint([str(data)], select=["DP703"], cwd=tmp_path)
    assert [f.code for f in before.findings] == ["DP703"]
    (tmp_path / "mine.toml").write_text(
        '[[pattern]]\nid = "asks.press-kit"\nrule = "DP703"\nregex = "press kit"\n'
        'roles = ["user"]\n', encoding="utf-8")
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["mine.toml"]\n', encoding="utf-8")
    after = lint([str(data)], select=["DP703"], cwd=tmp_path)
    assert after.findings == []
