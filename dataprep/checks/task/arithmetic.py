"""DP704: a wrong result for plain arithmetic on numbers the prompt gives.

How a calculation is read out of a prompt (its numbers and its one operation), how the
stated result is found in the reply, and when the two agree (rounding to the precision
shown).  The arithmetic itself is done by ``dataprep.arith``, never by ``eval``; the
phrase lists are data (``rules/packs/answers.toml``).  Speed: only short prompts with a
digit whose reply has one too are read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

from dataprep import arith, packs
from dataprep.checks.base import Rule

CODE = "DP704"


class WrongArithmetic(Rule):
    """The reply states a wrong result for plain arithmetic on numbers the prompt gives.

    A confidently wrong sum teaches a wrong fact, and arithmetic is where a fine-tuned
    model is checked first. When the prompt asks for plain arithmetic on numbers it gives
    itself (a short expression such as "8 * (25 + 7)" or "4 + 5(6-3)", "multiply 4 by 7",
    "15% of 80", "3 的 8 次方", the sum, mean or median of a list, a °C/°F/K conversion or
    a simple unit conversion of length, mass or time such as km to miles or days to
    hours) and the reply states a number, the right value is computed with a safe
    evaluator (``dataprep.arith``, never ``eval``) and a mismatch is reported with it:
    "answer says 216, 8 × (25 + 7) = 256". The reply's result is its last stated one
    ("= 48", "is 48", "等于48", or a reply that is only a number). Rounding to the
    precision the reply shows is accepted (26.7 for 26.67; 2.48 miles for 4 km, whose
    factors people round); a whole number for a result that is not one (6 for the mean
    5.5) only when rounding is asked for or admitted ("about", "约").

    Only judged when the task is unambiguous: one operation, every number of the prompt
    used, no variables, dates or times, and not a request for code, an equation, a word
    problem or a quantity beyond plain arithmetic (area, interest, probability: the
    ``skip.*`` patterns). Word problems with prose reasoning are not judged. English and
    Chinese ("计算", "等于", "求和", "平均数", "中位数").

    Examples:
    pass: {"instruction": "Calculate the sum of 28 + 56.", "input": "", "output": "The sum of 28 and 56 is 84."}
    pass: {"instruction": "Add 2 eggs to the batter and stir.", "input": "", "output": "Crack the eggs into the bowl and whisk until smooth."}
    pass: {"instruction": "计算5、8、10和12的平均值", "input": "", "output": "(5 + 8 + 10 + 12) / 4 = 35 / 4 = 8.75"}
    fail: {"instruction": "Calculate the following equation: 8 * (25 + 7)", "input": "", "output": "216"}
    fail: {"instruction": "Find the mean of the given set of numbers.", "input": "2, 5, 7, 8, 10", "output": "The mean of the given set of numbers is 6.8."}
    fail: {"instruction": "Convert the given Celsius temperature to Fahrenheit.", "input": "-6.2", "output": "21.16 Fahrenheit."}
    """

    code = CODE
    name = "task.wrong-arithmetic"
    severity = "warning"
    formats = ("alpaca", "conversation", "completion")
    options = {
        "max_prompt_chars": {
            "type": "integer", "minimum": 20, "default": 600,
            "description": "Prompts longer than this (characters) are not read as arithmetic tasks.",
        },
    }



# ---------------------------------------------------------------------- DP704: reading the task

#: one number as written in a prompt: a sign, a currency sign, thousands groups, decimals
NUM = r"[-−]?[$€£¥]?\s?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_NUM_RX = re.compile(NUM)
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: dates, times, ordinals and versions: numbers that are not operands
_NOT_OPERANDS = re.compile(
    r"\b\d{1,4}([/.-])\d{1,2}\1\d{1,4}\b|\b\d{1,2}:\d{2}\b|\b\d+(?:st|nd|rd|th)\b"
    r"|\b(?:1[5-9]|20)\d{2}\b(?!\s*(?:[-+*/×÷x^]|times|plus|minus|divided|multiplied))"
    r"|\d{4}年|\d{1,2}月\d{1,2}日")


class Task(NamedTuple):
    """A calculation read from a prompt: its right value and how to show it."""

    value: float
    #: the calculation as a person reads it ("8 × (25 + 7)", "the mean of 2, 4, 6")
    shown: str
    #: "exact": arithmetic; "convert": a unit conversion (rounding to whole units is
    #: normal); "approx": a conversion whose factor people round (km to miles)
    kind: str = "exact"
    #: the target unit's aliases, to find the converted number in the reply
    unit: tuple[str, ...] = ()
    #: the sign of the result does not matter ("the difference between 10 and 15")
    unsigned: bool = False
    #: the unit shown after the value in the message
    unit_name: str = ""


class TaskReader:
    """Reads a plain calculation out of a prompt and the stated result out of a reply."""

    __slots__ = ("ask", "skip", "hedge")

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self.ask = [p.regex for p in patterns if p.id.startswith("ask.")]
        self.skip = [p.regex for p in patterns if p.id.startswith("skip.")]
        self.hedge = [p.regex for p in patterns if p.id.startswith("hedge.")]

    def wrong_result(self, prompt: str, reply: str) -> str | None:
        """A message when the reply's stated result is wrong, else None."""
        if not _has_digit(prompt) or not _has_digit(reply) or "```" in reply:
            return None
        if not any(rx.search(prompt) for rx in self.ask):
            return None
        if any(rx.search(prompt) for rx in self.skip):
            return None
        task = read_task(prompt)
        if task is None:
            return None
        stated = stated_result(reply, task.unit)
        if stated is None:
            return None
        hedged = any(rx.search(prompt) or rx.search(reply) for rx in self.hedge)
        if any(agrees(s, task, hedged) for s in stated_results(reply, task.unit) if not s.percent):
            return None  # the right value is stated; a later number restates an operand
        unit = f" {task.unit_name}" if task.unit_name else ""
        return f"answer says {stated.text}, {task.shown} = {fmt(task.value)}{unit}"


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def read_task(prompt: str) -> Task | None:
    """The one calculation a prompt asks for, or None when there is none or it is not
    clear which (every number of the prompt must be an operand)."""
    text = prompt.translate(_FOLD_TEXT)
    if _NOT_OPERANDS.search(text):
        return None
    for reader in (_temperature, _conversion, _percent_of, _statistic, _verbal, _expression):
        task = reader(text)
        if task is not None:
            return task
    return None


