"""The commands on model files someone altered: a label encoder that declares a huge string
width, training metadata of unexpected types, names holding terminal escape sequences, a FIFO
given as the model; and target labels that only look like missing values."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrograd.cli import main
from retrograd.cli.info import describe
from retrograd.data import LabelEncoder
from retrograd.errors import StateDictError

from .csv_files import three_class_rows, write_csv

Capture = pytest.CaptureFixture[str]
MiB = 1 << 20
ESC = "\x1b"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A three-class model (features x1..x3, target species) and its data."""
    folder = tmp_path_factory.mktemp("trained")
    header = ["x1", "x2", "x3", "species"]
    data = write_csv(folder / "data.csv", header, three_class_rows(60))
    model = folder / "model.safetensors"
    args = ["train", str(data), "--target", "species", "--out", str(model), "--hidden", "4"]
    assert main([*args, "--epochs", "2", "--quiet"]) == 0
    return model, data


def altered(source: Path, target: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of model file `source` whose decoded `__metadata__` entries `change` edits."""
    content = source.read_bytes()
    length = int.from_bytes(content[:8], "little")
    header = json.loads(content[8 : 8 + length])
    plain = ("format", "content", "format_version")  # plain strings, not JSON
    entries = {
        key: value if key in plain else json.loads(value)
        for key, value in header["__metadata__"].items()
    }
    change(entries)
    header["__metadata__"] = {
        key: value if key in plain else json.dumps(value) for key, value in entries.items()
    }
    raw = json.dumps(header).encode()
    target.write_bytes(len(raw).to_bytes(8, "little") + raw + content[8 + length :])
    return target


# ------------------------------------------------------------------------ label encoder state
def test_label_encoder_width_comes_from_the_labels_not_the_file() -> None:
    """A declared width of 4,000,000 characters: 16 MB per label if trusted."""
    state = {"type": "LabelEncoder", "classes_": ["a", "bc"], "dtype": "<U4000000"}
    tracemalloc.start()
    try:
        encoder = LabelEncoder.from_state_dict(state)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MiB, f"{peak / MiB:.1f} MiB"
    assert encoder.classes_ is not None and encoder.classes_.dtype == np.dtype("<U2")


@pytest.mark.parametrize(
    ("dtype", "fragment"),
    [
        ("O", "not a plain bool, integer, float or string dtype"),
        ("(1000000,)f8", "not a plain"),
        ([["a", "<f8"]], "must be a short dtype string"),
        ("<U8", "needs string classes"),
        ("nonsense", "is not a NumPy dtype"),
    ],
)
def test_label_encoder_dtype_is_checked(dtype: Any, fragment: str) -> None:
    classes = [1, 2] if dtype == "<U8" else ["a", "b"]
    with pytest.raises(StateDictError, match=fragment):
        LabelEncoder.from_state_dict({"type": "LabelEncoder", "classes_": classes, "dtype": dtype})


def test_info_and_predict_on_a_huge_declared_label_width(
    trained: tuple[Path, Path], tmp_path: Path, capsys: Capture
) -> None:
    model, data = trained

    def widen(entries: dict[str, Any]) -> None:
        entries["preprocessing"]["label_encoder"]["dtype"] = "<U4000000"

    path = altered(model, tmp_path / "wide.safetensors", widen)
    tracemalloc.start()
    try:
        text = describe(str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB, f"{peak / MiB:.1f} MiB"
    assert "classes (3): setosa, versicolor, virginica" in text
    assert main(["predict", str(path), str(data)]) == 0
    assert capsys.readouterr().out.startswith("species,probability\n")


# ------------------------------------------------------------------------ metadata of any type
@pytest.mark.parametrize(
    ("final", "shown"),
    [
        ("oops", "final metrics (not in the layout retrograd train writes): oops"),
        ([1, 2], "final metrics (not in the layout retrograd train writes): [1, 2]"),
        (None, "final metrics (not in the layout retrograd train writes): null"),
        (
            {"train": {"accuracy": "high", "f1": 0.5}},
            "final train metrics: accuracy high - f1 0.5000",
        ),
        (
            {"train": [1]},
            'final metrics (not in the layout retrograd train writes): {"train": [1]}',
        ),
    ],
)
def test_info_prints_final_metrics_of_any_type(
    trained: tuple[Path, Path], tmp_path: Path, capsys: Capture, final: Any, shown: str
) -> None:
    def replace(entries: dict[str, Any]) -> None:
        entries["metadata"]["final_metrics"] = final
        entries["metadata"]["training"] = ["not", "a", "dict"]

    path = altered(trained[0], tmp_path / "m.safetensors", replace)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert shown in out.splitlines()
    assert 'training (not in the layout retrograd train writes): ["not", "a", "dict"]' in out


# ------------------------------------------------------------------------ escapes in names
def test_escape_sequences_in_names_are_printed_escaped(
    trained: tuple[Path, Path], tmp_path: Path, capsys: Capture
) -> None:
    model, data = trained

    def rename(entries: dict[str, Any]) -> None:
        entries["metadata"]["features"][0] = f"x1{ESC}[2J"
        entries["metadata"]["target"] = f"species{ESC}]0;owned\x07"
        entries["metadata"]["training"]["data"] = f"d{ESC}[31m.csv"
        entries["preprocessing"]["label_encoder"]["classes_"][0] = f"setosa{ESC}[1A\r"

    path = altered(model, tmp_path / "m.safetensors", rename)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert ESC not in out and "\x07" not in out and "\r" not in out
    assert "features (3): x1\\x1b[2J, x2, x3" in out
    assert "target: species\\x1b]0;owned\\x07" in out
    assert "setosa\\x1b[1A\\r, versicolor" in out
    assert "training: d\\x1b[31m.csv, " in out
    # evaluate's error names labels of the data file and classes of the model file

    def rename_class(entries: dict[str, Any]) -> None:
        entries["preprocessing"]["label_encoder"]["classes_"][0] = f"setosa{ESC}[1A\r"

    path = altered(model, tmp_path / "n.safetensors", rename_class)
    assert main(["evaluate", str(path), str(data)]) == 1
    captured = capsys.readouterr()
    assert ESC not in captured.out + captured.err
    assert "setosa\\x1b[1A\\r" in captured.err


# ------------------------------------------------------------------------ a FIFO as the model
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_info_on_a_fifo_fails_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "retrograd", "info", str(fifo)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("retrograd info blocked on a FIFO")
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {fifo}: is a FIFO (named pipe); a model, weights or checkpoint file must be a "
        "file\n"
    )


# ------------------------------------------------------------------------ labels like NA
def test_target_labels_that_look_missing_are_labels(tmp_path: Path, capsys: Capture) -> None:
    """Country codes and categories: NA (Namibia), None, null and ? are labels of the target;
    only an empty target cell is missing."""
    labels = ["NA", "None", "null", "?"]
    rows = [[i % 7, (i * 3) % 5, labels[i % 4]] for i in range(80)]
    data = write_csv(tmp_path / "countries.csv", ["a", "b", "country"], rows)
    model = tmp_path / "m.safetensors"
    args = ["train", str(data), "--target", "country", "--out", str(model), "--epochs", "2"]
    assert main([*args, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    assert "classes (4): ?, NA, None, null" in capsys.readouterr().out
    assert main(["evaluate", str(model), str(data)]) == 0
    empty = write_csv(tmp_path / "empty.csv", ["a", "b", "country"], [*rows[:5], [1, 2, ""]])
    assert main(["evaluate", str(model), str(empty)]) == 1
    assert "line 7: the target column 'country' is empty" in capsys.readouterr().err
