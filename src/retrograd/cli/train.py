"""`retrograd train DATA.csv --target COL --out MODEL.safetensors`: train a network on a CSV
file and save everything `retrograd predict` needs in one model file.

Features are every column but the target (numeric), standardized; the task is inferred from the
target unless `--task` says: classification (labels encoded; two classes -> one logit with
BCEWithLogitsLoss, more -> one logit per class with CrossEntropyLoss) or regression (standardized
target, linear output, MSELoss). The network's size, the batch size, the number of epochs and
AdamW's learning rate and weight decay are chosen from the number of rows and features
(`retrograd.train.tabular.tabular_settings`) unless an option gives them, and early stopping on
the validation split keeps the best weights. With `--doctor` it first prints the report of
`retrograd.doctor` on the untrained network and the training rows, then trains as usual.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

import retrograd
from retrograd import io, nn, optim
from retrograd.cli.common import (
    CLASSIFICATION_METRICS,
    CLI_FORMAT,
    MAX_EPOCHS,
    REGRESSION_METRICS,
    CommandError,
    TrainedModel,
    bounded_int,
    check_network_size,
    check_output_path,
    class_indices,
    command_output_error,
    format_metrics,
    fraction,
    higher_is_better,
    non_negative_int,
    positive_float,
    score,
)
from retrograd.cli.csvdata import (
    TARGET_MISSING,
    Table,
    fill_values,
    infer_task,
    label_array,
    numeric_matrix,
    read_csv,
    require_columns,
)
from retrograd.cli.launch import inside_launched_job, launch, quiet_unless_rank_zero
from retrograd.data import LabelEncoder, StandardScaler
from retrograd.diagnostics import doctor
from retrograd.io.model import non_finite_tensor, state_arrays
from retrograd.io.output import OutputFileError
from retrograd.metrics import Accuracy, FunctionMetric, mean_absolute_error
from retrograd.train import DoctorCallback, EarlyStopping, History, choices, fit
from retrograd.train.tabular import TabularSettings, tabular_settings

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "add_parser",
    "build_model",
    "make_optimizer",
    "run",
]

ACTIVATIONS = choices.ACTIVATIONS
OPTIMIZERS = choices.OPTIMIZERS
# --loss name -> (task it applies to, loss class); cross_entropy is BCEWithLogitsLoss for two
# classes and CrossEntropyLoss for more
LOSSES: dict[str, tuple[str, type[nn.Module]]] = {
    name: (task, choices.LOSSES[name])
    for name, task in (
        ("cross_entropy", "classification"),
        ("mse", "regression"),
        ("mae", "regression"),
        ("huber", "regression"),
    )
}
DEFAULT_OPTIMIZER = "adamw"
DEFAULT_LR = {"adam": 0.01, "sgd": 0.05, "rmsprop": 0.01}  # adamw: tabular_settings
SGD_MOMENTUM = 0.9
MAX_WIDTH = 1_000_000  # units in one hidden layer
MAX_LAYERS = 1_000
MAX_BATCH_SIZE = 2**31 - 1
MAX_FOLDS = 100


# ------------------------------------------------------------------------------------ options
def _hidden_sizes(text: str) -> tuple[int, ...]:
    if text.strip() in ("", "0", "none"):
        return ()
    shown = text if len(text) <= 60 else f"{text[:30]}... ({len(text)} characters)"
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected layer widths separated by commas, like 32,16; got {shown!r}"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"every layer width must be at least 1, got {shown!r}")
    if any(size > MAX_WIDTH for size in sizes):
        raise argparse.ArgumentTypeError(
            f"every layer width must be at most {MAX_WIDTH:,}, got {shown!r}"
        )
    if len(sizes) > MAX_LAYERS:
        raise argparse.ArgumentTypeError(f"at most {MAX_LAYERS} hidden layers, got {len(sizes)}")
    return sizes


def _metric_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    known = (*CLASSIFICATION_METRICS, *REGRESSION_METRICS)
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown metric {unknown[0] if unknown else text!r}; choose from "
            f"{', '.join(CLASSIFICATION_METRICS)} (classification) or "
            f"{', '.join(REGRESSION_METRICS)} (regression)"
        )
    return names


def _dropout(text: str) -> float:
    return fraction(text)


def _text_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]


class _HelpFormatter(argparse.HelpFormatter):
    """Shows `(default: X)` after an option's help unless the help already states its default,
    or there is none to show (None, False: the option is off unless given)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default in (None, False, argparse.SUPPRESS):
            return text
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return text + " (default: %(default)s)"
        return text


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `train` subcommand to `commands` (from `ArgumentParser.add_subparsers`)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "train",
        help="train a network on a CSV file and save it",
        description=(
            "Train a network on a CSV file with a header: every column but --target is a "
            "numeric feature. The task is inferred from the target (text, or few distinct "
            "whole numbers: classification; other numbers: regression) unless --task says. "
            "Options marked 'auto' are chosen from the number of training rows and features. "
            "Prints the progress and the final metrics, and saves the model with its scaler, "
            "label encoder and feature names for `retrograd predict`."
        ),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("data", metavar="DATA.csv", help="training data (CSV with a header)")
    parser.add_argument("--target", required=True, metavar="COL", help="the column to predict")
    parser.add_argument(
        "--out", required=True, metavar="MODEL.safetensors", help="where to save the model"
    )
    parser.add_argument("--task", choices=("auto", "classification", "regression"), default="auto")
    parser.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=None,
        metavar="N,N,...",
        help="hidden layer widths, comma-separated, 0 for none (default: auto: two layers of "
        "64 units below 2,000 training rows, of 128 above, at least as wide as the features)",
    )
    choices.add_activation_option(parser, "relu")
    parser.add_argument(
        "--dropout",
        type=_dropout,
        default=0.0,
        metavar="P",
        help="dropout probability after each hidden layer",
    )
    parser.add_argument(
        "--loss",
        choices=("auto", *LOSSES),
        default="auto",
        help="auto: cross_entropy for classification, mse for regression; mae and huber are "
        "regression losses (default: auto)",
    )
    parser.add_argument(
        "--class-weight",
        choices=("none", "balanced"),
        default="none",
        help="balanced: weigh each class by n_rows / (n_classes * its rows) in the loss",
    )
    parser.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=DEFAULT_OPTIMIZER)
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="learning rate (default: auto: 0.001 for adamw; "
        f"{DEFAULT_LR['adam']} for adam and rmsprop, {DEFAULT_LR['sgd']} for sgd with "
        f"momentum {SGD_MOMENTUM})",
    )
    parser.add_argument(
        "--weight-decay",
        type=_non_negative_float,
        default=None,
        metavar="W",
        help="weight decay: decoupled for adamw, an L2 term in the gradient for the others "
        "(default: auto: 0.01 for adamw, 0 for the others)",
    )
    parser.add_argument(
        "--epochs",
        type=bounded_int(1, MAX_EPOCHS),
        default=None,
        help="the most passes over the training rows; early stopping usually ends sooner "
        "(default: auto: enough for about 15,000 steps, 100 to 1,000)",
    )
    parser.add_argument(
        "--batch-size",
        type=bounded_int(1, MAX_BATCH_SIZE),
        default=None,
        help="rows per step (default: auto: about 1/50 of the training rows, a power of two "
        "from 16 to 256)",
    )
    parser.add_argument(
        "--val-split",
        type=fraction,
        default=0.2,
        help="fraction of the rows (shuffled) held out for validation; 0 for none",
    )
    parser.add_argument(
        "--early-stopping",
        type=bounded_int(0, MAX_EPOCHS),
        default=None,
        metavar="N",
        help="stop after N epochs without improvement on the validation rows (of the loss, or "
        "of the first --metric) and keep the best weights; 0 turns it off (default: auto: 20 "
        "epochs, 40 when an epoch has fewer than 20 steps; off without validation rows)",
    )
    parser.add_argument(
        "--metric",
        type=_metric_names,
        action="append",
        default=None,
        metavar="NAME[,NAME...]",
        help="metrics to report (repeatable); the first one also drives early stopping. "
        f"Classification: {', '.join(CLASSIFICATION_METRICS)}; regression: "
        f"{', '.join(REGRESSION_METRICS)} (default: accuracy,f1 or mse,mae,r2, early stopping "
        "on the validation loss)",
    )
    parser.add_argument(
        "--test",
        metavar="TEST.csv",
        default=None,
        help="also score the trained model on the rows of this file (same columns)",
    )
    parser.add_argument(
        "--cv",
        type=bounded_int(2, MAX_FOLDS),
        default=None,
        metavar="K",
        help="first report K-fold cross-validation scores (K models, each trained as the final "
        "one is, on K-1 folds and scored on the other), then train and save the final model",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument(
        "--fill-missing",
        choices=("mean", "median"),
        default=None,
        help="fill empty or NaN feature cells with the column's mean or median (saved with "
        "the model and reused by predict); by default they are an error",
    )
    parser.add_argument(
        "--na-values",
        type=_text_list,
        default=None,
        metavar="TEXT[,TEXT...]",
        help="more cell values that mean 'missing': in the target (where only an empty cell "
        "is missing otherwise, so NA or None is a label) and in the features (beside empty, "
        "NaN, NA, N/A, null, None and ?)",
    )
    parser.add_argument(
        "--chunk-rows",
        type=bounded_int(1, MAX_BATCH_SIZE),
        default=None,
        metavar="N",
        help="read the file N rows at a time, keeping only the numbers (float32) of the rows "
        "read so far: for files too big to hold as text in memory; the rows themselves must "
        "fit in memory",
    )
    parser.add_argument(
        "--plot", metavar="CURVES.png", default=None, help="also save the training curves"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing --out and --plot file (never the data, a directory or a "
        "special file)",
    )
    parser.add_argument(
        "--nproc",
        type=bounded_int(1, 1024),
        default=1,
        metavar="N",
        help="train data-parallel on N processes started with mpiexec (needs the mpi extra); "
        "--batch-size is per process",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars (reading, training)")
    parser.add_argument(
        "--doctor",
        action="store_true",
        help="before training, examine the untrained network, its loss, optimizer and the "
        "training rows (as the network sees them) with retrograd.doctor and print the report; "
        "training then runs as usual",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --doctor: print the report as one line of JSON",
    )
    parser.set_defaults(handler=run, parser=parser)
    return parser


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"must be a number of at least 0, got {text}")
    return value


# ------------------------------------------------------------------------------------- model
def build_model(
    in_features: int,
    out_features: int,
    hidden: tuple[int, ...],
    activation: str,
    dropout: float = 0.0,
) -> nn.Sequential:
    """Linear layers of widths `hidden` with `activation` (and `Dropout(dropout)` when above 0)
    between them, then a linear output."""
    layers: list[nn.Module] = []
    width = in_features
    for size in hidden:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, out_features))
    return nn.Sequential(*layers)


