"""`retrograd info MODEL.safetensors`: a model file's layers, parameter shapes and counts, and
what `retrograd train` recorded about it."""

from __future__ import annotations

import argparse
import json
from typing import Any

from retrograd.cli.common import (
    CLI_FORMAT,
    format_metrics,
    load_model_file,
    load_trained_model,
)
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
    return sum(int(p.data.size) for p in module.parameters())


def _layer_lines(model: Module) -> list[str]:
    children = list(model.named_children())
    if not children:
        children = [("0", model)]
    rows = []
    for name, child in children:
        output = f"(N, {child.out_features})" if isinstance(child, Linear) else ""
        size = _count(child)
        rows.append((name, repr(child).replace("\n", " "), output, f"{size:,}" if size else ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for name, text, output, size_text in rows:
        line = f"  {name:<{widths[0]}}  {text:<{widths[1]}}  {output:<{widths[2]}}  {size_text}"
        lines.append(line.rstrip())
    return lines


def _training_text(training: dict[str, Any]) -> str:
    """``cls.csv, 120 training + 30 validation rows, 20 of 20 epochs, adam lr 0.01 ...``."""
    get = training.get
    hidden = get("hidden")
    widths = ",".join(str(n) for n in hidden) if isinstance(hidden, list) and hidden else "none"
    parts = [
        f"{get('data')}, {get('train_rows')} training + {get('validation_rows')} validation rows",
        f"{get('epochs_run')} of {get('epochs')} epochs",
        f"batch size {get('batch_size')}",
        f"{get('optimizer')} lr {get('lr')}",
        f"hidden {widths} ({get('activation')})",
        f"seed {get('seed')}",
    ]
    if get("early_stopping") is not None:
        parts.append(f"early stopping patience {get('early_stopping')}")
    if get("stop_reason"):
        parts.append(str(get("stop_reason")))
    return "; ".join(parts)


def describe(path: str) -> str:
    """The report `retrograd info` prints for the model file at `path`."""
    model, info = load_model_file(path)
    total = _count(model)
    lines = [f"model file: {path}", f"layers ({type(model).__name__}):", *_layer_lines(model)]
    tensors = list(model.named_parameters())
    lines.append(f"parameters: {total:,} in {len(tensors)} tensors")
    for name, parameter in tensors:
        lines.append(f"  {name}: {tuple(parameter.shape)} {parameter.data.dtype}")

    meta = info.metadata
    if meta.get("retrograd_cli") != CLI_FORMAT:
        if meta:
            lines.append("metadata: " + json.dumps(meta, default=str, sort_keys=True))
        return "\n".join(lines)
    trained = load_trained_model(path)
    lines.append(f"task: {trained.task}")
    if trained.task == "classification":
        classes = [str(c) for c in trained.classes.tolist()]
        lines.append(f"classes ({len(classes)}): {', '.join(classes)}")
    lines.append(f"target: {trained.target}")
    lines.append(f"features ({len(trained.features)}): {', '.join(trained.features)}")
    if trained.fill_strategy is not None:
        lines.append(f"missing feature values: filled with the training {trained.fill_strategy}")
    training = meta.get("training")
    if isinstance(training, dict):
        lines.append("training: " + _training_text(training))
    final = meta.get("final_metrics")
    if isinstance(final, dict):
        for part, values in final.items():
            if isinstance(values, dict):
                lines.append(f"final {part} metrics: {format_metrics(values)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run `retrograd info` with parsed `args`; return the exit status."""
    print(describe(args.model))
    return 0
