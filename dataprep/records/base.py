"""What a record layout is, and the views every other part of dataprep reads.

A *layout* is how a trainer reads a record: which keys it expects, which speaker tags it
knows, where the prompt, the reply, the label and the text are.  Each layout is one
object (one module in this package) that answers a fixed set of questions, the *views*.
Rules, stages, the score and the reporters ask these views and never look at a layout's
keys themselves, so a layout is described once and every rule agrees on it.

The views are deliberately plain values (strings, tuples of ``Turn``) so that they cost
little on the per-record hot path and can be memoised for the record being checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

#: field separators inside a view's text: role / content (``\x1f``) and turn / field
#: (``\x1e``); normalisation and shingling treat both as spaces
FIELD_SEP = "\x1e"
ROLE_SEP = "\x1f"


class Turn(NamedTuple):
    """One text of a record with its normalised role and JSON pointer.

    ``role`` is one of system, user, assistant, tool (or "?" when the record's own role is
    unusable); ``kind`` says what the text is: ``text`` (prose a person wrote or a model
    should write), ``call`` (a tool call rendered as text: structured calls as
    ``name(arguments JSON)``, or the call markup an assistant writes in Hermes/ToolACE
    style) or ``result`` (a tool's output).  Prose rules read ``text`` turns only.
    """

    role: str
    text: str
    pointer: str
    kind: str = "text"


class Pair(NamedTuple):
    """A preference pair as trainers compare it: the shared prompt and the two replies.

    ``chosen`` and ``rejected`` are the parts that differ (the final replies); the pointers
    name each side's field; ``empty`` says how each side would be described when its reply
    is blank ("is an empty list", ...); ``history_differs`` is set by layouts whose two sides
    each carry their own history (implicit-prompt transcripts) when those histories differ.
    """

    prompt: str
    chosen: str
    rejected: str
    chosen_pointer: str
    rejected_pointer: str
    history_differs: bool = False
    empty: tuple[str, str] = ("is empty", "is empty")


class Conversation(NamedTuple):
    """What the conversation rules walk: the message lists and how to read them.

    ``segments`` are (pointer prefix, list) pairs read in order (TRL conversational
    prompt/completion has two); ``role_key`` / ``content_key`` name a message's fields;
    ``style`` is ``messages`` (OpenAI-style objects that may carry ``tool_calls``,
    ``weight``, content parts) or ``turns`` (ShareGPT ``from``/``value`` turns);
    ``roles`` maps each speaker tag to its role class (``records.roles``); ``needs_reply``
    is False for a prompt whose reply lives elsewhere (ShareGPT DPO).
    """

    segments: tuple[tuple[str, list[Any]], ...]
    role_key: str
    content_key: str
    style: str
    roles: Mapping[str, str]
    noun: str
    needs_reply: bool = True


class Problem(NamedTuple):
    """A structural fault of a record's own fields: ``missing`` or ``type`` (wrong type)."""

    kind: str
    pointer: str
    message: str


class Media(NamedTuple):
    """A media list beside the text (``images``) and how many placeholders the text has."""

    key: str
    items: int
    placeholders: int
    placeholder: str


def s(v: Any) -> str:
    """A field as a string ("" for anything that is not one)."""
    return v if type(v) is str else ""


def part_text(part: Any) -> str | None:
    """The text of one content part: OpenAI ``{"type": "text", "text"}``, LLaMA-Factory v1
    ``{"type": "text", "value"}`` (and its reasoning parts), or a bare string."""
    if type(part) is str:
        return part
    if type(part) is dict:
        t = part.get("text")
        if type(t) is str:
            return t
        t = part.get("value")
        if type(t) is str and part.get("type") in ("text", "reasoning", "think", None):
            return t
    return None


def content_text(content: Any) -> str:
    """A message content (string, or a list of parts) as one string."""
    if type(content) is str:
        return content
    if type(content) is list:
        out = []
        for p in content:
            t = part_text(p)
            if t is not None:
                out.append(t)
        return "\n".join(out)
    return ""


#: media lists a record may carry beside its text, and the placeholder each item fills
MEDIA_KEYS = (("images", "<image>"), ("videos", "<video>"), ("audios", "<audio>"))


def system_turns(d: Mapping[str, Any]) -> list[Turn]:
    """A top-level ``system`` prompt as a turn list (empty when absent or blank)."""
    system = d.get("system")
    return [Turn("system", system, "/system")] if type(system) is str and system.strip() else []


def last_reply(turns: Sequence[Turn]) -> Turn | None:
    """The last assistant turn, if any."""
    for t in reversed(turns):
        if t.role == "assistant":
            return t
    return None


def joined(turns: Sequence[Turn]) -> str:
    """Turns as one role-marked string (what exact duplicates compare)."""
    return FIELD_SEP.join(f"{t.role}{ROLE_SEP}{t.text.strip()}" for t in turns)


class Layout:
    """A record layout: detection, its tables and its views.

    Subclasses set the class attributes and override the views that differ from the
    defaults; every default is derived from ``turns``, so a minimal layout implements
    ``match`` and ``turns`` only.
    """

    #: the name reported in ``files[].format`` and used by ``--format-hint``
    name: ClassVar[str]
    #: what rules declare they apply to (``Rule.formats`` names families or layouts)
    families: ClassVar[frozenset[str]] = frozenset()
    #: keys the layout defines; anything else (not metadata) is an unknown key
    keys: ClassVar[frozenset[str]] = frozenset()
    #: one line for the README's format table and ``dataprep explain``
    summary: ClassVar[str] = ""
    #: the trainers that read it (documentation)
    trainers: ClassVar[str] = ""
    #: the task this layout always is (None: inferred from the data)
    task: ClassVar[str | None] = None
    #: whether a record is a supervised example (prompt-only RL records are not)
    supervised: ClassVar[bool] = True
    #: (minimum, recommended) example counts when the layout has its own volume policy
    volume: ClassVar[tuple[int, int] | None] = None
    #: whether the identity text names each turn's role (conversations: True)
    roles_in_identity: ClassVar[bool] = True
    #: whether near duplicates compare the labelled input alone (``near_text`` is it)
    near_is_input: ClassVar[bool] = False
    #: whether the assistant texts are replies (False: documents, chunked anywhere)
    replies: ClassVar[bool] = True
    #: whether one leading space in a reply is the layout's convention (legacy completions)
    leading_space_ok: ClassVar[bool] = False
    #: pointer prefixes of context turns: an assistant text there is shown to the model,
    #: not trained on (a preference pair's shared history), so it is no reply to judge
    context_prefixes: ClassVar[tuple[str, ...]] = ("/prompt",)
    #: the published JSON Schema in rules/schemas, when there is one
    schema: ClassVar[str | None] = None

    def match(self, d: Mapping[str, Any]) -> bool:
        """Whether a record (a dict) is in this layout."""
        raise NotImplementedError

    #: the last record's turns: several views and checks ask for the same record in a row.
    #: The record itself is held (not its ``id``), so a freed record's id can never be
    #: mistaken for the next one's.
    _last: tuple[Any, list[Turn]] | None = None

    def cached_turns(self, d: Mapping[str, Any]) -> list[Turn]:
        """``turns`` memoised for the record in hand (callers must not modify the list)."""
        last = self._last
        if last is not None and last[0] is d:
            return last[1]
        out = self.turns(d)
        self._last = (d, out)
        return out

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        """Every text of the record in order, roles normalised, tool calls as ``call`` turns."""
        raise NotImplementedError

    # -- derived views (override where the layout knows better)

    def identity(self, d: Mapping[str, Any]) -> str:
        """What exact duplicates compare: every turn, tool calls included, and the tools.

        Role names are part of it only where roles vary (conversations); in fixed-field
        layouts they would add the same words to every record and lift the similarity of
        short unrelated records.
        """
        ts = self.cached_turns(d)
        text = joined(ts) if self.roles_in_identity else FIELD_SEP.join(t.text.strip() for t in ts)
        tools = self.tools_text(d)
        return f"{text}{FIELD_SEP}tools{ROLE_SEP}{tools}" if tools else text

    def text_size(self, d: Mapping[str, Any]) -> int:
        """Characters of text the layout reads from the record (0: none)."""
        return sum(len(t.text) for t in self.cached_turns(d))

    def near_text(self, d: Mapping[str, Any]) -> str:
        """What near duplicates compare (default: the identity)."""
        return self.identity(d)

    def tools_text(self, d: Mapping[str, Any]) -> str:
        """The record's tool definitions as canonical text ("" without tools)."""
        return ""

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        """(prompt side, response side); ("", "") when the record has no such split.

        The response is the last assistant turn (with the calls it makes); the prompt is
        every turn before it, or "" when those turns hold no text (role names alone are
        no prompt).
        """
        ts = self.cached_turns(d)
        last = -1
        for i, t in enumerate(ts):
            if t.role == "assistant":
                last = i
        if last < 0:
            return "", ""
        start = last
        while start > 0 and ts[start - 1].role == "assistant":
            start -= 1  # a reply and the calls written beside it form one response
        response = "\n".join(t.text for t in ts[start:last + 1])
        before = ts[:start]
        if not any(t.text.strip() for t in before):
            return "", response
        return joined(before), response

    def output(self, d: Mapping[str, Any]) -> str | None:
        """The target output a task inference reads (the last reply); None without one."""
        t = last_reply(self.cached_turns(d))
        return None if t is None else t.text

    def label(self, d: Mapping[str, Any]) -> tuple[str, bool] | None:
        """(label, is a string) of an explicitly labelled record; None when it has none."""
        return None

    def label_field(self, d: Mapping[str, Any]) -> tuple[str, Any, bool] | None:
        """(pointer, value, present) of an explicit label field; None without one."""
        return None

    def label_pointer(self, d: Mapping[str, Any]) -> str | None:
        """Where the label (or the reply read as one) is inside the record."""
        t = last_reply(self.cached_turns(d))
        return None if t is None else t.pointer

    def label_input(self, d: Mapping[str, Any]) -> str:
        """The input a label was given for (system turns left out when others exist)."""
        ts = self.cached_turns(d)
        last = max((i for i, t in enumerate(ts) if t.role == "assistant"), default=-1)
        if last < 0:
            return ""
        before = [t for t in ts[:last] if t.text.strip()]
        if not before:
            return ""
        kept = [t for t in before if t.role != "system"]
        return joined(kept or before)

    def preference(self, d: Mapping[str, Any]) -> Pair | None:
        """The preference pair of a paired-preference record; None for other layouts."""
        return None

    def desirable(self, d: Mapping[str, Any]) -> bool | None:
        """An unpaired-preference (KTO) record's label: True desirable, False undesirable."""
        return None

    def system(self, d: Mapping[str, Any]) -> Turn | None:
        """The record's system prompt (first system turn), if any."""
        for t in self.cached_turns(d):
            if t.role == "system":
                return t
        return None

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        """Whether the record could hold a system prompt (a conversation, not plain text)."""
        return False

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        """Where a missing system prompt would go (for the finding's pointer)."""
        return ""

    def plain_messages(self, d: Mapping[str, Any]) -> list[Any] | None:
        """The message list when the record is plain OpenAI chat (every message an object
        with a string ``content``): the hot path of content rules reads it directly."""
        return None

    def conversation(self, d: Mapping[str, Any]) -> Conversation | None:
        """The message lists the conversation rules walk (None: not a conversation)."""
        return None

    def media(self, d: Mapping[str, Any]) -> list[Media]:
        """Media lists beside the text and how many placeholders the text has for them."""
        if "images" not in d and "videos" not in d and "audios" not in d:
            return []
        turns = self.cached_turns(d)
        out = []
        for key, tag in MEDIA_KEYS:
            v = d.get(key)
            if v is not None:
                items = len(v) if type(v) is list else 1
                out.append(Media(key, items, sum(t.text.count(tag) for t in turns), tag))
        return out

    def token_sequences(self, d: Mapping[str, Any]) -> list[list[tuple[str, str, int]]]:
        """The sequences a trainer tokenises: (text, pointer, fixed overhead tokens) pieces.

        One sequence for most layouts; paired preference trains prompt + chosen and prompt
        + rejected (the longer one must fit).  Conversations add per-message overhead.
        """
        return [[(t.text, t.pointer, 0) for t in self.cached_turns(d)]]

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        """Missing or mistyped fields of the record itself (inside messages, the
        conversation rules judge)."""
        return []

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        """(pointer, text, family) of the string fields that must not be blank; the family
        names the emptiness rule that reads them.  Wrong types are left to ``problems``."""
        return []

    def __repr__(self) -> str:
        return f"<layout {self.name}>"
