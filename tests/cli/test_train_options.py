"""`retrograd train` options: --help, --metric, --test, --cv, --class-weight, --loss,
--weight-decay, --dropout, --na-values, --chunk-rows; and the automatic settings."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from retrograd import io
from retrograd.cli import csvdata, main
from retrograd.train.tabular import tabular_settings

from .csv_files import binary_rows, regression_rows, three_class_rows, write_csv

Capture = pytest.CaptureFixture[str]


def train(data: Path, target: str, out: Path, *extra: str) -> list[str]:
    return ["train", str(data), "--target", target, "--out", str(out), "--quiet", *extra]


def test_help_states_each_default_once(capsys: Capture) -> None:
    assert main(["train", "--help"]) == 0
    text = capsys.readouterr().out.split("options:")[1]
    assert "(default: None)" not in text
    entries = re.split(r"\n(?=  -)", text)  # an option's entry starts a line
    options = [" ".join(entry.split()) for entry in entries]
    for option in options:
        assert option.count("default") <= 1, option
    for name in ("--hidden", "--lr", "--epochs", "--batch-size", "--early-stopping"):
        entry = next(o for o in options if o.startswith(name + " "))
        assert "(default: auto" in entry, entry


def test_auto_settings_scale_with_the_rows() -> None:
    small, big = tabular_settings(100, 4), tabular_settings(50_000, 20)
    assert small.batch_size == 16 and big.batch_size == 256
    assert small.hidden == (64, 64) and big.hidden == (128, 128)
    assert tabular_settings(1_000, 200).hidden == (256, 256)
    assert small.max_epochs > big.max_epochs
    with pytest.raises(ValueError, match="at least one row"):
        tabular_settings(0, 3)


def test_default_run_stops_early_and_keeps_the_best_weights(
    tmp_path: Path, capsys: Capture
) -> None:
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "y"], regression_rows(120))
    model = tmp_path / "reg.safetensors"
    assert main(train(data, "y", model)) == 0
    out = capsys.readouterr().out
    assert "network 2-64-64-1 (relu), MSELoss, adamw lr=0.001 weight_decay=0.01, batch 16" in out
    assert re.search(
        r"early stopping: no better validation loss for 40 epochs: stopped after epoch \d+; "
        r"kept the weights of epoch \d+ \(validation loss [\d.]+\)",
        out,
    )
    training = io.load_with_info(model)[1].metadata["training"]
    assert training["early_stopping"] == 40 and training["optimizer"] == "adamw"


def test_metric_test_file_and_cv(tmp_path: Path, capsys: Capture) -> None:
    rows = three_class_rows(240)
    header = ["x1", "x2", "x3", "species"]
    data = write_csv(tmp_path / "train.csv", header, rows[:180])
    test = write_csv(tmp_path / "test.csv", header, rows[180:])
    model = tmp_path / "m.safetensors"
    args = train(data, "species", model, "--metric", "balanced_accuracy,f1", "--test", str(test))
    assert main([*args, "--cv", "3", "--epochs", "30", "--lr", "0.01"]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"cv fold \d/3 \(60 rows\): balanced_accuracy [\d.]+ - f1 ", out)) == 3
    assert "cv mean ± std over 3 folds: balanced_accuracy " in out
    assert "validation balanced_accuracy" in out
    line = next(line for line in out.splitlines() if line.startswith("final test metrics"))
    assert line.startswith("final test metrics (60 rows): balanced_accuracy ")
    assert float(line.split("balanced_accuracy ")[1][:6]) > 0.7
    final = io.load_with_info(model)[1].metadata["final_metrics"]
    assert set(final) == {"train", "validation", "test"}


def test_options_must_fit_the_task(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "y"], regression_rows(60))
    out = tmp_path / "m.safetensors"
    assert main(train(data, "y", out, "--class-weight", "balanced")) == 1
    assert "--class-weight balanced needs a classification task" in capsys.readouterr().err
    assert main(train(data, "y", out, "--metric", "accuracy")) == 1
    assert "--metric accuracy does not apply to regression" in capsys.readouterr().err
    assert main(train(data, "y", out, "--loss", "cross_entropy")) == 1
    assert "is a classification loss, but the task is regression" in capsys.readouterr().err
    assert main(train(data, "y", out, "--metric", "auc")) == 2
    assert "unknown metric 'auc'" in capsys.readouterr().err


def test_regression_losses_class_weight_dropout(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "reg.csv", ["u", "v", "y"], regression_rows(80))
    for loss, name in (("mae", "L1Loss"), ("huber", "HuberLoss")):
        out = tmp_path / f"{loss}.safetensors"
        assert main(train(data, "y", out, "--loss", loss, "--epochs", "3")) == 0
        assert f", {name}, " in capsys.readouterr().out
    rows = [[a, b, y] for a, b, y in binary_rows(200) if y == 0 or a > 1.0]
    binary = write_csv(tmp_path / "bin.csv", ["a", "b", "y"], rows)
    out = tmp_path / "bin.safetensors"
    extra = (
        "--class-weight",
        "balanced",
        "--dropout",
        "0.2",
        "--weight-decay",
        "0",
        "--epochs",
        "3",
    )
    assert main(train(binary, "y", out, *extra)) == 0
    text = capsys.readouterr().out
    assert "(relu, dropout 0.2), BCEWithLogitsLoss, adamw lr=0.001, batch" in text
    assert "Dropout" in repr(io.load(out))


def test_na_values_mark_missing_cells(tmp_path: Path, capsys: Capture) -> None:
    rows = [[*row[:2], row[2]] for row in binary_rows(40)]
    rows[5][0] = "-"
    data = write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    out = tmp_path / "m.safetensors"
    assert main(train(data, "y", out)) == 1
    assert "line 7: column 'a' holds '-', not a number" in capsys.readouterr().err
    assert main(train(data, "y", out, "--na-values", "-", "--fill-missing", "mean")) == 0
    assert "filled 1 missing feature value(s)" in capsys.readouterr().out
    rows[5][0], rows[9][2] = 0.5, "unknown"
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], rows)
    assert main(train(data, "y", out, "--na-values", "unknown", "--force")) == 1
    err = capsys.readouterr().err
    assert "line 11: the target column 'y' holds the missing value 'unknown'" in err


TRICKY = '\ufeff a ,b,label\n1, 2.5 ,x\n\n3,"4",  y \n5,1e3,2020-01-01\n6,7,"two\nlines"\n'


def test_arrow_and_stdlib_readers_agree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tricky.csv"
    path.write_text(TRICKY, encoding="utf-8")
    fast = csvdata.read_csv(str(path))
    monkeypatch.setattr(csvdata, "_pyarrow", lambda: None)
    slow = csvdata.read_csv(str(path))
    assert fast.columns == slow.columns == ["a", "b", "label"]
    assert fast.n_rows == slow.n_rows == 4
    for table in (fast, slow):
        X = csvdata.numeric_matrix(table, ["a", "b"])
        np.testing.assert_array_equal(X, [[1, 2.5], [3, 4], [5, 1000], [6, 7]])
        labels = csvdata.label_array(table, "label").tolist()
        assert labels == ["x", "y", "2020-01-01", "two\nlines"]
        assert [table.line(i) for i in range(4)] == [2, 4, 5, 7]
        assert table.rows[1] == ["3", "4", "y"]


def test_chunked_reading_keeps_float32_numbers(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "d.csv", ["a", "b", "y"], binary_rows(500))
    table = csvdata.read_csv(str(data), chunk_rows=64, text_columns=["y"])
    whole = csvdata.read_csv(str(data))
    X = csvdata.numeric_matrix(table, ["a", "b"])
    assert X.dtype == np.float32 and X.shape == (500, 2)
    np.testing.assert_array_equal(X, csvdata.numeric_matrix(whole, ["a", "b"]).astype(np.float32))
    assert csvdata.label_array(table, "y").tolist() == csvdata.label_array(whole, "y").tolist()
    out = tmp_path / "m.safetensors"
    assert main(train(data, "y", out, "--chunk-rows", "100", "--epochs", "2")) == 0
