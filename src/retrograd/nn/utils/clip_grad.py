"""Gradient clipping: scale all gradients by one factor to a maximum norm, or clamp each value."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from retrograd.autograd.tracing import record_call, record_call_result
from retrograd.errors import RetrogradError
from retrograd.tensor import Tensor

ParametersT = Tensor | Iterable[Tensor]


class NonFiniteNormError(RetrogradError, RuntimeError):
    """The total gradient norm is nan or infinite, so clipping by it would be meaningless."""


def clip_grad_norm_(
    parameters: ParametersT,
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so that their total norm is at most `max_norm`.

    The norm is taken over all gradients together, as if they were one vector; the gradients are
    multiplied by ``min(max_norm / (total_norm + 1e-6), 1)``, as ``torch.nn.utils.clip_grad_norm_``.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a gradient are skipped.
        max_norm: the largest total norm allowed.
        norm_type: the p of the p-norm; ``float("inf")`` or ``"inf"`` for the largest magnitude.
            Default: 2.0.
        error_if_nonfinite: raise NonFiniteNormError when the total norm is nan or infinite.
        foreach: PyTorch's kernel switch; accepted, no effect.
            Default: False.

    Returns:
        The total norm of the gradients before clipping, as a 0-d Tensor.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    args = (params, max_norm, float(norm_type), error_if_nonfinite)
    record_call(_clip_norm, args)  # a compiled step replays the clipping
    total_norm = _clip_norm(*args)
    record_call_result(total_norm)
    return total_norm


def _clip_norm(
    params: list[Tensor], max_norm: float, norm_type: float, error_if_nonfinite: bool
) -> Tensor:
    grads = [p.grad.array for p in params if p.grad is not None]
    if len(grads) == 0:
        return Tensor(np.zeros((), dtype=np.float32))

    norms = [_vector_norm(grad, norm_type) for grad in grads]
    total_norm = _vector_norm(np.stack(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise NonFiniteNormError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    # Computed in the norm's dtype, as PyTorch computes it with 0-d tensors.
    clip_coef = float(max_norm) / (total_norm + 1e-6)
    clip_coef_clamped = np.minimum(clip_coef, 1.0)
    # A non-finite norm (allowed without error_if_nonfinite) makes nan gradients, as in PyTorch.
    with np.errstate(invalid="ignore"):
        for grad in grads:
            grad *= clip_coef_clamped
    return Tensor(total_norm)


def clip_grad_value_(
    parameters: ParametersT, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient value in place into ``[-clip_value, clip_value]``.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a gradient are skipped.
        clip_value: the largest magnitude a gradient value may keep.
        foreach: PyTorch's kernel switch; accepted, no effect.
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    args = (params, float(clip_value))
    record_call(_clip_values, args)  # a compiled step replays the clipping
    _clip_values(*args)


def _clip_values(params: list[Tensor], clip_value: float) -> None:
    for p in params:
        if p.grad is not None:
            np.clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)


def _vector_norm(array: np.ndarray, norm_type: float) -> np.ndarray:
    """The p-norm of all elements of `array` as a 0-d array of its dtype (like torch's)."""
    magnitudes = np.abs(array)
    if magnitudes.size == 0:
        return np.zeros((), dtype=array.dtype)
    if norm_type == np.inf:
        return np.asarray(magnitudes.max())
    if norm_type == -np.inf:
        return np.asarray(magnitudes.min())
    if norm_type == 0:
        return np.asarray(np.count_nonzero(array), dtype=array.dtype)
    if norm_type == 1:
        return np.asarray(magnitudes.sum())
    if norm_type == 2:
        return np.asarray(np.sqrt(np.sum(magnitudes * magnitudes)))
    return np.asarray(np.sum(magnitudes**norm_type) ** (1.0 / norm_type))
