"""A small, safe evaluator for the arithmetic written in training records.

DP704 recomputes "Calculate 8 * (25 + 7)" or "(210 - 32) * 5/9" to check the answer a
record gives.  The text comes from datasets nobody vetted, so it is never handed to
``eval`` or the ``ast`` module: a tokenizer and a recursive-descent parser read only
numbers, ``+ - * / ^ %``, their common typographic forms (``×``, ``÷``, ``x`` between two
numbers, ``−``, ``**``) and parentheses, and every way an expression could cost time or
memory is bounded up front: its length, its nesting depth, and the size of a power.  A
text that is not such an expression, or that divides by zero, is an ``ArithError`` (or
``None`` from ``try_evaluate``), never an exception of another kind and never a hang.

Grammar (usual precedence; ``^`` binds right and tighter than a unary minus, so
``-2^2`` is ``-4``)::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "%") unary | implicit)*   implicit: "2(3+4)", ")("
    unary   := ("-" | "+") unary | power
    power   := postfix ("^" unary)?
    postfix := atom "%"?                                   "15%" is 0.15
    atom    := NUMBER | "(" sum ")"

``%`` between two operands is the remainder ("10 % 3"), after an operand with nothing
to its right it is a percent sign ("200 * 15%").  Numbers may carry thousands separators
("987,654,321") and a leading currency sign ("$4.99").
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

__all__ = ["ArithError", "Value", "evaluate", "try_evaluate", "MAX_CHARS", "MAX_DEPTH"]

#: longest expression read (a record's arithmetic is short; longer text is not one)
MAX_CHARS = 300
#: deepest nesting of parentheses and unary signs followed
MAX_DEPTH = 40
#: largest magnitude of any intermediate result (well inside a float's range)
MAX_MAGNITUDE = 1e100
#: largest exponent of a power
MAX_EXPONENT = 1000


class ArithError(ValueError):
    """The text is not an expression this evaluator reads, or it cannot be computed."""


class Value(NamedTuple):
    """An evaluated expression: its value and how many binary operators it applied."""

    value: float
    operators: int


#: typographic variants folded before tokenizing
_FOLD = str.maketrans({"×": "*", "✕": "*", "·": "*", "∙": "*", "÷": "/", "−": "-",
                       "（": "(", "）": ")", "［": "(", "］": ")", "＋": "+", "－": "-",
                       "＊": "*", "／": "/", "％": "%", "＾": "^", "[": "(", "]": ")",
                       "，": ",", "．": "."})
#: one token: a number (thousands groups, decimals, a leading currency sign), an
#: operator, a parenthesis, a multiplication "x" between operands, or spaces
_TOKEN = re.compile(
    r"\s+"
    r"|(?P<num>[$€£¥]?\s?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))"
    r"|(?P<op>\*\*|[-+*/^%()])"
    r"|(?P<x>[xX])")


def _tokens(text: str) -> list[str]:
    if len(text) > MAX_CHARS:
        raise ArithError(f"longer than {MAX_CHARS} characters")
    text = text.translate(_FOLD)
    out: list[str] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ArithError(f"unexpected {text[pos]!r}")
        pos = m.end()
        if m.group("num") is not None:
            out.append(m.group("num"))
        elif m.group("op") is not None:
            out.append("^" if m.group("op") == "**" else m.group("op"))
        elif m.group("x") is not None:
            # "x" multiplies only between two operands ("8 x 8", "(2+3)x4"); "2x" is algebra
            prev_ok = bool(out) and (out[-1] == ")" or out[-1][-1].isdigit())
            nxt = _TOKEN.match(text, pos)
            while nxt is not None and not nxt.group().strip() and nxt.end() > pos:
                pos = nxt.end()
                nxt = _TOKEN.match(text, pos)
            next_ok = nxt is not None and (nxt.group("num") is not None or nxt.group() == "(")
            if not (prev_ok and next_ok):
                raise ArithError("a variable, not a number")
            out.append("*")
    return out


def _number(tok: str) -> float:
    digits = tok.lstrip("$€£¥").strip().replace(",", "")
    return float(digits)


def _check(x: float) -> float:
    if not math.isfinite(x) or abs(x) > MAX_MAGNITUDE:
        raise ArithError("result too large")
    return x


class _Parser:
    __slots__ = ("toks", "pos", "ops", "depth")

    def __init__(self, toks: list[str]) -> None:
        self.toks = toks
        self.pos = 0
        self.ops = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> str | None:
        i = self.pos + ahead
        return self.toks[i] if i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ArithError("unexpected end")
        self.pos += 1
        return tok

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ArithError(f"nested deeper than {MAX_DEPTH}")

    def sum(self) -> float:
        value = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            right = self.product()
            value = _check(value + right if op == "+" else value - right)
            self.ops += 1
        return value

    def product(self) -> float:
        value = self.unary()
        while True:
            tok = self.peek()
            if tok in ("*", "/", "%"):
                self.take()
                right = self.unary()
                self.ops += 1
                if tok == "*":
                    value = _check(value * right)
                elif right == 0:
                    raise ArithError("division by zero")
                elif tok == "/":
                    value = _check(value / right)
                else:
                    value = _check(math.fmod(value, right))
            elif tok == "(" or (tok is not None and _is_number(tok)
                                and self.toks[self.pos - 1] == ")"):
                # implicit multiplication: "5(6-3)", "(1+2)(3+4)", "(1+2) 3"
                right = self.unary()
                self.ops += 1
                value = _check(value * right)
            else:
                return value

    def unary(self) -> float:
        tok = self.peek()
        if tok in ("-", "+"):
            self.take()
            self.enter()
            inner = self.unary()
            self.depth -= 1
            return -inner if tok == "-" else inner
        return self.power()

    def power(self) -> float:
        base = self.postfix()
        if self.peek() == "^":
            self.take()
            self.enter()
            exponent = self.unary()
            self.depth -= 1
            self.ops += 1
            return _power(base, exponent)
        return base

    def postfix(self) -> float:
        value = self.atom()
        if self.peek() == "%":
            nxt = self.peek(1)
            if nxt is None or not (_is_number(nxt) or nxt in ("(", "-", "+")):
                self.take()
                return value / 100.0
        return value

    def atom(self) -> float:
        tok = self.take()
        if tok == "(":
            self.enter()
            value = self.sum()
            self.depth -= 1
            if self.take() != ")":
                raise ArithError("unbalanced parenthesis")
            return value
        if _is_number(tok):
            return _number(tok)
        raise ArithError(f"unexpected {tok!r}")


def _is_number(tok: str) -> bool:
    return tok[-1].isdigit()


def _power(base: float, exponent: float) -> float:
    if abs(exponent) > MAX_EXPONENT:
        raise ArithError("exponent too large")
    if base == 0 and exponent < 0:
        raise ArithError("division by zero")
    if base < 0 and exponent != int(exponent):
        raise ArithError("not a real number")
    if base != 0 and abs(base) != 1 and exponent * math.log10(abs(base)) > 100:
        raise ArithError("result too large")
    try:
        return _check(math.pow(base, exponent))
    except (OverflowError, ValueError) as exc:
        raise ArithError(str(exc)) from None


def evaluate(text: str) -> Value:
    """The value of an arithmetic expression and its count of binary operators.

    Raises ``ArithError`` for anything else: letters, an incomplete expression, an
    expression longer than ``MAX_CHARS`` or nested deeper than ``MAX_DEPTH``, a division
    by zero or a result beyond ``MAX_MAGNITUDE``.
    """
    toks = _tokens(text)
    if not toks:
        raise ArithError("empty")
    parser = _Parser(toks)
    value = parser.sum()
    if parser.pos != len(toks):
        raise ArithError(f"unexpected {toks[parser.pos]!r}")
    return Value(value, parser.ops)


def try_evaluate(text: str) -> Value | None:
    """``evaluate``, with None instead of an error."""
    try:
        return evaluate(text)
    except ArithError:
        return None
