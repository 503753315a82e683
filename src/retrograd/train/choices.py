"""The named choices the command line and the estimators offer, one table each.

`retrograd demo`, `train`, `explain` and `doctor`, and the estimators of `retrograd.sklearn`,
look names up here, so an activation, optimizer or loss added to a table is offered everywhere
that takes that kind of choice. Each command keeps its own defaults (the demo's were measured
on logic gates, `train`'s on tabular data) and may offer a subset (`DEMO_ACTIVATIONS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from retrograd import nn, optim
from retrograd.errors import InvalidArgumentError

__all__ = ["ACTIVATIONS", "LOSSES", "OPTIMIZERS", "activation", "module_class"]

#: activation name -> module class (PyTorch's functional name; `identity` for none)
ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "elu": nn.ELU,
    "silu": nn.SiLU,
    "identity": nn.Identity,
}

#: optimizer name -> class
OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "adam": optim.Adam,
    "adamw": optim.AdamW,
    "sgd": optim.SGD,
    "rmsprop": optim.RMSprop,
}

#: loss name -> module class
LOSSES: dict[str, type[nn.Module]] = {
    "mse": nn.MSELoss,
    "mae": nn.L1Loss,
    "huber": nn.HuberLoss,
    "bce": nn.BCELoss,
    "cross_entropy": nn.CrossEntropyLoss,
}


def module_class(table: dict[str, Any], kind: str, name: str) -> Any:
    """`table[name]`, or an error that names the kind and lists the choices."""
    try:
        return table[name]
    except (KeyError, TypeError):
        raise InvalidArgumentError(
            f"unknown {kind} {name!r}; choose one of {', '.join(sorted(table))}"
        ) from None


def activation(name: str) -> nn.Module:
    """A new activation module by its name in `ACTIVATIONS`."""
    return module_class(ACTIVATIONS, "activation", name)()
