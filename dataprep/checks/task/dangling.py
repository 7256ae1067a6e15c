"""DP701: an instruction that refers to material it does not come with."""

from __future__ import annotations

import re
from typing import NamedTuple

from dataprep import packs
from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import excerpt, label, show
from dataprep.checks.task.patterns import Finder, HeadIndex
from dataprep.checks.task.view import Request, head


class DanglingReference(Rule):
    """The instruction refers to material ("the following article", "this passage") that is not there.

    "Summarize the following article" with an empty input, an input of "N/A" or
    ``<noinput>``, a bare link, or a stub such as "The article", "[Image of a logo]" or
    "Attached painting" cannot be answered: the reply is invented, and a model trained on
    it learns to make up the content of texts it was never shown instead of asking for
    them. Such records come from generators that wrote the instruction and the input
    separately. English and Chinese references are recognised ("the following", "this
    passage", "the given data", "below", "attached", "以下文章", "下面的", "给定的",
    "这段文字").

    The material counts as there when the input holds real text, when it follows the
    reference inside the instruction or user message (after a colon or a line break, in
    quotes or brackets, or as further sentences), or, for a back-reference ("this
    passage", "the given data"), when at least ``min_context_chars`` characters of
    system prompt or earlier turns come before the request. A link is the material only
    when the instruction is about the link itself ("shorten this URL"). "Given a string,
    ..." in a request for code names a parameter, not missing material. Records whose
    reply asks for the material or says it was not provided teach the right behaviour
    and are not reported, nor are records that show the model images, audio or video.
    The phrases are the ``forward``, ``back``, ``given``, ``generic``, ``missing``,
    ``link-subject`` and ``declined`` groups of ``rules/packs/tasks.toml``.

    Examples:
    pass: {"instruction": "Summarize the following article.", "input": "The city council voted on Tuesday to extend the tram line to the airport. Construction starts next spring and is expected to take three years.", "output": "The council approved a three-year tram extension to the airport, starting next spring."}
    pass: {"messages": [{"role": "user", "content": "Translate the following sentence into French: I am a student."}, {"role": "assistant", "content": "Je suis étudiant."}]}
    pass: {"instruction": "Describe an image you imagine.", "input": "", "output": "A lighthouse on a cliff at dusk, its beam sweeping over a grey sea."}
    fail: {"instruction": "Summarize the following article.", "input": "", "output": "The article discusses the importance of renewable energy."}
    fail: {"instruction": "Come up with a title for this article about artificial intelligence.", "input": "The article", "output": "The Rise of the Machines"}
    fail: {"messages": [{"role": "user", "content": "总结以下文章的主要内容。"}, {"role": "assistant", "content": "这篇文章主要讨论了气候变化的影响。"}]}
    """

    code = "DP701"
    name = "task.dangling-reference"
    severity = "warning"
    formats = ("alpaca", "conversation", "completion")
    options = {
        "min_context_chars": {
            "type": "integer", "minimum": 0, "default": 200,
            "description": "Characters of system prompt and earlier turns before a request "
                           "that may hold what a back-reference (\"this passage\", \"the given "
                           "data\") points at; with fewer, the material must come with the "
                           "request.",
        },
    }


class References(NamedTuple):
    """The DP701 pattern groups of a run (references are searched in the shared head index)."""

    head: HeadIndex
    generic: Finder
    missing: Finder
    link_subject: Finder
    declined: Finder

    @classmethod
    def of(cls, groups: dict[str, list[packs.Pattern]], head: HeadIndex | None = None
           ) -> References:
        return cls(head or HeadIndex(groups), Finder(groups["generic"]), Finder(groups["missing"]),
                   Finder(groups["link-subject"]), Finder(groups["declined"]))


#: what the reply is read for: a decline or a request for the material opens the reply
REPLY_HEAD = 400

#: material written inline after the reference: after a colon, a spaced dash or a line break
_AFTER_COLON = re.compile(r"(?:[:：]|\s[-–—]\s)\s*(\S[\s\S]*)")
_AFTER_BREAK = re.compile(r"\n\s*(\S[\s\S]*)")
#: quoted or bracketed material anywhere in the instruction
_QUOTED = re.compile(
    r"\"[^\"\n]{2,}\"|“[^”\n]{2,}”|‘[^’\n]{2,}’|「[^」\n]+」|『[^』\n]+』|《[^》\n]+》"
    r"|(?<![\w'])'[^'\n]{2,}'(?![\w'])|`[^`\n]+`")
