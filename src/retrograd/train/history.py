"""`History`: what `fit` returns, the per-epoch logs as lists, with JSON and CSV export."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from retrograd.io.atomic import atomic_write
from retrograd.train.errors import TrainingError


class History:
    """The logs of every epoch, like Keras's ``History``.

    - `history`: ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``, one value per
      epoch; a key that first appears at a later epoch (or is missing from one) holds NaN there,
      so every list has one value per entry of `epoch`.
    - `epoch`: the epoch indices (0-based, as callbacks see them).
    - `params`: the run's settings (``epochs``, ``steps``, ``verbose``).
    - `stop_reason`: why training stopped early (a callback's message), or None.
    - `findings`: what a `DoctorCallback` found during the run (`Finding` objects).
    """

    history: dict[str, list[float]]
    epoch: list[int]
    params: dict[str, Any]
    stop_reason: str | None
    findings: list[Any]

    def __init__(self) -> None:
        self.history = {}
        self.epoch = []
        self.params = {}
        self.stop_reason = None
        self.findings = []

    def append(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Record the logs of `epoch` (numbers only; other entries are skipped)."""
        seen = len(self.epoch)
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    continue
            self.history.setdefault(key, [math.nan] * seen).append(float(value))
        for values in self.history.values():
            if len(values) == seen:
                values.append(math.nan)

    def __len__(self) -> int:
        return len(self.epoch)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"

    # ------------------------------------------------------------------ export
    def to_dict(self) -> dict[str, Any]:
        """``{"epoch": [...], "history": {key: [...]}}`` (copies)."""
        return {"epoch": list(self.epoch), "history": {k: list(v) for k, v in self.history.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> History:
        """The inverse of `to_dict`."""
        if "epoch" not in data or "history" not in data:
            raise TrainingError(
                f"a History dict needs 'epoch' and 'history' entries, got keys {sorted(data)}"
            )
        history = cls()
        history.epoch = [int(e) for e in data["epoch"]]
        for key, values in data["history"].items():
            if len(values) != len(history.epoch):
                raise TrainingError(
                    f"History entry {key!r} has {len(values)} values for {len(history.epoch)} "
                    "epochs"
                )
            history.history[key] = [float(v) for v in values]
        return history

    def to_json(self, path: str | os.PathLike[str]) -> None:
        """Write `to_dict()` as JSON (atomically: a reader never sees half a file)."""
        atomic_write(path, (json.dumps(self.to_dict(), indent=2) + "\n").encode("utf-8"))

    @classmethod
    def from_json(cls, path: str | os.PathLike[str]) -> History:
        """Read a file written by `to_json`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write one row per epoch, columns ``epoch`` then the keys (atomically)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["epoch", *self.history])
        for row, epoch in enumerate(self.epoch):
            writer.writerow([epoch, *(repr(values[row]) for values in self.history.values())])
        atomic_write(path, buffer.getvalue().encode("utf-8"))

    @classmethod
    def from_csv(cls, path: str | os.PathLike[str]) -> History:
        """Read a file written by `to_csv` (or by `CSVLogger`)."""
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.reader(file))
        if not rows or not rows[0] or rows[0][0] != "epoch":
            raise TrainingError(f"{path}: a History CSV starts with an 'epoch' column")
        header = rows[0]
        history = cls()
        history.history = {key: [] for key in header[1:]}
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(header):
                raise TrainingError(
                    f"{path}, line {line}: {len(row)} fields, but the header has {len(header)}"
                )
            history.epoch.append(int(row[0]))
            for key, text in zip(header[1:], row[1:]):
                history.history[key].append(float(text) if text else math.nan)
        return history
