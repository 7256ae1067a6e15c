"""DP502: replies whose length does not fit the dataset, or the prompt they answer.

The norm is a dataset statistic, so every reply's length is kept until the end of the
run, in compact arrays (a few bytes per reply, no text).  What a prompt asks for is
decided while its record is at hand, and only for replies short enough that they might
turn out to be short outliers: the prompt itself is never kept.
"""

from __future__ import annotations

import math
import re
from array import array
from typing import Any

from dataprep.checks.base import Emit, Rule
from dataprep.checks.hygiene.common import plural
from dataprep.model import Record

#: fillers that answer nothing; "yes" and "no" are left out because they answer yes/no
#: questions (hand-written instruction data has them); add them in config if you want them
_TRIVIAL_DEFAULT = ["ok", "okay", "k", "sure", "thanks", "thank you", "thx", "got it",
                    "alright", "all right", "fine", "done", "cool", "noted", "understood"]


class LengthOutlier(Rule):
    """An assistant reply far longer than this dataset's replies, or far shorter than its prompt asks for.

    A reply many times longer than its peers is often a runaway generation or records
    merged by an export bug; either way it teaches the model a length it should not
    produce. The norm is robust (median and median absolute deviation of log length, so
    outliers cannot move it) and a reply must also differ from the median by a factor
    (``min_ratio``); statistics apply from ``min_replies`` replies on.

    A reply far *shorter* than the norm is reported only when its prompt asks for more:
    an explanation or description, an essay, story, letter or other piece of writing,
    code, steps, a list, a comparison, a summary or an analysis ("Explain in detail how
    vaccines work" answered "They train immunity."). Short-answer prompts are fine
    however short the answer: "Which bear is Christopher Robin's friend?" answered
    "Winnie the Pooh", "Name the capital of Arizona", "Classify this review as positive
    or negative", a yes/no or true/false question, "Answer in one word", "Translate
    'cat' into French". A prompt that asks for more but also limits the answer ("in one
    word", "yes or no", "only the number") is a short-answer prompt. The cues are
    English words plus common Chinese, Japanese and Korean ones (解释, 详细, 步骤, 説明,
    설명, ...). A short reply that looks cut off is DP507's.

    In generative data, filler replies such as "ok", "sure" or "thanks" are reported
    whatever the prompt: they teach the model to answer without answering
    (classification data, whose outputs are labels, is exempt). Empty replies are DP115's.
    Only trained replies count: the assistant turns of a preference pair's shared history
    (a TRL ``prompt``, LLaMA-Factory's ``conversations``) are context, neither measured
    nor reported.

    Examples:
    pass: {"records": [{"prompt": "Say hi", "completion": "Hello there, nice to meet you."}, {"prompt": "Say bye", "completion": "Goodbye, see you soon."}, {"prompt": "Thank", "completion": "Thank you very much indeed."}], "options": {"min_replies": 3}}
    fail: {"records": [{"prompt": "Say hi", "completion": "Hello there, nice to meet you."}, {"prompt": "Say bye", "completion": "Goodbye, see you soon."}, {"prompt": "Thank", "completion": "Thank you very much indeed."}, {"prompt": "Tell", "completion": "la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la"}], "options": {"min_replies": 3}}
    pass: {"records": [{"prompt": "Describe a sunset over the sea.", "completion": "The sun sinks into the water and the sky turns orange, then purple."}, {"prompt": "Describe a forest at dawn.", "completion": "Mist hangs between the trees while the first birds start to sing."}, {"prompt": "Describe a busy market.", "completion": "Traders call out prices over crates of fruit, fish and spices."}, {"prompt": "Which bear is Christopher Robin's friend?", "completion": "Winnie the Pooh"}], "options": {"min_replies": 3, "min_ratio": 3}}
    fail: {"records": [{"prompt": "Describe a sunset over the sea.", "completion": "The sun sinks into the water and the sky turns orange, then purple."}, {"prompt": "Describe a forest at dawn.", "completion": "Mist hangs between the trees while the first birds start to sing."}, {"prompt": "Describe a busy market.", "completion": "Traders call out prices over crates of fruit, fish and spices."}, {"prompt": "Explain in detail why leaves change colour in autumn.", "completion": "Chlorophyll."}], "options": {"min_replies": 3, "min_ratio": 3}}
    """

    code = "DP502"
    name = "length.outlier"
    severity = "warning"
    scope = "dataset"
    options = {
        "z": {
            "type": "number", "exclusiveMinimum": 0, "default": 4.0,
            "description": "Robust z-score of log length (median/MAD) beyond which a reply "
                           "is an outlier.",
        },
        "min_ratio": {
            "type": "number", "minimum": 1, "default": 10.0,
            "description": "A reply must also be this many times shorter or longer than the "
                           "median reply.",
        },
        "min_replies": {
            "type": "integer", "minimum": 3, "default": 30,
            "description": "Non-empty assistant replies the dataset needs before length "
                           "statistics apply.",
        },
        "trivial_replies": {
            "type": "array", "items": {"type": "string"}, "default": _TRIVIAL_DEFAULT,
            "description": "Whole replies (case and punctuation ignored) reported as filler in "
                           "generative data.",
        },
    }


