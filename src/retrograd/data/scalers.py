"""Feature scalers with scikit-learn's contract (`fit`/`transform`) and JSON-friendly state."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.data._state import (
    as_2d,
    check_features,
    check_state,
    not_fitted,
    output,
    to_array,
    to_list,
)
from retrograd.errors import InvalidArgumentError

_EPS = np.finfo(np.float64).eps


def _mean_and_var(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column mean and (ddof=0) variance by the corrected two-pass algorithm, as sklearn does."""
    n = X.shape[0]
    mean = X.sum(axis=0) / n
    centered = X - mean
    correction = centered.sum(axis=0)
    var = ((centered**2).sum(axis=0) - correction**2 / n) / n
    return mean, var


class StandardScaler:
    """Standardize features: `(X - mean_) / scale_` (like `sklearn.preprocessing.StandardScaler`).

    A feature with (numerically) zero variance keeps `scale_ = 1`. `X: (n_samples, n_features)`,
    an array or a Tensor (a Tensor comes back as one).

    Args:
        with_mean: subtract the mean. Default: True.
        with_std: divide by the standard deviation. Default: True.

    **Fitted attributes:** `mean_`, `var_`, `scale_` (float64 `(n_features,)`, or None when not
    used), `n_features_in_`, `n_samples_seen_`.
    """

    mean_: np.ndarray | None
    var_: np.ndarray | None
    scale_: np.ndarray | None
    n_features_in_: int | None
    n_samples_seen_: int | None

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = bool(with_mean)
        self.with_std = bool(with_std)
        self.mean_ = self.var_ = self.scale_ = None
        self.n_features_in_ = self.n_samples_seen_ = None

    def __repr__(self) -> str:
        return f"StandardScaler(with_mean={self.with_mean}, with_std={self.with_std})"

    def fit(self, X: Any) -> StandardScaler:
        """Learn `mean_`, `var_` and `scale_` of each feature of `X: (n_samples, n_features)`
        (the population variance, ddof=0); returns the scaler."""
        array, _ = as_2d(X, "StandardScaler.fit")
        n = array.shape[0]
        if n == 0:
            raise InvalidArgumentError("StandardScaler.fit: X has 0 samples")
        mean, var = _mean_and_var(array.astype(np.float64))
        self.n_features_in_, self.n_samples_seen_ = array.shape[1], n
        self.mean_ = mean if (self.with_mean or self.with_std) else None
        if self.with_std:
            # sklearn's test for a constant feature: variance within rounding error of zero
            constant = var <= n * _EPS * var + (n * mean * _EPS) ** 2
            self.var_ = var
            self.scale_ = np.where(constant, 1.0, np.sqrt(var))
        else:
            self.var_ = self.scale_ = None
        return self

    def _check(self, X: Any, method: str) -> tuple[np.ndarray, bool]:
        if self.n_features_in_ is None:
            raise not_fitted("StandardScaler", method)
        array, is_tensor = as_2d(X, f"StandardScaler.{method}")
        check_features(array, self.n_features_in_, f"StandardScaler.{method}")
        return array, is_tensor

    def transform(self, X: Any) -> Any:
        """`(n, n_features)` -> standardized `(n, n_features)`."""
        array, is_tensor = self._check(X, "transform")
        result = array.astype(np.float64)
        if self.with_mean and self.mean_ is not None:
            result = result - self.mean_
        if self.scale_ is not None:
            result = result / self.scale_
        return output(result, array, is_tensor)

    def fit_transform(self, X: Any) -> Any:
        """`fit(X)`, then `transform(X)`: `X` standardized with its own statistics."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> Any:
        """Undo `transform`: `X * scale_ + mean_`."""
        array, is_tensor = self._check(X, "inverse_transform")
        result = array.astype(np.float64)
        if self.scale_ is not None:
            result = result * self.scale_
        if self.with_mean and self.mean_ is not None:
            result = result + self.mean_
        return output(result, array, is_tensor)

    def state_dict(self) -> dict[str, Any]:
        """Settings and fitted statistics as JSON-friendly values (lists, floats, ints, None)."""
        return {
            "type": "StandardScaler",
            "with_mean": self.with_mean,
            "with_std": self.with_std,
            "mean_": to_list(self.mean_),
            "var_": to_list(self.var_),
            "scale_": to_list(self.scale_),
            "n_features_in_": self.n_features_in_,
            "n_samples_seen_": self.n_samples_seen_,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> StandardScaler:
        """Rebuild a scaler saved by `state_dict()`."""
        check_state("StandardScaler", state, set(cls().state_dict()) - {"type"})
        scaler = cls(with_mean=state["with_mean"], with_std=state["with_std"])
        scaler.mean_ = to_array(state["mean_"])
        scaler.var_ = to_array(state["var_"])
        scaler.scale_ = to_array(state["scale_"])
        scaler.n_features_in_ = state["n_features_in_"]
        scaler.n_samples_seen_ = state["n_samples_seen_"]
        return scaler


class MinMaxScaler:
    """Scale each feature to `feature_range` (like `sklearn.preprocessing.MinMaxScaler`).

    `transform(X) = X * scale_ + min_` with `scale_ = (hi - lo) / (data_max_ - data_min_)`
    (a constant feature uses range 1). `X: (n_samples, n_features)`, an array or a Tensor.
    **Fitted attributes:** `data_min_`, `data_max_`, `data_range_`, `scale_`, `min_`
    (float64 `(n_features,)`), `n_features_in_`, `n_samples_seen_`.
    """

    data_min_: np.ndarray | None
    data_max_: np.ndarray | None
    data_range_: np.ndarray | None
    scale_: np.ndarray | None
    min_: np.ndarray | None
    n_features_in_: int | None
    n_samples_seen_: int | None

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        lo, hi = (float(v) for v in feature_range)
        if not lo < hi:
            raise InvalidArgumentError(
                "MinMaxScaler: feature_range must be (min, max) with min < max, "
                f"got {feature_range}"
            )
        self.feature_range = (lo, hi)
        self.data_min_ = self.data_max_ = self.data_range_ = self.scale_ = self.min_ = None
        self.n_features_in_ = self.n_samples_seen_ = None

    def __repr__(self) -> str:
        return f"MinMaxScaler(feature_range={self.feature_range})"

    def fit(self, X: Any) -> MinMaxScaler:
        """Learn each feature's `data_min_` and `data_max_` over `X: (n_samples, n_features)`,
        and from them `scale_` and `min_`; returns the scaler."""
        array, _ = as_2d(X, "MinMaxScaler.fit")
        if array.shape[0] == 0:
            raise InvalidArgumentError("MinMaxScaler.fit: X has 0 samples")
        values = array.astype(np.float64)
        lo, hi = self.feature_range
        self.data_min_, self.data_max_ = values.min(axis=0), values.max(axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        safe_range = np.where(self.data_range_ < 10 * _EPS, 1.0, self.data_range_)
        self.scale_ = (hi - lo) / safe_range
        self.min_ = lo - self.data_min_ * self.scale_
        self.n_features_in_, self.n_samples_seen_ = array.shape[1], array.shape[0]
        return self

    def _check(self, X: Any, method: str) -> tuple[np.ndarray, bool]:
        if self.n_features_in_ is None:
            raise not_fitted("MinMaxScaler", method)
        array, is_tensor = as_2d(X, f"MinMaxScaler.{method}")
        check_features(array, self.n_features_in_, f"MinMaxScaler.{method}")
        return array, is_tensor

    def transform(self, X: Any) -> Any:
        """`(n, n_features)` -> `X * scale_ + min_` `(n, n_features)`: the fitted data's range
        mapped to `feature_range` (values outside it are not clipped)."""
        array, is_tensor = self._check(X, "transform")
        assert self.min_ is not None and self.scale_ is not None
        return output(array.astype(np.float64) * self.scale_ + self.min_, array, is_tensor)

    def fit_transform(self, X: Any) -> Any:
        """`fit(X)`, then `transform(X)`: `X` scaled to `feature_range` by its own min and max."""
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> Any:
        """Undo `transform`: `(X - min_) / scale_`."""
        array, is_tensor = self._check(X, "inverse_transform")
        assert self.min_ is not None and self.scale_ is not None
        return output((array.astype(np.float64) - self.min_) / self.scale_, array, is_tensor)

    def state_dict(self) -> dict[str, Any]:
        """Settings and fitted statistics as JSON-friendly values (lists, floats, ints, None)."""
        return {
            "type": "MinMaxScaler",
            "feature_range": list(self.feature_range),
            "data_min_": to_list(self.data_min_),
            "data_max_": to_list(self.data_max_),
            "data_range_": to_list(self.data_range_),
            "scale_": to_list(self.scale_),
            "min_": to_list(self.min_),
            "n_features_in_": self.n_features_in_,
            "n_samples_seen_": self.n_samples_seen_,
        }

    @classmethod
    def from_state_dict(cls, state: dict[str, Any]) -> MinMaxScaler:
        """Rebuild a scaler saved by `state_dict()`."""
        check_state("MinMaxScaler", state, set(cls().state_dict()) - {"type"})
        lo, hi = state["feature_range"]
        scaler = cls(feature_range=(lo, hi))
        for key in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
            setattr(scaler, key, to_array(state[key]))
        scaler.n_features_in_ = state["n_features_in_"]
        scaler.n_samples_seen_ = state["n_samples_seen_"]
        return scaler