_FOLD_TEXT = str.maketrans({"−": "-", "，": ",", "：": ":", "（": "(", "）": ")", "％": "%",
                            "×": "×", "÷": "÷"})


def _value(token: str) -> float | None:
    v = arith.try_evaluate(token.strip())
    return None if v is None else v.value


def _numbers(text: str) -> list[str]:
    return [m.group() for m in _ANY_NUMBER.finditer(text)]


def _only_numbers(text: str, used: Sequence[str]) -> bool:
    """Whether every number written in ``text`` is one of ``used`` (the operands)."""
    pool = {u.replace(",", "").lstrip("$€£¥-− ") for u in used}
    return all(n.replace(",", "") in pool for n in _numbers(text))


def _show(token: str) -> str:
    return " ".join(token.split()).replace("−", "-")


# -- temperature

_SCALES = {
    "C": re.compile(r"°\s?C\b|℃|\bcelsius\b|\bcentigrade\b|摄氏", re.IGNORECASE),
    "F": re.compile(r"°\s?F\b|℉|\bfahrenheit\b|华氏", re.IGNORECASE),
    "K": re.compile(r"\bkelvins?\b|开尔文|(?<=\d)\s?K\b", re.IGNORECASE),
}
_SCALE_WORD = r"(?:celsius|centigrade|fahrenheit|kelvins?|摄氏(?:度)?|华氏(?:度)?|开尔文|°\s?[CF]|℃|℉)"
_TEMP_ALIASES = {"C": ("°C", "℃", "° C", "degrees Celsius", "degrees celsius", "Celsius", "celsius",
                       "摄氏度", "度", "C"),
                 "F": ("°F", "℉", "° F", "degrees Fahrenheit", "degrees fahrenheit", "Fahrenheit",
                       "fahrenheit", "华氏度", "度", "F"),
                 "K": ("K", "kelvin", "Kelvin", "kelvins", "Kelvins", "开尔文")}
