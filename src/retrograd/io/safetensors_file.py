"""Arrays to and from safetensors files. Files are read through the `safetensors` package, after
`header.SafetensorsFile` has checked the header, header and tensors through one handle; they
are written here, byte for byte the layout the package writes but with the metadata keys
sorted, so the same arrays and metadata always give the same bytes. Writes are atomic."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping

import numpy as np

from retrograd.io.atomic import atomic_write
from retrograd.io.errors import ModelFileError
from retrograd.io.header import DTYPES, SafetensorsFile

_STORABLE = {dtype: name for name, dtype in DTYPES.items()}
_HEADER_ALIGNMENT = 8  # the header is padded with spaces so the data section starts aligned
#: the `safetensors` package writes tensors by dtype in this order (its enum, descending), then name
_DTYPE_ORDER = ("U64", "I64", "F64", "F32", "U32", "I32", "F16", "U16", "I16", "I8", "U8", "BOOL")


def serialize(arrays: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> bytes:
    """The bytes of a safetensors file holding `arrays` (C-ordered, native byte order, storable
    dtypes) and `metadata`. Deterministic: metadata keys sorted, tensors ordered as the
    `safetensors` package orders them (by dtype, then by name)."""
    rank = {name: index for index, name in enumerate(_DTYPE_ORDER)}
    order = sorted(arrays, key=lambda name: (rank[_STORABLE[arrays[name].dtype]], name))
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {key: metadata[key] for key in sorted(metadata)}
    offset = 0
    for name in order:
        array = arrays[name]
        header[name] = {
            "dtype": _STORABLE[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + array.nbytes],
        }
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % _HEADER_ALIGNMENT)
    parts = [len(text).to_bytes(8, "little"), text]
    parts += [arrays[name].tobytes(order="C") for name in order]
    return b"".join(parts)


def write_arrays(
    path: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    metadata: Mapping[str, str],
    *,
    overwrite: bool = True,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write `arrays` (name -> array) and string `metadata` as one safetensors file, atomically
    (see `atomic.atomic_write` for `overwrite` and `inputs`)."""
    contiguous = {}
    for name, array in arrays.items():
        if not isinstance(name, str):
            raise ModelFileError(f"tensor names must be strings, got {name!r}")
        # native byte order, C order; np.asarray keeps 0-d arrays 0-d (ascontiguousarray does not)
        array = np.asarray(array, dtype=array.dtype.newbyteorder("="), order="C")
        if array.dtype not in _STORABLE:
            raise ModelFileError(
                f"{os.fspath(path)}: tensor {name!r} has dtype {array.dtype}, which safetensors "
                f"files cannot hold (storable: {', '.join(str(d) for d in _STORABLE)})"
            )
        contiguous[name] = array
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ModelFileError(f"{os.fspath(path)}: metadata must map strings to strings")
    atomic_write(path, serialize(contiguous, metadata), overwrite=overwrite, inputs=inputs)


def read_arrays(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays (in file order, each a fresh writable copy) and metadata of a safetensors file,
    both read through one handle (`header.SafetensorsFile`).

    Raises:
        ModelFileError: for anything but a well-formed safetensors file.
    """
    with SafetensorsFile(path) as opened:
        return opened.arrays(), opened.header.metadata
