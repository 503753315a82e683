"""Bad input to `retrograd train/predict/evaluate/info`: one line on stderr, a non-zero exit
status (1 for bad data or files, 2 for bad usage), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrograd import io, nn
from retrograd.cli import main

from .csv_files import binary_rows, three_class_rows, write_csv

Capture = pytest.CaptureFixture[str]
SRC = Path(__file__).resolve().parents[2] / "src"


def fails(args: list[str], capsys: Capture, status: int = 1) -> str:
    """Run the command, check it fails with `status` and one stderr line; return that line."""
    assert main(args) == status
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.strip()


@pytest.fixture
def trained(tmp_path: Path, capsys: Capture) -> Path:
    """A binary model trained on features a, b without --fill-missing."""
    data = write_csv(tmp_path / "train.csv", ["a", "b", "label"], binary_rows(40))
    model = tmp_path / "model.safetensors"
    args = ["train", str(data), "--target", "label", "--out", str(model), "--epochs", "2"]
    assert main([*args, "--quiet"]) == 0
    capsys.readouterr()
    return model


def train_args(data: Path, tmp_path: Path, target: str = "y") -> list[str]:
    out = tmp_path / "out.safetensors"
    return ["train", str(data), "--target", target, "--out", str(out), "--epochs", "1"]


# ----------------------------------------------------------------------------- data files
def test_missing_file(tmp_path: Path, capsys: Capture) -> None:
    data = tmp_path / "nope.csv"
    assert fails(train_args(data, tmp_path), capsys) == f"error: data file {data} does not exist"


def test_directory_instead_of_file(tmp_path: Path, capsys: Capture) -> None:
    message = fails(train_args(tmp_path, tmp_path), capsys)
    assert message == f"error: data file {tmp_path} is a directory, not a CSV file"


def test_empty_file(tmp_path: Path, capsys: Capture) -> None:
    data = tmp_path / "empty.csv"
    data.write_text("", encoding="utf-8")
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data} is empty: expected a header line naming the columns, then one row per "
        "sample"
    )


def test_header_without_rows(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "h.csv", ["x", "y"], [])
    assert (
        fails(train_args(data, tmp_path), capsys) == f"error: {data} has a header but no data rows"
    )


def test_no_header(tmp_path: Path, capsys: Capture) -> None:
    data = tmp_path / "noheader.csv"
    data.write_text("1,2,0\n3,4,1\n", encoding="utf-8")
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data} has no header: its first line (1,2,0) holds numbers, not column names; "
        "add a line naming the columns"
    )


def test_binary_file(tmp_path: Path, capsys: Capture) -> None:
    data = tmp_path / "image.csv"
    data.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x01")
    message = fails(train_args(data, tmp_path), capsys)
    assert message == f"error: {data} is not a UTF-8 text file (is it a CSV file?)"


def test_duplicate_column(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "d.csv", ["x", "x", "y"], [[1, 2, 0]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 1: the column name 'x' appears twice in the header (columns 1 and 2)"
    )


def test_missing_target_lists_the_columns(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "label"], binary_rows(10))
    assert fails(train_args(data, tmp_path, target="class"), capsys) == (
        f"error: {data} has no target column 'class'; its columns are: 'a', 'b', 'label'"
    )


def test_only_the_target_column(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["y"], [[1], [0]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data} has no feature columns: its only column is the target 'y'"
    )


def test_non_numeric_feature_names_line_and_column(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], [[1, 2, 0], [3, "tall", 1], [5, 6, 0]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 3: column 'b' holds 'tall', not a number (feature columns must "
        "be numeric)"
    )


def test_infinite_feature(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, 0], ["inf", 1]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 3: column 'a' holds 'inf', not a finite number"
    )


def test_ragged_row(tmp_path: Path, capsys: Capture) -> None:
    data = tmp_path / "ragged.csv"
    data.write_text("a,b,y\n1,2,0\n\n3,4,1\n5,1\n", encoding="utf-8")
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 5: expected 3 fields (as in the header), got 2"
    )


@pytest.mark.parametrize(
    ("cell", "shown"), [("", "is empty"), ("NaN", "holds the missing value 'NaN'")]
)
def test_missing_feature_value_is_an_error_by_default(
    tmp_path: Path, capsys: Capture, cell: str, shown: str
) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], [[1, 2, 0], [3, 4, 1], [cell, 6, 0]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 4: column 'a' {shown}; fill it in, or pass --fill-missing "
        "mean|median to impute missing values"
    )


def test_fill_missing_with_an_empty_column(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "y"], [[1, "", 0], [3, "", 1], [4, "", 0]])
    message = fails([*train_args(data, tmp_path), "--fill-missing", "mean"], capsys)
    assert message == (
        f"error: {data}: column 'b' has no values at all, so --fill-missing mean has nothing to "
        "compute a fill value from"
    )


def test_missing_target_value(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, 0], [2, ""], [3, 1]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}, line 3: the target column 'y' is empty; every row needs a target"
    )


def test_target_with_one_class(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, "cat"], [2, "cat"], [3, "cat"]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data}: the target 'y' has only one class ('cat'); a classifier needs at least two"
    )


def test_regression_needs_a_numeric_target(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, 2.5], [2, "big"]])
    message = fails([*train_args(data, tmp_path), "--task", "regression"], capsys)
    assert message == (
        f"error: {data}, line 3: the target column 'y' holds 'big', not a number (a regression "
        "target must be numeric)"
    )


def test_too_few_rows_to_split(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, 2.5]])
    assert fails(train_args(data, tmp_path), capsys) == (
        f"error: {data} has 1 data row(s): too few to hold out 0.2 for validation and train on "
        "the rest; give more rows or a smaller --val-split"
    )


# ------------------------------------------------------------------------------ outputs
def test_train_output_exists(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "label"], binary_rows(10))
    out = tmp_path / "out.safetensors"
    out.write_bytes(b"precious")
    assert fails(train_args(data, tmp_path, "label"), capsys) == (
        f"error: {out} already exists; pass --force to overwrite it"
    )
    assert out.read_bytes() == b"precious"
    assert main([*train_args(data, tmp_path, "label"), "--force", "--quiet"]) == 0
    assert io.load(out) is not None


def test_plot_output_exists(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "label"], binary_rows(10))
    plot = tmp_path / "curves.png"
    plot.write_bytes(b"old")
    message = fails([*train_args(data, tmp_path, "label"), "--plot", str(plot)], capsys)
    assert message == f"error: {plot} already exists; pass --force to overwrite it"
    assert not (tmp_path / "out.safetensors").exists()  # checked before any training


def test_output_folder_missing(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "b", "label"], binary_rows(10))
    out = tmp_path / "no" / "such" / "m.safetensors"
    args = ["train", str(data), "--target", "label", "--out", str(out)]
    assert fails(args, capsys) == (f"error: --out {out}: the folder {out.parent} does not exist")


def test_predict_output_exists(tmp_path: Path, trained: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "p.csv", ["a", "b"], [[1, 2]])
    out = tmp_path / "pred.csv"
    out.write_text("keep", encoding="utf-8")
    args = ["predict", str(trained), str(data), "--out", str(out)]
    assert fails(args, capsys) == f"error: {out} already exists; pass --force to overwrite it"
    assert out.read_text(encoding="utf-8") == "keep"
    assert main([*args, "--force"]) == 0
    assert out.read_text(encoding="utf-8").startswith("label,probability\n")


# ------------------------------------------------------------------------ predict time
def test_predict_missing_feature_column(tmp_path: Path, trained: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "p.csv", ["a", "c"], [[1, 2]])
    assert fails(["predict", str(trained), str(data)], capsys) == (
        f"error: {data} has no feature column 'b'; its columns are: 'a', 'c'"
    )


def test_predict_fewer_columns(tmp_path: Path, trained: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "p.csv", ["x"], [[1]])
    assert fails(["evaluate", str(trained), str(data)], capsys) == (
        f"error: {data} has no target column 'label'; its columns are: 'x'"
    )
    assert fails(["predict", str(trained), str(data)], capsys) == (
        f"error: {data} has no feature columns 'a', 'b'; its columns are: 'x'"
    )


def test_predict_missing_value_without_fill(tmp_path: Path, trained: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "p.csv", ["a", "b"], [[1, 2], [3, ""]])
    assert fails(["predict", str(trained), str(data)], capsys) == (
        f"error: {data}, line 3: column 'b' is empty; the model was trained without "
        "--fill-missing, so every feature needs a value"
    )


def test_evaluate_unknown_label(tmp_path: Path, capsys: Capture) -> None:
    data = write_csv(tmp_path / "t.csv", ["x1", "x2", "x3", "species"], three_class_rows(30))
    model = tmp_path / "m.safetensors"
    args = ["train", str(data), "--target", "species", "--out", str(model), "--epochs", "1"]
    assert main([*args, "--quiet"]) == 0
    capsys.readouterr()
    other = write_csv(tmp_path / "o.csv", ["x1", "x2", "x3", "species"], [[0, 0, 0, "rose"]])
    assert fails(["evaluate", str(model), str(other)], capsys) == (
        f"error: {other}: the target 'species' holds labels the model was not trained on: "
        "rose; its classes are: setosa, versicolor, virginica"
    )


# ---------------------------------------------------------------------------- model files
@pytest.mark.parametrize("command", ["info", "predict", "evaluate"])
def test_missing_model_file(tmp_path: Path, capsys: Capture, command: str) -> None:
    data = write_csv(tmp_path / "p.csv", ["a", "b", "label"], [[1, 2, 0]])
    model = tmp_path / "none.safetensors"
    args = [command, str(model)] + ([] if command == "info" else [str(data)])
    assert fails(args, capsys) == f"error: model file {model} does not exist"


@pytest.mark.parametrize("command", ["info", "predict", "evaluate"])
def test_hostile_model_file(tmp_path: Path, capsys: Capture, command: str) -> None:
    data = write_csv(tmp_path / "p.csv", ["a", "b", "label"], [[1, 2, 0]])
    model = tmp_path / "evil.safetensors"
    model.write_bytes((10**12).to_bytes(8, "little") + b'{"__metadata__": {}}')
    args = [command, str(model)] + ([] if command == "info" else [str(data)])
    message = fails(args, capsys)
    assert message.startswith(f"error: {model}: ")
    assert "header" in message


def test_model_file_not_from_train(tmp_path: Path, capsys: Capture) -> None:
    model = tmp_path / "plain.safetensors"
    io.save(nn.Sequential(nn.Linear(2, 1)), model)
    data = write_csv(tmp_path / "p.csv", ["a", "b"], [[1, 2]])
    assert fails(["predict", str(model), str(data)], capsys) == (
        f"error: {model}: it has no feature names, target or task in its metadata; it was not "
        "written by `retrograd train` (or was altered since)"
    )
    assert main(["info", str(model)]) == 0  # info describes any model file
    out = capsys.readouterr().out
    assert "parameters: 3 in 2 tensors" in out


def test_model_file_with_inconsistent_metadata(
    tmp_path: Path, trained: Path, capsys: Capture
) -> None:
    model, info = io.load_with_info(trained)
    altered = tmp_path / "altered.safetensors"
    metadata = {**info.metadata, "features": ["a", "b", "c"]}
    io.save(model, altered, preprocessing=info.preprocessing, metadata=metadata)
    data = write_csv(tmp_path / "p.csv", ["a", "b", "c"], [[1, 2, 3]])
    assert fails(["predict", str(altered), str(data)], capsys) == (
        f"error: {altered}: its model takes 2 inputs but it names 3 features; it was not "
        "written by `retrograd train` (or was altered since)"
    )


# --------------------------------------------------------------------------- usage errors
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "d.csv", "--out", "m.safetensors"], "required: --target"),
        (["train", "d.csv", "--target", "y"], "required: --out"),
        (["train", "d.csv", "--target", "y", "--out", "m", "--hidden", "32,x"], "--hidden:"),
        (["train", "d.csv", "--target", "y", "--out", "m", "--val-split", "1"], "--val-split:"),
        (["train", "d.csv", "--target", "y", "--out", "m", "--fill-missing", "zero"], "invalid"),
        (["predict", "m.safetensors"], "required: DATA.csv"),
        (["info"], "required: MODEL.safetensors"),
    ],
)
def test_bad_usage_exits_2(args: list[str], message: str, capsys: Capture) -> None:
    assert message in fails(args, capsys, status=2)


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "t.csv", ["a", "y"], [[1, 0], ["x", 1]])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    args = ["train", str(data), "--target", "y", "--out", str(tmp_path / "m.safetensors")]
    done = subprocess.run(
        [sys.executable, "-m", "retrograd", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {data}, line 3: column 'a' holds 'x', not a number (feature columns must be "
        "numeric)\n"
    )


def test_model_file_with_a_bad_scaler(tmp_path: Path, trained: Path, capsys: Capture) -> None:
    model, info = io.load_with_info(trained)
    altered = tmp_path / "altered.safetensors"
    scaler = {**info.preprocessing["scaler"], "mean_": ["x", "y"]}
    io.save(
        model,
        altered,
        preprocessing={**info.preprocessing, "scaler": scaler},
        metadata=info.metadata,
    )
    data = write_csv(tmp_path / "p.csv", ["a", "b"], [[1, 2]])
    assert fails(["predict", str(altered), str(data)], capsys) == (
        f"error: {altered}: its preprocessing state is incomplete or invalid (could not convert "
        "string to float: 'x'); it was not written by `retrograd train` (or was altered since)"
    )
    scaler = {**info.preprocessing["scaler"], "mean_": [0.0, 1.0, 2.0]}
    io.save(
        model,
        altered,
        preprocessing={**info.preprocessing, "scaler": scaler},
        metadata=info.metadata,
    )
    assert fails(["predict", str(altered), str(data)], capsys) == (
        f"error: {altered}: its feature scaler does not match its feature names; it was not "
        "written by `retrograd train` (or was altered since)"
    )