_TEMP_NAMES = {"C": "°C", "F": "°F", "K": "K"}
#: the scale converted to: "to Fahrenheit", "into Celsius", "转换为华氏度" (group ``to``),
#: or "in Fahrenheit" (weaker: "given in Celsius" names the source as often)
_TARGET = re.compile(r"(?:\b(?P<to>to|into)\s+(?:degrees\s+)?|\bin\s+(?:degrees\s+)?"
                     r"|(?P<zh>转换为|转换成|换算成|换算为|转为|转化为|是多少|等于多少)\s*)(?P<scale>"
                     + _SCALE_WORD + ")", re.IGNORECASE)
#: the scale written with the number: "32°C", "80 degrees Fahrenheit", "25 C"
_SOURCE_AFTER = re.compile(NUM + r"\s*(?:degrees?\s+)?(?P<scale>" + _SCALE_WORD + r"|[CFK]\b)",
                           re.IGNORECASE)
#: the scale named just before the number: "Celsius: 25", "Fahrenheit temperature 80"
_SOURCE_BEFORE = re.compile(r"(?P<scale>" + _SCALE_WORD + r")[^\d\n]{0,25}?" + NUM, re.IGNORECASE)


def _scale_of(word: str) -> str | None:
    for name, rx in _SCALES.items():
        if rx.search(word):
            return name
    w = word.strip().upper()
    return w if w in ("C", "F", "K") else None


def _temperature(text: str) -> Task | None:
    mentioned = {s for s, rx in _SCALES.items() if rx.search(text)}
    nums = _NUM_RX.findall(text)
    if not mentioned or len(nums) != 1:
        return None
    source = None
    m = _SOURCE_AFTER.search(text)
    if m is not None:
        source = _scale_of(m.group("scale"))
    targets = list(_TARGET.finditer(text))
    strong = [t for t in targets if t.group("to") or t.group("zh")]
    if source is None:
        m = _SOURCE_BEFORE.search(text)
        if m is not None and m.start("scale") not in {t.start("scale") for t in strong}:
            source = _scale_of(m.group("scale"))
    named = {_scale_of(t.group("scale")) for t in (strong or targets)} - {source, None}
    target = named.pop() if len(named) == 1 else None
    rest = mentioned - {source, target}
    if target is None and source is not None and len(rest) == 1:
        target = rest.pop()
    elif source is None and target is not None and len(rest) == 1:
        source = rest.pop()
    if source is None or target is None or source == target:
        return None
    x = _value(nums[0])
    if x is None:
        return None
    celsius = {"C": x, "F": (x - 32) * 5 / 9, "K": x - 273.15}[source]
    value = {"C": celsius, "F": celsius * 9 / 5 + 32, "K": celsius + 273.15}[target]
    return Task(value, f"{_show(nums[0])} {_TEMP_NAMES[source]}", "convert",
                _TEMP_ALIASES[target], unit_name=_TEMP_NAMES[target])


# -- unit conversion

class _Unit(NamedTuple):
    name: str
    dimension: str
    factor: float  # in the dimension's base unit (m, kg, s)
    approx: bool  # a factor people round (imperial <-> metric)
    aliases: tuple[str, ...]


