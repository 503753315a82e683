"""`fit`, `evaluate`, `predict`: learning, History contents, validation, modes, errors."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd import metrics, nn, optim
from retrograd.data import DataLoader, TensorDataset
from retrograd.train import Callback, History, TrainingError, TrainingTypeError, fit
from retrograd.train import evaluate as evaluate_fn
from retrograd.train import predict as predict_fn

from .helpers import (
    assert_same_weights,
    classification_data,
    linear_model,
    regression_data,
    weights,
)


def test_fit_reduces_the_loss_of_a_regression():
    x, y = regression_data()
    model = linear_model()
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), x=x, y=y, epochs=15,
        batch_size=8, metrics=["mae"], verbose=0, generator=np.random.default_rng(0),
    )  # fmt: skip
    losses = history.history["loss"]
    assert losses[-1] < 0.01 * losses[0]
    assert history.history["mae"][-1] < 0.1
    assert evaluate_fn(model, nn.MSELoss(), x=x, y=y)["loss"] < 1e-3


def test_fit_learns_a_classification_with_accuracy():
    x, y = classification_data()
    rg.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    history = fit(
        model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), x=x, y=y,
        epochs=20, batch_size=16, metrics=["accuracy"], validation_split=0.2, verbose=0,
        generator=np.random.default_rng(0),
    )  # fmt: skip
    h = history.history
    assert list(h) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert h["loss"][-1] < 0.5 * h["loss"][0]
    assert h["accuracy"][-1] > 0.9 and h["val_accuracy"][-1] > 0.9
    assert history.epoch == list(range(20))
    assert all(len(values) == 20 for values in h.values())
    assert history.params == {"epochs": 20, "steps": 5}  # 72 training samples, batches of 16


def test_fit_is_the_hand_written_loop():
    """Without shuffling, fit and a PyTorch-style loop end with the same weights, bit for bit."""
    x, y = regression_data(n=20)
    model = linear_model()
    fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x=x, y=y,
        epochs=3, batch_size=6, shuffle=False, verbose=0,
    )  # fmt: skip

    by_hand = linear_model()
    optimizer = optim.SGD(by_hand.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    for _ in range(3):
        by_hand.train()
        for xb, yb in DataLoader(TensorDataset(x, y), batch_size=6):
            optimizer.zero_grad()
            loss = loss_fn(by_hand(xb), yb)
            loss.backward()
            optimizer.step()
    assert_same_weights(weights(model), weights(by_hand))


@pytest.mark.parametrize("form", ["x_y", "tuple", "dataset", "loader"])
def test_fit_accepts_arrays_tensors_datasets_and_loaders(form):
    x, y = regression_data(n=20)
    inputs = {
        "x_y": {"x": rg.tensor(x), "y": rg.tensor(y)},
        "tuple": {"data": (x, y)},
        "dataset": {"data": TensorDataset(x, y)},
        "loader": {"data": DataLoader(TensorDataset(x, y), batch_size=8)},
    }[form]
    model = linear_model()
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), epochs=2, batch_size=8,
        shuffle=False, verbose=0, **inputs,
    )  # fmt: skip
    reference = linear_model()
    expected = fit(
        reference, nn.MSELoss(), optim.SGD(reference.parameters(), lr=0.1), x=x, y=y,
        epochs=2, batch_size=8, shuffle=False, verbose=0,
    )  # fmt: skip
    assert history.history == expected.history
    assert_same_weights(weights(model), weights(reference))


def test_epoch_loss_is_the_mean_weighted_by_batch_size():
    """With lr 0 the weights stay put, so the epoch loss (batches of 4, 4, 2) must equal the
    loss over all 10 samples at once; an unweighted mean of batch losses would not."""
    x, y = regression_data(n=10)
    model = linear_model()
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.0), x=x, y=y, epochs=1,
        batch_size=4, metrics=["mae", "r2"], verbose=0,
    )  # fmt: skip
    whole = nn.MSELoss()(model(rg.tensor(x)), rg.tensor(y)).item()
    np.testing.assert_allclose(history.history["loss"][0], whole, rtol=1e-6)
    outputs = model(rg.tensor(x)).array
    np.testing.assert_allclose(
        history.history["mae"][0], metrics.mean_absolute_error(y, outputs), rtol=1e-6
    )
    np.testing.assert_allclose(history.history["r2"][0], metrics.r2_score(y, outputs), rtol=1e-6)


class ModeProbe(nn.Module):
    """A linear layer that records (training, grad enabled, first input value) per call."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.seen: list[tuple[bool, bool, list[float]]] = []

    def forward(self, x):
        self.seen.append((self.training, rg.is_grad_enabled(), sorted(x.array[:, 0].tolist())))
        return self.linear(x)


