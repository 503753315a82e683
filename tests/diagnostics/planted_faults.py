"""Small problems with one training bug planted in each, and healthy problems with none.

Each `PlantedFault` builds the doctor's arguments and names the code the doctor must lead with
(the headline root cause). The healthy cases must give no error-severity finding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import retrograd as rg
from retrograd import nn, optim
from retrograd.diagnostics import BuggyMSELoss

from .doctor_cases import digits, seed_case


@dataclass(frozen=True)
class PlantedFault:
    name: str
    expected: str  # the headline code
    build: Callable[[], dict[str, Any]]  # keyword arguments of doctor


def regression_data(n: int = 200, scale: float = 1.0, offset: float = 0.0) -> Any:
    """Five standardised features and a smooth target, `offset + scale * (a standard target)`."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    target = np.tanh(X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5])) + 0.3 * X[:, 3] ** 2
    target = (target - target.mean()) / target.std()
    return X, (offset + scale * target).reshape(-1, 1).astype(np.float32)


def mlp(inputs: int, outputs: int, hidden: int = 16, activation: type = nn.ReLU) -> nn.Module:
    rg.manual_seed(0)
    return nn.Sequential(nn.Linear(inputs, hidden), activation(), nn.Linear(hidden, outputs))


def _unscaled_targets() -> dict[str, Any]:
    X, y = regression_data(scale=2e4, offset=5e4)
    model = mlp(5, 1)
    return dict(
        model=model,
        loss_fn=nn.MSELoss(),
        X=X,
        y=y,
        optimizer=optim.Adam(model.parameters(), lr=1e-3),
    )


def _initialised(value: float) -> dict[str, Any]:
    X, y = digits()
    model = mlp(64, 10, 32)
    for p in model.parameters():
        p.array[...] = value
    opt = optim.Adam(model.parameters(), lr=1e-3)
    return dict(model=model, loss_fn=nn.CrossEntropyLoss(), X=X, y=y, optimizer=opt)


def broadcasting_mse(pred: rg.Tensor, target: rg.Tensor) -> rg.Tensor:
    """A hand-written mean squared error: (N, 1) predictions against (N,) targets broadcast."""
    return ((pred - target) ** 2).mean()


def _broadcast_loss() -> dict[str, Any]:
    X, y = regression_data()
    model = mlp(5, 1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(model=model, loss_fn=broadcasting_mse, X=X, y=y.reshape(-1), optimizer=opt)


def _rebuilt_model() -> dict[str, Any]:
    X, y = regression_data()
    model = mlp(5, 1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    model = mlp(5, 1)  # rebuilt after the optimizer: the optimizer steps the old instance
    return dict(model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt)


class DetachedHidden(nn.Module):
    """a -> ReLU -> detach -> b: no gradient reaches a."""

    def __init__(self) -> None:
        super().__init__()
        rg.manual_seed(0)
        self.a = nn.Linear(5, 16)
        self.b = nn.Linear(16, 1)

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return self.b(self.a(x).relu().detach())


def _detached() -> dict[str, Any]:
    X, y = regression_data()
    model = DetachedHidden()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt)


def _random_labels() -> dict[str, Any]:
    X, _ = digits()
    y = np.random.default_rng(1).integers(0, 10, size=X.shape[0]).astype(np.int64)
    model = mlp(64, 10, 32)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    return dict(model=model, loss_fn=nn.CrossEntropyLoss(), X=X, y=y, optimizer=opt)


def _leaked_label() -> dict[str, Any]:
    X, y = regression_data()
    X = np.concatenate([X, 3.0 * y - 1.0], axis=1)  # the target, rescaled, as a sixth feature
    model = mlp(6, 1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt)


def _shared_rows() -> dict[str, Any]:
    X, y = regression_data()
    model = mlp(5, 1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    validation = (X[:40].copy(), y[:40].copy())  # the first 40 training rows again
    return dict(
        model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt, validation_data=validation
    )


def _huge_lr() -> dict[str, Any]:
    X, y = regression_data()
    model = mlp(5, 1)
    opt = optim.Adam(model.parameters(), lr=5.0)
    return dict(model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt)


def _buggy_loss() -> dict[str, Any]:
    model, _, X, y, opt = seed_case()
    return dict(model=model, loss_fn=BuggyMSELoss(), X=X, y=y, optimizer=opt)


PLANTED: tuple[PlantedFault, ...] = (
    PlantedFault("unscaled regression targets (~5e4)", "unscaled-targets", _unscaled_targets),
    PlantedFault("all weights zero", "symmetric-init", lambda: _initialised(0.0)),
    PlantedFault("all weights one constant", "symmetric-init", lambda: _initialised(0.05)),
    PlantedFault("loss broadcasts (N, 1) against (N,)", "loss-broadcast", _broadcast_loss),
    PlantedFault("model rebuilt after the optimizer", "params-not-optimized", _rebuilt_model),
    PlantedFault("hidden activation detached", "graph-cut", _detached),
    PlantedFault("random labels", "no-signal", _random_labels),
    PlantedFault("a feature is the target", "label-leakage", _leaked_label),
    PlantedFault("validation rows also in training", "split-overlap", _shared_rows),
    PlantedFault("Adam with lr=5", "unusual-setting", _huge_lr),
    PlantedFault("backward with its sign flipped", "gradient-mismatch", _buggy_loss),
)


# ---------------------------------------------------------------------------- healthy cases
def _seed() -> dict[str, Any]:
    model, loss_fn, X, y, opt = seed_case("relu")
    return dict(model=model, loss_fn=loss_fn, X=X, y=y, optimizer=opt)


def _blobs() -> dict[str, Any]:
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=300, centers=3, n_features=2, random_state=0)
    X = ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)
    model = mlp(2, 3)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(
        model=model, loss_fn=nn.CrossEntropyLoss(), X=X, y=y.astype(np.int64), optimizer=opt
    )


def _scaled_regression() -> dict[str, Any]:
    X, y = regression_data()
    model = mlp(5, 1, activation=nn.Tanh)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(model=model, loss_fn=nn.MSELoss(), X=X, y=y, optimizer=opt)


def _digits_cnn() -> dict[str, Any]:
    X, y = digits()
    rg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 10),
    )
    opt = optim.Adam(model.parameters(), lr=1e-3)
    images = X.reshape(-1, 1, 8, 8)[:600]
    return dict(model=model, loss_fn=nn.CrossEntropyLoss(), X=images, y=y[:600], optimizer=opt)


class SequenceClassifier(nn.Module):
    """An LSTM over (batch, time, features) and a linear head on the last hidden state."""

    def __init__(self, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        rg.manual_seed(0)
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        output, _ = self.lstm(x)
        return self.head(output[:, -1, :])


def _lstm() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 6, 3)).astype(np.float32)
    y = (X[:, :, 0].sum(axis=1) > 0).astype(np.int64)  # the sign of the first channel's sum
    model = SequenceClassifier(3, 8, 2)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    return dict(model=model, loss_fn=nn.CrossEntropyLoss(), X=X, y=y, optimizer=opt)


HEALTHY: dict[str, Callable[[], dict[str, Any]]] = {
    "seed network": _seed,
    "blobs": _blobs,
    "regression, scaled targets": _scaled_regression,
    "digits CNN": _digits_cnn,
    "LSTM": _lstm,
}
