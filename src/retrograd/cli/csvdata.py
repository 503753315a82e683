"""Reading a CSV file with a header (stdlib `csv`) into named columns of numbers or labels,
with one-line errors that name the file, the line and the column at fault.

Missing values: a feature cell is missing when it is empty or one of `MISSING` (`NaN`, `NA`,
`N/A`, `null`, `None`, `?`, any case), pandas' idea of default NA values; no such cell could be
a number anyway. A target cell is missing only when it is empty (`TARGET_MISSING`): `NA`,
`None` or `?` can be a label (a country code, a category), so they are kept as labels unless
the caller names them in `label_array(..., na_values=...)`."""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

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


BIG_FILE_BYTES = 50 * 2**20  # from this size on, the stdlib reader suggests the csv extra
PROGRESS_BYTES = 20 * 2**20  # files at least this big show a progress bar while read


class _Rows(Sequence[list[str]]):
    """`Table.rows`: the rows as lists of stripped cell texts, made on demand."""

    def __init__(self, table: Table) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.n_rows

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return [self._table.text(index, name) for name in self._table.columns]


@dataclass
class Table:
    """A CSV file's header and columns. A column is a float array (every cell a number) or an
    array of stripped cell texts. `line(i)` is the file line of row `i`, for messages (found
    by reading the file again when the fast reader did not keep it)."""

    path: str
    columns: list[str]
    data: dict[str, np.ndarray]
    n_rows: int
    lines: np.ndarray | None = None
    texts: dict[int, list[str]] = field(default_factory=dict)  # rows read again, for messages

    @property
    def rows(self) -> Sequence[list[str]]:
        return _Rows(self)

    def column(self, name: str) -> list[str]:
        """The cells of column `name` as text."""
        values = self.data[name]
        if values.dtype.kind in "US":
            return values.tolist()
        return [self.text(i, name) for i in range(self.n_rows)]

    def line(self, row: int) -> int:
        """The file line of row `row` (1-based)."""
        if self.lines is None:
            self._find_rows([row])
            assert self.lines is not None
        return int(self.lines[row])

    def text(self, row: int, name: str) -> str:
        """The stripped text of a cell (exact, even where the column holds numbers)."""
        values = self.data[name]
        if values.dtype.kind in "US":
            return str(values[row])
        if row not in self.texts:
            self._find_rows([row])
        return self.texts[row][self.columns.index(name)]

    def _find_rows(self, wanted: Sequence[int]) -> None:
        """Read the file again with the stdlib reader: the line of every row, the texts of
        `wanted` rows."""
        lines = np.empty(self.n_rows, dtype=np.int64)
        keep = set(wanted)
        for index, (line, cells) in enumerate(_stdlib_records(self.path, skip_header=True)):
            if index >= self.n_rows:
                break
            lines[index] = line
            if index in keep:
                self.texts[index] = cells
        self.lines = lines


def _parse_number(text: str) -> float | None:
    """The number in `text`; None when it is not one."""
    try:
        return float(text)
    except ValueError:
        return None


def _is_missing(text: str, extra: Collection[str] = ()) -> bool:
    lowered = text.lower()
    return lowered in MISSING or lowered in extra


def _stdlib_records(path: str, skip_header: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(line, stripped cells) of each non-blank record of the file, by the stdlib reader."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        for fields in reader:
            if not fields:
                continue
            if skip_header:
                skip_header = False
                continue
            yield reader.line_num, [cell.strip() for cell in fields]


def _check_path(path: str) -> None:
    if not os.path.exists(path):
        raise CommandError(f"data file {path} does not exist")
    if os.path.isdir(path):
        raise CommandError(f"data file {path} is a directory, not a CSV file")


def read_csv(
    path: str,
    *,
    chunk_rows: int | None = None,
    text_columns: Collection[str] = (),
    progress: bool | None = None,
) -> Table:
    """Read the CSV file at `path`: a header naming the columns, then one row per sample.

    With PyArrow installed (the `csv` extra) the file is parsed by its multithreaded CSV
    reader into typed columns; otherwise (or when PyArrow refuses the file) by the stdlib
    `csv` module, which gives the same table and the same errors, more slowly. `chunk_rows`:
    read that many rows at a time and keep only float32 numbers for the feature columns
    (every column but `text_columns`), so the text of the file is never held whole.
    `progress`: show a progress bar (default: for files of 20 MiB or more, on a terminal).

    **Raises** CommandError for a missing, unreadable or empty file, a file without a header
    line, a header with an empty or repeated name, no data rows, or a row with a different
    number of fields than the header (blank lines are skipped).
    """
    _check_path(path)
    size = os.path.getsize(path)
    if progress is None:
        progress = size >= PROGRESS_BYTES
    header, header_line = _read_header(path)
    pyarrow = _pyarrow()
    if pyarrow is not None and header is not None:
        try:
            return _read_with_arrow(path, header, size, progress, chunk_rows, text_columns)
        except (pyarrow.ArrowException, UnicodeDecodeError, _ArrowRefused):
            pass  # the stdlib reader gives the precise error, or reads what Arrow refused
    elif size >= BIG_FILE_BYTES:
        print(
            f"note: reading {os.path.basename(path)} ({size / 2**20:,.0f} MiB) with Python's csv "
            "module; install the csv extra (pip install 'retrograd[csv]') to read it several "
            "times faster with less memory",
            file=sys.stderr,
        )
    return _read_with_stdlib(path, size, progress, chunk_rows, text_columns)


class _ArrowRefused(Exception):
    """The Arrow reader cannot give exactly what the stdlib reader would: use that one."""


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped, import-not-found, unused-ignore]
        import pyarrow.compute  # type: ignore[import-untyped, import-not-found, unused-ignore]
        import pyarrow.csv  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        return None
    return pyarrow


