"""The label model of DP404: out-of-fold class probabilities, then confident learning.

A label is suspicious when a model that never saw the record, trained on the rest of the
dataset, is confident it belongs elsewhere.  The probabilities come from k-fold cross
validation (every record is predicted by the fold model that did not train on it) and
``cleanlab`` decides which disagreements are label errors rather than model errors: it
estimates per-class thresholds and noise rates from the whole dataset instead of a fixed
cut-off, so a hard class does not flood the report.

The recipe, and why.  Numbers: banking77 train (10,003 short texts, 77 labels) with 15 %
of labels flipped to a random other label, mean of two noise seeds, precision / recall
of the flipped records among the flagged ones; the issue's plain recipe (TF-IDF, logistic
regression, ``find_label_issues`` defaults) measured 0.78 / 0.81.

- features: TF-IDF of word 1-2-grams plus ``char_wb`` 2-5-grams side by side.  With the
  same classifier words alone gave 0.85 / 0.80, characters alone 0.85 / 0.81, both
  0.88 / 0.81: characters catch typos and word forms that short texts depend on;
- classifier: a linear SVM (liblinear, C 0.3) whose margins become probabilities by a
  softmax with a temperature fitted on the out-of-fold scores, averaged with multinomial
  naive Bayes calibrated the same way: 0.91 / 0.80, better than either alone (SVM 0.88,
  NB 0.90 precision).  Logistic regression (lbfgs, C 3 / 10 / 30) reached 0.89 / 0.79,
  0.85 / 0.80 and 0.80 / 0.83 but took 45-90 s against the SVM's 7 s; SGD and ridge
  classifiers were both slower and worse;
- ``filter_by="both"``: cleanlab's default (``prune_by_noise_rate``) found a few more
  flips (recall 0.82 vs 0.80) at lower precision (0.83 vs 0.91; with 5 % flips 0.66 vs
  0.80); ``confident_learning`` alone missed more (recall 0.69);
- cleanlab's estimate of *how many* labels are wrong runs low when the noise spreads over
  many classes, so every record whose given label gets less than ``LOW_QUALITY`` (1 %)
  of the calibrated probability while another label wins is flagged too: recall 0.81
  -> 0.94 at precision 0.93 (thresholds 0.5 %, 2 %, 5 % gave 0.93 / 0.89, 0.91 / 0.97,
  0.84 / 0.99);
- a second round: the records flagged in the first are left out of the training folds
  and the probabilities computed again, so the model stops learning the flips it found.
  It doubles the training cost and mostly helps flips toward a confusable class
  (precision 0.78 -> 0.86 at the same recall).
- five folds: ten gave +0.01 precision for twice the time.

Realistic noise (``benchmarks/eval_label_noise.py``, 15 % flipped, seed 1; P / R / flags
per flipped record).  *confusion*: each flip drawn from its class's row of a clean
cross-validated model's confusion; *confusable*: always to the class confused most;
*ambiguous*: records drawn by how unsure that model is of them, flipped to a label
drawn from their own probabilities.

    set (labels)       uniform          confusion        confusable       ambiguous
    banking77 (77)   .93/.94/1.01x    .89/.84/0.94x    .85/.79/0.93x    .83/.23/0.28x
    clinc150 (150)   .95/.98/1.03x    .92/.87/0.94x    .92/.83/0.91x    .98/.31/0.32x
    hwu64 (64)       .89/.92/1.04x    .83/.85/1.02x    .80/.77/0.96x    .81/.25/0.30x
    snips (7)        .98/.93/0.95x    .97/.88/0.91x    .97/.87/0.91x    1.0/.20/0.20x

The plain recipe reached .64-.90 precision at similar recall on the three intent sets
(banking77 confusion .72 / .81 at 1.13x).  Class-conditional flips are found nearly as
well as uniform ones, so the recipe above was kept.
Ambiguous flips are the hard case, and the ranking is not what fails: the first n
records by label quality (n = the flips) hold 0.70 (banking77), 0.69 (hwu64) and 0.91
(snips) of them.  The count fails: cleanlab estimates 0.24-0.35x of the flips (its
calibrated estimate too), since a flip toward a label the text half supports rarely
passes another class's threshold.  Larger budgets only trade precision for recall at
the same rate on every kind (LOW_QUALITY 3 %: banking77 ambiguous R .23 -> .32 but
uniform P .93 -> .89; cleanlab's calibrated count as the budget: uniform P .90 R .99),
so the flags stay cautious and the ranked suspects are the place to look further.

Everything is seeded, and the same data gives the same findings.  Large inputs use two
worker processes (``N_JOBS``) for the feature blocks and the SVM folds: each fold is its
own seeded liblinear run in its own process, so the result does not depend on it
(threads would share liblinear's process-wide random state and are not reproducible).
scikit-learn, scipy and cleanlab are imported only inside the functions: they are the
optional ``labels`` extra.
"""

