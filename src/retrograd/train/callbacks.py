"""Callbacks: code that `fit` runs at fixed points of training (Keras's hooks and names).

Subclass `Callback` and override any hook; each gets the index (0-based) and a `logs` dict:

- ``on_train_begin(logs)`` / ``on_train_end(logs)``: once per `fit`; `logs` of the end are the
  last epoch's.
- ``on_epoch_begin(epoch, logs)`` / ``on_epoch_end(epoch, logs)``: `logs` at the end hold
  ``loss``, the metrics and their ``val_`` twins; a callback may add entries (they reach the
  History and the progress line).
- ``on_batch_begin(batch, logs)`` / ``on_batch_end(batch, logs)``: `logs` hold ``batch``,
  ``size`` and, at the end, that batch's ``loss`` (after `optimizer.step()`).

A callback sees the run through ``self.trainer`` (``model``, ``optimizer``, ``epoch``,
``epochs``, ``steps``, ``history``) and ``self.model``; setting ``self.stop_training = True``
stops `fit` after the current batch (from a batch hook) or epoch.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from retrograd.io import save, save_state_dict
from retrograd.io.atomic import atomic_write
from retrograd.io.model import non_finite_tensor, state_arrays
from retrograd.io.output import check_output
from retrograd.metrics.registry import get_metric
from retrograd.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau
from retrograd.train.errors import TrainingError, TrainingTypeError

if TYPE_CHECKING:
    from retrograd.nn import Module
    from retrograd.train.fit import Trainer

Logs = dict[str, Any]


class Callback:
    """Base class of callbacks: every hook does nothing until overridden.

    `rank_zero_only`: in `fit(..., distributed=True)`, run it on rank 0 alone (callbacks that
    write files); the others run on every rank and see the same, all-reduced logs.
    """

    trainer: Trainer | None = None
    rank_zero_only: bool = False

    def set_trainer(self, trainer: Trainer) -> None:
        """Attach the run this callback observes (`fit` calls it before `on_train_begin`)."""
        self.trainer = trainer

    def _require_trainer(self) -> Trainer:
        if self.trainer is None:
            raise TrainingError(
                f"{type(self).__name__} is not attached to a training run; pass it to "
                "fit(..., callbacks=[...])"
            )
        return self.trainer

    @property
    def model(self) -> Module:
        """The model being trained."""
        return self._require_trainer().model

    @property
    def stop_training(self) -> bool:
        """Whether the run will stop; set it to True to stop after the current batch or epoch."""
        return self._require_trainer().stop_training

    @stop_training.setter
    def stop_training(self, value: bool) -> None:
        self._require_trainer().stop_training = bool(value)

    def write(self, message: str) -> None:
        """Print `message` without breaking a progress bar."""
        if self.trainer is None:
            print(message)
        else:
            self.trainer.write(message)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        """Called once, before the first epoch."""

    def on_train_end(self, logs: Logs | None = None) -> None:
        """Called once, after the last epoch (or after training stopped)."""

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        """Called before the first batch of `epoch` (0-based)."""

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        """Called after validation of `epoch`; `logs` holds the epoch's losses and metrics."""

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        """Called before the forward pass of training batch `batch` (0-based, per epoch)."""

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        """Called after `optimizer.step()` of training batch `batch`; `logs["loss"]` is its loss."""


class CallbackList:
    """Calls each hook on every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback]) -> None:
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TrainingTypeError(
                    f"callbacks must be Callback instances, got {type(callback).__name__}"
                )

    def set_trainer(self, trainer: Trainer) -> None:
        for callback in self.callbacks:
            callback.set_trainer(trainer)

    def on_train_begin(self, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: Logs) -> None:
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs)


# ---------------------------------------------------------------------- shared pieces


def _snapshot(model: Module) -> dict[str, np.ndarray]:
    """Copies of the model's parameters and persistent buffers (its state dict)."""
    return {name: np.array(tensor.array, copy=True) for name, tensor in model.state_dict().items()}


