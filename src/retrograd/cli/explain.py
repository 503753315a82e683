"""`retrograd explain`: one training step of a small network, worked out by hand and checked.

It builds `Linear -> activation -> ... -> Linear -> Sigmoid` on a built-in data set, prints the
activations, error terms (delta), gradients and updated weights of one gradient-descent step with
MSE loss, and ends with a line saying whether autograd computes the same gradients. Exits with
status 0 when it does.
"""

from __future__ import annotations

import argparse
from typing import Any

from retrograd import datasets, nn
from retrograd.cli.common import non_negative_int, positive_float, positive_int
from retrograd.diagnostics.explain import explain
from retrograd.random import manual_seed
from retrograd.train import choices

__all__ = ["ACTIVATIONS", "add_parser", "build_network", "run"]

ACTIVATIONS = choices.ACTIVATIONS


def build_network(
    in_features: int, out_features: int, hidden: int, layers: int, activation: str
) -> nn.Sequential:
    """`layers` hidden layers of `hidden` units with `activation`, then a sigmoid output layer;
    PyTorch's default initialisation (seed it with `retrograd.manual_seed` first)."""
    modules: list[nn.Module] = []
    width = in_features
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), ACTIVATIONS[activation]()]
        width = hidden
    modules += [nn.Linear(width, out_features), nn.Sigmoid()]
    return nn.Sequential(*modules)


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `explain` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "explain",
        help="work out one training step by hand: activations, deltas, gradients, update",
        description=(
            "Show one gradient-descent step of a small network with MSE loss in textbook terms "
            "(activations a, error terms delta, weight gradients, the update W -= lr * grad W) "
            "and check the hand-derived gradients against autograd. Exits with status 0 when "
            "they agree."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--dataset", type=str.lower, choices=datasets.DATASETS, default="seed")
    parser.add_argument("--hidden", type=positive_int, default=3, help="units per hidden layer")
    parser.add_argument("--layers", type=positive_int, default=1, help="hidden layers")
    choices.add_activation_option(parser, "sigmoid")
    parser.add_argument("--lr", type=positive_float, default=0.5, help="learning rate")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="initial weights")
    parser.set_defaults(handler=run, parser=parser)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run `retrograd explain` with parsed `args`; 0 when hand and autograd agree."""
    X, y = datasets.load(args.dataset)
    manual_seed(args.seed)
    model = build_network(X.shape[1], y.shape[1], args.hidden, args.layers, args.activation)
    result = explain(model, X, y, lr=args.lr)
    print(result)
    return 0 if result.matches else 1