from __future__ import annotations

import importlib.util
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: word n-grams read at most this many characters of a text (a long document's label is
#: decided well before its end, and the cost grows with the text)
WORD_CHARS = 2000
#: input characters the model trains on at most (above, the caller samples): memory and
#: time grow with them; 25,000 texts of 230 words are about 44 million
MAX_CHARS = 50_000_000
#: character n-grams read at most this many characters of a text: they matter for
#: short texts (typos, word forms); on long ones words carry the signal
CHAR_CHARS = 300
#: regularisation of the linear SVM (0.1-1.0 tried; 0.3 was best on every set)
SVM_C = 0.3
#: additive smoothing of naive Bayes (0.03-0.3 tried)
NB_ALPHA = 0.03
#: a record whose given label gets less than this probability while the model prefers
#: another is flagged even when cleanlab's count estimate leaves it out (see above)
LOW_QUALITY = 0.01
#: worker processes for the SVM folds (the results do not depend on it)
N_JOBS = 2
#: stored feature values x classes from which the folds run in parallel (below, starting
#: the workers costs more than it saves; banking77 is about 1.5e8)
PARALLEL_WORK = 50_000_000
#: input characters from which the two feature blocks are built in parallel
PARALLEL_CHARS = 5_000_000
#: the temperature is fitted on at most this many rows
_TEMPERATURE_ROWS = 20_000


def available() -> bool:
    """Whether the optional dependencies are installed (checked without importing them)."""
    return all(importlib.util.find_spec(m) is not None for m in ("sklearn", "scipy", "cleanlab"))


@dataclass(frozen=True, slots=True)
class Suspect:
    """One likely label error: row in the input, given and suggested class, score, rank."""

    row: int
    given: int
    suggested: int
    #: cleanlab's label quality (self-confidence): the model's probability of the given
    #: label, 0 = surely wrong, 1 = surely right
    quality: float
    #: 1 = the most likely error of the dataset
    rank: int


@dataclass(frozen=True, slots=True)
class ClassNoise:
    """The estimated share of wrong labels among the records given one class."""

    label: int
    #: records given this label that the model checked
    records: int
    #: of those, the ones flagged as likely wrong
    suspects: int
    #: the label the flagged ones are suggested for most often (-1 when none is flagged)
    mostly: int

    @property
    def share(self) -> float:
        return self.suspects / self.records if self.records else 0.0


@dataclass
class ModelReport:
    suspects: list[Suspect] = field(default_factory=list)
    #: records per class the model checked (index = class number)
    sizes: list[int] = field(default_factory=list)
    #: out-of-fold accuracy against the given labels
    accuracy: float = 0.0
    #: share of the most frequent class (the accuracy of always guessing it)
    baseline: float = 0.0
    seconds: float = 0.0

    @property
    def noise_rate(self) -> float:
        """The estimated share of wrong labels: flagged records / records checked.

        The one estimate of the label-noise rate: the score's labels dimension counts the
        same flagged records, and ``by_class`` splits them by given label.
        """
        total = sum(self.sizes)
        return len(self.suspects) / total if total else 0.0

    def by_class(self) -> list[ClassNoise]:
        """Per given label the share of its records flagged, worst first (ties: larger class).

        The rows of the flags' confusion matrix (given x suggested label): the flag set is
        cleanlab's pruning of its confident joint plus the near-certain records (see
        ``_flag``), so this is cleanlab's noise matrix restricted to what is reported.
        """
        flagged: dict[int, Counter[int]] = {}
        for s in self.suspects:
            flagged.setdefault(s.given, Counter())[s.suggested] += 1
        out = []
        for label, n in enumerate(self.sizes):
            to = flagged.get(label, Counter())
            mostly = min(to, key=lambda c: (-to[c], c)) if to else -1
            out.append(ClassNoise(label, n, sum(to.values()), mostly))
        out.sort(key=lambda c: (-c.share, -c.records, c.label))
        return out

    @property
    def skill(self) -> float:
        """How much better than guessing the majority class the model is (0 = no better)."""
        if self.baseline >= 1.0:
            return 0.0
        return (self.accuracy - self.baseline) / (1.0 - self.baseline)


def _in_workers(fn: Any, calls: list[tuple[Any, ...]]) -> list[Any] | None:
    """``fn(*args)`` for each call in ``N_JOBS`` worker processes; None when they cannot run.

    Processes are an optimisation only: where they cannot start (a sandbox, no
    semaphores) the caller computes the same thing in this process.
    """
    if N_JOBS < 2:
        return None
    try:
        from joblib import Parallel, delayed

        return list(Parallel(n_jobs=N_JOBS, backend="loky")(delayed(fn)(*args) for args in calls))
    except (OSError, ImportError, RuntimeError):  # BrokenProcessPool is a RuntimeError
        return None


def _vectorize(kind: str, texts: Sequence[str]) -> Any:
    """One TF-IDF block (``word`` or ``char``), or None when no term occurs twice."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if kind == "word":
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, dtype=np.float32)
        cut = WORD_CHARS
    else:
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                              dtype=np.float32)
        cut = CHAR_CHARS
    try:
        return vec.fit_transform([t[:cut] for t in texts])
    except ValueError:  # empty vocabulary (tiny or odd data): the other block still can
        return None


def features(texts: Sequence[str]) -> Any:
    """TF-IDF word 1-2-grams and ``char_wb`` 2-5-grams side by side (a sparse matrix).

    The vocabulary and IDF are fitted on every text, labels unseen: that is unsupervised,
    so it leaks nothing between folds, and it is done once instead of once per fold.  On
    large inputs the two blocks are built in two processes (tokenising holds the GIL).
    """
    import numpy as np
    from scipy.sparse import csr_matrix, hstack

    kinds = ("word", "char")
    blocks = None
    if sum(len(t) for t in texts) >= PARALLEL_CHARS:
        blocks = _in_workers(_vectorize, [(kind, texts) for kind in kinds])
    if blocks is None:
        blocks = [_vectorize(kind, texts) for kind in kinds]
    mats = [b for b in blocks if b is not None]
    if not mats:
        return csr_matrix((len(texts), 1), dtype=np.float32)
    return hstack(mats, format="csr")


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    import numpy as np
    z = scores * temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _calibrate(scores: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """Probabilities from scores by the softmax temperature that best fits the labels.

    One scalar fitted on out-of-fold scores (the given labels are mostly right, so
    they are a fair target): the SVM's margins and naive Bayes' over-confident log
    probabilities become probabilities on one scale that can be averaged.
    """
    import numpy as np
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(labels))
    if len(rows) > _TEMPERATURE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), _TEMPERATURE_ROWS, replace=False))
    s, y = scores[rows], labels[rows]

    def nll(log_t: float) -> float:
        p = _softmax(s.copy(), float(np.exp(log_t)))
        return float(-np.log(p[np.arange(len(y)), y] + 1e-12).mean())

    best = minimize_scalar(nll, bounds=(-6.0, 6.0), method="bounded", options={"xatol": 1e-3})
    return _softmax(scores.copy(), float(np.exp(best.x)))


def _fold_scores(kind: str, x: Any, labels: np.ndarray, train: np.ndarray, test: np.ndarray,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(classes, scores of the test rows) of one fold model; a top-level function so that
    worker processes can run it."""
    import numpy as np
    from sklearn.naive_bayes import MultinomialNB
    from sklearn.svm import LinearSVC

    if kind == "svm":
        model: Any = LinearSVC(C=SVM_C, random_state=seed)
    else:
        model = MultinomialNB(alpha=NB_ALPHA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes: the fold model is still usable
        model.fit(x[train], labels[train])
    got = model.decision_function(x[test]) if kind == "svm" else model.predict_log_proba(x[test])
    if got.ndim == 1:  # binary SVM: one margin, positive for classes_[1]
        got = np.stack([np.zeros_like(got), got], axis=1)
    return model.classes_, got


def _scores(kind: str, x: Any, labels: np.ndarray, n_classes: int, splits: list[tuple[np.ndarray, np.ndarray]],
            keep: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold scores (SVM margins or NB log probabilities), one column per class.

    The SVM folds of a large dataset are trained in ``N_JOBS`` worker processes: each
    fold is its own process-local, seeded liblinear run, so the scores are the same as
    in one process (threads would share liblinear's random state and are not).
    """
    import numpy as np
    jobs = [(train[keep[train]], test) for train, test in splits]
    got = None
    if kind == "svm" and x.nnz * n_classes >= PARALLEL_WORK:
        got = _in_workers(_fold_scores, [(kind, x, labels, train, test, seed) for train, test in jobs])
    if got is None:
        got = [_fold_scores(kind, x, labels, train, test, seed) for train, test in jobs]
    out = np.full((len(labels), n_classes), np.nan, dtype=np.float64)
    for (_, test), (classes, scores) in zip(jobs, got):
        out[np.ix_(test, classes)] = scores
    # a class absent from a fold's training part: scored below anything the model said
    missing = np.isnan(out)
    if missing.any():
        floor = np.nanmin(out) - 10.0 if not missing.all() else 0.0
        out[missing] = floor
    return out


def _probabilities(x: Any, labels: np.ndarray, n_classes: int, splits: list[tuple[np.ndarray, np.ndarray]],
                   keep: np.ndarray, seed: int) -> np.ndarray:
    svm = _calibrate(_scores("svm", x, labels, n_classes, splits, keep, seed), labels, seed)
    nb = _calibrate(_scores("nb", x, labels, n_classes, splits, keep, seed), labels, seed)
    probs = (svm + nb) / 2.0
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


def _keep_after(flagged: np.ndarray, labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Training mask for the second round: drop flagged records, unless that would gut a class.

    A class that would lose more than half its records keeps them all: when most of a
    class looks wrong, the class definition is in question, not its members.
    """
    import numpy as np
    keep = ~flagged
    total = np.bincount(labels, minlength=n_classes)
    kept = np.bincount(labels[keep], minlength=n_classes)
    for c in np.flatnonzero(kept * 2 < total):
        keep[labels == c] = True
    return keep


def _splits(labels: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    kf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(kf.split(np.zeros(len(labels)), labels))


def out_of_fold_probabilities(texts: Sequence[str], labels: Sequence[int], n_classes: int, *,
                              folds: int = 5, seed: int = 0) -> np.ndarray:
    """Class probabilities of every record from the fold model that did not train on it.

    One round of the model, no cleaning; ``benchmarks/eval_label_noise.py`` reads the
    classes a model confuses from it.
    """
    import numpy as np
    y = np.asarray(labels, dtype=np.int64)
    return _probabilities(features(texts), y, n_classes, _splits(y, folds, seed),
                          np.ones(len(y), dtype=bool), seed)


def _flag(labels: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(likely label errors, label quality): cleanlab's set plus the near-certain ones.

    ``filter_by="both"`` keeps a record only when both of cleanlab's estimates agree it
    is off (the counts of the confident joint and the per-class noise rates).  When many
    classes share the noise, those counts run low; a record whose given label gets less
    than ``LOW_QUALITY`` of the calibrated probability while another label wins is then
    added as well.
    """
    import numpy as np
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = np.asarray(find_label_issues(labels, probs, filter_by="both", n_jobs=1), dtype=bool)
    quality = np.asarray(get_label_quality_scores(labels, probs), dtype=np.float64)
    other = probs.argmax(axis=1) != labels
    return (found | (quality < LOW_QUALITY)) & other, quality


def find_suspects(texts: Sequence[str], labels: Sequence[int], n_classes: int, *,
                  folds: int = 5, seed: int = 0, rounds: int = 2) -> ModelReport:
    """Likely label errors among ``texts`` (``labels`` are 0..n_classes-1, each class >= ``folds``)."""
    import numpy as np
    start = time.perf_counter()
    y = np.asarray(labels, dtype=np.int64)
    x = features(texts)
    splits = _splits(y, folds, seed)
    keep = np.ones(len(y), dtype=bool)
    flagged = np.zeros(len(y), dtype=bool)
    probs = np.empty((0, n_classes))
    quality = np.empty(0)
    for r in range(max(1, rounds)):
        if r:
            keep = _keep_after(flagged, y, n_classes)
        probs = _probabilities(x, y, n_classes, splits, keep, seed)
        flagged, quality = _flag(y, probs)
    suggested = probs.argmax(axis=1)
    rows = np.flatnonzero(flagged)
    rows = rows[np.lexsort((rows, quality[rows]))]
    suspects = [Suspect(int(i), int(y[i]), int(suggested[i]), float(quality[i]), n + 1)
                for n, i in enumerate(rows)]
    counts = np.bincount(y, minlength=n_classes)
    return ModelReport(suspects=suspects, sizes=counts.tolist(), accuracy=float((suggested == y).mean()),
                       baseline=float(counts.max() / max(len(y), 1)),
                       seconds=time.perf_counter() - start)
