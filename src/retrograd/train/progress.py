"""Progress output of `fit`: a tqdm bar on a terminal, one plain line per epoch elsewhere.

- ``verbose=1`` and stderr is a terminal: one tqdm bar per epoch, the running loss in its
  postfix, then the epoch's losses and metrics once it ends.
- ``verbose=1`` when stderr is not a terminal (a log file, CI), or ``verbose=2``: exactly one
  line per epoch on stdout, ``epoch 3/10 - loss 0.1234 - val_loss 0.2345 - accuracy 0.9500``,
  and nothing else (no carriage returns, no bar debris).
- ``verbose=0``: nothing.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import IO, Any

from tqdm import tqdm

from retrograd.train.callbacks import Callback, Logs
from retrograd.train.errors import TrainingError


def format_value(value: Any) -> str:
    """4 decimals; scientific notation for magnitudes a fixed format would hide."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    value = float(value)
    if value == 0.0 or not math.isfinite(value) or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4f}"
    return f"{value:.4e}"


def ordered_keys(logs: Mapping[str, Any]) -> list[str]:
    """``loss``, ``val_loss``, then each other key followed by its ``val_`` twin."""
    keys = [key for key in ("loss", "val_loss") if key in logs]
    for key in logs:
        if key in keys or (key.startswith("val_") and key[4:] in logs):
            continue
        keys.append(key)
        if f"val_{key}" in logs:
            keys.append(f"val_{key}")
    return keys


def format_logs(logs: Mapping[str, Any]) -> str:
    """``loss 0.1234 - val_loss 0.2345 - accuracy 0.9500``."""
    return " - ".join(f"{key} {format_value(logs[key])}" for key in ordered_keys(logs))


def format_epoch_line(epoch: int, epochs: int, logs: Mapping[str, Any]) -> str:
    """The plain line for 0-based `epoch` of `epochs`: ``epoch 3/10 - loss 0.1234 - ...``."""
    text = format_logs(logs)
    return f"epoch {epoch + 1}/{epochs}" + (f" - {text}" if text else "")


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # a closed stream
        return False


class ProgressLogger(Callback):
    """Prints `fit`'s progress (see the module docstring); `fit` adds it when ``verbose > 0``.

    Args:
        verbose: 1 (a bar on a terminal, else lines) or 2 (always lines). Default: 1.
        bar_stream: where the bar goes (default: sys.stderr at the start of training).
    """

    def __init__(self, verbose: int = 1, bar_stream: IO[str] | None = None) -> None:
        if verbose not in (1, 2):
            raise TrainingError(f"ProgressLogger: verbose must be 1 or 2, got {verbose!r}")
        self.verbose = verbose
        self.bar_stream = bar_stream
        self.use_bar = False
        self._stream: IO[str] | None = None
        self._bar: tqdm[Any] | None = None
        self._seen = 0
        self._loss_sum = 0.0

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._stream = self.bar_stream if self.bar_stream is not None else sys.stderr
        self.use_bar = self.verbose == 1 and _is_terminal(self._stream)

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._seen, self._loss_sum = 0, 0.0
        if self.use_bar:
            trainer = self._require_trainer()
            self._bar = tqdm(
                total=trainer.steps,
                desc=f"epoch {epoch + 1}/{trainer.epochs}",
                file=self._stream,
                unit="batch",
                leave=True,
                dynamic_ncols=True,
            )

    def on_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        if self._bar is None or logs is None:
            return
        size = int(logs.get("size", 1))
        self._seen += size
        self._loss_sum += float(logs.get("loss", math.nan)) * size
        self._bar.set_postfix_str(f"loss {format_value(self._loss_sum / self._seen)}", False)
        self._bar.update(1)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self._bar is not None:
            self._bar.set_postfix_str(format_logs(logs), refresh=False)
            self._bar.close()
            self._bar = None
        else:
            print(format_epoch_line(epoch, self._require_trainer().epochs, logs), flush=True)

    def on_train_end(self, logs: Logs | None = None) -> None:
        self.close()

    def close(self) -> None:
        """Close a bar left open (training interrupted by an exception)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def write(self, message: str) -> None:
        """Print `message` above the bar when one is showing, else on stdout."""
        if self._bar is not None:
            self._bar.write(message, file=self._stream)
        else:
            print(message, flush=True)
