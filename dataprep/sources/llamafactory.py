"""LLaMA-Factory's dataset registry (``dataset_info.json``), read the way the trainer reads it.

Why this exists: LLaMA-Factory never guesses a file's layout.  Its registry names each
local file with a ``formatting`` (alpaca, sharegpt, openai), a ``ranking`` flag and
``columns``/``tags`` that rename the fields the trainer reads.  Detecting each record on
its own would read a file with renamed columns as "fits no layout", and a ShareGPT file
with role/content tags as the wrong family.  So a linted directory that holds a registry
is read as the trainer will read it: each listed file gets a layout and a field mapping
(``SourceSpec.layout`` / ``SourceSpec.fields``), and a listed file that does not exist is
a finding (DP012) at its entry, because the training job would stop there.

The decision "formatting + ranking + columns/tags -> (layout, fields)" lives in
``layout_for`` and nowhere else.  The defaults are the trainer's (``DatasetAttr`` in
LLaMA-Factory's ``src/llamafactory/data/parser.py`` and ``data/README.md``):

- without ``columns``: prompt/query/response are ``instruction``/``input``/``output`` and
  messages is ``conversations``; every other column is unset;
- with ``columns``: a column the entry does not name is unset (not read at all);
- tags default to ``from``/``value`` (user ``human``, assistant ``gpt``);
- an entry with ``hf_hub_url``/``ms_hub_url``/``om_hub_url``/``script_url``/
  ``cloud_file_name`` is remote: the trainer downloads it, so there is nothing local to lint.

Bad registries never raise: a file that is not JSON, or not a registry, is left to the
ordinary readers (DP003 / DP011); an entry that is not an object or has no usable
``file_name`` is a problem reported like a missing file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: the registry's fixed name (LLaMA-Factory's ``DATA_CONFIG``)
REGISTRY_NAME = "dataset_info.json"
#: keys that make an entry remote: the trainer ignores ``file_name`` when one is present
REMOTE_KEYS = ("hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name")
SOURCE_KEYS = (*REMOTE_KEYS, "file_name")
#: FileNote kinds of registry problems (mapped to DP012 by ``checks/input.py``)
MISSING_FILE = "registry-missing-file"
BAD_ENTRY = "registry-bad-entry"

#: LLaMA-Factory column name -> canonical key, for alpaca formatting
_ALPACA = (("prompt", "instruction"), ("query", "input"), ("response", "output"),
           ("history", "history"))
#: LLaMA-Factory column name -> canonical key, for every formatting
_COMMON = (("system", "system"), ("tools", "tools"), ("images", "images"),
           ("videos", "videos"), ("audios", "audios"), ("chosen", "chosen"),
           ("rejected", "rejected"), ("kto_tag", "kto_tag"))
_COLUMNS = ("prompt", "query", "response", "history", "messages",
            *(name for name, _ in _COMMON))
#: the trainer's column defaults when an entry has no ``columns`` object
_DEFAULT_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output",
                    "messages": "conversations"}

Fields = tuple[tuple[str, str], ...]
#: adds one (canonical key, file key) pair to the mapping being built
_Put = Callable[[str, str | None], None]


@dataclass(frozen=True, slots=True)
class Registry:
    """A parsed registry: its path, its entries (in file order) and each entry's line."""

    path: str
    entries: dict[str, Any]
    lines: dict[str, int]


@dataclass(frozen=True, slots=True)
class Planned:
    """One local file (or HF ``save_to_disk`` folder) the registry names, and how to read it."""

    real_path: str
    dataset: str
    layout: str | None
    fields: Fields


@dataclass(frozen=True, slots=True)
class Problem:
    """An entry the trainer cannot load: a FileNote kind, the entry's line, a message."""

    kind: str
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class Plan:
    files: tuple[Planned, ...]
    problems: tuple[Problem, ...]


# ------------------------------------------------------------------ recognising a registry


def is_registry(obj: Any, name: str) -> bool:
    """Whether a parsed JSON document is a LLaMA-Factory registry.

    Strict for other file names (every value an entry object, one with a source key), so
    a record whose values happen to be objects is not mistaken for one; lenient for
    ``dataset_info.json`` (at least half of the values objects), so that a registry with
    a few broken entries is still read as one and its broken entries are reported.
    """
    if type(obj) is not dict or not obj:
        return False
    values = list(obj.values())
    objects = [v for v in values if type(v) is dict]
    if not any(isinstance(v.get(k), str) for v in objects for k in SOURCE_KEYS):
        return False
    if name == REGISTRY_NAME:
        return len(objects) * 2 >= len(values)
    return len(objects) == len(values)


