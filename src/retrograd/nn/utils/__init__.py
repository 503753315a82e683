"""Helpers for training modules: gradient clipping, padding sequences, parameters as a vector."""

from retrograd.nn.utils import rnn
from retrograd.nn.utils.clip_grad import NonFiniteNormError, clip_grad_norm_, clip_grad_value_
from retrograd.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = [
    "NonFiniteNormError",
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "rnn",
    "vector_to_parameters",
]