@dataclass
class Prepared:
    """Training arrays for one task: targets in the form the loss takes, and the pieces."""

    y: np.ndarray  # binary: float32 (N, 1); multi-class: int64 (N,); regression: float32 (N, 1)
    out_features: int
    loss_fn: nn.Module
    fit_metrics: list[Any]
    encoder: LabelEncoder | None = None
    target_scaler: StandardScaler | None = None


@dataclass(frozen=True)
class Settings:
    """The training options after the automatic ones were chosen."""

    hidden: tuple[int, ...]
    optimizer: str
    lr: float
    weight_decay: float
    epochs: int
    batch_size: int
    patience: int  # 0: no early stopping
    dropout: float


def resolve_settings(args: argparse.Namespace, n_train: int, n_features: int) -> Settings:
    """The options given, and for the others `tabular_settings(n_train, n_features)`."""
    auto: TabularSettings = tabular_settings(max(n_train, 1), n_features)
    lr = args.lr
    if lr is None:
        lr = auto.lr if args.optimizer == "adamw" else DEFAULT_LR[args.optimizer]
    weight_decay = args.weight_decay
    if weight_decay is None:
        weight_decay = auto.weight_decay if args.optimizer == "adamw" else 0.0
    patience = args.early_stopping if args.early_stopping is not None else auto.patience
    if args.val_split == 0:
        patience = 0 if args.early_stopping is None else patience
    return Settings(
        hidden=args.hidden if args.hidden is not None else auto.hidden,
        optimizer=args.optimizer,
        lr=lr,
        weight_decay=weight_decay,
        epochs=args.epochs if args.epochs is not None else auto.max_epochs,
        batch_size=args.batch_size if args.batch_size is not None else auto.batch_size,
        patience=patience,
        dropout=args.dropout,
    )


