"""NumPy's protocols on Tensor: NEP 13 (`__array_ufunc__`) and NEP 18 (`__array_function__`).

`np.exp(t)`, `np.dot(W, t)`, `np.sum(t, axis=0)` and `ndarray + t` run the retrograd op behind
them, so NumPy code written for arrays builds a graph when handed Tensors. Each NumPy name maps
to a handler in `UFUNCS` or `FUNCTIONS` that takes NumPy's arguments and calls Tensor methods;
no gradient is written here. A NumPy function with no handler computes on the arrays when no
gradient is needed and raises a `GraphError` naming it when one is (never a silent ndarray).
Functions whose result carries no gradient (shapes, indices, comparisons of whole arrays) are
listed in `NO_GRADIENT_FUNCTIONS` and always compute on the arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import grad_state
from retrograd.errors import GraphError, InvalidArgumentError, ShapeError
from retrograd.ops.elementwise import Expm1
from retrograd.tensor.dispatch import _normalize_dim, _wrap, apply, is_tensor, to_tensor

__all__ = [
    "FUNCTIONS",
    "NO_GRADIENT_FUNCTIONS",
    "UFUNCS",
    "UFUNC_METHODS",
    "array_function",
    "array_ufunc",
    "dispatched_names",
]

Handler = Callable[..., Any]
_NOVALUE: Any = np._NoValue  # NumPy's "argument not given" marker


class _NotDispatched(Exception):
    """A handler met an argument it does not translate; the call takes the fallback path."""


# ---------------------------------------------------------------------- ufuncs (NEP 13)
def _binary(method: str, reflected: str) -> Handler:
    """`ufunc(a, b)` as the operator method of whichever side is a Tensor, so `ndarray + t`
    gives what `t.__radd__(ndarray)` gives (dtype promotion included)."""

    def handler(a: Any, b: Any) -> Any:
        if is_tensor(a):
            return getattr(a, method)(b)
        return getattr(b, reflected)(a)

    return handler


def _unary(method: str) -> Handler:
    def handler(x: Any) -> Any:
        return getattr(to_tensor(x), method)()

    return handler


def _expm1(x: Any) -> Any:
    return apply(Expm1, to_tensor(x)._floating())


def _exp2(x: Any) -> Any:
    return 2.0 ** to_tensor(x)._floating()


def _log2(x: Any) -> Any:
    return to_tensor(x).log() / float(np.log(2.0))


def _log10(x: Any) -> Any:
    return to_tensor(x).log() / float(np.log(10.0))


def _sinh(x: Any) -> Any:
    t = to_tensor(x)._floating()
    return (t.exp() - (-t).exp()) / 2


def _cosh(x: Any) -> Any:
    t = to_tensor(x)._floating()
    return (t.exp() + (-t).exp()) / 2


UFUNCS: dict[np.ufunc, Handler] = {
    np.add: _binary("__add__", "__radd__"),
    np.subtract: _binary("__sub__", "__rsub__"),
    np.multiply: _binary("__mul__", "__rmul__"),
    np.divide: _binary("__truediv__", "__rtruediv__"),
    np.power: _binary("__pow__", "__rpow__"),
    np.matmul: _binary("__matmul__", "__rmatmul__"),
    np.maximum: _binary("maximum", "maximum"),
    np.minimum: _binary("minimum", "minimum"),
    np.logaddexp: _binary("logaddexp", "logaddexp"),
    np.less: _binary("__lt__", "__gt__"),
    np.less_equal: _binary("__le__", "__ge__"),
    np.greater: _binary("__gt__", "__lt__"),
    np.greater_equal: _binary("__ge__", "__le__"),
    np.equal: _binary("__eq__", "__eq__"),
    np.not_equal: _binary("__ne__", "__ne__"),
    np.negative: _unary("__neg__"),
    np.positive: _unary("clone"),
    np.exp: _unary("exp"),
    np.exp2: _exp2,
    np.expm1: _expm1,
    np.log: _unary("log"),
    np.log2: _log2,
    np.log10: _log10,
    np.log1p: _unary("log1p"),
    np.sqrt: _unary("sqrt"),
    np.square: _unary("square"),
    np.reciprocal: _unary("reciprocal"),
    np.absolute: _unary("abs"),
    np.sign: _unary("sign"),
    np.sin: _unary("sin"),
    np.cos: _unary("cos"),
    np.tanh: _unary("tanh"),
    np.sinh: _sinh,
    np.arctan: _unary("atan"),
    np.arcsinh: _unary("asinh"),
    np.cosh: _cosh,
    np.floor: _unary("floor"),
    np.ceil: _unary("ceil"),
    np.trunc: _unary("trunc"),
    np.isnan: _unary("isnan"),
    np.isinf: _unary("isinf"),
    np.isfinite: _unary("isfinite"),
    np.logical_not: _unary("logical_not"),
}


# keywords every ufunc call accepts that change nothing when left at NumPy's defaults
_UFUNC_DEFAULTS = {"casting": "same_kind", "order": "K", "subok": True}


def array_ufunc(
    ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """`Tensor.__array_ufunc__`: run `ufunc.method(*inputs, **kwargs)` as retrograd ops."""
    if not all(_is_array_like(x) for x in inputs):
        return NotImplemented  # another array library takes part: let it decide (NEP 13)
    kwargs = dict(kwargs)
    out = kwargs.pop("out", None)
    if out is not None:
        if len(out) != 1:
            return _ufunc_fallback(ufunc, method, inputs, {**kwargs, "out": out})
        out = out[0]
    handler = UFUNCS.get(ufunc) if method == "__call__" else UFUNC_METHODS.get((method, ufunc))
    try:
        if handler is None:
            raise _NotDispatched
        for key, default in _UFUNC_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise _NotDispatched
        where = kwargs.pop("where", True)
        if method == "__call__":
            dtype = kwargs.pop("dtype", None)
            if kwargs:
                raise _NotDispatched
            args = [_cast(x, dtype) for x in inputs] if dtype is not None else list(inputs)
            result = handler(*args)
        else:
            allowed = {"axis", "dtype", "keepdims"} if method == "reduce" else {"axis", "dtype"}
            if len(inputs) != 1 or where is not True or set(kwargs) - allowed:
                raise _NotDispatched
            result = handler(inputs[0], **kwargs)
    except _NotDispatched:
        restored = {**kwargs, "out": (out,)} if out is not None else kwargs
        return _ufunc_fallback(ufunc, method, inputs, restored)
    if where is not True:
        result = _masked(result, where, out)
    return result if out is None else _store(result, out, f"np.{ufunc.__name__}")


def _ufunc_fallback(ufunc: np.ufunc, method: str, inputs: Any, kwargs: dict[str, Any]) -> Any:
    """An undispatched ufunc call on arrays; ndarray results come back as Tensors, as PyTorch's
    `__array_wrap__` does."""
    name = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    _refuse_if_grad(name, inputs, kwargs)
    out = kwargs.get("out")
    result = getattr(ufunc, method)(*_arrays(inputs), **_arrays(kwargs))
    for target in out or ():
        if is_tensor(target):
            target._mark_modified()
    if out is not None:
        return out[0] if len(out) == 1 else out
    if isinstance(result, tuple):
        return tuple(_wrap_result(r) for r in result)
    return _wrap_result(result)


def _wrap_result(value: Any) -> Any:
    if isinstance(value, (np.ndarray, np.generic)):
        return _wrap(np.asarray(value))
    return value


def _cast(value: Any, dtype: Any) -> Any:
    if is_tensor(value):
        return value.type(np.dtype(dtype))
    if isinstance(value, np.ndarray):
        return value.astype(dtype)
    return value


def _masked(result: Any, where: Any, out: Any) -> Any:
    """`where=`: the result where the mask holds, `out`'s old values (zeros without `out`,
    where NumPy leaves memory uninitialised) elsewhere."""
    from retrograd.tensor.core import where as select

    kept = out if out is not None else _wrap(np.zeros(result.shape, result.dtype))
    condition = where.array if is_tensor(where) else np.asarray(where)
    if is_tensor(kept) and kept.requires_grad and grad_state.enabled:
        kept = kept.clone()  # its old value, before `_store` overwrites it in place
    shape = np.broadcast_shapes(result.shape, condition.shape, np.shape(kept))
    return select(condition, result.broadcast_to(shape), kept)


def _store(result: Any, out: Any, name: str) -> Any:
    """Write `result` into `out=` and return `out`; a Tensor `out` takes over the graph (an
    in-place copy), an ndarray cannot hold one."""
    if is_tensor(out):
        return out.copy_(result)
    if isinstance(out, np.ndarray):
        if result.requires_grad and grad_state.enabled:
            raise GraphError(
                f"{name}(..., out=ndarray): the result requires grad and an ndarray cannot hold "
                "the graph; pass a Tensor as out=, drop out=, or compute on .detach()"
            )
        np.copyto(out, result.array, casting="same_kind")
        return out
    raise InvalidArgumentError(f"{name}: out= must be a Tensor or an ndarray, got {type(out)}")


# ---------------------------------------------------------------------- functions (NEP 18)
_tensor = to_tensor


def _typed(value: Any, dtype: Any) -> Any:
    """`value` as a Tensor, of `dtype` when given (NumPy's `dtype=`)."""
    x = to_tensor(value)
    return x if dtype is None else x.type(np.dtype(dtype))


def _reject(**given: Any) -> None:
    """Arguments a handler does not translate: any of them given sends the call to the fallback."""
    if any(value is not _NOVALUE and value is not None for value in given.values()):
        raise _NotDispatched


def _keep(keepdims: Any) -> bool:
    return False if keepdims is _NOVALUE else bool(keepdims)


def _with_out(result: Any, out: Any, name: str) -> Any:
    return result if out is None else _store(result, out, name)


def _sum(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: Any = _NOVALUE,
    initial: Any = _NOVALUE,
    where: Any = _NOVALUE,
) -> Any:
    from retrograd.tensor.core import where as select

    x = _tensor(a)
    if where is not _NOVALUE and where is not True:
        x = select(where, x, 0)
    total = x.sum(axis=axis, keepdims=_keep(keepdims), dtype=dtype)
    if initial is not _NOVALUE:
        total = total + initial
    return _with_out(total, out, "np.sum")


def _mean(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: Any = _NOVALUE,
    *,
    where: Any = _NOVALUE,
) -> Any:
    x = _tensor(a)
    if dtype is None and x.dtype.kind in "biu":
        dtype = np.float64  # NumPy's mean of integers
    if where is not _NOVALUE and where is not True:
        mask = np.broadcast_to(where.array if is_tensor(where) else np.asarray(where), x.shape)
        total = _sum(x, axis=axis, dtype=dtype, keepdims=keepdims, where=mask)
        count = np.sum(mask, axis=axis, keepdims=_keep(keepdims))
        return _with_out(total / _wrap(count.astype(total.dtype)), out, "np.mean")
    return _with_out(x.mean(axis=axis, keepdims=_keep(keepdims), dtype=dtype), out, "np.mean")


def _moments(name: str) -> Handler:
    def handler(
        a: Any,
        axis: Any = None,
        dtype: Any = None,
        out: Any = None,
        ddof: float = 0,
        keepdims: Any = _NOVALUE,
        *,
        where: Any = _NOVALUE,
        mean: Any = _NOVALUE,
        correction: Any = _NOVALUE,
    ) -> Any:
        _reject(where=where, mean=mean)
        x = _typed(a, dtype) if dtype is not None else _tensor(a)._floating()
        ddof = correction if correction is not _NOVALUE else ddof
        result = getattr(x, name)(axis=axis, correction=ddof, keepdims=_keep(keepdims))
        return _with_out(result, out, f"np.{name}")

    return handler


def _extremum(a: Any, axis: Any, dtype: Any, keepdims: Any, largest: bool) -> Any:
    x = _typed(a, dtype)
    return (x.amax if largest else x.amin)(axis=axis, keepdims=_keep(keepdims))


def _max_min(name: str, largest: bool) -> Handler:
    def handler(
        a: Any,
        axis: Any = None,
        out: Any = None,
        keepdims: Any = _NOVALUE,
        initial: Any = _NOVALUE,
        where: Any = _NOVALUE,
    ) -> Any:
        _reject(initial=initial, where=where)
        return _with_out(_extremum(a, axis, None, keepdims, largest), out, f"np.{name}")

    return handler


def _prod(
    a: Any,
    axis: Any = None,
    dtype: Any = None,
    out: Any = None,
    keepdims: Any = _NOVALUE,
    initial: Any = _NOVALUE,
    where: Any = _NOVALUE,
) -> Any:
    _reject(initial=initial, where=where)
    x = _typed(a, dtype)
    keep = _keep(keepdims)
    if axis is None or isinstance(axis, (int, np.integer)):
        return _with_out(x.prod(axis=axis, keepdims=keep), out, "np.prod")
    axes = sorted({_normalize_dim(int(d), x.ndim) for d in axis}, reverse=True)
    for d in axes:  # one axis at a time, from the last so the others keep their numbers
        x = x.prod(axis=d, keepdims=keep)
    return _with_out(x, out, "np.prod")


def _cumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    x = _typed(a, dtype)
    result = x.reshape(-1).cumsum(0) if axis is None else x.cumsum(int(axis))
    return _with_out(result, out, "np.cumsum")


def _clip(
    a: Any,
    a_min: Any = _NOVALUE,
    a_max: Any = _NOVALUE,
    out: Any = None,
    *,
    min: Any = _NOVALUE,  # noqa: A002 - NumPy's names
    max: Any = _NOVALUE,  # noqa: A002
    **kwargs: Any,
) -> Any:
    if kwargs:
        raise _NotDispatched
    low = min if min is not _NOVALUE else (None if a_min is _NOVALUE else a_min)
    high = max if max is not _NOVALUE else (None if a_max is _NOVALUE else a_max)
    x = _tensor(a)
    bounds = [b for b in (low, high) if b is not None and not is_tensor(b)]
    shape = np.broadcast_shapes(x.shape, *[np.shape(b) for b in bounds])
    if shape != x.shape:
        x = x.broadcast_to(shape)
    if low is None and high is None:
        return _with_out(x.clone(), out, "np.clip")
    return _with_out(x.clamp(_bound(low), _bound(high)), out, "np.clip")


def _bound(value: Any) -> Any:
    if value is None or is_tensor(value) or np.ndim(value) == 0:
        return value.item() if isinstance(value, np.ndarray) else value
    return np.asarray(value)


def _where(condition: Any, x: Any = _NOVALUE, y: Any = _NOVALUE) -> Any:
    from retrograd.tensor.core import where as select

    if x is _NOVALUE or y is _NOVALUE:
        raise _NotDispatched  # np.where(condition): indices, computed on the arrays
    return select(condition, x, y)


def _joined(arrays: Sequence[Any], dtype: Any) -> list[Any]:
    return [_typed(a, dtype) for a in arrays]


def _concatenate(
    arrays: Sequence[Any],
    axis: Any = 0,
    out: Any = None,
    *,
    dtype: Any = None,
    casting: Any = "same_kind",
) -> Any:
    from retrograd.tensor.shape import cat

    items = _joined(arrays, dtype)
    if axis is None:
        items = [t.reshape(-1) for t in items]
        axis = 0
    return _with_out(cat(items, int(axis)), out, "np.concatenate")


def _stack(
    arrays: Sequence[Any],
    axis: int = 0,
    out: Any = None,
    *,
    dtype: Any = None,
    casting: Any = "same_kind",
) -> Any:
    from retrograd.tensor.shape import stack

    return _with_out(stack(_joined(arrays, dtype), int(axis)), out, "np.stack")


def _reshape(
    a: Any,
    shape: Any = None,
    order: str = "C",
    *,
    newshape: Any = None,
    copy: Any = None,
) -> Any:
    if order != "C":
        raise _NotDispatched
    target = shape if shape is not None else newshape
    return _tensor(a).reshape(tuple(_int_list(target)))


def _ravel(a: Any, order: str = "C") -> Any:
    if order not in ("C", "K", "A"):
        raise _NotDispatched
    return _tensor(a).reshape(-1)


def _transpose(a: Any, axes: Any = None) -> Any:
    x = _tensor(a)
    if axes is None:
        return x.permute(*reversed(range(x.ndim)))
    return x.permute(*[int(d) for d in axes])


def _swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    x = _tensor(a)
    if x.ndim == 1:
        _normalize_dim(axis1, 1)
        _normalize_dim(axis2, 1)
    return x.transpose(axis1, axis2)


def _moveaxis(a: Any, source: Any, destination: Any) -> Any:
    x = _tensor(a)
    sources = [_normalize_dim(int(s), x.ndim) for s in _int_list(source)]
    targets = [_normalize_dim(int(d), x.ndim) for d in _int_list(destination)]
    if len(sources) != len(targets):
        raise InvalidArgumentError(
            "np.moveaxis: source and destination must have the same number of elements"
        )
    order = [d for d in range(x.ndim) if d not in sources]
    for target, source_dim in sorted(zip(targets, sources)):
        order.insert(target, source_dim)
    return x.permute(*order)


def _squeeze(a: Any, axis: Any = None) -> Any:
    x = _tensor(a)
    if axis is None:
        return x.squeeze()
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for d in axes:
        if x.shape[_normalize_dim(int(d), x.ndim)] != 1:
            raise ShapeError(
                f"np.squeeze: cannot select an axis to squeeze out which has size not equal to "
                f"one (axis {d} of shape {x.shape})"
            )
    return x.squeeze(tuple(int(d) for d in axes))


def _expand_dims(a: Any, axis: Any) -> Any:
    x = _tensor(a)
    axes = _int_list(axis)
    ndim = x.ndim + len(axes)
    new = sorted(_normalize_dim(d, ndim) for d in axes)
    if len(set(new)) != len(new):
        raise InvalidArgumentError(f"np.expand_dims: repeated axis in {axis}")
    sizes = iter(x.shape)
    return x.reshape(tuple(1 if d in new else next(sizes) for d in range(ndim)))


def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    target = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _tensor(array).broadcast_to(target)


def _flip(m: Any, axis: Any = None) -> Any:
    x = _tensor(m)
    if axis is None:
        return x.flip(tuple(range(x.ndim))) if x.ndim else x.clone()
    return x.flip(axis)


def _tile(a: Any, reps: Any) -> Any:
    x = _tensor(a)
    counts = tuple(_int_list(reps))
    if len(counts) < x.ndim:
        counts = (1,) * (x.ndim - len(counts)) + counts
    return x.repeat(*counts)


def _pad(array: Any, pad_width: Any, mode: str = "constant", **kwargs: Any) -> Any:
    from retrograd.tensor.shape import pad

    value = kwargs.pop("constant_values", 0)
    if mode != "constant" or kwargs or np.ndim(value) != 0:
        raise _NotDispatched
    x = _tensor(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (x.ndim, 2))
    flat = [int(w) for pair in widths[::-1] for w in pair]  # PyTorch's order: last dim first
    return pad(x, flat, value=float(value)) if x.ndim else x.clone()


def _int_list(value: Any) -> list[int]:
    """An axis argument (one int or a sequence of them) as a list of ints."""
    if isinstance(value, (int, np.integer)):
        return [int(value)]
    return [int(v) for v in value]


def _tensordot(a: Any, b: Any, axes: Any = 2) -> Any:
    """Sum over the paired axes: a permute and reshape to one matrix product."""
    x, y = _tensor(a), _tensor(b)
    if isinstance(axes, (int, np.integer)):
        first, second = range(x.ndim - int(axes), x.ndim), range(int(axes))
    else:
        first, second = axes
    axes_x = [_normalize_dim(d, x.ndim) for d in _int_list(first)]
    axes_y = [_normalize_dim(d, y.ndim) for d in _int_list(second)]
    if [x.shape[d] for d in axes_x] != [y.shape[d] for d in axes_y]:
        raise ShapeError(
            f"np.tensordot: summed axes {axes_x} of shape {x.shape} do not match axes {axes_y} "
            f"of shape {y.shape}"
        )
    free_x = [d for d in range(x.ndim) if d not in axes_x]
    free_y = [d for d in range(y.ndim) if d not in axes_y]
    inner = int(np.prod([x.shape[d] for d in axes_x], dtype=np.int64))
    left = x.permute(*free_x, *axes_x).reshape(-1, inner)
    right = y.permute(*axes_y, *free_y).reshape(inner, -1)
    shape = tuple(x.shape[d] for d in free_x) + tuple(y.shape[d] for d in free_y)
    return (left @ right).reshape(shape)


def _dot(a: Any, b: Any, out: Any = None) -> Any:
    x, y = _tensor(a), _tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        result = x * y
    elif y.ndim <= 2:  # the last axis of a with the first (1-d) or second-to-last of b
        result = x @ y
    else:
        result = _tensordot(x, y, ([-1], [-2]))
    return _with_out(result, out, "np.dot")


def _inner(a: Any, b: Any) -> Any:
    x, y = _tensor(a), _tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    return _tensordot(x, y, ([-1], [-1]))


def _outer(a: Any, b: Any, out: Any = None) -> Any:
    x, y = _tensor(a), _tensor(b)
    return _with_out(x.reshape(-1, 1) * y.reshape(1, -1), out, "np.outer")


def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A002
    t = _tensor(x)._floating()
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    vector = (axes is not None and len(axes) == 1) or (axes is None and t.ndim == 1)
    if ord is None or (ord == "fro" and not vector):
        return t.norm(2, axis, keepdim=keepdims)  # the 2-norm of a vector, Frobenius of a matrix
    if vector and not isinstance(ord, str):
        return t.norm(float(ord), axis, keepdim=keepdims)
    raise _NotDispatched  # matrix norms other than Frobenius


def _einsum(*operands: Any, out: Any = None, optimize: Any = False, **kwargs: Any) -> Any:
    from retrograd.tensor import einsum

    if kwargs or not operands or not isinstance(operands[0], str):
        raise _NotDispatched  # dtype=, casting= or the (operand, sublist) form
    return _with_out(einsum(operands[0], *operands[1:]), out, "np.einsum")


def _ufunc_reduce(function: Handler, **fixed: Any) -> Handler:
    """`ufunc.reduce(x, axis=0, dtype=None, keepdims=False)` as the handler of NumPy's function
    (`np.add.reduce` is `np.sum` over axis 0 by default)."""

    def handler(x: Any, axis: Any = 0, dtype: Any = None, keepdims: bool = False) -> Any:
        return function(x, axis=axis, dtype=dtype, keepdims=keepdims, **fixed)

    return handler


def _accumulate_add(x: Any, axis: int = 0, dtype: Any = None) -> Any:
    return _cumsum(x, axis=axis, dtype=dtype)


#: ufunc methods other than `__call__`: (method, ufunc) -> handler
UFUNC_METHODS: dict[tuple[str, np.ufunc], Handler] = {
    ("reduce", np.add): _ufunc_reduce(_sum),
    ("reduce", np.multiply): _ufunc_reduce(_prod),
    ("reduce", np.maximum): _ufunc_reduce(_extremum, largest=True),
    ("reduce", np.minimum): _ufunc_reduce(_extremum, largest=False),
    ("accumulate", np.add): _accumulate_add,
}

FUNCTIONS: dict[Any, Handler] = {
    np.sum: _sum,
    np.mean: _mean,
    np.var: _moments("var"),
    np.std: _moments("std"),
    np.max: _max_min("max", largest=True),
    np.amax: _max_min("amax", largest=True),
    np.min: _max_min("min", largest=False),
    np.amin: _max_min("amin", largest=False),
    np.prod: _prod,
    np.cumsum: _cumsum,
    np.clip: _clip,
    np.where: _where,
    np.concatenate: _concatenate,
    np.stack: _stack,
    np.reshape: _reshape,
    np.ravel: _ravel,
    np.transpose: _transpose,
    np.swapaxes: _swapaxes,
    np.moveaxis: _moveaxis,
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.broadcast_to: _broadcast_to,
    np.flip: _flip,
    np.tile: _tile,
    np.pad: _pad,
    np.dot: _dot,
    np.inner: _inner,
    np.outer: _outer,
    np.tensordot: _tensordot,
    np.einsum: _einsum,
    np.linalg.norm: _norm,
}

#: NumPy functions whose results carry no gradient (shapes, indices, truth values, new arrays
#: of a shape): computed on the arrays even for a tensor that requires grad
NO_GRADIENT_FUNCTIONS: frozenset[Any] = frozenset(
    {
        np.shape,
        np.ndim,
        np.size,
        np.zeros_like,
        np.ones_like,
        np.empty_like,
        np.full_like,
        np.argmax,
        np.argmin,
        np.argsort,
        np.nonzero,
        np.argwhere,
        np.flatnonzero,
        np.count_nonzero,
        np.allclose,
        np.isclose,
        np.array_equal,
        np.array_equiv,
        np.any,
        np.all,
        np.searchsorted,
        np.result_type,
    }
)


def array_function(func: Any, types: Sequence[type], args: Any, kwargs: dict[str, Any]) -> Any:
    """`Tensor.__array_function__`: run NumPy function `func` as retrograd ops."""
    if not all(issubclass(kind, np.ndarray) or _is_tensor_type(kind) for kind in types):
        return NotImplemented  # another array library takes part: let it decide (NEP 18)
    handler = FUNCTIONS.get(func)
    if handler is not None:
        try:
            return handler(*args, **kwargs)
        except _NotDispatched:
            pass
    if func not in NO_GRADIENT_FUNCTIONS:
        _refuse_if_grad(_function_name(func), args, kwargs)
    return func(*_arrays(args), **_arrays(kwargs))


# ---------------------------------------------------------------------- shared
def _refuse_if_grad(name: str, args: Any, kwargs: Any) -> None:
    """The rule for a NumPy call retrograd has no gradient for: an error while a gradient would
    be needed, so the graph is never dropped without a word."""
    if not grad_state.enabled:
        return
    needing = [t for t in _tensors_in((args, kwargs)) if t.requires_grad]
    if needing:
        raise GraphError(
            f"{name} has no gradient rule in retrograd, and it was called on a tensor that "
            f"requires grad (shape {needing[0].shape}); call it on `.detach()` (or inside "
            "`retrograd.no_grad()`) to compute without a gradient, or write it with the NumPy "
            "functions that dispatch (see the guide 'Your NumPy network, checked')"
        )


def _tensors_in(value: Any) -> list[Any]:
    if is_tensor(value):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors_in(item)]
    return []


