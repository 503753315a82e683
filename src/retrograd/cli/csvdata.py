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
import itertools
import math
import mmap
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
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
    """A CSV file's header and columns. A column is a number array (every cell a number) or an
    array of stripped cell texts. `line(i)` is the file line of row `i`, for messages (found
    by reading the file again when the fast reader did not keep it)."""

    path: str
    columns: list[str]
    data: dict[str, np.ndarray]
    n_rows: int
    lines: np.ndarray | None = None
    texts: dict[int, list[str]] = field(default_factory=dict)  # rows read again, for messages
    # the number columns `block_names`, in one (n_rows, len(block_names)) matrix whose columns
    # `data` holds as views: `numeric_matrix` of exactly those names returns it without a copy
    block: np.ndarray | None = None
    block_names: list[str] = field(default_factory=list)
    block_finite: bool = False  # every number of `block` was finite when read

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

    With PyArrow installed (the `csv` extra) the file is parsed by its streaming CSV reader,
    block by block (a big file in pieces on parallel threads), the number columns but
    `text_columns` going straight into one float64 matrix (`Table.block`) that
    `numeric_matrix` hands out without a copy; the text of the file is never held whole.
    Otherwise (or when PyArrow refuses the file) the stdlib `csv` module gives the same table
    and the same errors, more slowly. `chunk_rows`: read at most that many rows at a time
    (and no more than 1 MiB) and keep float32 numbers for every column but `text_columns`,
    missing cells as NaN.
    `progress`: show a progress bar (default: for files of 20 MiB or more, on a terminal).

    Raises:
        CommandError: for a missing, unreadable or empty file, a file without a header line,
            a header with an empty or repeated name, no data rows, or a row with a different
            number of fields than the header (blank lines are skipped).
    """
    _check_path(path)
    size = os.path.getsize(path)
    if progress is None:  # a bar only where someone watches: not in pipes, logs or CI
        progress = size >= PROGRESS_BYTES and sys.stderr.isatty()
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


# Arrow's blocks for the streaming read: big enough to keep both threads of a small machine
# busy, small enough that the blocks in flight stay a few percent of a big file
STREAM_BLOCK_BYTES = 1 << 20


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
    text = {n for n, name in zip(names, header) if name in text_columns}
    if chunk_rows is not None:
        layout = _layout(path, size, pa.cpu_count())
        # every column but `text_columns` is a number, read as float32; missing cells are NaN
        types = {n: (pa.string() if n in text else pa.float64()) for n in names}
        nulls = sorted({case for word in MISSING for case in _case_variants(word)})
        options = pacsv.ConvertOptions(
            column_types=types, null_values=nulls, strings_can_be_null=False
        )
        # rows go straight into the matrix: blocks above 1 MiB would only hold more text
        block_bytes = int(
            min(max(_mean_line_bytes(path) * chunk_rows, 1 << 12), STREAM_BLOCK_BYTES)
        )
        return _stream_arrow(
            path, header, size, progress, options, text, block_bytes, layout, np.float32
        )
    with ThreadPoolExecutor(1) as pool:  # Arrow infers the types while the file is scanned
        inferred = pool.submit(_stream_types, path, names, text)
        layout = _layout(path, size, pa.cpu_count())
    try:
        options = pacsv.ConvertOptions(**_EXACT, column_types=inferred.result())
        return _stream_arrow(
            path, header, size, progress, options, text, STREAM_BLOCK_BYTES, layout, np.float64
        )
    except (pa.ArrowInvalid, _Irregular):
        # a column that changes type after the first block (whole numbers, then a fraction or
        # a word, or whole numbers of 2**53 or more): the whole-file reader infers each
        # column's type from all of its cells
        return _read_arrow_whole(path, header, names, size, progress, layout.newlines)


class _Irregular(_ArrowRefused):
    """The streaming reader cannot give this file's columns exactly: read it whole."""


# no cell is null and nothing but numbers and text is inferred: every cell stays exact
_EXACT: dict[str, Any] = dict(
    null_values=[],
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
    true_values=["\0"],
    false_values=["\0"],
    timestamp_parsers=[],
)


def _mean_line_bytes(path: str) -> float:
    """The mean length of the first 1 MiB of lines after the header."""
    with open(path, "rb") as handle:
        handle.readline()
        sample = handle.read(1 << 20)
    return max(len(sample), 1) / max(sample.count(b"\n"), 1)


