"""Hostile and damaged files: each is refused quickly with a ModelFileError that says why,
without running code from the file or allocating what its header declares."""

from __future__ import annotations

import json
import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_testing import f32_entry, mlp, refuses, safetensors_bytes, write

from retrograd.io import load, load_checkpoint, load_state_dict_file, save, save_state_dict

LOADERS: dict[str, Callable[[Path], Any]] = {
    "load": load,
    "load_state_dict_file": load_state_dict_file,
    "load_checkpoint": lambda path: load_checkpoint(path, model=mlp()),
}
TB = 1 << 40


@pytest.fixture(params=sorted(LOADERS))
def loader(request: pytest.FixtureRequest) -> Callable[[Path], Any]:
    return LOADERS[request.param]


# ---------------------------------------------------------------------- not safetensors at all
def test_empty_and_tiny_files(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    refuses(loader, write(tmp_path / "empty", b""), "0 bytes long", "not a safetensors file")
    refuses(loader, write(tmp_path / "tiny", b"\x01\x02\x03"), "3 bytes long")


def test_text_file(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    path = write(tmp_path / "notes.safetensors", b"epoch,loss\n1,0.5\n2,0.25\n")
    refuses(loader, path, "not a safetensors file", "looks like a text file")


class _Payload:
    """Unpickling this would create `marker`: proof that nothing unpickles the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_pickle_file_is_never_unpickled(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    marker = tmp_path / "code-ran"
    path = write(tmp_path / "model.pkl", pickle.dumps({"weights": _Payload(marker)}, protocol=4))
    refuses(loader, path, "not a safetensors file", "looks like a pickle")
    assert not marker.exists()


def test_zip_file(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    path = tmp_path / "model.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    refuses(loader, path, "looks like a zip archive")


# ---------------------------------------------------------------------- header length
def test_header_length_beyond_the_limit(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    path = write(tmp_path / "f", (TB).to_bytes(8, "little") + b"{}")
    refuses(loader, path, f"header of {TB} bytes", "more than the 100000000-byte limit")


def test_header_length_beyond_the_file(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    path = write(tmp_path / "f", (5000).to_bytes(8, "little") + b'{"a": 1}')
    refuses(loader, path, "truncated", "declared as 5000 bytes but only 8 bytes follow")


def test_truncated_real_file(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    save(mlp(), tmp_path / "whole")
    content = (tmp_path / "whole").read_bytes()
    header_length = int.from_bytes(content[:8], "little")
    cut_in_data = write(tmp_path / "cut_data", content[: 8 + header_length + 50])
    refuses(loader, cut_in_data, "outside the data section, which holds 50 bytes")
    cut_in_header = write(tmp_path / "cut_header", content[: 8 + header_length // 2])
    refuses(loader, cut_in_header, "truncated", f"declared as {header_length} bytes")


# ---------------------------------------------------------------------- header contents
@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (b"[1, 2]", "header is not a JSON object"),
        (b"{not json", "header is not valid JSON"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b"{" + b'"a":' * 1 + b"[" * 100_000 + b"]" * 100_000 + b"}", "not valid JSON"),
        (b'{"__metadata__": {"format": 3}}', "__metadata__ must map strings to strings"),
        (b'{"w": [1, 2]}', "tensor 'w': expected an object with exactly dtype"),
        (b'{"w": {"dtype": "F32", "shape": [1]}}', "expected an object with exactly"),
        (b"\xff\xfe{}", "not a JSON object"),
        (b'{"w": "\xff"}', "not valid JSON"),
    ],
)
def test_malformed_header(
    tmp_path: Path, loader: Callable[[Path], Any], header: bytes, fragment: str
) -> None:
    refuses(loader, write(tmp_path / "f", safetensors_bytes(header)), fragment)


@pytest.mark.parametrize(
    ("entry", "data", "fragment"),
    [
        ({"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}, 4, "dtype 'BF16'"),
        ({"dtype": "X99", "shape": [2], "data_offsets": [0, 4]}, 4, "dtype 'X99'"),
        ({"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 4]}, 4, "non-negative"),
        ({"dtype": "F32", "shape": [True], "data_offsets": [0, 4]}, 4, "non-negative"),
        ({"dtype": "F32", "shape": [2], "data_offsets": [0]}, 8, "two non-negative"),
        ({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}, 8, "outside the data section"),
        ({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}, 8, "needs 12 bytes"),
        ({"dtype": "F64", "shape": [2, 2], "data_offsets": [0, 16]}, 16, "needs 32 bytes"),
    ],
)
def test_bad_tensor_entry(
    tmp_path: Path, loader: Callable[[Path], Any], entry: dict[str, Any], data: int, fragment: str
) -> None:
    path = write(tmp_path / "f", safetensors_bytes({"w": entry}, bytes(data)))
    refuses(loader, path, "tensor 'w'", fragment)


def test_one_terabyte_tensor(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    huge = f32_entry([TB // 4], 0, TB)
    refuses(
        loader,
        write(tmp_path / "f", safetensors_bytes({"huge": huge}, bytes(16))),
        f"data offsets [0, {TB}] lie outside the data section, which holds 16 bytes",
    )
    lying = f32_entry([TB // 4], 0, 16)  # small offsets, huge shape
    refuses(
        loader,
        write(tmp_path / "g", safetensors_bytes({"huge": lying}, bytes(16))),
        f"shape ({TB // 4},) of dtype F32 needs {TB} bytes but its data offsets hold 16",
    )


def test_overlapping_offsets(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    header = {"a": f32_entry([4], 0, 16), "b": f32_entry([2], 8, 16)}
    refuses(loader, write(tmp_path / "f", safetensors_bytes(header, bytes(16))), "overlaps")


def test_gap_and_trailing_bytes(tmp_path: Path, loader: Callable[[Path], Any]) -> None:
    gap = {"a": f32_entry([1], 0, 4), "b": f32_entry([1], 8, 12)}
    refuses(loader, write(tmp_path / "gap", safetensors_bytes(gap, bytes(12))), "gap")
    trailing = {"a": f32_entry([1], 0, 4)}
    refuses(
        loader,
        write(tmp_path / "tail", safetensors_bytes(trailing, bytes(12))),
        "cover 4 bytes but the data section holds 12",
    )


# ---------------------------------------------------------------------- retrograd metadata
def _model_file(tmp_path: Path, **changes: str) -> Path:
    """A valid model file whose __metadata__ entries are replaced by `changes`."""
    save(mlp(), tmp_path / "good")
    content = (tmp_path / "good").read_bytes()
    length = int.from_bytes(content[:8], "little")
    header = json.loads(content[8 : 8 + length])
    header["__metadata__"].update(changes)
    return write(tmp_path / "bad", safetensors_bytes(header, content[8 + length :]))


def test_metadata_that_is_not_json(tmp_path: Path) -> None:
    path = _model_file(tmp_path, architecture="{oops")
    refuses(load, path, "metadata entry 'architecture' is not valid JSON")
    path = _model_file(tmp_path, preprocessing="[" * 100_000)
    refuses(load, path, "metadata entry 'preprocessing' is not valid JSON")


def test_unknown_layer_type(tmp_path: Path) -> None:
    evil = {"type": "Sequential", "modules": {"0": {"type": "os.system", "args": {"c": "rm"}}}}
    path = _model_file(tmp_path, architecture=json.dumps(evil))
    refuses(load, path, "architecture.0: unknown layer type 'os.system'")


def test_architecture_that_does_not_fit_the_weights(tmp_path: Path) -> None:
    config = {"type": "Linear", "args": {"in_features": 4, "out_features": 8}}
    path = _model_file(tmp_path, architecture=json.dumps(config))
    refuses(load, path, "the weights do not fit the architecture", "Unexpected key(s)")


@pytest.mark.parametrize(
    ("metadata", "fragment"),
    [
        ({"__tensor__": "missing"}, "refers to a tensor 'missing' it lacks"),
        ({"x": {"__ndarray__": {"dtype": "O", "shape": [1], "data": [1]}}}, "malformed"),
        ({"x": {"__ndarray__": {"dtype": "<f4", "shape": [3], "data": [1]}}}, "does not fit"),
        ({"x": {"__ndarray__": {"dtype": "<U99999999", "shape": [1], "data": [1]}}}, "malformed"),
        ({"x": {"__dict__": [[[1], 2]]}}, "malformed __dict__"),
        ({"x": {"__tuple__": 5}}, "malformed __tuple__"),
    ],
)
def test_malformed_metadata_values(tmp_path: Path, metadata: dict[str, Any], fragment: str) -> None:
    refuses(load, _model_file(tmp_path, metadata=json.dumps(metadata)), fragment)


def test_huge_declared_string_width_is_not_allocated(tmp_path: Path) -> None:
    strings = {"__ndarray__": {"dtype": "<U500000000", "shape": [2], "data": ["a", "bc"]}}
    path = _model_file(tmp_path, metadata=json.dumps({"s": strings}))
    with_strings = load_state_dict_file(path)  # the tensors are fine
    assert set(with_strings) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    from retrograd.io import load_with_info

    _, info = load_with_info(path)
    assert info.metadata["s"].dtype == np.dtype("<U2")


def test_checkpoint_with_bad_rng_state(tmp_path: Path) -> None:
    from retrograd.io import save_checkpoint

    save_checkpoint(tmp_path / "c", model=mlp(), epoch=1)
    content = (tmp_path / "c").read_bytes()
    length = int.from_bytes(content[:8], "little")
    header = json.loads(content[8 : 8 + length])
    header["__metadata__"]["rng"] = json.dumps({"bit_generator": "Evil", "state": {}})
    path = write(tmp_path / "bad", safetensors_bytes(header, content[8 + length :]))
    refuses(lambda p: load_checkpoint(p, model=mlp()), path, "random generator state")


def test_a_sound_file_still_loads(tmp_path: Path) -> None:
    """The checks above refuse only what is wrong: zero-size and 0-d tensors are fine."""
    state = {
        "empty": np.zeros((0, 3), np.float32),
        "scalar": np.array(2.5, np.float64),
        "flags": np.array([True, False]),
    }
    save_state_dict(state, tmp_path / "ok")
    loaded = load_state_dict_file(tmp_path / "ok")
    assert loaded["empty"].shape == (0, 3) and float(loaded["scalar"].array) == 2.5
