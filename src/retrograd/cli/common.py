"""What the `train`, `predict`, `evaluate` and `info` commands share: their error, output files,
the model file with its preprocessing, and the metrics they report."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrograd import io, metrics
from retrograd.data import LabelEncoder, StandardScaler
from retrograd.errors import RetrogradError
from retrograd.io.atomic import atomic_write
from retrograd.io.output import OutputFileError, check_output
from retrograd.nn import Linear, Module
from retrograd.train import predict

__all__ = [
    "CLASSIFICATION_METRICS",
    "CLI_FORMAT",
    "MAX_EPOCHS",
    "REGRESSION_METRICS",
    "CommandError",
    "TrainedModel",
    "bounded_int",
    "check_network_size",
    "check_output_path",
    "command_output_error",
    "format_metrics",
    "fraction",
    "higher_is_better",
    "load_trained_model",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "score",
    "write_text",
]

CLI_FORMAT = 1  # version of the metadata layout `retrograd train` writes
TASKS = ("classification", "regression")
MAX_EPOCHS = 1_000_000
MAX_COUNT = 2**63 - 1  # the largest whole number an option takes (NumPy's int64)


class CommandError(RetrogradError, ValueError):
    """Bad input to a command (a file, a column, a value); the message says which and why."""


# ------------------------------------------------------------------------- option values
def _parse_number(text: str, convert: Callable[[str], Any], expected: str) -> Any:
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {_short(text)!r}") from None


def _short(text: str) -> str:
    """`text` cut to a readable length for a message (a 5000-digit number stays one line)."""
    return text if len(text) <= 30 else f"{text[:12]}...{text[-12:]} ({len(text)} characters)"


def bounded_int(minimum: int, maximum: int) -> Callable[[str], int]:
    """An option type: a whole number in [minimum, maximum]."""

    def parse(text: str) -> int:
        value: int = _parse_number(text.strip(), int, "a whole number")
        if value < minimum:
            at_least = "be 0 or more" if minimum == 0 else f"be at least {minimum}"
            raise argparse.ArgumentTypeError(f"must {at_least}, got {_short(text)}")
        if value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,}, got {_short(text)}")
        return value

    parse.__name__ = f"int in [{minimum}, {maximum}]"
    return parse


def positive_int(text: str) -> int:
    """An option's value: a whole number of at least 1 (and at most 2**63 - 1)."""
    return bounded_int(1, MAX_COUNT)(text)


def non_negative_int(text: str) -> int:
    """An option's value: a whole number of at least 0 (and at most 2**63 - 1)."""
    return bounded_int(0, MAX_COUNT)(text)


def positive_float(text: str) -> float:
    """An option's value: a finite number above 0."""
    value: float = _parse_number(text, float, "a number")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """An option's value: a number in [0, 1)."""
    value: float = _parse_number(text, float, "a number")
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text}")
    return value


def command_output_error(error: OutputFileError, path: str) -> CommandError:
    """The command's message for an output that cannot be written (`--force` named when it
    would help)."""
    if error.reason == "exists":
        return CommandError(f"{path} already exists; pass --force to overwrite it")
    return CommandError(str(error))


def check_output_path(path: str, force: bool, option: str, inputs: Iterable[str] = ()) -> None:
    """Fail before any work when `path` cannot be written: it is empty, a directory, a named
    pipe, a device or a socket, the same file as one of `inputs` (through links too), it exists
    and `force` is off, or its folder is missing or not writable."""
    try:
        check_output(path, overwrite=force, inputs=inputs, what=option)
    except OutputFileError as error:
        raise command_output_error(error, path) from None


def write_text(path: str, text: str, *, force: bool = True, inputs: Iterable[str] = ()) -> None:
    """Write `text` (UTF-8) all at once: a temporary file beside `path`, then a rename; an
    existing file is replaced only with `force`."""
    try:
        atomic_write(path, text.encode("utf-8"), overwrite=force, inputs=inputs)
    except OutputFileError as error:
        raise command_output_error(error, path) from None
    except OSError as error:
        raise CommandError(f"cannot write {path}: {error.strerror or error}") from None