def _stream_types(path: str, names: list[str], text: set[str]) -> dict[str, Any]:
    """Each column's type for `_stream_arrow`, from Arrow's inference on the first block:
    float64 for the number columns (but `text`), the type inferred for the others (a date or
    the like as text). Quoted cells may hold line breaks (in a file without quotes, the first
    block is the same)."""
    pa = _pyarrow()
    probe = pa.csv.open_csv(
        path,
        read_options=pa.csv.ReadOptions(
            column_names=names, skip_rows=1, use_threads=False, block_size=STREAM_BLOCK_BYTES
        ),
        parse_options=pa.csv.ParseOptions(newlines_in_values=True),
        convert_options=pa.csv.ConvertOptions(**_EXACT),
    )
    types: dict[str, Any] = {}
    for name, kind in zip(names, probe.schema.types):
        if not _plain_type(pa, kind):
            types[name] = pa.string()
        elif name not in text and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
            types[name] = pa.float64()
        else:
            types[name] = kind
    probe.close()
    return types


def _stream_arrow(
    path: str,
    header: list[str],
    size: int,
    progress: bool,
    options: Any,
    text: set[str],
    block_bytes: int,
    layout: _Layout,
    dtype: Any,
) -> Table:
    """Read the file with Arrow's streaming reader, block by block: the float64 columns (but
    `text`) straight into one matrix of `dtype`, the others (text, or a `text` column of
    numbers) as arrays. The pieces of `layout` are read on parallel threads (Arrow's streaming
    reader parses on one)."""
    pa = _pyarrow()
    names = [f"c{i}" for i in range(len(header))]
    types = options.column_types
    numbers = [i for i, n in enumerate(names) if n not in text and types[n] == pa.float64()]
    with (
        _progress_bar(path, size, progress) as bar,
        _BytesRead(bar, progress) as read,
    ):
        try:
            block, parts = _stream_pieces(
                path, names, layout, read, options, numbers, block_bytes, dtype
            )
        except _Irregular:
            if len(layout.pieces) == 1:
                raise
            # more rows in a piece than line ends (a lone \r ends lines): one piece, which
            # can grow
            block, parts = _stream_pieces(
                path, names, layout.whole(), read, options, numbers, block_bytes, dtype
            )
    n_rows = sum(part.n_rows for part in parts)
    if n_rows == 0:
        raise CommandError(f"{path} has a header but no data rows")
    data = {header[i]: block[:, j] for j, i in enumerate(numbers)}
    for i in range(len(header)):
        if i not in numbers:
            data[header[i]] = _joined([chunk for part in parts for chunk in part.others[i]])
    pa.default_memory_pool().release_unused()  # Arrow's allocator keeps freed blocks otherwise
    return Table(
        path,
        header,
        data,
        n_rows,
        block=block,
        block_names=[header[i] for i in numbers],
        block_finite=all(part.finite for part in parts),
    )


# a file at least this big, without quotes, is read in pieces on parallel threads
PARALLEL_BYTES = 32 * 2**20


