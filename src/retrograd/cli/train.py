"""`retrograd train DATA.csv --target COL --out MODEL.safetensors`: train a network on a CSV
file and save everything `retrograd predict` needs in one model file.

Features are every column but the target (numeric), standardized; the task is inferred from the
target unless `--task` says: classification (labels encoded; two classes -> one logit with
BCEWithLogitsLoss, more -> one logit per class with CrossEntropyLoss) or regression (standardized
target, linear output, MSELoss). With `--doctor` it first prints the report of `retrograd.doctor`
on the untrained network and the training rows, then trains as usual.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

import retrograd
from retrograd import io, nn, optim
from retrograd.cli.common import (
    CLI_FORMAT,
    MAX_EPOCHS,
    CommandError,
    TrainedModel,
    bounded_int,
    check_network_size,
    check_output_path,
    class_indices,
    command_output_error,
    format_metrics,
    fraction,
    non_negative_int,
    positive_float,
    score,
)
from retrograd.cli.csvdata import (
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
from retrograd.train import EarlyStopping, History, fit

__all__ = ["ACTIVATIONS", "OPTIMIZERS", "add_parser", "build_model", "make_optimizer", "run"]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "silu": nn.SiLU,
}
OPTIMIZERS: dict[str, type[optim.Optimizer]] = {
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "sgd": optim.SGD,
    "rmsprop": optim.RMSprop,
}
DEFAULT_LR = {"adam": 0.01, "adamw": 0.01, "sgd": 0.05, "rmsprop": 0.01}
SGD_MOMENTUM = 0.9
MAX_WIDTH = 1_000_000  # units in one hidden layer
MAX_LAYERS = 1_000
MAX_BATCH_SIZE = 2**31 - 1


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


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `train` subcommand to `commands` (from `ArgumentParser.add_subparsers`)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "train",
        help="train a network on a CSV file and save it",
        description=(
            "Train a network on a CSV file with a header: every column but --target is a "
            "numeric feature. The task is inferred from the target (text, or few distinct "
            "whole numbers: classification; other numbers: regression) unless --task says. "
            "Prints the progress and the final metrics, and saves the model with its scaler, "
            "label encoder and feature names for `retrograd predict`."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
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
        default="32,16",
        metavar="N,N,...",
        help="hidden layer widths, comma-separated (0 for none)",
    )
    parser.add_argument("--activation", choices=tuple(ACTIVATIONS), default="relu")
    parser.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="adam")
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help=f"learning rate (default: {DEFAULT_LR['adam']} for adam, {DEFAULT_LR['sgd']} for "
        f"sgd with momentum {SGD_MOMENTUM})",
    )
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=100)
    parser.add_argument("--batch-size", type=bounded_int(1, MAX_BATCH_SIZE), default=32)
    parser.add_argument(
        "--val-split",
        type=fraction,
        default=0.2,
        help="fraction of the rows (shuffled) held out for validation; 0 for none",
    )
    parser.add_argument(
        "--early-stopping",
        type=bounded_int(1, MAX_EPOCHS),
        default=None,
        metavar="N",
        help="stop after N epochs without improvement of the validation loss and keep the "
        "best weights",
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
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
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


# ------------------------------------------------------------------------------------- model
def build_model(
    in_features: int, out_features: int, hidden: tuple[int, ...], activation: str
) -> nn.Sequential:
    """Linear layers of widths `hidden` with `activation` between them, then a linear output."""
    layers: list[nn.Module] = []
    width = in_features
    for size in hidden:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
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


def _prepare_classification(labels: np.ndarray, target: str, path: str) -> Prepared:
    encoder = LabelEncoder().fit(labels)
    assert encoder.classes_ is not None
    classes = encoder.classes_
    if len(classes) < 2:
        raise CommandError(
            f"{path}: the target {target!r} has only one class ({classes.tolist()[0]!r}); "
            "a classifier needs at least two"
        )
    index = encoder.transform(labels)
    if len(classes) == 2:
        return Prepared(
            y=index.astype(np.float32)[:, None],
            out_features=1,
            loss_fn=nn.BCEWithLogitsLoss(),
            fit_metrics=[Accuracy(threshold=0.0)],  # the output is a logit
            encoder=encoder,
        )
    return Prepared(
        y=index,
        out_features=len(classes),
        loss_fn=nn.CrossEntropyLoss(),
        fit_metrics=["accuracy"],
        encoder=encoder,
    )


def _prepare_regression(values: np.ndarray, train_rows: np.ndarray) -> Prepared:
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
        loss_fn=nn.MSELoss(),
        fit_metrics=[FunctionMetric("mae", unscaled_mae, higher_is_better=False)],
        target_scaler=scaler,
    )


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
    trained: TrainedModel, X: np.ndarray, prepared: Prepared, labels: np.ndarray
) -> dict[str, float]:
    outputs = trained.outputs(X)
    if trained.task == "classification":
        assert prepared.encoder is not None
        index, _ = class_indices(outputs)
        n_classes = len(trained.classes)
        return score("classification", prepared.encoder.transform(labels), index, n_classes)
    predicted, _ = trained.predict(X)
    return score("regression", labels.astype(np.float64), predicted)


def make_optimizer(name: str, parameters: list[Any], lr: float) -> optim.Optimizer:
    """The optimizer `name` over `parameters` (SGD with momentum 0.9)."""
    if name == "sgd":
        return optim.SGD(parameters, lr=lr, momentum=SGD_MOMENTUM)
    factory: Callable[..., optim.Optimizer] = OPTIMIZERS[name]
    return factory(parameters, lr=lr)


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


def _run(args: argparse.Namespace) -> int:
    # everything that could stop the results from being written is checked before training
    check_output_path(args.out, args.force, "--out", inputs=[args.data])
    if args.plot is not None:
        check_output_path(args.plot, args.force, "--plot", inputs=[args.data])
        if os.path.realpath(args.plot) == os.path.realpath(args.out):
            raise CommandError("--plot and --out name the same file")
        from retrograd.plotting import require_matplotlib

        require_matplotlib("retrograd train --plot")

    table = read_csv(args.data)
    require_columns(table, [args.target], "target")
    features = [name for name in table.columns if name != args.target]
    if not features:
        raise CommandError(
            f"{args.data} has no feature columns: its only column is the target {args.target!r}"
        )

    numeric = {"auto": None, "classification": None, "regression": True}[args.task]
    labels = label_array(table, args.target, numeric=numeric)
    task, reason = infer_task(labels, args.target)
    if args.task != "auto":
        task, reason = args.task, "chosen with --task"
    hint = "; fill it in, or pass --fill-missing mean|median to impute missing values"
    X = numeric_matrix(
        table, features, allow_missing=args.fill_missing is not None, missing_hint=hint
    )
    train_rows, val_rows = _split(len(table.rows), args.val_split, args.seed, args.data)

    fill = None
    if args.fill_missing is not None:
        values = fill_values(X[train_rows], features, args.fill_missing, args.data)
        missing = np.isnan(X)
        X = np.where(missing, values, X)
        fill = {"strategy": args.fill_missing, "values": [float(v) for v in values]}
        if missing.any():
            print(
                f"filled {int(missing.sum())} missing feature value(s) with the column "
                f"{args.fill_missing}"
            )

    if task == "classification":
        prepared = _prepare_classification(labels, args.target, args.data)
        assert prepared.encoder is not None and prepared.encoder.classes_ is not None
        classes = [str(c) for c in prepared.encoder.classes_.tolist()]
        shown = ", ".join(classes[:10]) + (", ..." if len(classes) > 10 else "")
        print(f"task: classification ({reason}); {len(classes)} classes: {shown}")
    else:
        prepared = _prepare_regression(labels, train_rows)
        print(f"task: regression ({reason})")

    widths = (len(features), *args.hidden, prepared.out_features)
    check_network_size(widths, "--hidden")
    sizes = "-".join(str(n) for n in widths)
    try:
        return _train_and_save(
            args, features, task, labels, X, (train_rows, val_rows), fill, prepared, sizes
        )
    except MemoryError:
        raise CommandError(
            f"out of memory training the network {sizes} on {len(table.rows)} rows; give "
            "smaller --hidden widths or a smaller --batch-size"
        ) from None


def _train_and_save(
    args: argparse.Namespace,
    features: list[str],
    task: str,
    labels: np.ndarray,
    X: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    fill: dict[str, Any] | None,
    prepared: Prepared,
    sizes: str,
) -> int:
    """Build, train, check and save the network (the part of `run` that allocates)."""
    train_rows, val_rows = split
    scaler = StandardScaler().fit(X[train_rows])
    inputs = np.asarray(scaler.transform(X), dtype=np.float32)
    retrograd.manual_seed(args.seed)
    model = build_model(len(features), prepared.out_features, args.hidden, args.activation)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    optimizer = make_optimizer(args.optimizer, list(model.parameters()), lr)
    print(
        f"network {sizes} ({args.activation}), {type(prepared.loss_fn).__name__}, "
        f"{args.optimizer} lr={lr:g}; {len(train_rows)} training rows, {len(val_rows)} "
        "validation rows"
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

    validation = None
    if len(val_rows):
        validation = (inputs[val_rows], prepared.y[val_rows])
    callbacks = []
    if args.early_stopping is not None:
        monitor = "val_loss" if validation is not None else "loss"
        callbacks.append(
            EarlyStopping(monitor=monitor, patience=args.early_stopping, restore_best_weights=True)
        )
    # overflow is reported once, as divergence, after training: not as NumPy warnings
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(
            model,
            prepared.loss_fn,
            optimizer,
            x=inputs[train_rows],
            y=prepared.y[train_rows],
            epochs=args.epochs,
            batch_size=args.batch_size,
            validation_data=validation,
            metrics=prepared.fit_metrics,
            callbacks=callbacks,
            verbose=0 if args.quiet else 1,
            generator=np.random.default_rng(args.seed),
            distributed=args.nproc > 1,
        )
    if history.stop_reason:
        print(history.stop_reason)
    _check_converged(args, model, history, lr)

    trained = TrainedModel(
        model=model,
        task=task,
        features=features,
        target=args.target,
        scaler=scaler,
        encoder=prepared.encoder,
        target_scaler=prepared.target_scaler,
    )
    final = {"train": _final_scores(trained, X[train_rows], prepared, labels[train_rows])}
    if len(val_rows):
        final["validation"] = _final_scores(trained, X[val_rows], prepared, labels[val_rows])
    for part, scores in final.items():
        rows = len(train_rows) if part == "train" else len(val_rows)
        print(f"final {part} metrics ({rows} rows): {format_metrics(scores)}")

    if args.rank != 0:  # one writer: rank 0 saves what every rank trained alike
        return 0
    _save(args, model, trained, prepared, fill, history, final, len(train_rows), len(val_rows))
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
    model: nn.Module,
    trained: TrainedModel,
    prepared: Prepared,
    fill: dict[str, Any] | None,
    history: History,
    final: dict[str, dict[str, float]],
    n_train: int,
    n_val: int,
) -> None:
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
            "train_rows": n_train,
            "validation_rows": n_val,
            "hidden": list(args.hidden),
            "activation": args.activation,
            "optimizer": args.optimizer,
            "lr": args.lr if args.lr is not None else DEFAULT_LR[args.optimizer],
            "epochs": args.epochs,
            "epochs_run": len(history),
            "batch_size": args.batch_size,
            "val_split": args.val_split,
            "early_stopping": args.early_stopping,
            "seed": args.seed,
            "fill_missing": args.fill_missing,
            "stop_reason": history.stop_reason,
        },
        "final_metrics": final,
        "retrograd_version": retrograd.__version__,
    }
    try:
        io.save(
            model,
            args.out,
            preprocessing=preprocessing,
            metadata=metadata,
            overwrite=args.force,
            inputs=[args.data],
        )
    except OutputFileError as error:
        raise command_output_error(error, args.out) from None
    except OSError as error:
        raise CommandError(f"cannot write {args.out}: {error.strerror or error}") from None
