"""`NeuralNetClassifier` and `NeuralNetRegressor`: any retrograd network as a scikit-learn
estimator (skorch's idea).

`module` is a callable that returns an `nn.Module` (a Module class, or a function). It is called
at `fit` with the ``module__<name>`` arguments, plus ``in_features`` (the number of columns of
X) and ``out_features`` (the number of classes, or of targets) when its signature takes them
and they were not given; so ``module=nn.Linear`` is a linear model. `criterion` (a loss class,
``criterion__<name>`` for its arguments) and `optimizer` (``optimizer__<name>``) are built the
same way, and training runs `retrograd.train.fit`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import (  # type: ignore[import-untyped]
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
)
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from sklearn.utils import check_random_state  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted, validate_data  # type: ignore[import-untyped]

from retrograd import nn
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.optim import SGD
from retrograd.random import get_rng_state, manual_seed, set_rng_state
from retrograd.sklearn._classes import resolve_classes
from retrograd.train import fit, predict

PREFIXES = ("module__", "criterion__", "optimizer__")


@contextmanager
def _seeded(seed: int | None) -> Iterator[None]:
    """Draw from retrograd's global generator seeded with `seed`, then restore it (None: as is)."""
    if seed is None:
        yield
        return
    saved = get_rng_state()
    manual_seed(seed)
    try:
        yield
    finally:
        set_rng_state(saved)