def _balanced_weights(index: np.ndarray, n_classes: int) -> np.ndarray:
    counts = np.bincount(index, minlength=n_classes).astype(np.float64)
    return len(index) / (n_classes * np.maximum(counts, 1.0))


def _prepare_classification(
    labels: np.ndarray,
    target: str,
    path: str,
    train_rows: np.ndarray | None = None,
    class_weight: str = "none",
) -> Prepared:
    encoder = LabelEncoder().fit(labels)
    assert encoder.classes_ is not None
    classes = encoder.classes_
    if len(classes) < 2:
        raise CommandError(
            f"{path}: the target {target!r} has only one class ({classes.tolist()[0]!r}); "
            "a classifier needs at least two"
        )
    index = encoder.transform(labels)
    rows = index if train_rows is None else index[train_rows]
    weights = _balanced_weights(rows, len(classes)) if class_weight == "balanced" else None
    if len(classes) == 2:
        loss: nn.Module = nn.BCEWithLogitsLoss()
        if weights is not None:
            # one logit: weighing the positive class by w1 / w0 is the balanced loss up to scale
            pos_weight = np.array([weights[1] / weights[0]], dtype=np.float32)
            loss = nn.BCEWithLogitsLoss(pos_weight=retrograd.tensor(pos_weight))
        return Prepared(
            y=index.astype(np.float32)[:, None],
            out_features=1,
            loss_fn=loss,
            fit_metrics=[Accuracy(threshold=0.0)],  # the output is a logit
            encoder=encoder,
        )
    if weights is not None:
        loss = nn.CrossEntropyLoss(weight=retrograd.tensor(weights.astype(np.float32)))
    else:
        loss = nn.CrossEntropyLoss()
    return Prepared(
        y=index,
        out_features=len(classes),
        loss_fn=loss,
        fit_metrics=["accuracy"],
        encoder=encoder,
    )


