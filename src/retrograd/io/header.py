"""Read and check a safetensors header before any tensor is read.

Layout: 8 bytes (little-endian u64) giving the header length N, N bytes of JSON, then the data
section. The JSON maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
(offsets into the data section) and may hold `"__metadata__"`, a string-to-string map.

Every check runs on the header alone, so a hostile file is refused before anything is allocated
for its tensors: the header length is bounded, each entry's bytes must match its dtype and shape,
and the entries must tile the data section exactly (sorted, no gap, no overlap, nothing left).
Only regular files are opened, and one handle serves a whole load (`SafetensorsFile`), so the
header and the tensors always come from the same file.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from safetensors import numpy as safetensors_numpy

from retrograd.errors import InvalidArgumentError
from retrograd.io.errors import ModelFileError

#: the largest header retrograd reads (safetensors itself refuses more than 100 MB)
MAX_HEADER_BYTES = 100_000_000

#: safetensors dtype names NumPy can hold
DTYPES: dict[str, np.dtype] = {
    "BOOL": np.dtype(np.bool_),
    "U8": np.dtype(np.uint8),
    "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16),
    "I16": np.dtype(np.int16),
    "F16": np.dtype(np.float16),
    "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32),
    "F32": np.dtype(np.float32),
    "U64": np.dtype(np.uint64),
    "I64": np.dtype(np.int64),
    "F64": np.dtype(np.float64),
}


@dataclass(frozen=True)
class TensorEntry:
    """One tensor as the header declares it; `begin`/`end` are offsets into the data section."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int
    end: int


@dataclass(frozen=True)
class Header:
    """A checked header: the metadata and the tensors in file order."""

    metadata: dict[str, str]
    entries: list[TensorEntry]