def load(path: str) -> Registry | None:
    """Parse ``path`` as a registry; None when it is unreadable, not JSON or not a registry."""
    try:
        with open(path, "rb") as fh:
            text = fh.read().decode("utf-8-sig")
        obj = json.loads(text)
    except (OSError, ValueError, RecursionError):
        return None
    if not is_registry(obj, os.path.basename(path)):
        return None
    return Registry(path, obj, _entry_lines(text))


def _entry_lines(text: str) -> dict[str, int]:
    """The 1-based line of each top-level key of a JSON object (a repeated key: the last).

    ``json.loads`` gives no positions; scanning the top level with the decoder's own
    string and value scanners does, so a finding can point at the entry it is about.
    """
    decoder = json.JSONDecoder()
    lines: dict[str, int] = {}
    n = len(text)
    pos = _skip_ws(text, 0)
    if pos >= n or text[pos] != "{":
        return lines
    pos = _skip_ws(text, pos + 1)
    line, counted = 1, 0
    try:
        while pos < n and text[pos] == '"':
            key, end = json.decoder.scanstring(text, pos + 1)  # type: ignore[attr-defined]
            line += text.count("\n", counted, pos)
            counted = pos
            lines[key] = line
            pos = _skip_ws(text, end)
            if pos >= n or text[pos] != ":":
                break
            _, end = decoder.raw_decode(text, _skip_ws(text, pos + 1))
            pos = _skip_ws(text, end)
            if pos >= n or text[pos] != ",":
                break
            pos = _skip_ws(text, pos + 1)
    except (ValueError, RecursionError):
        pass
    return lines


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in " \t\r\n":
        pos += 1
    return pos


# ------------------------------------------------------------------ the layout decision


def _columns(attr: Mapping[str, Any]) -> dict[str, str | None]:
    """The file's key for each LLaMA-Factory column (None: the trainer does not read it)."""
    cols = attr.get("columns")
    if type(cols) is not dict:
        return {name: _DEFAULT_COLUMNS.get(name) for name in _COLUMNS}
    out: dict[str, str | None] = {}
    for name in _COLUMNS:
        value = cols.get(name)
        out[name] = value if isinstance(value, str) and value else None
    return out


def _tags(attr: Mapping[str, Any]) -> tuple[str, str]:
    """(role_tag, content_tag); an unset or non-string tag keeps the trainer's default."""
    role, content = "from", "value"
    tags = attr.get("tags")
    if type(tags) is dict:
        r, c = tags.get("role_tag"), tags.get("content_tag")
        role = r if isinstance(r, str) and r else role
        content = c if isinstance(c, str) and c else content
    return role, content


def layout_for(attr: Mapping[str, Any]) -> tuple[str | None, Fields]:
    """The layout and field mapping of one registry entry, as the trainer reads it.

    Fields are (canonical key, the file's key) pairs, identity pairs left out.  The layout
    is None where no layout reads the file the way the trainer does (unknown role/content
    tags, an unknown formatting, a ShareGPT preference with role/content tags, alpaca with
    no response column): then what can be mapped is mapped and each record is detected.
    """
    cols = _columns(attr)
    formatting = attr.get("formatting", "alpaca")
    ranking = bool(attr.get("ranking", False))  # the trainer tests truthiness
    kto = cols["kto_tag"] is not None
    fields: list[tuple[str, str]] = []

    def put(canonical: str, key: str | None) -> None:
        if key is not None and key != canonical and all(c != canonical for c, _ in fields):
            fields.append((canonical, key))

    layout: str | None
    if formatting == "alpaca":
        layout = _alpaca_layout(cols, ranking, kto, put)
    elif formatting in ("sharegpt", "openai"):
        layout = _conversation_layout(cols, _tags(attr), ranking, kto, put)
    else:  # the trainer has no converter for it and stops; read what we can
        layout = None
    for column, canonical in _COMMON:
        put(canonical, cols[column])
    return layout, tuple(fields)