def _prepare_regression(values: np.ndarray, train_rows: np.ndarray, loss: str = "mse") -> Prepared:
    column = values.astype(np.float64)[:, None]
    scaler = StandardScaler().fit(column[train_rows])

    def unscaled_mae(y_true: Any, y_pred: Any) -> float:
        # the network sees a standardized target; report the error in the target's own units
        true = scaler.inverse_transform(np.asarray(y_true, dtype=np.float64).reshape(-1, 1))
        pred = scaler.inverse_transform(np.asarray(y_pred, dtype=np.float64).reshape(-1, 1))
        return float(mean_absolute_error(true, pred))

    return Prepared(
        y=np.asarray(scaler.transform(column), dtype=np.float32),
        out_features=1,
        loss_fn=LOSSES[loss][1](),
        fit_metrics=[FunctionMetric("mae", unscaled_mae, higher_is_better=False)],
        target_scaler=scaler,
    )


def _epoch_metric(name: str, task: str, prepared: Prepared) -> FunctionMetric:
    """The metric `name` on the network's outputs, decoded to class indices or back to the
    target's units."""
    if task == "classification":
        n_classes = max(prepared.out_features, 2)

        def classified(y_true: Any, y_pred: Any) -> float:
            truth = np.asarray(y_true).reshape(len(y_true), -1)[:, 0].astype(np.int64)
            logits = np.asarray(y_pred, dtype=np.float64).reshape(len(y_pred), -1)
            index, _ = class_indices(logits)
            return score("classification", truth, index, n_classes, [name])[name]

        return FunctionMetric(name, classified, higher_is_better=higher_is_better(name))
    scaler = prepared.target_scaler
    assert scaler is not None

    def regressed(y_true: Any, y_pred: Any) -> float:
        true = scaler.inverse_transform(np.asarray(y_true, dtype=np.float64).reshape(-1, 1))
        pred = scaler.inverse_transform(np.asarray(y_pred, dtype=np.float64).reshape(-1, 1))
        return score("regression", true[:, 0], pred[:, 0], 0, [name])[name]

    return FunctionMetric(name, regressed, higher_is_better=higher_is_better(name))


def _split(n_rows: int, val_split: float, seed: int, path: str) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled row indices for training and validation (`ceil(n * val_split)` rows)."""
    order = np.random.default_rng(seed).permutation(n_rows)
    n_val = math.ceil(n_rows * val_split) if val_split > 0 else 0
    if n_rows - n_val < 1:
        raise CommandError(
            f"{path} has {n_rows} data row(s): too few to hold out {val_split:g} for validation "
            "and train on the rest; give more rows or a smaller --val-split"
        )
    return np.sort(order[: n_rows - n_val]), np.sort(order[n_rows - n_val :])


def _final_scores(
    trained: TrainedModel,
    X: np.ndarray,
    prepared: Prepared,
    labels: np.ndarray,
    names: Sequence[str] | None = None,
) -> dict[str, float]:
    if trained.task == "classification":
        assert prepared.encoder is not None
        index, _ = class_indices(trained.outputs(X))
        n_classes = len(trained.classes)
        return score("classification", prepared.encoder.transform(labels), index, n_classes, names)
    predicted, _ = trained.predict(X)
    return score("regression", labels.astype(np.float64), predicted, 0, names)


def make_optimizer(
    name: str, parameters: list[Any], lr: float, weight_decay: float | None = None
) -> optim.Optimizer:
    """The optimizer `name` over `parameters` (SGD with momentum 0.9). `weight_decay` None:
    the optimizer's own default (0, and 0.01 for AdamW)."""
    extra: dict[str, Any] = {} if weight_decay is None else {"weight_decay": weight_decay}
    if name == "sgd":
        extra["momentum"] = SGD_MOMENTUM
    return OPTIMIZERS[name](parameters, lr=lr, **extra)


