"""``dataprep fix``: what it changes, what it leaves, and that it never loses the input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dataprep.api import lint, load_config
from dataprep.cli import main
from dataprep.model import Finding, Related

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "fix"
#: records of fixtures/fix/chat.jsonl (0-based) that call tools: 4 get_weather,
#: 5 get_forecast, 6 get_weather with tool definitions
TOOL_RECORDS = (4, 5, 6)


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixtures as the working directory (its dataprep.toml ignores DP2xx)."""
    for f in FIXTURES.iterdir():
        shutil.copy(f, tmp_path / f.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(["fix", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    got = capsys.readouterr()
    return code, got.out, got.err


def counts(out: str) -> dict[str, int]:
    m = re.search(r"(\d+) records in, (\d+) out, (\d+) dropped, (\d+) rejected", out)
    assert m, out
    return dict(zip(("in", "out", "dropped", "rejected"), map(int, m.groups())))


def per_fix(out: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^  (DP\d+|errors)\s+[^:]+: (\d+)$", out, re.M)}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file()}


def lint_here(path: Path, **kw: Any) -> Any:
    return lint([str(path)], config=load_config(**kw))


def without_tools(here: Path) -> Path:
    """chat.jsonl without its tool-call records (see test_tool_calls_are_identity)."""
    lines = (here / "chat.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    p = here / "plain.jsonl"
    p.write_text("".join(x for i, x in enumerate(lines) if i not in TOOL_RECORDS), encoding="utf-8")
    return p


# ------------------------------------------------------------------ the output


def test_output_has_no_duplicates_or_errors_and_counts_add_up(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = without_tools(here)
    before = lint_here(src)
    assert {"DP301", "DP302", "DP505", "DP115", "DP003"} <= {f.code for f in before.findings}
    code, out, _ = run(capsys, str(src), "-o", "out.jsonl")
    assert code == 0, out
    n = counts(out)
    assert n["in"] == n["out"] + n["dropped"] + n["rejected"]
    assert n == {"in": 10, "out": 6, "dropped": 2, "rejected": 2}
    assert per_fix(out) == {"DP301": 1, "DP302": 1, "DP505": 2, "DP403": 0, "DP506": 0, "errors": 1}
    rows = read_jsonl(here / "out.jsonl")
    assert len(rows) == n["out"]
    after = lint_here(here / "out.jsonl")
    assert not [f for f in after.findings if f.code in ("DP301", "DP302", "DP505")]
    assert not [f for f in after.findings if f.severity == "error"]
    assert f"{after.score.overall:g} ({after.score.verdict}) after" in out
    assert f"{before.score.overall:g} ({before.score.verdict}) before" in out


def test_whitespace_trimmed_in_the_reply_only(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "chat.jsonl", "-o", "out.jsonl")
    replies = {r["messages"][0]["content"]: r["messages"][-1]["content"] for r in read_jsonl(here / "out.jsonl")}
    assert replies["How many legs does a spider have?"] == "A spider has eight legs."
    assert replies["Spell the word cat."] == "C-A-T"
    assert replies["What is 2 + 2?"] == "4\n"  # one trailing newline is no DP505 problem


def test_rejects_hold_exactly_the_rejected_records(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = lint_here(here / "chat.jsonl")
    errors = {f.record for f in before.findings if f.severity == "error" and f.record is not None}
    run(capsys, "chat.jsonl", "-o", "out.jsonl")
    rejects = read_jsonl(here / "out.rejects.jsonl")
    assert {r["index"] for r in rejects} == errors == {3, 11}
    lines = (here / "chat.jsonl").read_text(encoding="utf-8").splitlines()
    for r in rejects:
        assert r["path"] == "chat.jsonl" and r["line"] == r["index"] + 1
        assert r["reasons"] and all(set(x) == {"code", "message"} for x in r["reasons"])
        if r["record"] is not None:
            assert r["record"] == json.loads(lines[r["line"] - 1])
            assert [x["code"] for x in r["reasons"]] == ["DP115"]
        else:
            assert r["text"] == lines[r["line"] - 1]  # the unreadable line, as it was
    kept = [json.dumps(r, sort_keys=True) for r in read_jsonl(here / "out.jsonl")]
    assert not any(json.dumps(r["record"], sort_keys=True) in kept for r in rejects if r["record"])


def test_unchanged_lines_are_copied_byte_for_byte(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "chat.jsonl", "-o", "out.jsonl")
    original = (here / "chat.jsonl").read_text(encoding="utf-8").splitlines()
    written = (here / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert written[0] == original[0]  # spacing kept: the diff shows only real changes
    assert [x for x in written if x in original] == [x for x in written if ", " in x]


def test_tool_calls_are_identity(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = lint_here(here / "chat.jsonl")
    assert not [f for f in before.findings if f.code == "DP301" and f.record in TOOL_RECORDS]
    code, out, _ = run(capsys, "chat.jsonl", "-o", "out.jsonl")
    assert code == 0
    calls = [r["messages"][1]["tool_calls"][0]["function"]["name"] for r in read_jsonl(here / "out.jsonl")
             if "tool_calls" in r["messages"][1]]
    assert calls == ["get_weather", "get_forecast", "get_weather"]


def test_linter_near_duplicates_respect_tool_calls(here: Path) -> None:
    found = lint_here(here / "chat.jsonl").findings
    assert not [f for f in found if f.code == "DP302" and f.record in TOOL_RECORDS]


def test_placeholder_inputs_emptied_outputs_never(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "alpaca.json", "-o", "alpaca.jsonl")
    assert code == 0, out
    rows = read_jsonl(here / "alpaca.jsonl")
    src = json.loads((here / "alpaca.json").read_text(encoding="utf-8"))
    by_instruction = {r["instruction"]: r for r in rows}
    assert by_instruction["Give three tips for staying healthy."]["input"] == ""
    assert by_instruction["Translate 'good morning' into French."]["input"] == ""
    assert by_instruction["Summarise the note."]["input"] == src[3]["input"]  # real input around it
    assert by_instruction["Say what the weather tool returned."]["output"] == "N/A"  # outputs: never
    # "No input." became "", which made the record a copy of an earlier one: a second round drops it
    assert [r["instruction"] for r in rows].count("Name a colour of the sky on a clear day.") == 1
    assert per_fix(out)["DP506"] == 3 and per_fix(out)["DP301"] == 1
    n = counts(out)
    assert n["in"] == n["out"] + n["dropped"] + n["rejected"] == 7
    assert not [f for f in lint_here(here / "alpaca.jsonl").findings if f.code == "DP301"]


def test_label_variants_canonicalised(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "labels.jsonl", "-o", "labels_fixed.jsonl", "--task", "classification")
    assert code == 0, out
    labels = [r["label"] for r in read_jsonl(here / "labels_fixed.jsonl")]
    assert labels.count("refund") == 5 and labels.count("cancel") == 5
    assert "Refund" not in labels and "cancle" not in labels
    after = lint_here(here / "labels_fixed.jsonl", task="classification")
    assert not [f for f in after.findings if f.code == "DP403" and f.severity != "info"]


def test_near_duplicates_with_other_labels_are_kept(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"text": "I transferred some money but it hasn't arrived.", "label": "transfer_not_received"},
            {"text": "I transferred some money but it hasn't arrived yet", "label": "balance_not_updated"},
            {"text": "I transferred some money but it hasn't arrived yet!", "label": "transfer_not_received"}]
    rows += [{"text": f"unrelated question number {w}", "label": lab}
             for w, lab in zip(("one", "two", "three", "four"),
                               ("balance_not_updated", "transfer_not_received") * 2)]
    (here / "near.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    found = lint_here(here / "near.jsonl", task="classification").findings
    # the linter names the relabelled near copy a label conflict, not a copy
    assert {f.record for f in found if f.code == "DP302"} == {2}
    assert 1 in {f.record for f in found if f.code == "DP402"}
    code, out, _ = run(capsys, "near.jsonl", "-o", "near_out.jsonl", "--task", "classification")
    assert code == 0, out
    texts = [r["text"] for r in read_jsonl(here / "near_out.jsonl")]
    assert rows[1]["text"] in texts  # another label: a person decides (DP402)
    assert rows[2]["text"] not in texts  # same label as the first: a copy


# ------------------------------------------------------------------ clusters and rejects


def _finding(code: str, record: int, severity: str = "warning", first: int | None = None) -> Finding:
    related = (Related("d.jsonl", first + 1, first),) if first is not None else ()
    return Finding(code, code, severity, "d.jsonl", record + 1, record, "m", None, related)  # type: ignore[arg-type]


def test_a_rejected_first_record_does_not_take_its_cluster_with_it() -> None:
    from dataprep.fixes import FIX_CODES, Item, fix_round

    texts = ["alpha beta", "alpha beta", "alpha beta", "gamma"]
    items = [Item("d.jsonl", i + 1, i, {"text": t, "n": i}, {}, None, None) for i, t in enumerate(texts)]
    result = SimpleNamespace(
        files=[{"path": "d.jsonl"}], task="generative",
        findings=[_finding("DP304", 0, "error"), _finding("DP301", 1, first=0),
                  _finding("DP301", 2, first=0), _finding("DP302", 3, "error", first=0)])
    out = fix_round([items], ["d.jsonl"], result, set(FIX_CODES), load_config(), None)
    kept = [it.data["n"] for it in out.kept[0]]
    assert kept == [1]  # the first *kept* record of the cluster stays
    assert [r["index"] for r in out.rejects] == [0]  # 2 and 3 are copies of 1, not rejects
    assert sorted((c.record, c.action) for c in out.changes) == [(0, "reject"), (2, "drop"), (3, "drop")]


# ------------------------------------------------------------------ switches


def test_only_and_skip(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat.jsonl", "-o", "only.jsonl", "--only", "dp505")
    assert code == 0
    assert per_fix(out) == {"DP505": 2}
    n = counts(out)
    # unreadable lines cannot be written back: they go to the rejects file whatever the switches
    assert n == {"in": 13, "out": 12, "dropped": 0, "rejected": 1}
    code, out, _ = run(capsys, "chat.jsonl", "-o", "skip.jsonl", "--skip", "DP301,errors", "--skip", "DP505")
    assert code == 0
    fixes = per_fix(out)
    assert "DP301" not in fixes and "errors" not in fixes and fixes["DP302"] == 1
    assert "DP301   exact duplicates dropped: skipped" in out
    rows = read_jsonl(here / "skip.jsonl")
    assert {"role": "assistant", "content": ""} in [r["messages"][-1] for r in rows]  # error record kept
    assert "  A spider has eight legs.  " in [r["messages"][-1]["content"] for r in rows]
    assert len(rows) == 13 - 1 - 1  # one near duplicate dropped, one unreadable line


def test_dry_run_writes_nothing_and_shows_changes(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(here)
    code, out, _ = run(capsys, "chat.jsonl", "--dry-run")
    assert code == 0
    assert digest(here) == before
    assert "- chat.jsonl:2  drop    DP301" in out
    assert '~ chat.jsonl:3  edit    DP505' in out and '    + "A spider has eight legs."' in out
    assert "nothing written (--dry-run)" in out
    code, out, _ = run(capsys, "chat.jsonl", "-o", "new.jsonl", "--dry-run")
    assert code == 0 and digest(here) == before


def test_input_never_modified_without_in_place(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = digest(here)
    for args in (("chat.jsonl", "-o", "a.jsonl"), ("alpaca.json", "-o", "b.jsonl"),
                 ("chat.jsonl", "labels.jsonl", "-o", "dir")):
        assert run(capsys, *args)[0] == 0
    after = digest(here)
    assert {k: after[k] for k in before} == before


def test_several_inputs_to_a_directory(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "chat.jsonl", "alpaca.json", "-o", "fixed")
    assert code == 0, out
    assert sorted(os.listdir(here / "fixed")) == ["alpaca.jsonl", "chat.jsonl"]
    assert (here / "fixed.rejects.jsonl").exists()  # beside the folder, never read as data
    n = counts(out)
    assert n["in"] == 13 + 7 == n["out"] + n["dropped"] + n["rejected"]
    (here / "a").mkdir()
    (here / "b").mkdir()
    shutil.copy(here / "chat.jsonl", here / "a" / "x.jsonl")
    shutil.copy(here / "labels.jsonl", here / "b" / "x.jsonl")
    code, _, err = run(capsys, "a/x.jsonl", "b/x.jsonl", "-o", "clash")
    assert code == 2 and "would both be written" in err and len(err.strip().splitlines()) == 1
    assert not (here / "clash").exists()


# ------------------------------------------------------------------ in place


def test_in_place_keeps_a_backup_and_refuses_to_clobber_it(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = (here / "chat.jsonl").read_bytes()
    code, out, _ = run(capsys, "chat.jsonl", "--in-place")
    assert code == 0, out
    assert (here / "chat.jsonl.bak").read_bytes() == original
    assert len(read_jsonl(here / "chat.jsonl")) == counts(out)["out"]
    assert (here / "chat.rejects.jsonl").exists()
    # a second run would overwrite the only copy of the original: refused
    code, _, err = run(capsys, "chat.jsonl", "--in-place")
    assert code == 2 and "backup" in err and len(err.strip().splitlines()) == 1
    assert (here / "chat.jsonl.bak").read_bytes() == original


def test_interrupted_in_place_leaves_the_original_intact(here: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target = str(here / "chat.jsonl")
    original = (here / "chat.jsonl").read_bytes()
    real_replace = os.replace

    def crash(src: str, dst: str) -> None:
        if os.path.abspath(dst) == target:
            raise OSError(28, "No space left on device")  # between the write and the rename
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    code, _, err = run(capsys, "chat.jsonl", "--in-place")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "No space left" in err
    assert (here / "chat.jsonl").read_bytes() == original
    assert not [p for p in os.listdir(here) if p.endswith(".tmp") or p.startswith(".dataprep-")]
    monkeypatch.setattr(os, "replace", real_replace)
    # the backup left behind is the original itself: a new run may proceed
    code, out, _ = run(capsys, "chat.jsonl", "--in-place")
    assert code == 0, out
    assert (here / "chat.jsonl.bak").read_bytes() == original
    assert (here / "chat.jsonl").read_bytes() != original


# ------------------------------------------------------------------ bad command lines


@pytest.mark.parametrize("args, words", [
    (("missing.jsonl", "-o", "o.jsonl"), "missing.jsonl"),
    (("alpaca.json", "--in-place"), "plain .jsonl"),
    (("chat.jsonl", "-o", "o.jsonl", "--in-place"), "exclude"),
    (("chat.jsonl",), "-o OUT"),
    (("chat.jsonl", "-o", "o.jsonl", "--only", "DP999"), "no fix for"),
    (("chat.jsonl", "-o", "chat.jsonl"), "is an input"),
    (("chat.jsonl", "-o", "o.jsonl", "--rejects", "chat.jsonl"), "rejects"),
])
def test_bad_command_lines_exit_2_with_one_line(here: Path, capsys: pytest.CaptureFixture[str],
                                                args: tuple[str, ...], words: str) -> None:
    before = digest(here)
    code, out, err = run(capsys, *args)
    assert code == 2, out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dataprep: error:") and words in lines[0], err
    assert digest(here) == before


def test_end_to_end_subprocess(here: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "dataprep", "fix", "chat.jsonl", "-o", "e2e.jsonl"],
                          cwd=here, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "wrote e2e.jsonl (9 records)" in proc.stdout
    assert "wrote e2e.rejects.jsonl (2 records)" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "dataprep", "fix", "nope.jsonl", "-o", "x.jsonl"],
                          cwd=here, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_trim_reply_removes_what_dp505_reports_and_nothing_else() -> None:
    from dataprep.fixes import trim_reply

    assert trim_reply("  Paris.  ", False) == "Paris."
    assert trim_reply("  Paris.\n", False) == "Paris.\n"  # one trailing newline is tolerated
    assert trim_reply("Paris.\n\n", False) == "Paris."
    assert trim_reply(" Paris.", True) == " Paris."  # legacy completions: one leading space
    assert trim_reply("\n Paris.", True) == "Paris."
    assert trim_reply("   ", False) == "   "  # a blank reply is DP115's, not a whitespace fix


def test_edits_land_in_each_layouts_own_keys(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"conversations": [{"from": "human", "value": "What is the capital of Italy?"},
                           {"from": "gpt", "value": "Rome is the capital of Italy.  "}]},
        {"instruction": "Name the largest planet.", "input": "", "output": "\nJupiter is the largest planet."},
        {"prompt": "Largest ocean:", "completion": " The Pacific Ocean."},
        {"prompt": "Longest river:", "completion": " The Nile.\n\n"},
    ]
    (here / "mixed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "mixed.jsonl", "-o", "mixed_out.jsonl")
    assert code == 0, out
    got = read_jsonl(here / "mixed_out.jsonl")
    assert got[0]["conversations"][1]["value"] == "Rome is the capital of Italy."
    assert got[1]["output"] == "Jupiter is the largest planet."
    assert got[2]["completion"] == " The Pacific Ocean."  # the legacy leading space is kept
    assert got[3]["completion"] == " The Nile."
    assert [sorted(r) for r in got] == [sorted(r) for r in rows]  # no key added or renamed


def test_mapped_label_key_is_written_back_under_its_own_name(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "dataprep.toml").write_text('ignore = ["DP2"]\n[fields]\nlabel = "intent"\n', encoding="utf-8")
    rows = [json.loads(x) for x in (here / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    (here / "intents.jsonl").write_text(
        "".join(json.dumps({"text": r["text"], "intent": r["label"]}) + "\n" for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "intents.jsonl", "-o", "intents_out.jsonl", "--task", "classification")
    assert code == 0, out
    got = read_jsonl(here / "intents_out.jsonl")
    assert all(set(r) == {"text", "intent"} for r in got)
    assert sorted({r["intent"] for r in got}) == ["cancel", "delivery", "refund"]