_UNITS = (
    _Unit("km", "length", 1000.0, False, ("kilometers", "kilometres", "kilometer", "kilometre", "km", "公里", "千米")),
    _Unit("cm", "length", 0.01, False, ("centimeters", "centimetres", "centimeter", "centimetre", "cm", "厘米")),
    _Unit("mm", "length", 0.001, False, ("millimeters", "millimetres", "millimeter", "millimetre", "mm", "毫米")),
    _Unit("m", "length", 1.0, False, ("meters", "metres", "meter", "metre", "m", "米")),
    _Unit("miles", "length", 1609.344, True, ("miles", "mile", "mi", "英里")),
    _Unit("yards", "length", 0.9144, True, ("yards", "yard", "yd", "码")),
    _Unit("feet", "length", 0.3048, True, ("feet", "foot", "ft", "英尺")),
    _Unit("inches", "length", 0.0254, True, ("inches", "inch", "英寸")),
    _Unit("kg", "mass", 1.0, False, ("kilograms", "kilogram", "kg", "千克", "公斤")),
    _Unit("g", "mass", 0.001, False, ("grams", "gram", "g", "克")),
    _Unit("lb", "mass", 0.45359237, True, ("pounds", "pound", "lbs", "lb", "磅")),
    _Unit("oz", "mass", 0.028349523125, True, ("ounces", "ounce", "oz", "盎司")),
    _Unit("weeks", "time", 604800.0, False, ("weeks", "week", "周", "星期")),
    _Unit("days", "time", 86400.0, False, ("days", "day", "天")),
    _Unit("hours", "time", 3600.0, False, ("hours", "hour", "hrs", "hr", "小时")),
    _Unit("minutes", "time", 60.0, False, ("minutes", "minute", "mins", "min", "分钟")),
    _Unit("seconds", "time", 1.0, False, ("seconds", "second", "secs", "sec", "秒")),
)
_ALIAS = {a.lower(): u for u in _UNITS for a in u.aliases}
#: longest alias first, so "千克" is not read as "克" and "minutes" not as "min"
_UNIT_WORD = "(?:" + "|".join(re.escape(a) for a in sorted(_ALIAS, key=len, reverse=True)) + r")(?![A-Za-z])"
_QUANTITY = re.compile(r"(" + NUM + r")\s*(" + _UNIT_WORD + ")", re.IGNORECASE)
_TO_UNIT = re.compile(r"(?:\b(?:to|into|in)\s+|(?:转换为|转换成|换算成|换算为|转为|转化为|等于多少|是多少|有多少|多少)\s*)("
                      + _UNIT_WORD + ")", re.IGNORECASE)
_HOW_MANY = re.compile(r"\bhow\s+many\s+(" + _UNIT_WORD + ")", re.IGNORECASE)


#: a word every conversion asks with: texts without one are no conversion
_CONVERSION_GATE = re.compile(r"\b(?:to|into|in|how many)\b|转换|换算|转为|转化|多少", re.IGNORECASE)


def _conversion(text: str) -> Task | None:
    if _CONVERSION_GATE.search(text) is None:
        return None
    quantities = list(_QUANTITY.finditer(text))
    if len(quantities) != 1:
        return None
    q = quantities[0]
    source = _ALIAS.get(q.group(2).lower())
    targets = [m for m in (*_TO_UNIT.finditer(text), *_HOW_MANY.finditer(text))
               if m.start(1) != q.start(2)]
    units = {_ALIAS[m.group(1).lower()] for m in targets}
    if source is None or len(units) != 1:
        return None
    target = units.pop()
    if target.dimension != source.dimension or target is source:
        return None
    if not _only_numbers(text, [q.group(1)]):
        return None
    x = _value(q.group(1))
    if x is None:
        return None
    kind = "approx" if source.approx or target.approx else "convert"
    return Task(x * source.factor / target.factor, f"{_show(q.group(1))} {source.name}", kind,
                target.aliases, unit_name=target.name)


# -- percent of

_PERCENT_OF = re.compile(r"(" + NUM + r")\s*(?:%|\s+percent)\s+of\s+(" + NUM + r")(?!\s*%)", re.IGNORECASE)
_ZH_PERCENT_OF = re.compile(r"(" + NUM + r")\s*的\s*(" + NUM + r")\s*%")


def _percent_of(text: str) -> Task | None:
    m = _PERCENT_OF.search(text)
    if m is not None:
        pct, base = m.group(1), m.group(2)
    else:
        m = _ZH_PERCENT_OF.search(text)
        if m is None:
            return None
        base, pct = m.group(1), m.group(2)
    if not _only_numbers(text, [pct, base]):
        return None
    p, b = _value(pct), _value(base)
    if p is None or b is None:
        return None
    return Task(p * b / 100.0, f"{_show(pct)}% of {_show(base)}")


# -- statistics of a list

