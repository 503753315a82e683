"""The PyArrow reader's layout of a file: each piece's rows go where its line ends say, and
files whose rows do not match their line ends (blank lines, lines ended by a lone carriage
return, no line end at the end) give the stdlib reader's table all the same."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrograd.cli import csvdata
from retrograd.cli.common import CommandError

pa = pytest.importorskip("pyarrow")


def in_pieces(monkeypatch: pytest.MonkeyPatch, threads: int = 3) -> None:
    """Make every file big enough to read in pieces, on `threads` threads."""
    monkeypatch.setattr(csvdata, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(pa, "cpu_count", lambda: threads)


def rows(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [f"{a:.6f},{b:.3e},{k % 3}" for k, (a, b) in enumerate(rng.normal(size=(n, 2)))]


def tables(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[csvdata.Table, csvdata.Table]:
    """The file read by the stdlib reader, then by PyArrow in pieces."""
    with monkeypatch.context() as patch:
        patch.setattr(csvdata, "_pyarrow", lambda: None)
        expected = csvdata.read_csv(str(path), text_columns=["y"])
    in_pieces(monkeypatch)
    return expected, csvdata.read_csv(str(path), text_columns=["y"])


def assert_same(table: csvdata.Table, expected: csvdata.Table) -> None:
    assert table.n_rows == expected.n_rows
    np.testing.assert_array_equal(
        csvdata.numeric_matrix(table, ["a", "b"]), csvdata.numeric_matrix(expected, ["a", "b"])
    )
    assert csvdata.label_array(table, "y").tolist() == csvdata.label_array(expected, "y").tolist()
    assert [table.line(r) for r in (0, table.n_rows - 1)] == [
        expected.line(r) for r in (0, expected.n_rows - 1)
    ]


def test_the_matrix_is_exactly_the_rows_of_the_line_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "\n".join(rows(3000)) + "\n")
    layout = csvdata._layout(str(path), path.stat().st_size, 3)
    assert layout.rows == [3000 + 1] and not layout.newlines  # + a last line without \n
    expected, table = tables(path, monkeypatch)
    layout = csvdata._layout(str(path), path.stat().st_size, 3)
    assert len(layout.pieces) == 6 and sum(layout.rows) == 3000 + 1
    assert table.block is not None and table.block.shape == (3000, 2)
    assert_same(table, expected)


@pytest.mark.parametrize("ending", ["\n", ""])
def test_blank_lines_leave_rows_that_are_closed_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    lines = rows(3000)
    for k in range(0, 3000, 7):
        lines[k] += "\n"  # a blank line after every 7th row
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n\n" + "\n".join(lines) + ending)
    expected, table = tables(path, monkeypatch)
    assert_same(table, expected)
    assert table.block is not None and table.block.shape == (3000, 2)


def test_lines_ended_by_a_carriage_return_overflow_a_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the first half ends its lines with a lone \r, which the line-end count does not see
    path = tmp_path / "d.csv"
    lines = rows(4000)
    path.write_bytes(
        ("a,b,y\r" + "\r".join(lines[:2000]) + "\n" + "\n".join(lines[2000:])).encode()
    )
    expected, table = tables(path, monkeypatch)
    assert_same(table, expected)


def test_a_number_that_is_not_finite_in_a_later_piece_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = rows(3000)
    lines[2500] = "inf,1.0,2"
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "\n".join(lines) + "\n")
    expected, table = tables(path, monkeypatch)
    assert not table.block_finite
    with pytest.raises(CommandError, match=r"line 2502: column 'a' holds 'inf', not a finite"):
        csvdata.numeric_matrix(table, ["a", "b"])
    with pytest.raises(CommandError, match=r"line 2502: column 'a' holds 'inf', not a finite"):
        csvdata.numeric_matrix(expected, ["a", "b"])


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")
def test_the_chunked_float32_matrix_checks_numbers_too_big_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = rows(3000)
    lines[10] = "1e300,1.0,2"  # finite as float64, infinite as float32
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n" + "\n".join(lines) + "\n")
    in_pieces(monkeypatch)
    table = csvdata.read_csv(str(path), chunk_rows=100, text_columns=["y"])
    assert not table.block_finite
    with pytest.raises(CommandError, match=r"line 12: column 'a' holds '1e300', not a finite"):
        csvdata.numeric_matrix(table, ["a", "b"])
