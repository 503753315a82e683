"""Hostile model files that are well-formed safetensors: an architecture that declares more
weights than the file stores, constructor arguments that would make NumPy allocate blindly, a
FIFO in place of a file, and a file replaced while it is read. Each is refused (or read
consistently) without allocating what the file merely declares."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
import textwrap
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from io_testing import mlp, params_equal, refuses
from safetensors import numpy as safetensors_numpy

from retrograd.io import load, load_checkpoint, load_state_dict_file, load_with_info, save
from retrograd.io.fileformat import header_metadata

MiB = 1 << 20
#: what a refusal may allocate at most: the header, the JSON, a few small objects
SMALL = 8 * MiB


def model_file(
    path: Path, architecture: dict[str, Any], tensors: dict[str, np.ndarray] | None = None
) -> Path:
    """A retrograd model file (written with the `safetensors` library) whose metadata declares
    `architecture` and which stores `tensors`."""
    metadata = header_metadata("model", architecture=architecture, preprocessing={}, metadata={})
    path.write_bytes(safetensors_numpy.save(tensors or {}, metadata=metadata))
    return path


def linear(in_features: int, out_features: int) -> dict[str, Any]:
    return {"type": "Linear", "args": {"in_features": in_features, "out_features": out_features}}


@contextmanager
def allocates_at_most(limit: int) -> Iterator[None]:
    """Fail when the body's peak traced allocation (NumPy's included) exceeds `limit` bytes."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= limit, f"allocated {peak / MiB:.1f} MiB, more than {limit / MiB:.1f} MiB"


# ------------------------------------------------------------ architecture against the tensors
@pytest.mark.parametrize(
    "architecture",
    [
        linear(4000, 4000),
        {"type": "Embedding", "args": {"num_embeddings": 200_000, "embedding_dim": 64}},
        {"type": "Sequential", "modules": {"0": linear(4, 8), "1": linear(8, 30000)}},
        {"type": "LSTM", "args": {"input_size": 500, "hidden_size": 500, "num_layers": 4}},
        {"type": "BatchNorm1d", "args": {"num_features": 5_000_000}},
    ],
    ids=["linear", "embedding", "sequential", "lstm", "batchnorm"],
)
def test_an_architecture_larger_than_the_tensors_is_refused_before_allocating(
    tmp_path: Path, architecture: dict[str, Any]
) -> None:
    small = {"0.weight": np.zeros((8, 4), np.float32), "0.bias": np.zeros(8, np.float32)}
    tensors = small if architecture["type"] == "Sequential" else {}
    path = model_file(tmp_path / "m.safetensors", architecture, tensors)
    with allocates_at_most(SMALL):
        refuses(load, path, str(path), "would create more weights than the file stores")


_BIG_LOAD = """
import resource, sys
from retrograd.io import ModelFileError, load
# an address-space limit a little above what the imports took: a blind allocation fails here
# instead of exhausting the machine
with open("/proc/self/statm") as statm:
    used = int(statm.read().split()[0]) * resource.getpagesize()
limit = used + 512 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    load(sys.argv[1])
except ModelFileError as error:
    print(error)
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("architecture", "gigabytes"),
    [
        (linear(20000, 20000), 4.7),
        ({"type": "Embedding", "args": {"num_embeddings": 10**8, "embedding_dim": 8}}, 9.4),
        (linear(40000, 40000), 19),
    ],
    ids=["linear-20000", "embedding-1e8", "linear-40000"],
)
def test_gigabyte_architectures_in_a_195_byte_file(
    tmp_path: Path, architecture: dict[str, Any], gigabytes: float
) -> None:
    """The files of the report (no tensors at all), under an address-space limit 512 MiB above
    the interpreter's: before the fix each built its `gigabytes` of weights."""
    path = model_file(tmp_path / "m.safetensors", architecture)
    assert path.stat().st_size < 400
    done = subprocess.run(
        [sys.executable, "-c", _BIG_LOAD, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "would create more weights than the file stores" in done.stdout, done.stdout


def test_a_dtype_argument_must_be_a_dtype_name(tmp_path: Path) -> None:
    """A list would become a NumPy sub-array dtype: each element a million floats."""
    architecture = linear(2, 3)
    architecture["args"]["dtype"] = ["<f4", [1_000_000]]
    path = model_file(tmp_path / "m.safetensors", architecture)
    with allocates_at_most(SMALL):
        refuses(load, path, str(path), "architecture.dtype", "a dtype must be a dtype name")
    architecture["args"]["dtype"] = "(1000000,)f4"
    path = model_file(tmp_path / "n.safetensors", architecture)
    refuses(load, path, "unknown dtype name")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(2**40, "an integer outside -2**31..2**31"), ("x" * 1000, "a string of 1000 characters")],
)
def test_constructor_arguments_are_checked(tmp_path: Path, value: Any, fragment: str) -> None:
    architecture = linear(2, 3)
    architecture["args"]["in_features"] = value
    path = model_file(tmp_path / "m.safetensors", architecture)
    with allocates_at_most(SMALL):
        refuses(load, path, str(path), "architecture.in_features", fragment)


