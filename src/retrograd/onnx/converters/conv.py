"""Conv1d, Conv2d and ConvTranspose2d: ONNX's Conv and ConvTranspose take the same weight
layouts as PyTorch, so only the padding needs translating."""

from __future__ import annotations

from retrograd import nn
from retrograd.onnx.converters.registry import Step, converts
from retrograd.onnx.graph import GraphBuilder


def _pads(layer: nn.Module) -> list[int]:
    """ONNX pads `[begin..., end...]`; 'same' puts the odd pixel at the end, as PyTorch does."""
    padding = layer.padding
    if padding == "valid":
        return [0] * 2 * len(layer.kernel_size)
    if padding == "same":
        total = [d * (k - 1) for d, k in zip(layer.dilation, layer.kernel_size)]
        begin = [t // 2 for t in total]
        return begin + [t - b for t, b in zip(total, begin)]
    return list(padding) * 2


def _weights(g: GraphBuilder, step: Step) -> list[str]:
    layer = step.module
    names = [g.initializer(layer.weight.array, f"{step.where}.weight")]
    if layer.bias is not None:
        names.append(g.initializer(layer.bias.array, f"{step.where}.bias"))
    return names


@converts(nn.Conv1d, nn.Conv2d)
def conv(g: GraphBuilder, step: Step, x: str) -> str:
    layer = step.module
    step.require_batched(len(layer.kernel_size))
    return g.node(
        "Conv",
        [x, *_weights(g, step)],
        step.where,
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.stride),
        dilations=list(layer.dilation),
        pads=_pads(layer),
        group=int(layer.groups),
    )


@converts(nn.ConvTranspose2d)
def conv_transpose(g: GraphBuilder, step: Step, x: str) -> str:
    layer = step.module
    step.require_batched(2)
    return g.node(
        "ConvTranspose",
        [x, *_weights(g, step)],
        step.where,
        kernel_shape=list(layer.kernel_size),
        strides=list(layer.stride),
        dilations=list(layer.dilation),
        pads=_pads(layer),
        output_padding=list(layer.output_padding),
        group=int(layer.groups),
    )
