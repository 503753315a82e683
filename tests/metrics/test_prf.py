"""precision, recall, f1_score and confusion_matrix equal sklearn.metrics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

import retrograd as rg
from retrograd.metrics import confusion_matrix, f1_score, precision, recall

from .strategies import binary_pairs, label_pairs

OURS_AND_SKLEARN = [
    (precision, skm.precision_score),
    (recall, skm.recall_score),
    (f1_score, skm.f1_score),
]


def same(a: object, b: object) -> bool:
    """Equal to 1e-12, NaN equal to NaN, arrays element by element."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=0, atol=1e-12, equal_nan=True))


def both(ours, theirs, *args, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (UndefinedMetricWarning, RuntimeWarning))
        return ours(*args, **kwargs), theirs(*args, **kwargs)


@settings(max_examples=25)
@given(
    pair=label_pairs(),
    average=st.sampled_from(["micro", "macro", "weighted", None]),
    zero_division=st.sampled_from(["warn", 0.0, 1.0, math.nan]),
)
def test_multiclass_equals_sklearn(pair, average, zero_division) -> None:  # type: ignore[no-untyped-def]
    y_true, y_pred = pair
    for ours, theirs in OURS_AND_SKLEARN:
        mine, ref = both(ours, theirs, y_true, y_pred, average=average, zero_division=zero_division)
        assert same(mine, ref), (ours.__name__, mine, ref)


@settings(max_examples=25)
@given(
    pair=binary_pairs(),
    pos_label=st.sampled_from([0, 1]),
    zero_division=st.sampled_from([0.0, 1.0]),
)
def test_binary_equals_sklearn(pair, pos_label, zero_division) -> None:  # type: ignore[no-untyped-def]
    y_true, y_pred = pair
    for ours, theirs in OURS_AND_SKLEARN:
        mine, ref = both(
            ours, theirs, y_true, y_pred, pos_label=pos_label, zero_division=zero_division
        )
        assert isinstance(mine, float)
        assert same(mine, ref), (ours.__name__, mine, ref)


@settings(max_examples=25)
@given(pair=label_pairs(), labels=st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True))
def test_explicit_labels_equal_sklearn(pair, labels) -> None:  # type: ignore[no-untyped-def]
    y_true, y_pred = pair
    for average in ("macro", "micro", None):
        for ours, theirs in OURS_AND_SKLEARN:
            mine, ref = both(
                ours, theirs, y_true, y_pred, labels=labels, average=average, zero_division=0.0
            )
            assert same(mine, ref), (ours.__name__, average, mine, ref)


@pytest.mark.filterwarnings("ignore:A single label was found")
@settings(max_examples=25)
@given(pair=label_pairs())
def test_confusion_matrix_equals_sklearn(pair) -> None:  # type: ignore[no-untyped-def]
    y_true, y_pred = pair
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred), skm.confusion_matrix(y_true, y_pred)
    )
    labels = [3, 0, 1]
    if np.isin(y_true, labels).any():
        np.testing.assert_array_equal(
            confusion_matrix(y_true, y_pred, labels=labels),
            skm.confusion_matrix(y_true, y_pred, labels=labels),
        )


def test_worked_example() -> None:
    y_true = [0, 1, 1, 1, 0, 1]
    y_pred = [0, 1, 0, 1, 1, 1]  # tp=3, fp=1, fn=1
    assert precision(y_true, y_pred) == 0.75
    assert recall(y_true, y_pred) == 0.75
    assert f1_score(y_true, y_pred) == 0.75
    assert confusion_matrix(y_true, y_pred).tolist() == [[1, 1], [1, 3]]


def test_string_labels_with_pos_label() -> None:
    y_true, y_pred = ["spam", "ham", "spam"], ["spam", "spam", "ham"]
    assert precision(y_true, y_pred, pos_label="spam") == skm.precision_score(
        y_true, y_pred, pos_label="spam"
    )


def test_class_absent_from_predictions() -> None:
    y_true, y_pred = [0, 1, 2, 2], [0, 1, 1, 1]  # class 2 never predicted
    with pytest.warns(RuntimeWarning, match="Precision is ill-defined"):
        per_class = precision(y_true, y_pred, average=None)
    assert per_class.tolist() == [1.0, 1 / 3, 0.0]
    assert precision(y_true, y_pred, average=None, zero_division=1.0).tolist() == [1.0, 1 / 3, 1.0]
    assert math.isnan(precision(y_true, y_pred, average=None, zero_division=math.nan)[2])
    assert precision(y_true, y_pred, average="macro", zero_division=math.nan) == pytest.approx(
        2 / 3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recall(y_true, y_pred, average="macro")  # every class has true samples: no warning


def test_binary_without_positive_samples() -> None:
    assert precision([0, 0], [0, 0], zero_division=1.0) == 1.0
    assert f1_score([0, 0], [0, 0], zero_division=0.0) == 0.0


def test_errors_are_named() -> None:
    with pytest.raises(
        ValueError, match=r"average='binary' needs at most 2 labels, .* \[0, 1, 2\]"
    ):
        precision([0, 1, 2], [0, 1, 1])
    with pytest.raises(
        ValueError, match=r"pos_label=1 is not a label; it should be one of \['a', 'b'\]"
    ):
        recall(["a", "b"], ["b", "a"])
    with pytest.raises(ValueError, match="average must be one of"):
        f1_score([0, 1], [0, 1], average="mean")
    with pytest.raises(ValueError, match="zero_division must be 'warn', 0.0, 1.0 or nan, got 2"):
        f1_score([0, 1], [0, 1], zero_division=2)
    with pytest.raises(
        rg.ShapeError, match=r"y_true has 3 samples \(shape \(3,\)\) but y_pred has 2"
    ):
        precision([0, 1, 1], [0, 1])
    with pytest.raises(
        rg.ShapeError, match=r"y_pred must hold class labels of shape \(N,\), got shape \(2, 3\)"
    ):
        recall([0, 1], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"y_pred has continuous values \(e.g. 0.7\)"):
        f1_score([0, 1], [0.7, 1.0])
    with pytest.raises(rg.DTypeError, match="mix label types"):
        precision(["a", "b"], [0, 1])
    with pytest.raises(ValueError, match=r"none of labels \[5\] occurs in y_true"):
        confusion_matrix([0, 1], [0, 1], labels=[5])
