"""`rg.save(obj, path)` / `rg.load(path)` as PyTorch scripts use them, without pickle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import retrograd as rg
from retrograd import nn, optim
from retrograd.errors import InvalidArgumentError
from retrograd.io.errors import ModelFileError


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def test_the_state_dict_idiom_round_trips(tmp_path: Path) -> None:
    rg.manual_seed(0)
    model, other = mlp(), mlp()
    rg.save(model.state_dict(), tmp_path / "model.pt")
    result = other.load_state_dict(rg.load(tmp_path / "model.pt"))
    assert result.missing_keys == [] and result.unexpected_keys == []
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(a.array, b.array)


def test_a_hand_made_checkpoint_round_trips(tmp_path: Path) -> None:
    rg.manual_seed(0)
    model = mlp()
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(rg.ones(2, 3)).sum().backward()
    opt.step()
    checkpoint = {
        "epoch": 3,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "losses": [0.5, 0.25],
        "best": (rg.tensor([1.0, 2.0]), "name", None, True),
        "table": np.arange(6).reshape(2, 3),
    }
    rg.save(checkpoint, tmp_path / "ckpt.pt")
    loaded = rg.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert loaded["epoch"] == 3 and loaded["losses"] == [0.5, 0.25]
    assert isinstance(loaded["best"], tuple) and loaded["best"][1:] == ("name", None, True)
    assert isinstance(loaded["best"][0], rg.Tensor)
    assert isinstance(loaded["table"], np.ndarray)  # arrays stay arrays, tensors stay tensors
    np.testing.assert_array_equal(loaded["table"], checkpoint["table"])
    # the optimizer continues exactly where it was
    resumed_model = mlp()
    resumed_model.load_state_dict(loaded["model"])
    resumed = optim.Adam(resumed_model.parameters(), lr=0.01)
    resumed.load_state_dict(loaded["optimizer"])
    for m, o in ((model, opt), (resumed_model, resumed)):
        o.zero_grad()
        m(rg.ones(2, 3)).sum().backward()
        o.step()
    for a, b in zip(model.parameters(), resumed_model.parameters(), strict=True):
        np.testing.assert_array_equal(a.array, b.array)


def test_a_tensor_round_trips_with_its_dtype(tmp_path: Path) -> None:
    for value in (rg.arange(5), rg.tensor([[1.5, -2.0]], dtype=rg.float64), rg.tensor(3.0)):
        rg.save(value, tmp_path / "t.pt")
        back = rg.load(tmp_path / "t.pt")
        assert isinstance(back, rg.Tensor) and back.dtype == value.dtype
        np.testing.assert_array_equal(back.array, value.array)


def test_weights_written_by_pytorch_with_safetensors_load(tmp_path: Path) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Linear(2, 3)
    save_file(theirs.state_dict(), str(tmp_path / "w.safetensors"))
    ours = nn.Linear(2, 3)
    ours.load_state_dict(rg.load(tmp_path / "w.safetensors"))
    np.testing.assert_array_equal(ours.weight.array, theirs.weight.detach().numpy())


def test_a_whole_model_still_round_trips(tmp_path: Path) -> None:
    model = mlp()
    rg.save(model, tmp_path / "m.safetensors")
    assert isinstance(rg.load(tmp_path / "m.safetensors"), nn.Sequential)


def test_a_pytorch_pickle_is_refused_by_name(tmp_path: Path) -> None:
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "model.pt")
    with pytest.raises(ModelFileError, match="zip archive, e.g. a PyTorch .pt"):
        rg.load(tmp_path / "model.pt")


def test_a_custom_module_is_refused_with_the_state_dict_idiom(tmp_path: Path) -> None:
    class Mine(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(2, 2)

    with pytest.raises(ModelFileError, match=r"retrograd.save\(model.state_dict\(\), path\)"):
        rg.save(Mine(), tmp_path / "mine.pt")
    assert not (tmp_path / "mine.pt").exists()


def test_map_location_accepts_the_cpu_forms_and_refuses_a_missing_device(tmp_path: Path) -> None:
    rg.save({"w": rg.ones(2)}, tmp_path / "o.pt")
    for where in (None, "cpu", rg.device("cpu"), {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert set(rg.load(tmp_path / "o.pt", map_location=where)) == {"w"}
    with pytest.raises(InvalidArgumentError, match="'cuda:0' is not available"):
        rg.load(tmp_path / "o.pt", map_location="cuda:0")


def test_objects_that_cannot_be_stored_are_refused_naming_the_place(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="obj.fn"):
        rg.save({"fn": print}, tmp_path / "bad.pt")
    assert not (tmp_path / "bad.pt").exists()
