"""`retrograd export MODEL.safetensors MODEL.onnx`: write a saved model as an ONNX file.

For a model file written by `retrograd train`, the graph takes the raw feature columns: the
missing-value filling (`--fill-missing`) and the feature StandardScaler saved with the model are
folded into the graph as IsNaN/Where and Sub/Div nodes, and a regression model's output is
scaled back to the target's units (Mul/Add). A classifier still outputs logits (one column for
two classes: apply a sigmoid; else a softmax), and the label names are not in the graph: they,
the feature names and the task are stored in the ONNX file's metadata_props.
`--network-only` exports the network alone, which expects standardized features.
Any other model file exports the network as it is; `--input-shape` gives its input's shape when
it does not start with a Linear layer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from retrograd.cli.common import (
    CommandError,
    bounded_int,
    check_output_path,
    command_output_error,
    input_width,
    load_model_file,
    load_trained_model,
)
from retrograd.io.atomic import atomic_write
from retrograd.io.output import OutputFileError
from retrograd.nn import Embedding, Module, Sequential
from retrograd.onnx import DEFAULT_OPSET, to_onnx
from retrograd.onnx.export import GraphStep
from retrograd.onnx.preprocessing import fill_missing, standardize, unstandardize

__all__ = ["add_parser", "run"]

MAX_INPUT_ELEMENTS = 100_000_000  # one example input of this many numbers is already 400 MB


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes separated by commas, like 3,32,32; got {text!r}"
        ) from None
    if any(size < 1 for size in shape):
        raise argparse.ArgumentTypeError(f"every size must be at least 1, got {text!r}")
    elements = 1
    for size in shape:
        elements *= size
    if elements > MAX_INPUT_ELEMENTS:
        raise argparse.ArgumentTypeError(
            f"an input of shape {text} holds {elements:,} numbers, more than the "
            f"{MAX_INPUT_ELEMENTS:,} an export example may have"
        )
    return shape


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `export` subcommand to `commands` (from `ArgumentParser.add_subparsers`)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "export",
        help="write a saved model as an ONNX file",
        description=(
            "Write a model file as ONNX (needs pip install 'retrograd[onnx]'). For a model "
            "saved by `retrograd train`, the graph takes the raw feature columns: the missing-"
            "value filling and feature scaling are folded in, and a regression output is in the "
            "target's units; a classifier outputs logits. Feature names, task and class labels "
            "go into the file's metadata."
        ),
    )
    parser.add_argument(
        "model", metavar="MODEL.safetensors", help="a model file saved by retrograd"
    )
    parser.add_argument("out", metavar="MODEL.onnx", help="where to write the ONNX model")
    parser.add_argument(
        "--force", action="store_true", help="replace an existing MODEL.onnx (never the model)"
    )
    parser.add_argument(
        "--opset",
        type=bounded_int(1, 1000),
        default=DEFAULT_OPSET,
        help=f"ONNX opset (default {DEFAULT_OPSET})",
    )
    parser.add_argument(
        "--input-shape",
        type=_shape,
        default=None,
        metavar="D,D,...",
        help="the input's shape without the batch axis (default: the first Linear's width)",
    )
    parser.add_argument(
        "--network-only",
        action="store_true",
        help="leave the preprocessing saved by `retrograd train` out of the graph",
    )
    parser.add_argument(
        "--static-batch",
        action="store_true",
        help="fix the batch size to 1 instead of leaving it free",
    )
    parser.set_defaults(handler=run, parser=parser)
    return parser


def _first_layer(model: Module) -> Module | None:
    """The layer that reads the model's input, looking inside Sequential containers."""
    layer: Module | None = model
    while type(layer) is Sequential and len(layer._modules) > 0:
        layer = next(iter(layer._modules.values()))
    return layer


def _example(model: Module, shape: tuple[int, ...] | None, path: str) -> np.ndarray:
    """A batch of one zero input for `model`: int64 indices for an Embedding, else float32."""
    if shape is None:
        width = input_width(model)
        if width is None:
            raise CommandError(
                f"{path}: cannot tell the input shape of a model that does not start with a "
                "Linear layer; give it with --input-shape (without the batch axis, e.g. 3,32,32)"
            )
        shape = (width,)
    if isinstance(_first_layer(model), Embedding):
        return np.zeros((1, *shape), dtype=np.int64)
    return np.zeros((1, *shape), dtype=_float_dtype(model))


def _float_dtype(model: Module) -> np.dtype:
    for parameter in model.parameters():
        return np.dtype(parameter.array.dtype)
    return np.dtype(np.float32)


def _trained_pipeline(path: str) -> tuple[list[GraphStep], list[GraphStep], dict[str, str], str]:
    """Graph steps and metadata for a model file written by `retrograd train`."""
    trained = load_trained_model(path)
    scaler = trained.scaler
    before: list[GraphStep] = []
    if trained.fill_values is not None:
        before.append(fill_missing(trained.fill_values))
    mean = scaler.mean_ if scaler.with_mean else None
    before.append(standardize(None if mean is None else list(mean), _as_list(scaler.scale_)))
    after: list[GraphStep] = []
    metadata = {
        "task": trained.task,
        "target": trained.target,
        "features": json.dumps(trained.features),
    }
    if trained.task == "regression":
        assert trained.target_scaler is not None
        target = trained.target_scaler
        target_mean = target.mean_ if target.with_mean else None
        after.append(unstandardize(_as_list(target_mean), _as_list(target.scale_)))
        metadata["output"] = f"the predicted {trained.target}"
        summary = "raw features in, predictions in the target's units out"
    else:
        classes = [str(label) for label in trained.classes.tolist()]
        metadata["classes"] = json.dumps(classes)
        if len(classes) == 2:
            metadata["output"] = f"one logit: sigmoid > 0.5 means class {classes[1]!r}"
        else:
            metadata["output"] = "one logit per class (softmax for probabilities)"
        summary = "raw features in, logits out (class labels in the metadata)"
    return before, after, metadata, summary


def _as_list(values: Any) -> list[float] | None:
    return None if values is None else [float(v) for v in np.asarray(values).ravel()]


def run(args: argparse.Namespace) -> int:
    """Run `retrograd export` with parsed `args`; return the exit status."""
    check_output_path(args.out, args.force, "MODEL.onnx", inputs=[args.model])
    model, info = load_model_file(args.model)
    before: list[GraphStep] = []
    after: list[GraphStep] = []
    metadata: dict[str, str] = {}
    summary = "the network alone"
    if info.metadata.get("retrograd_cli") is not None and not args.network_only:
        before, after, metadata, summary = _trained_pipeline(args.model)
    elif info.metadata.get("retrograd_cli") is not None:
        summary = "the network alone: it expects standardized features"
    example = _example(model, args.input_shape, args.model)
    proto = to_onnx(
        model,
        example,
        opset=args.opset,
        dynamic_batch=not args.static_batch,
        before=before,
        after=after,
        metadata=metadata,
    )
    try:
        atomic_write(args.out, proto.SerializeToString(), overwrite=args.force, inputs=[args.model])
    except OutputFileError as error:
        raise command_output_error(error, args.out) from None
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
    batch = "1" if args.static_batch else "batch"
    shape = ", ".join([batch, *(str(n) for n in example.shape[1:])])
    print(f"wrote {args.out} (ONNX opset {args.opset}, input ({shape}) {example.dtype}): {summary}")
    return 0
