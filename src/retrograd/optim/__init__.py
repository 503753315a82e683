"""Optimizers: the class holds hyperparameters and state, a plain function does the arithmetic.

Each optimizer follows the update rule of its ``torch.optim`` namesake and takes a list of
parameters (or of parameter-group dicts); it reads ``.grad`` and updates ``.array`` in place.
"""

from retrograd.optim import lr_scheduler
from retrograd.optim.adadelta import Adadelta
from retrograd.optim.adagrad import Adagrad
from retrograd.optim.adam import Adam
from retrograd.optim.adamax import Adamax
from retrograd.optim.adamw import AdamW
from retrograd.optim.asgd import ASGD
from retrograd.optim.lbfgs import LBFGS
from retrograd.optim.nadam import NAdam
from retrograd.optim.optimizer import (
    Optimizer,
    OptimizerError,
    OptimizerStateDictError,
    OptimizerTypeError,
)
from retrograd.optim.radam import RAdam
from retrograd.optim.rmsprop import RMSprop
from retrograd.optim.rprop import Rprop
from retrograd.optim.sgd import SGD

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "OptimizerError",
    "OptimizerStateDictError",
    "OptimizerTypeError",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
]
