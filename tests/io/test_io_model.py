"""`save` / `load` / `load_with_info`: whole models, with preprocessing state and metadata."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from io_testing import mlp, params_equal
from safetensors import safe_open

import retrograd as rg
from retrograd import nn
from retrograd.data import LabelEncoder, StandardScaler
from retrograd.io import (
    ModelFileError,
    load,
    load_state_dict_file,
    load_with_info,
    save,
    save_state_dict,
)


def test_load_rebuilds_the_model_bit_for_bit(tmp_path: Path) -> None:
    model = mlp(seed=1)
    save(model, tmp_path / "model.safetensors")
    loaded = load(tmp_path / "model.safetensors")
    assert params_equal(loaded, model)
    x = rg.randn(5, 4)
    assert np.array_equal(loaded(x).array, model(x).array)


def test_file_layout(tmp_path: Path) -> None:
    """Plain safetensors: PyTorch key names as tensors, JSON strings in __metadata__."""
    path = tmp_path / "model.safetensors"
    save(mlp(), path, metadata={"epochs": 3})
    with safe_open(str(path), framework="np") as handle:
        assert sorted(handle.keys()) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        meta = handle.metadata()
    assert meta["format"] == "retrograd" and meta["format_version"] == "1"
    assert meta["content"] == "model"
    assert json.loads(meta["architecture"])["modules"]["1"] == {"type": "Tanh", "args": {}}
    assert json.loads(meta["metadata"]) == {"epochs": 3}
    assert json.loads(meta["preprocessing"]) == {}


def test_preprocessing_and_metadata_round_trip(tmp_path: Path) -> None:
    x = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0]])
    scaler = StandardScaler().fit(x)
    encoder = LabelEncoder().fit(["cat", "dog", "cat"])
    metadata = {
        "history": {"loss": [0.9, 0.5, float("nan")]},
        "best": (2, np.float32(0.5)),
        "by_epoch": {1: "warm-up", 2: None},
        "confusion": np.array([[3, 1], [0, 4]], dtype=np.int64),
        "classes": np.array(["cat", "dog"]),
    }
    path = tmp_path / "model.safetensors"
    save(
        mlp(),
        path,
        preprocessing={"scaler": scaler.state_dict(), "label_encoder": encoder.state_dict()},
        metadata=metadata,
    )
    _, info = load_with_info(path)
    restored = StandardScaler.from_state_dict(info.preprocessing["scaler"])
    assert np.array_equal(restored.transform(x), scaler.transform(x))
    assert list(LabelEncoder.from_state_dict(info.preprocessing["label_encoder"]).classes_) == [
        "cat",
        "dog",
    ]
    got = info.metadata
    assert got["history"]["loss"][:2] == [0.9, 0.5] and np.isnan(got["history"]["loss"][2])
    assert got["best"] == (2, np.float32(0.5)) and type(got["best"][1]) is np.float32
    assert got["by_epoch"] == {1: "warm-up", 2: None}
    assert got["confusion"].dtype == np.int64 and np.array_equal(got["confusion"], [[3, 1], [0, 4]])
    assert list(got["classes"]) == ["cat", "dog"]


def test_dtype_of_the_saved_weights_is_kept(tmp_path: Path) -> None:
    model = mlp().double()
    save(model, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    assert loaded[0].weight.dtype == np.float64 and params_equal(loaded, model)


def test_unstorable_metadata_is_refused_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save(mlp(), path)
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match=r"cannot store metadata\.callback: a function"):
        save(mlp(seed=5), path, metadata={"callback": lambda: None})
    assert path.read_bytes() == before
    with pytest.raises(TypeError, match="preprocessing must be a dict"):
        save(mlp(), path, preprocessing=[1, 2])  # type: ignore[arg-type]


def test_a_custom_module_defined_in_a_function_needs_its_state_dict(tmp_path: Path) -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = mlp()

        def forward(self, x: rg.Tensor) -> rg.Tensor:
            return self.body(x)

    net = Net()
    with pytest.raises(ModelFileError, match="defined inside a function.*state_dict"):
        save(net, tmp_path / "net.safetensors")
    assert not (tmp_path / "net.safetensors").exists()
    save_state_dict(net, tmp_path / "net.safetensors")
    fresh = Net()
    fresh.load_state_dict(load_state_dict_file(tmp_path / "net.safetensors"))
    assert params_equal(fresh, net)


def test_state_dict_files(tmp_path: Path) -> None:
    model = mlp()
    state = {"w": rg.ones(2, 3), "n": np.arange(4, dtype=np.int32), "flag": np.array(True)}
    save_state_dict(state, tmp_path / "s.safetensors", metadata={"note": "hi"})
    loaded = load_state_dict_file(tmp_path / "s.safetensors")
    assert sorted(loaded) == ["flag", "n", "w"]
    assert loaded["n"].dtype == np.int32 and np.array_equal(loaded["n"].array, np.arange(4))
    assert loaded["flag"].shape == () and bool(loaded["flag"].array)
    # a model file is a state-dict file too
    save(model, tmp_path / "m.safetensors")
    fresh = mlp(seed=9)
    fresh.load_state_dict(load_state_dict_file(tmp_path / "m.safetensors"))
    assert params_equal(fresh, model)


def test_loaded_arrays_are_writable_copies(tmp_path: Path) -> None:
    save_state_dict({"w": np.zeros(3, np.float32)}, tmp_path / "s.safetensors")
    loaded = load_state_dict_file(tmp_path / "s.safetensors")["w"]
    loaded.array[0] = 1.0  # not a read-only view of a memory-mapped file
    os.remove(tmp_path / "s.safetensors")
    assert loaded.array[0] == 1.0


def test_unstorable_dtype_and_values(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="'c' has dtype complex128"):
        save_state_dict({"c": np.zeros(2, np.complex128)}, tmp_path / "s.safetensors")
    with pytest.raises(ModelFileError, match="'x' is a str"):
        save_state_dict({"x": "no"}, tmp_path / "s.safetensors")
    with pytest.raises(TypeError, match="Module or a state dict"):
        save_state_dict([1], tmp_path / "s.safetensors")  # type: ignore[arg-type]


def test_big_endian_and_strided_arrays_are_written_as_values(tmp_path: Path) -> None:
    array = np.arange(12, dtype=">f4").reshape(3, 4)[:, ::2]
    save_state_dict({"a": array}, tmp_path / "s.safetensors")
    assert np.array_equal(load_state_dict_file(tmp_path / "s.safetensors")["a"].array, array)


def test_load_of_a_weights_only_file_gives_its_state_dict(tmp_path: Path) -> None:
    model = mlp()
    save_state_dict(model, tmp_path / "w.safetensors")
    state = load(tmp_path / "w.safetensors")  # as torch.load of a saved state dict
    assert sorted(state) == sorted(model.state_dict())
    other = mlp()
    other.load_state_dict(state)
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(a.array, b.array)


def test_weights_that_do_not_fit_the_architecture(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save(mlp(), path)
    with safe_open(str(path), framework="np") as handle:
        meta = handle.metadata()
        tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 - safe_open has no __iter__
    tensors["0.weight"] = np.zeros((8, 5), np.float32)
    from safetensors.numpy import save_file

    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(ModelFileError, match=r"(?s)do not fit the architecture.*0\.weight"):
        load(path)


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    path = tmp_path / "m.safetensors"
    meta = {"format": "retrograd", "format_version": "99", "content": "model"}
    save_file({"a": np.zeros(1, np.float32)}, str(path), metadata=meta)
    with pytest.raises(ModelFileError, match="format version '99'.*newer retrograd"):
        load(path)
