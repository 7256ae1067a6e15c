"""DP108: the record's layout was recognised, but its text was not read.

A file whose records are detected as some layout but yield no text for most of them is
linted on nothing: every content rule passes, the duplicate rules see empty records, and
the score is meaningless.  This check names the keys that do hold text, so the user can
map them (or learn that the layout reads them from elsewhere).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from dataprep import records
from dataprep.checks.base import Check, Emit, FileInfo, Rule
from dataprep.model import Record

#: share of a file's records without text from which the file is reported
MAX_SHARE = 0.5
#: string leaves shorter than this are ids and tags, not the text
MIN_CHARS = 20


class TextNotRead(Rule):
    """Most records of a file yield no text in the layout they were read as.

    Every content rule, the duplicate checks and the score read a record's text through its
    layout; when the text sits under keys the layout does not read (a nested field, a
    renamed column), the file is linted on nothing and looks clean. The finding names the
    keys that hold text and the mapping that would read them.

    Examples:
    pass: {"records": [{"text": "A full paragraph of training text.", "id": 1}]}
    fail: {"records": [{"text": "", "body": "The article text that should have been read here."}]}
    """

    code = "DP108"
    name = "structure.text-not-read"
    severity = "warning"
    scope = "dataset"


def _leaves(v: Any, ptr: str, out: Counter[str], depth: int = 0) -> None:
    """Pointers of long string leaves (list indexes collapsed to ``*``)."""
    if depth > 6:
        return
    if type(v) is str:
        if len(v) >= MIN_CHARS:
            out[ptr] += 1
    elif type(v) is dict:
        for k, x in v.items():
            _leaves(x, f"{ptr}/{k}", out, depth + 1)
    elif type(v) is list:
        for x in v[:20]:
            _leaves(x, f"{ptr}/*", out, depth + 1)


class TextReadCheck(Check):
    rules = (TextNotRead,)

    def start_file(self, info: FileInfo, emit: Emit) -> None:
        self._n = self._empty = 0
        self._keys: Counter[str] = Counter()
        self._layouts: Counter[str] = Counter()
        self._blank: Counter[str] = Counter()

    def observe(self, rec: Record, valid: bool) -> None:
        fmt = rec.format
        if fmt not in records.BY_NAME:
            return
        self._n += 1
        if rec.chars:  # set by the engine from the layout's text
            return
        self._empty += 1
        self._layouts[fmt] += 1
        if self._empty <= 200:
            found: Counter[str] = Counter()
            _leaves(rec.data, "", found)
            self._keys.update(found.keys())
            for ptr, text, _ in records.get(fmt).required_texts(rec.data):
                if not text.strip() and ptr.count("/") == 1:
                    self._blank[ptr[1:]] += 1

    def end_file(self, info: FileInfo, emit: Emit) -> None:
        if not self._n or self._empty / self._n <= MAX_SHARE:
            return
        layout = self._layouts.most_common(1)[0][0]
        keys = [k for k, _ in self._keys.most_common(3)]
        msg = (f"{self._empty:,} of {self._n:,} records read as {layout} yield no text")
        if keys:
            msg += "; text is under " + ", ".join(f'"{k}"' for k in keys)
            top = keys[0].lstrip("/")
            if "/" not in top and self._blank:
                field = self._blank.most_common(1)[0][0]
                msg += f'; to read it, add {field} = "{top}" to [tool.dataprep.fields]'
            elif "/" not in top:
                msg += ("; map it to the field the layout reads in [tool.dataprep.fields], or "
                        "pass --format-hint")
            else:
                msg += "; nested fields cannot be mapped: convert the records to a layout " \
                       "dataprep reads (see the README's format table)"
        emit("DP108", info.path, None, None, msg, count=self._empty)
