"""Weights move between retrograd and PyTorch through safetensors files, both ways."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from io_testing import mlp
from safetensors.torch import load_file, save_file

import retrograd as rg
from retrograd import nn
from retrograd.io import load, load_state_dict_file, save, save_state_dict
from retrograd.nn.conv import Conv2d
from retrograd.nn.normalization import BatchNorm2d


def torch_mlp() -> torch.nn.Sequential:
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


def conv_net() -> nn.Sequential:
    return nn.Sequential(
        Conv2d(2, 4, 3, padding=1), BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)
    )


def torch_conv_net() -> torch.nn.Sequential:
    return torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(64, 3),
    )


def assert_same_outputs(ours: nn.Module, theirs: torch.nn.Module, x: np.ndarray) -> None:
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours(rg.tensor(x)).array, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("writer", [save_state_dict, save])
def test_retrograd_mlp_into_torch(tmp_path: Path, writer: object) -> None:
    model = mlp(seed=3)
    writer(model, tmp_path / "w.safetensors")  # type: ignore[operator]
    theirs = torch_mlp()
    theirs.load_state_dict(load_file(str(tmp_path / "w.safetensors")))  # strict
    assert_same_outputs(model, theirs, np.random.default_rng(0).standard_normal((5, 4), np.float32))


def test_torch_mlp_into_retrograd(tmp_path: Path) -> None:
    torch.manual_seed(0)
    theirs = torch_mlp()
    save_file(theirs.state_dict(), str(tmp_path / "t.safetensors"))
    ours = mlp(seed=11)
    ours.load_state_dict(load_state_dict_file(tmp_path / "t.safetensors"))  # strict
    assert_same_outputs(ours, theirs, np.random.default_rng(1).standard_normal((5, 4), np.float32))


def _trained_running_stats(model: nn.Module) -> None:
    """Move BatchNorm's running statistics away from their initial values."""
    model.train()
    model(rg.randn(6, 2, 4, 4) * 3 + 1)
    model.eval()


def test_retrograd_conv_batchnorm_into_torch(tmp_path: Path) -> None:
    rg.manual_seed(5)
    model = conv_net()
    _trained_running_stats(model)
    save_state_dict(model, tmp_path / "c.safetensors")
    theirs = torch_conv_net()
    theirs.load_state_dict(load_file(str(tmp_path / "c.safetensors")))
    theirs.eval()
    assert int(theirs[1].num_batches_tracked) == 1
    x = np.random.default_rng(2).standard_normal((3, 2, 4, 4), np.float32)
    assert_same_outputs(model, theirs, x)


def test_torch_conv_batchnorm_into_retrograd(tmp_path: Path) -> None:
    torch.manual_seed(1)
    theirs = torch_conv_net()
    theirs.train()
    theirs(torch.randn(6, 2, 4, 4) * 2 - 1)
    theirs.eval()
    save_file(theirs.state_dict(), str(tmp_path / "t.safetensors"))
    ours = conv_net()
    ours.load_state_dict(load_state_dict_file(tmp_path / "t.safetensors"))
    ours.eval()
    x = np.random.default_rng(3).standard_normal((3, 2, 4, 4), np.float32)
    assert_same_outputs(ours, theirs, x)


def test_conv_batchnorm_model_file_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once exported by retrograd.nn, new layers are saved and rebuilt with no change in io."""
    monkeypatch.setattr(nn, "Conv2d", Conv2d, raising=False)
    monkeypatch.setattr(nn, "BatchNorm2d", BatchNorm2d, raising=False)
    rg.manual_seed(6)
    model = conv_net()
    _trained_running_stats(model)
    save(model, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors").eval()
    assert repr(loaded) == repr(model)
    x = rg.randn(2, 2, 4, 4)
    assert np.array_equal(loaded(x).array, model(x).array)