_STATS = {
    "sum": re.compile(r"\b(?:sum|total)\b|\badd(?:ing)?\s+(?:up|together|the)\b|求和|总和|之和|的和|相加|加起来", re.IGNORECASE),
    "mean": re.compile(r"\b(?:mean|average)\b|平均", re.IGNORECASE),
    "median": re.compile(r"\bmedian\b|中位数", re.IGNORECASE),
}
#: other statistics: a prompt naming one as well asks for more than one result
_OTHER_STATS = re.compile(r"\b(?:mode|range|max(?:imum)?|min(?:imum)?|product|difference|standard|variance|count)\b|众数|最大|最小|方差|积|差", re.IGNORECASE)
_LIST = re.compile(r"[\[{(]?\s*" + NUM + r"(?:\s*(?:,\s*and\s+|,\s*|、|;\s*|\s+and\s+|\s*和\s*|\s*与\s*|\s*及\s*)" + NUM + r")+\s*[\]})]?")
_SPLIT_SPACED = re.compile(r",\s*and\s+|,\s+|、|;\s*|\s+and\s+|和|与|及")
_SPLIT_ALL = re.compile(r",\s*and\s+|,|、|;\s*|\s+and\s+|和|与|及")


def _list_items(run: str) -> list[str] | None:
    body = run.strip().strip("[]{}()").strip()
    spaced = ", " in body or "、" in body or " and " in body or "和" in body
    items = [i.strip() for i in (_SPLIT_SPACED if spaced else _SPLIT_ALL).split(body)]
    if len(items) < 2 or any(not re.fullmatch(NUM, i) for i in items):
        return None
    return items


def _statistic(text: str) -> Task | None:
    asked = [name for name, rx in _STATS.items() if rx.search(text)]
    if len(asked) != 1 or _OTHER_STATS.search(text):
        return None
    runs = [m.group() for m in _LIST.finditer(text)]
    lists = [items for items in (_list_items(r) for r in runs) if items is not None]
    if not lists or len(runs) != len(lists):
        return None
    if any([_value(i) for i in x] != [_value(i) for i in lists[0]] for x in lists[1:]):
        return None  # two different lists
    items = lists[0]
    values = [_value(i) for i in items]
    if any(v is None for v in values):
        return None
    nums: list[float] = [v for v in values if v is not None]
    # every number of the prompt is in the list (its copies included), or is its length
    # every other number of the prompt is the list's length ("the 4 grades"), or none
    rest = _ANY_NUMBER.sub(lambda m: "" if m.group() == str(len(items)) else m.group(),
                           _LIST.sub(" ", text))
    if _numbers(rest):
        return None
    op = asked[0]
    if op == "sum":
        value = math.fsum(nums)
    elif op == "mean":
        value = math.fsum(nums) / len(nums)
    else:
        s = sorted(nums)
        mid = len(s) // 2
        value = s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2
    return Task(value, f"the {op} of {', '.join(_show(i) for i in items)}")


# -- one operation in words

_A, _B = r"(?P<a>" + NUM + r")", r"(?P<b>" + NUM + r")"
#: (pattern, operator, shown as); operands ``a`` and ``b``; "-|" is an unsigned difference
_VERBAL: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.IGNORECASE), op) for rx, op in (
        (r"\bmultipl(?:y|ying)\s+" + _A + r"\s+(?:by|and|with|times)\s+" + _B, "*"),
        (_A + r"\s+(?:times|multiplied\s+by)\s+" + _B, "*"),
        (r"\bproduct\s+of\s+" + _A + r"\s+and\s+" + _B, "*"),
        (r"\bdivid(?:e|ing)\s+" + _A + r"\s+by\s+" + _B, "/"),
        (_A + r"\s+divided\s+by\s+" + _B, "/"),
        (r"\bquotient\s+of\s+" + _A + r"\s+(?:and|by|divided\s+by)\s+" + _B, "/"),
        (r"\badd(?:ing)?\s+" + _A + r"\s+(?:and|to|plus)\s+" + _B, "+"),
        (r"\b(?:sum|total)\s+of\s+" + _A + r"\s+and\s+" + _B, "+"),
        (_A + r"\s+plus\s+" + _B, "+"),
        (_A + r"\s+minus\s+" + _B, "-"),
        (r"\bsubtract(?:ing)?\s+" + _B + r"\s+from\s+" + _A, "-"),
        (r"\bdifference\s+(?:between|of)\s+" + _A + r"\s+and\s+" + _B, "-|"),
        (_A + r"\s+(?:to|raised\s+to)\s+the\s+(?:power|exponent)\s+of\s+" + _B, "^"),
        (r"\bsquare\s+root\s+of\s+" + _A + r"(?P<b>)", "sqrt"),
        (_A + r"\s*乘以?\s*" + _B, "*"),
        (_A + r"\s*除以\s*" + _B, "/"),
        (_A + r"\s*加上?\s*" + _B, "+"),
        (_A + r"\s*减去?\s*" + _B, "-"),
        (_A + r"\s*的\s*" + _B + r"\s*次(?:方|幂)", "^"),
        (_A + r"\s*(?:和|与)\s*" + _B + r"\s*(?:之间)?的?差", "-|"),
        (_A + r"\s*(?:和|与)\s*" + _B + r"\s*的?(?:乘)?积", "*"),
    ))
