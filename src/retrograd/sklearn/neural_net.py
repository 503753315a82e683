"""`NeuralNetClassifier` and `NeuralNetRegressor`: any retrograd network as a scikit-learn
estimator (skorch's idea), with the defaults `retrograd train` measured for tabular data.

`module` is a callable that returns an `nn.Module` (a Module class, or a function). It is called
at `fit` with the ``module__<name>`` arguments, plus ``in_features`` (the number of columns of
X) and ``out_features`` (the number of classes, or of targets) when its signature takes them
and they were not given; so ``module=nn.Linear`` is a linear model. Without a `module`, the
network is `tabular_network`: two ReLU hidden layers whose width grows with the rows, as
`retrograd train` builds. `criterion` (a loss class, ``criterion__<name>`` for its arguments)
and `optimizer` (``optimizer__<name>``) are built the same way, and training runs
`retrograd.train.fit`.

The defaults are `retrograd.train.tabular.tabular_settings`: AdamW (learning rate 0.001, weight
decay 0.01), 20 % of the rows held out with early stopping on their loss and the best epoch's
weights restored, and a batch size, an epoch limit and a patience from the number of rows. The
regressor standardizes the target and turns predictions back into its units. Features are
taken as they are: put a `StandardScaler` before the estimator in a `Pipeline`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.base import (  # type: ignore[import-untyped]
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
)
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]
from sklearn.utils import check_random_state  # type: ignore[import-untyped]
from sklearn.utils.validation import check_is_fitted, validate_data  # type: ignore[import-untyped]

from retrograd import nn
from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.optim import AdamW
from retrograd.random import get_rng_state, manual_seed, set_rng_state
from retrograd.sklearn._classes import resolve_classes
from retrograd.train import EarlyStopping, fit, predict
from retrograd.train.tabular import TabularSettings, tabular_settings

PREFIXES = ("module__", "criterion__", "optimizer__")
PREDICT_BATCH_SIZE = 1024  # rows per forward pass in predict when batch_size is None


def tabular_network(
    in_features: int, out_features: int, hidden: Sequence[int] = (64, 64)
) -> nn.Sequential:
    """Linear layers of widths `hidden` with ReLU between them, then a linear output: the
    network `retrograd train` builds. ``(batch, in_features) -> (batch, out_features)``."""
    layers: list[nn.Module] = []
    width = in_features
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


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
        module: Callable[..., nn.Module] | None = None,
        *,
        criterion: Callable[..., Any],
        optimizer: Callable[..., Any] = AdamW,
        lr: float = 1e-3,
        max_epochs: int | None = None,
        batch_size: int | None = None,
        train_split: float | None = 0.2,
        patience: int | None = None,
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
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose
        self._routed_params = dict(kwargs)

    # --- parameters: the prefixed arguments are parameters too ---------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments by name (scikit-learn's contract), the prefixed ones
        (`module__*`, `criterion__*`, `optimizer__*`) included."""
        params = super().get_params(deep=deep)
        params.update(self._routed_params)
        return params

    def set_params(self, **params: Any) -> _BaseNeuralNet:
        """Set constructor arguments by name, prefixed ones (`module__hidden`, ...) included;
        returns the estimator. The next `fit` builds the network from them."""
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

    def _initialize(self, n_features: int, n_outputs: int, settings: TabularSettings) -> None:
        """Build `module_`, `criterion_` and `optimizer_` from the factories and arguments
        (`settings`: the defaults for the training rows)."""
        who = type(self).__name__
        factory = tabular_network if self.module is None else self.module
        if isinstance(factory, nn.Module) or not callable(factory):
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
            if name not in module_kwargs and _accepts(factory, name):
                module_kwargs[name] = value
        if self.module is None:
            module_kwargs.setdefault("hidden", settings.hidden)
        module = factory(**module_kwargs)
        if not isinstance(module, nn.Module):
            raise ArgumentTypeError(
                f"{who}: module(...) must return an nn.Module, got {type(module).__name__}"
            )
        self.module_ = module
        self.criterion_ = self.criterion(**_prefixed(self._routed_params, "criterion__"))
        optimizer_kwargs = {"lr": self.lr, **_prefixed(self._routed_params, "optimizer__")}
        if self.optimizer is AdamW:
            optimizer_kwargs.setdefault("weight_decay", settings.weight_decay)
        self.optimizer_ = self.optimizer(list(module.parameters()), **optimizer_kwargs)

    def _dtype(self) -> np.dtype:
        for param in self.module_.parameters():
            return np.dtype(param.array.dtype)
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
        X, target, validation = self._split(X, target, seed)
        target = self._scale_target(target, first_pass)
        if validation is not None:
            validation = (validation[0], self._scale_target(validation[1], False))
        settings = tabular_settings(len(X), X.shape[1])
        with _seeded(seed):
            if first_pass:
                self._initialize(X.shape[1], self.n_outputs_, settings)
            dtype = self._dtype()
            if target.dtype.kind == "f":
                target = target.astype(dtype, copy=False)
            callbacks = []
            patience = settings.patience if self.patience is None else self.patience
            if validation is not None:
                X_val, target_val = validation
                if target_val.dtype.kind == "f":
                    target_val = target_val.astype(dtype, copy=False)
                validation = (X_val.astype(dtype, copy=False), target_val)
                if patience > 0:
                    callbacks.append(
                        EarlyStopping("val_loss", patience=patience, restore_best_weights=True)
                    )
            history = fit(
                self.module_,
                self.criterion_,
                self.optimizer_,
                x=X.astype(dtype, copy=False),
                y=target,
                epochs=settings.max_epochs if self.max_epochs is None else self.max_epochs,
                batch_size=settings.batch_size if self.batch_size is None else self.batch_size,
                shuffle=True,
                validation_data=validation,
                callbacks=callbacks,
                verbose=2 if self.verbose else 0,
                generator=None if seed is None else np.random.default_rng(seed),
            )
        if first_pass:
            self.history_ = history
            return
        for index in range(len(history)):
            logs = {key: values[index] for key, values in history.history.items()}
            self.history_.append(len(self.history_), logs)

    def _split(
        self, X: np.ndarray, target: np.ndarray, seed: int | None
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """The training rows and the `train_split` held out (None when there are too few
        rows to hold any out and train on the rest); stratified for a classifier when every
        class has enough rows."""
        n_val = math.ceil(len(X) * self.train_split) if self.train_split else 0
        if n_val < 1 or len(X) - n_val < 1:
            return X, target, None
        stratify = target if isinstance(self, ClassifierMixin) else None
        try:
            X, X_val, target, target_val = train_test_split(
                X, target, test_size=n_val, random_state=seed, stratify=stratify
            )
        except ValueError:  # a class with a single row, or fewer held-out rows than classes
            X, X_val, target, target_val = train_test_split(
                X, target, test_size=n_val, random_state=seed
            )
        return X, target, (X_val, target_val)

    def _scale_target(self, target: np.ndarray, first_pass: bool) -> np.ndarray:
        """The target the network learns (the regressor standardizes it)."""
        return target

    def _output(self, X: Any) -> np.ndarray:
        """The module's output for every row of X (eval mode, no gradients), as float64."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        batch_size = PREDICT_BATCH_SIZE if self.batch_size is None else self.batch_size
        output = predict(self.module_, X.astype(self._dtype(), copy=False), batch_size)
        return np.asarray(output.array, dtype=np.float64)


class NeuralNetClassifier(ClassifierMixin, _BaseNeuralNet):
    """A classifier around any `nn.Module` factory, trained on logits with `CrossEntropyLoss`;
    by default the network, optimizer and stopping rule of `retrograd train`.

    Args:
        module: a callable returning the network; called with the ``module__<name>``
            arguments, and with ``in_features`` / ``out_features`` (number of classes) when it takes
            them. The network maps ``(batch, n_features)`` to logits ``(batch, n_classes)``. None:
            linear layers with ReLU between them, as `retrograd train` builds, of the hidden widths
            of `tabular_settings` for the training rows (``module__hidden`` to choose them).
        criterion: the loss class (``criterion__<name>`` for its arguments); with
            `nn.NLLLoss` the network should end in `nn.LogSoftmax`. Default: nn.CrossEntropyLoss.
        optimizer: the optimizer class, built with `lr` and the ``optimizer__<name>`` arguments
            (for `AdamW`, the default, weight decay 0.01 unless ``optimizer__weight_decay``).
        lr: the learning rate. Default: 0.001.
        max_epochs: passes over the data; None: from the number of training rows
            (`tabular_settings`: up to about 15,000 steps).
        batch_size: samples per step; None: from the number of training rows
            (`tabular_settings`: 16 to 256 rows a step).
        train_split: the fraction of the rows held out (stratified when every class allows) and
            scored after every epoch (``val_loss`` in `history_`); None or 0 to train on every row.
            Default: 0.2.
        patience: with a held-out split, stop after this many epochs without a lower
            ``val_loss`` and restore the weights of the best epoch; None: from the number of
            training rows (20, or 40 when an epoch takes fewer than 20 steps); 0: never stop early.
        random_state: seeds the network's initial values, the batch order and the split
            (retrograd's global generator is left as it was); None uses the global generator.
        verbose: print a progress line per epoch. Default: False.
        **kwargs: the ``module__<name>``, ``criterion__<name>`` and ``optimizer__<name>``
            arguments.

    **Fitted attributes:** `classes_`, `n_features_in_`, `feature_names_in_`, `n_outputs_`,
    `module_`, `criterion_`, `optimizer_`, `history_` (a `retrograd.train.History`).
    """

    def __init__(
        self,
        module: Callable[..., nn.Module] | None = None,
        *,
        criterion: Callable[..., Any] = nn.CrossEntropyLoss,
        optimizer: Callable[..., Any] = AdamW,
        lr: float = 1e-3,
        max_epochs: int | None = None,
        batch_size: int | None = None,
        train_split: float | None = 0.2,
        patience: int | None = None,
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
            patience=patience,
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
    """A regressor around any `nn.Module` factory, trained with `MSELoss` by default; by
    default the network, optimizer and stopping rule of `retrograd train`.

    The arguments are `NeuralNetClassifier`'s (the split is not stratified); ``out_features``
    is the number of targets, and the network maps ``(batch, n_features)`` to
    ``(batch, n_targets)``. `predict` returns ``(n_samples,)`` when y was one-dimensional.
    `standardize_target`: train on each target minus its mean over the training rows, divided
    by its standard deviation (`target_scaler_`), and turn predictions back into its units.

    **Fitted attributes:** `n_features_in_`, `feature_names_in_`, `n_outputs_`, `module_`,
    `criterion_`, `optimizer_`, `history_` (losses on the standardized target),
    `target_scaler_` (a fitted `StandardScaler`, or None).
    """

    def __init__(
        self,
        module: Callable[..., nn.Module] | None = None,
        *,
        criterion: Callable[..., Any] = nn.MSELoss,
        optimizer: Callable[..., Any] = AdamW,
        lr: float = 1e-3,
        max_epochs: int | None = None,
        batch_size: int | None = None,
        train_split: float | None = 0.2,
        patience: int | None = None,
        standardize_target: bool = True,
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
            patience=patience,
            random_state=random_state,
            verbose=verbose,
            **kwargs,
        )
        self.standardize_target = standardize_target

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

    def _scale_target(self, target: np.ndarray, first_pass: bool) -> np.ndarray:
        if first_pass:
            self.target_scaler_ = StandardScaler().fit(target) if self.standardize_target else None
        if self.target_scaler_ is None:
            return target
        return np.asarray(self.target_scaler_.transform(target), dtype=np.float64)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X: Any) -> np.ndarray:
        """Predictions ``(n_samples,)`` for a one-dimensional y, else ``(n_samples, n_targets)``."""
        output = self._output(X)
        if self.target_scaler_ is not None:
            output = np.asarray(self.target_scaler_.inverse_transform(output), dtype=np.float64)
        return output.ravel() if self._y_ndim == 1 else output
