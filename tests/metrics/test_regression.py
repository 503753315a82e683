"""mean_absolute_error, mean_squared_error, root_mean_squared_error, r2_score equal sklearn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import retrograd as rg
from retrograd.metrics import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)

PAIRS = [
    (mean_absolute_error, skm.mean_absolute_error),
    (mean_squared_error, skm.mean_squared_error),
    (root_mean_squared_error, skm.root_mean_squared_error),
    (r2_score, skm.r2_score),
]


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 30),
    outputs=st.sampled_from([None, 1, 3]),
    multioutput=st.sampled_from(["uniform_average", "raw_values"]),
    constant=st.booleans(),
)
def test_equal_sklearn(
    seed: int, n: int, outputs: int | None, multioutput: str, constant: bool
) -> None:
    rng = np.random.default_rng(seed)
    shape = (n,) if outputs is None else (n, outputs)
    y_true = np.full(shape, 2.5) if constant else rng.normal(size=shape) * 10
    y_pred = y_true + rng.normal(size=shape)
    for ours, theirs in PAIRS:
        mine, ref = (
            ours(y_true, y_pred, multioutput=multioutput),
            theirs(y_true, y_pred, multioutput=multioutput),
        )
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-12, err_msg=ours.__name__)
        if multioutput == "uniform_average":
            assert isinstance(mine, float)


def test_column_and_flat_targets_mix_and_tensors_work() -> None:
    y_true, y_pred = np.array([1.0, 2.0, 4.0]), np.array([[1.5], [2.0], [3.0]])
    assert mean_absolute_error(y_true, y_pred) == 0.5
    assert mean_squared_error(rg.tensor(y_true), rg.tensor(y_pred)) == pytest.approx(1.25 / 3)
    assert root_mean_squared_error(y_true, y_pred) == pytest.approx(math.sqrt(1.25 / 3))


def test_r2_constant_target_and_single_sample() -> None:
    assert r2_score([3.0, 3.0], [3.0, 3.0]) == 1.0
    assert r2_score([3.0, 3.0], [3.0, 4.0]) == 0.0
    with pytest.warns(RuntimeWarning, match="fewer than two samples"):
        assert math.isnan(r2_score([1.0], [2.0]))


def test_errors_are_named() -> None:
    with pytest.raises(
        rg.ShapeError, match=r"y_true has 3 samples \(shape \(3,\)\) but y_pred has 2"
    ):
        mean_absolute_error([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(
        rg.ShapeError, match=r"y_true has 1 outputs \(shape \(2,\)\) but y_pred has 2"
    ):
        mean_squared_error([1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="multioutput must be one of"):
        r2_score([1.0, 2.0], [1.0, 2.0], multioutput="variance_weighted")
    with pytest.raises(TypeError, match="y_true must hold numbers"):
        mean_absolute_error(["a", "b"], [1.0, 2.0])
