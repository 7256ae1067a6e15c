"""``dataprep split``: no copy across train and eval, the requested share, labels kept."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from dataprep.api import lint
from dataprep.cli import main
from dataprep.commands.split import run_split
from dataprep.rewrite import read_records
from dataprep.sources import split_role
from dataprep.splitting import assign, eval_target, stratum_targets

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures" / "split"
INTENTS = FIX / "intents.jsonl"
INSTRUCTIONS = FIX / "instructions.jsonl"
PAIR = FIX / "pair"


def split(inputs: list[Path], out: Path, fraction: float = 0.25, **given: Any) -> dict[str, Any]:
    """Run the command as the CLI does and return its counts (printing is captured)."""
    lines: list[str] = []
    opts = {"seed": 0, "stratify": True, "dry_run": False, "force": False,
            "config_path": None, "task": None, **given}
    got = run_split([str(p) for p in inputs], fraction=fraction, out_dir=str(out),
                    echo=lines.append, **opts)
    got["lines"] = lines
    return got


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def dp304(out: Path) -> list[Any]:
    result = lint([str(out / "train.jsonl"), str(out / "eval.jsonl")])
    assert {f["split"] for f in result.files} == {"train", "eval"}
    return [f for f in result.findings if f.code == "DP304"]


def side_of(out: Path) -> dict[str, str]:
    """Record (as canonical JSON) -> "train"/"eval"; duplicates map to one side or fail."""
    seen: dict[str, str] = {}
    for side in ("train", "eval"):
        for r in rows(out / f"{side}.jsonl"):
            key = json.dumps(r, sort_keys=True)
            assert seen.setdefault(key, side) == side, f"exact copy on both sides: {key}"
    return seen


def test_output_names_are_read_as_train_and_eval() -> None:
    assert split_role("out/train.jsonl") == "train"
    assert split_role("out/eval.jsonl") == "eval"


def test_intents_no_leak_fraction_clusters_and_labels(tmp_path: Path) -> None:
    got = split([INTENTS], tmp_path, fraction=0.25)
    n = 44
    assert got["records"] == n and got["train"] + got["eval"] == n
    # clusters: lines {1, 25, 36} (exact + near), {3, 13} (exact), {5, 18} (near)
    assert got["clusters"] == 3 and got["largest"] == 3
    assert abs(got["eval"] - eval_target(n, 0.25)) <= got["largest"]
    assert dp304(tmp_path) == []
    text_side: dict[str, str] = {}
    for side in ("train", "eval"):
        for r in rows(tmp_path / f"{side}.jsonl"):
            text_side.setdefault(r["text"], side)
    source = rows(INTENTS)
    for members in ((1, 25, 36), (3, 13), (5, 18)):
        sides = {text_side[source[m - 1]["text"]] for m in members}
        assert len(sides) == 1, members
    # each label's eval count is within one record of its share
    labels = Counter(r["label"] for r in source)
    ev = Counter(r["label"] for r in rows(tmp_path / "eval.jsonl"))
    for label, count in labels.items():
        assert abs(ev[label] - count * 0.25) <= 1, (label, ev[label], count)
    summary = "\n".join(got["lines"])
    assert "3 cluster(s)" in summary and "stratified by label" in summary
    assert "card_lost" in summary


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_near_copy_chain_stays_on_one_side(tmp_path: Path, seed: int) -> None:
    # lines 1, 5, 15 are a chain: 5 is a near copy of 1, 15 of 5, but 15 is not one of 1
    findings = lint([str(INSTRUCTIONS)], select=["DP302"]).findings
    assert [(f.line, f.related[-1].line) for f in findings] == [(5, 1), (15, 5)]
    got = split([INSTRUCTIONS], tmp_path / "o", seed=seed, fraction=0.3)
    assert got["largest"] == 3
    source = rows(INSTRUCTIONS)
    where = side_of(tmp_path / "o")
    assert len({where[json.dumps(source[m - 1], sort_keys=True)] for m in (1, 5, 15)}) == 1
    assert dp304(tmp_path / "o") == []


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_copy_between_a_train_and_a_test_file_stays_together(tmp_path: Path, seed: int) -> None:
    # linted as they are, the pair has a leak that only DP304 names (DP302 compares
    # records within one split)
    before = lint([str(PAIR)]).findings
    assert [f.code for f in before if f.code.startswith("DP30")] == ["DP304"]
    got = split([PAIR / "train.jsonl", PAIR / "test.jsonl"], tmp_path / "o", seed=seed,
                fraction=0.4)
    assert got["clusters"] == 1 and got["records"] == 12
    sides = set()
    for side in ("train", "eval"):
        for r in rows(tmp_path / "o" / f"{side}.jsonl"):
            if r["messages"][0]["content"].startswith("How do I descale"):
                sides.add(side)
    assert len(sides) == 1
    assert dp304(tmp_path / "o") == []


def test_a_split_that_ignores_clusters_would_leak(tmp_path: Path) -> None:
    """The no-DP304 tests can fail: splitting record by record leaks for some seed."""
    read = read_records([str(INTENTS)])
    data = [r.data for r in read.records]
    leaked = False
    for seed in range(20):
        ev = assign([[i] for i in range(len(data))], [None] * len(data), 0.25, seed)
        out = tmp_path / str(seed)
        out.mkdir()
        for side, keep in (("train", False), ("eval", True)):
            with open(out / f"{side}.jsonl", "w", encoding="utf-8") as fh:
                for i, d in enumerate(data):
                    if (i in ev) == keep:
                        fh.write(json.dumps(d) + "\n")
        if dp304(out):
            leaked = True
            break
    assert leaked


def test_same_seed_same_bytes_other_seed_other_split(tmp_path: Path) -> None:
    split([INTENTS], tmp_path / "a", seed=7)
    split([INTENTS], tmp_path / "b", seed=7)
    split([INTENTS], tmp_path / "c", seed=8)
    for name in ("train.jsonl", "eval.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "eval.jsonl").read_bytes() != (tmp_path / "c" / "eval.jsonl").read_bytes()


def test_records_written_as_read(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    records = [{"label": ["pos", "neg"][i % 2], "id": i, "score": i / 4,
                "text": f"résumé number {i} of {['apples', 'trains', 'violins', 'rivers'][i % 4]} {i * 7919}",
                "meta": {"z": 1, "a": [1, 2.5, None, True]}}
               for i in range(30)]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    split([src], tmp_path / "o", fraction=0.2)
    out = rows(tmp_path / "o" / "train.jsonl") + rows(tmp_path / "o" / "eval.jsonl")
    assert sorted(out, key=lambda r: r["id"]) == records
    for r in out:
        assert list(r) == ["label", "id", "score", "text", "meta"]
        assert list(r["meta"]) == ["z", "a"]
    # each side keeps the input order
    for side in ("train", "eval"):
        ids = [r["id"] for r in rows(tmp_path / "o" / f"{side}.jsonl")]
        assert ids == sorted(ids)


def test_kto_desirable_share_kept(tmp_path: Path) -> None:
    src = tmp_path / "kto.jsonl"
    words = ["harbour", "lantern", "orchard", "glacier", "meadow", "canyon", "violin", "pepper",
             "compass", "thunder"]
    recs = [{"instruction": f"Write one line about a {w} in the {s}.",
             "output": f"The {w} waits quietly through the {s} number {k}.", "kto_tag": k % 4 != 0}
            for k, (w, s) in enumerate((w, s) for w in words for s in ("spring", "winter", "dusk", "rain"))]
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    got = split([src], tmp_path / "o", fraction=0.25)
    assert got["strata"] == "desirable"
    ev = rows(tmp_path / "o" / "eval.jsonl")
    assert len(ev) == 10
    assert abs(sum(not r["kto_tag"] for r in ev) - 10 * 0.25) <= 1


def test_no_stratify_and_generative_have_one_stratum(tmp_path: Path) -> None:
    got = split([INTENTS], tmp_path / "o", stratify=False, fraction=0.25)
    assert got["strata"] == "none"
    got = split([INSTRUCTIONS], tmp_path / "p", fraction=0.25)
    assert got["strata"] == "none"


def test_dry_run_writes_nothing_and_lists_eval_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    main(["split", str(INTENTS), "--eval-fraction", "0.25", "-o", str(out), "--dry-run"])
    printed = capsys.readouterr().out.splitlines()
    assert not out.exists()
    moves = [x for x in printed if x.startswith("> ")]
    assert len(moves) == 11
    assert all(" eval " in x and "intents.jsonl:" in x for x in moves)
    assert any("cluster of" in x for x in moves) or "cluster" in "\n".join(printed)
    assert any(x.strip().startswith("eval") and "11 records" in x for x in printed)


def test_left_out_records_are_counted(tmp_path: Path) -> None:
    src = tmp_path / "mixed.jsonl"
    lines = [json.dumps({"text": f"sentence {w} about the weather today", "label": ["a", "b"][i % 2]})
             for i, w in enumerate(["one", "two", "three", "four", "five", "six", "seven", "eight",
                                    "nine", "ten", "eleven", "twelve"])]
    lines.insert(3, '{"text": "broken line", ')
    lines.insert(7, json.dumps({"nothing": "known", "here": 1}))
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = split([src], tmp_path / "o", fraction=0.25)
    assert got["left_out"] == 2 and got["records"] == 12
    assert len(rows(tmp_path / "o" / "train.jsonl")) + len(rows(tmp_path / "o" / "eval.jsonl")) == 12
    summary = "\n".join(got["lines"])
    assert "left out: 1 unreadable, 1 of no known layout" in summary
    assert "mixed.jsonl:4" in summary and "mixed.jsonl:8" in summary


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


@pytest.mark.parametrize("fraction", ["0", "1", "-0.1", "1.5", "nan", "lots"])
def test_bad_fraction_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], fraction: str) -> None:
    err = _fails(capsys, "split", str(INTENTS), "--eval-fraction", fraction, "-o", str(tmp_path / "o"))
    assert "eval-fraction" in err
    assert not (tmp_path / "o").exists()


def test_bad_inputs_and_outputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "does not exist" in _fails(capsys, "split", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o"))
    assert "no input" in _fails(capsys, "split", "-o", str(tmp_path / "o"))
    assert "-o DIR" in _fails(capsys, "split", str(INTENTS))
    # an existing output is kept unless --force
    out = tmp_path / "o"
    out.mkdir()
    (out / "eval.jsonl").write_text("keep me\n", encoding="utf-8")
    assert "--force" in _fails(capsys, "split", str(INTENTS), "-o", str(out))
    assert (out / "eval.jsonl").read_text(encoding="utf-8") == "keep me\n"
    main(["split", str(INTENTS), "-o", str(out), "--force", "--eval-fraction", "0.25"])
    assert len(rows(out / "eval.jsonl")) == 11
    capsys.readouterr()
    # an input is never an output, even with --force
    inp = tmp_path / "data"
    inp.mkdir()
    (inp / "train.jsonl").write_bytes(INTENTS.read_bytes())
    err = _fails(capsys, "split", str(inp / "train.jsonl"), "-o", str(inp), "--force")
    assert "is an input file" in err
    assert (inp / "train.jsonl").read_bytes() == INTENTS.read_bytes()
    # too few records for the fraction
    small = tmp_path / "small.jsonl"
    small.write_text("".join(json.dumps({"text": f"row {w}", "label": "x"}) + "\n"
                             for w in ("alpha", "beta", "gamma")), encoding="utf-8")
    assert "no eval record" in _fails(capsys, "split", str(small), "--eval-fraction", "0.1",
                                      "-o", str(tmp_path / "s"))


def test_stratum_targets_sum_and_stay_within_one() -> None:
    counts = {"a": 17, "b": 9, "c": 5, "d": 1}
    for fraction in (0.1, 0.25, 0.33, 0.5, 0.9):
        total = eval_target(sum(counts.values()), fraction)
        got = stratum_targets(counts, total, fraction, list(counts))
        assert sum(got.values()) == total
        assert all(abs(got[k] - c * fraction) < 1 for k, c in counts.items())


def test_assign_keeps_groups_whole_and_total_within_a_group() -> None:
    groups = [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9], *[[i] for i in range(10, 40)]]
    strata = ["x"] * 40
    for seed in range(10):
        for fraction in (0.1, 0.2, 0.5):
            ev = assign(groups, strata, fraction, seed)
            for g in groups:
                assert len({i in ev for i in g}) == 1
            assert abs(len(ev) - eval_target(40, fraction)) <= math.floor(7 / 2)
    # only big groups: the total is as close as whole groups allow
    ev = assign([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [None] * 12, 0.25, 0)
    assert len(ev) == 4


def _labelled(path: Path, labels: int, per_label: int) -> None:
    nouns = ["harbour", "lantern", "orchard", "glacier", "meadow", "canyon", "violin", "pepper",
             "compass", "thunder", "saddle", "quartz", "biscuit", "tundra", "falcon", "mosaic"]
    verbs = ["paint", "measure", "repair", "borrow", "describe", "photograph", "ship", "inspect",
             "clean", "insure", "rent", "weigh"]
    recs = [{"text": f"Could you {verbs[k % len(verbs)]} the {nouns[(k * 5 + lab) % len(nouns)]} "
                     f"for customer {lab * 1000 + k * 37}?",
             "label": f"intent_{lab}"}
            for lab in range(labels) for k in range(per_label)]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")


def test_stratified_labels_hit_their_share_exactly(tmp_path: Path) -> None:
    src = tmp_path / "labels.jsonl"
    _labelled(src, labels=8, per_label=10)
    exact_everywhere = []
    for seed in range(4):
        for stratify in (True, False):
            out = tmp_path / f"{seed}-{stratify}"
            got = split([src], out, fraction=0.2, seed=seed, stratify=stratify)
            assert got["clusters"] == 0 and got["eval"] == 16
            ev = Counter(r["label"] for r in rows(out / "eval.jsonl"))
            exact = all(ev[f"intent_{lab}"] == 2 for lab in range(8))
            if stratify:
                assert exact, ev
            else:
                exact_everywhere.append(exact)
    # a split that does not stratify misses some label's share: the check above can fail
    assert not all(exact_everywhere)


def test_group_prompts_keeps_same_prompt_records_together(tmp_path: Path) -> None:
    def chat(q: str, a: str) -> dict[str, Any]:
        return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}

    topics = ["a lighthouse", "a volcano", "the printing press", "honeybees", "the moon landing",
              "glass blowing", "coral reefs", "the first bicycle", "paper money", "the compass",
              "wind turbines", "tea ceremonies", "the telescope", "sourdough bread", "chess openings",
              "migrating geese", "the steam engine", "origami cranes"]
    recs = [chat(f"Tell me one surprising fact about {t}.", f"Here is a fact about {t}: it is older than most people think.")
            for t in topics]
    recs.insert(4, chat("What is the capital of Australia?", "Canberra."))
    recs.insert(11, chat("What is the capital of Australia?", "Sydney is the largest city, but the capital is Canberra."))
    src = tmp_path / "chat.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    plain = split([src], tmp_path / "plain", fraction=0.2)
    assert plain["clusters"] == 0  # not a DP304 copy: the replies differ
    for seed in range(4):
        out = tmp_path / str(seed)
        got = split([src], out, fraction=0.2, seed=seed, group_prompts=True)
        assert got["clusters"] == 1 and got["largest"] == 2
        sides = {side for side in ("train", "eval") for r in rows(out / f"{side}.jsonl")
                 if "Australia" in r["messages"][0]["content"]}
        assert len(sides) == 1


def test_label_table_lists_the_furthest_labels_and_sums_up_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from dataprep.commands import split as split_cmd

    monkeypatch.setattr(split_cmd, "SHOW_STRATA", 1)
    main(["split", str(INTENTS), "--eval-fraction", "0.25", "-o", str(tmp_path / "o"), "--dry-run"])
    printed = capsys.readouterr().out.splitlines()
    head = next(i for i, x in enumerate(printed) if "eval share" in x)
    assert len([x for x in printed[head + 1:] if x.strip()[:1].isalnum()
                and x.strip().split()[-1].startswith("0.")]) == 1
    assert any(x.strip().startswith("... 2 more, each within") for x in printed)


def test_a_failed_write_leaves_no_half_new_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both files are written before either is renamed: a failure while writing the
    second leaves the earlier pair exactly as it was, and no temporary file."""
    import dataprep.rewrite as rewrite

    out = tmp_path / "o"
    split([INTENTS], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = rewrite._stage
    calls = []

    def failing(path: str, rows: Any) -> Any:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(path, rows)

    monkeypatch.setattr(rewrite, "_stage", failing)
    with pytest.raises(SystemExit) as exc:
        main(["split", str(INTENTS), "--eval-fraction", "0.25", "--seed", "3", "-o", str(out),
              "--force"])
    assert exc.value.code == 2 and len(calls) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