_OP_SHOWN = {"*": "×", "/": "÷", "+": "+", "-": "-", "-|": "-", "^": "^"}


#: a word every pattern of ``_VERBAL`` holds: texts without one skip them all
_VERBAL_GATE = re.compile(r"multipl|times|product|divid|quotient|add|sum|total|plus|minus|subtract"
                          r"|difference|power|root|乘|除|加|减|次|差|积", re.IGNORECASE)


def _verbal(text: str) -> Task | None:
    if _VERBAL_GATE.search(text) is None:
        return None
    found = [(m, op) for rx, op in _VERBAL for m in rx.finditer(text)]
    if not found:
        return None
    spans = {(m.start(), m.end()) for m, _ in found}
    if len(spans) != 1 and len({(m.group("a"), m.group("b"), op) for m, op in found}) != 1:
        return None
    m, op = found[0]
    a, b = m.group("a"), m.group("b")
    if not _only_numbers(text, [a, b] if b else [a]):
        return None
    x = _value(a)
    if x is None:
        return None
    if op == "sqrt":
        if x < 0:
            return None
        return Task(math.sqrt(x), f"√{_show(a)}")
    y = _value(b)
    if y is None:
        return None
    expr = f"({_show(a)}) {'-' if op == '-|' else op} ({_show(b)})"
    value = arith.try_evaluate(expr)
    if value is None:
        return None
    return Task(value.value, f"{_show(a)} {_OP_SHOWN[op]} {_show(b)}", unsigned=op == "-|")


# -- a written expression

#: "18-30", "8-12": a range, not a subtraction
_RANGE = re.compile(r"\d+-\d+")
#: characters of wording a calculation written as an expression may come with
_MAX_WORDING = 200
_EXPR = re.compile(r"[-(\[]*\s*[$€£¥]?\d[\d\s.,+\-*/×÷xX^%()\[\]$·]*")


def _expression(text: str) -> Task | None:
    found: list[tuple[str, arith.Value]] = []
    spans: list[str] = []
    for m in _EXPR.finditer(text):
        span = m.group().strip().rstrip(".,").strip()
        spans.append(span)
        value = arith.try_evaluate(span)
        if value is not None and value.operators >= 1:
            after = text[m.end():].lstrip()
            if after.startswith("=") and not re.match(r"=\s*(?:\?|$)", after):
                return None  # an equation or a claim to check, not a calculation
            found.append((span, value))
    if len(found) != 1:
        return None
    span, value = found[0]
    if any(_has_digit(s) for s in spans if s != span):
        return None  # other numbers: not clear they are not part of the task
    if _RANGE.fullmatch(span) or len(text) - len(span) > _MAX_WORDING:
        return None  # "aged 18-30" is a range; a long text around it is no calculation
    return Task(value.value, _pretty(span))


_PRETTY_OPS = re.compile(r"\s*(\*\*|[-+*/×÷^])\s*|(?<=\d)\s*[xX]\s*(?=[\d(])")


def _pretty(span: str) -> str:
    def one(m: re.Match[str]) -> str:
        op = (m.group(1) or "*")
        return {"*": " × ", "/": " ÷ ", "**": "^", "^": "^", "×": " × ", "÷": " ÷ "}.get(op, f" {op} ")
    return " ".join(_PRETTY_OPS.sub(one, span).split())


