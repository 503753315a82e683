"""MLPClassifier against scikit-learn's own on its bundled datasets: same settings, same split.

Both run scikit-learn's defaults (one hidden layer of 100 ReLU units, Adam at 0.001, batches of
200, up to 200 epochs) behind a StandardScaler; retrograd's test accuracy must be within one
point of scikit-learn's, or better.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from retrograd.sklearn import MLPClassifier


def held_out_accuracy(estimator: Any, load: Callable[..., Any], seed: int) -> float:
    X, y = load(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # iris and wine use all 200 epochs
        pipeline = make_pipeline(StandardScaler(), estimator(random_state=seed))
        pipeline.fit(X_train, y_train)
    return float(pipeline.score(X_test, y_test))


@pytest.mark.parametrize("load", [load_digits, load_iris, load_wine, load_breast_cancer])
def test_mlp_classifier_matches_sklearn_accuracy(load: Callable[..., Any]) -> None:
    ours = held_out_accuracy(MLPClassifier, load, seed=0)
    theirs = held_out_accuracy(SklearnMLPClassifier, load, seed=0)
    assert ours >= theirs - 0.01, f"{load.__name__}: retrograd {ours:.4f}, sklearn {theirs:.4f}"
