"""The export's contract besides per-layer numbers: the file, names, batch axis, opsets, and a
clear error naming each layer or setting it cannot convert."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx_testing import export_and_compare, run_onnx

import retrograd as rg
import retrograd.onnx
from retrograd import nn
from retrograd.onnx import ExportError, MissingDependencyError, UnsupportedLayerError


def mlp() -> nn.Sequential:
    rg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2))


def example(n: int = 4, width: int = 3) -> np.ndarray:
    return np.random.default_rng(n).standard_normal((n, width)).astype(np.float32)


def test_file_passes_the_checker_and_records_the_producer(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    retrograd.onnx.export(mlp(), rg.Tensor(example()), path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.producer_name == "retrograd"
    assert model.producer_version == rg.__version__
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
    assert [n.op_type for n in model.graph.node] == ["Gemm", "Tanh", "Gemm"]
    assert sorted(i.name for i in model.graph.initializer) == [
        "0.bias",
        "0.weight",
        "2.bias",
        "2.weight",
    ]


def test_batch_axis_is_free_by_default_and_fixed_on_request(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    retrograd.onnx.export(mlp(), example(), path)
    dims = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 3]

    retrograd.onnx.export(mlp(), example(), path, dynamic_batch=False)
    graph = onnx.load(str(path)).graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == [4, 3]
    assert [d.dim_value for d in graph.output[0].type.tensor_type.shape.dim] == [4, 2]


def test_names_and_an_older_opset(tmp_path: Path) -> None:
    path = tmp_path / "mlp.onnx"
    model = mlp()
    retrograd.onnx.export(
        model, example(), path, opset=13, input_names=["features"], output_names=["logits"]
    )
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    x = example(6)
    np.testing.assert_allclose(
        run_onnx(path, x, "features"), model(rg.Tensor(x)).array, rtol=1e-5, atol=1e-5
    )


def test_a_bare_layer_and_an_empty_sequential(tmp_path: Path) -> None:
    rg.manual_seed(0)
    export_and_compare(nn.Linear(3, 2), [example(), example(1)], tmp_path / "linear.onnx")
    export_and_compare(nn.Sequential(), [example(), example(1)], tmp_path / "empty.onnx")


def test_float64_models_export_as_double(tmp_path: Path) -> None:
    model = mlp().double()
    x = example().astype(np.float64)
    export_and_compare(model, [x, x[:1]], tmp_path / "double.onnx")


@pytest.mark.parametrize(
    ("layer", "named"),
    [
        (lambda: nn.LSTM(3, 4), "layer 1 is a LSTM"),
        (lambda: nn.GRU(3, 4), "layer 1 is a GRU"),
        (lambda: nn.GroupNorm(1, 3), "layer 1 is a GroupNorm"),
        (lambda: nn.MultiheadAttention(4, 2), "layer 1 is a MultiheadAttention"),
        (lambda: nn.ModuleList([nn.ReLU()]), "layer 1 is a ModuleList"),
    ],
)
def test_unsupported_layers_are_named(layer, named: str, tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 3), layer())
    path = tmp_path / "model.onnx"
    with pytest.raises(UnsupportedLayerError, match=named) as info:
        retrograd.onnx.export(model, example(), path)
    assert "supported layers: Sequential, AdaptiveAvgPool1d" in str(info.value)
    assert isinstance(info.value, TypeError) and isinstance(info.value, rg.RetrogradError)
    assert not path.exists()


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return self.fc(x).relu()


class ScaledLinear(nn.Linear):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return super().forward(x) * 2


@pytest.mark.parametrize(
    ("model", "named"),
    [
        (Net, "layer model is a custom module test_onnx_export.Net"),
        (
            lambda: nn.Sequential(nn.ReLU(), Net()),
            "layer 1 is a custom module test_onnx_export.Net",
        ),
        (lambda: ScaledLinear(3, 2), "custom module test_onnx_export.ScaledLinear"),
    ],
)
def test_custom_modules_are_named(model, named: str, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedLayerError, match=named) as info:
        retrograd.onnx.export(model(), example(), tmp_path / "model.onnx")
    assert "nn.Sequential models of built-in layers" in str(info.value)


@pytest.mark.parametrize(
    ("layer", "shape", "message"),
    [
        (lambda: nn.MaxPool2d(2, return_indices=True), (2, 4, 4), "returns a tuple"),
        (
            lambda: nn.BatchNorm2d(2, track_running_stats=False),
            (2, 4, 4),
            "track_running_stats=False",
        ),
        (lambda: nn.AdaptiveAvgPool2d(3), (2, 4, 4), r"output size \(3, 3\) does not divide"),
        (lambda: nn.Conv2d(2, 2, 3), (2, 5, 5), "ONNX needs a batch axis"),
        (lambda: nn.LayerNorm(4), (4,), "LayerNormalization from opset 17"),
    ],
)
def test_settings_onnx_cannot_express(layer, shape, message: str, tmp_path: Path) -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Identity(), layer())
    if message == "ONNX needs a batch axis":
        x = np.zeros(shape, dtype=np.float32)  # an unbatched (C, H, W) input
    else:
        x = np.zeros((2, *shape), dtype=np.float32)
    opset = 16 if "opset 17" in message else 17
    with pytest.raises(ExportError, match=message) as info:
        retrograd.onnx.export(model, x, tmp_path / "model.onnx", opset=opset, dynamic_batch=False)
    assert str(info.value).startswith("layer 1 (")


def test_bad_arguments(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    with pytest.raises(ExportError, match="opset 12 is not supported"):
        retrograd.onnx.export(mlp(), example(), path, opset=12)
    with pytest.raises(ExportError, match="opset 99 is not supported"):
        retrograd.onnx.export(mlp(), example(), path, opset=99)
    with pytest.raises(ValueError, match="list of one name"):
        retrograd.onnx.export(mlp(), example(), path, input_names=["a", "b"])
    with pytest.raises(ValueError, match="must differ"):
        retrograd.onnx.export(mlp(), example(), path, input_names=["x"], output_names=["x"])
    with pytest.raises(TypeError, match="nn.Module"):
        retrograd.onnx.export(lambda x: x, example(), path)  # type: ignore[arg-type]
    assert not path.exists()


def test_a_failed_export_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"old")
    with pytest.raises(UnsupportedLayerError):
        retrograd.onnx.export(nn.Sequential(nn.LSTM(3, 3)), example(), path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_missing_onnx_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'retrograd\[onnx\]'"):
        retrograd.onnx.export(mlp(), example(), tmp_path / "model.onnx")
