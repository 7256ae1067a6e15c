"""Evaluate the label-noise rules on injected noise: DP404 (likely mislabelled), DP401/DP402.

Not part of the test suite: it trains many models and takes a few minutes.  It prints
tables and asserts nothing; see ``benchmarks/README.md`` for what it does and the targets.

    python benchmarks/eval_label_noise.py                 # everything
    python benchmarks/eval_label_noise.py --skip-timing   # quality only
    python benchmarks/eval_label_noise.py --banking77 PATH

banking77 is read from ``../shared/realdata/banking77/banking77_train.jsonl`` next to the
checkout unless ``--banking77`` says otherwise; noisy copies are written to a temporary
folder and removed, never into the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))  # also when imported by a test

import numpy as np

from dataprep import labelmodel
from dataprep.api import lint
from tables import markdown_table
from dataprep.dedup.minhash import jaccard
from dataprep.dedup.shingles import kinds_for, shingle, word_hashes
from dataprep.normalize import normalize
from dataprep.records import SEPARATORS

DEFAULT_BANKING77 = REPO.parent / "shared" / "realdata" / "banking77" / "banking77_train.jsonl"
KINDS = ("uniform", "confusion", "confusable", "ambiguous")
#: class-conditional noise kinds and their target: recall at most flags per injected error
CLASS_CONDITIONAL = ("confusion", "confusable")
CC_RECALL = 0.6
CC_FLAGS = 1.5
#: the public sets ``--data`` may hold (NAME.jsonl), banking77 first
SET_NAMES = ("banking77", "clinc150", "hwu64", "snips")
#: injected near copies must reach this shingle Jaccard (DP302's threshold is 0.8; the
#: margin keeps MinHash's estimate from deciding the outcome)
NEAR_MIN_JACCARD = 0.85
#: "about a minute" for 25,000 texts of about 230 words on two cores
TIMING_TARGET_S = 60
_MESSAGE = re.compile(r"^label (.+) is likely wrong: .* suggests (.+) \(label quality ([<0-9. ]+); suspect (\d+) of")


# ------------------------------------------------------------------ data


@dataclass
class Dataset:
    name: str
    texts: list[str]
    labels: list[str]
    classes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.classes = sorted(set(self.labels))


def load_jsonl(path: Path) -> Dataset:
    texts, labels = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                texts.append(d["text"])
                labels.append(str(d["label"]))
    return Dataset(path.stem.split("_")[0], texts, labels)


_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "da", "zu", "ri", "mo", "fa",
              "gen", "tor", "bel", "sun", "var", "lin", "ost", "ed", "un", "ar")
_TOPICS = ("billing", "delivery", "returns", "account", "technical")


def synthetic(n: int, words: int, seed: int, topic_share: float = 0.2) -> Dataset:
    """Seeded documents of five topics whose vocabularies overlap.

    Every word is a Zipf-distributed background word, except a ``topic_share`` of them
    drawn from the topic's 150 keywords; neighbouring topics share 50 keywords, so the
    classes blur into each other (a clean 5-fold model is right about 92 % of the time
    at 40 words per document).
    """
    rng = random.Random(seed)
    vocab: set[str] = set()
    while len(vocab) < 3000:
        vocab.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))))
    words_list = sorted(vocab)
    rng.shuffle(words_list)
    weights = [1.0 / (i + 1) ** 1.05 for i in range(len(words_list))]
    keywords = words_list[300 : 300 + 100 * len(_TOPICS)]
    topic_words = [(keywords + keywords[:50])[t * 100 : t * 100 + 150] for t in range(len(_TOPICS))]
    texts, labels = [], []
    for _ in range(n):
        t = rng.randrange(len(_TOPICS))
        length = max(5, int(rng.gauss(words, words * 0.25)))
        background = iter(rng.choices(words_list, weights, k=length))
        texts.append(" ".join(rng.choice(topic_words[t]) if rng.random() < topic_share else next(background)
                              for _ in range(length)))
        labels.append(_TOPICS[t])
    return Dataset(f"synthetic-{words}w", texts, labels)


# ------------------------------------------------------------------ public sets
#
# Each public set is converted once from its own repository's files to ``NAME.jsonl``
# (``{"text", "label"}`` per line) in a folder outside the checkout; ``--data`` names it.
# Where each comes from and its license: benchmarks/README.md.

#: name -> what ``--prepare NAME=PATH`` expects PATH to be
PUBLIC_SETS = {
    "clinc150": "clinc/oos-eval's data/data_full.json (its 'train' part, 150 intents)",
    "hwu64": "xliuhw/NLU-Evaluation-Data's KFold_1 folder (trainset/*.csv and testset/csv/*.csv)",
    "snips": "sonos/nlu-benchmark's 2017-06-custom-intent-engines folder (train_*_full.json)",
}


def _clinc150(src: Path) -> list[tuple[str, str]]:
    data = json.loads(src.read_text(encoding="utf-8"))
    return [(text, label) for text, label in data["train"]]


def _hwu64(src: Path) -> list[tuple[str, str]]:
    """Annotated utterances of one cross-validation fold's train and test part: 64 intents."""
    out = []
    for path in sorted([*src.glob("trainset/*.csv"), *src.glob("testset/csv/*.csv")]):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter=";"):
                text = (row.get("answer_from_anno") or "").strip()
                if text and row.get("scenario") and row.get("intent"):
                    out.append((text, f"{row['scenario']}_{row['intent']}"))
    return out


