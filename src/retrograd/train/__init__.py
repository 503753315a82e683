"""Training helpers on top of the PyTorch-style loop: `fit`, `evaluate`, `predict`, callbacks,
progress output and the `History` that `fit` returns.

`fit` is a convenience: it runs the loop a PyTorch user writes by hand (``zero_grad``, forward,
loss, ``backward``, ``step``), so a hand-written loop with the same model, loss and optimizer
stays first-class.
"""

from retrograd.train import callbacks
from retrograd.train.callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
)
from retrograd.train.doctor_callback import DoctorCallback
from retrograd.train.errors import TrainingError, TrainingTypeError
from retrograd.train.evaluate import evaluate, predict
from retrograd.train.fit import Trainer, fit
from retrograd.train.history import History
from retrograd.train.progress import ProgressLogger

__all__ = [
    "CSVLogger",
    "Callback",
    "DoctorCallback",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressLogger",
    "TerminateOnNaN",
    "Trainer",
    "TrainingError",
    "TrainingTypeError",
    "callbacks",
    "evaluate",
    "fit",
    "predict",
]
