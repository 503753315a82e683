"""`History`: appending logs, and JSON/CSV export that reads back exactly."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from retrograd import nn, optim
from retrograd.train import History, TrainingError, fit

from .helpers import linear_model, regression_data


def sample_history() -> History:
    history = History()
    history.append(0, {"loss": 1.0 / 3.0, "val_loss": 0.5})
    history.append(1, {"loss": 0.1 + 0.2, "val_loss": np.float32(0.25), "lr": 0.01})
    history.append(2, {"loss": float("nan"), "note": "text is skipped"})
    return history


def test_append_keeps_one_value_per_epoch_padding_with_nan():
    history = sample_history()
    assert history.epoch == [0, 1, 2]
    assert list(history.history) == ["loss", "val_loss", "lr"]
    assert history["val_loss"][:2] == [0.5, 0.25] and math.isnan(history["val_loss"][2])
    assert math.isnan(history["lr"][0]) and history["lr"][1] == 0.01
    assert all(len(values) == 3 for values in history.history.values())
    assert repr(history) == "History(epochs=3, keys=[loss, val_loss, lr])"


def same(a: History, b: History) -> bool:
    """Equal epochs and values, NaN equal to NaN."""
    return (
        a.epoch == b.epoch
        and a.history.keys() == b.history.keys()
        and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a.history)
    )


def test_json_round_trip_is_exact(tmp_path):
    history = sample_history()
    history.to_json(tmp_path / "h.json")
    assert same(History.from_json(tmp_path / "h.json"), history)
    assert json.loads((tmp_path / "h.json").read_text())["epoch"] == [0, 1, 2]


def test_csv_round_trip_is_exact(tmp_path):
    history = sample_history()
    history.to_csv(tmp_path / "h.csv")
    lines = (tmp_path / "h.csv").read_text().splitlines()
    assert lines[0] == "epoch,loss,val_loss,lr"
    assert lines[1] == "0,0.3333333333333333,0.5,nan"
    assert same(History.from_csv(tmp_path / "h.csv"), history)


def test_exports_of_a_fit_history_round_trip_and_leave_no_temporary_files(tmp_path):
    x, y = regression_data(n=20)
    model = linear_model()
    history = fit(
        model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), x=x, y=y, epochs=3,
        validation_split=0.25, metrics=["mae"], verbose=0,
    )  # fmt: skip
    history.to_json(tmp_path / "h.json")
    history.to_csv(tmp_path / "h.csv")
    assert History.from_json(tmp_path / "h.json").to_dict() == history.to_dict()
    assert History.from_csv(tmp_path / "h.csv").to_dict() == history.to_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "h.json"]


def test_writing_over_an_existing_file_replaces_it(tmp_path):
    path = tmp_path / "h.json"
    path.write_text("old and much longer content " * 100)
    sample_history().to_json(path)
    assert same(History.from_json(path), sample_history())


def test_to_dict_is_a_copy():
    history = sample_history()
    data = history.to_dict()
    data["history"]["loss"].append(5.0)
    data["epoch"].append(3)
    assert len(history["loss"]) == 3 and history.epoch == [0, 1, 2]


def test_bad_files_are_reported(tmp_path):
    (tmp_path / "a.csv").write_text("loss\n1.0\n")
    with pytest.raises(TrainingError, match="starts with an 'epoch' column"):
        History.from_csv(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("epoch,loss\n0,1.0,2.0\n")
    with pytest.raises(TrainingError, match="line 2: 3 fields, but the header has 2"):
        History.from_csv(tmp_path / "b.csv")
    with pytest.raises(TrainingError, match="'loss' has 1 values for 2 epochs"):
        History.from_dict({"epoch": [0, 1], "history": {"loss": [1.0]}})
