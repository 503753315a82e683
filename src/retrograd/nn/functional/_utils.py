"""Argument and input checks shared by the functional ops and the layers: int-or-tuple sizes, the
"is it a Tensor" check and the cast of an input to its layer's weight dtype. `who` names the layer
(its repr) or the function in error messages."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.errors import ArgumentTypeError, DTypeError, InvalidArgumentError
from retrograd.tensor import Tensor

_COUNT_WORDS = {1: "one int", 2: "two ints", 3: "three ints"}


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def check_size(value: Any, name: str, who: object, minimum: int = 0) -> int:
    """A layer's integer constructor argument (a size, a count of heads or groups) as an int.

    Raises:
        ArgumentTypeError: for anything but an int (a float such as 3.5 is never rounded down
            silently), naming `who` and `name`.
        InvalidArgumentError: below `minimum`, naming `who` and `name`.
    """
    if not _is_int(value):
        raise ArgumentTypeError(
            f"{who}: {name} should be of type int, got: {type(value).__name__} ({value!r})"
        )
    if value < minimum:
        bound = {0: "non-negative", 1: "greater than zero"}.get(minimum, f"at least {minimum}")
        raise InvalidArgumentError(f"{who}: {name} must be {bound}, got {value}")
    return int(value)


def as_tuple(value: Any, n: int, name: str, who: object) -> tuple[int, ...]:
    """An int or a sequence of 1 or `n` ints as an `n`-tuple of ints (PyTorch's `_pair` and kin).

    Raises:
        InvalidArgumentError: naming `who`, the argument and the value otherwise.
    """
    if _is_int(value):
        return (int(value),) * n
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) in (1, n)
        and all(_is_int(v) for v in value)
    ):
        return tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    count = _COUNT_WORDS.get(n, f"{n} ints")
    raise InvalidArgumentError(
        f"{who}: {name} must be a single int or a tuple of {count}, got {value!r}"
    )


def require_tensor(value: Any, who: object, name: str = "input") -> Tensor:
    """`value` itself when it is a retrograd Tensor; ArgumentTypeError naming `who` otherwise."""
    if not isinstance(value, Tensor):
        raise ArgumentTypeError(
            f"{who}: {name} must be a retrograd Tensor, got {type(value).__name__}; "
            "wrap it with retrograd.tensor(...)"
        )
    return value


def match_weight_dtype(input: Tensor, weight: Tensor, who: object) -> Tensor:  # noqa: A002
    """`input` in `weight`'s dtype: integer and bool data are cast (as data loaders give them), a
    float of another precision raises DTypeError saying which side to convert."""
    if input.dtype == weight.dtype:
        return input
    if input.dtype.kind == "f":
        as_weight = "double" if weight.dtype == "float32" else "float"
        as_input = "float" if weight.dtype == "float32" else "double"
        raise DTypeError(
            f"{who} has {weight.dtype} weights but got a {input.dtype} input; "
            f"convert one side: model.{as_weight}() or x.{as_input}()"
        )
    return input.type(weight.dtype)


class CheckedCall:
    """What a layer's checks resolved for one call: the op's keyword arguments, reused by later
    calls with the same settings and inputs, so a layer checks each new shape once, not every
    batch.

    `settings` are the layer's own objects (its sizes, weight, bias), compared by identity:
    reassigning one, even to an equal value, checks it anew. `shapes` (the input's and weights'
    shapes and dtypes) are compared by value.
    """

    __slots__ = ("settings", "shapes", "kwargs")

    def __init__(
        self, settings: tuple[Any, ...], shapes: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self.settings = settings
        self.shapes = shapes
        self.kwargs = kwargs

    def holds(self, settings: tuple[Any, ...]) -> bool:
        """Whether `settings` are the very objects this call was checked with."""
        return all(map(operator.is_, self.settings, settings))


def frozen(*values: Any) -> bool:
    """Whether every value is an int, a bool, a str, None or a tuple of ints: a setting that
    cannot change in place, so `CheckedCall` may know it by identity (a list could change)."""
    for value in values:
        if type(value) is tuple:
            if any(type(v) is not int for v in value):
                return False
        elif type(value) not in (int, bool, str, type(None)):
            return False
    return True


def settings_repr(layer: object, *names: str) -> str:
    """`name=value, ...` for the named attributes of `layer`: the body of an `extra_repr`."""
    return ", ".join(f"{name}={getattr(layer, name)}" for name in names)
