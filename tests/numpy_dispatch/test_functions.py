"""NumPy's functions on Tensors (NEP 18): every function in the dispatch table, forward and
backward, against the retrograd-op spelling and against PyTorch, on hypothesis-drawn shapes."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

import retrograd as rg
from helpers import broadcast_shapes, distinct, rand, seeds, shape_and_dim, shapes

from .compare import compare


def _axis(draw: Any, shape: tuple[int, ...]) -> int | None:
    return draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None


@given(st.data(), shapes(), seeds, st.booleans())
def test_sum_and_mean(data: Any, shape: tuple[int, ...], seed: int, keep: bool) -> None:
    axis = _axis(data.draw, shape)
    dims: Any = () if axis is None else axis
    a = rand(shape, seed)
    compare(
        lambda t: np.sum(t, axis=axis, keepdims=keep),
        lambda t: t.sum(axis, keepdim=keep),
        lambda t: torch.sum(t, dims, keepdim=keep),
        a,
        seed=seed,
    )
    compare(
        lambda t: np.mean(t, axis=axis, keepdims=keep),
        lambda t: t.mean(axis, keepdim=keep),
        lambda t: torch.mean(t, dims, keepdim=keep),
        a,
        seed=seed,
    )


@given(broadcast_shapes(2, min_dims=1), seeds)
def test_sum_with_where(shapes_: tuple[Any, ...], seed: int) -> None:
    shape = np.broadcast_shapes(*shapes_)
    mask = rand(shapes_[1], seed + 3) > 0
    compare(
        lambda t: np.sum(np.broadcast_to(t, shape), axis=0, where=mask),
        lambda t: rg.where(mask, t.broadcast_to(shape), 0).sum(0),
        lambda t: torch.where(torch.tensor(mask), t.broadcast_to(shape), 0).sum(0),
        rand(shapes_[0], seed),
        seed=seed,
    )


@given(st.data(), shapes(min_dims=1), seeds, st.sampled_from([0, 1]), st.booleans())
def test_var_and_std(data: Any, shape: tuple[int, ...], seed: int, ddof: int, keep: bool) -> None:
    axis = _axis(data.draw, shape)
    count = int(np.prod(shape)) if axis is None else shape[axis]
    if count <= ddof:
        return
    dims: Any = None if axis is None else axis
    a = rand(shape, seed)
    for name in ("var", "std"):
        compare(
            lambda t, n=name: getattr(np, n)(t, axis=axis, ddof=ddof, keepdims=keep),
            lambda t, n=name: getattr(t, n)(axis, correction=ddof, keepdim=keep),
            lambda t, n=name: getattr(torch, n)(t, dims, correction=ddof, keepdim=keep),
            a,
            seed=seed,
        )


@given(st.data(), shapes(), seeds, st.booleans())
def test_max_min_amax_amin(data: Any, shape: tuple[int, ...], seed: int, keep: bool) -> None:
    axis = _axis(data.draw, shape)
    dims: Any = () if axis is None else axis
    a = distinct(shape, seed)
    for np_fn, method, torch_fn in (
        (np.max, "amax", torch.amax),
        (np.amax, "amax", torch.amax),
        (np.min, "amin", torch.amin),
        (np.amin, "amin", torch.amin),
    ):
        compare(
            lambda t, f=np_fn: f(t, axis=axis, keepdims=keep),
            lambda t, m=method: getattr(t, m)(axis, keepdim=keep),
            lambda t, f=torch_fn: f(t, dims, keepdim=keep),
            a,
            seed=seed,
        )


@given(st.data(), shapes(), seeds, st.booleans())
def test_prod(data: Any, shape: tuple[int, ...], seed: int, keep: bool) -> None:
    axis = _axis(data.draw, shape)
    a = rand(shape, seed, 0.5, 1.5)
    compare(
        lambda t: np.prod(t, axis=axis, keepdims=keep),
        lambda t: t.prod(axis, keepdim=keep),
        lambda t: _torch_prod(t, axis, keep),
        a,
        seed=seed,
    )


def _torch_prod(t: torch.Tensor, axis: int | None, keep: bool) -> torch.Tensor:
    if axis is not None:
        return torch.prod(t, axis, keepdim=keep)
    return torch.prod(t).reshape((1,) * t.ndim) if keep else torch.prod(t)  # NumPy's keepdims


def test_prod_over_several_axes() -> None:
    a = rand((2, 3, 2), 0, 0.5, 1.5)
    compare(
        lambda t: np.prod(t, axis=(0, 2)),
        lambda t: t.prod(2).prod(0),
        lambda t: t.prod(2).prod(0),
        a,
    )


@given(st.data(), shapes(), seeds)
def test_cumsum(data: Any, shape: tuple[int, ...], seed: int) -> None:
    axis = _axis(data.draw, shape)
    compare(
        lambda t: np.cumsum(t, axis=axis),
        lambda t: t.reshape(-1).cumsum(0) if axis is None else t.cumsum(axis),
        lambda t: torch.cumsum(t.reshape(-1), 0) if axis is None else torch.cumsum(t, axis),
        rand(shape, seed),
        seed=seed,
    )


@given(shapes(), seeds, st.sampled_from([(-0.5, 0.7), (None, 0.3), (-0.3, None)]))
def test_clip(shape: tuple[int, ...], seed: int, bounds: tuple[Any, Any]) -> None:
    low, high = bounds
    compare(
        lambda t: np.clip(t, low, high),
        lambda t: t.clamp(low, high),
        lambda t: torch.clamp(t, low, high),
        distinct(shape, seed, gap=0.07),
        seed=seed,
    )


@given(broadcast_shapes(3), seeds)
def test_where(shapes_: tuple[Any, ...], seed: int) -> None:
    condition = rand(shapes_[0], seed + 5) > 0
    compare(
        lambda a, b: np.where(condition, a, b),
        lambda a, b: rg.where(condition, a, b),
        lambda a, b: torch.where(torch.tensor(condition), a, b),
        rand(shapes_[1], seed),
        rand(shapes_[2], seed + 1),
        seed=seed,
    )


@given(shape_and_dim(), seeds, st.integers(1, 3))
def test_concatenate_and_stack(shape_dim: Any, seed: int, extra: int) -> None:
    shape, dim = shape_dim
    other = list(shape)
    other[dim] = extra
    a, b = rand(shape, seed), rand(tuple(other), seed + 1)
    compare(
        lambda x, y: np.concatenate([x, y], axis=dim),
        lambda x, y: rg.cat([x, y], dim),
        lambda x, y: torch.cat([x, y], dim),
        a,
        b,
        seed=seed,
    )
    c = rand(shape, seed + 2)
    compare(
        lambda x, y: np.stack((x, y), axis=dim),
        lambda x, y: rg.stack([x, y], dim),
        lambda x, y: torch.stack([x, y], dim),
        a,
        c,
        seed=seed,
    )


def test_concatenate_with_axis_none_and_an_ndarray() -> None:
    const = rand((4,), 9)
    compare(
        lambda x: np.concatenate([x, const], axis=None),
        lambda x: rg.cat([x.reshape(-1), rg.tensor(const)]),
        lambda x: torch.cat([x.reshape(-1), torch.tensor(const)]),
        rand((2, 3), 0),
        device=False,  # a host array next to a GPU tensor is an error
    )


@given(shapes(), seeds)
def test_reshape_ravel_transpose(shape: tuple[int, ...], seed: int) -> None:
    a = rand(shape, seed)
    target = tuple(reversed(shape))
    compare(
        lambda t: np.reshape(t, target),
        lambda t: t.reshape(target),
        lambda t: torch.reshape(t, target),
        a,
        seed=seed,
    )
    compare(np.ravel, lambda t: t.reshape(-1), torch.ravel, a, seed=seed)
    order = tuple(reversed(range(len(shape))))
    compare(np.transpose, lambda t: t.permute(*order), lambda t: t.permute(order), a, seed=seed)
    perm = tuple(np.random.default_rng(seed).permutation(len(shape)).tolist())
    compare(
        lambda t: np.transpose(t, perm),
        lambda t: t.permute(*perm),
        lambda t: t.permute(perm),
        a,
        seed=seed,
    )


@given(shapes(min_dims=1), seeds, st.data())
def test_swapaxes_moveaxis_flip(shape: tuple[int, ...], seed: int, data: Any) -> None:
    n = len(shape)
    i, j = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    a = rand(shape, seed)
    compare(
        lambda t: np.swapaxes(t, i, j),
        lambda t: t.transpose(i, j),
        lambda t: torch.swapaxes(t, i, j),
        a,
        seed=seed,
    )
    compare(
        lambda t: np.moveaxis(t, i, j),
        lambda t: t.permute(*_moved(n, i, j)),
        lambda t: torch.moveaxis(t, i, j),
        a,
        seed=seed,
    )
    compare(
        lambda t: np.flip(t, i), lambda t: t.flip(i), lambda t: torch.flip(t, (i,)), a, seed=seed
    )
    every = tuple(range(n))
    compare(np.flip, lambda t: t.flip(every), lambda t: torch.flip(t, every), a, seed=seed)


def _moved(n: int, source: int, target: int) -> list[int]:
    order = [d for d in range(n) if d != source % n]
    order.insert(target % n, source % n)
    return order


@given(shapes(), seeds, st.data())
def test_squeeze_and_expand_dims(shape: tuple[int, ...], seed: int, data: Any) -> None:
    a = rand(shape, seed)
    compare(np.squeeze, lambda t: t.squeeze(), torch.squeeze, a, seed=seed)
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    compare(
        lambda t: np.expand_dims(t, axis),
        lambda t: t.unsqueeze(axis),
        lambda t: torch.unsqueeze(t, axis),
        a,
        seed=seed,
    )


@given(broadcast_shapes(2), seeds)
def test_broadcast_to_and_tile(shapes_: tuple[Any, ...], seed: int) -> None:
    source = shapes_[0]
    target = np.broadcast_shapes(*shapes_)
    a = rand(source, seed)
    compare(
        lambda t: np.broadcast_to(t, target),
        lambda t: t.broadcast_to(target),
        lambda t: torch.broadcast_to(t, target),
        a,
        seed=seed,
    )
    reps = (2,) * max(len(source), 1)
    compare(
        lambda t: np.tile(t, reps),
        lambda t: t.repeat(*reps),
        lambda t: torch.tile(t, reps),
        a,
        seed=seed,
    )


@given(shapes(min_dims=1, max_dims=3), seeds, st.integers(0, 2), st.integers(0, 2))
def test_pad(shape: tuple[int, ...], seed: int, before: int, after: int) -> None:
    widths = [(before, after)] + [(0, 1)] * (len(shape) - 1)
    flat = [w for pair in reversed(widths) for w in pair]
    compare(
        lambda t: np.pad(t, widths, constant_values=0.5),
        lambda t: rg.nn.functional.pad(t, flat, value=0.5),
        lambda t: F.pad(t, flat, value=0.5),
        rand(shape, seed),
        seed=seed,
    )


@st.composite
def dot_shapes(draw: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """np.dot's cases: scalars, vectors, matrices and N-d with N-d (a sum over the last axis of a
    and the second-to-last of b)."""
    n, k, m, p = (draw(st.integers(1, 3)) for _ in range(4))
    left = draw(st.sampled_from([(), (k,), (n, k), (p, n, k)]))
    right = draw(st.sampled_from([(), (k,), (k, m), (p, k, m)]))
    if left == ():
        right = draw(st.sampled_from([(), (k,), (k, m)]))
    return left, right


def _torch_dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return torch.tensordot(a, b, dims=([-1], [0 if b.ndim == 1 else -2]))


@given(dot_shapes(), seeds)
def test_dot(shapes_: tuple[Any, ...], seed: int) -> None:
    a, b = rand(shapes_[0], seed), rand(shapes_[1], seed + 1)
    compare(np.dot, _rg_dot, _torch_dot, a, b, seed=seed)


def _rg_dot(a: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return a @ b
    moved = b.permute(b.ndim - 2, *[d for d in range(b.ndim) if d != b.ndim - 2])
    out = a.reshape(-1, a.shape[-1]) @ moved.reshape(b.shape[-2], -1)
    return out.reshape(a.shape[:-1] + b.shape[:-2] + b.shape[-1:])


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), seeds)
def test_inner_outer_tensordot(n: int, m: int, k: int, seed: int) -> None:
    a, b = rand((n, k), seed), rand((m, k), seed + 1)
    compare(np.inner, lambda x, y: x @ y.T, torch.inner, a, b, seed=seed)
    u, v = rand((n,), seed + 2), rand((m,), seed + 3)
    compare(
        np.outer, lambda x, y: x.reshape(-1, 1) * y.reshape(1, -1), torch.outer, u, v, seed=seed
    )
    c = rand((k, n, m), seed + 4)
    d = rand((m, k, 2), seed + 5)
    compare(
        lambda x, y: np.tensordot(x, y, axes=([0, 2], [1, 0])),
        lambda x, y: x.permute(1, 0, 2).reshape(n, k * m) @ y.permute(1, 0, 2).reshape(k * m, 2),
        lambda x, y: torch.tensordot(x, y, dims=([0, 2], [1, 0])),
        c,
        d,
        seed=seed,
    )
    compare(
        lambda x, y: np.tensordot(x, y, axes=1),
        lambda x, y: x @ y,
        lambda x, y: torch.tensordot(x, y, dims=1),
        rand((n, k), seed + 6),
        rand((k, m), seed + 7),
        seed=seed,
    )


@given(shapes(min_dims=1, max_dims=3), seeds, st.sampled_from([None, 1, 2, np.inf]))
def test_linalg_norm(shape: tuple[int, ...], seed: int, order: Any) -> None:
    a = distinct(shape, seed)
    compare(
        lambda t: np.linalg.norm(t, order, axis=-1),
        lambda t: t.norm(2 if order is None else order, -1),
        lambda t: torch.linalg.vector_norm(t, 2 if order is None else order, dim=-1),
        a,
        seed=seed,
    )
    compare(
        np.linalg.norm,
        lambda t: t.norm(2),
        lambda t: torch.linalg.vector_norm(t),
        a,
        seed=seed,
    )


def test_numpy_aliases_are_the_same_functions() -> None:
    """np.concat and np.permute_dims are other names of np.concatenate and np.transpose."""
    assert np.concat is np.concatenate and np.permute_dims is np.transpose
    t = rg.tensor(rand((2, 3), 0), requires_grad=True)
    assert np.concat([t, t]).shape == (4, 3) and np.permute_dims(t).shape == (3, 2)


@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), seeds)
def test_einsum(n: int, m: int, k: int, seed: int) -> None:
    a, b = rand((n, k), seed), rand((2, k, m), seed + 1)
    compare(
        lambda x, y: np.einsum("ij,bjk->bik", x, y),
        lambda x, y: rg.einsum("ij,bjk->bik", x, y),
        lambda x, y: torch.einsum("ij,bjk->bik", x, y),
        a,
        b,
        seed=seed,
    )
