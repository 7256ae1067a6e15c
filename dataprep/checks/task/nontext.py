"""DP703: a reply that is not text a model can learn from (only an image, a recording, a URL).

The phrase lists are data (``rules/packs/answers.toml``); what stays here is how a reply
is taken apart.  Speed: only short replies that hold a URL, a markdown or HTML fragment
or open with a bracket are looked at (a few ``in`` tests rule most replies out).
"""

from __future__ import annotations

import re

from dataprep import packs
from dataprep.checks.base import Rule

CODE = "DP703"


class NonTextReply(Rule):
    """The reply is not text a model can learn from: only an image, a recording, a URL or a link.

    An instruction answered by ``![logo](https://.../logo.png)``, an ``<img>`` or
    ``<audio>`` tag, a bare URL, a link with no words around it, or a bracketed stand-in
    such as "[screenshot of the website]" teaches a text model to answer with links it
    never saw and cannot check (they are mostly invented or dead) or with a description of
    an attachment instead of an answer. Such records usually come from a generator asked
    for something a text model cannot produce (draw, render, compose music, look up a
    page). A short lead-in before the link ("Here is a 3D model of a car:") does not make
    it an answer. Not reported: a reply where the link sits in a sentence that answers, a
    link when the prompt asks for a URL, a link, a website or a source, an image tag when
    it asks for markup or code (HTML, markdown, SVG), and code that contains URLs.
    Placeholder replies (``<nooutput>``, "No output", "N/A", "None") are DP506's
    (``placeholder.whole-reply``) and are not reported twice. Option ``max_chars``: longer
    replies are not examined (a non-text reply is short). The pieces and the prompt words
    are the ``media.*``, ``link.*`` and ``asks.*`` patterns of ``rules/packs/answers.toml``.

    Examples:
    pass: {"instruction": "Describe an image you imagine.", "input": "", "output": "A lighthouse on a cliff at dusk, its beam sweeping over a grey sea."}
    pass: {"instruction": "What is the URL of the Python documentation?", "input": "", "output": "https://docs.python.org/3/"}
    pass: {"instruction": "Where can I read about the Eiffel Tower?", "input": "", "output": "The official site, https://www.toureiffel.paris/en, has its history and visitor information."}
    fail: {"instruction": "Post a funny meme about cats.", "input": "", "output": "![funny cat meme](https://i.imgur.example/cat.jpg)"}
    fail: {"messages": [{"role": "user", "content": "Find an article about the economy today."}, {"role": "assistant", "content": "https://news.example.com/2020/05/economy-today.html"}]}
    fail: {"instruction": "Take a screenshot of the GitHub home page.", "input": "", "output": "[screenshot of the GitHub home page]"}
    """

    code = CODE
    name = "reply.non-text"
    severity = "warning"
    formats = ("alpaca", "conversation", "completion")
    options = {
        "max_chars": {
            "type": "integer", "minimum": 20, "default": 600,
            "description": "Replies longer than this (characters) are not examined.",
        },
    }



#: a reply that may be only a link or media holds one of these literals (plain ``in``
#: tests: far cheaper than a case-insensitive regex), or a media tag, or opens with a bracket
_NON_TEXT_LITERALS = ("http", "www.", "](")
_MEDIA_TAG = re.compile(r"<(?:img|audio|video|source|iframe)\b", re.IGNORECASE)
_OPENS_BRACKET = re.compile(r"\s*[\[<【]")
#: what may stay once the non-text pieces are removed: a short lead-in ("Here is the
#: logo:"), punctuation, list markers
_LEAD_IN = re.compile(r"\A[^\n]{0,80}[:：]\s*\Z|\A(?:here(?:'s| is| are)\b|这是|如下)[^\n]{0,80}\Z",
                      re.IGNORECASE)
#: a word of what is left once the links are removed (each CJK character counts as one)
_WORD = re.compile(r"[\u3400-\u9fff]|[^\W\d_\u3400-\u9fff]{2,}")
#: words a reply may keep beside its links and still be only a link ("Listen here")
_MAX_WORDS = 3


class NonTextPatterns:
    """The DP703 patterns of a run: whole-reply stand-ins (``standin.*``), reply pieces
    (``media.*``, ``link.*``) and prompt cues (``asks.*``)."""

    __slots__ = ("standins", "media", "links", "asks_link", "asks_markup")

    def __init__(self, patterns: list[packs.Pattern]) -> None:
        self.standins = [p for p in patterns if p.id.startswith("standin.")]
        self.media = [p for p in patterns if p.id.startswith("media.")]
        self.links = [p for p in patterns if p.id.startswith("link.")]
        self.asks_link = [p for p in patterns if p.id.startswith("asks.link")]
        self.asks_markup = [p for p in patterns if p.id.startswith("asks.") and p not in self.asks_link]

    def only_non_text(self, reply: str, prompt: str, grounding: str = "") -> str | None:
        """What the reply only is ("a markdown image", "a bare URL"), or None when it is
        text, a link the prompt asked for, or a link a tool gave (``grounding``)."""
        if (_OPENS_BRACKET.match(reply) is None
                and not any(lit in reply for lit in _NON_TEXT_LITERALS)
                and ("<" not in reply or _MEDIA_TAG.search(reply) is None)):
            return None
        for p in self.standins:
            if p.regex.search(reply):
                return p.description  # never a right answer, whatever the prompt asks
        rest = reply
        first_media: str | None = None
        first_link: str | None = None
        for p in self.media:
            rest, n = p.regex.subn(_keep_text, rest)
            if n and first_media is None:
                first_media = p.description
        for p in self.links:
            rest, n = p.regex.subn(_keep_text, rest)
            if n and first_link is None:
                first_link = p.description
        if first_media is None and first_link is None:
            return None
        rest = rest.strip()
        if rest and not _LEAD_IN.match(rest) and len(_WORD.findall(rest)) > _MAX_WORDS:
            return None  # words around the link: an answer that cites a link
        if any(p.regex.search(prompt) for p in self.asks_markup):
            return None
        if grounding and any(p.regex.search(grounding) for p in self.links):
            return None  # a link a tool returned, not one the model made up
        if any(p.regex.search(prompt) for p in self.asks_link):
            return None
        if first_media is None and any(p.regex.search(prompt) for p in self.links):
            return None  # a URL about a URL the prompt gives (shorten, fix, extract)
        return first_media or first_link


def _keep_text(m: re.Match[str]) -> str:
    """A removed piece leaves the words it shows (a link's text), if its pattern names
    them in a group ``text``."""
    return f" {m.groupdict().get('text') or ''} "