# ------------------------------------------------------------------ what a prompt asks for

# The prompt of every short reply is read, so the cues are found with C-speed tests:
# the prompt's words against sets, phrases with ``in``, and a regex only where a cheap
# test has found a candidate (one big alternation regex costs ~30 us a prompt).

#: words that ask for more than a few words: an explanation, steps, a list, a comparison,
#: a summary, an analysis
_CUE_WORDS = frozenset("""
explain explanation describe description elaborate discuss detailed steps instructions
procedure tutorial summarize summarise summary outline compare comparison contrast analyze
analyse analysis evaluate justify argue brainstorm enumerate list advantages disadvantages
benefits reasons tips ideas ways examples implement algorithm in-depth step-by-step
""".split())
#: a piece of writing or code asked for: one of these verbs and one of these nouns
_WRITE_VERBS = frozenset("write compose draft create generate produce".split())
_WRITE_NOUNS = frozenset("""
essay article blog story poem paragraph speech report letter email review summary plan
proposal guide schedule calendar table code program script function class query
""".split())
#: words from the verb to its object: "write a short poem about the sea"
_WRITE_SPAN = 6
_CUE_PHRASES = ("in detail", "in depth", "in-depth", "step by step", "step-by-step",
                "pros and cons", "how to ", "how do i ", "how can i ", "how should i ",
                "how do we ", "how can we ", "how would you ", "come up with")
_WHY = re.compile(r"(?:^|[.?!\n]\s*)why\b")
_HOW_WORKS = re.compile(r"\bhow does \w+(?: \w+)? work\b")
#: Chinese, Japanese and Korean cues (substrings: these scripts do not space words)
_CJK_CUES = (
    "解释", "解釋", "说明", "說明", "描述", "详细", "詳細", "详述", "阐述", "闡述", "论述", "論述",
    "介绍", "介紹", "讨论", "討論", "分析", "比较", "比較", "对比", "對比", "总结", "總結", "概括",
    "列出", "列举", "列舉", "步骤", "步驟", "为什么", "為什麼", "为何", "如何", "写一", "寫一",
    "撰写", "撰寫", "编写", "編寫", "代码", "代碼",
    "詳しく", "書いて", "作成して", "要約", "まとめて", "手順", "なぜ", "どうして",
    "설명", "자세히", "작성", "요약", "비교", "단계", "이유")
#: what ``str.split`` leaves around a word
_WORD_EDGES = " \t\n.,;:!?()[]{}\"'“”‘’*#-/"

#: a request for a short answer, which wins over the cues above: a limit on the answer,
#: options to pick from, a translation; only run when one of ``_BRIEF_HINTS`` is present
_BRIEF = re.compile(
    r"\b(?:(?:in|with|using) (?:one|a single|a|1|two|three|2|3) (?:word|words|number|letter)"
    r"|one[- ]word|single word|yes (?:or|/) no|yes/no|true (?:or|/) false|true/false"
    r"|(?:answer|respond|reply) (?:only )?with (?:a|one|the|yes|no|true|false|math)"
    r"|only (?:respond|answer|reply|output|return|give)"
    r"|only (?:the|one|a) (?:word|number|letter|name|answer|label|category)"
    r"|(?:math|equations?|numbers?|digits?|symbols?) only|only (?:mathematical|numbers|symbols)"
    r"|no (?:commentary|words|verbal|explanation)|without (?:any )?(?:explanation|commentary)"
    r"|options:|choices:|choose (?:your answer|from|one|the (?:best|correct|right))"
    r"|select (?:from|one|the (?:best|correct|right))|which of the following"
    r"|translat(?:e|ion))\b")
_BRIEF_HINTS = ("word", "number", "letter", "yes", "true", "only", "no ", "without",
                "options", "choices", "choose", "select", "which of", "translat")
_CJK_BRIEF = ("一个词", "一個詞", "一个字", "一個字", "是或否", "对或错", "對或錯", "只需回答",
              "只回答", "仅回答", "僅回答", "只输出", "翻译", "翻譯", "一言で", "一語で",
              "はいかいいえ", "翻訳", "한 단어로", "예 또는 아니오", "번역")
#: how a task definition or a few-shot prompt opens: its first line describes the task,
#: not the answer wanted now
_DEFINITION = re.compile(
    r"(?:q: )?(?:in this task|definition|task definition|detailed instructions|given the task"
    r"|you are given|you will be given|instructions:|teacher:|student a:|example|ex input)")