def test_validation_split_holds_out_the_last_samples_and_runs_in_eval_mode_without_grad():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    y = np.zeros((10, 1), dtype=np.float32)
    model = ModeProbe()
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), x=x, y=y, epochs=2,
        batch_size=3, validation_split=0.2, verbose=0, generator=np.random.default_rng(0),
    )  # fmt: skip
    training = [seen for seen in model.seen if seen[0]]
    validation = [seen for seen in model.seen if not seen[0]]
    assert all(grad for _, grad, _ in training)
    assert not any(grad for _, grad, _ in validation)
    # 8 training samples in batches of 3 per epoch (shuffled), 2 validation samples
    assert len(training) == 6 and len(validation) == 2
    first_epoch = sorted(v for _, _, values in training[:3] for v in values)
    assert first_epoch == [float(i) for i in range(8)]
    assert all(values == [8.0, 9.0] for _, _, values in validation)
    assert model.training  # fit gives the model back its mode
    assert len(history.history["val_loss"]) == 2


def test_validation_data_is_evaluated_every_epoch():
    x, y = regression_data(n=30)
    model = linear_model()
    recorded = []

    class ValidationCheck(Callback):
        def on_epoch_end(self, epoch, logs=None):
            recorded.append(evaluate_fn(self.model, nn.MSELoss(), x=x[20:], y=y[20:])["loss"])

    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), x=x[:20], y=y[:20],
        epochs=3, validation_data=(x[20:], y[20:]), callbacks=[ValidationCheck()], verbose=0,
    )  # fmt: skip
    assert history.history["val_loss"] == recorded


def test_fit_leaves_the_model_in_the_mode_it_had():
    x, y = regression_data(n=10)
    model = linear_model().eval()
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x=x, y=y, verbose=0)
    assert not model.training and not model[0].training


def test_evaluate_returns_loss_and_metrics():
    x, y = classification_data(n=30)
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3))
    result = evaluate_fn(
        model, nn.CrossEntropyLoss(), x=x, y=y, batch_size=7, metrics=["accuracy", "f1"]
    )
    assert list(result) == ["loss", "accuracy", "f1"]
    logits = model(rg.tensor(x))
    np.testing.assert_allclose(
        result["loss"], nn.CrossEntropyLoss()(logits, rg.tensor(y)).item(), rtol=1e-6
    )
    assert result["accuracy"] == metrics.accuracy(y, logits.array)
    assert model.training


class Halver(nn.Module):
    """Dropout-like: halves its input in training mode only, so modes are visible in outputs."""

    def forward(self, x):
        return x * 0.5 if self.training else x


@pytest.mark.parametrize("start_in_training", [True, False])
def test_predict_runs_in_eval_mode_batched_and_restores_the_mode(start_in_training):
    x, _ = regression_data(n=11)
    model = nn.Sequential(nn.Linear(3, 2), Halver())
    model.train(start_in_training)
    output = predict_fn(model, x, batch_size=4)  # batches of 4, 4, 3
    assert model.training == start_in_training
    assert model[1].training == start_in_training
    assert output.shape == (11, 2) and not output.requires_grad
    with rg.no_grad():
        expected = model[0](rg.tensor(x))  # Halver in eval mode is the identity
    np.testing.assert_allclose(output.array, expected.array, rtol=1e-6)