def _read_header(path: str) -> tuple[list[str] | None, int]:
    """The header's stripped names and line (None when the file has no record); checked."""
    try:
        for line, cells in _stdlib_records(path):
            _check_header(path, cells, line)
            return cells, line
    except csv.Error as error:
        raise CommandError(f"{path}: {error}") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a UTF-8 text file (is it a CSV file?)") from None
    except OSError as error:
        raise CommandError(f"cannot read data file {path}: {error.strerror or error}") from None
    return None, 0


class _ProgressFile(io.RawIOBase):
    """A binary file that advances a tqdm bar by the bytes read from it."""

    def __init__(self, handle: Any, bar: Any) -> None:
        self._handle = handle
        self._bar = bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._handle.readinto(buffer)
        if count:
            self._bar.update(count)
        return count or 0


def _progress_bar(path: str, size: int, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=f"reading {os.path.basename(path)}",
        disable=not enabled,
        leave=False,
        file=sys.stderr,
    )


def _read_with_arrow(
    path: str,
    header: list[str],
    size: int,
    progress: bool,
    chunk_rows: int | None,
    text_columns: Collection[str],
) -> Table:
    pa = _pyarrow()
    pacsv = pa.csv

    names = [f"c{i}" for i in range(len(header))]
    read_options = pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True)
    # a quoted cell may hold a line break: allowing that makes the reader split the file
    # more carefully (slower), so only where some cell is quoted
    parse_options = pacsv.ParseOptions(newlines_in_values=_has_quotes(path))
    # no cell is null and nothing but numbers and text is inferred: every cell stays exact
    convert = dict(
        null_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        true_values=["\0"],
        false_values=["\0"],
        timestamp_parsers=[],
    )
    if chunk_rows is not None:
        return _read_arrow_chunks(path, header, names, size, progress, chunk_rows, text_columns)
    # Arrow reads its own file handle (a Python file object would make it take the GIL for
    # every block); the progress bar follows that handle's position from a thread
    with pa.OSFile(path, "rb") as source, _progress_bar(path, size, progress) as bar:
        done = threading.Event()
        watcher = threading.Thread(target=_follow, args=(source, bar, done), daemon=True)
        if progress:
            watcher.start()
        try:
            arrow = pacsv.read_csv(
                source,
                read_options=read_options,
                parse_options=parse_options,
                convert_options=pacsv.ConvertOptions(**convert),
            )
        finally:
            done.set()
            if progress:
                watcher.join()
    if arrow.num_columns != len(header):
        raise _ArrowRefused
    odd = [n for n, t in zip(names, arrow.schema.types) if not _plain_type(pa, t)]
    if odd:  # a date or the like: read those columns again as text
        retyped = pacsv.ConvertOptions(
            **convert,
            column_types={n: pa.string() for n in odd},
        )
        arrow = pacsv.read_csv(
            path, read_options=read_options, parse_options=parse_options, convert_options=retyped
        )
    n_rows = arrow.num_rows
    if n_rows == 0:
        raise CommandError(f"{path} has a header but no data rows")
    data: dict[str, np.ndarray] = {}
    columns = {name: arrow.column(n) for name, n in zip(header, names)}
    del arrow
    for name in header:
        data[name] = _column_array(pa, columns.pop(name))
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    return Table(path, header, data, n_rows)


