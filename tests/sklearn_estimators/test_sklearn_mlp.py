"""MLPClassifier and MLPRegressor: scikit-learn's parameters, attributes and training rules."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor

import retrograd
from retrograd import nn
from retrograd.sklearn import MLPClassifier, MLPRegressor


def blobs(n: int = 60, classes: int = 3, features: int = 4, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    X = rng.normal(size=(n, features)) + y[:, None] * 2.0
    return X, y


# --- one optimizer step, checked against scikit-learn itself ----------------------------------

STEP_SETTINGS = dict(
    hidden_layer_sizes=(5, 3),
    activation="tanh",
    solver="sgd",
    momentum=0.0,
    alpha=0.3,
    batch_size=30,
    shuffle=False,
    learning_rate_init=0.1,
    random_state=0,
)


@pytest.mark.parametrize("kind", ["multiclass", "binary", "two targets"])
def test_one_sgd_step_matches_sklearn_from_the_same_weights(kind: str) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    fit_args: dict[str, Any] = {}
    if kind == "two targets":
        y = rng.normal(size=(30, 2))
        ours: Any = MLPRegressor(**STEP_SETTINGS)
        theirs: Any = SklearnMLPRegressor(**STEP_SETTINGS)
    else:
        classes = [0, 1, 2] if kind == "multiclass" else [0, 1]
        y = rng.choice(classes, size=30)
        fit_args = {"classes": classes}
        ours = MLPClassifier(**STEP_SETTINGS)
        theirs = SklearnMLPClassifier(**STEP_SETTINGS)
    ours.partial_fit(X, y, **fit_args)
    theirs.partial_fit(X, y, **fit_args)
    for index, (coef, intercept) in enumerate(zip(ours.coefs_, ours.intercepts_)):
        theirs.coefs_[index][...] = coef
        theirs.intercepts_[index][...] = intercept

    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)

    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-12)
    for mine, reference in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(mine, reference, rtol=1e-10, atol=1e-12)
    if kind == "two targets":
        np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
    else:
        np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-12)


def test_loss_is_cross_entropy_plus_l2_penalty_on_weights_only() -> None:
    """Hand-computed: softmax cross-entropy + alpha * sum ||W||^2 / (2 n), biases excluded."""
    X, y = blobs(n=12)
    model = MLPClassifier(
        hidden_layer_sizes=(3,),
        activation="relu",
        alpha=0.5,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        batch_size=12,
        max_iter=1,
        random_state=1,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    (w1, w2), (b1, b2) = model.coefs_, model.intercepts_
    logits = np.maximum(X @ w1 + b1, 0) @ w2 + b2
    log_proba = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    data_loss = -log_proba[np.arange(12), y].mean()
    penalty = 0.5 * ((w1**2).sum() + (w2**2).sum()) / (2 * 12)
    assert model.loss_curve_ == [pytest.approx(data_loss + penalty, rel=1e-12)]


# --- fitted attributes -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_multiclass_classifier_attributes() -> None:
    X, y = blobs()
    labels = np.array(["ant", "bee", "cat"])[y]
    model = MLPClassifier(hidden_layer_sizes=(5,), learning_rate_init=0.05, random_state=0)
    model.fit(X, labels)
    assert model.classes_.tolist() == ["ant", "bee", "cat"]
    assert model.n_features_in_ == 4
    assert (model.n_outputs_, model.out_activation_, model.n_layers_) == (3, "softmax", 3)
    assert [c.shape for c in model.coefs_] == [(4, 5), (5, 3)]
    assert [b.shape for b in model.intercepts_] == [(5,), (3,)]
    assert len(model.loss_curve_) == model.n_iter_
    assert model.best_loss_ == min(model.loss_curve_)
    assert model.validation_scores_ is None and model.best_validation_score_ is None
    assert isinstance(model.module_, nn.Sequential)
    assert not hasattr(model, "feature_names_in_")  # a plain array has no column names
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.predict(X).tolist() == model.classes_[proba.argmax(axis=1)].tolist()
    assert model.score(X, labels) > 0.9
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_binary_classifier_has_one_logistic_output() -> None:
    X, y = blobs(classes=2)
    model = MLPClassifier(hidden_layer_sizes=(4,), learning_rate_init=0.05, random_state=0)
    model.fit(X, y * 5)
    assert (model.n_outputs_, model.out_activation_) == (1, "logistic")
    proba = model.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    logits = model.module_(retrograd.tensor(X)).detach().numpy()[:, 0]
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-logits)))
    assert set(model.predict(X)) <= {0, 5}
    assert model.score(X, y * 5) > 0.9


def test_regressor_one_and_several_targets() -> None:
    X, _ = blobs()
    y = X @ np.array([1.0, -2.0, 0.5, 0.0])
    model = MLPRegressor(
        hidden_layer_sizes=(8,), max_iter=500, learning_rate_init=0.01, random_state=0
    ).fit(X, y)
    assert model.predict(X).shape == (60,)
    assert (model.n_outputs_, model.out_activation_) == (1, "identity")
    assert model.score(X, y) > 0.9
    both = MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        both.fit(X, np.column_stack([y, -y]))
    assert both.predict(X).shape == (60, 2) and both.n_outputs_ == 2


@pytest.mark.parametrize(
    ("activation", "layer"),
    [("relu", nn.ReLU), ("tanh", nn.Tanh), ("logistic", nn.Sigmoid), ("identity", nn.Identity)],
)
def test_activation_names_pick_the_layers(activation: str, layer: type) -> None:
    X, y = blobs(n=20)
    model = MLPClassifier(hidden_layer_sizes=(3, 2), activation=activation, max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    kinds = [type(m) for m in model.module_]
    assert kinds == [nn.Linear, layer, nn.Linear, layer, nn.Linear]


def test_glorot_bounds_like_sklearn() -> None:
    X, y = blobs()
    for activation, factor in (("relu", 6.0), ("logistic", 2.0)):
        model = MLPClassifier(
            hidden_layer_sizes=(50,),
            activation=activation,
            max_iter=1,
            learning_rate_init=1e-300,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        bound = np.sqrt(factor / (4 + 50))
        assert np.abs(model.coefs_[0]).max() <= bound
        assert np.abs(model.coefs_[0]).max() > 0.9 * bound


# --- stopping ----------------------------------------------------------------------------------


def test_stops_when_loss_stops_improving_by_tol_like_sklearn() -> None:
    X, y = blobs()
    settings = dict(hidden_layer_sizes=(4,), tol=10.0, n_iter_no_change=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = MLPClassifier(**settings).fit(X, y)
        theirs = SklearnMLPClassifier(**settings).fit(X, y)
    # epoch 1 improves on inf; epochs 2..5 do not, and the 4th miss (> 3) stops
    assert ours.n_iter_ == theirs.n_iter_ == 5


def test_adaptive_learning_rate_divides_by_five_before_stopping_like_sklearn() -> None:
    X, y = blobs()
    settings = dict(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="adaptive",
        tol=10.0,
        n_iter_no_change=1,
        random_state=0,
    )
    ours = MLPClassifier(**settings).fit(X, y)
    theirs = SklearnMLPClassifier(**settings).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ > 3
    assert ours._optimizer.param_groups[0]["lr"] < 1e-6


def test_invscaling_learning_rate() -> None:
    X, y = blobs()
    model = MLPClassifier(
        hidden_layer_sizes=(4,),
        solver="sgd",
        learning_rate="invscaling",
        learning_rate_init=0.5,
        power_t=0.5,
        max_iter=3,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning):
        model.fit(X, y)
    assert model.t_ == 180
    assert model._optimizer.param_groups[0]["lr"] == pytest.approx(0.5 / 181**0.5)


def test_convergence_warning_when_max_iter_is_reached() -> None:
    X, y = blobs()
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, tol=0.0).fit(X, y)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3


def test_early_stopping_scores_a_held_out_fraction_and_keeps_the_best_weights() -> None:
    X, y = blobs(n=100)
    model = MLPClassifier(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        max_iter=300,
        random_state=0,
    ).fit(X, y)
    assert model.best_loss_ is None
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.n_iter_ < 300
    regressor = MLPRegressor(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        max_iter=300,
        learning_rate_init=0.05,
        random_state=0,
    )
    regressor.fit(X, X[:, 0] - X[:, 1])
    assert regressor.best_validation_score_ == max(regressor.validation_scores_) > 0.5


# --- partial_fit, warm_start, randomness ------------------------------------------------------


def test_partial_fit_runs_one_epoch_per_call() -> None:
    X, y = blobs()
    model = MLPClassifier(hidden_layer_sizes=(4,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        model.partial_fit(X, y)
    model.partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    model.partial_fit(X[30:], y[30:])
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    assert model.classes_.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        model.partial_fit(X[:2], np.array([0, 7]))
    with pytest.raises(ValueError, match="is not the same as on the first call"):
        model.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 3 features"):
        model.partial_fit(X[:, :3], y)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])
    regressor = MLPRegressor(hidden_layer_sizes=(4,)).partial_fit(X, y * 1.0)
    regressor.partial_fit(X, y * 1.0)
    assert regressor.n_iter_ == 2


def test_warm_start_continues_from_the_fitted_weights() -> None:
    X, y = blobs()
    model = MLPClassifier(
        hidden_layer_sizes=(4,), max_iter=5, tol=0.0, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        first = model.coefs_[0].copy()
        model.fit(X, y)
    assert model.n_iter_ == 10 and len(model.loss_curve_) == 10
    assert not np.allclose(model.coefs_[0], first)


def test_random_state_fixes_the_result_and_none_follows_numpy_global_seed() -> None:
    X, y = blobs()

    def weights(random_state: Any) -> np.ndarray:
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, random_state=random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(X, y).coefs_[0]

    np.testing.assert_array_equal(weights(3), weights(3))
    assert not np.array_equal(weights(3), weights(4))
    np.random.seed(5)
    first = weights(None)
    np.random.seed(5)
    np.testing.assert_array_equal(first, weights(None))


def test_batch_size_auto_and_clipping() -> None:
    X, y = blobs(n=20)
    model = MLPClassifier(hidden_layer_sizes=(4,), batch_size=50, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="It is going to be clipped"):
            model.fit(X, y)


# --- parameter checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"solver": "lbfgs"}, "no L-BFGS solver"),
        ({"activation": "softmax"}, "activation must be one of"),
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes must hold ints >= 1"),
        ({"alpha": -1.0}, "alpha must be a number"),
        ({"batch_size": 0}, "batch_size must be an int >= 1"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"max_iter": 0}, "max_iter must be an int >= 1"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"beta_2": 1.0}, "beta_2"),
        ({"learning_rate": "fast"}, "learning_rate must be one of"),
    ],
)
def test_invalid_parameters_raise_at_fit_not_init(params: dict[str, Any], message: str) -> None:
    X, y = blobs(n=10)
    model = MLPClassifier(**params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)


def test_one_class_is_refused() -> None:
    X, _ = blobs(n=10)
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifier().fit(X, np.zeros(10))