# --------------------------------------------------------------------------------------- run
def run(args: argparse.Namespace) -> int:
    """Run `retrograd train` with parsed `args`; return the exit status."""
    if args.json and not args.doctor:
        args.parser.error("--json prints the doctor's report: add --doctor")
    if args.nproc > 1 and not inside_launched_job():
        check_output_path(args.out, args.force, "--out", inputs=[args.data])
        return launch(args.argv, args.nproc)
    args.rank = 0
    if args.nproc > 1:
        from retrograd import distributed

        distributed.init()
        args.rank = distributed.get_rank()
    with quiet_unless_rank_zero(args.rank):
        return _run(args)


@dataclass
class _Data:
    """What the training rows are: features, labels, their task and how they were filled."""

    features: list[str]
    task: str
    labels: np.ndarray
    X: np.ndarray
    n_rows: int


def _feature_na_values(args: argparse.Namespace) -> frozenset[str]:
    return frozenset(text.lower() for text in (args.na_values or ()))


def _read_training_data(args: argparse.Namespace) -> tuple[_Data, str]:
    table = read_csv(
        args.data,
        chunk_rows=args.chunk_rows,
        text_columns=[args.target],
        progress=False if args.quiet else None,
    )
    require_columns(table, [args.target], "target")
    features = [name for name in table.columns if name != args.target]
    if not features:
        raise CommandError(
            f"{args.data} has no feature columns: its only column is the target {args.target!r}"
        )
    numeric = {"auto": None, "classification": None, "regression": True}[args.task]
    na_values = TARGET_MISSING | frozenset(args.na_values or ())
    labels = label_array(table, args.target, numeric=numeric, na_values=na_values)
    task, reason = infer_task(labels, args.target)
    if args.task != "auto":
        task, reason = args.task, "chosen with --task"
    hint = "; fill it in, or pass --fill-missing mean|median to impute missing values"
    X = numeric_matrix(
        table,
        features,
        allow_missing=args.fill_missing is not None,
        missing_hint=hint,
        na_values=_feature_na_values(args),
    )
    return _Data(features, task, labels, X, table.n_rows), reason


def _check_options(args: argparse.Namespace, task: str) -> None:
    if args.loss != "auto" and LOSSES[args.loss][0] != task:
        raise CommandError(
            f"--loss {args.loss} is a {LOSSES[args.loss][0]} loss, but the task is {task}"
        )
    if args.class_weight != "none" and task != "classification":
        raise CommandError(f"--class-weight {args.class_weight} needs a classification task")
    allowed = CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS
    for name in _metrics_of(args):
        if name not in allowed:
            raise CommandError(
                f"--metric {name} does not apply to {task}; choose from {', '.join(allowed)}"
            )


def _metrics_of(args: argparse.Namespace) -> list[str]:
    names: list[str] = []
    for group in args.metric or ():
        names += [name for name in group if name not in names]
    return names


def _run(args: argparse.Namespace) -> int:
    # everything that could stop the results from being written is checked before training
    check_output_path(args.out, args.force, "--out", inputs=[args.data])
    if args.plot is not None:
        check_output_path(args.plot, args.force, "--plot", inputs=[args.data])
        if os.path.realpath(args.plot) == os.path.realpath(args.out):
            raise CommandError("--plot and --out name the same file")
        from retrograd.plotting import require_matplotlib

        require_matplotlib("retrograd train --plot")
    if args.test is not None and not os.path.isfile(args.test):
        raise CommandError(f"--test file {args.test} does not exist or is not a file")

    data, reason = _read_training_data(args)
    _check_options(args, data.task)
    train_rows, val_rows = _split(data.n_rows, args.val_split, args.seed, args.data)
    settings = resolve_settings(args, len(train_rows), len(data.features))
    fill = _fill(args, data, train_rows)

    prepared = _prepare(args, data, train_rows)
    if data.task == "classification":
        assert prepared.encoder is not None and prepared.encoder.classes_ is not None
        classes = [str(c) for c in prepared.encoder.classes_.tolist()]
        shown = ", ".join(classes[:10]) + (", ..." if len(classes) > 10 else "")
        print(f"task: classification ({reason}); {len(classes)} classes: {shown}")
    else:
        print(f"task: regression ({reason})")

    widths = (len(data.features), *settings.hidden, prepared.out_features)
    check_network_size(widths, "--hidden")
    sizes = "-".join(str(n) for n in widths)
    try:
        if args.cv is not None:
            _cross_validate(args, data, settings)
        return _train_and_save(args, data, settings, (train_rows, val_rows), fill, prepared, sizes)
    except MemoryError:
        raise CommandError(
            f"out of memory training the network {sizes} on {data.n_rows} rows; give "
            "smaller --hidden widths or a smaller --batch-size"
        ) from None


