"""`DoctorCallback`: each problem planted in a real run is reported once, with its code, and a
healthy run reports nothing."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.train import DoctorCallback, fit


def data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    y = np.tanh(X @ np.array([1.0, -2.0, 0.5, 0.0, 1.5], dtype=np.float32)).reshape(-1, 1)
    return X, ((y - y.mean()) / y.std()).astype(np.float32)


def mlp(outputs: int = 1, hidden: int = 16) -> nn.Module:
    rg.manual_seed(0)
    return nn.Sequential(nn.Linear(5, hidden), nn.ReLU(), nn.Linear(hidden, outputs))


def run(model: nn.Module, optimizer: optim.Optimizer, epochs: int, **kwargs: object) -> tuple:
    X, y = kwargs.pop("x", None), kwargs.pop("y", None)
    if X is None:
        X, y = data()
    callback = DoctorCallback(verbose=0)
    loss_fn = kwargs.pop("loss_fn", nn.MSELoss())
    with np.errstate(all="ignore"):
        history = fit(
            model,
            loss_fn,
            optimizer,
            x=X,
            y=y,
            epochs=epochs,
            callbacks=[callback],
            verbose=0,
            generator=np.random.default_rng(0),
            **kwargs,  # type: ignore[arg-type]
        )
    return history, callback


def codes(history: object) -> list[str]:
    return [f.code for f in history.findings]  # type: ignore[attr-defined]


@pytest.mark.parametrize("compile_step", [True, False])
def test_healthy_run_reports_nothing_and_reads_the_gradients(compile_step: bool) -> None:
    model = mlp()
    history, callback = run(model, optim.Adam(model.parameters(), lr=1e-2), 8, compile=compile_step)
    assert codes(history) == []
    assert len(callback.grad_norms) == 8
    assert all(np.isfinite(g) and g > 0 for g in callback.grad_norms)
    assert len(callback.dead_fractions) == 8


def test_divergence_names_the_learning_rate() -> None:
    model = mlp()
    history, _ = run(model, optim.SGD(model.parameters(), lr=2.0), 3)
    finding = history.findings[0]
    assert finding.code == "training-diverged" and finding.severity == "error"
    assert finding.evidence["lr"] == 2.0 and "learning rate 2" in finding.message


def test_plateau_at_the_mean() -> None:
    model = mlp()
    history, _ = run(model, optim.SGD(model.parameters(), lr=1e-7), 6)
    assert codes(history) == ["training-plateau"]
    assert history.findings[0].evidence["baseline"] == pytest.approx(1.0, rel=1e-3)


def test_overfitting_names_the_epoch_to_stop_at() -> None:
    X, y = data(240)
    y = y + np.random.default_rng(3).standard_normal(y.shape).astype(np.float32)
    model = mlp(hidden=256)
    history, _ = run(
        model,
        optim.Adam(model.parameters(), lr=1e-2),
        40,
        x=X[:40],
        y=y[:40],
        batch_size=8,
        validation_data=(X[40:], y[40:]),
    )
    finding = next(f for f in history.findings if f.code == "overfitting")
    best = int(np.argmin(history["val_loss"][: finding.evidence["stop_epoch"] + 3])) + 1
    assert finding.evidence["stop_epoch"] == best
    assert f"Stop at epoch {best}" in finding.message
    assert "training-diverged" not in codes(history)


def test_dead_units_growing_under_a_huge_learning_rate() -> None:
    X, y = data()
    labels = (X[:, 0] > 0).astype(np.int64)
    model = mlp(outputs=2, hidden=32)
    history, callback = run(
        model,
        optim.SGD(model.parameters(), lr=10.0),
        5,
        y=labels,
        x=X,
        loss_fn=nn.CrossEntropyLoss(),
    )
    finding = next(f for f in history.findings if f.code == "dead-units-growing")
    assert finding.evidence["before_training"] < finding.evidence["dead_fraction"][-1]


def test_each_finding_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    model = mlp()
    callback = DoctorCallback()
    X, y = data()
    fit(
        model,
        nn.MSELoss(),
        optim.SGD(model.parameters(), lr=1e-7),
        x=X,
        y=y,
        epochs=8,
        callbacks=[callback],
        verbose=0,
    )
    out = capsys.readouterr().out
    assert out.count("DoctorCallback: [training-plateau]") == 1
    assert [f.code for f in callback.findings] == ["training-plateau"]


def test_patience_is_checked() -> None:
    with pytest.raises(ValueError, match="patience"):
        DoctorCallback(patience=0)
