"""``--jobs N`` and ``--engine ray`` give the report of ``--jobs 1``, byte for byte.

The dataset is generated (seeded): 20,000+ records over a chat training file, a
classification file and an evaluation file, with exact and near duplicates, train/eval
leaks, label conflicts, structure errors, lines that do not parse, blank lines, CRLF
line ends and a byte-order mark.  Small shards (``shard_bytes``) put many shard
boundaries inside the files, so lines split across shards are exercised too.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from dataprep.api import lint
from dataprep.engine import Mapped
from dataprep.shards import Shard, ShardWorker, plan_shards

WORDS = ("order refund parcel account password invoice delivery shipping payment support "
         "customer product warranty return address email billing subscription upgrade "
         "cancel change update reset confirm track login device screen battery charger "
         "cable network router signal printer paper ink laptop phone tablet camera lens").split()
LABELS = [f"intent_{i}" for i in range(20)]
SHARD = 96 * 1024


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _chat(rng: random.Random) -> dict[str, Any]:
    msgs = [{"role": "system", "content": "You are a helpful support assistant."}]
    for _ in range(rng.randint(1, 2)):
        msgs.append({"role": "user", "content": _sentence(rng, rng.randint(8, 30)) + " Can you help?"})
        msgs.append({"role": "assistant", "content": " ".join(_sentence(rng, rng.randint(6, 14))
                                                               for _ in range(rng.randint(2, 5)))})
    return {"messages": msgs}


def _near(rec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = json.loads(json.dumps(rec))
    msg = out["messages"][-1]
    words = msg["content"].split()
    words[rng.randrange(len(words))] = rng.choice(WORDS)
    msg["content"] = " ".join(words)
    return out


def _write_chat(path: Path, n: int, rng: random.Random) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    lines: list[str] = []
    for i in range(n):
        if i % 50 == 49 and kept:
            rec = rng.choice(kept)  # exact duplicate
        elif i % 70 == 69 and kept:
            rec = _near(rng.choice(kept), rng)
        else:
            rec = _chat(rng)
            if i % 300 == 7:
                rec["messages"][1]["role"] = "bot"  # unknown role: an error
            elif i % 300 == 111:
                rec["messages"][-1]["content"] = ""  # empty reply
            elif i % 400 == 13:
                rec["messages"] = rec["messages"][:2]  # no assistant turn
            kept.append(rec)
        line = json.dumps(rec)
        if i % 997 == 5:
            line = line[: len(line) // 2]  # cut short: not JSON
        elif i % 1499 == 8:
            line = "[1, 2, 3]"  # not an object
        lines.append(line + ("\r\n" if i % 613 == 0 else "\n"))
        if i % 811 == 3:
            lines.append("\n")
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).encode("utf-8"))
    return kept


def _write_labels(path: Path, n: int, rng: random.Random) -> None:
    rows: list[dict[str, Any]] = []
    for i in range(n):
        label = LABELS[i % len(LABELS)]
        text = f"{_sentence(rng, rng.randint(5, 12))} ({label.replace('_', ' ')})"
        if i % 100 == 99 and rows:
            other = rng.choice(rows)
            rows.append({"text": other["text"], "label": rng.choice(LABELS)})  # conflict
            continue
        if i % 60 == 59 and rows:
            rows.append(dict(rng.choice(rows)))  # exact duplicate
            continue
        rows.append({"text": text, "label": label})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("parallel")
    rng = random.Random(20261203)
    chat = root / "train.jsonl"
    kept = _write_chat(chat, 13_000, rng)
    labels = root / "intents.jsonl"
    _write_labels(labels, 6_000, rng)
    evals = root / "eval.jsonl"
    rows = [rng.choice(kept) if i % 20 == 0 else (_near(rng.choice(kept), rng) if i % 25 == 1
                                                  else _chat(rng)) for i in range(1_200)]
    evals.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {"chat": chat, "labels": labels, "eval": evals}


def _runs(dataset: dict[str, Path], **how: Any) -> list[dict[str, Any]]:
    """The two lints compared: the chat set with its evaluation split, and the
    classification set on its own (linted together, the chat majority would make the
    task generative and leave its labels unread)."""
    return [lint([str(dataset["chat"])], eval_paths=[str(dataset["eval"])], **how).to_dict(),
            lint([str(dataset["labels"])], **how).to_dict()]


@pytest.fixture(scope="module")
def report_one(dataset: dict[str, Path]) -> list[dict[str, Any]]:
    """The ``--jobs 1`` reports every other engine must reproduce."""
    return _runs(dataset)


def _codes(report: dict[str, Any], path: Path) -> set[str]:
    return {f["code"] for f in report["findings"] if f["path"] in (str(path), None, "<dataset>")}


def test_the_dataset_holds_what_the_comparison_needs(report_one: list[dict[str, Any]],
                                                     dataset: dict[str, Path]) -> None:
    chat_report, label_report = report_one
    # exact and near duplicates, leaks, unknown roles, empty replies, missing turns,
    # unparseable lines, CRLF and BOM notes, label conflicts: the comparison covers each
    chat = _codes(chat_report, dataset["chat"])
    for code in ("DP301", "DP302", "DP110", "DP115", "DP113", "DP003", "DP004", "DP008", "DP009"):
        assert code in chat, code
    assert "DP304" in _codes(chat_report, dataset["eval"])
    assert {"DP301", "DP401"} <= _codes(label_report, dataset["labels"])
    assert sum(f["records"] for r in report_one for f in r["files"]) >= 20_000


def test_jobs_2_gives_the_report_of_jobs_1(report_one: list[dict[str, Any]],
                                           dataset: dict[str, Path]) -> None:
    assert _runs(dataset, jobs=2, shard_bytes=SHARD) == report_one


def test_jobs_2_on_records_of_no_known_layout(tmp_path: Path) -> None:
    # found on a real file (Self-Instruct's seed tasks): the structure rules compare
    # format names by identity, and a name that came back from a worker is a new string
    path = tmp_path / "tasks.jsonl"
    rows = [{"id": i, "instruction": f"task {i}", "instances": [{"input": "", "output": str(i)}],
             "motivation_app": None} for i in range(400)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    one = lint([str(path)]).to_dict()
    assert any(f["code"] == "DP101" and f["count"] == 400 for f in one["findings"])
    assert lint([str(path)], jobs=2, shard_bytes=4096).to_dict() == one


def test_every_line_belongs_to_exactly_one_shard(dataset: dict[str, Path]) -> None:
    from dataprep.api import load_config
    from dataprep.checks import CHECKS, RULES
    from dataprep.sources import discover

    specs = discover([str(dataset["chat"])], [])
    shards = plan_shards(specs, 50_000)
    assert len(shards) > 20
    worker = ShardWorker(specs, CHECKS, RULES, load_config())
    import pickle

    offsets: list[int] = []
    for shard in shards:
        mapped: list[Mapped] = pickle.loads(worker(shard))
        offsets.append(len(mapped))
    whole = pickle.loads(worker(Shard(0, 0, dataset["chat"].stat().st_size)))
    assert sum(offsets) == len(whole)


def test_engine_ray_gives_the_report_of_jobs_1(ray_cluster: Any,
                                               report_one: list[dict[str, Any]],
                                               dataset: dict[str, Path]) -> None:
    assert _runs(dataset, engine="ray", jobs=2, shard_bytes=SHARD) == report_one


def test_cli_jobs_auto_and_bad_values(dataset: dict[str, Path], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dataprep.cli import cli

    small = tmp_path / "small.jsonl"
    small.write_text("".join(dataset["chat"].read_text(encoding="utf-8-sig").splitlines(True)[:200]),
                     encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(cli, ["lint", str(small), "--jobs", "auto", "--format", "json",
                             "--no-cache", "--no-progress", "--exit-zero"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["lint", str(small), "--jobs", "0", "--no-cache"])
    assert bad.exit_code == 2 and "--jobs" in bad.output
