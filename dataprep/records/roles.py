"""Speaker tags: one table per tag family, read by every layout and every rule.

A role *class* is what a tag means to a trainer: ``system``, ``user``, ``assistant``,
``tool`` (a tool's result), ``function`` (a legacy OpenAI function result) and ``call``
(a ShareGPT turn that is the assistant's tool call).  Texts are reported with the
normalised role of their class (``ROLE_OF_CLASS``).  Before this table existed the
ShareGPT tags were written four times and disagreed (``chatgpt`` was an assistant to one
rule and "no assistant message" to another); keep it the only copy.
"""

from __future__ import annotations

#: OpenAI chat ``role`` values (also TRL conversational records and role/content turns
#: under ``conversations``)
OPENAI_ROLES: dict[str, str] = {
    "system": "system", "developer": "system", "user": "user", "assistant": "assistant",
    "tool": "tool", "function": "function",
}

#: ShareGPT ``from`` tags in use: FastChat (human/gpt), exports of other assistants
#: (chatgpt, bing, bard, model), LLaMA-Factory's tool use (function_call, observation)
SHAREGPT_TAGS: dict[str, str] = {
    "human": "user", "user": "user",
    "gpt": "assistant", "assistant": "assistant", "chatgpt": "assistant", "bing": "assistant",
    "bard": "assistant", "model": "assistant",
    "system": "system", "developer": "system",
    "function_call": "call", "observation": "tool", "tool": "tool",
}

#: the role a text of each class is reported with
ROLE_OF_CLASS: dict[str, str] = {
    "system": "system", "user": "user", "assistant": "assistant", "call": "assistant",
    "tool": "tool", "function": "tool",
}

#: likely meanings of unknown tags, for "did you mean" hints
ROLE_HINTS: dict[str, str] = {
    "human": "user", "gpt": "assistant", "bot": "assistant", "model": "assistant",
    "ai": "assistant", "chatgpt": "assistant", "system_prompt": "system",
    "observation": "tool", "function_call": "assistant", "question": "user",
    "answer": "assistant", "prompter": "user",
}


def role_of(tag: object, table: dict[str, str]) -> str:
    """The normalised role of a speaker tag ("?" when the tag is not a known string)."""
    if type(tag) is not str:
        return "?"
    cls = table.get(tag)
    return ROLE_OF_CLASS[cls] if cls is not None else tag