def _guess_format(prefix: bytes) -> str:
    """A hint at what a file that is not safetensors is, from its first bytes."""
    if prefix.startswith(b"PK\x03\x04"):
        return " (it looks like a zip archive, e.g. a PyTorch .pt/.pth file)"
    if prefix[:1] == b"\x80" and prefix[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return " (it looks like a pickle, which retrograd never loads)"
    if prefix.startswith(b"\x93NUMPY"):
        return " (it looks like a NumPy .npy file)"
    if all(32 <= byte < 127 or byte in (9, 10, 13) for byte in prefix):
        return " (it looks like a text file)"
    return ""


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """`path` opened for reading, refused unless it is a regular file (a FIFO, device or
    directory could block the reader forever or never end).

    The check runs twice: `os.stat` before opening, and `fstat` on what was opened (with
    O_NONBLOCK, so opening a FIFO that replaced the file meanwhile returns at once).

    Raises:
        ModelFileError: for anything but a regular file.
        OSError: when it cannot be opened.
    """
    name = os.fspath(path)
    _require_regular(name, os.stat(name).st_mode)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(name, flags)
    try:
        _require_regular(name, os.fstat(descriptor).st_mode)
    except BaseException:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def _require_regular(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kinds = {
        stat.S_ISDIR: "a directory",
        stat.S_ISFIFO: "a FIFO (named pipe)",
        stat.S_ISCHR: "a character device",
        stat.S_ISBLK: "a block device",
        stat.S_ISSOCK: "a socket",
    }
    kind = next((text for test, text in kinds.items() if test(mode)), "not a regular file")
    raise ModelFileError(f"{name}: is {kind}; a model, weights or checkpoint file must be a file")


class SafetensorsFile:
    """One open safetensors file: its checked header now, its arrays on request, both read
    through the same handle, so they come from the same file even when the path is replaced
    meanwhile. Use it as a context manager.

    `header`: the checked header; `size`: the file's size in bytes when opened.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.name = os.fspath(path)
        self._handle = open_regular(self.name)
        try:
            self.size = os.fstat(self._handle.fileno()).st_size
            self._raw, self.header = _read_header(self._handle, self.size, self.name)
        except BaseException:
            self._handle.close()
            raise

    def __enter__(self) -> SafetensorsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def values(self) -> int:
        """The number of values its tensors hold in all."""
        return sum(math.prod(entry.shape) for entry in self.header.entries)

    def arrays(self) -> dict[str, np.ndarray]:
        """Its tensors (in file order, each a fresh writable array), parsed by the `safetensors`
        package from the bytes read through this handle (no more than the file's size)."""
        self._handle.seek(0)
        content = self._handle.read(self.size + 1)
        if len(content) != self.size or not content.startswith(self._raw):
            raise ModelFileError(f"{self.name}: the file changed while it was read")
        try:
            loaded = safetensors_numpy.load(content)
        except Exception as error:  # the package's own checks, as a second line of defence
            raise ModelFileError(f"{self.name}: safetensors could not read it: {error}") from None
        del content
        arrays = {}
        for entry in self.header.entries:
            array = loaded.pop(entry.name, None)
            if array is None or array.shape != entry.shape or array.dtype != DTYPES[entry.dtype]:
                raise ModelFileError(f"{self.name}: safetensors read another layout than checked")
            arrays[entry.name] = np.array(array, copy=True)  # writable, owns its memory
        return arrays


def read_header(path: str | os.PathLike[str]) -> Header:
    """Read and check the header of the safetensors file at `path`.

    Raises:
        ModelFileError: naming the file and the first fault found.
    """
    with SafetensorsFile(path) as opened:
        return opened.header


def _read_header(handle: BinaryIO, size: int, name: str) -> tuple[bytes, Header]:
    """The raw bytes (length prefix and JSON) and the checked header of an open file."""
    prefix = handle.read(8)
    if len(prefix) < 8:
        raise ModelFileError(
            f"{name}: not a safetensors file: it is {size} bytes long, shorter than the "
            "8-byte header length every safetensors file starts with"
        )
    length = int.from_bytes(prefix, "little")
    if length > MAX_HEADER_BYTES:
        raise ModelFileError(
            f"{name}: not a safetensors file{_guess_format(prefix)}: its first 8 bytes give "
            f"a header of {length} bytes, more than the {MAX_HEADER_BYTES}-byte limit"
        )
    if length > size - 8:
        raise ModelFileError(
            f"{name}: truncated or not a safetensors file{_guess_format(prefix)}: the header "
            f"is declared as {length} bytes but only {size - 8} bytes follow"
        )
    raw = handle.read(length)
    if len(raw) != length:
        raise ModelFileError(f"{name}: the file changed while it was read (header cut short)")
    return prefix + raw, parse_header(raw, data_length=size - 8 - length, source=name)


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidArgumentError(f"duplicate key {key!r}")
        result[key] = value
    return result


def parse_header(raw: bytes, *, data_length: int, source: str) -> Header:
    """Check the JSON header `raw` of a file whose data section holds `data_length` bytes."""
    if not raw.lstrip(b" ").startswith(b"{"):
        raise ModelFileError(f"{source}: not a safetensors file: its header is not a JSON object")
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ModelFileError(
            f"{source}: the safetensors header is not valid JSON: {error}"
        ) from None
    if not isinstance(document, dict):
        raise ModelFileError(f"{source}: the safetensors header is not a JSON object")
    metadata = document.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise ModelFileError(
            f"{source}: the header's __metadata__ must map strings to strings, "
            f"got {metadata!r:.200}"
        )
    entries = [_entry(tensor, spec, data_length, source) for tensor, spec in document.items()]
    entries.sort(key=lambda entry: (entry.begin, entry.end))
    position = 0
    for entry in entries:
        if entry.begin < position:
            raise ModelFileError(
                f"{source}: tensor {entry.name!r} (bytes {entry.begin}..{entry.end}) overlaps "
                "the tensor before it in the data section"
            )
        if entry.begin > position:
            raise ModelFileError(
                f"{source}: the data section has a gap of unused bytes {position}..{entry.begin} "
                f"before tensor {entry.name!r}"
            )
        position = entry.end
    if position != data_length:
        raise ModelFileError(
            f"{source}: the tensors cover {position} bytes but the data section holds "
            f"{data_length} bytes (trailing or missing data)"
        )
    return Header(metadata=metadata, entries=entries)


def _is_count(value: Any) -> bool:
    """A non-negative JSON integer (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _entry(name: str, spec: Any, data_length: int, source: str) -> TensorEntry:
    """Check one tensor's declaration against the data section's length."""
    where = f"{source}: tensor {name!r}"
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data_offsets"}:
        raise ModelFileError(
            f"{where}: expected an object with exactly dtype, shape and data_offsets, got "
            f"{spec!r:.200}"
        )
    dtype, shape, offsets = spec["dtype"], spec["shape"], spec["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ModelFileError(
            f"{where} has dtype {dtype!r:.40}, which retrograd cannot read "
            f"(known: {', '.join(DTYPES)})"
        )
    if not isinstance(shape, list) or not all(_is_count(dim) for dim in shape):
        raise ModelFileError(f"{where}: shape must be a list of non-negative integers")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        raise ModelFileError(f"{where}: data_offsets must be two non-negative integers")
    begin, end = offsets
    if begin > end or end > data_length:
        raise ModelFileError(
            f"{where}: data offsets [{begin}, {end}] lie outside the data section, which "
            f"holds {data_length} bytes"
        )
    needed = math.prod(shape) * DTYPES[dtype].itemsize  # Python ints: no overflow
    if needed != end - begin:
        raise ModelFileError(
            f"{where}: shape {tuple(shape)} of dtype {dtype} needs {needed} bytes but its data "
            f"offsets hold {end - begin}"
        )
    return TensorEntry(name, dtype, tuple(shape), begin, end)
