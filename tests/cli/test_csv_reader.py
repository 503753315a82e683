"""The CSV reader's paths give one table: PyArrow read in one stream or in pieces on threads,
read whole when a column changes type, and the stdlib reader, with the same numbers, labels,
line numbers and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrograd.cli import csvdata
from retrograd.cli.common import CommandError

pa = pytest.importorskip("pyarrow")


def write(path: Path, header: str, lines: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def number_lines(n: int, seed: int = 0) -> list[str]:
    """`n` rows: three float features (some in exponent form), a whole-number one, a label."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return [
        f"{a:.6f},{b:.3e},{c:.9g},{i},{'yes' if a + b > 0 else 'no'}"
        for i, (a, b, c) in enumerate(X.tolist())
    ]


def in_pieces(monkeypatch: pytest.MonkeyPatch, threads: int = 3) -> None:
    """Make every file big enough to read in pieces, on `threads` threads."""
    monkeypatch.setattr(csvdata, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(pa, "cpu_count", lambda: threads)


def stdlib_table(path: str, monkeypatch: pytest.MonkeyPatch) -> csvdata.Table:
    with monkeypatch.context() as patch:
        patch.setattr(csvdata, "_pyarrow", lambda: None)
        return csvdata.read_csv(path)


def assert_same(table: csvdata.Table, expected: csvdata.Table, features: list[str]) -> None:
    assert table.columns == expected.columns and table.n_rows == expected.n_rows
    np.testing.assert_array_equal(
        csvdata.numeric_matrix(table, features), csvdata.numeric_matrix(expected, features)
    )
    label = table.columns[-1]
    assert (
        csvdata.label_array(table, label).tolist() == csvdata.label_array(expected, label).tolist()
    )


FEATURES = ["a", "b", "c", "i"]


def test_pieces_on_threads_give_the_stdlib_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "d.csv", "a,b,c,i,label", number_lines(3000))
    expected = stdlib_table(path, monkeypatch)
    in_pieces(monkeypatch)
    assert len(csvdata._pieces(path, Path(path).stat().st_size, False, 3)) == 6
    table = csvdata.read_csv(path, text_columns=["label"])
    assert table.block is not None and table.block_names == FEATURES
    assert_same(table, expected, FEATURES)
    assert table.line(2999) == 3001 and table.text(5, "i") == "5"


def test_the_feature_matrix_is_the_block_not_a_copy(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "a,b,c,i,label", number_lines(50))
    table = csvdata.read_csv(path, text_columns=["label"])
    X = csvdata.numeric_matrix(table, FEATURES)
    assert X is table.block and X.dtype == np.float64 and X.shape == (50, 4)
    some = csvdata.numeric_matrix(table, ["c", "a"])
    assert not np.shares_memory(some, X)
    np.testing.assert_array_equal(some, X[:, [2, 0]])


def test_short_lines_after_long_ones_overflow_the_guessed_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the rows are guessed from the first MiB's mean line length: here ten times too few
    long = [f"{k}.{'0' * 60},{k % 2}" for k in range(20_000)]
    short = [f"{k % 10},{k % 2}" for k in range(150_000)]
    path = write(tmp_path / "d.csv", "x,y", long + short)
    expected = stdlib_table(path, monkeypatch)
    table = csvdata.read_csv(path, text_columns=["y"])  # one stream, rows spill over
    assert_same(table, expected, ["x"])
    in_pieces(monkeypatch, threads=2)
    table = csvdata.read_csv(path, text_columns=["y"])  # a middle piece overflows
    assert_same(table, expected, ["x"])


def test_a_column_that_changes_type_after_the_first_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvdata, "STREAM_BLOCK_BYTES", 1 << 12)
    lines = [f"{k},{k % 3}" for k in range(2000)]
    lines[1500] = "7,2.5"  # the target: whole numbers, then a fraction
    lines[1700] = ",1"  # a feature: numbers, then an empty cell
    path = write(tmp_path / "d.csv", "x,y", lines)
    table = csvdata.read_csv(path, text_columns=["y"])
    assert csvdata.label_array(table, "y")[1500] == 2.5
    with pytest.raises(CommandError, match=r"line 1702: column 'x' is empty"):
        csvdata.numeric_matrix(table, ["x"])
    X = csvdata.numeric_matrix(table, ["x"], allow_missing=True)
    assert np.isnan(X[1700, 0]) and np.count_nonzero(np.isnan(X)) == 1