def _fill(args: argparse.Namespace, data: _Data, train_rows: np.ndarray) -> dict[str, Any] | None:
    """Fill the missing feature cells of `data.X` (in place) from the training rows."""
    if args.fill_missing is None:
        return None
    values = fill_values(data.X[train_rows], data.features, args.fill_missing, args.data)
    missing = np.isnan(data.X)
    n_missing = int(missing.sum())
    if n_missing:
        np.copyto(data.X, np.broadcast_to(values, data.X.shape), where=missing)
        print(f"filled {n_missing} missing feature value(s) with the column {args.fill_missing}")
    return {"strategy": args.fill_missing, "values": [float(v) for v in values]}


def _prepare(args: argparse.Namespace, data: _Data, train_rows: np.ndarray) -> Prepared:
    if data.task == "classification":
        return _prepare_classification(
            data.labels, args.target, args.data, train_rows, args.class_weight
        )
    loss = "mse" if args.loss == "auto" else args.loss
    return _prepare_regression(data.labels, train_rows, loss)


@dataclass
class _Fitted:
    trained: TrainedModel
    history: History
    note: str | None  # what early stopping did


def _fit_network(
    args: argparse.Namespace,
    data: _Data,
    settings: Settings,
    prepared: Prepared,
    split: tuple[np.ndarray, np.ndarray],
    *,
    verbose: int,
    announce: Callable[[nn.Module, StandardScaler, np.ndarray, optim.Optimizer], None]
    | None = None,
) -> _Fitted:
    """Scale the features on the training rows, build the network and train it."""
    train_rows, val_rows = split
    scaler = StandardScaler().fit(data.X[train_rows])
    inputs = np.asarray(scaler.transform(data.X), dtype=np.float32)
    retrograd.manual_seed(args.seed)
    model = build_model(
        len(data.features),
        prepared.out_features,
        settings.hidden,
        args.activation,
        settings.dropout,
    )
    optimizer = make_optimizer(
        settings.optimizer, list(model.parameters()), settings.lr, settings.weight_decay
    )
    if announce is not None:
        announce(model, scaler, inputs, optimizer)
    names = _metrics_of(args)
    metrics: list[Any] = prepared.fit_metrics
    if names:
        metrics = [_epoch_metric(name, data.task, prepared) for name in names]
    validation = None
    if len(val_rows):
        validation = (inputs[val_rows], prepared.y[val_rows])
    callbacks: list[Any] = []
    stopper = None
    if settings.patience > 0:
        monitor = "val_loss" if validation is not None else "loss"
        mode: Literal["min", "max"] = "min"
        if names and validation is not None:
            monitor = f"val_{names[0]}"
            mode = "max" if higher_is_better(names[0]) else "min"
        stopper = EarlyStopping(
            monitor=monitor, mode=mode, patience=settings.patience, restore_best_weights=True
        )
        callbacks.append(stopper)
    if args.doctor:  # watch the run too: plateau, divergence, dead units, overfitting
        callbacks.append(DoctorCallback(verbose=0 if args.json else 1))
    train_inputs, train_y = inputs[train_rows], prepared.y[train_rows]
    del inputs
    # overflow is reported once, as divergence, after training: not as NumPy warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(
            model,
            prepared.loss_fn,
            optimizer,
            x=train_inputs,
            y=train_y,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            validation_data=validation,
            metrics=metrics,
            callbacks=callbacks,
            verbose=verbose,
            generator=np.random.default_rng(args.seed),
            distributed=args.nproc > 1,
        )
    note = None
    if (
        stopper is not None
        and math.isfinite(stopper.best)
        and stopper.best_epoch + 1 < len(history)
    ):
        monitor = stopper.monitor.replace("val_", "validation ")
        best = f"{stopper.best_epoch + 1} ({monitor} {stopper.best:.4f})"
        if stopper.stopped_epoch > 0:
            note = (
                f"early stopping: no better {monitor} for {settings.patience} epochs: stopped "
                f"after epoch {len(history)}; kept the weights of epoch {best}"
            )
        else:
            note = f"early stopping: kept the weights of epoch {best} of {len(history)}"
    trained = TrainedModel(
        model=model,
        task=data.task,
        features=data.features,
        target=args.target,
        scaler=scaler,
        encoder=prepared.encoder,
        target_scaler=prepared.target_scaler,
    )
    return _Fitted(trained, history, note)


