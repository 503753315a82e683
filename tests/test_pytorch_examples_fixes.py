"""What running the pytorch/examples scripts with retrograd needed: each behaviour checked
against PyTorch."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.errors import InvalidArgumentError


def test_save_and_load_through_file_objects(tmp_path) -> None:
    """`torch.save(obj, f)` / `torch.load(f)` with open binary files, as in
    time_sequence_prediction (a NumPy array) and word_language_model (`with open(...) as f`)."""
    data = np.sin(np.arange(12.0)).reshape(3, 4)
    with open(tmp_path / "data.pt", "wb") as handle:
        rg.save(data, handle)
    with open(tmp_path / "data.pt", "rb") as handle:
        back = rg.load(handle)
    np.testing.assert_array_equal(back, data)
    buffer = io.BytesIO()
    state = rg.nn.Linear(3, 2).state_dict()
    rg.save(state, buffer)
    buffer.seek(0)
    loaded = rg.load(buffer)
    assert list(loaded) == list(state)
    np.testing.assert_array_equal(loaded["weight"].numpy(), state["weight"].numpy())
    bad = io.BytesIO(b"not a model file at all")
    bad.name = "bad.pt"
    with pytest.raises(rg.io.ModelFileError, match="bad.pt"):
        rg.load(bad)


def test_range_indexes_like_a_list() -> None:
    """`x[range(n), y] = v` (mnist_forward_forward) indexes like the list of the range."""
    for lib in (rg, torch):
        x = lib.arange(12.0).reshape(3, 4)
        x[range(x.shape[0]), lib.tensor([0, 2, 3])] = x.max()
        assert x.tolist() == [[11.0, 1, 2, 3], [4, 5, 11, 7], [8, 9, 10, 11]]
        assert x[range(1, 3)].tolist() == x[[1, 2]].tolist()
        assert x[range(3), 1].tolist() == [1.0, 5.0, 9.0]
        assert tuple(x[range(0)].shape) == (0, 4)


LAYERS = {
    "Linear": (3, 4),
    "Conv1d": (1, 2, 3),
    "Conv2d": (1, 2, 3),
    "ConvTranspose2d": (1, 2, 3),
    "BatchNorm1d": (3,),
    "LayerNorm": (3,),
    "GroupNorm": (1, 3),
    "Embedding": (5, 3),
    "LSTM": (3, 4),
    "GRUCell": (3, 4),
    "MultiheadAttention": (4, 2),
    "TransformerEncoderLayer": (4, 2),
    "RMSNorm": (3,),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layers_take_device_and_dtype(name: str) -> None:
    """PyTorch's factory keywords `device=` and `dtype=` (minGPT's `nn.Embedding(...,
    device=device, dtype=dtype)`); Linear takes them positionally after `bias`."""
    for lib in (rg, torch):
        layer = getattr(lib.nn, name)(*LAYERS[name], device="cpu", dtype=lib.float64)
        assert {str(p.dtype).rsplit(".", 1)[-1] for p in layer.parameters()} == {"float64"}
    layer = rg.nn.Linear(3, 4, True, "cpu", rg.float64)
    assert layer.weight.dtype == rg.float64
    with pytest.raises(InvalidArgumentError, match="cuda"):
        getattr(rg.nn, name)(*LAYERS[name], device="cuda")


def test_data_parallel_on_the_cpu() -> None:
    """`nn.DataParallel` without accelerators calls the module (keys gain "module."), and
    `nn.parallel.data_parallel` raises, as PyTorch does on a CPU-only machine."""
    import retrograd.nn.parallel

    rg.manual_seed(0)
    inner = rg.nn.Linear(2, 3)
    wrapped = rg.nn.DataParallel(inner)
    x = rg.randn(4, 2)
    np.testing.assert_array_equal(wrapped(x).detach().numpy(), inner(x).detach().numpy())
    ref = torch.nn.DataParallel(torch.nn.Linear(2, 3))
    assert list(wrapped.state_dict()) == list(ref.state_dict())
    with pytest.raises(InvalidArgumentError, match="device type could not be determined"):
        retrograd.nn.parallel.data_parallel(inner, x)
    with pytest.raises(RuntimeError, match="device type could not be determined"):
        torch.nn.parallel.data_parallel(torch.nn.Linear(2, 3), torch.ones(1, 2))


def test_device_flags_match_pytorch() -> None:
    """`x.is_xpu` (dcgan), `is_cpu`, `is_mps`, `is_meta`, `is_sparse`, `is_quantized`,
    `is_complex()` on a CPU float tensor."""
    ours, theirs = rg.ones(2), torch.ones(2)
    for flag in ("is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_sparse", "is_quantized"):
        assert getattr(ours, flag) == getattr(theirs, flag), flag
    assert ours.is_complex() == theirs.is_complex() is False


def test_dropout2d_module_on_2d_features_warns_and_trains() -> None:
    """mnist_rnn's `nn.Dropout2d` after an LSTM's last step: 2-D input, warned, elementwise."""
    layer = rg.nn.Dropout2d(0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = layer(rg.ones(64, 32))
    assert any("2-D input to dropout2d" in str(w.message) for w in caught)
    assert set(np.unique(out.numpy())) <= {0.0, 2.0}