class _Monitor:
    """A logged quantity, which direction is better, and the best value so far."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("auto", "min", "max"):
            raise TrainingError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.owner = owner
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best = math.nan

    def resolve(self, trainer: Trainer) -> None:
        """Settle ``mode='auto'`` from the monitored name; reset the best value."""
        if self.mode == "auto":
            self.mode = "max" if self._higher_is_better(trainer) else "min"
        self.best = math.inf if self.mode == "min" else -math.inf

    def _higher_is_better(self, trainer: Trainer) -> bool:
        name = self.monitor.removeprefix("val_")
        if name == "loss":
            return False
        for metric in trainer.metrics:
            if metric.name == name:
                return bool(metric.higher_is_better)
        try:
            return bool(get_metric(name).higher_is_better)
        except (ValueError, TypeError):
            raise TrainingError(
                f"{self.owner}: cannot tell whether {self.monitor!r} should go up or down; "
                "pass mode='min' or mode='max'"
            ) from None

    def value(self, logs: Logs | None) -> float:
        """The monitored value in `logs`; a TrainingError naming the keys that are there."""
        logs = logs or {}
        if self.monitor not in logs:
            hint = ""
            if self.monitor.startswith("val_"):
                hint = "; give fit validation_data or a validation_split, or monitor 'loss'"
            raise TrainingError(
                f"{self.owner}: monitor {self.monitor!r} is not in the epoch logs (they have "
                f"{', '.join(sorted(logs)) or 'nothing'}){hint}"
            )
        return float(logs[self.monitor])

    def improves(self, value: float, reference: float) -> bool:
        """Whether `value` beats `reference` by more than `min_delta`."""
        if self.mode == "min":
            return value + self.min_delta < reference
        return value - self.min_delta > reference


# ---------------------------------------------------------------------- the callbacks


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras's semantics).

    An epoch improves when its value beats the best so far by more than `min_delta`; training
    stops once `patience` epochs in a row have not.

    Args:
        monitor: the log key to watch (``"val_loss"``, ``"loss"``, ``"val_accuracy"`` ...). Default:
            "val_loss".
        mode: ``"min"``, ``"max"`` or ``"auto"`` (max for metrics where higher is better,
            min for losses and errors). Default: "auto".
        patience: epochs without improvement to allow before stopping. Default: 0.
        min_delta: the smallest change that counts as an improvement. Default: 0.0.
        restore_best_weights: when training ends, load the weights of the best epoch. Default:
            False.
        baseline: a value to beat; epochs that do not beat it count against patience.
        start_from_epoch: epochs to ignore at the start (warm-up). Default: 0.
        verbose: 1 prints a line when it stops training and when it restores weights. Default: 0.

    After `fit`: ``best``, ``best_epoch`` and ``stopped_epoch`` (0-based; 0 if it did not stop).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: Literal["auto", "min", "max"] = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise TrainingError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        self._monitor = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.best = math.nan
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.wait = 0
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._monitor.resolve(self._require_trainer())
        self.best = self._monitor.best
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.wait = 0
        self.best_weights = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if epoch < self.start_from_epoch:
            return
        current = self._monitor.value(logs)
        if self.restore_best_weights and self.best_weights is None:
            # so even a run that never improves restores something sensible
            self.best_weights = _snapshot(self.model)
        self.wait += 1
        if self._monitor.improves(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _snapshot(self.model)
            if self.baseline is None or self._monitor.improves(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.stop_training = True

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            self.write(
                f"EarlyStopping: stopped after epoch {self.stopped_epoch + 1}: {self.monitor} "
                f"has not improved for {self.wait} epochs"
            )
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                self.write(
                    f"EarlyStopping: restoring the weights of epoch {self.best_epoch + 1} "
                    f"({self.monitor} {self.best:.4f})"
                )
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Save the model (with `retrograd.io.save`, atomically) after epochs (on rank 0 alone in a
    distributed run).

    Args:
        path: the file to write; ``str.format`` fields are filled with ``epoch`` (1-based) and
            the epoch's logs: ``"ckpt-{epoch:03d}-{val_loss:.3f}.safetensors"``.
        monitor: the quantity that decides the best epoch (as in `EarlyStopping`).
            Default: "val_loss".
        mode: ``"min"``, ``"max"`` or ``"auto"``, for `monitor` (as in `EarlyStopping`).
            Default: "auto".
        save_best_only: save only when `monitor` improves on the best so far. Default: False.
        save_weights_only: write the state dict alone (`retrograd.io.save_state_dict`), which
            works for custom modules too; otherwise the whole model (`retrograd.io.save`, which
            `retrograd.io.load` rebuilds). Default: False.
        verbose: 1 prints a line for each file written. Default: 0.

    Each file's metadata records the epoch (1-based) and the epoch's logs. An epoch whose
    monitored value or loss is NaN or infinite, or whose weights are, is not saved (a
    RuntimeWarning says why): a diverged run never replaces a good file. ``skipped`` lists
    those epochs (1-based).
    """

    rank_zero_only = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: Literal["auto", "min", "max"] = "auto",
    ) -> None:
        self.path = os.fspath(path)
        self.save_weights_only = save_weights_only
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self._monitor = _Monitor("ModelCheckpoint", monitor, mode)
        self.best = math.nan
        self.saved: list[Path] = []
        self.skipped: list[int] = []

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._monitor.resolve(self._require_trainer())
        self.best = self._monitor.best
        if "{" not in self.path:  # a fixed path: find out now, not after the first epoch
            check_output(self.path, what="ModelCheckpoint path")

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            current = self._monitor.value(logs)
            if not self._monitor.improves(current, self.best):
                return
            self.best = current
        try:
            path = Path(self.path.format(epoch=epoch + 1, **logs))
        except (KeyError, IndexError, ValueError) as error:
            raise TrainingError(
                f"ModelCheckpoint: cannot fill in the path {self.path!r} ({error!r}); its fields "
                f"can be epoch and the log keys {', '.join(logs)}"
            ) from None
        problem = self._non_finite(logs)
        if problem is not None:
            self.skipped.append(epoch + 1)
            warnings.warn(
                f"ModelCheckpoint: epoch {epoch + 1}: not saved to {path}: {problem}",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        metadata = {"epoch": epoch + 1, "logs": dict(logs)}
        if self.save_weights_only:
            save_state_dict(self.model, path, metadata=metadata)
        else:
            save(self.model, path, metadata=metadata)
        self.saved.append(path)
        if self.verbose > 0:
            self.write(f"ModelCheckpoint: epoch {epoch + 1}: saved the model to {path}")

    def _non_finite(self, logs: Logs) -> str | None:
        """Why this epoch must not be saved (a non-finite loss or weight), or None."""
        keys = [self.monitor] + [key for key in logs if key.endswith("loss")]
        for key in dict.fromkeys(keys):
            value = logs.get(key)
            if isinstance(value, (int, float, np.floating)) and not math.isfinite(float(value)):
                return f"{key} is {float(value)}"
        bad = non_finite_tensor(state_arrays(self.model.state_dict()))
        if bad is not None:
            return f"the weight {bad!r} holds NaN or infinite values"
        return None


ScheduleFn = Callable[[int, float], float]


class LearningRateScheduler(Callback):
    """Drive the learning rate from `fit`.

    `schedule` is one of:
    - an `optim.lr_scheduler` scheduler: `step()` after every epoch (or every batch with
      ``interval="batch"``, as `OneCycleLR` needs);
    - a `ReduceLROnPlateau`: ``step(logs[monitor])`` after every epoch;
    - a function ``schedule(epoch, lr) -> new_lr`` (Keras's form): called before each epoch with
      the 0-based epoch and the first group's rate; every group gets the new rate.

    The rate used during each epoch is logged as ``lr`` (so it reaches the History).
    """

    def __init__(
        self,
        schedule: LRScheduler | ScheduleFn,
        monitor: str = "val_loss",
        interval: Literal["epoch", "batch"] = "epoch",
        verbose: int = 0,
    ) -> None:
        if interval not in ("epoch", "batch"):
            raise TrainingError(
                f"LearningRateScheduler: interval must be 'epoch' or 'batch', got {interval!r}"
            )
        if not isinstance(schedule, LRScheduler) and not callable(schedule):
            raise TrainingTypeError(
                "LearningRateScheduler needs an optim.lr_scheduler scheduler or a function "
                f"(epoch, lr) -> lr, got {type(schedule).__name__}"
            )
        if isinstance(schedule, ReduceLROnPlateau) and interval == "batch":
            raise TrainingError(
                "LearningRateScheduler: ReduceLROnPlateau steps once per epoch, on a metric; "
                "use interval='epoch'"
            )
        self.schedule = schedule
        self.monitor = monitor
        self.interval = interval
        self.verbose = verbose
        self._epoch_lr = math.nan

    def _groups(self) -> list[dict[str, Any]]:
        if isinstance(self.schedule, LRScheduler):
            return self.schedule.optimizer.param_groups
        return self._require_trainer().optimizer.param_groups

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        if not isinstance(self.schedule, LRScheduler):
            groups = self._groups()
            new_lr = self.schedule(epoch, float(groups[0]["lr"]))
            if isinstance(new_lr, bool) or not isinstance(new_lr, (int, float, np.floating)):
                raise TrainingTypeError(
                    f"LearningRateScheduler: the schedule function returned "
                    f"{type(new_lr).__name__} for epoch {epoch}; it must return a float"
                )
            for group in groups:
                group["lr"] = float(new_lr)
            if self.verbose > 0:
                self.write(f"LearningRateScheduler: epoch {epoch + 1}: lr {float(new_lr):.6g}")
        self._epoch_lr = float(self._groups()[0]["lr"])

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self.interval == "batch" and isinstance(self.schedule, LRScheduler):
            self.schedule.step()

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        if logs is not None:
            logs["lr"] = self._epoch_lr
        if isinstance(self.schedule, ReduceLROnPlateau):
            self.schedule.step(_Monitor("LearningRateScheduler", self.monitor, "min").value(logs))
        elif isinstance(self.schedule, LRScheduler) and self.interval == "epoch":
            self.schedule.step()


class TerminateOnNaN(Callback):
    """Stop training at the first batch whose loss (or updated weights) is NaN or infinite,
    and put back the weights from before that batch: the last finite ones.

    Before every batch it copies the parameters and buffers into arrays allocated once (one
    memory copy per batch, no allocation). The stop message names the epoch and the batch
    (1-based); it is printed (unless ``verbose=0``) and kept in ``message`` and in
    ``History.stop_reason``.
    """

    def __init__(self, verbose: int = 1) -> None:
        self.verbose = verbose
        self.message: str | None = None
        self._saved: dict[str, np.ndarray] = {}

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self.message = None
        self._saved = _snapshot(self.model)

    def on_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        for name, tensor in self.model.state_dict().items():
            saved = self._saved.get(name)
            if saved is None or saved.shape != tensor.array.shape:
                self._saved[name] = np.array(tensor.array, copy=True)
            else:
                np.copyto(saved, tensor.array)

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if math.isfinite(loss):
            bad = [
                name
                for name, tensor in self.model.state_dict().items()
                if tensor.array.dtype.kind == "f" and not np.isfinite(tensor.array).all()
            ]
            if not bad:
                return
            problem = f"the update made {bad[0]} non-finite"
        else:
            problem = f"loss is {loss}"
        trainer = self._require_trainer()
        self.model.load_state_dict(self._saved)
        self.message = (
            f"TerminateOnNaN: {problem} at epoch {trainer.epoch + 1}/{trainer.epochs}, batch "
            f"{batch + 1}/{trainer.steps}; stopped training and restored the weights from "
            "before that batch"
        )
        trainer.stop_reason = self.message
        self.stop_training = True
        if self.verbose > 0:
            self.write(self.message)


class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row (``epoch`` 0-based, then the log keys); on rank 0
    alone in a distributed run.

    The whole file is rewritten atomically after every epoch, so it is always complete; a key
    that appears later adds a column (earlier rows leave it empty). With `append`, rows already
    in the file are kept.
    """

    rank_zero_only = True

    def __init__(
        self, path: str | os.PathLike[str], separator: str = ",", append: bool = False
    ) -> None:
        self.path = Path(path)
        self.separator = separator
        self.append = append
        self._rows: list[dict[str, str]] = []
        self._columns: list[str] = ["epoch"]

    def on_train_begin(self, logs: Logs | None = None) -> None:
        check_output(self.path, what="CSVLogger path")  # before the first epoch's work
        self._rows, self._columns = [], ["epoch"]
        if self.append and self.path.exists():
            with open(self.path, newline="", encoding="utf-8") as file:
                reader = csv.DictReader(file, delimiter=self.separator)
                self._columns = list(reader.fieldnames or ["epoch"])
                self._rows = [dict(row) for row in reader]

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        row = {"epoch": str(epoch)}
        for key, value in (logs or {}).items():
            row[key] = repr(float(value)) if isinstance(value, (int, float)) else str(value)
            if key not in self._columns:
                self._columns.append(key)
        self._rows.append(row)
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, fieldnames=self._columns, delimiter=self.separator, lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(self._rows)
        atomic_write(self.path, buffer.getvalue().encode("utf-8"))