def _cross_validate(args: argparse.Namespace, data: _Data, settings: Settings) -> None:
    """Train one network per fold (with the same validation split inside its training rows)
    and print each fold's scores on its held-out rows, then their mean and spread."""
    k = args.cv
    if data.n_rows < k:
        raise CommandError(f"{args.data} has {data.n_rows} rows: too few for --cv {k}")
    order = np.random.default_rng(args.seed).permutation(data.n_rows)
    folds = np.array_split(order, k)
    names = _metrics_of(args) or None
    results: list[dict[str, float]] = []
    for number, held_out in enumerate(folds, start=1):
        rest = np.sort(np.concatenate([f for i, f in enumerate(folds) if i != number - 1]))
        inner = np.random.default_rng(args.seed).permutation(rest)
        n_val = math.ceil(len(rest) * args.val_split) if args.val_split > 0 else 0
        if len(rest) - n_val < 1:
            raise CommandError(f"{args.data}: too few rows to train fold {number} of --cv {k}")
        split = (np.sort(inner[: len(rest) - n_val]), np.sort(inner[len(rest) - n_val :]))
        prepared = _prepare(args, data, split[0])
        fitted = _fit_network(args, data, settings, prepared, split, verbose=0)
        scores = _final_scores(
            fitted.trained, data.X[held_out], prepared, data.labels[held_out], names
        )
        results.append(scores)
        print(f"cv fold {number}/{k} ({len(held_out)} rows): {format_metrics(scores)}")
    summary = []
    for name in results[0]:
        values = np.array([r[name] for r in results])
        summary.append(f"{name} {values.mean():.4f} ± {values.std():.4f}")
    print(f"cv mean ± std over {k} folds: {' - '.join(summary)}")


def _test_scores(
    args: argparse.Namespace, trained: TrainedModel, prepared: Prepared
) -> tuple[int, dict[str, float]]:
    """Scores on the rows of `--test` (labels the model does not know are an error)."""
    table: Table = read_csv(args.test, text_columns=[args.target])
    require_columns(table, [args.target, *trained.features], "test")
    hint = "; the model was trained without --fill-missing, so every feature needs a value"
    allow = trained.fill_values is not None
    X = numeric_matrix(
        table,
        trained.features,
        allow_missing=allow,
        missing_hint="" if allow else hint,
        na_values=_feature_na_values(args),
    )
    if trained.fill_values is not None:
        X = np.where(np.isnan(X), np.asarray(trained.fill_values), X)
    na_values = TARGET_MISSING | frozenset(args.na_values or ())
    names = _metrics_of(args) or None
    if trained.task == "regression":
        truth = label_array(table, args.target, numeric=True, na_values=na_values)
        return table.n_rows, _final_scores(trained, X, prepared, truth, names)
    classes = trained.classes
    text = classes.dtype.kind in "USO"
    labels = label_array(table, args.target, numeric=False if text else None, na_values=na_values)
    known = np.zeros(len(labels), dtype=bool)
    if (labels.dtype.kind in "USO") == text:
        known = np.isin(labels, classes)
    if not known.all():
        unseen = [str(v) for v in np.unique(labels[~known]).tolist()]
        raise CommandError(
            f"{args.test}: the target {args.target!r} holds labels the training data does not "
            f"have: {', '.join(unseen[:10])}"
        )
    return table.n_rows, _final_scores(trained, X, prepared, labels, names)


