"""Optimizers: the class holds hyperparameters and state, a plain function does the arithmetic.

Each optimizer follows the update rule of its ``torch.optim`` namesake and takes a list of
parameters (or of parameter-group dicts); it reads ``.grad`` and updates ``.data`` in place.
"""

from retrograd.optim import lr_scheduler
from retrograd.optim.adagrad import Adagrad
from retrograd.optim.adam import Adam
from retrograd.optim.adamw import AdamW
from retrograd.optim.optimizer import (
    Optimizer,
    OptimizerError,
    OptimizerStateDictError,
    OptimizerTypeError,
)
from retrograd.optim.rmsprop import RMSprop
from retrograd.optim.sgd import SGD

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "OptimizerError",
    "OptimizerStateDictError",
    "OptimizerTypeError",
    "RMSprop",
    "lr_scheduler",
]