def test_huge_whole_numbers_after_the_first_block_keep_their_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvdata, "STREAM_BLOCK_BYTES", 1 << 12)
    lines = [f"{k},{k % 3}" for k in range(2000)]
    lines[1999] = f"1,{2**53 + 1}"
    path = write(tmp_path / "d.csv", "x,y", lines)
    table = csvdata.read_csv(path, text_columns=["y"])
    assert csvdata.label_array(table, "y", numeric=False)[1999] == str(2**53 + 1)


def test_quoted_cells_are_read_in_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f'{k},"{k % 2}"' for k in range(1000)] + ['5,"two\nlines"']
    path = write(tmp_path / "d.csv", "x,y", lines)
    in_pieces(monkeypatch)
    table = csvdata.read_csv(path, text_columns=["y"])
    assert table.n_rows == 1001 and csvdata.label_array(table, "y")[-1] == "two\nlines"
    assert table.line(1000) == 1003  # the line where the record ends, as csv.reader counts


def test_chunked_reading_in_pieces_keeps_missing_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [f"{k},{k % 2}" for k in range(3000)]
    lines[2500] = "NA,1"
    path = write(tmp_path / "d.csv", "x,y", lines)
    in_pieces(monkeypatch)
    table = csvdata.read_csv(path, chunk_rows=100, text_columns=["y"])
    X = csvdata.numeric_matrix(table, ["x"], allow_missing=True)
    assert X.dtype == np.float32 and np.isnan(X[2500, 0]) and X[2999, 0] == 2999
    with pytest.raises(CommandError, match=r"line 2502: column 'x' holds the missing value 'NA'"):
        csvdata.numeric_matrix(table, ["x"])


@pytest.mark.parametrize("reader", ["arrow", "stdlib"])
def test_text_cells_parse_as_float_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    cells = ["1_000", " 2.5e3", "-.5", "+7", "NA", "", "-999", "\u0661\u0662", "nan"]
    path = write(tmp_path / "d.csv", "x,y", [f"{cell},{k}" for k, cell in enumerate(cells)])
    if reader == "stdlib":
        monkeypatch.setattr(csvdata, "_pyarrow", lambda: None)
    table = csvdata.read_csv(path)
    X = csvdata.numeric_matrix(table, ["x"], allow_missing=True, na_values=["-999"])
    nan = np.nan
    np.testing.assert_array_equal(X[:, 0], [1000, 2500, -0.5, 7, nan, nan, nan, 12, nan])
    with pytest.raises(CommandError, match=r"line 6: column 'x' holds the missing value 'NA'"):
        csvdata.numeric_matrix(table, ["x"])
    path = write(tmp_path / "e.csv", "x,y", ["1,0", "-nan,1"])
    with pytest.raises(CommandError, match=r"line 3: column 'x' holds '-nan', not a number"):
        csvdata.numeric_matrix(csvdata.read_csv(path), ["x"])


@pytest.mark.parametrize("reader", ["arrow", "stdlib"])
def test_text_labels_that_are_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: str
) -> None:
    if reader == "stdlib":
        monkeypatch.setattr(csvdata, "_pyarrow", lambda: None)
    path = write(tmp_path / "d.csv", "x,y", ["1, 3", "2,1_0", "3,+4"])
    labels = csvdata.label_array(csvdata.read_csv(path, text_columns=["y"]), "y")
    assert labels.dtype == np.int64 and labels.tolist() == [3, 10, 4]
    path = write(tmp_path / "e.csv", "x,y", ["1,3", "2,inf", "3,4"])
    table = csvdata.read_csv(path, text_columns=["y"])
    assert csvdata.label_array(table, "y").tolist() == ["3", "inf", "4"]
    with pytest.raises(CommandError, match=r"line 3: the target column 'y' holds 'inf'"):
        csvdata.label_array(table, "y", numeric=True)
