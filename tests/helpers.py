"""Shared test helpers: run one function on retrograd and on PyTorch and compare.

`check(fn, *inputs)` is the op test: it builds float64 inputs, runs `fn` on retrograd tensors and
on torch tensors, compares the forward results, then backpropagates the same random upstream
gradient through both and compares the input gradients, and finally compares retrograd's
gradients with central finite differences (`numeric_grad`).

Hypothesis strategies: `shapes`, `broadcast_shapes` (n mutually broadcastable shapes), `dims`
(a dim of a shape, negative ones included) and `seeds` (values are drawn from a seeded generator
rather than element by element: hypothesis's element-wise arrays repeat one fill value, which
puts ties and non-differentiable points everywhere).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import retrograd as rg
from retrograd.backend.arrays import emulate, to_host
from retrograd.errors import UnsupportedError

RTOL = 1e-6  # float64 against PyTorch: only summation order may differ
ATOL = 1e-9
FD_EPS = 1e-6
FD_RTOL = 1e-4  # central differences in float64 are good to about eps**2 + 1e-16 / eps
FD_ATOL = 1e-6

Input = Any  # a shape (tuple of ints) or an ndarray


# ---------------------------------------------------------------------- values
def rand(shape: Sequence[int], seed: int = 0, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform float64 values in [low, high)."""
    return np.asarray(np.random.default_rng(seed).uniform(low, high, tuple(shape)))


def distinct(shape: Sequence[int], seed: int = 0, gap: float = 0.1) -> np.ndarray:
    """float64 values at least `gap` apart (no ties, no zero): safe for max, abs, sort-like ops."""
    n = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(seed)
    values = (rng.permutation(n) - n / 2 + 0.5) * gap + rng.uniform(-gap / 4, gap / 4, n)
    return values.reshape(tuple(shape))


def _as_array(spec: Input, seed: int, low: float, high: float) -> np.ndarray:
    if isinstance(spec, (np.ndarray, np.generic)):
        return np.asarray(spec)
    return rand(spec, seed, low, high)


