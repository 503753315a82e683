"""`linear`: y = x @ weight.T + bias through the fused `ops.Linear`, with readable input checks."""

from __future__ import annotations

from retrograd import ops
from retrograd.errors import ShapeError
from retrograd.nn.functional._utils import match_weight_dtype, require_tensor
from retrograd.tensor import Tensor, apply


def check_linear_input(input: Tensor, weight: Tensor, who: object) -> Tensor:  # noqa: A002
    """`input` ready for `weight` (out, in): a Tensor with `in` features, in the weight's dtype.

    Integer inputs are cast; a float of another precision raises DTypeError. `who` names the
    layer in messages (a module's repr, or "linear").
    """
    require_tensor(input, who)
    in_features = weight.shape[1]
    if input.ndim == 0 or input.shape[-1] != in_features:
        raise ShapeError(
            f"{who} expects input with {in_features} features (last dimension), "
            f"got shape {input.shape}"
        )
    return match_weight_dtype(input, weight, who)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """x @ weight.T + bias.

    Args:
        input: `(*, in)`.
        weight: `(out, in)`.
        bias: `(out,)` or None.

    Returns:
        `(*, out)`.
    """
    if weight.ndim != 2:
        raise ShapeError(f"linear expects a 2-d weight (out, in), got shape {weight.shape}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ShapeError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}; "
            f"expected ({weight.shape[0]},)"
        )
    input = check_linear_input(input, weight, "linear")
    if bias is None:
        return apply(ops.Linear, input, weight)
    return apply(ops.Linear, input, weight, bias)
