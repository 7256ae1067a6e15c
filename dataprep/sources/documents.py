"""Which JSON documents are datasets: one answer for the readers and the directory walk.

A ``.json`` file holding one object is either one training record (a chat, an alpaca
example, ...) or a document that is not data at all: a trainer's registry, a dataprep
report, a model or tool config.  Reading such a document as a record (or, before this
module, as one broken JSON line per physical line) buries the real answer, "this is not a
dataset", under dozens of findings; so it becomes one DP011 finding and no records.

The directory walk uses the same knowledge to leave out files that are certainly not
data and that a user did not name: dataprep's own outputs (a report written next to the
data must not be linted as data on the next run), a LLaMA-Factory registry (it is read
as the registry it is, see ``llamafactory.py``) and well-known tool and model files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from dataprep.sources import llamafactory

#: FileNote kind of a JSON document that is not a dataset (DP011)
NOT_A_DATASET = "not-a-dataset"

#: files a walk never reads as data: tool manifests (as the pre-commit hook's exclude),
#: model and tokenizer files of a saved model, trainer logs and results
_NON_DATA_NAMES = frozenset({
    "package.json", "package-lock.json", "composer.json", "renovate.json",
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json", "adapter_config.json",
    "preprocessor_config.json", "trainer_state.json", "all_results.json",
    "train_results.json", "eval_results.json", "dataset_infos.json", "trainer_log.jsonl",
})
_NON_DATA_RE = re.compile(r"^(?:[jt]sconfig[^/]*\.json|.*\.schema\.json)$", re.IGNORECASE)
_CODE_RE = re.compile(r"^DP\d{3}$")
_SNIFF = 8192
#: a .json file larger than this is not parsed whole to see whether it is dataprep output
_MAX_OUTPUT_BYTES = 64 << 20

Judge = Callable[[dict[str, Any]], str | None]


def judge_for(name: str, layout: str | None, fields: tuple[tuple[str, str], ...]) -> Judge:
    """How a reader decides whether a lone object in file ``name`` is a record.

    Returns a function: None for a record, else a description of what the object is.
    A layout given by a registry settles it: the trainer reads the file as data.
    """
    if layout is not None:
        return lambda obj: None
    return lambda obj: not_a_dataset(obj, name, fields)


def not_a_dataset(obj: Mapping[str, Any], name: str,
                  fields: tuple[tuple[str, str], ...] = ()) -> str | None:
    """None when ``obj`` is a training record, else what it is (for the DP011 message).

    Recognised documents are checked before layout detection, so a registry with a
    dataset named ``messages`` is not mistaken for a chat record.
    """
    known = _recognised(obj, name)
    if known is not None:
        return known
    from dataprep.records import detect

    probe: Mapping[str, Any] = obj
    if fields:
        probe = dict(obj)
        for canonical, key in fields:
            if key in probe and canonical not in probe:
                probe[canonical] = probe.pop(key)
    try:
        layout = detect(probe)
    except Exception:  # noqa: BLE001 - a detection bug must not stop reading: keep the record
        return None
    if layout != "unknown":
        return None
    return _metadata(obj) or _unknown_object(obj)


def _recognised(obj: Mapping[str, Any], name: str) -> str | None:
    if llamafactory.is_registry(obj, name):
        if name == llamafactory.REGISTRY_NAME:
            return ("a LLaMA-Factory dataset registry (dataset_info.json); lint its folder "
                    "and the files it lists are read as it describes them")
        return ("a LLaMA-Factory-style dataset registry (LLaMA-Factory reads one only under "
                "the name dataset_info.json)")
    return own_output(obj)


def own_output(obj: Any) -> str | None:
    """What dataprep output ``obj`` is (report, baseline, SARIF), or None."""
    if type(obj) is not dict:
        return None
    tool = obj.get("tool")
    if type(tool) is dict and tool.get("name") == "dataprep":
        if "schema_version" in obj:
            return "a dataprep report"
        if "entries" in obj:
            return "a dataprep baseline"
        return "a dataprep output file"
    runs = obj.get("runs")
    run = runs[0] if type(runs) is list and runs else None
    sarif_tool = run.get("tool") if type(run) is dict else None
    driver = sarif_tool.get("driver") if type(sarif_tool) is dict else None
    if type(driver) is dict and driver.get("name") == "dataprep":
        return "a dataprep SARIF report"
    return None


def _metadata(obj: Mapping[str, Any]) -> str | None:
    """Hugging Face ``datasets`` metadata found outside a complete save_to_disk folder."""
    if type(obj.get("features")) is dict and ("builder_name" in obj or "splits" in obj
                                               or "citation" in obj or "dataset_name" in obj):
        return "a Hugging Face dataset info file"
    if "_data_files" in obj and "_fingerprint" in obj:
        return "a Hugging Face dataset state file"
    if set(obj) == {"splits"} and type(obj["splits"]) is list:
        return "a Hugging Face DatasetDict index"
    return None


def _unknown_object(obj: Mapping[str, Any]) -> str:
    keys = list(obj)
    if not keys:
        return "an empty JSON object"
    shown = ", ".join(json.dumps(k if len(k) <= 40 else k[:37] + "...", ensure_ascii=False)
                      for k in keys[:5])
    more = ", ..." if len(keys) > 5 else ""
    noun = "key" if len(keys) == 1 else "keys"
    return f"a JSON object with {noun} {shown}{more} that fits no record layout"


def is_own_finding_line(obj: Any) -> bool:
    """Whether a JSONL line is a finding of dataprep's ``--format jsonl`` output."""
    return (type(obj) is dict and {"code", "name", "severity", "path", "message"} <= obj.keys()
            and isinstance(obj["code"], str) and _CODE_RE.match(obj["code"]) is not None
            and obj["severity"] in ("error", "warning", "info"))


def skip_in_walk(path: str) -> bool:
    """Whether a directory walk leaves ``path`` out as certainly not data.

    By name for tool and model files; by content (the first 8 KB, then the whole
    document only when those bytes mention dataprep) for dataprep's own outputs.  Never
    raises: a file that cannot be read here is left to the reader to report.
    """
    base = os.path.basename(path)
    low = base.lower()
    if low in _NON_DATA_NAMES or _NON_DATA_RE.match(base):
        return True
    if not low.endswith((".json", ".jsonl", ".ndjson")):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF)
            if low.endswith(".json"):
                start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
                if not start.startswith(b"{") or b'"dataprep"' not in head:
                    return False
                if os.path.getsize(path) > _MAX_OUTPUT_BYTES:
                    return False  # not a report; never read a large data file twice
                obj = json.loads((head + fh.read()).decode("utf-8-sig"))
                return own_output(obj) is not None
            if low.endswith((".jsonl", ".ndjson")):
                first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").strip()
                if not first.startswith(b"{") or b'"DP' not in first:
                    return False
                return is_own_finding_line(orjson.loads(first))
    except (OSError, ValueError, RecursionError):
        return False
    return False