# ---------------------------------------------------------------------- comparison
def _outputs(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _np(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    return np.asarray(t.array if isinstance(t, rg.Tensor) else t)


def assert_close(
    actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL, what: str = ""
) -> None:
    """Same shape, same dtype and close values (NaN equal to NaN)."""
    a, e = _np(actual), _np(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != {e.dtype}"
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def numeric_grad(
    f: Callable[[list[np.ndarray]], float], arrays: list[np.ndarray], eps: float = FD_EPS
) -> list[np.ndarray]:
    """Central differences of the scalar `f(arrays)` with respect to each float array."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array, dtype=np.float64)
        if array.dtype.kind == "f":
            for i in np.ndindex(array.shape):
                old = array[i]
                array[i] = old + eps
                up = f(arrays)
                array[i] = old - eps
                down = f(arrays)
                array[i] = old
                grad[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def check(
    fn: Callable[..., Any],
    *inputs: Input,
    torch_fn: Callable[..., Any] | None = None,
    seed: int = 0,
    low: float = -2.0,
    high: float = 2.0,
    grad: bool = True,
    fd: bool = True,
    rtol: float = RTOL,
    atol: float = ATOL,
    device: bool = True,
) -> list[rg.Tensor]:
    """Compare `fn` on retrograd with `torch_fn` (default: `fn`) on PyTorch, forward and backward.

    **Arguments:** `inputs` are shapes (filled with uniform values in [low, high) from `seed`) or
    arrays; float inputs require grad. `grad=False` compares the forward only; `fd=False` skips
    finite differences. `device=False` skips the rerun on the emulated GPU (`on_device`), for a
    `fn` that mixes in host arrays on purpose. **Returns** the retrograd inputs (their `.grad`
    filled).
    """
    arrays = [_as_array(spec, seed + i, low, high) for i, spec in enumerate(inputs)]
    floats = [a.dtype.kind == "f" for a in arrays]
    ours = [rg.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    theirs = [torch.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    out_ours = _outputs(fn(*ours))
    out_theirs = _outputs((torch_fn or fn)(*theirs))
    assert len(out_ours) == len(out_theirs), "different number of outputs"
    for k, (o, t) in enumerate(zip(out_ours, out_theirs)):
        assert_close(o, t, rtol, atol, what=f"forward output {k}")
    if not grad or not any(floats):
        if device:
            on_device(fn, arrays, floats, False, out_ours, ours)
        return ours

    rng = np.random.default_rng(seed + 1000)
    upstream = [rng.standard_normal(_np(t).shape) if t.requires_grad else None for t in out_theirs]
    differentiable = [k for k, g in enumerate(upstream) if g is not None]
    assert differentiable, "no output requires grad"
    for k in differentiable:
        assert out_ours[k].requires_grad, f"output {k} does not require grad"
    _backward(
        [out_ours[k] for k in differentiable], [upstream[k] for k in differentiable], rg.tensor
    )
    _backward(
        [out_theirs[k] for k in differentiable], [upstream[k] for k in differentiable], torch.tensor
    )
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if not floats[i]:
            continue
        expected = np.zeros_like(arrays[i]) if t.grad is None else t.grad
        assert o.grad is not None, f"input {i} got no gradient"
        assert_close(o.grad, expected, rtol, atol, what=f"gradient of input {i}")

    if device:
        on_device(fn, arrays, floats, True, out_ours, ours, upstream)
    if fd:

        def loss(values: list[np.ndarray]) -> float:
            with rg.no_grad():
                outs = _outputs(fn(*[rg.tensor(v) for v in values]))
            return float(sum(np.sum(outs[k].array * upstream[k]) for k in differentiable))

        numeric = numeric_grad(loss, [a.copy() for a in arrays])
        for i, (o, n) in enumerate(zip(ours, numeric)):
            if floats[i]:
                np.testing.assert_allclose(
                    o.grad.array,
                    n,
                    rtol=FD_RTOL,
                    atol=FD_ATOL,
                    err_msg=f"finite differences, input {i}",
                )
    return ours


#: "1" under `make gpu-check`: "cuda" is the real GPU and results are compared with tolerances
#: (another device's kernels sum in another order); else the emulated one, bit for bit
REAL_GPU = os.environ.get("RETROGRAD_TEST_GPU") == "1"


def gpu() -> contextlib.AbstractContextManager[None]:
    """The context in which "cuda" names the device under test."""
    return contextlib.nullcontext() if REAL_GPU else emulate()


def on_device(
    fn: Callable[..., Any],
    arrays: list[np.ndarray],
    floats: list[bool],
    grad: bool,
    cpu_outputs: list[Any],
    cpu_inputs: list[rg.Tensor],
    upstream: list[Any] | None = None,
) -> None:
    """Run `fn` again on the emulated GPU (NumPy under CuPy's rules, so every NumPy-only call
    in the op is an error) and require the CPU's outputs and gradients bit for bit. An op
    declared CPU-only (`Node.cpu_only`, listed in the docs) may refuse with `UnsupportedError`."""
    with gpu():
        inputs = [
            rg.tensor(a, requires_grad=grad and f, device="cuda") for a, f in zip(arrays, floats)
        ]
        try:
            outputs = _outputs(fn(*inputs))
        except UnsupportedError as error:
            if "runs on the CPU only" in str(error):
                return
            raise
        assert len(outputs) == len(cpu_outputs), "device: different number of outputs"
        for k, (o, c) in enumerate(zip(outputs, cpu_outputs)):
            if isinstance(c, rg.Tensor):
                assert isinstance(o, rg.Tensor), f"device: output {k} is not a tensor"
                assert o.is_cuda, f"device: output {k} is on {o.device}"
                _same(to_host(o.array), c.array, f"device: forward output {k}")
            else:
                assert o == c, f"device: output {k}: {o!r} != {c!r}"
        if upstream is None:
            return
        chosen = [k for k, g in enumerate(upstream) if g is not None]
        _backward(
            [outputs[k] for k in chosen],
            [upstream[k] for k in chosen],
            lambda g: rg.tensor(g, device="cuda"),
        )
        for i, (d, c) in enumerate(zip(inputs, cpu_inputs)):
            if floats[i]:
                assert d.grad is not None, f"device: input {i} got no gradient"
                assert d.grad.is_cuda, f"device: gradient {i} is on {d.grad.device}"
                _same(to_host(d.grad.array), c.grad.array, f"device: gradient of input {i}")


def _same(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    """Equal bit for bit on the emulated GPU; close on a real one (1e-10 in float64)."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (
        f"{what}: {actual.shape} {actual.dtype} != {expected.shape} {expected.dtype}"
    )
    if REAL_GPU and actual.dtype.kind == "f":
        tolerance = 1e-10 if actual.dtype == np.float64 else 1e-4
        np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance, err_msg=what)
        return
    np.testing.assert_array_equal(actual, expected, err_msg=what, strict=True)


def _backward(outs: list[Any], grads: list[np.ndarray], make: Callable[[Any], Any]) -> None:
    if len(outs) == 1:
        outs[0].backward(make(grads[0]))
        return
    total = sum((o * make(g)).sum() for o, g in zip(outs, grads))
    total.backward()


# ---------------------------------------------------------------------- strategies
def shapes(
    min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 3
) -> st.SearchStrategy:
    """Array shapes, size-1 dims included."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcast_shapes(
    n: int = 2, min_dims: int = 0, max_dims: int = 4, max_side: int = 3
) -> st.SearchStrategy:
    """Tuples of `n` shapes that broadcast together (size-1 and missing dims on every axis)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, max_side=max_side
    ).map(lambda b: b.input_shapes)


@st.composite
def dims(draw: Any, shape: Sequence[int]) -> int:
    """A valid dim of `shape`, from -ndim to ndim - 1."""
    n = max(len(shape), 1)
    return draw(st.integers(-n, n - 1))


@st.composite
def shape_and_dim(draw: Any, min_dims: int = 1, max_dims: int = 4) -> tuple[tuple[int, ...], int]:
    """A shape and one of its dims (negative dims included)."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    return shape, draw(dims(shape))


seeds = st.integers(0, 2**31 - 1)
keepdims = st.booleans()
