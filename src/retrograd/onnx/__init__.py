"""Export retrograd models to ONNX (needs the `onnx` extra: ``pip install 'retrograd[onnx]'``).

`export(model, example_input, "model.onnx")` writes an `nn.Sequential` of built-in layers (or
one such layer) as an ONNX graph that onnxruntime and other runtimes run; `to_onnx` returns the
`onnx.ModelProto` instead. `supported_layers()` lists what converts. `onnx` is imported only
when a model is exported, so `import retrograd.onnx` works without it.
"""

from retrograd.onnx.errors import ExportError, MissingDependencyError, UnsupportedLayerError
from retrograd.onnx.export import DEFAULT_OPSET, export, supported_layers, to_onnx

__all__ = [
    "DEFAULT_OPSET",
    "ExportError",
    "MissingDependencyError",
    "UnsupportedLayerError",
    "export",
    "supported_layers",
    "to_onnx",
]
