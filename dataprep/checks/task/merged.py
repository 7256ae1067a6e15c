"""DP705: several instruction blocks merged into one record."""

from __future__ import annotations

import re
from typing import NamedTuple

from dataprep import packs
from dataprep.checks.base import Rule
from dataprep.checks.hygiene.common import excerpt
from dataprep.checks.task.patterns import Counter


class MergedInstructions(Rule):
    """One record holds several instruction blocks ("1. Instruction: ... 2. Instruction: ...").

    Generation pipelines that ask a model for a batch of tasks ("8. Instruction: ...
    8. Input: ... 8. Output: ...") and split its answer badly leave the next task inside
    a record: the reply answers the instruction and then goes on with another
    instruction, input and output, so the model learns to append unrelated tasks to its
    answers. A text is reported when it holds two or more instruction headers
    ("Instruction:", "### Instruction", "Instruction 2:", "指令："), or in a reply, one
    numbered header ("8. Instruction:") followed by an output header. In a prompt, a
    few-shot prompt whose last instruction is left for the model to answer is not
    merged: it is reported only when its last block has an output too. Headers inside
    code blocks are not counted, and "Instructions:" (a recipe's) is not a header. The
    headers are the ``instruction-header`` and ``output-header`` groups of
    ``rules/packs/tasks.toml``.

    Examples:
    pass: {"instruction": "Write a haiku about rain.", "input": "", "output": "Soft rain on the roof\\nthe garden drinks in silence\\npuddles hold the sky"}
    pass: {"messages": [{"role": "user", "content": "### Instruction:\\nName a primary colour.\\n### Response:\\nRed\\n\\n### Instruction:\\nName a fruit.\\n### Response:"}, {"role": "assistant", "content": "Apple"}]}
    fail: {"instruction": "Name three rivers in Europe.", "input": "", "output": "The Danube, the Rhine and the Seine.\\n\\n2. Instruction: Write a poem about joy.\\n2. Input:\\n<noinput>\\n2. Output:\\nJoy is in the smallest things."}
    fail: {"instruction": "1. Instruction: Translate 'cat' into French.\\n1. Output: chat\\n2. Instruction: Translate 'dog' into French.\\n2. Output: chien", "input": "", "output": "chat, chien"}
    """

    code = "DP705"
    name = "task.merged-instructions"
    severity = "warning"
    formats = ("alpaca", "conversation", "completion")


class Headers(NamedTuple):
    """The DP705 pattern groups of a run."""

    instruction: Counter
    output: Counter

    @classmethod
    def of(cls, groups: dict[str, list[packs.Pattern]]) -> Headers:
        return cls(Counter(groups["instruction-header"]), Counter(groups["output-header"]))


def _numbered(m: re.Match[str]) -> bool:
    """Whether a header match carries a block number (any named group that matched)."""
    return any(v is not None for v in m.groupdict().values())


def merged(text: str, reply: bool, headers: Headers) -> str | None:
    """Why ``text`` holds several instruction blocks, or None."""
    found = headers.instruction.matches(text)
    if not found:
        return None
    outputs = headers.output.matches(text)
    last = found[-1]
    answered = [o for o in outputs if o.start() > last.start()]
    if len(found) >= 2:
        if not reply and not _has_body(text, answered):
            return None  # a few-shot prompt: the last instruction is the model's to answer
    elif not (reply and _numbered(last) and answered):
        return None
    first = found[0]
    blocks = f"{len(found)} instruction headers" if len(found) > 1 else "an instruction block"
    return (f"{blocks} in one text, from {excerpt(text, first.start(), first.end(), 50)}: "
            "several tasks were merged into one record")


def _has_body(text: str, outputs: list[re.Match[str]]) -> bool:
    """Whether an output header after the last instruction is followed by text."""
    return any(text[o.end():].strip() for o in outputs)
