"""`retrograd info MODEL.safetensors`: a model file's layers, parameter shapes and counts, and
what `retrograd train` recorded about it.

The model is built only after the file's architecture has been checked against its tensors
(`retrograd.io.load_with_info`). Every string from the file goes through `printable` before it
is printed, and metadata of an unexpected type is shown as JSON rather than trusted."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from retrograd.cli.common import CLI_FORMAT, load_model_file, load_trained_model
from retrograd.cli.text import printable
from retrograd.nn import Linear, Module

__all__ = ["add_parser", "describe", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `info` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "info",
        help="show a model file's layers, shapes, parameter count and training metadata",
        description="Show what a model file saved by retrograd holds.",
    )
    parser.add_argument("model", metavar="MODEL.safetensors")
    parser.set_defaults(handler=run, parser=parser)
    return parser


def _count(module: Module) -> int:
    return sum(int(p.array.size) for p in module.parameters())


def _layer_lines(model: Module) -> list[str]:
    children = list(model.named_children())
    if not children:
        children = [("0", model)]
    rows = []
    for name, child in children:
        output = f"(N, {child.out_features})" if isinstance(child, Linear) else ""
        size = _count(child)
        text = " ".join(printable(line) for line in repr(child).splitlines())
        rows.append((printable(name), text, output, f"{size:,}" if size else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for name, text, output, size_text in rows:
        line = f"  {name:<{widths[0]}}  {text:<{widths[1]}}  {output:<{widths[2]}}  {size_text}"
        lines.append(line.rstrip())
    return lines


def _training_text(training: dict[str, Any]) -> str:
    """``cls.csv, 120 training + 30 validation rows, 20 of 20 epochs, adam lr 0.01 ...``."""

    def get(key: str) -> str:
        return printable(training.get(key))

    hidden = training.get("hidden")
    widths = (
        ",".join(_value_text(n) for n in hidden) if isinstance(hidden, list) and hidden else "none"
    )
    parts = [
        f"{get('data')}, {get('train_rows')} training + {get('validation_rows')} validation rows",
        f"{get('epochs_run')} of {get('epochs')} epochs",
        f"batch size {get('batch_size')}",
        f"{get('optimizer')} lr {get('lr')}",
        f"hidden {widths} ({get('activation')})",
        f"seed {get('seed')}",
    ]
    if training.get("early_stopping") is not None:
        parts.append(f"early stopping patience {get('early_stopping')}")
    if training.get("stop_reason"):
        parts.append(get("stop_reason"))
    return "; ".join(parts)


def _value_text(value: Any) -> str:
    """A metadata value as printable text: strings and numbers as they are, anything else as
    JSON."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return printable(json.dumps(value, default=str, sort_keys=True))


def _metric_text(value: Any) -> str:
    """``0.9500`` for a number (``nan``, ``inf`` as they are), anything else as `_value_text`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        return f"{number:.4f}" if math.isfinite(number) else str(number)
    return _value_text(value)


def _final_lines(final: Any) -> list[str]:
    """``final training metrics: accuracy 0.9500 - f1 0.9487`` for each part; metrics of
    another layout (a string, a list, null ...) as one line of JSON."""
    if isinstance(final, dict) and final and all(isinstance(v, dict) for v in final.values()):
        lines = []
        for part, values in final.items():
            shown = [f"{printable(name)} {_metric_text(value)}" for name, value in values.items()]
            lines.append(f"final {printable(part)} metrics: {' - '.join(shown)}")
        return lines
    return [f"final metrics (not in the layout retrograd train writes): {_value_text(final)}"]


def describe(path: str) -> str:
    """The report `retrograd info` prints for the model file at `path`."""
    model, info = load_model_file(path)
    total = _count(model)
    lines = [
        f"model file: {printable(path)}",
        f"layers ({type(model).__name__}):",
        *_layer_lines(model),
    ]
    tensors = list(model.named_parameters())
    lines.append(f"parameters: {total:,} in {len(tensors)} tensors")
    for name, parameter in tensors:
        lines.append(f"  {printable(name)}: {tuple(parameter.shape)} {parameter.array.dtype}")

    meta = info.metadata
    if meta.get("retrograd_cli") != CLI_FORMAT:
        if meta:
            lines.append("metadata: " + _value_text(meta))
        return "\n".join(lines)
    trained = load_trained_model(path)
    lines.append(f"task: {trained.task}")
    if trained.task == "classification":
        classes = [printable(c) for c in trained.classes.tolist()]
        lines.append(f"classes ({len(classes)}): {', '.join(classes)}")
    lines.append(f"target: {printable(trained.target)}")
    features = [printable(name) for name in trained.features]
    lines.append(f"features ({len(features)}): {', '.join(features)}")
    if trained.fill_strategy is not None:
        lines.append(
            f"missing feature values: filled with the training {printable(trained.fill_strategy)}"
        )
    training = meta.get("training")
    if isinstance(training, dict):
        lines.append("training: " + _training_text(training))
    elif training is not None:
        unknown = _value_text(training)
        lines.append(f"training (not in the layout retrograd train writes): {unknown}")
    if "final_metrics" in meta:
        lines.extend(_final_lines(meta["final_metrics"]))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run `retrograd info` with parsed `args`; return the exit status."""
    print(describe(args.model))
    return 0