def _has_quotes(path: str) -> bool:
    """Whether the file holds a double quote anywhere (read in 16 MiB blocks)."""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            if b'"' in block:
                return True
    return False


def _follow(source: Any, bar: Any, done: threading.Event) -> None:
    """Move `bar` to the position of `source` every 0.2 s until `done`."""
    while not done.wait(0.2):
        try:
            bar.n = source.tell()
        except (OSError, ValueError):  # closed
            return
        bar.refresh()


def _plain_type(pa: Any, kind: Any) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_string(kind))


def _column_array(pa: Any, column: Any, dtype: Any = np.float64) -> np.ndarray:
    """An Arrow column as NumPy: numbers as `dtype`, text stripped as a str array."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        trimmed = pa.compute.utf8_trim_whitespace(column)
        return np.array(trimmed.to_pylist(), dtype=str)
    if pa.types.is_integer(column.type):
        # whole numbers of 2**53 or more are not exact as float64: keep their text
        limit = 2**53
        if (
            column.null_count == 0
            and len(column)
            and (pa.compute.max(pa.compute.abs(column)).as_py() >= limit)
        ):
            return np.array([str(v) for v in column.to_pylist()], dtype=str)
    return np.asarray(column.to_numpy(), dtype=dtype)


def _read_arrow_chunks(
    path: str,
    header: list[str],
    names: list[str],
    size: int,
    progress: bool,
    chunk_rows: int,
    text_columns: Collection[str],
) -> Table:
    """Read `chunk_rows` rows at a time: feature columns as float32, missing cells NaN."""
    pa = _pyarrow()
    pacsv = pa.csv

    with open(path, "rb") as handle:
        handle.readline()
        sample = handle.read(1 << 20)
    lines = max(sample.count(b"\n"), 1)
    block = int(min(max(len(sample) / lines * chunk_rows, 1 << 16), 1 << 30))
    text = {f"c{i}" for i, name in enumerate(header) if name in text_columns}
    types = {n: (pa.string() if n in text else pa.float64()) for n in names}
    nulls = sorted({case for word in MISSING for case in _case_variants(word)})
    options = pacsv.ConvertOptions(column_types=types, null_values=nulls, strings_can_be_null=False)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in header}
    with open(path, "rb") as handle, _progress_bar(path, size, progress) as bar:
        source = _ProgressFile(handle, bar) if progress else handle
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, block_size=block, use_threads=True
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=options,
        )
        for batch in reader:
            for name, n in zip(header, names):
                column = batch.column(n)
                if n in text:
                    parts[name].append(_column_array(pa, column))
                else:
                    values = column.to_numpy(zero_copy_only=False)
                    parts[name].append(np.asarray(values, dtype=np.float32))
    data = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    n_rows = len(next(iter(data.values())))
    if n_rows == 0:
        raise CommandError(f"{path} has a header but no data rows")
    return Table(path, header, data, n_rows)


def _case_variants(word: str) -> set[str]:
    variants = {""}
    for char in word:
        variants = {v + c for v in variants for c in {char.lower(), char.upper()}}
    return variants


def _read_with_stdlib(
    path: str,
    size: int,
    progress: bool,
    chunk_rows: int | None,
    text_columns: Collection[str],
) -> Table:
    header: list[str] | None = None
    columns: list[list[str]] = []
    lines: list[int] = []
    try:
        with (
            open(path, newline="", encoding="utf-8-sig") as handle,
            _progress_bar(path, size, progress) as bar,
        ):
            reader = csv.reader(handle)
            try:
                for fields in reader:
                    if progress and reader.line_num % 65536 == 0:
                        bar.n = handle.buffer.tell()  # type: ignore[attr-defined]
                        bar.refresh()
                    if not fields:
                        continue
                    cells = [cell.strip() for cell in fields]
                    if header is None:
                        header = cells
                        _check_header(path, header, reader.line_num)
                        columns = [[] for _ in header]
                        continue
                    if len(cells) != len(header):
                        raise CommandError(
                            f"{path}, line {reader.line_num}: expected {len(header)} fields "
                            f"(as in the header), got {len(cells)}"
                        )
                    for column, cell in zip(columns, cells):
                        column.append(cell)
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
    if not lines:
        raise CommandError(f"{path} has a header but no data rows")
    data = {name: np.array(cells, dtype=str) for name, cells in zip(header, columns)}
    return Table(path, header, data, len(lines), np.array(lines, dtype=np.int64))


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
    na_values: Collection[str] = (),
    dtype: Any = None,
) -> np.ndarray:
    """The columns `names` as a matrix `(n_rows, len(names))` (float64, or float32 for a
    table read in chunks; `dtype` to choose).

    Missing cells (empty, NaN, NA ..., and `na_values`, compared lower-case) are an error
    naming the line and column, or NaN when `allow_missing`. Text and infinities are errors
    naming the line and column.
    """
    if dtype is None:
        chunked = any(table.data[name].dtype == np.float32 for name in names)
        dtype = np.float32 if chunked else np.float64
    extra = frozenset(text.lower() for text in na_values)
    matrix = np.empty((table.n_rows, len(names)), dtype=dtype)
    for c, name in enumerate(names):
        values = table.data[name]
        if values.dtype.kind in "US":
            matrix[:, c] = _parse_column(table, name, values, allow_missing, missing_hint, extra)
            continue
        bad = ~np.isfinite(values)
        if bad.any():
            _check_not_finite(table, name, values, bad, allow_missing, missing_hint, extra)
        matrix[:, c] = values
    return matrix


def _missing_error(table: Table, row: int, name: str, text: str, hint: str) -> CommandError:
    shown = "is empty" if not text else f"holds the missing value {text!r}"
    return CommandError(f"{table.path}, line {table.line(row)}: column {name!r} {shown}{hint}")


def _parse_column(
    table: Table,
    name: str,
    texts: np.ndarray,
    allow_missing: bool,
    hint: str,
    extra: frozenset[str],
) -> np.ndarray:
    """A text column's cells as float64, with the errors of `numeric_matrix`."""
    column = np.empty(len(texts), dtype=np.float64)
    for r, text in enumerate(texts.tolist()):
        value = _parse_number(text)
        if text.lower() in extra:
            value = None
        if value is None or math.isnan(value):
            if not _is_missing(text, extra):
                raise CommandError(
                    f"{table.path}, line {table.line(r)}: column {name!r} holds {text!r}, not a "
                    "number (feature columns must be numeric)"
                )
            if not allow_missing:
                raise _missing_error(table, r, name, text, hint)
            value = math.nan
        elif math.isinf(value):
            raise CommandError(
                f"{table.path}, line {table.line(r)}: column {name!r} holds {text!r}, not a "
                "finite number"
            )
        column[r] = value
    return column


