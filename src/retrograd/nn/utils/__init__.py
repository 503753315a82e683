"""Helpers for training modules: gradient clipping."""

from retrograd.nn.utils.clip_grad import NonFiniteNormError, clip_grad_norm_, clip_grad_value_

__all__ = ["NonFiniteNormError", "clip_grad_norm_", "clip_grad_value_"]