def _alpaca_layout(cols: Mapping[str, str | None], ranking: bool, kto: bool,
                   put: _Put) -> str | None:
    if not (ranking or kto) and cols["response"] is None:
        if cols["prompt"] is not None and cols["query"] is None:
            put("text", cols["prompt"])  # pre-training: the prompt column is the text
            return "text"
        put("instruction", cols["prompt"])
        put("input", cols["query"])
        return None  # prompts without replies (unsupervised): let detection decide
    for column, canonical in _ALPACA:
        put(canonical, cols[column])
    return "kto" if kto else "preference" if ranking else "alpaca"


def _conversation_layout(cols: Mapping[str, str | None], tags: tuple[str, str],
                         ranking: bool, kto: bool, put: _Put) -> str | None:
    messages = cols["messages"]
    layout: str | None
    if tags == ("from", "value"):
        layout, key = "sharegpt", "conversations"
    elif tags == ("role", "content"):
        layout = "chat" if messages == "messages" else "chat-conversations"
        key = "messages" if layout == "chat" else "conversations"
    else:  # speaker/text keys no layout knows: map the columns, detect the records
        layout, key = None, "messages" if messages == "messages" else "conversations"
    put(key, messages)
    if kto:
        return "kto" if layout is not None else None
    if ranking:
        return "sharegpt-dpo" if layout == "sharegpt" else None
    return layout


# ------------------------------------------------------------------ the files it names


def plan(registry: Registry) -> Plan:
    """The local files the registry names (with layouts) and the entries the trainer cannot load.

    Follows the trainer: ``file_name`` is joined to the registry's folder; a folder stands
    for the files directly in it.  Files dataprep cannot read (csv, txt, arrow) are left
    out silently, as a directory walk leaves them out.
    """
    from dataprep.sources import DATA_SUFFIXES, is_hf_folder

    base = os.path.dirname(registry.path)
    files: list[Planned] = []
    problems: list[Problem] = []
    for name, attr in registry.entries.items():
        line = registry.lines.get(name)
        if type(attr) is not dict:
            problems.append(Problem(BAD_ENTRY, line, f"LLaMA-Factory dataset {_q(name)}: "
                                    f"the entry is {_what(attr)}, not an object; the trainer "
                                    "cannot load it"))
            continue
        if any(k in attr for k in REMOTE_KEYS):
            continue  # downloaded by the trainer: nothing local to lint
        file_name = attr.get("file_name")
        if not isinstance(file_name, str) or not file_name.strip():
            why = (f"file_name is {_what(file_name)}, not a file name" if "file_name" in attr
                   else "no file_name (nor a hub or script URL)")
            problems.append(Problem(BAD_ENTRY, line, f"LLaMA-Factory dataset {_q(name)}: "
                                    f"{why}; the trainer cannot load it"))
            continue
        layout, fields = layout_for(attr)
        local = os.path.join(base, file_name)
        found = list(_local_files(local, DATA_SUFFIXES, is_hf_folder))
        if found:
            files.extend(Planned(p, name, layout, fields) for p in found)
        elif not os.path.exists(local):
            problems.append(Problem(MISSING_FILE, line, f"LLaMA-Factory dataset {_q(name)} "
                                    f"names {_q(file_name)}, which does not exist; the trainer "
                                    "stops when this dataset is selected"))
        elif os.path.isdir(local) and not _has_files(local):
            problems.append(Problem(MISSING_FILE, line, f"LLaMA-Factory dataset {_q(name)} "
                                    f"names the folder {_q(file_name)}, which holds no files; "
                                    "the trainer stops when this dataset is selected"))
    return Plan(tuple(files), tuple(problems))


def _local_files(local: str, suffixes: tuple[str, ...],
                 is_hf: Callable[[str], bool]) -> Iterator[str]:
    if os.path.isdir(local):
        if is_hf(local):
            yield local
            return
        try:
            names = sorted(os.listdir(local))
        except OSError:
            return
        for n in names:
            full = os.path.join(local, n)
            if not n.startswith(".") and n.lower().endswith(suffixes) and os.path.isfile(full):
                yield full
    elif os.path.isfile(local) and local.lower().endswith(suffixes):
        yield local


def _has_files(folder: str) -> bool:
    try:
        return any(os.path.isfile(os.path.join(folder, n)) for n in os.listdir(folder))
    except OSError:
        return False


def _q(value: str) -> str:
    """A name quoted for a message: JSON string escapes, so control characters stay visible."""
    text = value if len(value) <= 80 else value[:77] + "..."
    return json.dumps(text, ensure_ascii=False)


def _what(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