#: where the examples of a few-shot prompt end and the case to answer begins
_NEW_CASE = re.compile(r"new input|new instance|now,? solve this|test input|your turn")
#: replies longer than this are never short outliers in practice (the median would have
#: to exceed ``min_ratio`` times it), so their prompts are not read
_JUDGE_CHARS = 200
#: a short prompt is read whole; of a long one only its first line (unless it defines a
#: task) and its end, where the request sits after pasted material or examples
_WHOLE, _HEAD, _TAIL = 500, 200, 300


def asks_for_more(prompt: str) -> str | None:
    """The cue by which ``prompt`` asks for more than a short answer, or None."""
    p = prompt.casefold()
    if "input" in p or "instance" in p or "solve this" in p or "your turn" in p:
        case = None
        for case in _NEW_CASE.finditer(p):
            pass
        if case is not None:
            p = p[case.end():]  # the examples' explanations ask for nothing now
    if len(p) > _WHOLE:
        first = p[: min(p.find("\n") % (len(p) + 1), _HEAD)]
        head = "" if _DEFINITION.match(first.lstrip()) else first
        p = head + "\n" + p[-_TAIL:]
    cue = _cue(p)
    if cue is None or _brief(p):
        return None
    return cue


def _cue(p: str) -> str | None:
    tokens = p.split()
    words = [w.strip(_WORD_EDGES) for w in tokens]
    seen = _CUE_WORDS.intersection(words)
    if seen:
        return min(seen, key=words.index)  # the first cue, as the prompt words it
    for phrase in _CUE_PHRASES:
        if phrase in p:
            return phrase.strip()
    if not _WRITE_VERBS.isdisjoint(words) and not _WRITE_NOUNS.isdisjoint(words):
        for i, w in enumerate(words):
            if w in _WRITE_VERBS:
                for j in range(i + 1, min(i + 1 + _WRITE_SPAN, len(words))):
                    if words[j] in _WRITE_NOUNS:
                        # "write me a short poem" -> "write … poem": few cues, readable
                        return f"{w} … {words[j]}"
                    if tokens[j][-1] in ".?!:;":
                        break  # the object ends with its sentence
    if "why" in p and _WHY.search(p):
        return "why"  # "Why is ...?", not "... likely why PersonX ..."
    if "how does" in p and _HOW_WORKS.search(p):
        return "how … work"
    if not p.isascii():
        for c in _CJK_CUES:
            if c in p:
                return c
    return None


#: options to pick from, one a line: "a) ...", "(B) ...", "C. ..."
_CHOICES = re.compile(r"^[ \t]*\(?[a-e][).:][ \t].*\n[ \t]*\(?[a-e][).:][ \t]", re.MULTILINE)


def _brief(p: str) -> bool:
    if any(h in p for h in _BRIEF_HINTS) and _BRIEF.search(p):
        return True
    if ("\n" in p and (")" in p or "." in p or ":" in p)) and _CHOICES.search(p):
        return True
    return not p.isascii() and any(c in p for c in _CJK_BRIEF)


# ------------------------------------------------------------------ dataset statistics

_PUNCT_STRIP = " \t\r\n.!?,;:'\"“”‘’…-—–()"


def _norm_reply(s: str) -> str:
    return " ".join(s.lower().strip(_PUNCT_STRIP).split())


#: cue ids: what a reply's prompt asks for
_NOT_ASKED = 0  # a short-answer prompt
_UNJUDGED = 1  # a long reply, or no prompt: today's statistics alone decide


