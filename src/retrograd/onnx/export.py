"""`export(model, example_input, path)`: write a retrograd model as an ONNX file.

The export walks the module tree: `nn.Sequential` containers (nested or not) are unrolled, and
every other module is a layer. A built-in layer with a converter (`supported_layers()`) is
converted by it. Any other leaf module (one without submodules: a built-in activation such as
Mish, or a custom Module) is exported by the general rule: its forward is traced into
retrograd's primitive ops on the example input and each primitive is converted
(`retrograd.onnx.converters.traced`); a module whose forward cannot be traced (a tensor value
read into Python, an in-place change, a primitive with no ONNX entry) or that holds submodules
is refused by name, with the reason. The example input is run through the model once in eval
mode, layer by layer, which gives each converter the ranks, static sizes and dtypes it needs;
the model's train/eval flags are restored afterwards. The graph is checked
with `onnx.checker.check_model` (with shape inference) and written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from retrograd._version import __version__
from retrograd.autograd.grad_mode import no_grad
from retrograd.io.atomic import atomic_write
from retrograd.nn.containers import Sequential
from retrograd.nn.module import Module
from retrograd.onnx.converters import CONVERTERS, Step, TraceError, convert_traced
from retrograd.onnx.converters.traced import record
from retrograd.onnx.errors import ExportError, UnsupportedLayerError
from retrograd.onnx.graph import GraphBuilder, require_onnx
from retrograd.tensor import Tensor

__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "GraphStep", "export", "supported_layers", "to_onnx"]

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax/LogSoftmax take PyTorch's single-axis meaning from opset 13
BATCH = "batch"  # the symbolic name of a free batch size

#: extra nodes around the network: `(graph, value name, dtype) -> name of the new value`
GraphStep = Callable[[GraphBuilder, str, np.dtype], str]


def supported_layers() -> list[str]:
    """The names of the layers `export` converts with a dedicated converter (besides
    `Sequential`, which it unrolls).

    Other leaf modules export too, by the general rule: their forward is traced into primitive
    ops on the example input and each primitive is converted, so a built-in activation with no
    converter (Mish, Hardswish, SELU, ...) or a custom module written from tensor ops exports
    when its forward uses only the primitives of
    `retrograd.onnx.converters.supported_primitives()` and no Python control flow on values.
    """
    return sorted(layer.__name__ for layer in CONVERTERS)


def export(
    model: Module,
    example_input: Any,
    path: str | os.PathLike[str],
    opset: int = DEFAULT_OPSET,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
) -> None:
    """Write `model` to `path` as an ONNX model that computes what `model(x)` does in eval mode.

    Args:
        model: the module to export.
        example_input: a Tensor or array shaped like the model's input (its dtype becomes the
            graph input's: float32, or int64 indices for an Embedding).
        path: the `.onnx` file to write.
        opset: the ONNX opset (13 or later; LayerNorm needs 17). Default: 17.
        input_names: one name. Default: `["input"]`.
        output_names: one name. Default: `["output"]`.
        dynamic_batch: leave the first axis of the input and output free (named "batch") instead
            of fixing it to the example's size. Default: True.

    Layers with no dedicated converter are exported by tracing their forward into primitive
    ops (see `supported_layers`).

    Raises:
        UnsupportedLayerError: naming a layer (or custom module) with no ONNX conversion, and
            why tracing its forward failed.
        ExportError: for a setting ONNX cannot express.
        MissingDependencyError: without `onnx`.
    """
    proto = to_onnx(
        model,
        example_input,
        opset=opset,
        input_names=input_names,
        output_names=output_names,
        dynamic_batch=dynamic_batch,
    )
    atomic_write(path, proto.SerializeToString())


def to_onnx(
    model: Module,
    example_input: Any,
    *,
    opset: int = DEFAULT_OPSET,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_batch: bool = True,
    before: Sequence[GraphStep] = (),
    after: Sequence[GraphStep] = (),
    metadata: Mapping[str, str] | None = None,
) -> Any:
    """The checked `onnx.ModelProto` that `export` writes (arguments as there).

    `before` / `after`: extra graph steps applied to the graph input before the network and to
    the network's output (e.g. folded feature scaling; the graph input keeps the example's
    shape and dtype); `metadata`: string pairs stored as the model's metadata_props.
    """
    onnx = require_onnx()
    if not isinstance(model, Module):
        raise TypeError(f"export takes a retrograd nn.Module, got {type(model).__name__}")
    opset = _check_opset(opset, int(onnx.defs.onnx_opset_version()))
    input_name = _one_name(input_names, "input", "input_names")
    output_name = _one_name(output_names, "output", "output_names")
    if input_name == output_name:
        raise ValueError(f"the input and output names must differ, both are {input_name!r}")
    example = _example_array(example_input)
    if dynamic_batch and example.ndim == 0:
        raise ValueError("dynamic_batch needs an example input with a batch axis, got a 0-d one")

    g = GraphBuilder(opset)
    g.reserve(input_name)
    g.reserve(output_name)
    value = input_name
    for step in before:
        value = step(g, value, example.dtype)
    output = example
    for step_info in _run_layers(model, example):
        value = _convert(g, step_info, value)
        output = step_info.y
    for step in after:
        value = step(g, value, output.dtype)
    _name_output(g, value, output_name)

    def value_info(name: str, array: np.ndarray) -> Any:
        shape: list[Any] = list(array.shape)
        if dynamic_batch and shape:
            shape[0] = BATCH
        return onnx.helper.make_tensor_value_info(name, g.tensor_type(array.dtype), shape)

    graph = onnx.helper.make_graph(
        g.nodes,
        _graph_name(model),
        [value_info(input_name, example)],
        [value_info(output_name, output)],
        initializer=g.initializers,
    )
    opset_id = onnx.helper.make_opsetid("", opset)
    proto = onnx.helper.make_model(
        graph, opset_imports=[opset_id], producer_name="retrograd", producer_version=__version__
    )
    # the oldest IR version that holds this opset, so older runtimes load the file too
    proto.ir_version = onnx.helper.find_min_ir_version_for([opset_id])
    if metadata:
        onnx.helper.set_model_props(proto, {str(k): str(v) for k, v in metadata.items()})
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as error:  # a converter bug, not a user error: say where it came from
        raise ExportError(f"the exported graph failed onnx.checker.check_model: {error}") from None
    return proto


# ------------------------------------------------------------------------------ arguments
def _check_opset(opset: Any, newest: int) -> int:
    if not isinstance(opset, (int, np.integer)) or isinstance(opset, bool):
        raise TypeError(f"opset must be an int, got {type(opset).__name__}")
    if not MIN_OPSET <= opset <= newest:
        raise ExportError(
            f"opset {opset} is not supported: retrograd exports opsets {MIN_OPSET} to {newest} "
            "(the newest the installed onnx knows)"
        )
    return int(opset)


def _one_name(names: Sequence[str] | None, default: str, argument: str) -> str:
    if names is None:
        return default
    if isinstance(names, str) or len(names) != 1 or not isinstance(names[0], str):
        raise ValueError(
            f"{argument} must be a list of one name (the model has one {default}), got {names!r}"
        )
    if not names[0]:
        raise ValueError(f"{argument}: the name must not be empty")
    return names[0]


def _example_array(example_input: Any) -> np.ndarray:
    if isinstance(example_input, Tensor):
        return example_input.array
    return np.asarray(example_input)


def _graph_name(model: Module) -> str:
    return f"retrograd {type(model).__name__}"


# ------------------------------------------------------------------------------ the walk
def _unsupported(where: str, module: Module, reason: str) -> UnsupportedLayerError:
    """The refusal of a layer with no converter whose forward could not be traced (`reason`)."""
    cls = type(module)
    supported = ", ".join(["Sequential", *supported_layers()])
    if cls.__module__.split(".")[0] != "retrograd":
        return UnsupportedLayerError(
            f"layer {where} is a custom module {cls.__module__}.{cls.__qualname__}, which "
            "retrograd.onnx cannot export: it converts nn.Sequential models of built-in layers "
            f"({supported}) and leaf modules whose forward it can trace into supported "
            f"primitives; tracing this one failed: {reason}"
        )
    return UnsupportedLayerError(
        f"layer {where} is a {cls.__name__}, which retrograd.onnx cannot export; supported "
        f"layers: {supported}, and leaf layers whose forward it can trace into supported "
        f"primitives; tracing this one failed: {reason}"
    )


def _convert(g: GraphBuilder, step: Step, value: str) -> str:
    """The layer's nodes: its converter's, else those of its traced forward."""
    converter = CONVERTERS.get(type(step.module))
    if converter is not None:
        return converter(g, step, value)
    try:
        return convert_traced(g, step, value)
    except TraceError as failure:
        raise _unsupported(step.where, step.module, failure.reason) from None


def _leaves(module: Module, where: str) -> list[tuple[str, Module]]:
    """The layers of `module` in call order, Sequentials unrolled; refuse modules with no
    converter that hold submodules (the leaf ones are traced when they run)."""
    if type(module) is Sequential:
        layers = []
        for name, child in module._modules.items():
            path = name if where == "model" else f"{where}.{name}"
            if child is not None:
                layers += _leaves(child, path)
        return layers
    if type(module) not in CONVERTERS:
        children = [name for name, child in module._modules.items() if child is not None]
        if children:
            raise _unsupported(
                where,
                module,
                f"it holds submodules ({', '.join(children)}); only Sequential containers are "
                "unrolled, and only leaf modules are traced",
            )
    return [(where, module)]


def _run_layers(model: Module, example: np.ndarray) -> list[Step]:
    """Each layer with its input and output on `example`, run in eval mode without a graph."""
    leaves = _leaves(model, "model")  # refuse containers it cannot unroll before running
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    steps = []
    try:
        x = example
        with no_grad():
            for where, layer in leaves:
                trace = None
                if type(layer) in CONVERTERS:
                    result = layer(Tensor(x))
                else:  # the general rule: record the forward's primitive ops
                    try:
                        trace = record(layer, x)
                    except TraceError as failure:
                        raise _unsupported(where, layer, failure.reason) from None
                    result = trace.output
                if not isinstance(result, Tensor):
                    raise ExportError(
                        f"layer {where} ({layer!r}) returns a {type(result).__name__}; the "
                        "ONNX export handles layers that return one tensor (built without "
                        "return_indices, for instance)"
                    )
                steps.append(Step(layer, where, x, result.array, trace))
                x = result.array
    finally:
        for module, training in modes:
            module.training = training
    return steps


def _name_output(g: GraphBuilder, value: str, output_name: str) -> None:
    """Make the last value the graph output: rename the node that made it, or add an
    Identity when the graph has no node of its own there (an empty Sequential)."""
    if g.nodes and g.nodes[-1].output[0] == value:
        g.nodes[-1].output[0] = output_name
    else:
        g.node("Identity", [value], "output", output=output_name)
