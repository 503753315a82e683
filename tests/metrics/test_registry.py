"""get_metric and the metric objects a training loop uses."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import retrograd as rg
from retrograd.metrics import METRIC_NAMES, FunctionMetric, Metric, get_metric


@pytest.mark.parametrize("name", METRIC_NAMES)
def test_every_name_resolves_to_a_metric(name: str) -> None:
    metric = get_metric(name)
    assert isinstance(metric, Metric)
    assert get_metric(name.upper()).name == metric.name


@pytest.mark.parametrize(
    ("name", "short", "reference", "higher"),
    [
        ("mean_absolute_error", "mae", skm.mean_absolute_error, False),
        ("mse", "mse", skm.mean_squared_error, False),
        ("rmse", "rmse", skm.root_mean_squared_error, False),
        ("r2_score", "r2", skm.r2_score, True),
    ],
)
def test_regression_metrics_on_model_outputs(
    name: str, short: str, reference, higher: bool
) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    y = rng.normal(size=20)
    out = rg.tensor((y + rng.normal(size=20))[:, None])  # a model's (N, 1) output
    metric = get_metric(name)
    assert metric.name == short and metric.higher_is_better is higher
    assert metric(y, out) == pytest.approx(reference(y, out.numpy()[:, 0]), abs=1e-12)


def test_classification_metrics_take_probabilities_and_scores() -> None:
    y = np.array([0, 1, 1, 0, 1])
    probs = np.array([[0.1], [0.8], [0.3], [0.6], [0.9]])  # labels 0 1 0 1 1
    labels = [0, 1, 0, 1, 1]
    assert get_metric("acc")(y, probs) == skm.accuracy_score(y, labels)
    assert get_metric("precision")(y, probs) == skm.precision_score(y, labels)
    assert get_metric("recall")(y, probs) == skm.recall_score(y, labels)
    assert get_metric("f1")(y, rg.tensor(probs)) == skm.f1_score(y, labels)
    scores = np.array([[2.0, 0.1, 0.0], [0.0, 1.0, 3.0], [0.0, 2.0, 1.0]])  # labels 0 2 1
    y3 = np.array([0, 1, 1])
    assert get_metric("f1")(y3, scores) == skm.f1_score(
        y3, [0, 2, 1], average="macro", zero_division=0
    )
    one_hot = np.eye(3)[y3]
    assert get_metric("precision")(one_hot, scores) == skm.precision_score(
        y3, [0, 2, 1], average="macro", zero_division=0
    )


def test_user_functions_and_metrics_pass_through() -> None:
    def max_error(y_true, y_pred):  # type: ignore[no-untyped-def]
        return np.max(np.abs(np.asarray(y_true) - np.asarray(y_pred)))

    metric = get_metric(max_error)
    assert metric.name == "max_error" and metric([1.0, 2.0], [1.5, 4.0]) == 2.0
    custom = FunctionMetric("loss-ish", max_error, higher_is_better=False)
    assert get_metric(custom) is custom


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(
        ValueError, match=r"unknown metric 'auc'; valid names are: acc, accuracy, f1"
    ):
        get_metric("auc")
    with pytest.raises(TypeError, match="got int"):
        get_metric(3)  # type: ignore[arg-type]