_BRACKETED = re.compile(r"[\[({][^\])}\n]*[\d,，、;][^\])}\n]*[\])}]")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,]\d+)?")
#: an instruction and its input glued together by a careless join ("...clarityThe idea",
#: "...dish.Poached eggs"): the material is there
_GLUED = re.compile(r"[a-z]{2}[.!?]?[A-Z](?:[a-z]|\s)")
#: the last word of a reference (its noun), to see whether the text named it before
_LAST_WORD = re.compile(r"(\w+)\W*\Z")
#: a sentence end (the material may follow the sentence that refers to it)
_SENTENCE_END = re.compile(r"[.!?。！？]\s*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
#: words (CJK characters) of a further sentence that count as material: after the
#: reference ("Is the following sentence true? Fish can fly.") a short one does, before it
#: a longer one ("<the sentence>. Rewrite the above sentence." against a mere preamble)
_AFTER_WORDS, _AFTER_CJK = 3, 4
_BEFORE_WORDS, _BEFORE_CJK = 10, 8
#: words (CJK characters) of a clause before a back-reference that may be its referent
_CLAUSE_WORDS, _CLAUSE_CJK = 8, 12


def _units(text: str) -> int:
    """Words of a text, each CJK character counting as one."""
    cjk = len(_CJK.findall(text)) if not text.isascii() else 0
    return len(text.split()) + cjk


def inline_material(text: str, start: int, end: int, forward: bool = False) -> str | None:
    """The material written in the instruction itself around a reference at
    ``text[start:end]``, or None when the instruction holds nothing but the request.

    Quotes count anywhere for a back-reference ("the given word" after a quoted word) but
    only after a forward one ("the following" after a quoted title is still to come)."""
    tail = text[end:]
    glued = _GLUED.search(tail)
    if glued is not None:
        return tail[glued.start() + 1:].lstrip(".!? ")
    cuts = [m for m in (_AFTER_COLON.search(tail), _AFTER_BREAK.search(tail)) if m]
    if cuts:
        first = min(cuts, key=lambda m: m.start())
        body = first.group(1).strip()
        if len(body) >= 2:
            return body
    m = _QUOTED.search(text, start if forward else 0)
    if m is not None:
        return m.group()
    m = _BRACKETED.search(tail)
    if m is not None:
        return m.group()
    if len(_NUMBER.findall(tail)) >= 2:
        return tail
    # further sentences after the one holding the reference, or before it
    end_of_sentence = _SENTENCE_END.search(text, end)
    if end_of_sentence is not None:
        after = text[end_of_sentence.end():]
        if _units(after) >= (_AFTER_CJK if _CJK.search(after) else _AFTER_WORDS):
            return after
    before = text[:start]
    last_end = None
    for m in _SENTENCE_END.finditer(before):
        last_end = m
    if last_end is not None:
        lead = before[:last_end.start()]
        if _units(lead) >= (_BEFORE_CJK if _CJK.search(lead) else _BEFORE_WORDS):
            return lead
    return None


class Dangling(NamedTuple):
    message: str
    pointer: str


def dangling(req: Request, refs: References, min_context: int, chat: bool = False) -> Dangling | None:
    """Why the request's reference has no material, or None when it has (or has none).

    ``chat``: the request is a user turn of a conversation, where "this item" or "the
    previous email" usually points at the user's own world, not at missing material.
    """
    instr = req.instruction.text
    ref = _reference(instr, refs, req.history > 0 or req.context >= min_context, chat)
    if ref is None:
        return None
    start, end, forward = ref
    quoted = f"{excerpt(instr, start, end, 50)}"
    what = label(req.instruction.role, req.instruction.pointer)
    material = req.material_text()
    if material:
        missing = refs.missing.first(material)
        if missing is None or _link_is_material(missing[0], instr, refs):
            return None
        if missing[0].id.startswith("missing.link"):
            pass  # a link stands for a text the model cannot open, whatever the instruction says
        elif inline_material(instr, start, end, forward) is not None:
            return None  # the instruction carries the material, the input is a leftover
        where = req.material[0]
        message = (f"the {what} refers to material ({quoted}) but the "
                   f"{label(where.role, where.pointer)} is {missing[0].description}: "
                   f"{show(material)}")
        pointer = where.pointer
    else:
        inline = inline_material(instr, start, end, forward)
        if inline is not None:
            missing = refs.missing.first(inline)
            if missing is None or _link_is_material(missing[0], instr, refs):
                return None
            message = (f"the {what} refers to material ({quoted}) that is only "
                       f"{missing[0].description}: {show(inline)}")
        else:
            empty = " and the input is empty" if req.material else ""
            message = f"the {what} refers to material ({quoted}) that does not follow{empty}"
        pointer = req.instruction.pointer
    if refs.declined.any(req.reply_text()[:REPLY_HEAD]):
        return None  # the reply asks for the material or says it is missing
    return Dangling(message + "; the reply can only be made up", pointer)


#: in a conversation a back-reference counts only to one of these: text the user should
#: have pasted ("this paragraph"), not a thing of the user's world ("this item", "this
#: problem", "these transfers")
_MATERIAL_NOUN = re.compile(
    r"\b(?:articles?|texts?|passages?|paragraphs?|sentences?|phrases?|words?|lists?|code|snippets?|"
    r"functions?|tables?|data(?: ?sets?)?|documents?|essays?|stor(?:y|ies)|poems?|excerpts?|quotes?|"
    r"tweets?|headlines?|reviews?|abstracts?|transcripts?|equations?|expressions?|inputs?|"
    r"image|photo|picture|chart|graph|diagram)\b|文字|文本|文章|段落|句子|诗|代码|表格|数据|列表",
    re.IGNORECASE)
#: a user who narrates in the first person ("I bought this item", "Given a choice, I'd
#: rather ...") talks about their own situation: what "this" names is theirs, not missing
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|we|our|us)\b|我", re.IGNORECASE)