def test_predict_restores_each_submodule_mode():
    model = nn.Sequential(nn.Linear(3, 2), Halver())
    model.train()
    model[1].eval()  # a frozen piece inside a model in training mode
    predict_fn(model, np.zeros((2, 3), dtype=np.float32))
    assert model.training and model[0].training and not model[1].training


def test_predict_accepts_a_loader_and_uses_only_the_inputs():
    x, y = regression_data(n=9)
    model = linear_model()
    from_loader = predict_fn(model, DataLoader(TensorDataset(x, y), batch_size=4))
    np.testing.assert_array_equal(from_loader.array, predict_fn(model, x, batch_size=4).array)


def test_history_is_returned_with_stop_reason_none():
    x, y = regression_data(n=10)
    model = linear_model()
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters()), x=x, y=y, verbose=0)
    assert isinstance(history, History) and history.stop_reason is None


# ---------------------------------------------------------------------- errors


def make_args():
    x, y = regression_data(n=10)
    model = linear_model()
    return model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x, y


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"y": "drop"}, TrainingError, "x was given without y"),
        ({"data": "both"}, TrainingError, "either data or x/y, not both"),
        ({"epochs": -1}, TrainingError, "epochs must be an int >= 0"),
        ({"batch_size": 0}, TrainingError, "batch_size must be an int >= 1"),
        ({"validation_split": 1.0}, TrainingError, r"validation_split must be in \[0, 1\)"),
        ({"verbose": 3}, TrainingError, "verbose must be 0, 1 or 2"),
        ({"metrics": ["accuracy", "acc"]}, TrainingError, "two metrics are named 'accuracy'"),
        ({"callbacks": [object()]}, TrainingTypeError, "must be Callback instances, got object"),
        ({"x": "text"}, TrainingTypeError, "x must be a Tensor, a NumPy array or a list"),
    ],
)
def test_fit_rejects_bad_arguments_with_clear_messages(kwargs, error, message):
    model, loss_fn, optimizer, x, y = make_args()
    call = {"x": x, "y": y, "verbose": 0, **kwargs}
    if kwargs.get("y") == "drop":
        del call["y"]
    if kwargs.get("data") == "both":
        call["data"] = (x, y)
    with pytest.raises(error, match=message):
        fit(model, loss_fn, optimizer, **call)


def test_validation_split_of_a_loader_is_refused():
    model, loss_fn, optimizer, x, y = make_args()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    with pytest.raises(TrainingError, match="validation_split needs arrays or a Dataset"):
        fit(model, loss_fn, optimizer, loader, validation_split=0.2, verbose=0)


def test_a_non_scalar_loss_is_refused():
    model, _, optimizer, x, y = make_args()
    with pytest.raises(TrainingError, match=r"loss_fn must return a scalar, got shape \(4, 1\)"):
        fit(model, nn.MSELoss(reduction="none"), optimizer, x=x, y=y, batch_size=4, verbose=0)


def test_a_model_that_is_not_a_module_is_refused():
    _, loss_fn, optimizer, x, y = make_args()
    with pytest.raises(TrainingTypeError, match="model must be a retrograd nn.Module"):
        fit(lambda t: t, loss_fn, optimizer, x=x, y=y, verbose=0)


def test_fit_replays_built_in_models_and_gives_the_plain_loop_numbers():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 4)).astype(np.float32)
    y = rng.integers(0, 3, 50)

    def run(compile_step):
        rg.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
        opt = optim.Adam(model.parameters(), lr=1e-2)
        history = fit(
            model, nn.CrossEntropyLoss(), opt, x=x, y=y, epochs=3, batch_size=16,
            verbose=0, generator=np.random.default_rng(1), compile=compile_step,
        )  # fmt: skip
        return [p.array.copy() for p in model.parameters()], history.history["loss"]

    replayed, replayed_losses = run(True)
    plain, plain_losses = run(False)
    for a, b in zip(replayed, plain):
        np.testing.assert_array_equal(a, b)
    assert replayed_losses == plain_losses
