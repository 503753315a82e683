"""`retrograd doctor MODEL DATA.csv` and `retrograd train --doctor`: the doctor's report on CSV
data as the network sees it, as text and as JSON, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from retrograd import nn
from retrograd.cli import main
from retrograd.cli.common import load_trained_model
from retrograd.cli.csvdata import read_csv
from retrograd.cli.doctor import training_targets

from .csv_files import binary_rows, regression_rows, three_class_rows, write_csv

Capture = pytest.CaptureFixture[str]


def train(data: Path, target: str, out: Path, *extra: str) -> list[str]:
    return ["train", str(data), "--target", target, "--out", str(out), "--hidden", "8", *extra]


def fails(args: list[str], capsys: Capture, status: int = 1) -> str:
    """Run the command, check it fails with `status` and one stderr line; return that line."""
    assert main(args) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.strip()


@pytest.fixture
def healthy(tmp_path: Path, capsys: Capture) -> tuple[Path, Path]:
    """A binary model (features a, b; target y) trained on separable data, and that data."""
    data = write_csv(tmp_path / "data.csv", ["a", "b", "y"], binary_rows(120))
    model = tmp_path / "model.safetensors"
    assert main([*train(data, "y", model, "--epochs", "20"), "--quiet"]) == 0
    capsys.readouterr()
    return model, data


def faulty_rows(n: int) -> list[list[object]]:
    """binary_rows with a constant column c and three repeated rows with the other label."""
    rows: list[list[object]] = [[a, b, 5, y] for a, b, y in binary_rows(n)]
    flipped = [[a, b, 5, 1 - int(str(y))] for a, b, _, y in rows[:3]]
    return rows + flipped


# ---------------------------------------------------------------------------- retrograd doctor
def test_healthy_model_and_data(healthy: tuple[Path, Path], capsys: Capture) -> None:
    model, data = healthy
    assert main(["doctor", str(model), str(data), "--target", "y"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert (
        lines[0]
        == "== model.safetensors on data.csv (120 rows, classification, BCEWithLogitsLoss) =="
    )
    assert lines[1] == "retrograd doctor: 0 errors, 0 warnings, 0 notes (27 checks run)"
    assert "nothing found that would stop this network learning" in out


def test_planted_data_faults_are_named(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "bad.csv", ["a", "b", "c", "y"], faulty_rows(60))
    model = tmp_path / "bad.safetensors"
    assert main([*train(data, "y", model, "--epochs", "2"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["doctor", str(model), str(data), "--target", "y", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "[constant-feature] 1 of 3 input features never change (features 2)" in out
    assert "[conflicting-duplicates] 6 samples" in out
    assert "Not checked: overfit-small-batch (quick)" in out


def test_data_off_the_saved_scale(healthy: tuple[Path, Path], capsys: Capture) -> None:
    # the saved scaler is reused, so a column a million times larger than in training shows
    model, _ = healthy
    rows = [[float(str(a)) * 1e6, b, y] for a, b, y in binary_rows(60, seed=5)]
    data = write_csv(model.parent / "big.csv", ["a", "b", "y"], rows)
    assert main(["doctor", str(model), str(data), "--quick"]) == 1
    assert "[unscaled-features]" in capsys.readouterr().out


def test_json_report(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "bad.csv", ["a", "b", "c", "y"], faulty_rows(60))
    model = tmp_path / "bad.safetensors"
    assert main([*train(data, "y", model, "--epochs", "2"), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["doctor", str(model), str(data), "--json", "--quick"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["ok"] is False
    assert report["title"].startswith("bad.safetensors on bad.csv (63 rows")
    codes = {finding["code"] for finding in report["findings"]}
    assert {"constant-feature", "conflicting-duplicates"} <= codes


def test_targets_and_loss_match_training(tmp_path: Path, capsys: Capture) -> None:
    # regression: the target standardized with the saved scaler (fit on every row here)
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "t"], regression_rows(50))
    model = tmp_path / "reg.safetensors"
    assert main([*train(data, "t", model, "--epochs", "2", "--val-split", "0"), "--quiet"]) == 0
    y, loss_fn = training_targets(load_trained_model(str(model)), read_csv(str(data)), "t")
    assert isinstance(loss_fn, nn.MSELoss)
    assert y.shape == (50, 1) and y.dtype == np.float32
    assert abs(float(y.mean())) < 1e-5 and abs(float(y.std()) - 1.0) < 1e-4

    # three classes: int64 indices for CrossEntropyLoss
    data = write_csv(tmp_path / "flowers.csv", ["x1", "x2", "x3", "s"], three_class_rows(60))
    model = tmp_path / "flowers.safetensors"
    assert main([*train(data, "s", model, "--epochs", "2"), "--quiet"]) == 0
    trained = load_trained_model(str(model))
    y, loss_fn = training_targets(trained, read_csv(str(data)), "s")
    assert isinstance(loss_fn, nn.CrossEntropyLoss)
    assert y.dtype == np.int64 and y.shape == (60,) and set(y.tolist()) <= {0, 1, 2}
    capsys.readouterr()
    assert main(["doctor", str(model), str(data), "--quick", "--json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    assert "CrossEntropyLoss" in report["title"]
    assert not any(f["code"] in ("loss-failed", "check-failed") for f in report["findings"])


# ----------------------------------------------------------------------- retrograd train --doctor
def test_train_doctor_prints_the_report_then_trains(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "data.csv", ["a", "b", "y"], binary_rows(80))
    plain = train(data, "y", tmp_path / "plain.safetensors", "--epochs", "5", "--quiet")
    assert main(plain) == 0
    without = capsys.readouterr().out
    checked = train(data, "y", tmp_path / "checked.safetensors", "--epochs", "5", "--quiet")
    assert main([*checked, "--doctor"]) == 0
    out = capsys.readouterr().out
    report = out.index("== untrained network 2-8-1 on data.csv (training rows) ==")
    assert out.index("network 2-8-1 (relu)") < report < out.index("final train metrics")
    assert "retrograd doctor: 0 errors, 0 warnings" in out
    assert (tmp_path / "checked.safetensors").exists()

    # the doctor works on copies: training goes exactly as without it
    def metrics(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("final ")]

    assert metrics(out) == metrics(without)


def test_train_doctor_json(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "bad.csv", ["a", "b", "c", "y"], faulty_rows(60))
    args = train(data, "y", tmp_path / "m.safetensors", "--epochs", "2", "--quiet")
    assert main([*args, "--doctor", "--json"]) == 0
    out = capsys.readouterr().out
    reports = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert len(reports) == 1
    assert "constant-feature" in {f["code"] for f in reports[0]["findings"]}
    assert "saved the model to" in out


def test_train_json_needs_doctor(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "data.csv", ["a", "b", "y"], binary_rows(20))
    message = fails([*train(data, "y", tmp_path / "m.safetensors"), "--json"], capsys, status=2)
    assert "add --doctor" in message


# -------------------------------------------------------------------------------- bad input
def test_missing_model_file(healthy: tuple[Path, Path], capsys: Capture) -> None:
    _, data = healthy
    missing = data.parent / "nope.safetensors"
    message = fails(["doctor", str(missing), str(data)], capsys)
    assert message == f"error: model file {missing} does not exist"


def test_missing_data_file(healthy: tuple[Path, Path], capsys: Capture) -> None:
    model, data = healthy
    missing = data.parent / "nope.csv"
    message = fails(["doctor", str(model), str(missing)], capsys)
    assert message == f"error: data file {missing} does not exist"


def test_missing_target_column(healthy: tuple[Path, Path], capsys: Capture) -> None:
    model, data = healthy
    message = fails(["doctor", str(model), str(data), "--target", "label"], capsys)
    assert message == f"error: {data} has no target column 'label'; its columns are: 'a', 'b', 'y'"


def test_feature_as_target(healthy: tuple[Path, Path], capsys: Capture) -> None:
    model, data = healthy
    assert "one of the model's features" in fails(
        ["doctor", str(model), str(data), "--target", "a"], capsys
    )


def test_unseen_labels(healthy: tuple[Path, Path], capsys: Capture) -> None:
    model, _ = healthy
    data = write_csv(model.parent / "new.csv", ["a", "b", "y"], [[0.1, 0.2, 7], [0.3, 0.1, 0]])
    message = fails(["doctor", str(model), str(data)], capsys)
    assert "holds labels the model was not trained on: 7" in message


def test_not_a_model_file(healthy: tuple[Path, Path], capsys: Capture) -> None:
    _, data = healthy
    assert "not a safetensors file" in fails(["doctor", str(data), str(data)], capsys)
