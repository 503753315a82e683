"""`retrograd doctor MODEL.safetensors DATA.csv`: `retrograd.doctor` on a model saved by
`retrograd train` and labelled CSV data, to tell why the network does not learn.

The data is examined as the network sees it: the saved fill values and feature scaler applied,
the target encoded as in training (binary: float 0/1 of shape (N, 1) for BCEWithLogitsLoss;
more classes: int64 indices for CrossEntropyLoss; regression: the target standardized with the
saved target scaler, for MSELoss). The optimizer is rebuilt from the saved training options.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import replace
from typing import Any

import numpy as np

from retrograd import nn, optim
from retrograd.cli.common import CommandError, TrainedModel, load_trained_model
from retrograd.cli.csvdata import Table, label_array, read_csv, require_columns
from retrograd.cli.predict import feature_matrix
from retrograd.cli.text import printable
from retrograd.cli.train import OPTIMIZERS, make_optimizer
from retrograd.diagnostics import DoctorReport, doctor

__all__ = ["add_parser", "print_report", "run", "training_targets"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `doctor` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "doctor",
        help="check why a trained model does not learn on a labelled CSV file",
        description=(
            "Run retrograd.doctor on a model saved by `retrograd train` and labelled DATA.csv: "
            "the data (non-finite values, feature scales, constant features, conflicting "
            "duplicates, class balance), the output layer and loss, the gradients, the "
            "activations and short training runs on copies. The data goes through the saved "
            "fill values, scaler and label encoding, and the loss is the one training used. "
            "Prints the findings with a fix for each; exits with status 0 when there is no "
            "error or warning, 1 when there is (or when the input is bad)."
        ),
    )
    parser.add_argument("model", metavar="MODEL.safetensors")
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument(
        "--target",
        metavar="COL",
        default=None,
        help="the target column of DATA.csv (default: the one the model was trained on)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON line")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="skip the slow checks (the short training runs)",
    )
    parser.set_defaults(handler=run, parser=parser)
    return parser


def _class_labels(trained: TrainedModel, table: Table, target: str) -> np.ndarray:
    """The target column as the model's labels; unseen labels are an error naming them."""
    classes = trained.classes
    text_classes = classes.dtype.kind in "USO"
    labels = label_array(table, target, numeric=False if text_classes else None)
    known = np.zeros(len(labels), dtype=bool)
    if (labels.dtype.kind in "USO") == text_classes:
        known = np.isin(labels, classes)
    if not known.all():
        unseen = [printable(v) for v in np.unique(labels[~known]).tolist()]
        raise CommandError(
            f"{printable(table.path)}: the target {target!r} holds labels the model was not "
            f"trained on: {', '.join(unseen[:10])}; its classes are: "
            f"{', '.join(printable(c) for c in classes.tolist())}"
        )
    return labels


def training_targets(
    trained: TrainedModel, table: Table, target: str
) -> tuple[np.ndarray, nn.Module]:
    """The target column in the form `retrograd train` fed its loss, and that loss.

    Returns:
        `(y, loss_fn)`: binary: float32 `(N, 1)` and BCEWithLogitsLoss; more classes: int64
            `(N,)` and CrossEntropyLoss; regression: standardized float32 `(N, 1)` and MSELoss.
    """
    if trained.task == "regression":
        assert trained.target_scaler is not None
        column = label_array(table, target, numeric=True).astype(np.float64)[:, None]
        y = np.asarray(trained.target_scaler.transform(column), dtype=np.float32)
        return y, nn.MSELoss()
    assert trained.encoder is not None
    index = trained.encoder.transform(_class_labels(trained, table, target))
    if len(trained.classes) == 2:
        return index.astype(np.float32)[:, None], nn.BCEWithLogitsLoss()
    return index.astype(np.int64), nn.CrossEntropyLoss()


def _saved_optimizer(trained: TrainedModel) -> optim.Optimizer | None:
    """The optimizer named in the model's training metadata (None when it names none usable)."""
    training = trained.metadata.get("training")
    if not isinstance(training, dict):
        return None
    name, lr = training.get("optimizer"), training.get("lr")
    if name not in OPTIMIZERS or isinstance(lr, bool) or not isinstance(lr, (int, float)):
        return None
    if not (math.isfinite(lr) and lr > 0):
        return None
    return make_optimizer(name, list(trained.model.parameters()), float(lr))


def print_report(report: DoctorReport, as_json: bool) -> None:
    """Print `report` as text, or as one line of JSON."""
    print(report.to_json() if as_json else report, flush=True)


def run(args: argparse.Namespace) -> int:
    """Run `retrograd doctor` with parsed `args`; return 0 when the report is ok, else 1."""
    trained = load_trained_model(args.model)
    table = read_csv(args.data)
    target = args.target if args.target is not None else trained.target
    require_columns(table, [target], "target")
    if target in trained.features:
        raise CommandError(
            f"--target {target!r} is one of the model's features; give the column it predicts"
        )
    X = feature_matrix(trained, table)
    inputs = np.asarray(trained.scaler.transform(X), dtype=np.float32)
    y, loss_fn = training_targets(trained, table, target)
    report = doctor(trained.model, loss_fn, inputs, y, _saved_optimizer(trained), quick=args.quick)
    title = printable(
        f"{os.path.basename(args.model)} on {os.path.basename(args.data)} "
        f"({len(table.rows)} rows, {trained.task}, {type(loss_fn).__name__})"
    )
    report = replace(report, title=title)
    print_report(report, args.json)
    return 0 if report.ok else 1