def _reference(text: str, refs: References, has_context: bool,
               chat: bool = False) -> tuple[int, int, bool] | None:
    """The span of the first reference to material in the request part of an
    instruction (a reference inside quoted or appended material is content), or None.

    Back-references are satisfied by earlier text, or by a noun the instruction named
    before ("Guan Hanqing wrote a poem ...; what are this poem's first lines?");
    "given" references do not count in a request for code or a formula, where the
    given thing is a parameter.
    """
    part = head(text)
    found = refs.head.by_group(part)
    if not found:
        return None
    spans = [(*m.span(), True) for _, m in found.get("forward", ())]
    if not has_context and not (chat and _FIRST_PERSON.search(part)):
        backs = [m for _, m in found.get("back", ())
                 if not _named_before(part, m) and not _clause_before(part, m.start())]
        given = found.get("given", [])
        if given and not refs.generic.any(text):
            backs += [m for _, m in given]
        if chat:
            # the noun follows "the given" / "the provided": look a few words on
            backs = [m for m in backs if _MATERIAL_NOUN.search(part, m.start(), m.end() + 24)]
        spans += [(*m.span(), False) for m in backs]
    return min(spans) if spans else None


#: a clause that ends before a back-reference: "My connection keeps dropping, how do I
#: fix this problem?" describes what "this problem" is
_CLAUSE_END = re.compile(r"[,，;；]")


def _clause_before(text: str, start: int) -> bool:
    """Whether a clause of ``_CLAUSE_WORDS`` words (``_CLAUSE_CJK`` characters) ends
    before ``start``: the reference may point back at it."""
    last = None
    for m in _CLAUSE_END.finditer(text, 0, start):
        last = m
    if last is None:
        return False
    lead = text[:last.start()]
    return _units(lead) >= (_CLAUSE_CJK if _CJK.search(lead) else _CLAUSE_WORDS)


def _named_before(text: str, m: re.Match[str]) -> bool:
    """Whether the noun that ends a back-reference occurs earlier in the text."""
    word = _LAST_WORD.search(m.group())
    if word is None:
        return False
    noun = word.group(1)
    if not noun.isascii():
        noun = noun[-2:] if len(noun) >= 4 else noun[-1:]
    elif len(noun) > 4 and noun.endswith("s"):
        noun = noun[:-1]
    before = text[:m.start()]
    return noun.casefold() in before.casefold() if noun.isascii() else noun in before


def _link_is_material(missing: packs.Pattern, instr: str, refs: References) -> bool:
    return missing.id.startswith("missing.link") and refs.link_subject.any(instr)
