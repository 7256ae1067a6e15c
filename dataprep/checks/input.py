"""DP001-DP012: input that could not become records, and notes about the file's bytes.

Sources never raise on bad input: they yield ``ParseFailure`` and ``FileNote`` values
with a ``kind`` (see ``dataprep/sources``), and this check maps each kind to its rule.
A kind this module does not know yet still becomes a finding (DP003 for a failure, none
for a note), so a new source can never make bad input pass silently.

Input rule examples are raw file text in which ``\\xNN``, ``\\r``, ``\\n`` and ``\\\\``
stand for those bytes, because byte-level problems (invalid UTF-8, a BOM, CRLF line
ends, a missing final newline) cannot be written as JSON.  Examples in parentheses
describe an input that cannot be written on one line.
"""

from __future__ import annotations

import re
from typing import Any

from dataprep.checks.base import Check, Emit, Rule
from dataprep.model import FileNote, ParseFailure


class NoRecords(Rule):
    """The file opens but holds no records (empty, only blank lines, binary, or no rows).

    A training file without records is almost always a failed export or the wrong file
    passed to the job; a run that silently trains on less data than intended is worse
    than one that stops.

    Examples:
    pass: {"text": "hello"}\\n
    fail: \\n\\n
    """

    code = "DP001"
    name = "input.no-records"
    severity = "error"


class InvalidUtf8(Rule):
    """A line is not valid UTF-8.

    JSON text must be UTF-8; loaders either reject the line or replace the bytes with
    U+FFFD, and the model then learns replacement characters. The file was probably
    written in Latin-1 or Windows-1252: re-encode it.

    Examples:
    pass: {"text": "caf\\xc3\\xa9"}\\n
    fail: {"text": "caf\\xe9"}\\n
    """

    code = "DP002"
    name = "input.invalid-utf8"
    severity = "error"


class InvalidJson(Rule):
    """A line (or array element) is not valid JSON.

    Trainers stop at, or silently skip, lines they cannot parse, so one bad line either
    fails an expensive job late or quietly removes data.

    Examples:
    pass: {"text": "hello"}\\n
    fail: {"text": "hello",}\\n
    """

    code = "DP003"
    name = "input.invalid-json"
    severity = "error"


class NotObject(Rule):
    """A line holds valid JSON that is not an object (an array, string, number or null).

    Every fine-tuning format is a JSON object per record; anything else is rejected by
    the trainer or misread as a record with no fields.

    Examples:
    pass: {"text": "hello"}\\n
    fail: ["hello", "world"]\\n
    """

    code = "DP004"
    name = "input.not-object"
    severity = "error"


class NonFiniteNumber(Rule):
    """A line contains NaN or Infinity, which are not JSON.

    Python's json module writes and reads them, so they slip into exported data, but
    strict parsers (and most other languages) reject the line.

    Examples:
    pass: {"text": "hello", "score": 0.5}\\n
    fail: {"text": "hello", "score": NaN}\\n
    """

    code = "DP005"
    name = "input.nan"
    severity = "error"


class Truncated(Rule):
    """The file's last line (or array) is cut off: the file is truncated.

    A truncated file usually means an interrupted download or write; more than the last
    record may be missing, so compare the file with its source.

    Examples:
    pass: {"text": "hello"}
    fail: {"text": "hel
    """

    code = "DP006"
    name = "input.truncated"
    severity = "error"


class TooDeep(Rule):
    """A record nests deeper than a parser can follow (over 1,024 levels).

    Such nesting is never a real training record; it is corrupt or adversarial input,
    and it crashes parsers that do not guard against recursion.

    Examples:
    pass: {"text": {"nested": {"a": [1, [2, [3]]]}}}\\n
    fail: (a line with 1,100 nested arrays: [[[[...]]]])
    """

    code = "DP007"
    name = "input.too-deep"
    severity = "error"


class ByteOrderMark(Rule):
    """The file starts with a UTF-8 byte-order mark.

    dataprep reads it fine, but some JSONL loaders treat the BOM as part of the first
    record's first key, so that record's key becomes "\\ufeffmessages" and the record
    is misread. Save the file as UTF-8 without BOM.

    Examples:
    pass: {"text": "hello"}\\n
    fail: \\xef\\xbb\\xbf{"text": "hello"}\\n
    """

    code = "DP008"
    name = "input.bom"
    severity = "info"


