"""Converters from retrograd layers to ONNX nodes, one module per layer family; importing this
package fills `CONVERTERS` (layer class -> converter). A layer with none is exported by tracing
its forward into primitive ops (`traced.convert_traced`, with the table `traced.PRIMITIVES`)."""

from retrograd.onnx.converters import activation, conv, linear, normalization, pooling, traced
from retrograd.onnx.converters.registry import CONVERTERS, Converter, Step, converts
from retrograd.onnx.converters.traced import (
    PRIMITIVES,
    TraceError,
    convert_traced,
    supported_primitives,
)

__all__ = [
    "CONVERTERS",
    "PRIMITIVES",
    "Converter",
    "Step",
    "TraceError",
    "activation",
    "conv",
    "convert_traced",
    "converts",
    "linear",
    "normalization",
    "pooling",
    "supported_primitives",
    "traced",
]
