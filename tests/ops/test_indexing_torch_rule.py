"""Indexing follows PyTorch's rule for mixed indices: integers select first, and tensor indices
are placed by adjacency among the dims that remain (NumPy's rule differs). Random index tuples
(ints, slices, None, Ellipsis, Python bools, bool masks, integer tensors and lists, 0-d tensors)
are run on both libraries: shape, values and gradients for getitem and setitem."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close, check, rand, seeds

KINDS = ["int", "slice", "none", "ellipsis", "bool", "mask", "array", "scalar_tensor"]


@st.composite
def shape_and_index(draw: Any) -> tuple[tuple[int, ...], list[tuple[str, Any]]]:
    """A shape and an index plan: (kind, value) pairs with arrays as NumPy arrays."""
    shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=4)))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    if kinds.count("ellipsis") > 1:
        first = kinds.index("ellipsis")
        kinds = [k for i, k in enumerate(kinds) if k != "ellipsis" or i == first]
    spans = {k: 1 for k in ("int", "slice", "array", "scalar_tensor")}
    mask_spans = [draw(st.integers(1, 2)) for _ in kinds]
    consumed = 0
    kept: list[tuple[str, int]] = []
    for kind, mask_span in zip(kinds, mask_spans):
        span = mask_span if kind == "mask" else spans.get(kind, 0)
        if consumed + span > len(shape):
            continue
        consumed += span
        kept.append((kind, span))
    ellipsis_size = len(shape) - consumed
    array_shape = draw(st.sampled_from([(2,), (1,), (3,), (2, 2), (1, 2)]))
    plan: list[tuple[str, Any]] = []
    dim = 0
    for kind, span in kept:
        if kind == "ellipsis":
            plan.append((kind, Ellipsis))
            dim += ellipsis_size
            continue
        if kind == "none":
            plan.append((kind, None))
            continue
        if kind == "bool":
            plan.append((kind, draw(st.booleans())))
            continue
        size = shape[dim]
        if kind == "int":
            plan.append((kind, draw(st.integers(-size, size - 1))))
        elif kind == "scalar_tensor":
            plan.append((kind, np.array(draw(st.integers(-size, size - 1)))))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-size, size))
            stop = draw(st.none() | st.integers(-size, size))
            step = draw(st.none() | st.integers(1, 2))
            plan.append((kind, slice(start, stop, step)))
        elif kind == "array":
            values = draw(
                st.lists(
                    st.integers(-size, size - 1),
                    min_size=int(np.prod(array_shape)),
                    max_size=int(np.prod(array_shape)),
                )
            )
            container = draw(st.sampled_from(["tensor", "list", "ndarray"]))
            plan.append((container, np.array(values, dtype=np.int64).reshape(array_shape)))
        elif kind == "mask":
            mask_shape = shape[dim : dim + span]
            n = int(np.prod(mask_shape))
            bits = draw(st.lists(st.booleans(), min_size=n, max_size=n))
            plan.append((kind, np.array(bits, dtype=bool).reshape(mask_shape)))
        dim += span
    return shape, plan


def ours(plan: list[tuple[str, Any]]) -> tuple[Any, ...]:
    out: list[Any] = []
    for kind, value in plan:
        if kind in ("tensor", "mask", "scalar_tensor"):
            out.append(rg.tensor(value))
        elif kind == "list":
            out.append(value.tolist())
        else:
            out.append(value)
    return tuple(out)


def theirs(plan: list[tuple[str, Any]]) -> tuple[Any, ...]:
    out: list[Any] = []
    for kind, value in plan:
        if kind in ("tensor", "mask", "scalar_tensor", "ndarray"):
            out.append(torch.tensor(value))
        elif kind == "list":
            out.append(value.tolist())
        else:
            out.append(value)
    return tuple(out)


def torch_error(fn: Any) -> BaseException | None:
    try:
        fn()
    except (IndexError, RuntimeError) as error:
        return error
    return None


@settings(max_examples=150, deadline=None)
@given(shape_and_index(), seeds)
def test_getitem_matches_pytorch(case, seed):
    shape, plan = case
    index_ours, index_theirs = ours(plan), theirs(plan)
    if torch_error(lambda: torch.zeros(shape)[index_theirs]) is not None:
        with pytest.raises(IndexError):
            rg.zeros(*shape)[index_ours]
        return
    check(lambda a: a[index_ours], shape, torch_fn=lambda a: a[index_theirs], seed=seed)


@settings(max_examples=150, deadline=None)
@given(shape_and_index(), seeds, st.booleans())
def test_setitem_matches_pytorch(case, seed, full_value):
    """x[index] = v inside the graph: the result and the gradients of x and v."""
    shape, plan = case
    index_ours, index_theirs = ours(plan), theirs(plan)
    if torch_error(lambda: torch.zeros(shape)[index_theirs]) is not None:
        with pytest.raises(IndexError):
            rg.zeros(*shape)[index_ours] = 1.0
        return
    target = tuple(torch.zeros(shape)[index_theirs].shape)
    # repeated integer indices write the same place twice; only a broadcast value makes that
    # well defined, so a full-shape value is used only without integer arrays. PyTorch then
    # sends the gradient of each write back to the value (finite differences see one write).
    has_arrays = any(kind in ("tensor", "list", "ndarray") for kind, _ in plan)
    value_shape = target if full_value and not has_arrays else ()

    def assign(x: Any, v: Any, index: Any) -> Any:
        y = x * 1
        y[index] = v
        return y

    check(
        lambda x, v: assign(x, v, index_ours),
        shape,
        value_shape,
        torch_fn=lambda x, v: assign(x, v, index_theirs),
        seed=seed,
        fd=not has_arrays,
    )


MIXED = [
    # (shape, index) with an integer and a tensor separated by a slice: the examples of the rule
    ((2, 3, 4), (0, slice(None), [0, 1])),
    ((2, 3, 4), ([0, 1], slice(None), 0)),
    ((2, 3, 4), (slice(None), 1, [0, 2, 3])),
    ((2, 3, 4), ([1, 0], 1, [0, 1])),
    ((2, 3, 4), (1, None, [0, 1])),
    ((2, 3, 4), (Ellipsis, 1, [0, 3])),
    ((2, 3, 4), (True, [0, 1])),
]


@pytest.mark.parametrize(("shape", "index"), MIXED, ids=repr)
def test_integer_and_tensor_index_shapes_match_pytorch(shape, index):
    torch_index = tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)
    check(lambda a: a[index], shape, torch_fn=lambda a: a[torch_index])


def test_int_then_slice_then_tensor_is_three_by_two():
    x = rg.tensor(rand((2, 3, 4)))
    y = x[0, :, rg.tensor([0, 1])]
    assert y.shape == (3, 2)
    assert_close(y, torch.tensor(rand((2, 3, 4)))[0, :, torch.tensor([0, 1])])


def test_setitem_without_grad_uses_the_same_rule():
    x = rg.zeros(2, 3, 4)
    x[0, :, [0, 1]] = rg.tensor(np.arange(6.0).reshape(3, 2), dtype=rg.float32)
    t = torch.zeros(2, 3, 4)
    t[0, :, [0, 1]] = torch.arange(6.0).reshape(3, 2)
    assert_close(x, t)


def test_empty_list_index_is_an_empty_selection():
    check(lambda a: a[[]], (3, 2), torch_fn=lambda a: a[torch.tensor([], dtype=torch.int64)])


def test_a_computed_0d_integer_tensor_indexes_like_an_int():
    # `where[i] + 1` is a 0-d result of arithmetic, as in `x[i, where[i] + 1] = v`
    x, t = rg.zeros(2, 5), torch.zeros(2, 5)
    w, tw = rg.tensor([1, 2]), torch.tensor([1, 2])
    x[0, w[0] + 1] = 3.0
    t[0, tw[0] + 1] = 3.0
    assert_close(x, t)
    assert x[0, w[1] * 1].item() == t[0, tw[1] * 1].item()


@pytest.mark.parametrize(
    "index",
    [
        lambda lib: ((0,), lib.tensor([0, 2]), slice(None)),
        lambda lib: ((0, 1), slice(None)),
        lambda lib: (1, (0, 2)),
        lambda lib: ((1, 0), (2, 1)),
    ],
    ids=["tuple-then-tensor", "tuple-then-slice", "int-then-tuple", "two-tuples"],
)
def test_a_tuple_inside_an_index_is_an_advanced_index_like_pytorch(index) -> None:  # type: ignore[no-untyped-def]
    ours = rg.arange(24.0).reshape(2, 3, 4).requires_grad_()
    theirs = torch.arange(24.0).reshape(2, 3, 4).requires_grad_()
    a, b = ours[index(rg)], theirs[index(torch)]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