def _snips(src: Path) -> list[tuple[str, str]]:
    """The seven intents' full training files; an utterance is the concatenation of its spans."""
    out = []
    for path in sorted(src.glob("*/train_*_full.json")):
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        for intent, utterances in data.items():
            for u in utterances:
                text = "".join(span.get("text", "") for span in u.get("data", ())).strip()
                if text:
                    out.append((text, intent))
    return out


_READERS = {"clinc150": _clinc150, "hwu64": _hwu64, "snips": _snips}


def prepare(specs: Sequence[str], out: Path) -> int:
    """Convert ``NAME=PATH`` sources to ``out/NAME.jsonl``; 2 when a spec is unusable."""
    out.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        name, _, src = spec.partition("=")
        if name not in _READERS or not src:
            print(f"--prepare takes NAME=PATH with NAME one of {', '.join(_READERS)}", file=sys.stderr)
            return 2
        try:
            pairs = _READERS[name](Path(src))
        except (OSError, ValueError, KeyError) as exc:
            print(f"{name}: cannot read {src} ({exc}); expected {PUBLIC_SETS[name]}", file=sys.stderr)
            return 2
        if not pairs:
            print(f"{name}: nothing found in {src}; expected {PUBLIC_SETS[name]}", file=sys.stderr)
            return 2
        write_jsonl(out / f"{name}.jsonl", [t for t, _ in pairs], [lab for _, lab in pairs])
        print(f"{name}: {len(pairs)} records, {len({lab for _, lab in pairs})} labels -> "
              f"{out / (name + '.jsonl')}", file=sys.stderr)
    return 0


def write_jsonl(path: Path, texts: Sequence[str], labels: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
                      for t, lab in zip(texts, labels))


# ------------------------------------------------------------------ noise


def clean_probabilities(ds: Dataset, seed: int) -> np.ndarray:
    """Out-of-fold class probabilities of the clean data (DP404's model, one round)."""
    number = {c: i for i, c in enumerate(ds.classes)}
    y = np.array([number[x] for x in ds.labels])
    return labelmodel.out_of_fold_probabilities(ds.texts, y.tolist(), len(ds.classes), seed=seed)


