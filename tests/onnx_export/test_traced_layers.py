"""The general rule of the ONNX export: a leaf layer with no converter of its own is exported by
tracing its forward into primitive ops. Every built-in activation without a converter, and
custom modules written from tensor ops, give onnxruntime's output equal to retrograd's within
1e-5 (float32); forwards the graph cannot hold are refused with the layer and the reason."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from onnx_testing import export_and_compare, run_onnx

import retrograd as rg
import retrograd.onnx
from retrograd import nn
from retrograd.nn import activation
from retrograd.onnx import ExportError, UnsupportedLayerError
from retrograd.onnx.converters import CONVERTERS, supported_primitives

# every activation layer with no converter, with its settings (the test below checks this
# table covers them all, so a new activation is tested as soon as it is written)
TRACED: dict[str, Callable[[], nn.Module]] = {
    "Softmin": lambda: nn.Softmin(dim=1),
    "Hardtanh": lambda: nn.Hardtanh(-0.5, 0.7),
    "ReLU6": nn.ReLU6,
    "Hardsigmoid": nn.Hardsigmoid,
    "Hardswish": nn.Hardswish,
    "Mish": nn.Mish,
    "SELU": nn.SELU,
    "CELU": lambda: nn.CELU(0.6),
    "LogSigmoid": nn.LogSigmoid,
    "Softsign": nn.Softsign,
    "Tanhshrink": nn.Tanhshrink,
    "Softshrink": lambda: nn.Softshrink(0.3),
    "Hardshrink": lambda: nn.Hardshrink(0.3),
    "Threshold": lambda: nn.Threshold(0.2, -1.5),
    "GLU": nn.GLU,
    "PReLU": nn.PReLU,
}
# more settings of the same layers: defaults, other thresholds, one slope per channel
VARIANTS: dict[str, Callable[[], nn.Module]] = {
    "Softshrink-default": nn.Softshrink,
    "Hardshrink-default": nn.Hardshrink,
    "CELU-default": nn.CELU,
    "Hardtanh-default": nn.Hardtanh,
    "Threshold-negative": lambda: nn.Threshold(-0.5, 2.0),
    "PReLU-per-channel": lambda: per_channel_prelu(),
    "Softmin-dim-0": lambda: nn.Softmin(dim=0),
}

# values on both sides of, and exactly at, every threshold of the piecewise activations
# (0, +-0.2, +-0.3, +-0.5, 0.7, +-1, +-3, 6, the softplus threshold 20), plus large ones
_NEGATIVE = [30, 6, 4, 3, 2.5, 1.5, 1, 0.7, 0.5, 0.3, 0.25, 0.2, 0.1, 1e-3]
PROBES = np.array(
    [-v for v in _NEGATIVE] + [0.0, 0.0] + _NEGATIVE[::-1] + [19.5, 20.5], dtype=np.float32
)


def activation_classes_without_converter() -> set[str]:
    return {
        name
        for name, cls in vars(activation).items()
        if inspect.isclass(cls)
        and issubclass(cls, nn.Module)
        and cls.__module__ == activation.__name__
        and not name.startswith("_")
        and cls not in CONVERTERS
    }


def per_channel_prelu() -> nn.Module:
    layer = nn.PReLU(5)
    layer.weight.array[...] = np.array([0.25, -0.5, 0.0, 1.5, 0.1], dtype=np.float32)
    return layer


def sandwich(layer: nn.Module) -> nn.Sequential:
    """Linear(4, w), the layer, Linear(., 3); the first Linear passes its input through on its
    first four outputs (identity weights, zero bias), so the probes reach the layer exactly."""
    rg.manual_seed(0)
    width = 10 if isinstance(layer, nn.GLU) else 5
    first = nn.Linear(4, width)
    weight = np.zeros((width, 4), dtype=np.float32)
    weight[:4] = np.eye(4)
    weight[4:] = np.random.default_rng(3).uniform(-2, 2, (width - 4, 4))
    first.weight.array[...] = weight
    first.bias.array[...] = 0.0
    return nn.Sequential(first, layer, nn.Linear(width // 2 if width == 10 else width, 3))


def probe_inputs() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    grid = PROBES.reshape(-1, 4)
    return [grid, (rng.standard_normal((5, 4)) * 3).astype(np.float32), grid[:1]]


def test_the_table_covers_every_activation_without_a_converter() -> None:
    assert set(TRACED) == activation_classes_without_converter()


@pytest.mark.parametrize("name", list(TRACED) + list(VARIANTS))
def test_activation_exports_by_tracing(name: str, tmp_path: Path) -> None:
    layer = {**TRACED, **VARIANTS}[name]()
    model = sandwich(layer)
    export_and_compare(model, probe_inputs(), tmp_path / "model.onnx")
    assert model.training  # the export traced it in eval mode and restored the mode


@pytest.mark.parametrize("name", ["Mish", "Hardswish", "SELU", "Threshold"])
def test_activation_alone_matches_at_every_probe(name: str, tmp_path: Path) -> None:
    """The layer by itself, on the probes as one row: each value is compared, not a mix."""
    model = nn.Sequential(TRACED[name]())
    x = PROBES.reshape(1, -1)
    export_and_compare(model, [x, np.repeat(x, 3, axis=0)], tmp_path / "model.onnx")


def test_float64_models_trace_with_float64_constants(tmp_path: Path) -> None:
    model = sandwich(nn.Mish()).double()
    inputs = [x.astype(np.float64) for x in probe_inputs()]
    export_and_compare(model, inputs, tmp_path / "model.onnx")


# ------------------------------------------------------------------------------ custom modules
class Swishy(nn.Module):
    forward = lambda self, x: x * (x * 1.5).sigmoid()  # noqa: E731


class Gadget(nn.Module):
    """Slices, reshapes, reductions, comparisons, clamp, matmul with a parameter, padding and
    concatenation in one forward."""

    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(5)
        self.weight = nn.Parameter(rg.tensor(rng.standard_normal((6, 4)).astype(np.float32)))
        self.register_buffer("offset", rg.tensor(np.arange(5, dtype=np.float32) / 5))

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        halves = x.reshape(x.shape[0], 2, 3)  # the batch axis stays free
        total = halves.sum(2) - halves.mean(dim=2, keepdim=False) * 0.5
        peak = halves.amax(dim=2)
        low = halves.amin(dim=2)
        gated = rg.where((total > 0) & ~(peak < 1.0), total, peak.clamp(-0.5, 0.5))
        mixed = rg.cat([gated, low.abs().sqrt(), x[:, 1:5:2].flip(1)], dim=1) @ self.weight
        padded = rg.nn.functional.pad(mixed, (1, 0)).exp2().log1p()
        return padded.permute(1, 0).softmax(dim=0).transpose(0, 1) + self.offset


class ModeDependent(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x * 2 if self.training else x + 1


class Identityish(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x


@pytest.mark.parametrize(
    ("make", "width", "out"),
    [(Swishy, 4, 4), (Gadget, 6, 5), (ModeDependent, 4, 4), (Identityish, 4, 4)],
    ids=["Swishy", "Gadget", "ModeDependent", "Identity"],
)
def test_custom_leaf_modules_export_by_tracing(make, width: int, out: int, tmp_path) -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, width), make(), nn.Linear(out, 3))
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((n, 4)).astype(np.float32) * 2 for n in (6, 1, 3)]
    export_and_compare(model, inputs, tmp_path / "model.onnx")


def test_a_bare_custom_module_exports(tmp_path: Path) -> None:
    x = PROBES.reshape(2, -1)
    export_and_compare(Swishy(), [x, x[:1]], tmp_path / "model.onnx")


def test_converters_are_preferred_to_tracing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def refuse(module, x):  # noqa: ANN001, ANN202
        raise AssertionError(f"{type(module).__name__} was traced")

    # the module, which `retrograd.onnx.export` (the function) hides as an attribute
    monkeypatch.setattr(importlib.import_module("retrograd.onnx.export"), "record", refuse)
    model = nn.Sequential(nn.Linear(4, 5), nn.SiLU(), nn.ReLU(), nn.Linear(5, 2))
    export_and_compare(model, probe_inputs(), tmp_path / "model.onnx")


def test_the_traced_graph_is_the_forward_op_by_op(tmp_path: Path) -> None:
    proto = retrograd.onnx.to_onnx(Swishy(), PROBES.reshape(4, -1))
    assert [node.op_type for node in proto.graph.node] == ["Mul", "Sigmoid", "Mul"]
    assert len(proto.graph.initializer) == 1  # the 1.5, as the example's dtype
    assert proto.graph.initializer[0].data_type == 1  # FLOAT


def test_supported_primitives_list_the_table() -> None:
    required = (
        "Add Sub Mul Div Neg Exp Log Log1p Expm1 Tanh Sigmoid Relu Abs Sqrt Pow PowScalar Erf "
        "Maximum Minimum Clamp Where NoGrad Cast Softmax LogSoftmax Reshape Sum MatMul"
    )
    assert set(required.split()) <= set(supported_primitives())


# ------------------------------------------------------------------------------ refusals
class ItemUser(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        if x.sum().item() > 0:  # Python control flow on a value
            return x
        return -x


class CumProduct(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x.cumprod(1)


class InPlace(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        y = x * 2
        y += 1
        return y


class Pair(nn.Module):
    def forward(self, x: rg.Tensor) -> tuple[rg.Tensor, rg.Tensor]:
        return x, x


class Masked(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x[x > 0]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (ItemUser, r"item\(\) turns a tensor into a Python value at .*test_traced_layers.py:\d+"),
        (
            CumProduct,
            r"the primitive op CumProd, which has no ONNX entry \(traced primitives: "
            r"Abs, .*Add, ",
        ),
        (InPlace, r"changes a tensor of shape \(2, 4\) in place"),
        (Pair, "returns a tuple"),
        (Masked, "advanced indexing"),
    ],
    ids=["item", "no-entry", "in-place", "tuple", "mask"],
)
def test_untraceable_forwards_are_refused_with_the_reason(make, reason: str, tmp_path) -> None:
    model = nn.Sequential(nn.Linear(4, 4), make())
    path = tmp_path / "model.onnx"
    with pytest.raises(ExportError, match=reason) as info:
        retrograd.onnx.export(model, np.ones((2, 4), dtype=np.float32), path)
    message = str(info.value)
    assert isinstance(info.value, UnsupportedLayerError)
    assert message.startswith(f"layer 1 is a custom module test_traced_layers.{make.__name__}")
    assert "nn.Sequential models of built-in layers (Sequential, " in message
    assert "tracing this one failed: " in message
    assert not path.exists()
    assert model.training


def test_a_built_in_layer_that_cannot_be_traced_keeps_the_old_message(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.GroupNorm(2, 4))
    with pytest.raises(UnsupportedLayerError, match="layer 1 is a GroupNorm") as info:
        retrograd.onnx.export(model, np.ones((2, 3), dtype=np.float32), tmp_path / "m.onnx")
    assert "supported layers: Sequential, AdaptiveAvgPool1d" in str(info.value)
    assert "the primitive op Normalize, which has no ONNX entry" in str(info.value)


def test_a_trace_runs_once_per_layer_in_eval_mode(tmp_path: Path) -> None:
    calls = []

    class Counted(nn.Module):
        def forward(self, x: rg.Tensor) -> rg.Tensor:
            calls.append(self.training)
            return x.tanh()

    model = nn.Sequential(Counted())
    proto = retrograd.onnx.to_onnx(model, np.ones((2, 3), dtype=np.float32))
    assert calls == [False]
    assert [node.op_type for node in proto.graph.node] == ["Tanh"]
    path = tmp_path / "model.onnx"
    retrograd.onnx.export(model, np.ones((2, 3), dtype=np.float32), path)
    x = PROBES.reshape(4, -1)[:, :3].copy()
    np.testing.assert_allclose(run_onnx(path, x), np.tanh(x), rtol=1e-6, atol=1e-6)
