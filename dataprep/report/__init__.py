"""Reporters: every output format is a projection of one result dict.

A reporter is a pure function ``(result, *, color, verbose) -> str`` of the dict that
``Result.to_dict()`` returns (the JSON report contract, ``rules/schemas/report.schema.json``).
Reporters never import the engine or the checks, so a report can also be re-rendered from
a saved ``--format json`` file, and each format can be tested with a hand-built dict.

The registry maps a format name to ``"module:function"`` and imports the module only when
that format is asked for: adding a format is one entry here, and heavy reporters (HTML)
cost nothing to the pre-commit path that prints text.

The formats people read (``GROUPED``) also take ``max_per_rule``, the cap on one rule's
findings per file (``dataprep.report.grouping``); machine formats keep every finding.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from dataprep.report.grouping import DEFAULT_MAX_PER_RULE

Renderer = Callable[..., str]

#: format name -> "module:function" of its renderer, in the order ``--help`` lists them
_RENDERERS: dict[str, str] = {
    "text": "dataprep.report.text:render",
    "json": "dataprep.report.json_:render_json",
    "jsonl": "dataprep.report.json_:render_jsonl",
    "github": "dataprep.report.github:render",
    "sarif": "dataprep.report.sarif:render",
    "junit": "dataprep.report.junit:render",
    "gitlab": "dataprep.report.gitlab:render",
    "markdown": "dataprep.report.markdown:render",
    "html": "dataprep.report.html:render",
}

#: every name ``--format`` accepts; ``auto`` is resolved by :func:`resolve_format`
FORMATS: tuple[str, ...] = ("auto", *_RENDERERS)
#: formats that cap one rule's findings per file (``max_per_rule``)
GROUPED: frozenset[str] = frozenset({"text", "github", "markdown"})


def resolve_format(name: str, environ: Mapping[str, str]) -> str:
    """The concrete format for a ``--format`` value.

    ``auto`` picks ``github`` inside GitHub Actions (which sets ``GITHUB_ACTIONS=true``),
    so the same ``dataprep lint`` line in a workflow produces annotations without extra
    flags, and ``text`` everywhere else.  Unknown names raise ``ValueError`` naming the
    known ones, which the CLI turns into a usage error.
    """
    key = name.strip().lower()
    if key == "auto":
        return "github" if environ.get("GITHUB_ACTIONS", "").strip().lower() == "true" else "text"
    if key in _RENDERERS:
        return key
    raise ValueError(f"unknown output format {name!r}; choose one of: {', '.join(FORMATS)}")


def get_renderer(fmt: str) -> Renderer:
    """The render function of a concrete format (not ``auto``)."""
    target = _RENDERERS.get(fmt)
    if target is None:
        hint = " (resolve it with resolve_format first)" if fmt == "auto" else ""
        raise ValueError(f"no reporter for format {fmt!r}{hint}")
    module_name, _, attr = target.partition(":")
    fn: Renderer = getattr(importlib.import_module(module_name), attr)
    return fn


#: formats whose ``max_per_rule`` is the number of examples shown per rule and file, with
#: None meaning the format's own default (a page must stay small, so never "all")
EXAMPLES: frozenset[str] = frozenset({"html"})


def render(fmt: str, result: Mapping[str, Any], color: bool = False, verbose: bool = False,
           max_per_rule: int | None = DEFAULT_MAX_PER_RULE) -> str:
    """The whole output of ``result`` in format ``fmt``, as one string.

    Text formats end with a newline; ``jsonl`` of a result without findings is empty.
    ``color`` only affects ``text``; ``verbose`` adds detail where a format has room for it;
    ``max_per_rule`` (None: no cap) applies to the ``GROUPED`` formats, and to the
    ``EXAMPLES`` formats as their examples per rule and file (None: their default).
    """
    if fmt in GROUPED or fmt in EXAMPLES:
        return get_renderer(fmt)(result, color=color, verbose=verbose, max_per_rule=max_per_rule)
    return get_renderer(fmt)(result, color=color, verbose=verbose)


__all__ = ["EXAMPLES", "FORMATS", "GROUPED", "Renderer", "get_renderer", "render", "resolve_format"]
