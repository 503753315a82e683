"""Checkpoints: resuming an interrupted run gives the same parameters, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_testing import mlp, params_equal
from safetensors import safe_open

import retrograd as rg
from retrograd import nn, optim
from retrograd.io import ModelFileError, load_checkpoint, save, save_checkpoint


class HalveEvery:
    """A minimal LR scheduler (duck-typed, as checkpoints take them): halve lr every `period`."""

    def __init__(self, optimizer: optim.Adam, period: int) -> None:
        self.optimizer = optimizer
        self.period = period
        self.last_epoch = 0

    def step(self) -> None:
        self.last_epoch += 1
        if self.last_epoch % self.period == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= 0.5

    def state_dict(self) -> dict[str, Any]:
        return {"period": self.period, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.period = state["period"]
        self.last_epoch = state["last_epoch"]


def data() -> tuple[rg.Tensor, rg.Tensor]:
    rng = np.random.default_rng(42)
    x = rng.standard_normal((48, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)
    return rg.tensor(x), rg.tensor(y)


def fresh_run(seed: int) -> tuple[nn.Sequential, optim.Adam, HalveEvery]:
    model = mlp(seed)
    optimizer = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.95))
    return model, optimizer, HalveEvery(optimizer, period=2)


def train(model: nn.Module, optimizer: optim.Adam, scheduler: HalveEvery, epochs: int) -> None:
    """Shuffled mini-batches drawn from retrograd's global generator."""
    x, y = data()
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        order = rg.randperm(len(x)).array
        for start in range(0, len(x), 16):
            batch = order[start : start + 16]
            optimizer.zero_grad()
            loss_fn(model(x[batch]), y[batch]).backward()
            optimizer.step()
        scheduler.step()


def test_resume_is_bit_identical(tmp_path: Path) -> None:
    rg.manual_seed(7)
    model, optimizer, scheduler = fresh_run(seed=0)
    train(model, optimizer, scheduler, epochs=6)

    rg.manual_seed(7)
    first, first_optimizer, first_scheduler = fresh_run(seed=0)
    train(first, first_optimizer, first_scheduler, epochs=3)
    save_checkpoint(
        tmp_path / "ckpt.safetensors",
        model=first,
        optimizer=first_optimizer,
        scheduler=first_scheduler,
        epoch=3,
        extra={"best_loss": 0.25},
    )
    del first, first_optimizer, first_scheduler

    rg.manual_seed(12345)  # a different random stream until the checkpoint restores it
    resumed, resumed_optimizer, resumed_scheduler = fresh_run(seed=99)
    info = load_checkpoint(
        tmp_path / "ckpt.safetensors",
        model=resumed,
        optimizer=resumed_optimizer,
        scheduler=resumed_scheduler,
    )
    assert info.epoch == 3 and info.extra == {"best_loss": 0.25}
    train(resumed, resumed_optimizer, resumed_scheduler, epochs=6 - info.epoch)

    assert params_equal(resumed, model)
    for a, b in zip(resumed.parameters(), model.parameters()):
        assert np.array_equal(a.array, b.array)
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert np.array_equal(resumed_optimizer.state[a][key], optimizer.state[b][key])
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"] == 0.01 / 8
    assert resumed_optimizer.param_groups[0]["betas"] == (0.8, 0.95)
    assert resumed_scheduler.last_epoch == 6


def test_file_layout(tmp_path: Path) -> None:
    model, optimizer, scheduler = fresh_run(seed=0)
    train(model, optimizer, scheduler, epochs=1)
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model=model, optimizer=optimizer, scheduler=scheduler, epoch=1)
    with safe_open(str(path), framework="np") as handle:
        keys = set(handle.keys())
        meta = handle.metadata()
        assert handle.get_tensor("optimizer.state.0.step").shape == ()
    assert {"model.0.weight", "model.2.bias", "optimizer.state.0.exp_avg"} <= keys
    assert "optimizer.state.3.exp_avg_sq" in keys
    assert meta["content"] == "checkpoint" and json.loads(meta["epoch"]) == 1
    assert json.loads(meta["scheduler"]) == {"period": 2, "last_epoch": 1}
    assert json.loads(meta["rng"])["bit_generator"] == "PCG64"


def test_random_state_is_restored_unless_asked_not_to(tmp_path: Path) -> None:
    model = mlp()  # mlp() seeds the generator itself: build it first
    rg.manual_seed(3)
    save_checkpoint(tmp_path / "c.safetensors", model=model, epoch=0)
    expected = rg.rand(3).array
    rg.manual_seed(4)
    load_checkpoint(tmp_path / "c.safetensors", model=model, restore_rng=False)
    assert np.array_equal(rg.rand(3).array, rg.manual_seed(4).random(3).astype(np.float32))
    load_checkpoint(tmp_path / "c.safetensors", model=model)
    assert np.array_equal(rg.rand(3).array, expected)


def test_missing_optimizer_state_is_an_error(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "c.safetensors", model=mlp(), epoch=2)
    model, optimizer, _ = fresh_run(seed=0)
    with pytest.raises(ModelFileError, match="holds no optimizer state"):
        load_checkpoint(tmp_path / "c.safetensors", model=model, optimizer=optimizer)


def test_checkpoint_that_does_not_fit(tmp_path: Path) -> None:
    model, optimizer, scheduler = fresh_run(seed=0)
    train(model, optimizer, scheduler, epochs=1)
    save_checkpoint(tmp_path / "c.safetensors", model=model, optimizer=optimizer, epoch=1)
    other = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    with pytest.raises(ModelFileError, match="(?s)cannot restore the model weights.*size mismatch"):
        load_checkpoint(tmp_path / "c.safetensors", model=other)
    wide = optim.Adam([*mlp().parameters(), rg.zeros(2, requires_grad=True)])
    with pytest.raises(ModelFileError, match="cannot restore the optimizer state"):
        load_checkpoint(tmp_path / "c.safetensors", model=mlp(), optimizer=wide)


def test_a_model_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    save(mlp(), tmp_path / "m.safetensors")
    with pytest.raises(ModelFileError, match="holds a 'model', not a 'checkpoint'"):
        load_checkpoint(tmp_path / "m.safetensors", model=mlp())


def test_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="epoch must be an int"):
        save_checkpoint(tmp_path / "c.safetensors", model=mlp(), epoch=1.5)  # type: ignore[arg-type]
    with pytest.raises(ModelFileError, match=r"cannot store extra\.fn"):
        save_checkpoint(tmp_path / "c.safetensors", model=mlp(), epoch=1, extra={"fn": print})
    assert not (tmp_path / "c.safetensors").exists()