# ---------------------------------------------------------------------- DP704: the reply's result

class Stated(NamedTuple):
    """The result a reply states."""

    value: float
    #: decimals written (how precisely the reply states it); -1: an exact fraction
    decimals: int
    text: str
    #: written as a percentage ("50%")
    percent: bool = False


#: a claim of a result: "= 48", "is 48", "equals 48", ": 48", "等于48", "为48", "是48"
_CLAIM = re.compile(
    r"(?:=|≈|≅|\bis\b|\bequals?\b|\bequal\s+to\b|\bgives?\b|\bget\b|\bresults?\s+in\b|\bcomes?\s+(?:out\s+)?to\b"
    r"|:|等于|为|是|得到?|约)"
    r"(?:\s*(?:approximately|approx\.?|about|around|roughly|exactly|precisely|equal\s+to|just|only"
    r"|约为|约等于|大约|约|是|为))*"
    r"\s*(?P<num>" + NUM + r"(?:\s*/\s*\d+(?!\s*[-+*×÷^]))?)(?P<pct>\s*%)?",
    re.IGNORECASE)
_BARE = re.compile(r"\A\s*(?P<num>" + NUM + r"(?:\s*/\s*\d+)?)(?P<pct>\s*%)?\s*(?:[A-Za-z°℃℉\u4e00-\u9fff²³^]{1,12}\.?\s*){0,2}[.。!]?\s*\Z")


def stated_results(reply: str, unit: Sequence[str] = ()) -> list[Stated]:
    """The results a reply states, the final one last: for a conversion its numbers in
    the target unit, else its claimed ones ("= 48", "is 48"), else the whole reply when
    it is only a number (with a unit)."""
    text = reply.translate(_FOLD_TEXT)
    matches: list[re.Match[str]] = []
    if unit:
        alt = "|".join(re.escape(u) for u in sorted(unit, key=len, reverse=True))
        matches = list(re.finditer(r"(?P<num>" + NUM + r")(?P<pct>)\s*(?:degrees\s+)?(?:"
                                   + alt + r")(?![A-Za-z])", text))
    if not matches:
        matches = list(_CLAIM.finditer(text))
    if not matches:
        bare = _BARE.match(text)
        matches = [bare] if bare is not None else []
    out: list[Stated] = []
    for m in matches:
        raw = m.group("num").strip()
        value = arith.try_evaluate(raw)
        if value is None:
            continue
        digits = raw.replace(",", "")
        decimals = -1 if "/" in raw else len(digits.split(".")[1]) if "." in digits else 0
        out.append(Stated(value.value, decimals, _show(raw), bool(m.group("pct"))))
    return out


def stated_result(reply: str, unit: Sequence[str] = ()) -> Stated | None:
    """The final result the reply states (see ``stated_results``); None when it states
    none, or when it is a percentage (whose scale the task may not share)."""
    found = stated_results(reply, unit)
    return found[-1] if found and not found[-1].percent else None


def agrees(stated: Stated, task: Task, hedged: bool) -> bool:
    """Whether the stated result is the task's value, up to the rounding it shows."""
    a, t = stated.value, task.value
    if task.unsigned:
        a, t = abs(a), abs(t)
    if abs(a - t) <= 1e-9 * max(1.0, abs(t)):
        return True
    if task.kind == "approx" and abs(a - t) <= 0.02 * abs(t):
        return True
    if stated.decimals < 0:
        return abs(a - t) <= 1e-6 * max(1.0, abs(t))
    step = 10.0 ** -stated.decimals
    if abs(a - t) >= step * (1 + 1e-9):
        return False
    # within one unit of the last written digit (rounded or cut)
    if stated.decimals > 0:
        return True
    # a whole number for a result that is not one: only a conversion, a large value, or
    # where rounding is asked for or admitted
    return task.kind != "exact" or hedged or abs(t) >= 100


def fmt(x: float) -> str:
    """A computed value as a message shows it (up to four decimals, no float noise)."""
    if abs(x - round(x)) < 1e-9 and abs(x) < 1e15:
        n = int(round(x))
        return f"{n:,}" if abs(n) >= 1_000_000 else str(n)
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s if s not in ("0", "-0") else f"{x:.3g}"
