"""The built-in kind of an error matches PyTorch's, so `except RuntimeError` (or ValueError,
TypeError, IndexError) written for torch catches retrograd's error for the same mistake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

import retrograd as rg
from retrograd.errors import RetrogradError, ShapeError

CASES: dict[str, Callable[[Any], Any]] = {
    "add-broadcast": lambda lib: lib.ones(3) + lib.ones(4),
    "mul-broadcast-2d": lambda lib: lib.ones(2, 3) * lib.ones(4, 3),
    "matmul-shapes": lambda lib: lib.ones(2, 3) @ lib.ones(4, 5),
    "where-broadcast": lambda lib: lib.where(lib.ones(2) > 0, lib.ones(3), lib.ones(4)),
    "reshape-size": lambda lib: lib.ones(2, 3).reshape(4, 2),
    "cat-shapes": lambda lib: lib.cat([lib.ones(2, 3), lib.ones(2, 4)]),
    "index-out-of-range": lambda lib: lib.ones(3)[5],
    "embedding-row": lambda lib: lib.nn.functional.embedding(lib.tensor([7]), lib.ones(3, 2)),
    "cross-entropy-float-target": lambda lib: lib.nn.functional.cross_entropy(
        lib.ones(2, 3), lib.ones(2, 3, dtype=lib.int64)
    ),
    "linear-features": lambda lib: lib.nn.Linear(3, 2)(lib.ones(4, 5)),
}

KINDS = (RuntimeError, ValueError, TypeError, IndexError)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_error_has_pytorchs_builtin_kind(case: str) -> None:
    with pytest.raises(Exception) as theirs:
        CASES[case](torch)
    with pytest.raises(RetrogradError) as ours:
        CASES[case](rg)
    for kind in KINDS:
        if isinstance(theirs.value, kind):
            assert isinstance(ours.value, kind), (kind, ours.value)


def test_a_shape_mismatch_names_both_shapes_like_pytorch() -> None:
    with pytest.raises(
        ShapeError,
        match=r"size of tensor a \(3\) must match the size of tensor b"
        r" \(4\) at non-singleton dimension 1 \(shapes \(2, 3\) and \(4,\)\)",
    ):
        rg.ones(2, 3) - rg.ones(4)