def confusion_rows(ds: Dataset, probs: np.ndarray) -> np.ndarray:
    """Row c: where a model trained without them sends the records of class c when it is wrong.

    The counts of the cross-validated model's wrong predictions per true class, normalised;
    a class it never gets wrong takes its records' mean probability of the other classes.
    """
    number = {c: i for i, c in enumerate(ds.classes)}
    y = np.array([number[x] for x in ds.labels])
    k = len(ds.classes)
    pred = probs.argmax(axis=1)
    rows = np.zeros((k, k))
    np.add.at(rows, (y[pred != y], pred[pred != y]), 1.0)
    for c in range(k):
        if rows[c].sum() == 0:
            rows[c] = probs[y == c].mean(axis=0)
            rows[c, c] = 0.0
        rows[c] /= rows[c].sum()
    return rows


def flip(ds: Dataset, rate: float, kind: str, probs: np.ndarray, seed: int) -> tuple[list[str], set[int]]:
    """Labels with ``rate`` of them flipped (seeded); ``probs`` are the clean data's out-of-fold ones.

    - ``uniform``: random records, each to a random other label;
    - ``confusion``: random records, each to a label drawn from its class's row of the
      model's confusion (class-conditional noise toward the classes a model confuses);
    - ``confusable``: random records, each to the one label its class is confused with
      most (all of a class's flips agree, so they teach the model a consistent rule);
    - ``ambiguous``: records drawn with weight 1 - p(their label) (the texts a model
      finds ambiguous), each to a label drawn from its own probabilities of the others.
    """
    rng = np.random.default_rng(seed)
    n, k = len(ds.labels), len(ds.classes)
    number = {c: i for i, c in enumerate(ds.classes)}
    y = np.array([number[x] for x in ds.labels])
    m = round(rate * n)
    if kind == "ambiguous":
        weight = 1.0 - probs[np.arange(n), y] + 1e-9
        chosen = np.sort(rng.choice(n, m, replace=False, p=weight / weight.sum()))
    else:
        chosen = np.sort(rng.choice(n, m, replace=False))
    rows = confusion_rows(ds, probs) if kind in ("confusion", "confusable") else None
    if rows is not None and kind == "confusable":
        rows = (rows == rows.max(axis=1, keepdims=True)) & (rows > 0)
        rows = rows / rows.sum(axis=1, keepdims=True)
    labels = list(ds.labels)
    for i in chosen:
        if kind == "uniform":
            row = np.ones(k)
        elif rows is not None:
            row = rows[y[i]].copy()
        else:
            row = probs[i].copy()
        row[y[i]] = 0.0
        if row.sum() <= 0:
            row = np.ones(k)
            row[y[i]] = 0.0
        labels[i] = ds.classes[int(rng.choice(k, p=row / row.sum()))]
    return labels, {int(i) for i in chosen}


def plain_recipe(texts: Sequence[str], labels: Sequence[str], seed: int) -> set[int]:
    """The issue's baseline: TF-IDF, logistic regression, cleanlab ``find_label_issues`` defaults.

    Out-of-fold probabilities from five stratified folds, every setting at its library
    default (``max_iter`` raised so that lbfgs converges on many classes).
    """
    from cleanlab.filter import find_label_issues
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    classes = sorted(set(labels))
    number = {c: i for i, c in enumerate(classes)}
    y = np.array([number[x] for x in labels])
    x = TfidfVectorizer().fit_transform(texts)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    probs = cross_val_predict(LogisticRegression(max_iter=1000), x, y, cv=folds, method="predict_proba")
    return {int(i) for i in np.flatnonzero(find_label_issues(y, probs))}


def _shingles(text: str) -> dict[str, np.ndarray]:
    norm = normalize(text.translate(SEPARATORS))
    words = word_hashes(norm)
    return {k: shingle(norm, k, words) for k in kinds_for(len(words))}


def near_similarity(a: str, b: str) -> float:
    """The shingle Jaccard DP302 verifies with (best over the shingle kinds both texts get)."""
    sa, sb = _shingles(a), _shingles(b)
    return max((jaccard(sa[k], sb[k]) for k in sa.keys() & sb.keys()), default=0.0)


_FILLERS = ("please", "thanks", "now", "again", "today", "asap", "thank you")


