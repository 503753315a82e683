"""`retrograd demo`: train a small network on built-in data and show what it learned.

With no options it trains the seed network twice, with a sigmoid and then a ReLU hidden layer, and
exits with status 0 when every prediction of every run is within 0.1 of its target. With `--doctor`
it examines each untrained network with `retrograd.doctor` instead (`--json` for JSON lines) and
exits with status 0 when no report has an error or a warning; `--loss buggy-mse` is a loss with a
wrong gradient, there to see what the doctor says.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

import retrograd
from retrograd import datasets, nn, optim
from retrograd.cli.common import (
    MAX_EPOCHS,
    bounded_int,
    check_network_size,
    non_negative_int,
    positive_float,
)
from retrograd.diagnostics import BuggyMSELoss, DoctorReport, doctor
from retrograd.errors import InvalidArgumentError
from retrograd.train import choices, fit

__all__ = [
    "TrainResult",
    "add_parser",
    "build_network",
    "diagnose_network",
    "prepare_training",
    "run",
    "train_network",
]

# the demo offers the activations its defaults were measured with (Kaiming initialisation has
# a gain for each), the two losses that suit a sigmoid or linear output, and a teaching loss
ACTIVATIONS: dict[str, type[nn.Module]] = {
    name: choices.ACTIVATIONS[name] for name in ("sigmoid", "relu", "tanh", "leaky_relu")
}
OUTPUTS = ("sigmoid", "linear")
LOSSES: dict[str, type[nn.Module]] = {
    "mse": choices.LOSSES["mse"],
    "bce": choices.LOSSES["bce"],
    "buggy-mse": BuggyMSELoss,  # a sign-flipped backward, for trying `--doctor`
}
OPTIMIZERS = ("adam", "sgd")

# With these defaults the seed data and every gate reach each target within TOLERANCE for seeds
# 0-19 with sigmoid, ReLU, tanh and leaky ReLU hidden layers. The SGD rate suits a sigmoid output;
# a linear output needs a smaller one (about 0.2).
DEFAULT_DATASET = "seed"
DEFAULT_HIDDEN = 8
DEFAULT_LAYERS = 1
DEFAULT_OUTPUT = "sigmoid"
DEFAULT_LOSS = "mse"
DEFAULT_OPTIMIZER = "adam"
DEFAULT_LR = {"adam": 0.05, "sgd": 1.0}
DEFAULT_EPOCHS = 300
DEFAULT_SEED = 0
DEMO_ACTIVATIONS = ("sigmoid", "relu")
SGD_MOMENTUM = 0.9
HIDDEN_BIAS = 0.5
TOLERANCE = 0.1
MAX_HIDDEN = 100_000
MAX_LAYERS = 1_000
LEAKY_SLOPE = 0.01  # nn.LeakyReLU's default negative slope


class TrainResult(NamedTuple):
    """What `train_network` returns: the trained model, its final MSE and its predictions."""

    model: nn.Sequential
    final_mse: float
    predictions: NDArray[np.floating[Any]]


def init_hidden_(linear: nn.Linear, activation: str) -> None:
    """Kaiming-normal weights for `activation`, and every bias 0.5.

    With 0/1 inputs the positive bias starts each ReLU unit active on at least the all-zeros
    input, so fewer units die in the first steps. With PyTorch's default initialisation (small
    weights, random biases) about 1 XOR run in 20 ends with every ReLU unit dead on two inputs of
    different targets, which no number of epochs repairs; with this one, fewer than 1 in 1000.
    """
    if activation == "leaky_relu":
        nn.init.kaiming_normal_(linear.weight, a=LEAKY_SLOPE, nonlinearity="leaky_relu")
    else:
        nn.init.kaiming_normal_(linear.weight, nonlinearity=activation)
    if linear.bias is not None:
        nn.init.constant_(linear.bias, HIDDEN_BIAS)


def build_network(
    in_features: int,
    out_features: int,
    *,
    hidden: int = DEFAULT_HIDDEN,
    layers: int = DEFAULT_LAYERS,
    activation: str = "relu",
    output: str = DEFAULT_OUTPUT,
) -> nn.Sequential:
    """Return `layers` hidden layers of `hidden` units with `activation`, then a linear layer
    to `out_features`, then a sigmoid when `output` is `"sigmoid"`.

    Hidden layers are initialised by `init_hidden_`, the output layer as `nn.Linear` does.
    """
    modules: list[nn.Module] = []
    width = in_features
    for _ in range(layers):
        linear = nn.Linear(width, hidden)
        init_hidden_(linear, activation)
        modules += [linear, ACTIVATIONS[activation]()]
        width = hidden
    modules.append(nn.Linear(width, out_features))
    if output == "sigmoid":
        modules.append(nn.Sigmoid())
    return nn.Sequential(*modules)


def _check_options(
    hidden: int,
    layers: int,
    activation: str,
    output: str,
    loss: str,
    optimizer: str,
    lr: float,
    epochs: int,
) -> None:
    """Raise ValueError for an option `train_network` cannot use."""
    choices = {
        "activation": (activation, tuple(ACTIVATIONS)),
        "output": (output, OUTPUTS),
        "loss": (loss, tuple(LOSSES)),
        "optimizer": (optimizer, OPTIMIZERS),
    }
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            raise InvalidArgumentError(
                f"unknown {name} {value!r}; expected one of: {', '.join(allowed)}"
            )
    for name, count in (("hidden", hidden), ("layers", layers), ("epochs", epochs)):
        if count < 1:
            raise InvalidArgumentError(f"{name} must be at least 1, got {count}")
    if not (math.isfinite(lr) and lr > 0):
        raise InvalidArgumentError(f"lr must be a positive number, got {lr}")
    if loss == "bce" and output != "sigmoid":
        raise InvalidArgumentError("loss 'bce' takes probabilities, so it needs output 'sigmoid'")


def prepare_training(
    X: NDArray[np.floating[Any]],
    y: NDArray[np.floating[Any]],
    *,
    hidden: int = DEFAULT_HIDDEN,
    layers: int = DEFAULT_LAYERS,
    activation: str = "relu",
    output: str = DEFAULT_OUTPUT,
    loss: str = DEFAULT_LOSS,
    optimizer: str = DEFAULT_OPTIMIZER,
    lr: float | None = None,
    seed: int = DEFAULT_SEED,
) -> tuple[nn.Sequential, nn.Module, optim.Optimizer]:
    """The untrained network, the loss and the optimizer `train_network` uses (same arguments)."""
    if lr is None:
        lr = DEFAULT_LR.get(optimizer, DEFAULT_LR[DEFAULT_OPTIMIZER])
    _check_options(hidden, layers, activation, output, loss, optimizer, lr, 1)
    retrograd.manual_seed(seed)
    model = build_network(
        X.shape[1], y.shape[1], hidden=hidden, layers=layers, activation=activation, output=output
    )
    criterion = LOSSES[loss]()
    params = list(model.parameters())
    extra: dict[str, Any] = {"momentum": SGD_MOMENTUM} if optimizer == "sgd" else {}
    opt = choices.OPTIMIZERS[optimizer](params, lr=lr, **extra)
    return model, criterion, opt


def diagnose_network(
    X: NDArray[np.floating[Any]], y: NDArray[np.floating[Any]], **options: Any
) -> DoctorReport:
    """`retrograd.doctor` on the untrained network of `prepare_training(X, y, **options)`."""
    model, criterion, opt = prepare_training(X, y, **options)
    return doctor(model, criterion, X, y, opt, seed=options.get("seed", DEFAULT_SEED))


def train_network(
    X: NDArray[np.floating[Any]],
    y: NDArray[np.floating[Any]],
    *,
    hidden: int = DEFAULT_HIDDEN,
    layers: int = DEFAULT_LAYERS,
    activation: str = "relu",
    output: str = DEFAULT_OUTPUT,
    loss: str = DEFAULT_LOSS,
    optimizer: str = DEFAULT_OPTIMIZER,
    lr: float | None = None,
    epochs: int = DEFAULT_EPOCHS,
    seed: int = DEFAULT_SEED,
    progress: bool = False,
) -> TrainResult:
    """Train `build_network(...)` on all of `X, y` at once for `epochs` steps.

    Args:
        X: the inputs, a NumPy array `(n_samples, n_features)`.
        y: the targets, a NumPy array `(n_samples, n_outputs)`.
        hidden: units per hidden layer. Default: `DEFAULT_HIDDEN` (8).
        layers: number of hidden layers. Default: `DEFAULT_LAYERS` (1).
        activation: the hidden layers' activation, one of `ACTIVATIONS`. Default: "relu".
        output: "sigmoid" (a sigmoid after the last linear layer) or "linear". Default:
            `DEFAULT_OUTPUT` ("sigmoid").
        loss: "mse" or "bce". Default: `DEFAULT_LOSS` ("mse").
        optimizer: "adam" or "sgd". Default: `DEFAULT_OPTIMIZER` ("adam").
        lr: learning rate. Default: `DEFAULT_LR[optimizer]`. SGD uses momentum 0.9.
        epochs: number of training steps (one per epoch). Default: `DEFAULT_EPOCHS` (300).
        seed: passed to `retrograd.manual_seed` before the network is built. Default:
            `DEFAULT_SEED` (0).
        progress: show a tqdm progress bar on stderr (only when stderr is a terminal).

    Returns:
        `TrainResult(model, final_mse, predictions)`: `predictions: (n_samples, n_outputs)` and
            their mean squared error against `y`, computed after the last step.
    """
    if lr is None:
        lr = DEFAULT_LR.get(optimizer, DEFAULT_LR[DEFAULT_OPTIMIZER])
    _check_options(hidden, layers, activation, output, loss, optimizer, lr, epochs)
    inputs, targets = retrograd.tensor(X), retrograd.tensor(y)
    model, criterion, opt = prepare_training(
        X,
        y,
        hidden=hidden,
        layers=layers,
        activation=activation,
        output=output,
        loss=loss,
        optimizer=optimizer,
        lr=lr,
        seed=seed,
    )

    # the whole data set as one batch, in order: one step per epoch
    fit(
        model,
        criterion,
        opt,
        x=inputs,
        y=targets,
        epochs=epochs,
        batch_size=len(X),
        shuffle=False,
        verbose=1 if progress and sys.stderr.isatty() else 0,
    )

    with retrograd.no_grad():
        predictions = model(inputs).numpy()
    final_mse = float(np.mean((predictions - np.asarray(y)) ** 2))
    return TrainResult(model, final_mse, predictions)


# --------------------------------------------------------------------------------- command line
def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `demo` subcommand to `commands` (from `ArgumentParser.add_subparsers`)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo",
        help="train a small network on built-in data and show its predictions",
        description=(
            "Train a small network on the seed data (target: the second input) or a logic gate "
            "and print its predictions. Without --activation it trains twice: with a sigmoid "
            "and with a ReLU hidden layer. Exits with status 0 when every prediction is within "
            f"{TOLERANCE} of its target, 1 otherwise."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--dataset", type=str.lower, choices=datasets.DATASETS, default=DEFAULT_DATASET
    )
    parser.add_argument(
        "--hidden",
        type=bounded_int(1, MAX_HIDDEN),
        default=DEFAULT_HIDDEN,
        help="units per hidden layer",
    )
    parser.add_argument(
        "--layers",
        type=bounded_int(1, MAX_LAYERS),
        default=DEFAULT_LAYERS,
        help="number of hidden layers",
    )
    parser.add_argument(
        "--activation",
        choices=tuple(ACTIVATIONS),
        default=None,
        help="hidden-layer activation (default: train once with sigmoid, once with relu)",
    )
    parser.add_argument("--output", choices=OUTPUTS, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--loss", choices=tuple(LOSSES), default=DEFAULT_LOSS, help="bce needs --output sigmoid"
    )
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default=DEFAULT_OPTIMIZER)
    parser.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help=f"learning rate (default: {DEFAULT_LR['adam']} for adam, {DEFAULT_LR['sgd']} "
        f"for sgd, which uses momentum {SGD_MOMENTUM})",
    )
    parser.add_argument("--epochs", type=bounded_int(1, MAX_EPOCHS), default=DEFAULT_EPOCHS)
    parser.add_argument("--seed", type=non_negative_int, default=DEFAULT_SEED)
    parser.add_argument(
        "--doctor",
        action="store_true",
        help="instead of training, examine each untrained network with retrograd.doctor and "
        "print its report (status 1 when a report has an error or a warning)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --doctor: print each report as one line of JSON",
    )
    parser.set_defaults(handler=run, parser=parser)
    return parser


def _title(dataset: str) -> str:
    return "seed data" if dataset == "seed" else f"{dataset.upper()} gate"


def format_report(
    X: NDArray[np.floating[Any]],
    y: NDArray[np.floating[Any]],
    result: TrainResult,
    header: str,
) -> str:
    """Return the header line, a table of inputs, targets and predictions, the final MSE and
    whether every prediction is within `TOLERANCE` of its target."""
    inputs = [" ".join(f"{v:g}" for v in row) for row in np.asarray(X)]
    expected = [" ".join(f"{v:g}" for v in row) for row in np.asarray(y)]
    # round, then add 0.0 so that a tiny negative prediction prints as 0.000, not -0.000
    predicted = [
        " ".join(f"{round(float(v), 3) + 0.0:.3f}" for v in row) for row in result.predictions
    ]
    errors = np.abs(result.predictions - np.asarray(y)).max(axis=1)
    in_width = max(len("input"), *map(len, inputs)) + 2
    ex_width = max(len("expected"), *map(len, expected)) + 2
    lines = [f"== {header} ==", f"{'input':<{in_width}}{'expected':<{ex_width}}predicted"]
    for row_in, row_ex, row_pred, error in zip(inputs, expected, predicted, errors):
        note = f"   (off by {error:.3f})" if error >= TOLERANCE else ""
        lines.append(f"{row_in:<{in_width}}{row_ex:<{ex_width}}{row_pred}{note}")
    misses = int(np.sum(errors >= TOLERANCE))
    verdict = "yes" if misses == 0 else f"no, {misses} are not"
    lines.append(f"final MSE: {result.final_mse:.3g}")
    lines.append(f"all {len(errors)} predictions within {TOLERANCE} of their targets: {verdict}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run `retrograd demo` with parsed `args`; return 0 when every run fits its targets."""
    if args.loss == "bce" and args.output != "sigmoid":
        args.parser.error("--loss bce needs --output sigmoid (it takes probabilities)")
    if args.json and not args.doctor:
        args.parser.error("--json prints the doctor's report: add --doctor")
    X, y = datasets.load(args.dataset)
    check_network_size([X.shape[1], *[args.hidden] * args.layers, y.shape[1]], "--hidden")
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    activations = DEMO_ACTIVATIONS if args.activation is None else (args.activation,)
    sizes = "-".join(str(n) for n in (X.shape[1], *[args.hidden] * args.layers, y.shape[1]))
    hidden_word = "hidden layer" if args.layers == 1 else "hidden layers"
    setup = [sizes]
    if args.output != DEFAULT_OUTPUT:
        setup.append(f"{args.output} output")
    if args.loss != DEFAULT_LOSS:
        setup.append(f"{args.loss} loss")
    epochs = f"{args.epochs} epoch" if args.epochs == 1 else f"{args.epochs} epochs"
    setup += [f"{args.optimizer} lr={lr:g}", epochs, f"seed {args.seed}"]
    if args.doctor:
        return _run_doctor(args, X, y, lr, activations, hidden_word, setup)
    all_fit = True
    for index, activation in enumerate(activations):
        result = train_network(
            X,
            y,
            hidden=args.hidden,
            layers=args.layers,
            activation=activation,
            output=args.output,
            loss=args.loss,
            optimizer=args.optimizer,
            lr=lr,
            epochs=args.epochs,
            seed=args.seed,
            progress=True,
        )
        header = f"{_title(args.dataset)}, {hidden_word}: {activation} ({', '.join(setup)})"
        if index > 0:
            print()
        print(format_report(X, y, result, header), flush=True)
        errors = np.abs(result.predictions - y)
        all_fit = all_fit and bool(np.all(errors < TOLERANCE))
    return 0 if all_fit else 1


def _run_doctor(
    args: argparse.Namespace,
    X: NDArray[np.floating[Any]],
    y: NDArray[np.floating[Any]],
    lr: float,
    activations: tuple[str, ...],
    hidden_word: str,
    setup: list[str],
) -> int:
    """Print the doctor's report on each untrained network; 0 when none has a problem."""
    setup = [part for part in setup if "epoch" not in part]  # nothing is trained
    all_ok = True
    for index, activation in enumerate(activations):
        report = diagnose_network(
            X,
            y,
            hidden=args.hidden,
            layers=args.layers,
            activation=activation,
            output=args.output,
            loss=args.loss,
            optimizer=args.optimizer,
            lr=lr,
            seed=args.seed,
        )
        title = f"{_title(args.dataset)}, {hidden_word}: {activation} ({', '.join(setup)})"
        report = dataclasses.replace(report, title=title)
        if args.json:
            print(report.to_json(), flush=True)
        else:
            if index > 0:
                print()
            print(report, flush=True)
        all_ok = all_ok and report.ok
    return 0 if all_ok else 1
