"""The cap on one rule's findings per file, shared by the formats people read.

One cause often yields a finding per record: a thousand lines of one rule push every other
rule off the first screen, and a reader stops after the first few anyway.  The text,
GitHub and Markdown formats therefore show the first ``max_per_rule`` findings of each
(file, rule) in their usual order and then one :class:`Overflow` item that stands for the
rest ("... and 990 more DP116 in this file"), quoting the message most of them share.

Only presentation changes: the result keeps every finding, the summary counts come from
it, and the machine formats (JSON, JSONL, SARIF, JUnit, GitLab) never call this module.
The grouping lives here once so the three formats cannot disagree about what they hide.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: findings of one rule shown per file before the rest are summed up in one line
DEFAULT_MAX_PER_RULE = 10
#: characters of the shared message quoted in an overflow line
MAX_QUOTE = 100
#: the pseudo-path of dataset-level findings (not a file)
DATASET_PATH = "<dataset>"
#: most severe first
_RANK = {"error": 0, "warning": 1, "info": 2}
#: a quoted excerpt: opens after a space, colon or parenthesis, may hold apostrophes inside
#: words (``I'm``), closes before a space, punctuation or the end
_EXCERPT = re.compile(r"(?<=[\s(:])'(?:[^']|'(?=\w))*'(?=[\s),.;:\]]|$)")
#: a place in a file, as the rules and reporters spell it
_PLACE = re.compile(r"(?<!\S)\S+(?::\d+| record \d+)(?!\w)")  # from a token's start: linear
#: characters of a message compared by shape
_SHAPE_CHARS = 400
#: a number on its own (``0.83``, ``12``, ``56%``), not one inside a word or code
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")


@dataclass(frozen=True, slots=True)
class Overflow:
    """The findings of one rule in one file beyond the cap, as one item."""

    path: Any
    code: Any
    name: Any
    severity: str
    #: how many findings this item stands for
    hidden: int
    #: the message most of the hidden findings share, if they share one
    common: str | None

    def text(self, esc: Callable[[Any], str] = str,
             style: Callable[[str], str] = lambda code: code) -> str:
        """``... and 990 more DP116 in this file (most: 'content parts ...')``.

        ``esc`` makes data values safe for the format; ``style`` decorates the code.
        """
        where = "in the dataset" if self.path == DATASET_PATH else "in this file"
        out = f"... and {self.hidden} more {style(esc(self.code))} {where}"
        if self.common is not None:
            quote = self.common if len(self.common) <= MAX_QUOTE else self.common[: MAX_QUOTE - 1] + "…"
            out += f" (most: '{esc(quote)}')"
        return out


#: a finding dict of the result, or the overflow item of its (file, rule)
Item = Mapping[str, Any] | Overflow


def _severity(finding: Mapping[str, Any]) -> str:
    sev = finding.get("severity")
    return sev if isinstance(sev, str) and sev in _RANK else "warning"


def _shape(message: str) -> str:
    """``message`` with what differs per record blanked: quoted excerpts become ``'…'``,
    places (``data.jsonl:12``, ``rows.parquet record 3``) and numbers ``…``."""
    head = message[:_SHAPE_CHARS]  # longer messages are not shown whole anyway
    return _NUMBER.sub("…", _PLACE.sub("…", _EXCERPT.sub("'…'", head)))


def _common(messages: Sequence[str]) -> str | None:
    """The message at least half of ``messages`` (and more than one) share, if any.

    Rules quote the record or name a partner in their message, so a thousand findings of
    one cause rarely share the exact text; failing that, messages are compared by shape.
    """
    for key in (lambda m: m, _shape):
        top, n = Counter(key(m) for m in messages).most_common(1)[0]
        if top and n > 1 and 2 * n >= len(messages):
            return top
    return None


def _overflow(hidden: Sequence[Mapping[str, Any]]) -> Overflow:
    head = hidden[0]
    common = _common(["" if f.get("message") is None else str(f.get("message")) for f in hidden])
    severity = min((_severity(f) for f in hidden), key=_RANK.__getitem__)
    return Overflow(head.get("path"), head.get("code"), head.get("name"), severity,
                    len(hidden), common)


def cap(findings: Sequence[Mapping[str, Any]], max_per_rule: int | None) -> list[Item]:
    """``findings`` in their order with each (file, rule) cut to ``max_per_rule``.

    The overflow item of a (file, rule) takes the place right after its last shown
    finding (where its first finding was, when ``max_per_rule`` is 0), so it stays in its
    file's block.  ``None`` shows everything.
    """
    if max_per_rule is None:
        return list(findings)
    limit = max(0, max_per_rule)
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        members[(str(f.get("path")), str(f.get("code")))].append(i)
    after: dict[int, Overflow] = {}
    hidden: set[int] = set()
    for idx in members.values():
        if len(idx) <= limit:
            continue
        rest = idx[limit:]
        hidden.update(rest)
        anchor = idx[limit - 1] if limit else idx[0]
        after[anchor] = _overflow([findings[i] for i in rest])
    out: list[Item] = []
    for i, f in enumerate(findings):
        if i not in hidden:
            out.append(f)
        if i in after:
            out.append(after[i])
    return out


def hidden_total(items: Sequence[Item]) -> int:
    """How many findings the overflow items among ``items`` stand for."""
    return sum(x.hidden for x in items if isinstance(x, Overflow))


__all__ = ["DEFAULT_MAX_PER_RULE", "Item", "Overflow", "cap", "hidden_total"]