def _memory_bytes() -> int | None:
    """This machine's physical memory in bytes (None where the system does not say)."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * page_size if pages > 0 and page_size > 0 else None


def _gigabytes(n_bytes: int) -> str:
    return f"{n_bytes / 2**30:,.1f} GiB"


def check_network_size(widths: Sequence[int], option: str, copies: int = 4) -> None:
    """Fail before any work when a dense network of layer `widths` cannot fit in memory.

    Training holds about `copies` float32 arrays per parameter (weights, gradients and an
    optimizer's two moments); the message names the parameter count and the memory needed.
    """
    parameters = sum((a + 1) * b for a, b in zip(widths, widths[1:]))
    needed = parameters * 4 * copies
    available = _memory_bytes()
    if available is not None and needed > available:
        sizes = "-".join(str(n) for n in widths)
        raise CommandError(
            f"the network {sizes} has {parameters:,} parameters: training it needs about "
            f"{_gigabytes(needed)} of memory, more than this machine's {_gigabytes(available)}; "
            f"give smaller {option} widths"
        )


@dataclass
class TrainedModel:
    """A model written by `retrograd train`, with what turns CSV columns into its inputs and its
    outputs back into targets."""

    model: Module
    task: str
    features: list[str]
    target: str
    scaler: StandardScaler
    encoder: LabelEncoder | None = None  # classification
    target_scaler: StandardScaler | None = None  # regression
    fill_strategy: str | None = None
    fill_values: list[float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def classes(self) -> np.ndarray:
        if self.encoder is None or self.encoder.classes_ is None:
            raise CommandError("the model has no classes (it is a regression model)")
        return self.encoder.classes_

    def outputs(self, X: np.ndarray) -> np.ndarray:
        """The model's raw outputs `(N, out)` for unscaled features `X: (N, n_features)`."""
        inputs = np.asarray(self.scaler.transform(X), dtype=np.float32)
        return predict(self.model, inputs, batch_size=1024).array.astype(np.float64)

    def predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Predicted targets `(N,)` (decoded labels, or numbers in the target's units) and, for
        classification, the probability of each predicted label `(N,)`."""
        outputs = self.outputs(X)
        if self.task == "regression":
            assert self.target_scaler is not None
            return np.asarray(self.target_scaler.inverse_transform(outputs))[:, 0], None
        index, probability = class_indices(outputs)
        return self.classes[index], probability


def class_indices(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Class indices and their probabilities from logits: one column (binary) or C columns."""
    if outputs.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-outputs[:, 0]))
        index = (p > 0.5).astype(np.int64)
        return index, np.where(index == 1, p, 1.0 - p)
    shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
    probabilities = shifted / shifted.sum(axis=1, keepdims=True)
    index = probabilities.argmax(axis=1)
    return index, probabilities[np.arange(len(index)), index]


CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "f1", "precision", "recall")
REGRESSION_METRICS = ("mse", "rmse", "mae", "r2")
DEFAULT_METRICS = {"classification": ("accuracy", "f1"), "regression": ("mse", "mae", "r2")}


def higher_is_better(name: str) -> bool:
    """Whether a larger value of the metric `name` (of `score`) is better."""
    return name not in ("mse", "rmse", "mae")


def score(
    task: str,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    n_classes: int = 0,
    names: Sequence[str] | None = None,
) -> dict[str, float]:
    """The metrics the commands report: `names` (default: accuracy and F1 for classification,
    MSE, MAE and R² for regression). On class indices, F1, precision and recall are of class
    index 1 for two classes and macro averages for more; balanced accuracy is the macro
    recall. R² needs two rows (left out otherwise)."""
    result: dict[str, float] = {}
    for name in names or DEFAULT_METRICS[task]:
        if name == "r2" and len(y_true) < 2:
            continue
        result[name] = _metric(name, y_true, y_pred, n_classes)
    return result


