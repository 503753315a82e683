"""`retrograd predict MODEL.safetensors DATA.csv [--out predictions.csv]`: predictions for each
row of a CSV file, as CSV (decoded labels, or numbers in the target's units).

Feature columns are found by name, in any order; other columns (the target too) are ignored.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

import numpy as np

from retrograd.cli.common import (
    TrainedModel,
    check_output_path,
    load_trained_model,
    write_text,
)
from retrograd.cli.csvdata import Table, numeric_matrix, read_csv, require_columns

__all__ = ["add_parser", "feature_matrix", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `predict` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "predict",
        help="predict the target of each row of a CSV file with a trained model",
        description=(
            "Predict the target of each row of DATA.csv with a model saved by `retrograd "
            "train`. Feature columns are matched by name; the target column may be absent. "
            "Writes CSV: the prediction, and for classification its probability."
        ),
    )
    parser.add_argument("model", metavar="MODEL.safetensors")
    parser.add_argument("data", metavar="DATA.csv")
    parser.add_argument(
        "--out", metavar="PREDICTIONS.csv", default=None, help="write here instead of stdout"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --out file (never the model or the data)",
    )
    parser.set_defaults(handler=run, parser=parser)
    return parser


def feature_matrix(trained: TrainedModel, table: Table) -> np.ndarray:
    """The model's feature columns of `table`, matched by name, with missing cells filled as
    in training (or an error when the model was trained without --fill-missing)."""
    require_columns(table, trained.features, "feature")
    if trained.fill_values is None:
        hint = "; the model was trained without --fill-missing, so every feature needs a value"
        return numeric_matrix(table, trained.features, missing_hint=hint)
    X = numeric_matrix(table, trained.features, allow_missing=True)
    return np.where(np.isnan(X), np.asarray(trained.fill_values), X)


def _text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def run(args: argparse.Namespace) -> int:
    """Run `retrograd predict` with parsed `args`; return the exit status."""
    inputs = [args.model, args.data]
    if args.out is not None:
        check_output_path(args.out, args.force, "--out", inputs=inputs)
    trained = load_trained_model(args.model)
    table = read_csv(args.data)
    X = feature_matrix(trained, table)
    ignored = [c for c in table.columns if c not in trained.features and c != trained.target]
    if ignored:
        print(
            f"note: ignoring columns the model does not use: {', '.join(ignored)}", file=sys.stderr
        )
    predicted, probability = trained.predict(X)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if probability is None:
        writer.writerow([trained.target])
        writer.writerows([_text(value)] for value in predicted.tolist())
    else:
        writer.writerow([trained.target, "probability"])
        for label, p in zip(predicted.tolist(), probability.tolist()):
            writer.writerow([_text(label), f"{p:.4f}"])
    if args.out is None:
        sys.stdout.write(buffer.getvalue())
        return 0
    write_text(args.out, buffer.getvalue(), force=args.force, inputs=inputs)
    print(f"wrote {len(predicted)} predictions of {trained.target!r} to {args.out}")
    return 0
