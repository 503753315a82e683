"""The four estimators in scikit-learn's tools: Pipeline, GridSearchCV, cross_val_score, clone;
and the optional dependency stays in `retrograd.sklearn`."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from retrograd import nn
from retrograd.optim import Adam
from retrograd.plotting import MissingDependencyError
from retrograd.sklearn import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from retrograd.sklearn._deps import require_sklearn


def network(in_features: int, out_features: int, hidden: int = 8) -> nn.Module:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features))


def estimators() -> list[tuple[Any, str]]:
    """(estimator, 'classifier' | 'regressor'), each quick to fit on iris."""
    return [
        (
            MLPClassifier(
                hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=60, random_state=0
            ),
            "classifier",
        ),
        (
            MLPRegressor(
                hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=60, random_state=0
            ),
            "regressor",
        ),
        (
            NeuralNetClassifier(network, optimizer=Adam, lr=0.05, max_epochs=20, random_state=0),
            "classifier",
        ),
        (
            NeuralNetRegressor(
                network, optimizer=Adam, lr=0.05, max_epochs=20, batch_size=16, random_state=0
            ),
            "regressor",
        ),
    ]


def data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    if kind == "regressor":
        return X[:, 1:], X[:, 0]  # sepal length from the other three measurements
    return X, y


IDS = ["MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("estimator", "kind"), estimators(), ids=IDS)
def test_pipeline_and_cross_val_score(estimator: Any, kind: str) -> None:
    X, y = data(kind)
    pipeline = Pipeline([("scale", StandardScaler()), ("model", estimator)])
    scores = cross_val_score(pipeline, X, y, cv=KFold(3, shuffle=True, random_state=0))
    assert scores.shape == (3,)
    assert scores.mean() > (0.85 if kind == "classifier" else 0.6)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(("estimator", "kind"), estimators(), ids=IDS)
def test_grid_search_and_clone(estimator: Any, kind: str) -> None:
    X, y = data(kind)
    name = "lr" if "NeuralNet" in type(estimator).__name__ else "learning_rate_init"
    pipeline = Pipeline([("scale", StandardScaler()), ("model", estimator)])
    search = GridSearchCV(
        pipeline, {f"model__{name}": [0.01, 0.05]}, cv=KFold(2, shuffle=True, random_state=0)
    ).fit(X, y)
    assert search.best_params_[f"model__{name}"] in (0.01, 0.05)
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    fitted = clone(estimator).fit(StandardScaler().fit_transform(X), y)
    again = clone(estimator).fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_array_equal(fitted.predict(X), again.predict(X))


def test_missing_sklearn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'retrograd\[sklearn\]'"):
        require_sklearn("retrograd.sklearn")


def test_importing_retrograd_does_not_import_sklearn() -> None:
    code = "import sys, retrograd; print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