def _metric(name: str, y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> float:
    average = "binary" if n_classes <= 2 else "macro"
    if name == "accuracy":
        return float(metrics.accuracy(y_true, y_pred))
    if name == "balanced_accuracy":
        present = np.unique(y_true)
        return float(
            metrics.recall(y_true, y_pred, average="macro", labels=present, zero_division=0.0)
        )
    if name in ("f1", "precision", "recall"):
        function = {
            "f1": metrics.f1_score,
            "precision": metrics.precision,
            "recall": metrics.recall,
        }
        return float(function[name](y_true, y_pred, average=average, zero_division=0.0))
    if name == "mse":
        return float(metrics.mean_squared_error(y_true, y_pred))
    if name == "rmse":
        return float(math.sqrt(metrics.mean_squared_error(y_true, y_pred)))
    if name == "mae":
        return float(metrics.mean_absolute_error(y_true, y_pred))
    if name == "r2":
        return float(metrics.r2_score(y_true, y_pred))
    raise CommandError(f"unknown metric {name!r}")


def format_metrics(values: dict[str, Any]) -> str:
    """``accuracy 0.9500 - f1 0.9487``."""
    parts = []
    for name, value in values.items():
        number = float(value)
        parts.append(f"{name} {number:.4f}" if math.isfinite(number) else f"{name} {number}")
    return " - ".join(parts)


# ------------------------------------------------------------------------------ model files
def load_model_file(path: str) -> tuple[Module, io.ModelInfo]:
    """`io.load_with_info(path)`, with a missing or unreadable file as a CommandError."""
    if not os.path.exists(path):
        raise CommandError(f"model file {path} does not exist")
    if os.path.isdir(path):
        raise CommandError(f"model file {path} is a directory, not a file")
    try:
        return io.load_with_info(path)
    except OSError as error:
        raise CommandError(f"cannot read model file {path}: {error.strerror or error}") from None


def input_width(model: Module) -> int | None:
    """`in_features` of the model's first Linear layer (None when it has none)."""
    for module in model.modules():
        if isinstance(module, Linear):
            return int(module.in_features)
    return None


def output_width(model: Module) -> int | None:
    """`out_features` of the model's last Linear layer (None when it has none)."""
    width = None
    for module in model.modules():
        if isinstance(module, Linear):
            width = int(module.out_features)
    return width


def _bad(path: str, what: str) -> CommandError:
    return CommandError(
        f"{path}: {what}; it was not written by `retrograd train` (or was altered since)"
    )


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _scaler_fits(scaler: StandardScaler, n_features: int) -> bool:
    """Whether a scaler read from a file holds finite statistics for `n_features` features."""
    if scaler.n_features_in_ != n_features:
        return False
    for statistic in (scaler.mean_, scaler.scale_):
        if statistic is None:
            continue
        if statistic.shape != (n_features,) or statistic.dtype.kind not in "fi":
            return False
        if not np.all(np.isfinite(statistic)):
            return False
    return True


def load_trained_model(path: str) -> TrainedModel:
    """The model file at `path` with its preprocessing, checked to be consistent.

    Raises:
        CommandError: naming the file and what is wrong with it.
        ModelFileError: (from `retrograd.io`) likewise, naming the file and what is wrong with it.
    """
    model, info = load_model_file(path)
    meta, prep = info.metadata, info.preprocessing
    if meta.get("retrograd_cli") is None:
        raise _bad(path, "it has no feature names, target or task in its metadata")
    task, features, target = meta.get("task"), meta.get("features"), meta.get("target")
    if task not in TASKS:
        raise _bad(path, f"its task is {task!r}, not one of {', '.join(TASKS)}")
    if not _string_list(features) or not features:
        raise _bad(path, "its feature names are missing or not a list of names")
    if not isinstance(target, str):
        raise _bad(path, "its target name is missing")
    width = input_width(model)
    if width != len(features):
        raise _bad(path, f"its model takes {width} inputs but it names {len(features)} features")
    try:
        trained = TrainedModel(
            model=model,
            task=task,
            features=list(features),
            target=target,
            scaler=StandardScaler.from_state_dict(prep["scaler"]),
            metadata=meta,
        )
        if task == "classification":
            trained.encoder = LabelEncoder.from_state_dict(prep["label_encoder"])
        else:
            trained.target_scaler = StandardScaler.from_state_dict(prep["target_scaler"])
        fill = prep.get("fill_missing")
        if fill is not None:
            trained.fill_strategy = str(fill["strategy"])
            trained.fill_values = [float(v) for v in fill["values"]]
    except (KeyError, TypeError, ValueError) as error:
        raise _bad(path, f"its preprocessing state is incomplete or invalid ({error})") from None
    if not _scaler_fits(trained.scaler, len(features)):
        raise _bad(path, "its feature scaler does not match its feature names")
    if trained.target_scaler is not None and not _scaler_fits(trained.target_scaler, 1):
        raise _bad(path, "its target scaler is invalid")
    if trained.fill_values is not None and len(trained.fill_values) != len(features):
        raise _bad(path, "its fill values do not match its feature names")
    expected = 1
    if task == "classification":
        n_classes = len(trained.classes)
        expected = 1 if n_classes == 2 else n_classes
        if n_classes < 2:
            raise _bad(path, f"it has {n_classes} class(es)")
    if output_width(model) != expected:
        raise _bad(path, f"its model has {output_width(model)} outputs, not {expected}")
    return trained
