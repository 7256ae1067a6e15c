"""DP702: a request a text model cannot fulfil, answered as if it had been."""

from __future__ import annotations

from typing import NamedTuple

from dataprep import packs
from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import excerpt, label
from dataprep.checks.task.patterns import KINDS, Finder, HeadIndex
from dataprep.checks.task.view import Request, head


class NotTextDoable(Rule):
    """The request asks for something a text model cannot do: draw, record audio, browse, know today's news, act.

    "Design a logo for a bakery", "Compose a melody", "Search the web for ...", "Watch
    this video", "What is the weather today?" or "Call my dentist" cannot be done by a
    model that reads and writes text, so the reply in the record is invented: a
    description passed off as the logo, a made-up web result, a stale price presented as
    current, a claim that the call was made. Fine-tuning on such records teaches the
    model to pretend it drew, browsed or acted, and to state dated facts as live ones.

    Five kinds of request are recognised in English and Chinese (option ``kinds``):
    ``visual`` (draw, design, render or edit an image, logo, poster, 3D model, flowchart
    or typed chart), ``audio`` (compose or play music, record or sing), ``web`` (search
    the web, open or visit a link, watch a video, listen to a recording), ``realtime``
    (today's weather, the latest news, current prices, "right now") and ``physical``
    (make coffee, call or text someone, send an e-mail on the user's behalf, book a
    table). A request is read up to its first colon, quote or blank line, so quoted
    material ("Edit this sentence: 'draw a circle'") is not taken for the request.

    What a text model can do is not reported: a description in words ("Describe a logo
    for ...", "Write a description of a logo"), a text artefact ("Design a database
    schema", "Design an algorithm"), code whatever it draws or fetches ("Write code
    that draws a chart"), SVG, ASCII art, lyrics or notation, a table, and questions
    about the action ("Explain how to search the web"). Records whose reply declines
    or says its facts are dated ("As an AI, I cannot draw", "As of 2021") teach the
    right behaviour and are not reported; nor are ``web``, ``realtime`` and
    ``physical`` requests in records that give the model tools, or any request in a
    record that shows the model media. The phrases are the groups ``visual``,
    ``audio``, ``web``, ``realtime``, ``physical``, ``code``, ``text-form`` and
    ``declined`` of ``rules/packs/tasks.toml``.

    Examples:
    pass: {"instruction": "Describe a logo for a bakery called Sunrise.", "input": "", "output": "A warm orange sun rising over a loaf of bread, with the name in a rounded serif."}
    pass: {"instruction": "Design a database schema for a library.", "input": "", "output": "Tables: books(id, title, author_id), authors(id, name), loans(id, book_id, member_id, due)."}
    pass: {"messages": [{"role": "user", "content": "Explain how to search the web effectively."}, {"role": "assistant", "content": "Use specific keywords, put exact phrases in quotes and filter by date."}]}
    fail: {"instruction": "Design a minimalistic logo for a travel site.", "input": "", "output": "A simple paper plane circling a globe, in teal."}
    fail: {"messages": [{"role": "user", "content": "What is the weather in Paris today?"}, {"role": "assistant", "content": "It is sunny in Paris today with a high of 24°C."}]}
    fail: {"instruction": "帮我画一张关于环保的海报。", "input": "", "output": "海报中央是一棵绿色的大树，下方写着“保护地球”。"}
    """

    code = "DP702"
    name = "task.not-text-doable"
    severity = "warning"
    formats = ("alpaca", "conversation", "completion")
    options = {
        "kinds": {
            "type": "array", "items": {"enum": list(KINDS)}, "uniqueItems": True,
            "default": list(KINDS),
            "description": "Kinds of request to report: visual, audio, web, realtime, "
                           "physical (leave out web and realtime for a model that has "
                           "browsing built in).",
        },
    }


class Requests(NamedTuple):
    """The DP702 pattern groups of a run (requests are searched in the shared head index)."""

    head: HeadIndex
    wanted: frozenset[str]
    code: Finder
    text_form: Finder
    fiction: Finder
    declined: Finder

    @classmethod
    def of(cls, groups: dict[str, list[packs.Pattern]], wanted: list[str],
           head: HeadIndex | None = None) -> Requests:
        return cls(head or HeadIndex(groups, wanted), frozenset(wanted), Finder(groups["code"]),
                   Finder(groups["text-form"]), Finder(groups["fiction"]),
                   Finder(groups["declined"]))


REPLY_HEAD = 400
#: kinds a model with tools may be able to do
TOOL_KINDS = frozenset({"web", "realtime", "physical"})
#: kinds a text form (SVG, a description, lyrics) makes doable
FORM_KINDS = frozenset({"visual", "audio"})

_KIND_TEXT = {
    "visual": "an image or other visual artefact",
    "audio": "sound",
    "web": "browsing, searching or opening a link or media",
    "realtime": "real-time facts",
    "physical": "a physical action",
}


class Undoable(NamedTuple):
    message: str
    pointer: str
    kind: str


def undoable(req: Request, pats: Requests, backed: bool) -> Undoable | None:
    """Why the request cannot be done by a text model, or None.

    ``backed``: the record gives the model tools, or it is a conversation with a system
    prompt (an assistant deployed for a service, whose replies about rates, balances or
    sending a transfer describe that service): web, real-time and physical requests are
    then not judged.
    """
    text = req.instruction.text
    part = head(text)
    found = pats.head.by_group(part)
    asks = [(p, m, k) for k in KINDS if k in pats.wanted for p, m in found.get(k, ())]
    asks.sort(key=lambda pmk: pmk[1].start())
    for pattern, m, kind in asks:
        if backed and kind in TOOL_KINDS:
            continue
        if pats.code.any(part):
            return None  # code or markup is text, whatever it draws or fetches
        if kind in FORM_KINDS and pats.text_form.any(text):
            continue
        if kind == "realtime" and pats.fiction.any(part):
            continue
        if pats.declined.any(req.reply_text()[:REPLY_HEAD]):
            return None  # the reply declines or says its facts are dated
        what = label(req.instruction.role, req.instruction.pointer)
        return Undoable(f"the {what} asks for {_KIND_TEXT[kind]} ({pattern.description}): "
                        f"{excerpt(text, m.start(), m.end(), 50)}; a text model cannot do "
                        f"it, so the reply is made up", req.instruction.pointer, kind)
    return None
