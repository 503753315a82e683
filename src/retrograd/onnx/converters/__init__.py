"""Converters from retrograd layers to ONNX nodes, one module per layer family; importing this
package fills `CONVERTERS` (layer class -> converter)."""

from retrograd.onnx.converters import activation, conv, linear, normalization, pooling
from retrograd.onnx.converters.registry import CONVERTERS, Converter, Step, converts

__all__ = [
    "CONVERTERS",
    "Converter",
    "Step",
    "activation",
    "conv",
    "converts",
    "linear",
    "normalization",
    "pooling",
]