def _edits(text: str, rng: random.Random) -> list[str]:
    """Small edits of a text: a word added or dropped, a letter doubled, dropped or swapped."""
    words = text.split()
    out = [f"{text} {rng.choice(_FILLERS)}", f"{rng.choice(('hi', 'hello', 'hey'))} {text}"]
    if len(words) > 8:
        k = rng.randrange(len(words))
        out.append(" ".join(words[:k] + words[k + 1 :]))
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if letters:
        i = rng.choice(letters)
        out += [text[:i] + text[i] + text[i:], text[:i] + text[i + 1 :]]
        if i + 1 < len(text) and text[i + 1].isalpha() and text[i + 1] != text[i]:
            out.append(text[:i] + text[i + 1] + text[i] + text[i + 2 :])
    rng.shuffle(out)
    return out


@dataclass
class Conflicts:
    texts: list[str]
    labels: list[str]
    exact: set[int]
    near: set[int]
    near_jaccard: list[float]


def inject_conflicts(ds: Dataset, n_exact: int, n_near: int, seed: int) -> Conflicts:
    """The clean data plus copies of existing texts with another label, each after its original.

    Exact copies are the text verbatim or with case and spacing changed (the same after
    normalisation); near copies carry one small edit and reach ``NEAR_MIN_JACCARD``
    with dataprep's own shingles, and are no exact copy of any text.
    """
    rng = random.Random(seed)
    norms = {normalize(t) for t in ds.texts}
    order = list(range(len(ds.texts)))
    rng.shuffle(order)
    planned: dict[int, list[tuple[str, str, str]]] = {}
    jaccards: list[float] = []
    n_ex = n_ne = 0
    for i in order:
        if n_ex >= n_exact and n_ne >= n_near:
            break
        text, label = ds.texts[i], ds.labels[i]
        other = rng.choice([c for c in ds.classes if c != label])
        if n_ex < n_exact:
            copy = text if n_ex % 2 == 0 else "  " + text.upper().replace(" ", "   ")
            planned.setdefault(i, []).append((copy, other, "exact"))
            n_ex += 1
            continue
        for cand in _edits(text, rng):
            nc = normalize(cand)
            if nc in norms or not nc:
                continue
            sim = near_similarity(text, cand)
            if sim >= NEAR_MIN_JACCARD:
                planned.setdefault(i, []).append((cand, other, "near"))
                norms.add(nc)
                jaccards.append(sim)
                n_ne += 1
                break
    texts: list[str] = []
    labels: list[str] = []
    exact: set[int] = set()
    near: set[int] = set()
    for i, (t, lab) in enumerate(zip(ds.texts, ds.labels)):
        texts.append(t)
        labels.append(lab)
        for copy, other, kind in planned.get(i, ()):
            (exact if kind == "exact" else near).add(len(texts))
            texts.append(copy)
            labels.append(other)
    return Conflicts(texts, labels, exact, near, jaccards)


# ------------------------------------------------------------------ running dataprep


def run(path: Path, select: list[str], cwd: Path) -> tuple[Any, float]:
    start = time.perf_counter()
    res = lint([str(path)], select=select, task="classification", cwd=cwd)
    return res, time.perf_counter() - start


def record_findings(res: Any, code: str) -> list[Any]:
    return [f for f in res.findings if f.code == code and f.record is not None]


def precision_recall(found: set[int], truth: set[int]) -> tuple[float, float]:
    tp = len(found & truth)
    return (tp / len(found) if found else 1.0), (tp / len(truth) if truth else 1.0)


def _ratio(found: set[int], truth: set[int]) -> str:
    return f"{len(found) / len(truth):.2f}" if truth else "-"


def _target_verdict(name: str, kind: str, rate: float, p: float, r: float, ratio: float) -> tuple[str, str]:
    """(target, PASS/FAIL) of one DP404 row; empty when the row has no target."""
    if (name, kind, rate) == ("banking77", "uniform", 0.15):
        return "P >= 0.8, R >= 0.8", "PASS" if p >= 0.8 and r >= 0.8 else "FAIL"
    if kind in CLASS_CONDITIONAL and not name.startswith("synthetic"):
        return (f"R >= {CC_RECALL}, flags <= {CC_FLAGS}x",
                "PASS" if r >= CC_RECALL and ratio <= CC_FLAGS else "FAIL")
    return "", ""


