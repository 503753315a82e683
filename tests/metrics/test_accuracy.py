"""accuracy: labels compared directly, probabilities thresholded, scores argmaxed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import retrograd as rg
from retrograd.metrics import accuracy

from .strategies import label_pairs


@settings(max_examples=25)
@given(pair=label_pairs())
def test_labels_equal_sklearn(pair: tuple[np.ndarray, np.ndarray]) -> None:
    y_true, y_pred = pair
    assert accuracy(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred), abs=1e-12)
    assert accuracy(rg.tensor(y_true), rg.tensor(y_pred)[:, None]) == accuracy(y_true, y_pred)


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 30), c=st.integers(2, 5))
def test_scores_are_argmaxed(seed: int, n: int, c: int) -> None:
    rng = np.random.default_rng(seed)
    scores, y_true = rng.normal(size=(n, c)), rng.integers(0, c, n)
    expected = skm.accuracy_score(y_true, scores.argmax(1))
    assert accuracy(y_true, scores) == pytest.approx(expected, abs=1e-12)
    assert accuracy(np.eye(c)[y_true], rg.tensor(scores)) == pytest.approx(expected, abs=1e-12)


def test_probabilities_are_thresholded_strictly() -> None:
    y_true = [0, 1, 1, 0]
    assert accuracy(y_true, [0.2, 0.9, 0.4, 0.1]) == 0.75
    assert accuracy(y_true, [[0.2], [0.9], [0.5], [0.1]]) == 0.75  # 0.5 is not > 0.5
    assert accuracy(y_true, [-1.0, 2.0, 0.3, -0.2], threshold=0.0) == 1.0  # logits
    assert accuracy(np.array([0.0, 1.0]), [0.1, 0.8]) == 1.0


def test_string_labels() -> None:
    assert accuracy(["a", "b", "c"], np.array(["a", "c", "c"])) == pytest.approx(2 / 3)


def test_errors_name_both_lengths_and_shapes() -> None:
    with pytest.raises(
        rg.ShapeError, match=r"y_true has 3 samples \(shape \(3,\)\) but y_pred has 2"
    ):
        accuracy([0, 1, 1], [0, 1])
    with pytest.raises(rg.ShapeError, match=r"y_pred must be labels .* got shape \(2, 2, 2\)"):
        accuracy([0, 1], np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