def test_tensors_must_match_the_architecture_before_any_is_read(tmp_path: Path) -> None:
    """A 40 MB tensor the architecture does not have: refused from the header alone."""
    tensors = {
        "weight": np.zeros((3, 2), np.float32),
        "bias": np.zeros(3, np.float32),
        "extra": np.zeros(10_000_000, np.float32),
    }
    path = model_file(tmp_path / "m.safetensors", linear(2, 3), tensors)
    with allocates_at_most(SMALL):
        refuses(load, path, "Unexpected key(s) in the file: 'extra'")
    tensors = {"weight": np.zeros((2, 3), np.float32), "bias": np.zeros(3, np.float32)}
    path = model_file(tmp_path / "n.safetensors", linear(2, 3), tensors)
    refuses(load, path, "tensor 'weight' has shape (2, 3) but the architecture's has shape (3, 2)")
    tensors = {"weight": np.zeros((3, 2), np.int32), "bias": np.zeros(3, np.float32)}
    path = model_file(tmp_path / "o.safetensors", linear(2, 3), tensors)
    refuses(load, path, "tensor 'weight' has dtype int32 but the architecture's has dtype float32")


def test_matching_files_still_load(tmp_path: Path) -> None:
    """The limit is what the file stores: a model exactly that size loads, in the file's
    floating dtype."""
    tensors = {"weight": np.ones((3, 2), np.float64), "bias": np.ones(3, np.float64)}
    model = load(model_file(tmp_path / "m.safetensors", linear(2, 3), tensors))
    assert model.weight.dtype == np.float64 and float(model.weight.array.sum()) == 6.0
    save(mlp(), tmp_path / "mlp.safetensors")
    assert params_equal(load(tmp_path / "mlp.safetensors"), mlp())


# ------------------------------------------------------------------------- not regular files
_LOADERS: dict[str, Callable[[Path], Any]] = {
    "load": load,
    "load_state_dict_file": load_state_dict_file,
    "load_checkpoint": lambda path: load_checkpoint(path, model=mlp()),
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("loader", sorted(_LOADERS))
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, loader: str) -> None:
    """Opening a FIFO for reading blocks until a writer comes: it must be refused instead (run
    in a subprocess with a timeout, so a regression fails rather than hangs)."""
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    script = textwrap.dedent(
        f"""
        import sys
        from retrograd.io import ModelFileError, load, load_checkpoint, load_state_dict_file
        from retrograd import nn
        loaders = {{
            "load": load,
            "load_state_dict_file": load_state_dict_file,
            "load_checkpoint": lambda p: load_checkpoint(p, model=nn.Linear(1, 1)),
        }}
        try:
            loaders[{loader!r}](sys.argv[1])
        except ModelFileError as error:
            print(error)
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(fifo)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{loader} blocked on a FIFO")
    assert done.stdout.strip() == f"{fifo}: is a FIFO (named pipe); a model, weights or " + (
        "checkpoint file must be a file"
    ), done.stdout + done.stderr[-2000:]


def test_a_directory_is_refused(tmp_path: Path) -> None:
    refuses(load, tmp_path, str(tmp_path), "is a directory")


# ------------------------------------------------------------------------ one handle per load
def test_header_and_tensors_come_from_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is replaced (renamed over) right after the load first opens it: the metadata
    and the weights must both be the first file's."""
    target = tmp_path / "model.safetensors"
    other = tmp_path / "other.safetensors"
    save(mlp(0), target, metadata={"seed": 0})
    save(mlp(1), other, metadata={"seed": 1})
    swapped: list[bool] = []

    def swap(path: Any) -> None:
        if not swapped and isinstance(path, (str, os.PathLike)) and Path(path) == target:
            swapped.append(True)
            os.replace(other, target)

    real_open, real_os_open = builtins.open, os.open

    def opening(file: Any, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(file, *args, **kwargs)
        swap(file)
        return handle

    def os_opening(path: Any, *args: Any, **kwargs: Any) -> int:
        descriptor = real_os_open(path, *args, **kwargs)
        swap(path)
        return descriptor

    monkeypatch.setattr(builtins, "open", opening)
    monkeypatch.setattr(os, "open", os_opening)
    model, info = load_with_info(target)
    monkeypatch.undo()
    assert swapped, "the file was never opened by name"
    seed = info.metadata["seed"]
    assert params_equal(model, mlp(seed)), f"metadata of seed {seed} with other weights"