def eval_flips(datasets: Sequence[Dataset], tmp: Path, seed: int, rates: Sequence[float],
               kinds: Sequence[str], plain: bool) -> None:
    print("\n## DP404 on injected label flips, beside the plain recipe\n")
    rows = []
    for ds in datasets:
        probs = clean_probabilities(ds, seed)
        for kind in kinds:
            for rate in rates:
                labels, flipped = flip(ds, rate, kind, probs, seed)
                path = tmp / f"{ds.name}-{kind}-{rate}.jsonl"
                write_jsonl(path, ds.texts, labels)
                res, secs = run(path, ["DP404"], tmp)
                found = {f.record for f in record_findings(res, "DP404")}
                p, r = precision_recall(found, flipped)
                target, verdict = _target_verdict(ds.name, kind, rate, p, r, len(found) / max(1, len(flipped)))
                row = [ds.name, len(ds.texts), len(ds.classes), kind, f"{rate:.0%}", len(flipped),
                       f"{p:.3f}", f"{r:.3f}", _ratio(found, flipped), f"{secs:.1f}"]
                if plain:
                    start = time.perf_counter()
                    base = plain_recipe(ds.texts, labels, seed)
                    bp, br = precision_recall(base, flipped)
                    row += [f"{bp:.3f}", f"{br:.3f}", _ratio(base, flipped), f"{time.perf_counter() - start:.1f}"]
                rows.append(row + [target, verdict])
                print(f"  {ds.name} {kind} {rate:.0%}: DP404 P {p:.3f} R {r:.3f} ({secs:.1f} s)"
                      + (f", plain P {bp:.3f} R {br:.3f}" if plain else ""), file=sys.stderr)
    header = ["dataset", "records", "labels", "noise", "rate", "injected", "DP404 P", "DP404 R",
              "DP404 flags/inj", "DP404 s"]
    if plain:
        header += ["plain P", "plain R", "plain flags/inj", "plain s"]
    print(markdown_table(header + ["target (DP404)", ""], rows))
    print("\n(P: share of flagged records that were flipped; R: share of flipped records flagged; "
          "flags/inj: records flagged per flipped record. plain: TF-IDF + logistic regression + "
          "cleanlab find_label_issues defaults, five folds. DP404 s is the whole lint call.)")


def eval_conflicts(datasets: Sequence[Dataset], tmp: Path, seed: int, n: int) -> None:
    print("\n## DP401 / DP402 on injected copies with another label (recall)\n")
    rows = []
    for ds in datasets:
        c = inject_conflicts(ds, n, n, seed)
        path = tmp / f"{ds.name}-conflicts.jsonl"
        write_jsonl(path, c.texts, c.labels)
        res, secs = run(path, ["DP401", "DP402", "DP404"], tmp)
        dp401 = {f.record for f in record_findings(res, "DP401")}
        dp402 = {f.record for f in record_findings(res, "DP402")}
        injected = c.exact | c.near
        for name, truth, found in (("exact copies", c.exact, dp401), ("near copies", c.near, dp402),
                                   ("either", injected, dp401 | dp402)):
            _, r = precision_recall(found, truth)
            verdict = "PASS" if r >= 1.0 else "FAIL"
            rows.append([ds.name, name, len(truth), len(found & truth), f"{r:.3f}",
                         ">= 1.0" if name != "either" else "", verdict if name != "either" else "",
                         len((dp401 | dp402) - injected) if name == "either" else "", f"{secs:.1f}"])
        if c.near_jaccard:
            print(f"  {ds.name}: near copies' Jaccard min {min(c.near_jaccard):.3f}, "
                  f"median {float(np.median(c.near_jaccard)):.3f}", file=sys.stderr)
    print(markdown_table(["dataset", "injected", "records", "found", "recall", "target", "",
                  "DP401/402 on other records", "lint s"], rows))
    print("\n(DP401 is counted on exact copies, DP402 on near copies; \"other records\" are "
          "findings on records nobody injected: conflicts the data already had.)")


