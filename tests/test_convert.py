"""``dataprep convert``: converted files lint as the target layout with the same effective
examples, tool calls keep their pairing, preference pairs keep both replies and the
history, and every conversion that would lose meaning is refused with one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dataprep import records
from dataprep.api import lint
from dataprep.convert import Refusal, convert_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convert"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The console entry point in-process: (exit code, stdout, stderr)."""
    from dataprep.cli import main

    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def copy(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copy(FIXTURES / name, dst)
    return dst


def errors(path: Path) -> Counter[str]:
    return Counter(f.code for f in lint([str(path)]).findings if f.severity == "error")


# ------------------------------------------------------------------ converted files lint


@pytest.mark.parametrize(("name", "target", "source"), [
    ("sharegpt_tools.jsonl", "chat", "sharegpt"),
    ("alpaca.jsonl", "chat", "alpaca"),
    ("completion.jsonl", "chat", "completion"),
    ("chat_conversations.jsonl", "chat", "chat-conversations"),
    ("mixed.jsonl", "chat", None),
    ("sharegpt_dpo.jsonl", "preference", "sharegpt-dpo"),
    ("hh_transcripts.jsonl", "preference", "preference"),
])
def test_converted_file_lints_as_target(name: str, target: str, source: str | None,
                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    src = copy(name, tmp_path)
    before_bytes = src.read_bytes()
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = run(["convert", str(src), "--to", target, "-o", str(out)], capsys)
    assert code == 0, stderr
    assert f"to {target}" in stdout and stdout.strip().endswith(f"written to {out}")
    assert src.read_bytes() == before_bytes  # the input is never touched

    before, after = lint([str(src)]), lint([str(out)])
    if source is not None:
        assert before.files[0]["format"] == source
    assert [f["format"] for f in after.files] == [target]
    assert all(records.detect(r) == target for r in rows(out))
    assert len(rows(out)) == before.summary["records"]
    assert after.summary["effective_examples"] == before.summary["effective_examples"]
    assert after.summary["effective_examples"] > 0
    # conversion adds no error the input did not have
    assert not (errors(out) - errors(src))


def test_already_in_target_passes_through_unchanged(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("mixed.jsonl", tmp_path)
    out, again = tmp_path / "out.jsonl", tmp_path / "again.jsonl"
    code, stdout, _ = run(["convert", str(src), "--to", "chat", "-o", str(out)], capsys)
    assert code == 0
    assert "1 record converted from sharegpt to chat, 1 already chat kept" in stdout
    assert rows(out)[0] == rows(src)[0]
    # a converted file converts to itself
    code, stdout, _ = run(["convert", str(out), "--to", "chat", "-o", str(again)], capsys)
    assert code == 0 and "0 records converted" in stdout
    assert rows(again) == rows(out)


# ------------------------------------------------------------------ tool calls


def test_sharegpt_tool_calls_become_paired_tool_calls(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("sharegpt_tools.jsonl", tmp_path)
    out = tmp_path / "chat.jsonl"
    assert run(["convert", str(src), "--to", "chat", "-o", str(out)], capsys)[0] == 0
    source, converted = rows(src), rows(out)

    for s, c in zip(source, converted, strict=True):
        msgs = c["messages"]
        made: list[str] = []
        calls_in = [json.loads(t["value"]) for t in s["conversations"]
                    if t["from"] == "function_call"]
        calls_in = [x for v in calls_in for x in (v if isinstance(v, list) else [v])]
        calls_out = []
        for m in msgs:
            for call in m.get("tool_calls", []):
                assert call["type"] == "function" and call["id"] not in made
                made.append(call["id"])
                calls_out.append({"name": call["function"]["name"],
                                  "arguments": json.loads(call["function"]["arguments"])})
            if m["role"] == "tool":
                assert m["tool_call_id"] in made  # every result answers an earlier call
        assert calls_out == calls_in
        results = [m["content"] for m in msgs if m["role"] == "tool"]
        assert results == [t["value"] for t in s["conversations"] if t["from"] == "observation"]
        assert c["id"] == s["id"]  # metadata kept
        if "system" in s:
            assert msgs[0] == {"role": "system", "content": s["system"]}
        if "tools" in s:
            assert [t["function"] for t in c["tools"]] == json.loads(s["tools"])
            assert all(t["type"] == "function" for t in c["tools"])

    # the parallel calls of record 2 are answered in order, each by its own id
    lima = converted[1]["messages"]
    ids = [call["id"] for call in lima[1]["tool_calls"]]
    assert [m["tool_call_id"] for m in lima if m["role"] == "tool"] == ids
    assert len(set(ids)) == 2

    codes = {f.code for f in lint([str(out)]).findings}
    assert not codes & {"DP118", "DP119", "DP120", "DP112", "DP115"}, codes


def test_parallel_calls_with_a_mismatched_number_of_results_are_refused() -> None:
    d = {"conversations": [
        {"from": "human", "value": "a and b?"},
        {"from": "function_call", "value": json.dumps([{"name": "a", "arguments": {}},
                                                       {"name": "b", "arguments": {}}])},
        {"from": "observation", "value": "both"},
        {"from": "gpt", "value": "done"}]}
    with pytest.raises(Refusal, match="2 parallel calls are answered by 1 observation"):
        convert_record(d, "chat")


def test_call_ids_are_stable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("sharegpt_tools.jsonl", tmp_path)
    one, two = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    run(["convert", str(src), "--to", "chat", "-o", str(one)], capsys)
    run(["convert", str(src), "--to", "chat", "-o", str(two)], capsys)
    assert one.read_bytes() == two.read_bytes()


# ------------------------------------------------------------------ preference


def test_sharegpt_dpo_keeps_history_and_both_replies(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("sharegpt_dpo.jsonl", tmp_path)
    out = tmp_path / "pref.jsonl"
    assert run(["convert", str(src), "--to", "preference", "-o", str(out)], capsys)[0] == 0
    for s, c in zip(rows(src), rows(out), strict=True):
        history = [{"role": {"human": "user", "gpt": "assistant"}[t["from"]],
                    "content": t["value"]} for t in s["conversations"]]
        system = [{"role": "system", "content": s["system"]}] if "system" in s else []
        assert c["prompt"] == system + history
        assert c["chosen"] == [{"role": "assistant", "content": s["chosen"]["value"]}]
        assert c["rejected"] == [{"role": "assistant", "content": s["rejected"]["value"]}]
        pair_before = records.preference("sharegpt-dpo", s)
        pair_after = records.preference("preference", c)
        assert pair_before is not None and pair_after is not None
        assert (pair_after.chosen, pair_after.rejected) == (pair_before.chosen,
                                                            pair_before.rejected)
    assert not {f.code for f in lint([str(out)]).findings if f.code.startswith("DP1")}


def test_transcripts_are_split_at_their_shared_history() -> None:
    d = json.loads((FIXTURES / "hh_transcripts.jsonl").read_text().splitlines()[1])
    c = convert_record(d, "preference")
    assert c.changed and c.source == "hh-transcript"
    assert [m["role"] for m in c.data["prompt"]] == ["user", "assistant", "user"]
    assert c.data["chosen"] == [{"role": "assistant", "content": "Thirty-one."}]
    assert c.data["rejected"] == [{"role": "assistant", "content": "Thirty-two."}]
    differ = {"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.",
              "rejected": "\n\nHuman: Hey\n\nAssistant: Go away."}
    with pytest.raises(Refusal, match="different histories"):
        convert_record(differ, "preference")


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(("name", "target", "what"), [
    ("kto.jsonl", "chat", "desirable/undesirable flag"),
    ("sharegpt_dpo.jsonl", "chat", "rejected reply"),
    ("classification.jsonl", "chat", "class label"),
    ("kto.jsonl", "preference", "no rejected reply"),
    ("alpaca.jsonl", "preference", "no rejected reply"),
    ("media.jsonl", "preference", '"videos" (media)'),
    ("weights.jsonl", "preference", '"weight"'),
    ("orphan_observation.jsonl", "chat", "answers no function_call"),
])
def test_refusals_name_what_cannot_be_carried_over(name: str, target: str, what: str,
                                                   tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = copy(name, tmp_path)
    before = src.read_bytes()
    out = tmp_path / "out.jsonl"
    code, stdout, stderr = run(["convert", str(src), "--to", target, "-o", str(out)], capsys)
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert what in lines[0] and f"cannot convert to {target}" in lines[0]
    assert f"{src}:" in lines[0]  # names the first records by file:line
    assert not out.exists() and src.read_bytes() == before
    assert list(tmp_path.iterdir()) == [src]  # no temporary file left behind


def test_one_bad_record_refuses_the_file_and_names_it(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("orphan_observation.jsonl", tmp_path)
    code, _, stderr = run(["convert", str(src), "--to", "chat", "-o",
                           str(tmp_path / "o.jsonl")], capsys)
    assert code == 2
    assert "1 of 2 records" in stderr and f"{src}:2" in stderr and f"{src}:1" not in stderr


def test_unreadable_line_is_refused_with_its_place(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "broken.jsonl"
    src.write_text('{"prompt": "a", "completion": "b"}\n{"prompt": "c", "completion": \n')
    out = tmp_path / "o.jsonl"
    code, _, stderr = run(["convert", str(src), "--to", "chat", "-o", str(out)], capsys)
    assert code == 2 and len(stderr.strip().splitlines()) == 1
    assert f"{src}:2" in stderr and not out.exists()


def test_output_may_not_be_the_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("completion.jsonl", tmp_path)
    before = src.read_bytes()
    code, _, stderr = run(["convert", str(src), "--to", "chat", "-o", str(src)], capsys)
    assert code == 2 and "one of the inputs" in stderr
    assert src.read_bytes() == before


# ------------------------------------------------------------------ --dry-run


def test_dry_run_lists_changes_and_writes_nothing(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("mixed.jsonl", tmp_path)
    out = tmp_path / "out.jsonl"
    code, stdout, _ = run(["convert", str(src), "--to", "chat", "-o", str(out), "--dry-run"],
                          capsys)
    assert code == 0
    lines = stdout.strip().splitlines()
    assert lines[0].startswith(f"~ {src}:2  convert") and "sharegpt -> chat" in lines[0]
    assert len(lines) == 2 and "dry run, nothing written" in lines[1]
    assert not out.exists()


def test_dry_run_shows_tool_calls(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = copy("sharegpt_tools.jsonl", tmp_path)
    code, stdout, _ = run(["convert", str(src), "--to", "chat", "--dry-run"], capsys)
    assert code == 0
    assert f"{src}:2  convert sharegpt -> chat (2 tool calls with ids)" in stdout
    assert list(tmp_path.iterdir()) == [src]


def test_end_to_end(tmp_path: Path) -> None:
    src = copy("alpaca.jsonl", tmp_path)
    proc = subprocess.run([sys.executable, "-m", "dataprep", "convert", src.name, "--to", "chat",
                           "-o", "chat.jsonl"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "3 records converted from alpaca to chat, written to chat.jsonl"
    first = rows(tmp_path / "chat.jsonl")[0]["messages"]
    assert first[0] == {"role": "user",
                        "content": "Translate the sentence into French.\nThe library opens at nine."}


def test_the_project_field_mapping_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Keys renamed by the project's config are read as the linter reads them."""
    src = tmp_path / "qa.jsonl"
    src.write_text(json.dumps({"question": "What is the capital of France?",
                               "answer": "Paris is the capital of France."}) + "\n", encoding="utf-8")
    cfg = tmp_path / "dataprep.toml"
    cfg.write_text('[fields]\nprompt = "question"\ncompletion = "answer"\n', encoding="utf-8")
    out = tmp_path / "chat.jsonl"
    code, _, err = run(["convert", str(src), "--to", "chat", "-o", str(out), "--config", str(cfg)],
                       capsys)
    assert code == 0, err
    row = json.loads(out.read_text(encoding="utf-8"))
    assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
    assert row["messages"][1]["content"] == "Paris is the capital of France."
    code, _, err = run(["convert", str(src), "--to", "chat", "-o", str(tmp_path / "x.jsonl")], capsys)
    assert code == 2 and "cannot convert" in err, err  # without the mapping: no layout