def _accepts(factory: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters


def _prefixed(params: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in params.items() if key.startswith(prefix)}


class _BaseNeuralNet(BaseEstimator):
    """What the classifier and the regressor share: parameters, building, training."""

    def __init__(
        self,
        module: Callable[..., nn.Module],
        *,
        criterion: Callable[..., Any],
        optimizer: Callable[..., Any] = SGD,
        lr: float = 0.01,
        max_epochs: int = 10,
        batch_size: int = 128,
        train_split: float | None = None,
        random_state: Any = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> None:
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.train_split = train_split
        self.random_state = random_state
        self.verbose = verbose
        self._routed_params = dict(kwargs)

    # --- parameters: the prefixed arguments are parameters too ---------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        params = super().get_params(deep=deep)
        params.update(self._routed_params)
        return params

    def set_params(self, **params: Any) -> _BaseNeuralNet:
        routed = {key: value for key, value in params.items() if key.startswith(PREFIXES)}
        self._routed_params.update(routed)
        super().set_params(**{k: v for k, v in params.items() if k not in routed})
        return self

    # --- what the subclasses define ------------------------------------------------------------

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        """Encode `y` as the array the criterion takes; sets `n_outputs_` (and `classes_`)."""
        raise NotImplementedError

    # --- building and training -----------------------------------------------------------------

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _initialize(self, n_features: int, n_outputs: int) -> None:
        """Build `module_`, `criterion_` and `optimizer_` from the factories and arguments."""
        who = type(self).__name__
        if isinstance(self.module, nn.Module) or not callable(self.module):
            raise ArgumentTypeError(
                f"{who}: module must be a callable returning an nn.Module (a Module class or a "
                f"function), got {self.module!r}"
            )
        for key in self._routed_params:
            if not key.startswith(PREFIXES):
                raise ArgumentTypeError(
                    f"{who}: unexpected keyword argument {key!r}; extra arguments must start "
                    f"with one of {PREFIXES}"
                )
        module_kwargs = _prefixed(self._routed_params, "module__")
        for name, value in (("in_features", n_features), ("out_features", n_outputs)):
            if name not in module_kwargs and _accepts(self.module, name):
                module_kwargs[name] = value
        module = self.module(**module_kwargs)
        if not isinstance(module, nn.Module):
            raise ArgumentTypeError(
                f"{who}: module(...) must return an nn.Module, got {type(module).__name__}"
            )
        self.module_ = module
        self.criterion_ = self.criterion(**_prefixed(self._routed_params, "criterion__"))
        optimizer_kwargs = {"lr": self.lr, **_prefixed(self._routed_params, "optimizer__")}
        self.optimizer_ = self.optimizer(list(module.parameters()), **optimizer_kwargs)

    def _dtype(self) -> np.dtype:
        for param in self.module_.parameters():
            return np.dtype(param.data.dtype)
        return np.dtype(np.float32)

    def _fit(self, X: Any, y: Any, *, first_pass: bool, classes: Any = None) -> None:
        regressor = isinstance(self, RegressorMixin)
        X, y = validate_data(
            self,
            X,
            y,
            reset=first_pass,
            multi_output=regressor,
            y_numeric=regressor,
            dtype=(np.float64, np.float32),
        )
        target = self._prepare_targets(y, first_pass, classes)
        seed = self._seed()
        with _seeded(seed):
            if first_pass:
                self._initialize(X.shape[1], self.n_outputs_)
            X = X.astype(self._dtype(), copy=False)
            if target.dtype.kind == "f":
                target = target.astype(self._dtype(), copy=False)
            validation = None
            if self.train_split:
                stratify = target if isinstance(self, ClassifierMixin) else None
                X, X_val, target, target_val = train_test_split(
                    X, target, test_size=self.train_split, random_state=seed, stratify=stratify
                )
                validation = (X_val, target_val)
            history = fit(
                self.module_,
                self.criterion_,
                self.optimizer_,
                x=X,
                y=target,
                epochs=self.max_epochs,
                batch_size=self.batch_size,
                shuffle=True,
                validation_data=validation,
                verbose=2 if self.verbose else 0,
                generator=None if seed is None else np.random.default_rng(seed),
            )
        if first_pass:
            self.history_ = history
            return
        for index in range(len(history)):
            logs = {key: values[index] for key, values in history.history.items()}
            self.history_.append(len(self.history_), logs)

    def _output(self, X: Any) -> np.ndarray:
        """The module's output for every row of X (eval mode, no gradients), as float64."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        output = predict(self.module_, X.astype(self._dtype(), copy=False), self.batch_size)
        return np.asarray(output.data, dtype=np.float64)


class NeuralNetClassifier(ClassifierMixin, _BaseNeuralNet):
    """A classifier around any `nn.Module` factory, trained on logits with `CrossEntropyLoss`.

    **Arguments**
    - `module`: a callable returning the network; called with the ``module__<name>``
      arguments, and with ``in_features`` / ``out_features`` (number of classes) when it takes
      them. The network maps ``(batch, n_features)`` to logits ``(batch, n_classes)``.
    - `criterion`: the loss class (``criterion__<name>`` for its arguments); with
      `nn.NLLLoss` the network should end in `nn.LogSoftmax`.
    - `optimizer`: the optimizer class, built with `lr` and the ``optimizer__<name>`` arguments.
    - `max_epochs`, `batch_size`: passes over the data, samples per step.
    - `train_split`: None to train on everything, or the fraction held out (stratified) and
      scored after every epoch (``val_loss`` in `history_`).
    - `random_state`: seeds the network's initial values, the batch order and the split
      (retrograd's global generator is left as it was); None uses the global generator.
    - `verbose`: print a progress line per epoch.

    **Fitted attributes:** `classes_`, `n_features_in_`, `feature_names_in_`, `n_outputs_`,
    `module_`, `criterion_`, `optimizer_`, `history_` (a `retrograd.train.History`).
    """

    def __init__(
        self,
        module: Callable[..., nn.Module],
        *,
        criterion: Callable[..., Any] = nn.CrossEntropyLoss,
        optimizer: Callable[..., Any] = SGD,
        lr: float = 0.01,
        max_epochs: int = 10,
        batch_size: int = 128,
        train_split: float | None = None,
        random_state: Any = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )

    classes_: np.ndarray

    def fit(self, X: Any, y: Any) -> NeuralNetClassifier:
        """Build a fresh network and train it on X ``(n_samples, n_features)`` and labels y."""
        self._fit(X, y, first_pass=True)
        return self

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> NeuralNetClassifier:
        """Train `max_epochs` more epochs without rebuilding the network; the first call needs
        `classes`."""
        first_pass = not hasattr(self, "module_")
        if first_pass and classes is None:
            raise InvalidArgumentError(
                f"{type(self).__name__}: classes must be passed on the first call to partial_fit"
            )
        self._fit(X, y, first_pass=first_pass, classes=classes)
        return self

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        known = None if first_pass else self.classes_
        self.classes_ = resolve_classes(type(self).__name__, y, classes, known)
        self.n_outputs_ = len(self.classes_)
        return np.searchsorted(self.classes_, y).astype(np.int64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities ``(n_samples, n_classes)``: the softmax of the logits (the exp of
        the output for `nn.NLLLoss`; the output itself for other criteria)."""
        output = self._output(X)
        if isinstance(self.criterion, type) and issubclass(self.criterion, nn.NLLLoss):
            return np.exp(output)
        if isinstance(self.criterion, type) and issubclass(self.criterion, nn.CrossEntropyLoss):
            shifted = np.exp(output - output.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        return output

    def predict(self, X: Any) -> np.ndarray:
        """The most likely class of each row of X."""
        index = np.argmax(self._output(X), axis=1)
        return self.classes_[index]


class NeuralNetRegressor(RegressorMixin, _BaseNeuralNet):
    """A regressor around any `nn.Module` factory, trained with `MSELoss` by default.

    The arguments are `NeuralNetClassifier`'s; ``out_features`` is the number of targets, and
    the network maps ``(batch, n_features)`` to ``(batch, n_targets)``. `predict` returns
    ``(n_samples,)`` when y was one-dimensional.

    **Fitted attributes:** `n_features_in_`, `feature_names_in_`, `n_outputs_`, `module_`,
    `criterion_`, `optimizer_`, `history_`.
    """

    def __init__(
        self,
        module: Callable[..., nn.Module],
        *,
        criterion: Callable[..., Any] = nn.MSELoss,
        optimizer: Callable[..., Any] = SGD,
        lr: float = 0.01,
        max_epochs: int = 10,
        batch_size: int = 128,
        train_split: float | None = None,
        random_state: Any = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )

    def fit(self, X: Any, y: Any) -> NeuralNetRegressor:
        """Build a fresh network and train it on X ``(n_samples, n_features)`` and y."""
        self._fit(X, y, first_pass=True)
        return self

    def partial_fit(self, X: Any, y: Any) -> NeuralNetRegressor:
        """Train `max_epochs` more epochs without rebuilding the network."""
        self._fit(X, y, first_pass=not hasattr(self, "module_"))
        return self

    def _prepare_targets(self, y: np.ndarray, first_pass: bool, classes: Any = None) -> np.ndarray:
        target = np.asarray(y, dtype=np.float64)
        self._y_ndim = target.ndim
        if target.ndim == 1:
            target = target.reshape(-1, 1)
        self.n_outputs_ = target.shape[1]
        return target

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n_samples,)`` for a one-dimensional y, else ``(n_samples, n_targets)``."""
        output = self._output(X)
        return output.ravel() if self._y_ndim == 1 else output