def _pieces(path: str, size: int, newlines: bool, threads: int) -> list[tuple[int, int]]:
    """(start, end) byte ranges that cut the file at line ends: twice as many as `threads`
    (so the last ones to finish are short), or the whole file when a quoted cell could hold a
    line break, the file is small or there is one thread."""
    if newlines or size < PARALLEL_BYTES or threads < 2:
        return [(0, size)]
    cuts = [0]
    with open(path, "rb") as handle:
        handle.readline()
        first_row = handle.tell()
        count = 2 * threads
        for k in range(1, count):
            handle.seek(max(first_row, size * k // count))
            handle.readline()
            if cuts[-1] < handle.tell() < size:
                cuts.append(handle.tell())
    cuts.append(size)
    return list(zip(cuts[:-1], cuts[1:]))


@dataclass
class _Layout:
    """How the streaming reader goes through a file."""

    newlines: bool  # the file holds a double quote: a quoted cell may hold a line break
    pieces: list[tuple[int, int]]  # byte ranges cut at line ends, read on parallel threads
    # at most this many rows in each piece: its line ends, less the header's, plus a last
    # line without one (blank lines and quoted line breaks make fewer)
    rows: list[int]

    def whole(self) -> _Layout:
        """The file in one piece."""
        return _Layout(self.newlines, [(self.pieces[0][0], self.pieces[-1][1])], [sum(self.rows)])


def _layout(path: str, size: int, threads: int) -> _Layout:
    """The file's layout, from one read of it (its pieces on parallel threads)."""
    pieces = _pieces(path, size, False, threads)
    with ThreadPoolExecutor(min(threads, len(pieces))) as pool:
        scans = list(pool.map(lambda piece: _scan(path, *piece), pieces))
    rows = [ends for _, ends in scans]
    rows[0] -= 1
    rows[-1] += 1
    layout = _Layout(any(quoted for quoted, _ in scans), pieces, rows)
    return layout.whole() if layout.newlines else layout


def _scan(path: str, start: int, end: int) -> tuple[bool, int]:
    """Whether bytes `start` to `end` of the file hold a double quote, and how many line ends
    (\\n) they hold. Read in 1 MiB blocks; NumPy counts without holding the GIL."""
    buffer = bytearray(1 << 20)
    codes = np.frombuffer(buffer, dtype=np.uint8)
    quoted, ends = False, 0
    with open(path, "rb", buffering=0) as handle:
        handle.seek(start)
        while start < end and (count := handle.readinto(memoryview(buffer)[: end - start])):
            quoted = quoted or buffer.find(b'"', 0, count) >= 0
            ends += int(np.count_nonzero(codes[:count] == ord("\n")))
            start += count
    return quoted, ends


@dataclass
class _Part:
    """What `_stream_piece` read from one piece of the file."""

    n_rows: int  # in all
    in_place: int  # rows written where the piece's rows of the matrix start
    spilled: list[np.ndarray]  # the rest, block by block: the last piece's matrix rows overflow
    others: dict[int, list[np.ndarray]]  # the columns not in the matrix, block by block
    finite: bool = True  # every number written to the matrix is finite


def _stream_pieces(
    path: str,
    names: list[str],
    layout: _Layout,
    read: _BytesRead,
    options: Any,
    numbers: list[int],
    block_bytes: int,
    dtype: Any,
) -> tuple[np.ndarray, list[_Part]]:
    """Stream the pieces of `layout` on parallel threads; the matrix of the `numbers` columns
    and each piece's rows."""
    pa = _pyarrow()
    # each piece fills its own rows of one matrix, as many as it can hold
    starts = [0, *itertools.accumulate(layout.rows)]
    memory, block = _empty((starts[-1], len(numbers)), dtype)
    read.counts = [0] * len(layout.pieces)
    last = len(layout.pieces) - 1

    def stream(index: int) -> _Part:
        rows = block[starts[index] : starts[index + 1]]
        reader = _piece_reader(path, names, layout, index, read, options, block_bytes)
        return _stream_piece(pa, reader, numbers, rows, index == last)

    with ThreadPoolExecutor(min(pa.cpu_count(), len(layout.pieces))) as pool:
        parts = list(pool.map(stream, range(len(layout.pieces))))
    # where blank lines or quoted line breaks left rows unwritten, move each piece's rows down
    # behind the previous piece's (a piece never fills more than its own rows, so no move
    # overwrites rows still to be moved)
    n_rows = 0
    for start, part in zip(starts, parts):
        if start != n_rows:
            block[n_rows : n_rows + part.in_place] = block[start : start + part.in_place]
        n_rows += part.in_place
    if parts[-1].spilled:  # more rows than line ends: a new matrix
        return np.concatenate([block[:n_rows], *parts[-1].spilled]), parts
    _release(memory, n_rows * block.strides[0])
    return block[:n_rows], parts


def _empty(shape: tuple[int, ...], dtype: Any) -> tuple[mmap.mmap, np.ndarray]:
    """An uninitialised array and its memory, an anonymous map whose pages the kernel provides
    as they are first written (rows never written take no memory).

    Not `np.empty`: NumPy asks the kernel for huge pages for arrays of 4 MiB or more, and where
    the kernel compacts memory to find them (Linux's default) the first writes to the matrix
    of a 200 MB file took 0.1 to 0.45 s more CPU than in small pages, varying with what else
    ran."""
    count = math.prod(shape)
    memory = mmap.mmap(-1, max(count * np.dtype(dtype).itemsize, 1))
    return memory, np.frombuffer(memory, dtype=dtype, count=count).reshape(shape)


def _joined(chunks: list[np.ndarray]) -> np.ndarray:
    """`np.concatenate(chunks)`, numbers in small pages (see `_empty`)."""
    if chunks[0].dtype.kind not in "iuf":  # text: NumPy finds the width
        return np.concatenate(chunks)
    _, joined = _empty((sum(len(chunk) for chunk in chunks),), chunks[0].dtype)
    return np.concatenate(chunks, out=joined)


def _release(memory: mmap.mmap, start: int) -> None:
    """Give the pages of `memory` from byte `start` on back to the kernel."""
    start = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE
    if start < len(memory) and hasattr(memory, "madvise"):  # not on Windows
        memory.madvise(mmap.MADV_DONTNEED, start)


def _piece_reader(
    path: str,
    names: list[str],
    layout: _Layout,
    index: int,
    read: _BytesRead,
    options: Any,
    block_bytes: int,
) -> Any:
    """Arrow's streaming reader of piece `index` of the file (the first holds the header)."""
    pa = _pyarrow()
    start, end = layout.pieces[index]
    return pa.csv.open_csv(
        _FileRange(path, start, end, read, index),
        read_options=pa.csv.ReadOptions(
            column_names=names,
            skip_rows=1 if index == 0 else 0,
            use_threads=len(layout.pieces) == 1,
            block_size=block_bytes,
        ),
        parse_options=pa.csv.ParseOptions(newlines_in_values=layout.newlines),
        convert_options=options,
    )


def _stream_piece(pa: Any, reader: Any, numbers: list[int], rows: np.ndarray, last: bool) -> _Part:
    """Read every block of `reader`: the `numbers` columns into `rows` (beyond its end, into
    spilled arrays when `last`), every other column as arrays.

    Raises:
        _Irregular: when `rows` is too short and not `last`.
    """
    part = _Part(0, 0, [], {i: [] for i in range(len(reader.schema)) if i not in numbers})
    for batch in reader:
        stop = part.n_rows + batch.num_rows
        if stop <= len(rows):
            written = rows[part.n_rows : stop]
            for j, i in enumerate(numbers):
                written[:, j] = _float_values(batch.column(i))
            part.in_place = stop
        elif last:
            columns = [_float_values(batch.column(i)) for i in numbers]
            written = np.stack(columns, axis=1).astype(rows.dtype)
            part.spilled.append(written)
        else:
            raise _Irregular
        part.finite = part.finite and bool(np.isfinite(written).all())
        for i, chunks in part.others.items():
            chunks.append(_stream_column(pa, batch.column(i)))
        part.n_rows = stop
    reader.close()
    return part


class _BytesRead:
    """While inside, a thread moves `bar` to the sum of `counts` every 0.2 s: the bytes read
    from each piece of the file."""

    def __init__(self, bar: Any, enabled: bool) -> None:
        self.counts: list[int] = []
        self._bar = bar
        self._enabled = enabled
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> _BytesRead:
        if self._enabled:
            self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._enabled:
            self._watcher.join()

    def _follow(self) -> None:
        while not self._done.wait(0.2):
            self._bar.n = sum(self.counts)
            self._bar.refresh()


class _FileRange(io.RawIOBase):
    """Bytes `start` to `end` of the file at `path`, adding those read to `read.counts[index]`."""

    def __init__(self, path: str, start: int, end: int, read: _BytesRead, index: int) -> None:
        super().__init__()
        self._handle = open(path, "rb", buffering=0)  # noqa: SIM115 (closed by close)
        self._handle.seek(start)
        self._left = end - start
        self._read = read
        self._index = index

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._left <= 0:
            return 0
        count = self._handle.readinto(memoryview(buffer)[: self._left]) or 0
        self._left -= count
        self._read.counts[self._index] += count
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()


def _float_values(array: Any) -> np.ndarray:
    """A float64 Arrow array's values, NaN where null."""
    if array.null_count:
        return np.asarray(array.to_numpy(zero_copy_only=False))
    # a view of the values (pyarrow's to_numpy takes longer than copying a block's column)
    return np.frombuffer(
        array.buffers()[1], dtype=np.float64, count=len(array), offset=array.offset * 8
    )


def _stream_column(pa: Any, column: Any) -> np.ndarray:
    """One block of a column that is not in the matrix, as `_column_array` makes it."""
    if pa.types.is_int64(column.type) and not column.null_count:
        values = np.frombuffer(
            column.buffers()[1], dtype=np.int64, count=len(column), offset=column.offset * 8
        )
        # whole numbers of 2**53 or more keep their text, which needs the whole column
        if len(values) and max(-int(values.min()), int(values.max())) >= 2**53:
            raise _Irregular
        return values
    return _column_array(pa, column)


@contextmanager
def _following(position: Callable[[], int], bar: Any, enabled: bool) -> Iterator[None]:
    """While inside, move `bar` to `position()` every 0.2 s (from a thread)."""
    done = threading.Event()
    watcher = threading.Thread(target=_follow, args=(position, bar, done), daemon=True)
    if enabled:
        watcher.start()
    try:
        yield
    finally:
        done.set()
        if enabled:
            watcher.join()


def _read_arrow_whole(
    path: str, header: list[str], names: list[str], size: int, progress: bool, newlines: bool
) -> Table:
    """Read the whole file at once, Arrow inferring each column's type from all its cells."""
    pa = _pyarrow()
    pacsv = pa.csv
    read_options = pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=True)
    parse_options = pacsv.ParseOptions(newlines_in_values=newlines)
    # Arrow reads its own file handle (a Python file object would make it take the GIL for
    # every block); the progress bar follows that handle's position from a thread
    with (
        pa.OSFile(path, "rb") as source,
        _progress_bar(path, size, progress) as bar,
        _following(source.tell, bar, progress),
    ):
        arrow = pacsv.read_csv(
            source,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=pacsv.ConvertOptions(**_EXACT),
        )
    if arrow.num_columns != len(header):
        raise _ArrowRefused
    odd = [n for n, t in zip(names, arrow.schema.types) if not _plain_type(pa, t)]
    if odd:  # a date or the like: read those columns again as text
        retyped = pacsv.ConvertOptions(**_EXACT, column_types={n: pa.string() for n in odd})
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


def _follow(position: Callable[[], int], bar: Any, done: threading.Event) -> None:
    """Move `bar` to `position()` every 0.2 s until `done`."""
    while not done.wait(0.2):
        try:
            bar.n = position()
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
        return column.to_numpy()
    return np.asarray(column.to_numpy(), dtype=dtype)


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
    table read in chunks; `dtype` to choose). When `names` are the table's number columns in
    order (the fast reader keeps them in one matrix), that matrix is returned, not a copy.

    Missing cells (empty, NaN, NA ..., and `na_values`, compared lower-case) are an error
    naming the line and column, or NaN when `allow_missing`. Text and infinities are errors
    naming the line and column.
    """
    if dtype is None:
        chunked = any(table.data[name].dtype == np.float32 for name in names)
        dtype = np.float32 if chunked else np.float64
    extra = frozenset(text.lower() for text in na_values)
    block = table.block
    if block is not None and list(names) == table.block_names and block.dtype == dtype:
        if not table.block_finite and not np.isfinite(block).all():
            for name in names:
                values = table.data[name]
                bad = ~np.isfinite(values)
                if bad.any():
                    _check_not_finite(table, name, values, bad, allow_missing, missing_hint, extra)
        return block
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
    parsed = _parse_clean_column(texts, allow_missing, extra)
    if parsed is not None:
        return parsed
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


def _parse_clean_column(
    texts: np.ndarray, allow_missing: bool, extra: frozenset[str]
) -> np.ndarray | None:
    """`_parse_column`'s numbers at NumPy's speed (its text-to-float cast follows `float`),
    or None when a cell needs `_parse_column`'s error or its check cell by cell."""
    if not extra:
        try:
            values = texts.astype(np.float64)
        except ValueError:
            values = None
        if values is not None and np.isfinite(values).all():
            return values
    missing = np.isin(np.char.lower(texts), sorted(MISSING | extra))
    if missing.any() and not allow_missing:
        return None
    try:
        values = np.where(missing, "nan", texts).astype(np.float64)
    except ValueError:
        return None
    if not np.isfinite(values[~missing]).all():
        return None
    return values


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

    Raises:
        CommandError: for a missing target cell, naming its line.
    """
    column = table.data[target]
    missing = frozenset(na_values)
    if column.dtype.kind == "i" and numeric is not False and not missing - {""}:
        # the readers keep whole numbers below 2**53 only; a copy in small pages (see `_empty`)
        _, labels = _empty(column.shape, np.int64)
        labels[...] = column
        return labels
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
    try:
        numbers = column.astype(np.float64)  # NumPy's text-to-float cast follows `float`
    except ValueError:
        numbers = None
    if numbers is not None and np.isfinite(numbers).all():
        return _numbers_as_labels(numbers)
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
