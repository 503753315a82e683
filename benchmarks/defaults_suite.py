"""How good is `retrograd train` with no options? A suite of small tabular problems.

Each data set is split 75/25 (stratified for classification) with each seed; three models are
trained on the 75 % and scored on the held-out 25 %:

- ``retrograd``: the `retrograd train` command itself (run in this process on a CSV file of the
  training rows, with no options but `--seed`), then the saved model's predictions;
- ``sklearn-mlp``: scikit-learn's ``MLPClassifier()`` / ``MLPRegressor()`` defaults after a
  ``StandardScaler`` (without it the MLP does worse on most of these sets);
- ``hist-gb``: ``HistGradientBoostingClassifier()`` / ``HistGradientBoostingRegressor()``
  defaults;
- ``neuralnet`` (on request): ``retrograd.sklearn.NeuralNetClassifier()`` /
  ``NeuralNetRegressor()`` defaults after a ``StandardScaler``, as ``sklearn-mlp``.

The score is accuracy for balanced classification, macro F1 for imbalanced classification and R²
for regression. The table gives the mean ± standard deviation over the seeds.

    .venv/bin/python benchmarks/defaults_suite.py                 # 5 seeds, every data set
    .venv/bin/python benchmarks/defaults_suite.py --seeds 2 --datasets diabetes,wine
    .venv/bin/python benchmarks/defaults_suite.py --models retrograd --options "--hidden 64"
    .venv/bin/python benchmarks/defaults_suite.py --models neuralnet,sklearn-mlp

`--options` passes extra `retrograd train` options (to compare a candidate with the default).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import shlex
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:
    import sklearn  # noqa: F401
except ImportError:  # pragma: no cover - the benchmark needs the test extra
    sys.exit("benchmarks/defaults_suite.py needs scikit-learn: pip install 'retrograd[test]'")

from sklearn import datasets as skd
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, f1_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Dataset:
    """A problem of the suite: `load()` returns X, y (the same for every seed)."""

    name: str
    task: str  # "classification" or "regression"
    metric: str  # "accuracy", "f1_macro" or "r2"
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    what: str


def _xy(bunch: object) -> tuple[np.ndarray, np.ndarray]:
    X, y = bunch  # type: ignore[misc]
    return np.asarray(X, dtype=np.float64), np.asarray(y)


DATASETS = [
    Dataset(
        "iris",
        "classification",
        "accuracy",
        lambda: _xy(skd.load_iris(return_X_y=True)),
        "150 x 4, 3 balanced classes",
    ),
    Dataset(
        "wine",
        "classification",
        "accuracy",
        lambda: _xy(skd.load_wine(return_X_y=True)),
        "178 x 13, 3 classes",
    ),
    Dataset(
        "breast_cancer",
        "classification",
        "accuracy",
        lambda: _xy(skd.load_breast_cancer(return_X_y=True)),
        "569 x 30, 2 classes (37 % / 63 %)",
    ),
    Dataset(
        "digits",
        "classification",
        "accuracy",
        lambda: _xy(skd.load_digits(return_X_y=True)),
        "1,797 x 64, 10 classes",
    ),
    Dataset(
        "imbalanced",
        "classification",
        "f1_macro",
        lambda: _xy(
            skd.make_classification(
                n_samples=20_000,
                n_features=20,
                n_informative=6,
                weights=[0.9, 0.1],
                flip_y=0.05,
                random_state=0,
            )
        ),
        "20,000 x 20, 2 classes (90 % / 10 %), 5 % labels flipped",
    ),
    Dataset(
        "diabetes",
        "regression",
        "r2",
        lambda: _xy(skd.load_diabetes(return_X_y=True)),
        "442 x 10, noisy target",
    ),
    Dataset(
        "friedman1",
        "regression",
        "r2",
        lambda: _xy(skd.make_friedman1(n_samples=2_000, n_features=10, noise=1.0, random_state=0)),
        "2,000 x 10, nonlinear, noise 1",
    ),
    Dataset(
        "wide_linear",
        "regression",
        "r2",
        lambda: _xy(
            skd.make_regression(
                n_samples=200, n_features=100, n_informative=10, noise=20.0, random_state=0
            )
        ),
        "200 x 100, 10 informative, noise 20",
    ),
    Dataset(
        "tiny",
        "regression",
        "r2",
        lambda: _xy(skd.make_regression(n_samples=50, n_features=4, noise=10.0, random_state=1)),
        "50 x 4, linear, noise 10",
    ),
]


def _score(metric: str, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    if metric == "accuracy":
        return float(accuracy_score(y_true, y_pred))
    if metric == "f1_macro":
        return float(f1_score(y_true, y_pred, average="macro"))
    return float(r2_score(y_true, y_pred))


def _write_csv(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"x{i}" for i in range(X.shape[1])] + ["target"])
        for row, label in zip(X.tolist(), y.tolist()):
            writer.writerow([repr(value) for value in row] + [label])


def fit_retrograd(
    data: Dataset, X: np.ndarray, y: np.ndarray, X_test: np.ndarray, seed: int, options: list[str]
) -> np.ndarray:
    """Train with the `retrograd train` command on a CSV of (X, y); predict X_test."""
    from retrograd.cli import main
    from retrograd.cli.common import load_trained_model

    with tempfile.TemporaryDirectory() as folder:
        train_csv, model = Path(folder, "train.csv"), Path(folder, "model.safetensors")
        _write_csv(train_csv, X, y)
        argv = ["train", str(train_csv), "--target", "target", "--out", str(model), "--quiet"]
        argv += ["--seed", str(seed), "--task", data.task, *options]
        output = io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            status = main(argv)
        if status != 0:
            raise RuntimeError(f"retrograd train failed on {data.name}:\n{output.getvalue()}")
        predicted, _ = load_trained_model(str(model)).predict(X_test)
    return predicted


def fit_sklearn(kind: str, data: Dataset, X: np.ndarray, y: np.ndarray, seed: int) -> object:
    if kind == "neuralnet":
        from retrograd.sklearn import NeuralNetClassifier, NeuralNetRegressor

        net = NeuralNetClassifier if data.task == "classification" else NeuralNetRegressor
        return make_pipeline(StandardScaler(), net(random_state=seed)).fit(X, y)
    if kind == "sklearn-mlp":
        mlp = MLPClassifier if data.task == "classification" else MLPRegressor
        return make_pipeline(StandardScaler(), mlp(random_state=seed)).fit(X, y)
    hgb = (
        HistGradientBoostingClassifier
        if data.task == "classification"
        else HistGradientBoostingRegressor
    )
    return hgb(random_state=seed).fit(X, y)


MODELS = ("retrograd", "sklearn-mlp", "hist-gb", "neuralnet")
DEFAULT_MODELS = ("retrograd", "sklearn-mlp", "hist-gb")


def run(
    selected: list[Dataset], models: list[str], seeds: int, options: list[str]
) -> dict[tuple[str, str], list[float]]:
    scores: dict[tuple[str, str], list[float]] = {}
    seconds: dict[tuple[str, str], float] = {}
    for data in selected:
        X, y = data.load()
        for seed in range(seeds):
            stratify = y if data.task == "classification" else None
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=stratify
            )
            for model in models:
                start = time.perf_counter()
                if model == "retrograd":
                    predicted = fit_retrograd(data, X_train, y_train, X_test, seed, options)
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        fitted = fit_sklearn(model, data, X_train, y_train, seed)
                    predicted = fitted.predict(X_test)  # type: ignore[attr-defined]
                key = (data.name, model)
                seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - start
                scores.setdefault(key, []).append(_score(data.metric, y_test, predicted))
            print(
                f"  {data.name} seed {seed}: "
                + ", ".join(f"{m} {scores[(data.name, m)][-1]:.3f}" for m in models),
                file=sys.stderr,
                flush=True,
            )
        for model in models:
            seconds[(data.name, model)] /= seeds
    _report(selected, models, scores, seconds, seeds, options)
    return scores


def _report(
    selected: list[Dataset],
    models: list[str],
    scores: dict[tuple[str, str], list[float]],
    seconds: dict[tuple[str, str], float],
    seeds: int,
    options: list[str],
) -> None:
    shown = f" with `{' '.join(options)}`" if options else ""
    print(f"\nHeld-out score, mean ± std over {seeds} seeds (retrograd{shown}):\n")
    ours = "retrograd" if "retrograd" in models else "neuralnet"
    header = ["data set", "rows x features", "metric", *models, f"{ours} - mlp"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for data in selected:
        cells = [data.name, data.what, data.metric]
        for model in models:
            values = np.array(scores[(data.name, model)])
            cells.append(f"{values.mean():.3f} ± {values.std():.3f}")
        if ours in models and "sklearn-mlp" in models:
            gap = np.array(scores[(data.name, ours)]) - np.array(scores[(data.name, "sklearn-mlp")])
            cells.append(f"{gap.mean():+.3f} ± {gap.std():.3f}")
        else:
            cells.append("")
        print("| " + " | ".join(cells) + " |")
    print("\nSeconds per fit (mean over seeds):\n")
    print("| data set | " + " | ".join(models) + " |")
    print("|---|" + "---|" * len(models))
    for data in selected:
        times = " | ".join(f"{seconds[(data.name, m)]:.1f}" for m in models)
        print(f"| {data.name} | {times} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default: 5)")
    parser.add_argument(
        "--datasets",
        default="all",
        help=f"comma-separated, from: {', '.join(d.name for d in DATASETS)} (default: all)",
    )
    parser.add_argument(
        "--models",
        default=",".join(DEFAULT_MODELS),
        help=f"comma-separated, from: {', '.join(MODELS)} (default: the first three)",
    )
    parser.add_argument(
        "--options", default="", help="extra `retrograd train` options, quoted as one argument"
    )
    args = parser.parse_args()
    names = [d.name for d in DATASETS] if args.datasets == "all" else args.datasets.split(",")
    by_name = {d.name: d for d in DATASETS}
    unknown = [name for name in names if name not in by_name]
    models = args.models.split(",")
    if unknown or any(m not in MODELS for m in models):
        parser.error(f"unknown data set or model: {unknown or models}")
    run([by_name[n] for n in names], models, args.seeds, shlex.split(args.options))


if __name__ == "__main__":
    main()
