"""`torch.lgamma`, `torch.digamma` and `torch.polygamma`: gamma-family functions with
gradients (the primitives are in `ops/special.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from retrograd.errors import InvalidArgumentError
from retrograd.ops.special import Digamma, Lgamma, Polygamma
from retrograd.tensor.dispatch import apply, to_tensor

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor


def _floating(x: Any) -> Tensor:
    tensor = to_tensor(x)
    return tensor if tensor.dtype.kind == "f" else tensor.float()


def lgamma(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """`log |Gamma(x)|` elementwise; its gradient is `digamma(x)`.

    Args:
        input: a Tensor (or array-like); integers become floats.

    Returns:
        A Tensor of the same shape (inf at 0, -1, -2, ...).
    """
    return apply(Lgamma, _floating(input))


def digamma(input: Any) -> Tensor:  # noqa: A002
    """The digamma function `d/dx lgamma(x)` elementwise; its gradient is `polygamma(1, x)`.

    Args:
        input: a Tensor (or array-like).

    Returns:
        A Tensor of the same shape (-inf at 0, nan at negative integers, as PyTorch).
    """
    return apply(Digamma, _floating(input))


def polygamma(n: int, input: Any) -> Tensor:  # noqa: A002
    """The `n`-th derivative of digamma elementwise (`polygamma(0, x)` is `digamma(x)`).

    Args:
        n: the order, an int >= 0.
        input: a Tensor (or array-like).

    Returns:
        A Tensor of the same shape.

    Raises:
        InvalidArgumentError: `n` is negative or not an int.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidArgumentError(f"polygamma: n must be a non-negative int, got {n!r}")
    if n == 0:
        return digamma(input)
    return apply(Polygamma, _floating(input), n=n)


__all__ = ["digamma", "lgamma", "polygamma"]
