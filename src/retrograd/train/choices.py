"""The named choices the command line and the estimators offer, one table each.

`retrograd demo`, `train`, `explain` and `doctor`, and the estimators of `retrograd.sklearn`,
look names up here, so an activation, optimizer or loss added to a table is offered everywhere
that takes that kind of choice. Each command keeps its own defaults (the demo's were measured
on logic gates, `train`'s on tabular data) and may offer a subset (`DEMO_ACTIVATIONS`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from retrograd import nn, optim
from retrograd.errors import InvalidArgumentError
from retrograd.nn import activation as nn_activation
from retrograd.nn import functional as F

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "OPTIMIZERS",
    "activation",
    "add_activation_option",
    "module_class",
]

#: layers of `nn.activation` that are not elementwise, so no hidden-layer activation
_NOT_ELEMENTWISE = ("Softmax", "LogSoftmax", "Softmin", "GLU")


def _activations() -> dict[str, type[nn.Module]]:
    """Every elementwise activation layer that builds with its defaults, by PyTorch's
    functional name (`LeakyReLU` -> "leaky_relu"), and `identity` for none."""
    functional = {name.replace("_", ""): name for name in F.__all__}
    table: dict[str, type[nn.Module]] = {}
    for class_name in nn_activation.__all__:
        layer = getattr(nn_activation, class_name)
        required = [
            p
            for p in list(inspect.signature(layer.__init__).parameters.values())[1:]
            if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
        ]
        name = functional.get(class_name.lower())
        if class_name not in _NOT_ELEMENTWISE and not required and name is not None:
            table[name] = layer
    return {**dict(sorted(table.items())), "identity": nn.Identity}


#: activation name -> module class (derived from `retrograd.nn.activation`: a layer added there
#: is offered by every command and estimator)
ACTIVATIONS: dict[str, type[nn.Module]] = _activations()

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


def add_activation_option(parser: Any, default: str) -> None:
    """`--activation NAME` on an argparse `parser`, offering `ACTIVATIONS` (listed in the help,
    which wraps, rather than in the usage line)."""
    parser.add_argument(
        "--activation",
        choices=tuple(ACTIVATIONS),
        default=default,
        metavar="NAME",
        help=f"hidden-layer activation, one of {', '.join(ACTIVATIONS)} (default: {default})",
    )


def activation(name: str) -> nn.Module:
    """A new activation module by its name in `ACTIVATIONS`."""
    return module_class(ACTIVATIONS, "activation", name)()
