"""StandardScaler and MinMaxScaler equal scikit-learn's; state survives a JSON round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import preprocessing

import retrograd as rg
from retrograd.data import MinMaxScaler, StandardScaler


def features(seed: int, n: int, d: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(rng.uniform(-50, 50, d), rng.uniform(0.01, 20, d), (n, d))
    X[:, 0] = 3.7  # a constant feature: scale 1 in both libraries
    return X


@settings(max_examples=25)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    d=st.integers(1, 5),
    with_mean=st.booleans(),
    with_std=st.booleans(),
)
def test_standard_scaler_equals_sklearn(
    seed: int, n: int, d: int, with_mean: bool, with_std: bool
) -> None:
    X = features(seed, n, d)
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    ref = preprocessing.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    for name in ("mean_", "var_", "scale_"):
        mine, theirs = getattr(ours, name), getattr(ref, name)
        if theirs is None:
            assert mine is None, name
        else:
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12, err_msg=name)
    assert ours.n_samples_seen_ == ref.n_samples_seen_
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12, atol=1e-12)
    Z = X[::-1] * 0.5
    np.testing.assert_allclose(
        ours.inverse_transform(Z), ref.inverse_transform(Z), rtol=1e-12, atol=1e-12
    )


def test_standard_scaler_worked_example() -> None:
    scaler = StandardScaler().fit([[1.0, 5.0], [3.0, 5.0]])
    assert scaler.mean_.tolist() == [2.0, 5.0]
    assert scaler.scale_.tolist() == [1.0, 1.0]  # second feature is constant
    assert scaler.transform([[3.0, 6.0]]).tolist() == [[1.0, 1.0]]


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), d=st.integers(1, 5))
def test_minmax_scaler_equals_sklearn(seed: int, n: int, d: int) -> None:
    X = features(seed, n, d)
    ours = MinMaxScaler(feature_range=(-1, 2)).fit(X)
    ref = preprocessing.MinMaxScaler(feature_range=(-1, 2)).fit(X)
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.inverse_transform(X), ref.inverse_transform(X), rtol=1e-12)


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_state_dict_round_trips_through_json(cls: type) -> None:
    X = features(0, 10, 3)
    scaler = cls().fit(X)
    state = json.loads(json.dumps(scaler.state_dict()))
    restored = cls.from_state_dict(state)
    np.testing.assert_array_equal(restored.transform(X), scaler.transform(X))
    np.testing.assert_array_equal(restored.inverse_transform(X), scaler.inverse_transform(X))
    assert restored.state_dict() == scaler.state_dict()
    unfitted = cls.from_state_dict(json.loads(json.dumps(cls().state_dict())))
    assert unfitted.n_features_in_ is None


def test_standard_scaler_settings_survive_state_dict() -> None:
    scaler = StandardScaler(with_mean=False).fit(features(1, 8, 2))
    restored = StandardScaler.from_state_dict(scaler.state_dict())
    assert restored.with_mean is False and restored.with_std is True


def test_from_state_dict_names_bad_keys_and_type() -> None:
    state = StandardScaler().state_dict()
    del state["scale_"]
    state["extra"] = 1
    with pytest.raises(
        rg.StateDictError, match=r"missing keys \['scale_'\], unexpected keys \['extra'\]"
    ):
        StandardScaler.from_state_dict(state)
    with pytest.raises(rg.StateDictError, match="'MinMaxScaler', not 'StandardScaler'"):
        StandardScaler.from_state_dict(MinMaxScaler().state_dict())


def test_tensors_come_back_as_tensors_in_their_dtype() -> None:
    X = rg.tensor([[1.0, 2.0], [3.0, 6.0]])
    out = StandardScaler().fit_transform(X)
    assert isinstance(out, rg.Tensor) and out.dtype == np.float32
    assert out.tolist() == [[-1.0, -1.0], [1.0, 1.0]]
    assert StandardScaler().fit_transform(np.array([[1, 2], [3, 4]])).dtype == np.float64


@pytest.mark.parametrize("cls", [StandardScaler, MinMaxScaler])
def test_scaler_errors_are_named(cls: type) -> None:
    name = cls.__name__
    with pytest.raises(rg.RetrogradError, match=f"{name} is not fitted yet"):
        cls().transform(np.zeros((2, 2)))
    scaler = cls().fit(np.zeros((3, 2)))
    with pytest.raises(rg.ShapeError, match="X has 3 features, but the scaler was fitted with 2"):
        scaler.transform(np.zeros((1, 3)))
    with pytest.raises(rg.ShapeError, match=r"X must be 2-d .* got shape \(3,\)"):
        cls().fit(np.zeros(3))
    with pytest.raises(ValueError, match=r"NaN or infinity in column\(s\) \[1\]"):
        cls().fit(np.array([[0.0, np.nan], [1.0, 2.0]]))


def test_minmax_feature_range_is_checked() -> None:
    with pytest.raises(ValueError, match=r"min < max, got \(1, 0\)"):
        MinMaxScaler(feature_range=(1, 0))
