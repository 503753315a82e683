"""`ModelCheckpoint` never replaces a good file with a diverged model: an epoch whose loss or
weights are NaN or infinite is not saved, and a warning says why."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.train import (
    CSVLogger,
    LearningRateScheduler,
    ModelCheckpoint,
    TerminateOnNaN,
    fit,
)

from .helpers import assert_same_weights, linear_model, regression_data, weights


class Snapshot(rg.train.Callback):
    """The weights at the end of each epoch."""

    def __init__(self) -> None:
        self.epochs: list[dict[str, np.ndarray]] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epochs.append(weights(self.model))


def _diverging_run(path: Path, **checkpoint: object) -> tuple[Snapshot, ModelCheckpoint, object]:
    """Epoch 1 trains well; from epoch 2 the learning rate jumps and the loss blows up."""
    x, y = regression_data(n=32)
    model = linear_model()
    snapshot = Snapshot()
    saver = ModelCheckpoint(path, monitor="loss", **checkpoint)  # type: ignore[arg-type]
    jump = LearningRateScheduler(lambda epoch, lr: 0.05 if epoch == 0 else 1e12)
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), x=x, y=y, epochs=4,
        batch_size=4, shuffle=False, verbose=0,
        callbacks=[jump, snapshot, saver, TerminateOnNaN(verbose=0)],
    )  # fmt: skip
    return snapshot, saver, history


def test_a_diverged_epoch_does_not_overwrite_the_good_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.safetensors"
    with pytest.warns(RuntimeWarning, match=r"epoch 2: not saved to .*ckpt.safetensors: loss is"):
        snapshot, saver, history = _diverging_run(path)
    assert math.isfinite(history.history["loss"][0])  # type: ignore[attr-defined]
    assert not math.isfinite(history.history["loss"][-1])  # type: ignore[attr-defined]
    assert saver.skipped == [2] and len(saver.saved) == 1
    model, info = rg.io.load_with_info(path)
    assert info.metadata["epoch"] == 1 and math.isfinite(info.metadata["logs"]["loss"])
    assert_same_weights(weights(model), snapshot.epochs[0])


def test_non_finite_weights_are_not_saved_either(tmp_path: Path) -> None:
    class Ruin(rg.train.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if epoch == 1:
                self.model[0].weight.array[0, 0] = np.inf

    x, y = regression_data(n=8)
    model = linear_model()
    saver = ModelCheckpoint(tmp_path / "w.safetensors", monitor="loss", save_weights_only=True)
    with pytest.warns(RuntimeWarning, match=r"epoch 2: .*the weight '0.weight' holds NaN"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), x=x, y=y, epochs=2,
            verbose=0, callbacks=[Ruin(), saver])  # fmt: skip
    assert saver.skipped == [2]
    saved = rg.io.load_state_dict_file(tmp_path / "w.safetensors")
    assert np.isfinite(saved["0.weight"].array).all()


def test_finite_runs_save_every_epoch(tmp_path: Path) -> None:
    x, y = regression_data(n=8)
    model = linear_model()
    saver = ModelCheckpoint(tmp_path / "e{epoch}.safetensors", monitor="loss")
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), x=x, y=y, epochs=3,
        verbose=0, callbacks=[saver])  # fmt: skip
    assert [p.name for p in saver.saved] == ["e1.safetensors", "e2.safetensors", "e3.safetensors"]
    assert saver.skipped == []


@pytest.mark.parametrize("make", ["checkpoint", "csv"])
def test_an_unwritable_path_fails_before_the_first_epoch(tmp_path: Path, make: str) -> None:
    class CountEpochs(rg.train.Callback):
        epochs = 0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            CountEpochs.epochs += 1

    target = tmp_path / "missing" / "out"
    callback = (
        ModelCheckpoint(target, monitor="loss") if make == "checkpoint" else CSVLogger(target)
    )
    x, y = regression_data(n=8)
    model = linear_model()
    with pytest.raises(rg.ModelFileError, match=r"path .*out: the folder .*missing does not exist"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01), x=x, y=y, epochs=2,
            verbose=0, callbacks=[CountEpochs(), callback])  # fmt: skip
    assert CountEpochs.epochs == 0
