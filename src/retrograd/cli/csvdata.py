"""Reading a CSV file with a header (stdlib `csv`) into named columns of numbers or labels,
with one-line errors that name the file, the line and the column at fault.

Missing values: a feature cell is missing when it is empty or one of `MISSING` (`NaN`, `NA`,
`N/A`, `null`, `None`, `?`, any case), pandas' idea of default NA values; no such cell could be
a number anyway. A target cell is missing only when it is empty (`TARGET_MISSING`): `NA`,
`None` or `?` can be a label (a country code, a category), so they are kept as labels unless
the caller names them in `label_array(..., na_values=...)`."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from retrograd.cli.common import CommandError

__all__ = [
    "MISSING",
    "TARGET_MISSING",
    "Table",
    "fill_values",
    "infer_task",
    "label_array",
    "numeric_matrix",
    "read_csv",
    "require_columns",
]

# Feature cells that stand for a missing value (compared lower-case, after stripping spaces).
MISSING = frozenset({"", "nan", "na", "n/a", "null", "none", "?"})
# Target cells that stand for a missing value (compared exactly, after stripping spaces).
TARGET_MISSING = frozenset({""})
MAX_INFERRED_CLASSES = 20  # a whole-number target with more distinct values is a regression
MAX_CLASS_FRACTION = 0.5  # ... and so is one whose distinct values reach half the rows


@dataclass
class Table:
    """A CSV file's header and rows (cells as stripped text); `lines[i]` is the file line of
    `rows[i]`, for messages."""

    path: str
    columns: list[str]
    rows: list[list[str]]
    lines: list[int]

    def column(self, name: str) -> list[str]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def _parse_number(text: str) -> float | None:
    """The number in `text`; None when it is not one."""
    try:
        return float(text)
    except ValueError:
        return None


def _is_missing(text: str) -> bool:
    return text.lower() in MISSING


def read_csv(path: str) -> Table:
    """Read the CSV file at `path`: a header naming the columns, then one row per sample.

    **Raises** CommandError for a missing, unreadable or empty file, a file without a header
    line, a header with an empty or repeated name, no data rows, or a row with a different
    number of fields than the header (blank lines are skipped).
    """
    if not os.path.exists(path):
        raise CommandError(f"data file {path} does not exist")
    if os.path.isdir(path):
        raise CommandError(f"data file {path} is a directory, not a CSV file")
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                for fields in reader:
                    if not fields:
                        continue
                    cells = [cell.strip() for cell in fields]
                    if header is None:
                        header = cells
                        _check_header(path, header, reader.line_num)
                        continue
                    if len(cells) != len(header):
                        raise CommandError(
                            f"{path}, line {reader.line_num}: expected {len(header)} fields "
                            f"(as in the header), got {len(cells)}"
                        )
                    rows.append(cells)
                    lines.append(reader.line_num)
            except csv.Error as error:
                raise CommandError(f"{path}, line {reader.line_num}: {error}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a UTF-8 text file (is it a CSV file?)") from None
    except OSError as error:
        raise CommandError(f"cannot read data file {path}: {error.strerror or error}") from None
    if header is None:
        raise CommandError(
            f"{path} is empty: expected a header line naming the columns, then one row per sample"
        )
    if not rows:
        raise CommandError(f"{path} has a header but no data rows")
    return Table(path, header, rows, lines)


def _check_header(path: str, header: list[str], line: int) -> None:
    if all(_parse_number(cell) is not None for cell in header):
        shown = ",".join(header[:5]) + (",..." if len(header) > 5 else "")
        raise CommandError(
            f"{path} has no header: its first line ({shown}) holds numbers, not column names; "
            "add a line naming the columns"
        )
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            raise CommandError(f"{path}, line {line}: header column {position} has no name")
        if name in seen:
            raise CommandError(
                f"{path}, line {line}: the column name {name!r} appears twice in the header "
                f"(columns {seen[name]} and {position})"
            )
        seen[name] = position


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)


def require_columns(table: Table, names: Sequence[str], what: str) -> None:
    """Fail when any of `names` is not a column of `table`, listing the columns it has."""
    missing = [name for name in names if name not in table.columns]
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise CommandError(
            f"{table.path} has no {what} {noun} {_quoted(missing)}; "
            f"its columns are: {_quoted(table.columns)}"
        )


def numeric_matrix(
    table: Table,
    names: Sequence[str],
    *,
    allow_missing: bool = False,
    missing_hint: str = "",
) -> np.ndarray:
    """The columns `names` as a float64 matrix `(n_rows, len(names))`.

    Missing cells (empty, NaN, NA ...) are an error naming the line and column, or NaN when
    `allow_missing`. Text and infinities are errors naming the line and column.
    """
    indices = [table.columns.index(name) for name in names]
    matrix = np.empty((len(table.rows), len(names)), dtype=np.float64)
    for r, (row, line) in enumerate(zip(table.rows, table.lines)):
        for c, (index, name) in enumerate(zip(indices, names)):
            text = row[index]
            value = _parse_number(text)
            if value is None or math.isnan(value):
                if not _is_missing(text):
                    raise CommandError(
                        f"{table.path}, line {line}: column {name!r} holds {text!r}, not a number "
                        "(feature columns must be numeric)"
                    )
                if not allow_missing:
                    shown = "is empty" if not text else f"holds the missing value {text!r}"
                    raise CommandError(
                        f"{table.path}, line {line}: column {name!r} {shown}{missing_hint}"
                    )
                value = math.nan
            elif math.isinf(value):
                raise CommandError(
                    f"{table.path}, line {line}: column {name!r} holds {text!r}, not a finite "
                    "number"
                )
            matrix[r, c] = value
    return matrix


def fill_values(matrix: np.ndarray, names: Sequence[str], strategy: str, path: str) -> np.ndarray:
    """Each column's mean or median over its present values, to put in its missing cells."""
    present = ~np.isnan(matrix)
    empty = [name for name, column in zip(names, present.T) if not column.any()]
    if empty:
        raise CommandError(
            f"{path}: column {empty[0]!r} has no values at all, so --fill-missing {strategy} "
            "has nothing to compute a fill value from"
        )
    if strategy == "mean":
        return np.nanmean(matrix, axis=0)
    return np.nanmedian(matrix, axis=0)