class LengthStats:
    """DP502's state: one entry per non-empty reply of a valid record, in compact arrays."""

    def __init__(self, trivial_replies: list[str]) -> None:
        self._trivial = {_norm_reply(s): s for s in trivial_replies if _norm_reply(s)}
        self._trivial_max = max((len(s) for s in trivial_replies), default=0) + 8
        self._len = array("I")
        self._file = array("I")
        self._line = array("I")  # 0: no line (Parquet, HF)
        self._rec = array("I")
        self._ptr = array("I")
        self._cue = array("H")  # what the prompt asks for: _NOT_ASKED, _UNJUDGED or a cue
        self._cues: list[str] = ["", ""]
        self._cue_ids: dict[str, int] = {}
        self._short = array("I")  # positions of filler replies in the arrays above
        self._short_text = array("I")  # ... and which filler (index into _fillers)
        self._fillers: list[str] = []
        self._filler_ids: dict[str, int] = {}
        self._ptr_ids: dict[str, int] = {}
        self._msg_ptr_ids: dict[int, int] = {}
        self._ptrs: list[str] = []
        self._paths: list[str] = []
        self._file_id = 0

    def start_file(self, path: str) -> None:
        self._paths.append(path)
        self._file_id = len(self._paths) - 1

    def reply(self, pending: list[tuple[Any, ...]], text: str, prompt: str | None,
              pointer: str | None, index: int) -> None:
        """Note one assistant reply in ``pending`` (``pointer`` None: ``/messages/<index>/content``).

        Runs in the map phase: it keeps raw values (the filler text, the prompt's cue)
        and ``observe`` numbers them, in record order, in the reduce phase.
        """
        stripped = text.strip()
        if not stripped:
            return
        n = len(stripped)
        filler = stripped if n <= self._trivial_max and _norm_reply(stripped) in self._trivial else None
        cue: int | str = _UNJUDGED
        if n <= _JUDGE_CHARS and prompt:
            what = asks_for_more(prompt)
            cue = _NOT_ASKED if what is None else what
        pending.append((n, pointer, index, filler, cue))

    def observe(self, rec: Record, valid: bool, pending: list[tuple[Any, ...]] | None) -> None:
        if not valid or not pending:
            return
        line = rec.line or 0
        for length, pointer, index, filler, cue in pending:
            if filler is not None:
                self._short.append(len(self._len))
                self._short_text.append(self._filler_id(filler))
            self._len.append(length)
            self._file.append(self._file_id)
            self._line.append(line)
            self._rec.append(rec.index)
            self._ptr.append(self._pointer_id(pointer, index))
            self._cue.append(cue if type(cue) is int else self._cue_id(cue))

    def finish(self, emit: Emit, opts: Any, generative: bool) -> None:
        trivial: set[int] = set()
        if generative:
            trivial = set(self._short)
            for pos, fid in zip(self._short, self._short_text):
                filler = self._fillers[fid]
                self._emit_at(emit, pos, f"trivially short reply {filler!r} in generative data: "
                                         "the model learns to answer without answering")
        if len(self._len) >= int(opts["min_replies"]):
            self._outliers(emit, float(opts["z"]), float(opts["min_ratio"]), trivial)

    def _outliers(self, emit: Emit, z: float, min_ratio: float, skip: set[int]) -> None:
        lengths = sorted(self._len)
        n = len(lengths)
        median = (lengths[(n - 1) // 2] + lengths[n // 2]) / 2
        centre = math.log(median)
        logs = sorted(abs(math.log(x) - centre) for x in lengths)
        mad = (logs[(n - 1) // 2] + logs[n // 2]) / 2
        scale = max(1.4826 * mad, 0.05)
        low = min(math.exp(centre - z * scale), median / min_ratio)
        high = max(math.exp(centre + z * scale), median * min_ratio)
        p10, p90 = lengths[(n - 1) // 10], lengths[(9 * (n - 1)) // 10]
        typical = (f"this dataset's typical {p10:,}–{p90:,} characters "
                   f"(10th–90th percentile, median {median:,.0f})")
        for pos, length in enumerate(self._len):
            if low <= length <= high or pos in skip:
                continue
            zscore = abs(math.log(length) - centre) / scale
            if length > high:
                self._emit_at(emit, pos, f"reply is {plural(length, 'character')}, far longer "
                                         f"than {typical}; robust z {zscore:.1f}")
                continue
            cue = self._cue[pos]
            if cue == _NOT_ASKED:
                continue  # a short answer to a short-answer prompt
            why = f"; the prompt asks for more ({self._cues[cue]!r})" if cue > _UNJUDGED else ""
            self._emit_at(emit, pos, f"reply is {plural(length, 'character')}, far shorter than "
                                     f"{typical}; robust z {zscore:.1f}{why}")

    def _emit_at(self, emit: Emit, pos: int, message: str) -> None:
        line = self._line[pos]
        emit("DP502", self._paths[self._file[pos]], line or None, self._rec[pos], message,
             pointer=self._ptrs[self._ptr[pos]])

    def _cue_id(self, what: str) -> int:
        cid = self._cue_ids.get(what)
        if cid is None:
            cid = self._cue_ids[what] = len(self._cues)
            self._cues.append(what)
        return cid if cid < 65536 else _UNJUDGED

    def _filler_id(self, stripped: str) -> int:
        fid = self._filler_ids.get(stripped)
        if fid is None:
            fid = self._filler_ids[stripped] = len(self._fillers)
            self._fillers.append(stripped)
        return fid

    def _pointer_id(self, pointer: str | None, index: int) -> int:
        if pointer is None:
            pid = self._msg_ptr_ids.get(index)
            if pid is None:
                pid = self._msg_ptr_ids[index] = self._pointer_id(f"/messages/{index}/content", -1)
            return pid
        pid = self._ptr_ids.get(pointer)
        if pid is None:
            pid = self._ptr_ids[pointer] = len(self._ptrs)
            self._ptrs.append(pointer)
        return pid