_CHILD = """
import resource, sys, time
from pathlib import Path
t = time.perf_counter()
from dataprep.api import lint
r = lint([sys.argv[1]], select=["DP404"], task="classification", cwd=Path(sys.argv[2]))
secs = time.perf_counter() - t
found = sum(1 for f in r.findings if f.code == "DP404" and f.record is not None)
try:  # stop the model's worker processes so that their peak is counted below
    from joblib.externals.loky import get_reusable_executor
    get_reusable_executor().shutdown(wait=True)
except Exception:
    pass
own = "n/a"
try:
    with open("/proc/self/status") as fh:
        own = next(ln.split()[1] for ln in fh if ln.startswith("VmHWM:"))
except OSError:
    pass
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(secs, found, own, workers)
"""


def _mb(kb: str | int) -> str:
    return "n/a" if kb in ("n/a", 0, "0") else f"{int(kb) / 1024:.0f}"


def eval_timing(tmp: Path, seed: int, n: int, words: int) -> None:
    """Lint a synthetic file with DP404 alone in a fresh process: wall time and peak memory."""
    print(f"\n## DP404 cost: {n:,} synthetic texts of about {words} words\n")
    ds = synthetic(n, words, seed)
    path = tmp / "timing.jsonl"
    write_jsonl(path, ds.texts, ds.labels)
    mean_words = sum(len(t.split()) for t in ds.texts) / len(ds.texts)
    mb = path.stat().st_size / 1e6
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH")))))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(tmp)], capture_output=True,
                          text=True, env=env, cwd=tmp, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or len(proc.stdout.split()) != 4:
        print(f"ERROR: the timing run failed (exit {proc.returncode}): {proc.stderr[-500:]}")
        return
    inner, found, own, workers = proc.stdout.split()
    verdict = ("PASS" if wall <= TIMING_TARGET_S else "FAIL") if (n, words) == (25_000, 230) else ""
    print(markdown_table(["records", "mean words", "file MB", "labels", "wall s", "records/s", "lint s",
                  "peak RSS MB", "workers' peak MB", "DP404 findings", f"target <= {TIMING_TARGET_S} s"],
                 [[n, f"{mean_words:.0f}", f"{mb:.1f}", len(ds.classes), f"{wall:.1f}", f"{n / wall:,.0f}",
                   f"{float(inner):.1f}", _mb(own), _mb(workers), found, verdict]]))
    print(f"\n(a fresh `python` running `lint(select=[\"DP404\"])`; wall and records/s include "
          f"start-up, `lint s` is the import and the call alone; {os.cpu_count()} CPU(s). Peak RSS is "
          "the process's own VmHWM; the workers' peak is `ru_maxrss` of the model's worker "
          "processes, an upper bound since it starts at the RSS of the process they were "
          "forked from.)")


