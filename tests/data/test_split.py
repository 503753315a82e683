"""split_arrays: Keras's validation_split (the last fraction, unshuffled) by default."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd.data import split_arrays


@settings(max_examples=25)
@given(n=st.integers(2, 60), fraction=st.floats(0.05, 0.95))
def test_takes_the_last_fraction_like_keras(n: int, fraction: float) -> None:
    X, y = np.arange(n * 2).reshape(n, 2), np.arange(n)
    split_at = int(math.floor(n * (1.0 - fraction)))  # keras train_validation_split
    if split_at in (0, n):
        with pytest.raises(ValueError, match="too few to split"):
            split_arrays(X, y, fraction)
        return
    X_train, X_val, y_train, y_val = split_arrays(X, y, fraction)
    np.testing.assert_array_equal(X_train, X[:split_at])
    np.testing.assert_array_equal(X_val, X[split_at:])
    np.testing.assert_array_equal(y_train, y[:split_at])
    np.testing.assert_array_equal(y_val, y[split_at:])


def test_worked_example() -> None:
    X_train, X_val, y_train, y_val = split_arrays(np.arange(10), np.arange(10) * 10, 0.25)
    assert X_val.tolist() == [7, 8, 9] and y_val.tolist() == [70, 80, 90]
    assert len(X_train) == 7 and y_train[-1] == 60


def test_shuffle_is_seeded_and_keeps_pairs() -> None:
    X, y = np.arange(20), np.arange(20) * 10
    a = split_arrays(X, y, 0.3, shuffle=True, generator=np.random.default_rng(1))
    b = split_arrays(X, y, 0.3, shuffle=True, generator=np.random.default_rng(1))
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    X_train, X_val, y_train, y_val = a
    np.testing.assert_array_equal(y_train, X_train * 10)
    assert sorted(np.concatenate([X_train, X_val]).tolist()) == list(range(20))
    assert X_val.tolist() != list(range(14, 20))


def test_tensors_stay_tensors_and_y_may_be_none() -> None:
    X_train, X_val, y_train, y_val = split_arrays(
        rg.tensor([[1.0], [2.0], [3.0], [4.0]]), None, 0.5
    )
    assert isinstance(X_train, rg.Tensor) and X_val.tolist() == [[3.0], [4.0]]
    assert y_train is None and y_val is None


def test_errors_are_named() -> None:
    with pytest.raises(rg.ShapeError, match="X has 4 samples but y has 3"):
        split_arrays(np.zeros((4, 2)), np.zeros(3), 0.5)
    with pytest.raises(ValueError, match=r"validation_split must be in \(0, 1\), got 1.0"):
        split_arrays(np.zeros(4), None, 1.0)
