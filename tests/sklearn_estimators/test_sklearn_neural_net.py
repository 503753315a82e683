"""NeuralNetClassifier and NeuralNetRegressor: any retrograd network as an estimator."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV

from retrograd import get_rng_state, nn
from retrograd.optim import SGD, Adam, AdamW
from retrograd.sklearn import NeuralNetClassifier, NeuralNetRegressor
from retrograd.train.tabular import tabular_settings


def network(in_features: int, out_features: int, hidden: int = 8) -> nn.Module:
    return nn.Sequential(nn.Linear(in_features, hidden), nn.Tanh(), nn.Linear(hidden, out_features))


class LogSoftmaxNetwork(nn.Module):
    """A network that outputs log-probabilities, for `nn.NLLLoss`."""

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x: object) -> object:
        return self.log_softmax(self.linear(x))


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def test_linear_module_gets_in_and_out_features_from_the_data() -> None:
    X, y = iris()
    model = NeuralNetClassifier(
        nn.Linear, optimizer=Adam, lr=0.05, max_epochs=30, batch_size=32, random_state=0
    ).fit(X, y)
    assert (model.module_.in_features, model.module_.out_features) == (4, 3)
    assert model.n_outputs_ == 3 and model.classes_.tolist() == [0, 1, 2]
    assert model.score(X, y) > 0.9
    assert len(model.history_["loss"]) == 30
    assert model.history_["loss"][-1] < model.history_["loss"][0]


def test_predict_proba_is_the_softmax_of_the_logits() -> None:
    X, y = iris()
    model = NeuralNetClassifier(network, max_epochs=2, random_state=0).fit(X, y)
    logits = model.module_(model.module_.parameters().__next__().new_tensor(X)).detach().numpy()
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X), expected, rtol=1e-5)
    assert model.predict(X).tolist() == expected.argmax(axis=1).tolist()


def test_nll_loss_with_log_softmax_gives_exp_probabilities() -> None:
    X, y = iris()
    model = NeuralNetClassifier(
        LogSoftmaxNetwork,
        criterion=nn.NLLLoss,
        optimizer=Adam,
        lr=0.05,
        max_epochs=20,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    assert model.score(X, y) > 0.8


def test_prefixed_arguments_reach_module_criterion_and_optimizer() -> None:
    X, y = iris()
    model = NeuralNetClassifier(
        network,
        optimizer=SGD,
        module__hidden=5,
        optimizer__momentum=0.9,
        criterion__label_smoothing=0.1,
        max_epochs=1,
        random_state=0,
    )
    params = model.get_params()
    assert params["module__hidden"] == 5 and params["optimizer__momentum"] == 0.9
    model.fit(X, y)
    assert model.module_[0].out_features == 5
    assert isinstance(model.optimizer_, SGD)
    assert model.optimizer_.param_groups[0]["momentum"] == 0.9
    assert model.criterion_.label_smoothing == 0.1
    model.set_params(module__hidden=3, lr=0.1)
    assert model.get_params()["module__hidden"] == 3 and model.lr == 0.1
    assert model.fit(X, y).module_[0].out_features == 3
    copy = clone(model)
    assert copy.get_params()["module__hidden"] == 3
    assert not hasattr(copy, "module_")


def test_grid_search_over_module_arguments() -> None:
    X, y = iris()
    search = GridSearchCV(
        NeuralNetClassifier(network, optimizer=Adam, max_epochs=5, random_state=0),
        {"module__hidden": [2, 6], "lr": [0.01, 0.05]},
        cv=2,
    ).fit(X, y)
    assert set(search.best_params_) == {"module__hidden", "lr"}
    assert search.best_estimator_.module_[0].out_features == search.best_params_["module__hidden"]


def test_random_state_repeats_the_run_and_leaves_the_global_generator_alone() -> None:
    X, y = iris()
    before = get_rng_state()
    first = NeuralNetClassifier(network, max_epochs=3, random_state=7).fit(X, y)
    second = NeuralNetClassifier(network, max_epochs=3, random_state=7).fit(X, y)
    assert get_rng_state() == before
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_train_split_scores_a_held_out_fraction_each_epoch() -> None:
    X, y = iris()
    model = NeuralNetClassifier(network, max_epochs=4, train_split=0.2, random_state=0)
    model.fit(X, y)
    assert len(model.history_["val_loss"]) == 4


def test_partial_fit_keeps_the_network_and_extends_the_history() -> None:
    X, y = iris()
    model = NeuralNetClassifier(network, max_epochs=2, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X, y)
    model.partial_fit(X, y, classes=[0, 1, 2])
    module = model.module_
    model.partial_fit(X, y)
    assert model.module_ is module and len(model.history_) == 4


def test_regressor_keeps_the_shape_of_y() -> None:
    X, _ = iris()
    y = X[:, 0] - 0.5 * X[:, 1]
    model = NeuralNetRegressor(
        network, optimizer=Adam, lr=0.02, max_epochs=40, batch_size=16, random_state=0
    ).fit(X, y)
    assert model.predict(X).shape == (150,) and model.n_outputs_ == 1
    assert model.score(X, y) > 0.9
    two = NeuralNetRegressor(network, max_epochs=1).fit(X, np.column_stack([y, y]))
    assert two.predict(X).shape == (150, 2) and two.module_[-1].out_features == 2


def test_bad_modules_and_arguments_are_reported_at_fit() -> None:
    X, y = iris()
    with pytest.raises(TypeError, match="must start with one of"):
        NeuralNetClassifier(network, hiden=3).fit(X, y)
    with pytest.raises(TypeError, match="module must be a callable returning an nn.Module"):
        NeuralNetClassifier(nn.Linear(4, 3)).fit(X, y)
    with pytest.raises(TypeError, match="must return an nn.Module"):
        NeuralNetClassifier(lambda in_features, out_features: None).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        NeuralNetClassifier(network).fit(X, np.zeros(150))


# ------------------------------------------------------------------- the measured defaults
def test_defaults_are_the_tabular_settings_of_retrograd_train() -> None:
    X, y = iris()
    model = NeuralNetClassifier(random_state=0).fit(X, y)
    settings = tabular_settings(120, 4)  # 150 rows, 20 % held out
    assert isinstance(model.optimizer_, AdamW)
    group = model.optimizer_.param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (1e-3, 1e-2) == (settings.lr, 0.01)
    widths = [layer.out_features for layer in model.module_ if isinstance(layer, nn.Linear)]
    assert widths == [*settings.hidden, 3] and isinstance(model.module_[1], nn.ReLU)
    assert len(model.history_["val_loss"]) <= settings.max_epochs
    assert model.score(X, y) > 0.9


def test_early_stopping_restores_the_best_epoch() -> None:
    X, y = iris()
    model = NeuralNetClassifier(network, lr=0.05, patience=3, random_state=0).fit(X, y)
    losses = model.history_["val_loss"]
    best = int(np.argmin(losses))
    assert len(losses) == best + 4  # stopped three epochs after the best one
    # the held-out rows (same seed, same split) score the restored weights at the best loss
    again = NeuralNetClassifier(network, lr=0.05, patience=3, random_state=0)
    X_train, target, (X_val, target_val) = again._split(X, y, model._seed())
    probabilities = model.predict_proba(X_val)
    loss = -np.mean(np.log(probabilities[np.arange(len(target_val)), target_val]))
    assert loss == pytest.approx(losses[best], rel=1e-4)


def test_no_split_trains_every_row_for_max_epochs() -> None:
    X, y = iris()
    model = NeuralNetClassifier(network, train_split=None, max_epochs=7, random_state=0)
    assert len(model.fit(X, y).history_["loss"]) == 7 and "val_loss" not in model.history_.history
    model = NeuralNetClassifier(network, patience=0, max_epochs=7, random_state=0).fit(X, y)
    assert len(model.history_["val_loss"]) == 7


def test_too_few_rows_to_hold_out_train_on_all_of_them() -> None:
    X, y = iris()
    rows = [0, 1, 50, 100]  # 4 rows of 3 classes: no stratified split, one held-out row
    model = NeuralNetClassifier(network, max_epochs=2, random_state=0).fit(X[rows], y[rows])
    assert len(model.history_["val_loss"]) == 2
    one = NeuralNetRegressor(network, max_epochs=2).fit(X[:1], y[:1])
    assert "val_loss" not in one.history_.history


def test_regressor_learns_a_standardized_target_and_predicts_in_its_units() -> None:
    X, _ = iris()
    y = 1000.0 + 250.0 * (X[:, 0] - 0.5 * X[:, 1])
    model = NeuralNetRegressor(network, max_epochs=5, random_state=0).fit(X, y)
    scaler = model.target_scaler_
    train_rows = len(X) - 30
    assert scaler.n_samples_seen_ == train_rows and abs(scaler.mean_[0] - 1000) < 100
    raw = model._output(X)[:, 0]
    np.testing.assert_allclose(model.predict(X), raw * scaler.scale_[0] + scaler.mean_[0])
    plain = NeuralNetRegressor(network, standardize_target=False, max_epochs=5, random_state=0)
    assert plain.fit(X, y).target_scaler_ is None
    np.testing.assert_allclose(plain.predict(X), plain._output(X)[:, 0])


def test_regressor_defaults_fit_a_target_far_from_zero() -> None:
    X, _ = iris()
    y = 1000.0 + 250.0 * (X[:, 0] - 0.5 * X[:, 1])
    assert NeuralNetRegressor(random_state=0).fit(X, y).score(X, y) > 0.95