def eval_unmodified(path: Path, tmp: Path, shown: int = 5) -> None:
    print(f"\n## banking77 train, unmodified ({path.name})\n")
    with open(path, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    res, secs = run(path, ["DP404"], tmp)
    found = sorted(record_findings(res, "DP404"), key=lambda f: _rank(f.message))
    print(f"{len(found)} DP404 findings among {len(texts)} records ({secs:.1f} s).\n")
    picks = found[:shown]
    rest = found[shown:]
    if rest:
        picks += sorted(random.Random(0).sample(rest, min(shown, len(rest))), key=lambda f: _rank(f.message))
    rows = []
    for f in picks:
        m = _MESSAGE.match(f.message)
        given, suggested, quality, rank = m.groups() if m else ("?", "?", "?", "?")
        rows.append([rank, f.line, texts[f.record], given, suggested, quality])
    print(f"The {shown} most likely errors, then {shown} drawn at random (seed 0) from the rest:\n")
    print(markdown_table(["rank", "line", "text", "given", "suggested", "quality"], rows))


def _rank(message: str) -> int:
    m = _MESSAGE.match(message)
    return int(m.group(4)) if m else 1 << 30


def load_sets(data: Path | None, banking77: Path, names: Sequence[str]) -> list[Dataset]:
    """The public sets asked for that exist; one line on stderr for each one that does not."""
    out = []
    for name in names:
        path = data / f"{name}.jsonl" if data is not None else None
        if name == "banking77" and (path is None or not path.is_file()):
            path = banking77
        if path is None or not path.is_file():
            how = PUBLIC_SETS.get(name, "banking77 train as JSONL")
            print(f"{name}: skipped, no {name}.jsonl in {data or '(no --data)'} "
                  f"(build it with --prepare {name}=PATH from {how})", file=sys.stderr)
            continue
        ds = load_jsonl(path)
        ds.name = name
        out.append(ds)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, help="folder of NAME.jsonl public sets ({\"text\", \"label\"} lines)")
    ap.add_argument("--prepare", action="append", default=[], metavar="NAME=PATH",
                    help=f"convert a public set's source files into --data and stop ({', '.join(PUBLIC_SETS)})")
    ap.add_argument("--sets", default=",".join(SET_NAMES), help="public sets to run, comma-separated")
    ap.add_argument("--noise", default=",".join(KINDS), help="noise kinds, comma-separated")
    ap.add_argument("--rates", default="0.15", help="shares of labels flipped, comma-separated")
    ap.add_argument("--no-plain", action="store_true", help="skip the plain recipe beside DP404")
    ap.add_argument("--banking77", type=Path, default=DEFAULT_BANKING77, help="banking77 train JSONL")
    ap.add_argument("--seed", type=int, default=1, help="seed of the noise and the synthetic data")
    ap.add_argument("--synthetic-records", type=int, default=4000, help="0: no synthetic set")
    ap.add_argument("--synthetic-words", type=int, default=40)
    ap.add_argument("--conflicts", type=int, default=200, help="exact and near copies injected (each)")
    ap.add_argument("--timing-records", type=int, default=25_000)
    ap.add_argument("--timing-words", type=int, default=230)
    ap.add_argument("--skip-conflicts", action="store_true")
    ap.add_argument("--skip-timing", action="store_true")
    ap.add_argument("--skip-unmodified", action="store_true")
    args = ap.parse_args(argv)
    if args.prepare:
        if args.data is None:
            print("--prepare needs --data (the folder to write to)", file=sys.stderr)
            return 2
        return prepare(args.prepare, args.data)
    kinds = [k for k in args.noise.split(",") if k]
    if not set(kinds) <= set(KINDS):
        print(f"--noise takes {', '.join(KINDS)}", file=sys.stderr)
        return 2
    rates = [float(r) for r in args.rates.split(",") if r]
    if not labelmodel.available():
        print("needs the 'labels' extra: pip install 'dataprep-lint[labels]'", file=sys.stderr)
        return 2
    datasets = load_sets(args.data, args.banking77, [n for n in args.sets.split(",") if n])
    if args.synthetic_records > 0:
        datasets.append(synthetic(args.synthetic_records, args.synthetic_words, args.seed))
    if not datasets:
        print("nothing to run: no public set found and --synthetic-records 0", file=sys.stderr)
        return 2
    print("# Label-noise evaluation (DP401, DP402, DP404)")
    print(f"seed {args.seed}; datasets: " + ", ".join(f"{d.name} ({len(d.texts)} records, "
                                                      f"{len(d.classes)} labels)" for d in datasets))
    with tempfile.TemporaryDirectory(prefix="dataprep-eval-") as tmpdir:
        tmp = Path(tmpdir)
        eval_flips(datasets, tmp, args.seed, rates, kinds, not args.no_plain)
        if not args.skip_conflicts:
            eval_conflicts(datasets, tmp, args.seed, args.conflicts)
        if not args.skip_timing:
            eval_timing(tmp, args.seed, args.timing_records, args.timing_words)
        if not args.skip_unmodified and args.banking77.is_file():
            eval_unmodified(args.banking77, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
