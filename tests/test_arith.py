"""The safe arithmetic evaluator (``dataprep.arith``): what it reads, what it refuses, and
that hostile text (huge powers, deep nesting, division by zero, junk) is always an
``ArithError`` or a value, never another exception or a hang."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataprep.arith import MAX_CHARS, MAX_DEPTH, ArithError, evaluate, try_evaluate


@pytest.mark.parametrize(("text", "value", "operators"), [
    ("8 * (25 + 7)", 256, 2),
    ("10 - 4 x 2", 2, 2),
    ("4 + 6 × 2", 16, 2),
    ("24 ÷ 6", 4, 1),
    ("(2 * 3 + 4) / 5", 2, 3),
    ("2 (3 + 5)", 16, 2),            # implicit multiplication before a parenthesis
    ("4 + 5(6-3)", 19, 3),
    ("(1+2)(3+4)", 21, 3),
    ("3^8", 6561, 1),
    ("2 ** 10", 1024, 1),
    ("-2^2", -4, 1),                  # the power binds tighter than the sign
    ("2^3^2", 512, 2),                # and to the right
    ("2^-1", 0.5, 1),
    ("987,654,321 * 12", 11851851852, 1),
    ("$10.99 + $6.45", 17.44, 1),
    ("200 * 15%", 30, 1),             # a percent sign
    ("10 % 3", 1, 1),                 # a remainder
    ("[3 + 3] * 3", 18, 2),
    ("（1＋2）×3", 9, 2),               # full-width forms
    ("5 − 3", 2, 1),                  # a typographic minus
    (".5 + .25", 0.75, 1),
    ("42", 42, 0),
    ("-6.2", -6.2, 0),
])
def test_reads_arithmetic(text: str, value: float, operators: int) -> None:
    got = evaluate(text)
    assert got.value == pytest.approx(value)
    assert got.operators == operators


@pytest.mark.parametrize("text", [
    "2x + 4",          # algebra: a variable, not a multiplication
    "x * 3",
    "3 apples + 4",
    "1,5 + 2",         # a comma that is no thousands separator
    "(1 + 2",
    "1 + 2)",
    "1 +",
    "* 3",
    "",
    "   ",
    "1e5 + 1",         # scientific notation is not how a prompt writes numbers
    "__import__('os')",
    "2; 3",
])
def test_refuses_what_is_not_plain_arithmetic(text: str) -> None:
    with pytest.raises(ArithError):
        evaluate(text)
    assert try_evaluate(text) is None


@pytest.mark.parametrize(("text", "why"), [
    ("1 / 0", "division by zero"),
    ("5 % 0", "division by zero"),
    ("0 ^ -1", "division by zero"),
    ("9^9^9^9", "too large"),
    ("2 ** 100000", "too large"),
    ("10 ^ 200", "too large"),
    ("99999999 ^ 99", "too large"),
    ("(-8) ^ 0.5", "not a real number"),
    ("(" * 100 + "1" + ")" * 100, "nested deeper"),
    ("-" * 100 + "1", "nested deeper"),
    ("2^" * 60 + "1", "nested deeper"),
    ("1+" * 200 + "1", "longer than"),
])
def test_hostile_input_is_an_error_not_a_hang(text: str, why: str) -> None:
    with pytest.raises(ArithError, match=why):
        evaluate(text)


def test_long_but_flat_sums_stay_bounded() -> None:
    text = "+".join(["1"] * (MAX_CHARS // 2))
    assert evaluate(text).value == MAX_CHARS // 2
    with pytest.raises(ArithError):
        evaluate(text + "+1+1")


def test_nesting_limit_is_exact() -> None:
    inside = "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert evaluate(inside).value == 1
    with pytest.raises(ArithError):
        evaluate("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1))


_ALPHABET = "0123456789 .,+-*/^%()x×÷$eE**−[]abc"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=120))
def test_any_text_is_a_finite_value_or_an_arith_error(text: str) -> None:
    try:
        got = evaluate(text)
    except ArithError:
        return
    assert math.isfinite(got.value)
    assert got.operators >= 0


@settings(max_examples=200, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6),
       st.sampled_from(["+", "-", "*"]))
def test_agrees_with_integer_arithmetic(a: int, b: int, op: str) -> None:
    expected = {"+": a + b, "-": a - b, "*": a * b}[op]
    assert evaluate(f"({a}) {op} ({b})").value == expected
