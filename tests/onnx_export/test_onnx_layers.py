"""Every layer the ONNX export converts: onnxruntime's output equals retrograd's within 1e-5
(float32), at the example's batch size and at another one (the batch axis is free)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from onnx_testing import export_and_compare

import retrograd as rg
import retrograd.onnx
from retrograd import nn


def with_running_stats(layer: nn.Module) -> nn.Module:
    """A BatchNorm whose running statistics and affine parameters are not the defaults."""
    rng = np.random.default_rng(1)
    n = layer.num_features
    layer.running_mean.array[...] = rng.standard_normal(n)
    layer.running_var.array[...] = rng.uniform(0.5, 2.0, n)
    if layer.weight is not None:
        layer.weight.array[...] = rng.uniform(0.5, 1.5, n)
        layer.bias.array[...] = rng.standard_normal(n)
    return layer


def with_affine(layer: nn.Module) -> nn.Module:
    rng = np.random.default_rng(2)
    if layer.weight is not None:
        layer.weight.array[...] = rng.uniform(0.5, 1.5, layer.weight.shape)
    if layer.bias is not None:
        layer.bias.array[...] = rng.standard_normal(layer.bias.shape)
    return layer


# name -> (model factory, input shape without the batch axis)
CASES: dict[str, tuple[Callable[[], nn.Module], tuple[int, ...]]] = {
    "Linear": (lambda: nn.Linear(4, 3), (4,)),
    "Linear-no-bias": (lambda: nn.Linear(4, 3, bias=False), (4,)),
    "Linear-3d": (lambda: nn.Linear(4, 3), (5, 4)),
    "Linear-3d-no-bias": (lambda: nn.Linear(4, 3, bias=False), (5, 4)),
    "ReLU": (nn.ReLU, (6,)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (6,)),
    "ELU": (lambda: nn.ELU(0.7), (6,)),
    "GELU": (nn.GELU, (6,)),
    "GELU-tanh": (lambda: nn.GELU(approximate="tanh"), (6,)),
    "SiLU": (nn.SiLU, (6,)),
    "Sigmoid": (nn.Sigmoid, (6,)),
    "Tanh": (nn.Tanh, (6,)),
    "Softplus": (nn.Softplus, (6,)),
    "Softplus-beta-threshold": (lambda: nn.Softplus(beta=2.0, threshold=1.5), (6,)),
    "Softmax": (lambda: nn.Softmax(dim=1), (6,)),
    "Softmax-last-of-3d": (lambda: nn.Softmax(dim=-1), (3, 4)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), (6,)),
    "Flatten": (nn.Flatten, (3, 4, 5)),
    "Flatten-middle": (lambda: nn.Flatten(1, 2), (3, 4, 5)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), (6,)),
    "Identity": (nn.Identity, (6,)),
    "Dropout": (lambda: nn.Dropout(0.5), (6,)),
    "Dropout1d": (lambda: nn.Dropout1d(0.5), (3, 4)),
    "Dropout2d": (lambda: nn.Dropout2d(0.5), (3, 4, 4)),
    "Conv1d": (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (3, 9)),
    "Conv2d": (lambda: nn.Conv2d(3, 4, 3), (3, 7, 6)),
    "Conv2d-same-dilated": (lambda: nn.Conv2d(3, 4, (3, 2), padding="same", dilation=2), (3, 7, 6)),
    "Conv2d-groups-stride": (lambda: nn.Conv2d(4, 6, 3, stride=2, groups=2, bias=False), (4, 8, 8)),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
        (3, 4, 5),
    ),
    "ConvTranspose2d-groups-dilation": (
        lambda: nn.ConvTranspose2d(4, 4, 2, groups=2, dilation=2, bias=False),
        (4, 3, 3),
    ),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), (3, 9)),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1), (3, 7, 7)),
    "MaxPool2d-dilation": (lambda: nn.MaxPool2d(2, dilation=2), (2, 7, 7)),
    "MaxPool2d-ceil": (lambda: nn.MaxPool2d(2, ceil_mode=True), (2, 7, 5)),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, stride=2, padding=1), (3, 9)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2), (3, 6, 6)),
    "AvgPool2d-exclude-pad": (
        lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        (2, 7, 7),
    ),
    "AvgPool2d-divisor": (
        lambda: nn.AvgPool2d(3, stride=2, padding=1, divisor_override=5),
        (2, 7, 7),
    ),
    "AvgPool2d-ceil": (lambda: nn.AvgPool2d(2, ceil_mode=True), (2, 7, 5)),
    "AdaptiveAvgPool1d-1": (lambda: nn.AdaptiveAvgPool1d(1), (3, 7)),
    "AdaptiveAvgPool2d-1": (lambda: nn.AdaptiveAvgPool2d(1), (3, 5, 7)),
    "AdaptiveAvgPool2d-even": (lambda: nn.AdaptiveAvgPool2d((2, None)), (3, 6, 5)),
    "BatchNorm1d": (lambda: with_running_stats(nn.BatchNorm1d(4)), (4,)),
    "BatchNorm1d-3d": (lambda: with_running_stats(nn.BatchNorm1d(4)), (4, 5)),
    "BatchNorm2d": (lambda: with_running_stats(nn.BatchNorm2d(3)), (3, 4, 5)),
    "BatchNorm2d-no-affine": (
        lambda: with_running_stats(nn.BatchNorm2d(3, affine=False)),
        (3, 4, 5),
    ),
    "LayerNorm": (lambda: with_affine(nn.LayerNorm(5)), (3, 5)),
    "LayerNorm-2-axes": (lambda: with_affine(nn.LayerNorm((3, 5))), (3, 5)),
    "LayerNorm-no-bias": (lambda: with_affine(nn.LayerNorm(5, bias=False)), (5,)),
    "LayerNorm-no-affine": (lambda: nn.LayerNorm(5, elementwise_affine=False), (5,)),
    "Upsample-2d-factor": (lambda: nn.Upsample(scale_factor=2), (2, 3, 4)),
    "Upsample-2d-size": (lambda: nn.Upsample(size=(5, 7)), (2, 3, 4)),
    "Upsample-2d-uneven-factors": (lambda: nn.Upsample(scale_factor=(3.0, 1.5)), (2, 3, 4)),
    # floor(4 * 2.1) = 8 = 2 * 4: retrograd (like PyTorch) reads i // 2 there, not i / 2.1
    "Upsample-2d-doubling-factor": (lambda: nn.Upsample(scale_factor=2.1), (2, 4, 4)),
    "Upsample-1d-factor": (lambda: nn.Upsample(scale_factor=3), (2, 5)),
    "Upsample-nearest-exact": (
        lambda: nn.Upsample(scale_factor=2, mode="nearest-exact"),
        (2, 3, 4),
    ),
    "Upsample-nearest-exact-size": (
        lambda: nn.Upsample(size=(7, 5), mode="nearest-exact"),
        (2, 3, 4),
    ),
    "Upsample-recompute": (
        lambda: nn.Upsample(scale_factor=1.7, recompute_scale_factor=True),
        (2, 3, 4),
    ),
    "UpsamplingNearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=2), (2, 3, 3)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_layer_matches_onnxruntime(name: str, tmp_path: Path) -> None:
    make, shape = CASES[name]
    rg.manual_seed(0)
    model = nn.Sequential(make())
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((n, *shape)).astype(np.float32) for n in (2, 5)]
    export_and_compare(model, inputs, tmp_path / "model.onnx")


def test_embedding_takes_int64_indices(tmp_path: Path) -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Embedding(10, 4, padding_idx=0), nn.Flatten(), nn.Linear(12, 2))
    rng = np.random.default_rng(0)
    inputs = [rng.integers(0, 10, (n, 3)) for n in (2, 7)]
    export_and_compare(model, inputs, tmp_path / "model.onnx")


def test_a_small_cnn_end_to_end(tmp_path: Path) -> None:
    rg.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        with_running_stats(nn.BatchNorm2d(4)),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Sequential(nn.Conv2d(4, 8, 3), nn.SiLU()),  # nested containers are unrolled
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(8, 3),
        nn.LogSoftmax(dim=1),
    )
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((n, 1, 10, 10)).astype(np.float32) for n in (4, 1, 9)]
    export_and_compare(model, inputs, tmp_path / "model.onnx")
    assert model.training  # the export ran it in eval mode and restored the mode


def test_every_converted_layer_is_tested() -> None:
    tested = {type(make()).__name__ for make, _ in CASES.values()} | {"Embedding"}
    assert set(retrograd.onnx.supported_layers()) <= tested