def label_array(
    table: Table,
    target: str,
    *,
    numeric: bool | None = None,
    na_values: Collection[str] = TARGET_MISSING,
) -> np.ndarray:
    """The target column as labels `(n_rows,)`: int64 when every value is a whole number,
    float64 when every value is a number, else strings. `numeric=True` demands numbers
    (error naming the first line that is not), `numeric=False` keeps strings. `na_values`:
    the cells (compared exactly, after stripping spaces) that mean a missing target; by
    default only the empty cell, so `NA` or `None` is a label like any other.

    **Raises** CommandError for a missing target cell, naming its line.
    """
    texts = table.column(target)
    missing = frozenset(na_values)
    for text, line in zip(texts, table.lines):
        if text in missing:
            shown = "is empty" if not text else f"holds the missing value {text!r}"
            raise CommandError(
                f"{table.path}, line {line}: the target column {target!r} {shown}; every row "
                "needs a target"
            )
    if numeric is False:
        return np.array(texts, dtype=str)
    numbers = [_parse_number(text) for text in texts]
    for value, text, line in zip(numbers, texts, table.lines):
        if value is None or not math.isfinite(value):
            if numeric:
                raise CommandError(
                    f"{table.path}, line {line}: the target column {target!r} holds {text!r}, "
                    "not a number (a regression target must be numeric)"
                )
            return np.array(texts, dtype=str)
    values = np.array(numbers, dtype=np.float64)
    if np.all(np.mod(values, 1) == 0) and np.all(np.abs(values) < 2**53):
        return values.astype(np.int64)
    return values


def infer_task(labels: np.ndarray, target: str) -> tuple[str, str]:
    """`("classification" | "regression", reason)` for a target column from `label_array`.

    Text is classification; whole numbers with at most 20 distinct values, fewer than half the
    rows, are classification; any other numbers are regression.
    """
    distinct = len(np.unique(labels))
    if labels.dtype.kind in "USO":
        return "classification", f"the target {target!r} holds text ({distinct} distinct values)"
    if (
        labels.dtype.kind == "i"
        and distinct <= MAX_INFERRED_CLASSES
        and distinct < MAX_CLASS_FRACTION * len(labels)
    ):
        return "classification", (
            f"the target {target!r} holds {distinct} distinct whole numbers in {len(labels)} rows"
        )
    kind = "whole numbers" if labels.dtype.kind == "i" else "numbers"
    return "regression", (
        f"the target {target!r} holds {kind} with {distinct} distinct values in {len(labels)} rows"
    )
