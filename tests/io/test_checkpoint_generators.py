"""A checkpoint holds the state of the generators given to a DataLoader or `fit`, so a resumed
run draws the same batches as the uninterrupted one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.data import DataLoader, TensorDataset
from retrograd.io import ModelFileError, load_checkpoint, save_checkpoint
from retrograd.train import fit


def _run() -> tuple[nn.Sequential, optim.Adam, np.ndarray, np.ndarray]:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    data = np.random.default_rng(5)
    x = data.normal(size=(40, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)
    return model, optim.Adam(model.parameters(), lr=0.05), x, y


def _weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {key: value.array.copy() for key, value in model.state_dict().items()}


def _train(model: nn.Module, opt: optim.Adam, x: np.ndarray, y: np.ndarray,
           rng: np.random.Generator, epochs: int) -> None:  # fmt: skip
    fit(model, nn.MSELoss(), opt, x=x, y=y, epochs=epochs, batch_size=8, verbose=0,
        generator=rng)  # fmt: skip


def test_resuming_fit_with_its_own_generator_is_exact(tmp_path: Path) -> None:
    model, opt, x, y = _run()
    _train(model, opt, x, y, np.random.default_rng(7), epochs=4)
    straight = _weights(model)

    model, opt, x, y = _run()
    rng = np.random.default_rng(7)
    _train(model, opt, x, y, rng, epochs=2)
    path = tmp_path / "run.safetensors"
    save_checkpoint(path, model=model, optimizer=opt, epoch=2, generators={"batches": rng})

    model, opt, x, y = _run()
    resumed_rng = np.random.default_rng(7)  # what a new process builds
    info = load_checkpoint(path, model=model, optimizer=opt, generators={"batches": resumed_rng})
    _train(model, opt, x, y, resumed_rng, epochs=4 - info.epoch)
    for key, value in straight.items():
        np.testing.assert_array_equal(_weights(model)[key], value, err_msg=key)


def test_resuming_a_dataloader_with_its_own_generator_draws_the_same_orders(
    tmp_path: Path,
) -> None:
    dataset = TensorDataset(np.arange(10, dtype=np.float32)[:, None])
    loader = DataLoader(dataset, batch_size=10, shuffle=True, generator=np.random.default_rng(1))
    next(iter(loader))
    save_checkpoint(tmp_path / "c", model=nn.Linear(1, 1), epoch=1,
                    generators={"loader": loader.generator})  # fmt: skip
    expected = [next(iter(loader))[0].array.ravel().tolist() for _ in range(3)]

    fresh = DataLoader(dataset, batch_size=10, shuffle=True, generator=np.random.default_rng(1))
    assert fresh.generator is not None
    load_checkpoint(tmp_path / "c", model=nn.Linear(1, 1), generators={"loader": fresh.generator})
    assert [next(iter(fresh))[0].array.ravel().tolist() for _ in range(3)] == expected


def test_a_generator_missing_from_the_checkpoint_is_named(tmp_path: Path) -> None:
    save_checkpoint(tmp_path / "c", model=nn.Linear(1, 1), epoch=1,
                    generators={"train": np.random.default_rng(0)})  # fmt: skip
    with pytest.raises(ModelFileError, match=r"no state for generator 'valid' \(it has: 'train'\)"):
        load_checkpoint(tmp_path / "c", model=nn.Linear(1, 1),
                        generators={"valid": np.random.default_rng(0)})  # fmt: skip


def test_generators_must_be_numpy_generators(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        save_checkpoint(tmp_path / "c", model=nn.Linear(1, 1), epoch=1,
                        generators={"x": np.random.RandomState(0)})  # type: ignore[dict-item]  # fmt: skip
