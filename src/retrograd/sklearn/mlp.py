"""`MLPClassifier` and `MLPRegressor`: scikit-learn's multi-layer perceptrons on retrograd.

The parameters, fitted attributes and training rules are scikit-learn's
(``sklearn.neural_network``): Glorot-uniform initialisation, an L2 penalty
``alpha * ||W||^2 / (2 * batch_size)`` on the weights only, the loss curve as the mean loss
over each epoch, and the stop when the training loss (or, with `early_stopping`, the validation
score) has not improved by `tol` for more than `n_iter_no_change` epochs. The network is an
``nn.Sequential`` of ``nn.Linear`` layers in float64 (`module_`), trained by ``optim.Adam`` or
``optim.SGD``; `coefs_` and `intercepts_` are read from it in scikit-learn's layout.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import (  # type: ignore[import-untyped]
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
)
from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
from sklearn.metrics import accuracy_score, r2_score  # type: ignore[import-untyped]
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from sklearn.utils import check_random_state  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted, validate_data  # type: ignore[import-untyped]

from retrograd import nn
from retrograd.autograd.grad_mode import no_grad
from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn import functional as F
from retrograd.optim import SGD, Adam, Optimizer
from retrograd.sklearn._classes import resolve_classes
from retrograd.tensor import Tensor
from retrograd.train import choices

# scikit-learn's activation names; "logistic" is the sigmoid
ACTIVATIONS: dict[str, type[nn.Module]] = {
    name: choices.ACTIVATIONS[ours]
    for name, ours in (
        ("identity", "identity"),
        ("logistic", "sigmoid"),
        ("tanh", "tanh"),
        ("relu", "relu"),
    )
}
SOLVERS = ("adam", "sgd")
LEARNING_RATES = ("constant", "invscaling", "adaptive")


def _check_number(
    who: str, name: str, value: Any, low: float, high: float = math.inf, *, closed: str = "both"
) -> None:
    """Raise ValueError unless `value` is a real number in the interval from `low` to `high`."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        above = value >= low if closed in ("both", "left") else value > low
        below = value <= high if closed in ("both", "right") else value < high
        ok = above and below
    if not ok:
        left = "[" if closed in ("both", "left") else "("
        right = "]" if closed in ("both", "right") else ")"
        raise InvalidArgumentError(
            f"{who}: {name} must be a number in {left}{low}, {high}{right}, got {value!r}"
        )


