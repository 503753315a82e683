"""`retrograd evaluate MODEL.safetensors DATA.csv`: the model's metrics on labelled CSV data."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from retrograd.cli.common import (
    CommandError,
    class_indices,
    format_metrics,
    load_trained_model,
    score,
)
from retrograd.cli.csvdata import label_array, read_csv, require_columns
from retrograd.cli.predict import feature_matrix
from retrograd.cli.text import printable

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `evaluate` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "evaluate",
        help="score a trained model on a labelled CSV file",
        description=(
            "Score a model saved by `retrograd train` on DATA.csv, which must hold the target "
            "column: accuracy and F1 for classification, MSE, MAE and R² for regression."
        ),
    )
    parser.add_argument("model", metavar="MODEL.safetensors")
    parser.add_argument("data", metavar="DATA.csv")
    parser.set_defaults(handler=run, parser=parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `retrograd evaluate` with parsed `args`; return the exit status."""
    trained = load_trained_model(args.model)
    table = read_csv(args.data)
    require_columns(table, [trained.target], "target")
    X = feature_matrix(trained, table)
    if trained.task == "regression":
        truth = label_array(table, trained.target, numeric=True).astype(np.float64)
        predicted, _ = trained.predict(X)
        values = score("regression", truth, predicted)
    else:
        classes = trained.classes
        if classes.dtype.kind in "USO":
            labels = label_array(table, trained.target, numeric=False)
        else:
            labels = label_array(table, trained.target)
        if (labels.dtype.kind in "USO") == (classes.dtype.kind in "USO"):
            known = np.isin(labels, classes)
        else:
            known = np.zeros(len(labels), dtype=bool)
        if not known.all():
            unseen = [printable(v) for v in np.unique(labels[~known]).tolist()]
            raise CommandError(
                f"{printable(args.data)}: the target {trained.target!r} holds labels the model "
                f"was not trained on: {', '.join(unseen[:10])}; its classes are: "
                f"{', '.join(printable(c) for c in classes.tolist())}"
            )
        index, _ = class_indices(trained.outputs(X))
        truth_index = np.searchsorted(classes, labels)
        values = score("classification", truth_index, index, len(classes))
    print(f"{printable(args.data)}: {len(table.rows)} rows, task {trained.task}")
    print(format_metrics(values))
    return 0
