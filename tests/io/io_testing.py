"""Shared helpers for the io tests: hand-made safetensors bytes and timing checks."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn
from retrograd.io import ModelFileError

#: a refusal must come at once: nothing is read beyond the header, nothing large allocated
FAST_SECONDS = 5.0  # a refusal that reads or allocates what a file claims takes far longer


def mlp(seed: int = 0) -> nn.Sequential:
    """A small seeded MLP: 4 -> 8 -> 3."""
    rg.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def safetensors_bytes(header: dict[str, Any] | bytes, data: bytes = b"") -> bytes:
    """A file by hand: the 8-byte little-endian header length, the header, the data."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return len(raw).to_bytes(8, "little") + raw + data


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def f32_entry(shape: list[int], begin: int, end: int) -> dict[str, Any]:
    return {"dtype": "F32", "shape": shape, "data_offsets": [begin, end]}


@contextmanager
def quickly() -> Iterator[None]:
    """Fail when the body takes longer than FAST_SECONDS."""
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    assert elapsed < FAST_SECONDS, f"took {elapsed:.2f} s"


def refuses(load: Callable[[Path], Any], path: Path, *fragments: str) -> str:
    """Assert `load(path)` raises ModelFileError, fast, with every fragment in the message."""
    with quickly(), pytest.raises(ModelFileError) as caught:
        load(path)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


def params_equal(a: nn.Module, b: nn.Module) -> bool:
    """Bit-identical state dicts (same keys, dtypes and values)."""
    sa, sb = a.state_dict(), b.state_dict()
    return list(sa) == list(sb) and all(
        sa[k].dtype == sb[k].dtype and np.array_equal(sa[k].array, sb[k].array) for k in sa
    )