def _train_and_save(
    args: argparse.Namespace,
    data: _Data,
    settings: Settings,
    split: tuple[np.ndarray, np.ndarray],
    fill: dict[str, Any] | None,
    prepared: Prepared,
    sizes: str,
) -> int:
    """Build, train, check and save the network (the part of `run` that allocates)."""
    train_rows, val_rows = split
    decay = f" weight_decay={settings.weight_decay:g}" if settings.weight_decay else ""
    dropout = f", dropout {settings.dropout:g}" if settings.dropout else ""

    def announce(
        model: nn.Module, scaler: StandardScaler, inputs: np.ndarray, optimizer: optim.Optimizer
    ) -> None:
        print(
            f"network {sizes} ({args.activation}{dropout}), {type(prepared.loss_fn).__name__}, "
            f"{settings.optimizer} lr={settings.lr:g}{decay}, batch {settings.batch_size}; "
            f"{len(train_rows)} training rows, {len(val_rows)} validation rows"
        )
        if args.doctor:
            report = doctor(
                model,
                prepared.loss_fn,
                inputs[train_rows],
                prepared.y[train_rows],
                optimizer,
                seed=args.seed,
            )
            title = f"untrained network {sizes} on {os.path.basename(args.data)} (training rows)"
            report = replace(report, title=title)
            print(report.to_json() if args.json else report, flush=True)

    fitted = _fit_network(
        args,
        data,
        settings,
        prepared,
        split,
        verbose=0 if args.quiet else 1,
        announce=announce,
    )
    model, history, trained = fitted.trained.model, fitted.history, fitted.trained
    if history.stop_reason:
        print(history.stop_reason)
    if fitted.note:
        print(fitted.note)
    _check_converged(args, model, history, settings.lr)

    names = _metrics_of(args) or None
    X, labels = data.X, data.labels
    final = {"train": _final_scores(trained, X[train_rows], prepared, labels[train_rows], names)}
    counts = {"train": len(train_rows), "validation": len(val_rows)}
    if len(val_rows):
        final["validation"] = _final_scores(trained, X[val_rows], prepared, labels[val_rows], names)
    if args.test is not None:
        counts["test"], final["test"] = _test_scores(args, trained, prepared)
    for part, scores in final.items():
        print(f"final {part} metrics ({counts[part]} rows): {format_metrics(scores)}")

    if args.rank != 0:  # one writer: rank 0 saves what every rank trained alike
        return 0
    _save(args, settings, trained, prepared, fill, history, final, counts)
    print(f"saved the model to {args.out}")
    if args.plot is not None:
        from retrograd.plotting import plot_history

        title = f"{os.path.basename(args.data)}: {args.target}"
        try:
            plot_history(history, args.plot, title=title, overwrite=args.force)
        except OutputFileError as error:
            raise command_output_error(error, args.plot) from None
        print(f"saved the training curves to {args.plot}")
    return 0


def _check_converged(
    args: argparse.Namespace, model: nn.Module, history: History, lr: float
) -> None:
    """Refuse to save a network whose weights or last losses are NaN or infinite."""
    bad = non_finite_tensor(state_arrays(model.state_dict()))
    last = {key: values[-1] for key, values in history.history.items() if values}
    losses = [key for key in ("loss", "val_loss") if key in last and not math.isfinite(last[key])]
    if bad is None and not losses:
        return
    what = f"the weight {bad!r} is NaN or infinite" if bad else f"{losses[0]} is {last[losses[0]]}"
    raise CommandError(
        f"training diverged ({what} after {len(history)} epoch(s)); nothing was written to "
        f"{args.out}; try a lower --lr than {lr:g}"
    )


def _save(
    args: argparse.Namespace,
    settings: Settings,
    trained: TrainedModel,
    prepared: Prepared,
    fill: dict[str, Any] | None,
    history: History,
    final: dict[str, dict[str, float]],
    counts: dict[str, int],
) -> None:
    model = trained.model
    preprocessing: dict[str, Any] = {"scaler": trained.scaler.state_dict(), "fill_missing": fill}
    if prepared.encoder is not None:
        preprocessing["label_encoder"] = prepared.encoder.state_dict()
    if prepared.target_scaler is not None:
        preprocessing["target_scaler"] = prepared.target_scaler.state_dict()
    metadata = {
        "retrograd_cli": CLI_FORMAT,
        "task": trained.task,
        "features": trained.features,
        "target": trained.target,
        "training": {
            "data": os.path.basename(args.data),
            "train_rows": counts["train"],
            "validation_rows": counts["validation"],
            "hidden": list(settings.hidden),
            "activation": args.activation,
            "dropout": settings.dropout,
            "loss": type(prepared.loss_fn).__name__,
            "class_weight": args.class_weight,
            "optimizer": settings.optimizer,
            "lr": settings.lr,
            "weight_decay": settings.weight_decay,
            "epochs": settings.epochs,
            "epochs_run": len(history),
            "batch_size": settings.batch_size,
            "val_split": args.val_split,
            "early_stopping": settings.patience or None,
            "seed": args.seed,
            "fill_missing": args.fill_missing,
            "stop_reason": history.stop_reason,
        },
        "final_metrics": final,
        "retrograd_version": retrograd.__version__,
    }
    inputs = [args.data] + ([args.test] if args.test is not None else [])
    try:
        io.save(
            model,
            args.out,
            preprocessing=preprocessing,
            metadata=metadata,
            overwrite=args.force,
            inputs=inputs,
        )
    except OutputFileError as error:
        raise command_output_error(error, args.out) from None
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
