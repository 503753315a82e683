"""The demo's defaults fit the seed data and every logic gate, for every seed we promise.

Each case trains one network with `train_network`'s defaults (those of `retrograd demo`) and
checks every prediction against `TOLERANCE`.
"""

from __future__ import annotations

import numpy as np
import pytest

from retrograd import datasets
from retrograd.cli.demo import DEFAULT_EPOCHS, TOLERANCE, train_network

SEEDS = range(20)


def assert_fits(name: str, activation: str, seed: int) -> None:
    X, y = datasets.load(name)
    result = train_network(X, y, activation=activation, seed=seed)
    errors = np.abs(result.predictions - y).ravel()
    assert errors.max() < TOLERANCE, (
        f"{name}, {activation} hidden layer, seed {seed}, {DEFAULT_EPOCHS} epochs: "
        f"errors {np.round(errors, 3).tolist()}"
    )
    assert result.final_mse == pytest.approx(float(np.mean(errors**2)), rel=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("name", datasets.DATASETS)
def test_default_demo_fits_every_target(name: str, activation: str, seed: int) -> None:
    assert_fits(name, activation, seed)


# tanh and leaky ReLU hidden layers are only chosen with --activation; fewer seeds keep this quick.
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("activation", ["tanh", "leaky_relu"])
@pytest.mark.parametrize("name", datasets.DATASETS)
def test_other_activations_fit_every_target(name: str, activation: str, seed: int) -> None:
    assert_fits(name, activation, seed)


def test_training_is_reproducible() -> None:
    X, y = datasets.load("xor")
    first = train_network(X, y, activation="relu", seed=3, epochs=20)
    second = train_network(X, y, activation="relu", seed=3, epochs=20)
    np.testing.assert_array_equal(first.predictions, second.predictions)