def _check_not_finite(
    table: Table,
    name: str,
    values: np.ndarray,
    bad: np.ndarray,
    allow_missing: bool,
    hint: str,
    extra: frozenset[str],
) -> None:
    """Errors for the NaN and infinite cells of a number column, from their text."""
    infinite = np.flatnonzero(np.isinf(values))
    first_nan = np.flatnonzero(np.isnan(values))
    if not allow_missing and len(first_nan):
        row = int(first_nan[0])
        if len(infinite) == 0 or row < infinite[0]:
            text = table.text(row, name)
            if not _is_missing(text, extra):
                raise CommandError(
                    f"{table.path}, line {table.line(row)}: column {name!r} holds {text!r}, not "
                    "a number (feature columns must be numeric)"
                )
            raise _missing_error(table, row, name, text, hint)
    if len(infinite):
        row = int(infinite[0])
        raise CommandError(
            f"{table.path}, line {table.line(row)}: column {name!r} holds "
            f"{table.text(row, name)!r}, not a finite number"
        )


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
    column = table.data[target]
    missing = frozenset(na_values)
    if column.dtype.kind not in "US":
        values = column.astype(np.float64)
        if numeric is False or not np.all(np.isfinite(values)) or missing - {""}:
            column = np.array(table.column(target), dtype=str)  # exact texts
        else:
            return _numbers_as_labels(values)
    if missing:
        found = np.flatnonzero(np.isin(column, list(missing)))
        if len(found):
            row = int(found[0])
            text = str(column[row])
            shown = "is empty" if not text else f"holds the missing value {text!r}"
            raise CommandError(
                f"{table.path}, line {table.line(row)}: the target column {target!r} {shown}; "
                "every row needs a target"
            )
    if numeric is False:
        return column
    numbers = np.empty(len(column), dtype=np.float64)
    for r, text in enumerate(column.tolist()):
        value = _parse_number(text)
        if value is None or not math.isfinite(value):
            if numeric:
                raise CommandError(
                    f"{table.path}, line {table.line(r)}: the target column {target!r} holds "
                    f"{text!r}, not a number (a regression target must be numeric)"
                )
            return column
        numbers[r] = value
    return _numbers_as_labels(numbers)


def _numbers_as_labels(values: np.ndarray) -> np.ndarray:
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
