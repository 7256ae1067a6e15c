"""OpenAI chat: ``messages`` of role/content, and the same turns under ``conversations``.

Read by the OpenAI fine-tuning API, TRL (``messages``; conversational prompt/completion
lists), axolotl ``chat_template`` (``field_messages``), LLaMA-Factory ``sharegpt`` with
role/content tags, Unsloth and most chat-template trainers.  Messages may carry
``tool_calls`` (then ``content`` may be null), legacy ``function_call``, content parts
(text, image_url, input_audio, file; LLaMA-Factory v1 ``value`` parts) and ``weight``;
the record may carry ``tools``, legacy ``functions``, ``parallel_tool_calls`` and media
lists (``images``/``videos``/``audios``) for multimodal trainers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records import toolcalls
from dataprep.records.base import MEDIA_KEYS, Conversation, Layout, Problem, Turn, system_turns
from dataprep.records.messages import json_type, message_turns, plain_string, tools_text
from dataprep.records.roles import OPENAI_ROLES, ROLE_OF_CLASS

#: roles of plain messages (no tools) and how views name them (see ``records.roles``)
_PLAIN_ROLES = {tag: ROLE_OF_CLASS[cls] for tag, cls in OPENAI_ROLES.items()
                if cls in ("system", "user", "assistant")}


def _plain(msgs: Any) -> bool:
    """Whether every message's content is a string (no parts that could be media)."""
    return type(msgs) is list and all(type(m) is dict and type(m.get("content")) is not list
                                      for m in msgs)


def media_refs(d: Mapping[str, Any], msgs: Any) -> str:
    """The media a record shows the model (lists beside the text, media content parts), as
    text: two records with the same words about different images are different examples."""
    refs = [toolcalls.dumps(d[k]) for k, _ in MEDIA_KEYS if d.get(k)]
    if type(msgs) is list:
        for m in msgs:
            parts = m.get("content") if type(m) is dict else None
            if type(parts) is list:
                for p in parts:
                    if type(p) is dict and p.get("type") not in ("text", "reasoning", None):
                        refs.append(toolcalls.dumps(p))
    return "\n".join(refs)


class _RoleContent(Layout):
    """Role/content messages under one list key."""

    def identity(self, d: Mapping[str, Any]) -> str:
        media = media_refs(d, d.get(self.key)) if len(d) > 1 or not _plain(d.get(self.key)) else ""
        base = super().identity(d)
        return f"{base}\x1emedia\x1f{media}" if media else base

    key = "messages"
    families = frozenset({"conversation"})

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        msgs = d.get(self.key)
        if msgs is not None or self.key in d:
            return message_turns(msgs, f"/{self.key}")
        out = message_turns(d.get("prompt"), "/prompt")
        return message_turns(d.get("completion"), "/completion", out=out)

    def tools_text(self, d: Mapping[str, Any]) -> str:
        return tools_text(d) if len(d) > 1 else ""

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return True

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return f"/{self.key}" if self.key in d else "/prompt"

    def conversation(self, d: Mapping[str, Any]) -> Conversation | None:
        msgs = d.get(self.key)
        if type(msgs) is list:
            segs: tuple[tuple[str, list[Any]], ...] = ((f"/{self.key}", msgs),)
        else:
            p, c = d.get("prompt"), d.get("completion")
            if msgs is not None or type(p) is not list or type(c) is not list:
                return None
            segs = (("/prompt", p), ("/completion", c))
        return Conversation(segs, "role", "content", "messages", OPENAI_ROLES, "message")

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        msgs = d.get(self.key)
        if type(msgs) is list:
            return []
        if msgs is not None or self.key in d:
            return [Problem("type", f"/{self.key}",
                            f'"{self.key}" must be a list of messages, not {json_type(msgs)}')]
        p, c = d.get("prompt"), d.get("completion")
        if "prompt" not in d and "completion" not in d:
            return [Problem("missing", "", f'chat record has no "{self.key}"')]
        out = []
        for key, value in (("prompt", p), ("completion", c)):
            if key not in d:
                out.append(Problem("missing", "", f'conversational record has no "{key}" '
                                   "message list"))
            elif type(value) is not list:
                out.append(Problem("type", f"/{key}", f'"{key}" must be a list of messages like '
                                   f"the other field, not {json_type(value)}"))
        return out


class Chat(_RoleContent):
    name = "chat"
    schema = "chat"
    keys = frozenset({"messages", "tools", "functions", "parallel_tool_calls", "prompt",
                      "completion", "images", "videos", "audios"})
    summary = ('OpenAI chat: "messages" of role/content with tool_calls, tools, legacy '
               "functions, content parts, weight; TRL conversational prompt/completion lists")
    trainers = "OpenAI fine-tuning, TRL SFTTrainer, axolotl chat_template, Unsloth"

    def match(self, d: Mapping[str, Any]) -> bool:
        if "messages" in d:
            return True
        return "prompt" in d and "completion" in d and (
            type(d["prompt"]) is list or type(d["completion"]) is list)

    def plain_messages(self, d: Mapping[str, Any]) -> list[Any] | None:
        msgs = d.get("messages")
        return msgs if type(msgs) is list else None

    # the hot path of the commonest layout: plain role/content messages skip building turns

    def text_size(self, d: Mapping[str, Any]) -> int:
        msgs = d.get("messages")
        if len(d) == 1 and type(msgs) is list:
            n = 0
            for m in msgs:
                c = m.get("content") if type(m) is dict else None
                if type(c) is not str or len(m) != 2:
                    return super().text_size(d)
                n += len(c)
            return n
        return super().text_size(d)

    def identity(self, d: Mapping[str, Any]) -> str:
        msgs = d.get("messages")
        if len(d) == 1 and type(msgs) is list:
            out = []
            for m in msgs:
                c = m.get("content") if type(m) is dict else None
                role = m.get("role") if type(m) is dict else None
                if type(c) is not str or len(m) != 2 or role not in _PLAIN_ROLES:
                    return super().identity(d)
                out.append(f"{_PLAIN_ROLES[role]}\x1f{c.strip()}")
            return "\x1e".join(out)
        return super().identity(d)


class ChatConversations(_RoleContent):
    name = "chat-conversations"
    key = "conversations"
    keys = frozenset({"conversations", "tools", "functions", "parallel_tool_calls", "system",
                      "images", "videos", "audios"})
    summary = 'OpenAI-style role/content turns (tool_calls included) under "conversations"'
    trainers = "LLaMA-Factory sharegpt with role/content tags, axolotl chat_template"

    def match(self, d: Mapping[str, Any]) -> bool:
        conv = d.get("conversations")
        if type(conv) is not list:
            return False
        for m in conv:
            if type(m) is dict:
                return "role" in m and "from" not in m
        return False

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return message_turns(d.get("conversations"), "/conversations", out=system_turns(d))

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out = super().problems(d)
        plain_string(d, "system", self.name, out, required=False)
        return out