class CrlfLineEnds(Rule):
    """Lines end with CRLF (Windows line ends); reported once per file with the count.

    JSON parsers accept the stray carriage return as whitespace, but line-oriented
    tools (split, shuf, head, diff) keep it, and text fields copied from such tools can
    end up with "\\r" in training data.

    Examples:
    pass: {"text": "hello"}\\n
    fail: {"text": "hello"}\\r\\n
    """

    code = "DP009"
    name = "input.crlf"
    severity = "info"


class Unreadable(Rule):
    """The file could not be read to the end (I/O error, corrupt gzip, Parquet/HF read error).

    Records after the failure were not checked, and the training job will fail at the
    same place, or, worse, train on the part before it.

    Examples:
    pass: {"text": "hello"}\\n
    fail: (a .jsonl.gz file whose gzip stream is corrupt)
    """

    code = "DP010"
    name = "input.unreadable"
    severity = "error"


class NotADataset(Rule):
    """A JSON file holds one document that is not a dataset (a registry, report or config).

    A trainer given this file either stops or trains on nothing; and linting it record by
    record would bury the one thing to know, that it is not data, under findings about
    every line.  A dataprep report, a LLaMA-Factory registry (dataset_info.json, whose
    listed files are linted when its folder is) and a JSON object that fits no record
    layout are each one warning; a directory walk leaves reports and registries out.

    Examples:
    pass: {"text": "hello"}\\n
    fail: (a .json file holding one object that fits no record layout, e.g. a package.json)
    """

    code = "DP011"
    name = "input.not-a-dataset"
    severity = "warning"


class RegistryMissingFile(Rule):
    """A LLaMA-Factory dataset_info.json names a local file that does not exist (or none).

    The trainer reads the registry, not the folder: a dataset whose file_name is missing,
    misspelt or not a file name stops the training job when that dataset is selected,
    after the expensive setup. Reported at the entry, with the dataset name.

    Examples:
    pass: {"text": "hello"}\\n
    fail: (a folder whose dataset_info.json names "train.json", which does not exist)
    """

    code = "DP012"
    name = "input.registry-missing-file"
    severity = "error"


#: ParseFailure kind -> (rule code, message template around the source's detail)
FAILURES: dict[str, tuple[str, str]] = {
    "invalid-utf8": ("DP002", "{detail}; re-encode the file as UTF-8"),
    "invalid-json": ("DP003", "invalid JSON: {detail}"),
    "not-object": ("DP004", "{detail}"),
    "nan": ("DP005", "{detail}; write null or a finite number"),
    "truncated": ("DP006", "truncated: {detail}"),
    "too-deep": ("DP007", "{detail}"),
    "unreadable": ("DP010", "file could not be read to the end: {detail}"),
}
#: FileNote kind -> rule code
NOTES: dict[str, str] = {"no-records": "DP001", "bom": "DP008", "crlf": "DP009",
                         "not-a-dataset": "DP011", "registry-missing-file": "DP012",
                         "registry-bad-entry": "DP012"}
_LEADING_INT = re.compile(r"\s*(\d+)")


class InputCheck(Check):
    """Maps the sources' parse failures and file notes to DP0xx findings."""

    rules = (NoRecords, InvalidUtf8, InvalidJson, NotObject, NonFiniteNumber, Truncated,
             TooDeep, ByteOrderMark, CrlfLineEnds, Unreadable, NotADataset, RegistryMissingFile)

    def failure(self, item: ParseFailure, emit: Emit) -> None:
        fallback = ("DP003", f"unparseable input ({item.kind}): {{detail}}")
        code, template = FAILURES.get(item.kind, fallback)
        detail = " ".join(str(item.detail).split())[:200] or item.kind
        message = template.format(detail=detail)
        if code == "DP010":
            # a read failure concerns the rest of the file, not one record
            emit(code, item.path, None, None, message)
            return
        emit(code, item.path, item.line, item.index, message)

    def note(self, item: Any, emit: Emit) -> None:
        if type(item) is not FileNote:
            return
        code = NOTES.get(item.kind)
        if code is None:
            return
        detail = " ".join(str(item.detail).split())[:300]
        if code == "DP011":
            emit(code, item.path, item.line, None, f"not a dataset file: {detail}")
        elif code == "DP012":
            emit(code, item.path, item.line, None, detail)
        elif code == "DP009":
            m = _LEADING_INT.match(detail)
            count = int(m.group(1)) if m else 1
            emit(code, item.path, None, None,
                 f"{detail}; JSON parsers accept this, line-oriented tools may not", count=count)
        elif code == "DP008":
            emit(code, item.path, item.line, None, detail)
        else:
            emit(code, item.path, None, None, detail or "file holds no records")
