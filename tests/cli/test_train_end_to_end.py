"""`retrograd train` -> `info` -> `predict` -> `evaluate` on CSV files written by the tests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from retrograd import io, nn
from retrograd.cli import main

from .csv_files import (
    SPECIES,
    binary_rows,
    regression_rows,
    three_class_rows,
    write_csv,
)

Capture = pytest.CaptureFixture[str]


def _read_predictions(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(text.splitlines()))
    return rows[0], rows[1:]


def test_text_labels_three_classes(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "flowers.csv", ["x1", "x2", "x3", "species"], three_class_rows(200))
    model = tmp_path / "flowers.safetensors"
    curves = tmp_path / "curves.png"
    args = ["train", str(data), "--target", "species", "--out", str(model), "--epochs", "40"]
    assert (
        main([*args, "--hidden", "16", "--lr", "0.01", "--plot", str(curves), "--seed", "3"]) == 0
    )
    out, err = capsys.readouterr()
    assert "task: classification (the target 'species' holds text (3 distinct values)); " in out
    assert "3 classes: setosa, versicolor, virginica" in out
    assert (
        "network 3-16-3 (relu), CrossEntropyLoss, adamw lr=0.01 weight_decay=0.01, batch 16; 160 "
        "training rows, 40 " in out
    )
    assert "epoch 1/40 - loss " in out and "epoch 40/40 - loss " in out
    assert "final train metrics (160 rows): accuracy " in out
    assert "final validation metrics (40 rows): accuracy " in out
    validation_accuracy = float(out.split("final validation metrics (40 rows): accuracy ")[1][:6])
    assert validation_accuracy >= 0.85
    assert f"saved the model to {model}" in out
    assert curves.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert err == ""

    # the file alone rebuilds the model, with everything predict needs in its metadata
    loaded, info = io.load_with_info(model)
    assert isinstance(loaded, nn.Sequential)
    assert info.metadata["features"] == ["x1", "x2", "x3"]
    assert info.metadata["target"] == "species"
    assert info.metadata["task"] == "classification"
    assert info.preprocessing["label_encoder"]["classes_"] == list(SPECIES)
    assert len(info.preprocessing["scaler"]["mean_"]) == 3

    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "Linear(in_features=3, out_features=16, bias=True)  (N, 16)  64" in out
    assert "parameters: 115 in 4 tensors" in out  # 3*16 + 16 + 16*3 + 3
    assert "0.weight: (16, 3) float32" in out
    assert "classes (3): setosa, versicolor, virginica" in out
    assert "features (3): x1, x2, x3" in out
    assert "training: flowers.csv, 160 training + 40 validation rows; 40 of 40 epochs;" in out

    # columns are matched by name: reorder them, drop the target, add an unused one
    new_rows = three_class_rows(30, seed=9)
    shuffled = [[row[2], "id", row[0], row[1]] for row in new_rows]
    new_data = write_csv(tmp_path / "new.csv", ["x3", "note", "x1", "x2"], shuffled)
    assert main(["predict", str(model), str(new_data)]) == 0
    out, err = capsys.readouterr()
    header, rows = _read_predictions(out)
    assert header == ["species", "probability"]
    assert len(rows) == 30
    assert {label for label, _ in rows} <= set(SPECIES)
    assert all(1 / 3 <= float(p) <= 1 for _, p in rows)
    truth = [row[3] for row in new_rows]
    assert np.mean([label == t for (label, _), t in zip(rows, truth)]) >= 0.8
    assert err == "note: ignoring columns the model does not use: note\n"

    assert main(["evaluate", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{data}: 200 rows, task classification\naccuracy ")
    assert float(out.split("accuracy ")[1][:6]) >= 0.85


def test_binary_numeric_labels_with_predictions_file(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "binary.csv", ["a", "b", "label"], binary_rows(150))
    model = tmp_path / "binary.safetensors"
    args = ["train", str(data), "--target", "label", "--out", str(model), "--epochs", "30"]
    assert main([*args, "--early-stopping", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "task: classification (the target 'label' holds 2 distinct whole numbers in 150 " in out
    assert "network 2-64-64-1 (relu), BCEWithLogitsLoss, adamw lr=0.001" in out
    assert "epoch 1/" not in out  # --quiet
    assert io.load_with_info(model)[1].preprocessing["label_encoder"]["classes_"] == [0, 1]

    predictions = tmp_path / "predictions.csv"
    assert main(["predict", str(model), str(data), "--out", str(predictions)]) == 0
    assert capsys.readouterr().out == f"wrote 150 predictions of 'label' to {predictions}\n"
    header, rows = _read_predictions(predictions.read_text(encoding="utf-8"))
    assert header == ["label", "probability"]
    assert {label for label, _ in rows} == {"0", "1"}  # decoded labels, not "0.0"
    truth = [str(row[2]) for row in binary_rows(150)]
    assert np.mean([label == t for (label, _), t in zip(rows, truth)]) >= 0.9
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "binary.csv",
        "binary.safetensors",
        "predictions.csv",
    ]  # no temporary files left behind

    assert main(["evaluate", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    accuracy, f1 = (float(part.split()[1]) for part in out.splitlines()[1].split(" - "))
    assert accuracy >= 0.9 and f1 >= 0.9


def test_regression_in_the_targets_units(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "y"], regression_rows(200))
    model = tmp_path / "reg.safetensors"
    args = ["train", str(data), "--target", "y", "--out", str(model), "--epochs", "60"]
    assert main([*args, "--hidden", "16", "--val-split", "0.25"]) == 0
    out = capsys.readouterr().out
    assert "task: regression (the target 'y' holds numbers with 199 distinct values in 200 " in out
    assert (
        "network 2-16-1 (relu), MSELoss, adamw lr=0.001 weight_decay=0.01, batch 16; 150 training "
        "rows, 50 validation" in out
    )
    assert " - mae " in out and " - val_mae " in out
    line = next(line for line in out.splitlines() if line.startswith("final validation"))
    values = dict(part.split() for part in line.split(": ", 1)[1].split(" - "))
    assert set(values) == {"mse", "mae", "r2"}
    assert float(values["r2"]) > 0.95

    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "task: regression" in out and "target: y" in out and "classes" not in out

    new = write_csv(tmp_path / "new.csv", ["v", "u"], [[0.0, 0.0], [0.5, -0.5]])
    assert main(["predict", str(model), str(new)]) == 0
    header, rows = _read_predictions(capsys.readouterr().out)
    assert header == ["y"]
    predicted = [float(row[0]) for row in rows]
    assert predicted == pytest.approx([10.0, 10.0 - 1.5 - 1.0], abs=0.3)  # in the target's units

    assert main(["evaluate", str(model), str(data)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("mse ")


def test_fill_missing_is_saved_and_reused_by_predict(tmp_path: Path, capsys: Capture) -> None:
    rows = regression_rows(60)
    rows[3][0] = ""
    rows[7][1] = "NaN"
    data = write_csv(tmp_path / "gaps.csv", ["u", "v", "y"], rows)
    model = tmp_path / "gaps.safetensors"
    args = ["train", str(data), "--target", "y", "--out", str(model), "--epochs", "3"]
    assert main([*args, "--fill-missing", "median", "--val-split", "0"]) == 0
    out = capsys.readouterr().out
    assert "filled 2 missing feature value(s) with the column median" in out
    fill = io.load_with_info(model)[1].preprocessing["fill_missing"]
    assert fill["strategy"] == "median"
    medians = np.nanmedian(
        np.array([[np.nan if c in ("", "NaN") else float(c) for c in r[:2]] for r in rows]), 0
    )
    assert fill["values"] == pytest.approx(medians.tolist())

    gaps = write_csv(tmp_path / "p.csv", ["u", "v"], [["", "0.5"], [medians[0], 0.5]])
    assert main(["predict", str(model), str(gaps)]) == 0
    _, predicted = _read_predictions(capsys.readouterr().out)
    assert predicted[0] == predicted[1]  # the empty cell got the saved median
    assert main(["info", str(model)]) == 0
    assert "missing feature values: filled with the training median" in capsys.readouterr().out


def test_same_seed_same_model(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "b.csv", ["a", "b", "label"], binary_rows(40))
    outputs = []
    for name in ("one", "two"):
        model = tmp_path / f"{name}.safetensors"
        args = ["train", str(data), "--target", "label", "--out", str(model), "--epochs", "3"]
        assert main([*args, "--seed", "7", "--quiet"]) == 0
        outputs.append(io.load_state_dict_file(model))
    capsys.readouterr()
    for key, value in outputs[0].items():
        np.testing.assert_array_equal(value.numpy(), outputs[1][key].numpy())