def _arrays(value: Any) -> Any:
    """Tensors replaced by their arrays, through lists, tuples and dicts."""
    if is_tensor(value):
        return value.array
    if isinstance(value, list):
        return [_arrays(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_arrays(item) for item in value)
    if isinstance(value, dict):
        return {key: _arrays(item) for key, item in value.items()}
    return value


def _is_tensor_type(kind: type) -> bool:
    from retrograd.tensor.dispatch import _tensor_class

    return issubclass(kind, _tensor_class)


def _is_array_like(value: Any) -> bool:
    """Operands a ufunc may mix with Tensors: arrays, Tensors and anything without the
    protocol (Python numbers, lists)."""
    if is_tensor(value) or isinstance(value, (np.ndarray, np.generic)):
        return True
    return not hasattr(type(value), "__array_ufunc__")


def _function_name(func: Any) -> str:
    module = getattr(func, "__module__", "") or ""
    prefix = "np.linalg." if module.endswith("linalg") else "np."
    return prefix + getattr(func, "__name__", repr(func))


def dispatched_names() -> list[str]:
    """Every NumPy name that dispatches to retrograd ops (for the docs), sorted."""
    names = {f"np.{ufunc.__name__}" for ufunc in UFUNCS}
    names |= {f"np.{ufunc.__name__}.{method}" for method, ufunc in UFUNC_METHODS}
    names |= {_function_name(func) for func in FUNCTIONS}
    for alias in _ALIASES:  # other names NumPy gives the same objects
        target = getattr(np, alias, None)
        if target is not None and (target in UFUNCS or target in FUNCTIONS):
            names.add(f"np.{alias}")
    return sorted(names)


_ALIASES = ("abs", "true_divide", "pow", "concat", "permute_dims")