def _check_int(who: str, name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise InvalidArgumentError(f"{who}: {name} must be an int >= {low}, got {value!r}")


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: checks, the network, the training loop."""

    def __init__(
        self,
        hidden_layer_sizes: int | Iterable[int] = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change

    # --- what the subclasses define ----------------------------------------------------------

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        """Encode `y` as the float or int array the loss takes; sets the output attributes."""
        raise NotImplementedError

    def _data_loss(self, output: Tensor, target: Tensor) -> tuple[Tensor, float]:
        """The data loss to differentiate, and its value as scikit-learn reports it."""
        raise NotImplementedError

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    # --- parameters ---------------------------------------------------------------------------

    def _hidden_sizes(self) -> list[int]:
        sizes: Any = self.hidden_layer_sizes
        try:
            sizes = list(sizes)
        except TypeError:
            sizes = [sizes]
        for size in sizes:
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise InvalidArgumentError(
                    f"{type(self).__name__}: hidden_layer_sizes must hold ints >= 1, got "
                    f"{self.hidden_layer_sizes!r}"
                )
        return [int(size) for size in sizes]

    def _validate_params(self) -> None:
        who = type(self).__name__
        self._hidden_sizes()
        for name, value, options in (
            ("activation", self.activation, tuple(ACTIVATIONS)),
            ("solver", self.solver, SOLVERS),
            ("learning_rate", self.learning_rate, LEARNING_RATES),
        ):
            if value not in options:
                hint = " (retrograd has no L-BFGS solver)" if value == "lbfgs" else ""
                raise InvalidArgumentError(
                    f"{who}: {name} must be one of {options}, got {value!r}{hint}"
                )
        if self.batch_size != "auto":
            _check_int(who, "batch_size", self.batch_size, 1)
        _check_number(who, "alpha", self.alpha, 0.0)
        _check_number(who, "learning_rate_init", self.learning_rate_init, 0.0, closed="right")
        _check_number(who, "power_t", self.power_t, 0.0)
        _check_int(who, "max_iter", self.max_iter, 1)
        _check_number(who, "tol", self.tol, 0.0)
        _check_number(who, "momentum", self.momentum, 0.0, 1.0)
        _check_number(who, "validation_fraction", self.validation_fraction, 0.0, 1.0, closed="left")
        _check_number(who, "beta_1", self.beta_1, 0.0, 1.0, closed="left")
        _check_number(who, "beta_2", self.beta_2, 0.0, 1.0, closed="left")
        _check_number(who, "epsilon", self.epsilon, 0.0, closed="right")
        _check_int(who, "n_iter_no_change", self.n_iter_no_change, 1)

    # --- the network --------------------------------------------------------------------------

    def _initialize(self, n_features: int, n_outputs: int) -> None:
        """Build `module_` with scikit-learn's Glorot-uniform weights and reset the curves."""
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self._rng = np.random.default_rng(seed)
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        # Glorot & Bengio; scikit-learn uses the factor 2 for the logistic activation
        factor = 2.0 if self.activation == "logistic" else 6.0
        layers: list[nn.Module] = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear = nn.Linear(fan_in, fan_out, dtype="float64", generator=self._rng)
            bound = math.sqrt(factor / (fan_in + fan_out))
            linear.weight.array[...] = self._rng.uniform(-bound, bound, (fan_out, fan_in))
            assert linear.bias is not None
            linear.bias.array[...] = self._rng.uniform(-bound, bound, fan_out)
            layers.append(linear)
            if index < len(sizes) - 2:
                layers.append(ACTIVATIONS[self.activation]())
        self.module_ = nn.Sequential(*layers)
        self.n_layers_ = len(sizes)
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        self._optimizer: Optimizer | None = None
        self._best_parameters: list[np.ndarray] | None = None

    def _linears(self) -> list[nn.Linear]:
        return [layer for layer in self.module_ if isinstance(layer, nn.Linear)]

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices, ``(fan_in, fan_out)`` each (scikit-learn's layout, copies)."""
        check_is_fitted(self, "module_")
        return [layer.weight.array.T.copy() for layer in self._linears()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The bias vectors, ``(fan_out,)`` each (copies)."""
        check_is_fitted(self, "module_")
        return [layer.bias.array.copy() for layer in self._linears() if layer.bias is not None]

    def _new_optimizer(self) -> Optimizer:
        params = list(self.module_.parameters())
        if self.solver == "sgd":
            nesterov = bool(self.nesterovs_momentum) and self.momentum > 0
            return SGD(
                params, lr=self.learning_rate_init, momentum=self.momentum, nesterov=nesterov
            )
        return Adam(
            params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon
        )

    def _set_lr(self, lr: float) -> None:
        assert self._optimizer is not None
        for group in self._optimizer.param_groups:
            group["lr"] = lr

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The network's output (logits for a classifier) for every row of X, as float64."""
        check_is_fitted(self, "module_")
        with no_grad():
            return np.asarray(self.module_(Tensor(X)).array)

    # --- training -----------------------------------------------------------------------------

    def _batch_loss(self, X: np.ndarray, target: np.ndarray) -> tuple[Tensor, float]:
        """The loss to differentiate, and the value for `loss_curve_`: the data loss plus
        scikit-learn's L2 penalty alpha * ||W||^2 / (2 * batch size) on the weights."""
        loss, reported = self._data_loss(self.module_(Tensor(X)), Tensor(target))
        if self.alpha > 0:
            penalty = sum((layer.weight * layer.weight).sum() for layer in self._linears())
            penalty = penalty * (0.5 * self.alpha / X.shape[0])
            loss = loss + penalty
            reported += float(penalty.item())
        return loss, reported

    def _fit(self, X: Any, y: Any, *, incremental: bool, classes: Any = None) -> _BaseMLP:
        self._validate_params()
        first_pass = not hasattr(self, "module_") or (not self.warm_start and not incremental)
        regressor = isinstance(self, RegressorMixin)
        X, y = validate_data(
            self,
            X,
            y,
            reset=first_pass,
            dtype=np.float64,
            multi_output=regressor,
            y_numeric=regressor,
        )
        if incremental and self.early_stopping:
            raise InvalidArgumentError(
                f"{type(self).__name__}: partial_fit does not support early_stopping=True"
            )
        target = self._prepare_targets(y, first_pass, classes)
        if first_pass:
            self._initialize(X.shape[1], self.n_outputs_)
        if self._optimizer is None or not incremental:
            self._optimizer = self._new_optimizer()
            self._lr = float(self.learning_rate_init)
        self._fit_stochastic(X, target, incremental)
        return self

    def _fit_stochastic(self, X: np.ndarray, target: np.ndarray, incremental: bool) -> None:
        assert self._optimizer is not None
        X_val = target_val = None
        if self.early_stopping:
            stratify = target if isinstance(self, ClassifierMixin) else None
            X, X_val, target, target_val = train_test_split(
                X,
                target,
                random_state=int(self._rng.integers(np.iinfo(np.int32).max)),
                test_size=self.validation_fraction,
                stratify=stratify,
            )
        n_samples = X.shape[0]
        batch_size = self._resolve_batch_size(n_samples)
        for _ in range(self.max_iter):
            order = self._rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
            total = 0.0
            for start in range(0, n_samples, batch_size):
                rows = order[start : start + batch_size]
                self._optimizer.zero_grad()
                loss, reported = self._batch_loss(X[rows], target[rows])
                loss.backward()
                self._optimizer.step()
                total += reported * len(rows)
            self.n_iter_ += 1
            self.t_ += n_samples
            self.loss_ = total / n_samples
            self.loss_curve_.append(self.loss_)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}", flush=True)
            self._update_no_improvement_count(X_val, target_val)
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                self._lr = float(self.learning_rate_init) / (self.t_ + 1) ** self.power_t
                self._set_lr(self._lr)
            if self._no_improvement_count > self.n_iter_no_change:
                what = "Validation score" if self.early_stopping else "Training loss"
                message = (
                    f"{what} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs."
                )
                if self._should_stop(message):
                    break
                self._no_improvement_count = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                    "optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.early_stopping and self._best_parameters is not None:
            for param, best in zip(self.module_.parameters(), self._best_parameters):
                param.array[...] = best

    def _resolve_batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        size: Any = self.batch_size
        if not 1 <= size <= n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=5,
            )
        return int(np.clip(size, 1, n_samples))

    def _update_no_improvement_count(self, X_val: Any, target_val: Any) -> None:
        if self.early_stopping:
            assert self.validation_scores_ is not None and self.best_validation_score_ is not None
            score = self._validation_score(X_val, target_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}", flush=True)
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_parameters = [p.array.copy() for p in self.module_.parameters()]
        else:
            assert self.best_loss_ is not None
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _should_stop(self, message: str) -> bool:
        """True to stop; with learning_rate='adaptive' (SGD) first divide the rate by 5."""
        if self.solver != "sgd" or self.learning_rate != "adaptive":
            if self.verbose:
                print(message + " Stopping.", flush=True)
            return True
        if self._lr <= 1e-6:
            if self.verbose:
                print(message + " Learning rate too small. Stopping.", flush=True)
            return True
        self._lr /= 5.0
        self._set_lr(self._lr)
        if self.verbose:
            print(message + f" Setting learning rate to {self._lr:f}", flush=True)
        return False


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, as ``sklearn.neural_network.MLPClassifier``.

    Binary problems use one logistic output and the log loss; more classes use a softmax output
    and the cross-entropy. Parameters are scikit-learn's (no ``lbfgs`` solver).

    **Fitted attributes:** `classes_`, `n_features_in_`, `feature_names_in_` (for a DataFrame
    with string column names), `loss_`, `loss_curve_`, `best_loss_`, `validation_scores_`,
    `best_validation_score_`, `n_iter_`, `t_`, `n_layers_`, `n_outputs_`, `out_activation_`,
    `coefs_`, `intercepts_` and `module_` (the retrograd network, which outputs logits).
    """

    classes_: np.ndarray

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on X ``(n_samples, n_features)`` and labels y ``(n_samples,)``."""
        self._fit(X, y, incremental=False)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch over (X, y); the first call needs `classes`, every label there may be."""
        if classes is None and not hasattr(self, "module_"):
            raise InvalidArgumentError(
                f"{type(self).__name__}: classes must be passed on the first call to partial_fit"
            )
        self._fit(X, y, incremental=True, classes=classes)
        return self

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        known = None if first_pass else self.classes_
        self.classes_ = resolve_classes(type(self).__name__, y, classes, known)
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            self.n_outputs_ = 1
            self.out_activation_ = "logistic"
            return index.astype(np.float64).reshape(-1, 1)
        self.n_outputs_ = len(self.classes_)
        self.out_activation_ = "softmax"
        return index.astype(np.int64)

    def _data_loss(self, output: Tensor, target: Tensor) -> tuple[Tensor, float]:
        if self.out_activation_ == "logistic":
            loss = F.binary_cross_entropy_with_logits(output, target)
        else:
            loss = F.cross_entropy(output, target)
        return loss, float(loss.item())

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:
        predicted = self._predict_index(self._forward(X))
        return float(accuracy_score(target.ravel().astype(np.int64), predicted))

    def _predict_index(self, logits: np.ndarray) -> np.ndarray:
        if self.out_activation_ == "logistic":
            return (logits[:, 0] > 0).astype(np.int64)
        return np.argmax(logits, axis=1)

    def _logits(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._forward(X)

    def predict(self, X: Any) -> np.ndarray:
        """The most likely class of each row of X."""
        index = self._predict_index(self._logits(X))
        return self.classes_[index]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``, columns in the order of `classes_`."""
        logits = self._logits(X)
        if self.out_activation_ == "logistic":
            positive = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of `predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, as ``sklearn.neural_network.MLPRegressor``.

    Identity output and the squared-error loss ``mean((y - output)^2) / 2``; one or several
    targets. Parameters are scikit-learn's (no ``lbfgs`` solver).

    **Fitted attributes:** `n_features_in_`, `feature_names_in_`, `loss_`, `loss_curve_`,
    `best_loss_`, `validation_scores_`, `best_validation_score_`, `n_iter_`, `t_`, `n_layers_`,
    `n_outputs_`, `out_activation_`, `coefs_`, `intercepts_` and `module_`.
    """

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on X ``(n_samples, n_features)`` and y ``(n_samples,)`` or
        ``(n_samples, n_targets)``."""
        self._fit(X, y, incremental=False)
        return self

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch over (X, y), continuing from the current weights."""
        self._fit(X, y, incremental=True)
        return self

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        target = np.asarray(y, dtype=np.float64)
        if target.ndim == 1:
            target = target.reshape(-1, 1)
        if first_pass:
            self.n_outputs_ = target.shape[1]
            self.out_activation_ = "identity"
        elif target.shape[1] != self.n_outputs_:
            raise ShapeError(
                f"{type(self).__name__}: y has {target.shape[1]} targets, but the "
                f"network was fitted with {self.n_outputs_}"
            )
        return target

    def _data_loss(self, output: Tensor, target: Tensor) -> tuple[Tensor, float]:
        # scikit-learn reports mean((y - output)^2) / 2 over all entries, but its gradient is
        # that of the squared error summed over the targets / (2 * n_samples); keep both
        squared = (output - target) * (output - target)
        loss = squared.sum() * (0.5 / output.shape[0])
        return loss, 0.5 * float(squared.array.mean())

    def _validation_score(self, X: np.ndarray, target: np.ndarray) -> float:
        return float(r2_score(target, self._forward(X)))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n_samples,)`` for one target, else ``(n_samples, n_targets)``."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        output = self._forward(X)
        return output.ravel() if output.shape[1] == 1 else output
