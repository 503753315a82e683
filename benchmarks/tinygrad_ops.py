"""Run tinygrad's op test suite (``test/test_ops.py``) against retrograd.

    python benchmarks/tinygrad_ops.py PATH/TO/test_ops.py [--report FILE] [-k PATTERN] [-v]

tinygrad is not installed and is not needed. The test file's ``tinygrad`` imports are served by
a small shim module built here: its ``Tensor`` makes retrograd Tensors, and the tinygrad-only
names the tests call are mapped to the retrograd (PyTorch) op of identical meaning. The shim
implements no op that retrograd lacks: a mapping only renames, reorders arguments, or converts
tinygrad's argument format into PyTorch's. Every test compares its op's forward and backward
with PyTorch, so what passes is what retrograd gets right.

A test is *not applicable* when it needs a tinygrad feature with no PyTorch equivalent. The
rules that decide it are the ``NotApplicable`` raises below (each names its rule) and
``NOT_APPLICABLE_ERRORS``; no test is picked by name. The counts: passed / failed / errored /
skipped (skipped by the test file itself) / not applicable, and the failures grouped by cause.
"""

from __future__ import annotations

import argparse
import ast
import collections
import contextlib
import re
import sys
import time
import traceback
import types
import unittest
from typing import Any

import numpy as np

import retrograd as rg
import retrograd.nn.functional as F


class NotApplicable(unittest.SkipTest):
    """A test needs a tinygrad feature that PyTorch (and so retrograd) does not have."""


def _na(rule: str) -> NotApplicable:
    return NotApplicable(f"not applicable: {rule}")


def _tinygrad_only(name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise _na(f"tinygrad-only `{name}`")

    return call


# tinygrad names with no PyTorch counterpart (initialisers, kernels, tinygrad's own formats).
TINYGRAD_ONLY = (
    "shrink",
    "scaled_uint8",
    "uniform",
    "scaled_uniform",
    "glorot_uniform",
    "kaiming_uniform",
    "kaiming_normal",
    "quick_gelu",
    "image_conv2d",
    "image_dot",
    "schedule",
    "kernelize",
    "uop",
    "lazydata",
    "shard",
    "assign",
    "replace",
    "contiguous_backward",
    "to_",
)

# Errors that mean tinygrad returns one Tensor where PyTorch returns a tuple (``x.max(1)``
# gives values only), so the tinygrad lambda cannot be run against a PyTorch-semantics library.
NOT_APPLICABLE_ERRORS = (
    (
        re.compile(r"'(?!Tensor')\w+' object has no attribute '(realize|numpy)'"),
        "tinygrad returns a Tensor where PyTorch returns a tuple",
    ),
    (
        re.compile(r"missing 1 required positional argument: 'dim'"),
        "tinygrad defaults a dim that PyTorch requires",
    ),
    (re.compile(r"not 'NoneType'"), "None in a shape (tinygrad keeps that dim)"),
    (
        re.compile(r"unexpected keyword argument '(detect_positive|detect_negative|size)'"),
        "keyword that tinygrad's method takes and PyTorch's does not",
    ),
)

# tinygrad's default integer dtype is int32 (PyTorch's is int64): creation from Python ints
# without a dtype gets int32, as in tinygrad.
DEFAULT_INT = rg.int32


# --------------------------------------------------------------------------------- dtypes
class _DTypes:
    float32 = float = default_float = rg.float32
    float64 = double = rg.float64
    float16 = half = rg.float16
    int8 = rg.int8
    int16 = short = rg.int16
    int32 = int = default_int = rg.int32
    int64 = long = rg.int64
    uint8 = rg.uint8
    # retrograd's dtypes are NumPy's; PyTorch has these names too
    uint16 = getattr(rg, "uint16", np.dtype(np.uint16))
    uint32 = getattr(rg, "uint32", np.dtype(np.uint32))
    uint64 = getattr(rg, "uint64", np.dtype(np.uint64))
    bool = rg.bool

    def __getattr__(self, name: str) -> Any:
        raise _na(f"tinygrad-only dtype `dtypes.{name}`")

    @staticmethod
    def is_float(dt: Any) -> Any:
        return np.issubdtype(np.dtype(dt), np.floating)

    @staticmethod
    def is_int(dt: Any) -> Any:
        return np.issubdtype(np.dtype(dt), np.integer)


dtypes = _DTypes()


def _dtype(dt: Any) -> Any:
    if dt is None:
        return None
    if isinstance(dt, str):
        return getattr(dtypes, dt)
    return dt


def _to_np_dtype(dt: Any) -> Any:
    return np.dtype(dt)


# --------------------------------------------------------------------------------- Tensor
def _shape(args: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _creation(fn: Any, int_default: bool = False) -> Any:
    def make(
        *args: Any, dtype: Any = None, requires_grad: Any = None, device: Any = None, **kw: Any
    ) -> Any:
        dt = _dtype(dtype)
        if (
            dt is None
            and int_default
            and all(isinstance(a, int) for a in args if not isinstance(a, tuple))
        ):
            vals = [v for v in args if not isinstance(v, tuple)] + [
                v for v in kw.values() if not isinstance(v, tuple)
            ]
            if all(
                isinstance(v, int) and not isinstance(v, bool) and -(2**31) <= v < 2**31
                for v in vals
            ):
                dt = DEFAULT_INT
        out = fn(*args, dtype=dt, **kw) if dt is not None else fn(*args, **kw)
        if np.issubdtype(out.dtype, np.floating):  # tinygrad: float tensors take gradients
            out.requires_grad_(True)
        return out

    return make


def _full(shape: Any, fill_value: Any, dtype: Any = None, **kw: Any) -> Any:
    dt = _dtype(dtype)
    if dt is None and isinstance(fill_value, int) and not isinstance(fill_value, bool):
        dt = DEFAULT_INT
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return rg.full(shape, fill_value, dtype=dt)


def _full_like(t: Any, fill_value: Any, dtype: Any = None, **kw: Any) -> Any:
    return rg.full_like(t, fill_value, dtype=_dtype(dtype))


def _randint(*shape: Any, low: int = 0, high: int = 10, dtype: Any = None, **kw: Any) -> Any:
    return rg.randint(low, high, _shape(shape), dtype=_dtype(dtype) or DEFAULT_INT)


def _normal(*shape: Any, mean: float = 0.0, std: float = 1.0, dtype: Any = None, **kw: Any) -> Any:
    return rg.normal(mean, std, _shape(shape), dtype=_dtype(dtype))


def _conv_padding(padding: Any, nd: int) -> Any:
    """tinygrad's conv/pool padding: int, one per spatial dim, or F.pad's flat 2*nd format."""
    if isinstance(padding, (tuple, list)):
        padding = tuple(padding)
        if any(p < 0 for p in padding):
            raise _na("negative conv/pool padding (tinygrad crops; PyTorch refuses)")
        if len(padding) == 2 * nd:
            pairs = [padding[i : i + 2] for i in range(0, len(padding), 2)][::-1]
            if any(a != b for a, b in pairs):
                raise _na("asymmetric conv/pool padding (tinygrad's F.pad format)")
            return tuple(a for a, _ in pairs)
    elif isinstance(padding, int) and padding < 0:
        raise _na("negative conv/pool padding (tinygrad crops; PyTorch refuses)")
    return padding


def _conv(
    x: Any,
    weight: Any,
    bias: Any = None,
    groups: int = 1,
    stride: Any = 1,
    dilation: Any = 1,
    padding: Any = 0,
    dtype: Any = None,
) -> Any:
    nd = weight.ndim - 2
    fn = {1: F.conv1d, 2: F.conv2d, 3: getattr(F, "conv3d", None)}.get(nd)
    if fn is None:
        raise AttributeError(f"retrograd.nn.functional has no conv{nd}d")
    return fn(
        x,
        weight,
        bias,
        stride=stride,
        padding=_conv_padding(padding, nd),
        dilation=dilation,
        groups=groups,
    )


def _conv_transpose(
    x: Any,
    weight: Any,
    bias: Any = None,
    groups: int = 1,
    stride: Any = 1,
    dilation: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
) -> Any:
    nd = weight.ndim - 2
    fn = {
        1: F.conv_transpose1d,
        2: F.conv_transpose2d,
        3: getattr(F, "conv_transpose3d", None),
    }.get(nd)
    if fn is None:
        raise AttributeError(f"retrograd.nn.functional has no conv_transpose{nd}d")
    return fn(
        x,
        weight,
        bias,
        stride=stride,
        padding=_conv_padding(padding, nd),
        output_padding=output_padding,
        groups=groups,
        dilation=dilation,
    )


def _pool_nd(kernel_size: Any, x: Any) -> int:
    return len(kernel_size) if isinstance(kernel_size, (tuple, list)) else x.ndim - 2


def _max_pool(
    x: Any,
    kernel_size: Any = (2, 2),
    stride: Any = None,
    dilation: Any = 1,
    padding: Any = 0,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    nd = _pool_nd(kernel_size, x)
    fn = getattr(F, f"max_pool{nd}d")  # an AttributeError names a missing one
    return fn(
        x,
        kernel_size,
        stride=stride,
        padding=_conv_padding(padding, nd),
        dilation=dilation,
        ceil_mode=ceil_mode,
        return_indices=return_indices,
    )


def _avg_pool(
    x: Any,
    kernel_size: Any = (2, 2),
    stride: Any = None,
    dilation: Any = 1,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Any:
    nd = _pool_nd(kernel_size, x)
    if dilation != 1 and dilation != (1,) * nd:
        raise _na("dilated average pooling (PyTorch has none)")
    fn = getattr(F, f"avg_pool{nd}d")  # an AttributeError names a missing one
    return fn(
        x,
        kernel_size,
        stride=stride,
        padding=_conv_padding(padding, nd),
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
    )


def _max_unpool(
    x: Any,
    indices: Any,
    kernel_size: Any = (2, 2),
    stride: Any = None,
    dilation: Any = 1,
    padding: Any = 0,
    output_size: Any = None,
) -> Any:
    nd = _pool_nd(kernel_size, x)
    if dilation != 1 and dilation != (1,) * nd:
        raise _na("dilated max_unpool (PyTorch has none)")
    fn = getattr(F, f"max_unpool{nd}d")  # an AttributeError names a missing one
    return fn(
        x,
        indices,
        kernel_size,
        stride=stride,
        padding=_conv_padding(padding, nd),
        output_size=output_size,
    )


def _interpolate(x: Any, size: Any, mode: str = "linear", align_corners: bool = False) -> Any:
    if mode == "linear":
        mode = {1: "linear", 2: "bilinear", 3: "trilinear"}.get(x.ndim - 2, mode)
    kw = (
        {"align_corners": align_corners}
        if mode in ("linear", "bilinear", "trilinear", "bicubic")
        else {}
    )
    return F.interpolate(x, size=size, mode=mode, **kw)


def _pad(x: Any, padding: Any, mode: str = "constant", value: float = 0.0) -> Any:
    if any(p is None or isinstance(p, (tuple, list)) for p in padding):
        raise _na("per-dimension tuple-of-pairs padding (tinygrad's format)")
    return (
        F.pad(x, tuple(padding), mode=mode, value=value)
        if mode == "constant"
        else F.pad(x, tuple(padding), mode=mode)
    )


def _axis_kw(kw: dict[str, Any]) -> dict[str, Any]:
    if "axis" in kw:
        kw["dim"] = kw.pop("axis")
    return kw


def _gradient(
    self: Any, *targets: Any, gradient: Any = None, materialize_grads: bool = False
) -> Any:
    return list(
        rg.autograd.grad(
            self, list(targets), grad_outputs=gradient, allow_unused=True, materialize_grads=True
        )
    )


def _hardsigmoid(x: Any, alpha: float = 1 / 6, beta: float = 0.5) -> Any:
    if (alpha, beta) != (1 / 6, 0.5):
        raise _na("hardsigmoid with alpha/beta (PyTorch has fixed ones)")
    return F.hardsigmoid(x)


def _cat(self: Any, *others: Any, dim: int = 0) -> Any:
    return rg.cat([self, *others], dim=dim)


def _stack(self: Any, *others: Any, dim: int = 0) -> Any:
    if isinstance(self, (tuple, list)):
        return rg.stack(list(self), dim=dim)
    return rg.stack([self, *others], dim=dim)


# tinygrad-only method names whose meaning is a PyTorch op's, under another name or argument
# format. They are hung on retrograd's Tensor only where retrograd has no attribute of that name.
METHODS: dict[str, Any] = {
    "realize": lambda self, *others: self,
    "gradient": _gradient,
    "cast": lambda self, dtype: self.to(_dtype(dtype)),
    "bitcast": lambda self, dtype: self.view(_dtype(dtype)),
    "lshift": lambda self, n: self.bitwise_left_shift(n),
    "rshift": lambda self, n: self.bitwise_right_shift(n),
    "mod": lambda self, other: self.remainder(other),
    "idiv": lambda self, other: self.div(other, rounding_mode="trunc"),
    "xor": lambda self, other: self.bitwise_xor(other),
    "pad": _pad,
    "full_like": lambda self, fill_value, dtype=None, **k: _full_like(
        self, fill_value, dtype=dtype
    ),
    "meshgrid": lambda self, *others, indexing="ij": rg.meshgrid(self, *others, indexing=indexing),
    "cat": _cat,
    "stack": _stack,
    "dot": lambda self, w: self.matmul(w),
    "conv2d": _conv,
    "conv_transpose2d": _conv_transpose,
    "max_pool2d": _max_pool,
    "avg_pool2d": _avg_pool,
    "max_unpool2d": _max_unpool,
    "interpolate": _interpolate,
    "scaled_dot_product_attention": lambda self, *a, **k: F.scaled_dot_product_attention(
        self, *a, **k
    ),
    "gelu": lambda self, approximate="tanh": F.gelu(self, approximate=approximate),
    "swish": lambda self: F.silu(self),
    "silu": lambda self: F.silu(self),
    "mish": lambda self: F.mish(self),
    "elu": lambda self, alpha=1.0: F.elu(self, alpha),
    "celu": lambda self, alpha=1.0: F.celu(self, alpha),
    "selu": lambda self: F.selu(self),
    "softplus": lambda self, beta=1.0: F.softplus(self, beta=beta),
    "softsign": lambda self: F.softsign(self),
    "hardsigmoid": _hardsigmoid,
    "hardswish": lambda self: F.hardswish(self),
    "hardtanh": lambda self, min_val=-1.0, max_val=1.0: F.hardtanh(self, min_val, max_val),
    "relu6": lambda self: F.relu6(self),
    "leaky_relu": lambda self, neg_slope=0.01: F.leaky_relu(self, neg_slope),
    "logsigmoid": lambda self: F.logsigmoid(self),
    "softmin": lambda self, axis=-1, dtype=None: F.softmin(self, dim=axis, dtype=_dtype(dtype)),
    "normalize": lambda self, p=2.0, dim=1, eps=1e-12: F.normalize(self, p=p, dim=dim, eps=eps),
    "one_hot": lambda self, num_classes=-1: F.one_hot(self, num_classes),
    "binary_crossentropy": lambda self, Y, reduction="mean": F.binary_cross_entropy(
        self, Y, reduction=reduction
    ),
    "binary_crossentropy_logits": lambda self, Y, reduction="mean", pos_weight=None: (
        F.binary_cross_entropy_with_logits(self, Y, reduction=reduction, pos_weight=pos_weight)
    ),
    "cross_entropy": lambda self, Y, reduction="mean", label_smoothing=0.0: F.cross_entropy(
        self, Y, reduction=reduction, label_smoothing=label_smoothing
    ),
    # tinygrad's classes are the last dim, PyTorch's dim 1
    "sparse_categorical_crossentropy": lambda self, Y, ignore_index=-1, label_smoothing=0.0, reduction="mean": (  # noqa: E501
        F.cross_entropy(
            self.movedim(-1, 1) if self.ndim > 2 else self,
            Y,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
            reduction=reduction,
        )
    ),
    "nll_loss": lambda self, Y, weight=None, ignore_index=None, reduction="mean": F.nll_loss(
        self,
        Y,
        weight=weight,
        ignore_index=-100 if ignore_index is None else ignore_index,
        reduction=reduction,
    ),
}

# Names tinygrad's Tensor spells like PyTorch's but whose tinygrad form the tests call through
# the class (``Tensor.softmax(x)`` without a dim, ``Tensor.dot`` as matmul, ``Tensor.cat(a, b)``):
# served on the shim class only, so retrograd's own methods stay what they are.
CLASS_ONLY: dict[str, Any] = {
    "softmax": lambda x, axis=-1, dtype=None: F.softmax(x, dim=axis, dtype=_dtype(dtype)),
    "log_softmax": lambda x, axis=-1, dtype=None: F.log_softmax(x, dim=axis, dtype=_dtype(dtype)),
    "dot": lambda x, w: x.matmul(w),
    "cat": _cat,
    "stack": _stack,
    "gelu": METHODS["gelu"],
}

CREATION: dict[str, Any] = {
    "ones": _creation(lambda *s, **k: rg.ones(_shape(s), **k)),
    "zeros": _creation(lambda *s, **k: rg.zeros(_shape(s), **k)),
    "empty": _creation(lambda *s, **k: rg.empty(_shape(s), **k)),
    "rand": _creation(lambda *s, **k: rg.rand(_shape(s), **k)),
    "randn": _creation(lambda *s, **k: rg.randn(_shape(s), **k)),
    "arange": _creation(rg.arange, int_default=True),
    "linspace": lambda start, stop, steps, dtype=None, **k: rg.linspace(
        start, stop, steps, dtype=_dtype(dtype)
    ),
    "eye": lambda n, m=None, dtype=None, **k: (
        rg.eye(n, m, dtype=_dtype(dtype)) if m is not None else rg.eye(n, dtype=_dtype(dtype))
    ),
    "full": _full,
    "full_like": _full_like,
    "zeros_like": lambda t, dtype=None, **k: rg.zeros_like(t, dtype=_dtype(dtype)),
    "ones_like": lambda t, dtype=None, **k: rg.ones_like(t, dtype=_dtype(dtype)),
    "rand_like": lambda t, dtype=None, **k: rg.rand_like(t, dtype=_dtype(dtype)),
    "randn_like": lambda t, dtype=None, **k: rg.randn_like(t, dtype=_dtype(dtype)),
    "randint": _randint,
    "normal": _normal,
    "einsum": lambda formula, *operands, **k: rg.einsum(formula, *operands),
    "manual_seed": lambda seed=0: rg.manual_seed(seed),
}


class _TensorMeta(type(rg.Tensor)):  # type: ignore[misc]
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, rg.Tensor)


class Tensor(rg.Tensor, metaclass=_TensorMeta):
    """``Tensor(data)`` as in tinygrad: a retrograd Tensor; float tensors take gradients."""

    def __new__(
        cls, data: Any, device: Any = None, dtype: Any = None, requires_grad: Any = None
    ) -> Any:  # type: ignore[misc]
        dt = _dtype(dtype)
        if isinstance(data, rg.Tensor):
            out = data.to(dt) if dt is not None else data
        else:
            if dt is None and not isinstance(data, np.ndarray):
                arr = np.asarray(data)
                if arr.dtype == np.int64:
                    dt = DEFAULT_INT
                elif arr.dtype == np.float64:
                    dt = rg.float32
            out = rg.tensor(data, dtype=dt)
        if (
            requires_grad is not False
            and np.issubdtype(out.dtype, np.floating)
            and not out.requires_grad
        ):
            out.requires_grad_(True)
        return out


# tinygrad's numpy() copies out whatever the tensor's grad state (PyTorch: detach().numpy()).
_rg_numpy = rg.Tensor.numpy
rg.Tensor.numpy = lambda self, *a, **k: _rg_numpy(self.detach(), *a, **k)  # type: ignore[method-assign]

for _name, _fn in {**METHODS, **CLASS_ONLY}.items():
    setattr(Tensor, _name, _fn)
for _name, _fn in CREATION.items():
    setattr(Tensor, _name, staticmethod(_fn))
for _name in TINYGRAD_ONLY:
    setattr(Tensor, _name, _tinygrad_only(_name))
for _name, _fn in METHODS.items():
    if not hasattr(rg.Tensor, _name):
        setattr(rg.Tensor, _name, _fn)
for _name in TINYGRAD_ONLY:
    if not hasattr(rg.Tensor, _name):
        setattr(rg.Tensor, _name, _tinygrad_only(_name))


# ------------------------------------------------------------------------------- helpers
def getenv(key: str, default: Any = 0) -> Any:
    return default


class _Renderer:
    @staticmethod
    def supported_dtypes() -> tuple[Any, ...]:
        return tuple(v for k, v in vars(_DTypes).items() if isinstance(v, np.dtype))


class _Dev:
    interface = "CPU"
    device = "CPU"
    renderer = _Renderer()


class _Device:
    DEFAULT = "CPU"

    def __getitem__(self, key: str) -> _Dev:
        return _Dev()

    def canonicalize(self, device: Any) -> str:
        return "CPU"


class NIRRenderer:  # never the renderer here
    pass


@contextlib.contextmanager
def Context(**kwargs: Any) -> Any:
    yield


def _shim_modules() -> dict[str, types.ModuleType]:
    tg = types.ModuleType("tinygrad")
    helpers = types.ModuleType("tinygrad.helpers")
    tensor = types.ModuleType("tinygrad.tensor")
    renderer = types.ModuleType("tinygrad.renderer")
    nir = types.ModuleType("tinygrad.renderer.nir")
    device = _Device()
    for mod in (tg, tensor):
        mod.Tensor = Tensor  # type: ignore[attr-defined]
        mod.dtypes = dtypes  # type: ignore[attr-defined]
        mod.Device = device  # type: ignore[attr-defined]
    tensor._to_np_dtype = _to_np_dtype  # type: ignore[attr-defined]
    tg.Context = Context  # type: ignore[attr-defined]
    for name, value in {
        "getenv": getenv,
        "DEBUG": 0,
        "DEV": _Dev(),
        "IMAGE": 0,
        "Context": Context,
        "CI": 0,
    }.items():
        setattr(helpers, name, value)
    nir.NIRRenderer = NIRRenderer  # type: ignore[attr-defined]
    tg.helpers, tg.tensor, tg.renderer, renderer.nir = helpers, tensor, renderer, nir  # type: ignore[attr-defined]
    return {
        "tinygrad": tg,
        "tinygrad.helpers": helpers,
        "tinygrad.tensor": tensor,
        "tinygrad.renderer": renderer,
        "tinygrad.renderer.nir": nir,
    }


# Source rewrites, each a rule about tinygrad's conventions rather than about one test.
REWRITES = (
    # tinygrad returns int32 indices (its default int); the tests cast PyTorch's int64 indices
    # to int32 to match. PyTorch semantics keep int64 on both sides.
    # Results of the default integer dtype (indices, one_hot, where of Python ints) are int32
    # in tinygrad; the tests cast PyTorch's int64 ones to int32. PyTorch semantics keep int64.
    (
        re.compile(
            r"(lambda[^:\n]*:[^\n]*(?:argmax|argmin|argsort|nonzero|one_hot|indices|torch\.where)[^\n]*?)\.(?:type\(torch\.int32\)|int\(\))"
        ),
        r"\1",
    ),
    # tinygrad's dtypes.X.max / .min are NumPy's iinfo / finfo limits.
    (re.compile(r"dtypes\.(\w+)\.(max|min)\b"), r'_dtype_limit(dtypes.\1, "\2")'),
)


# Methods that tinygrad and PyTorch both have under one name but with another meaning. In code
# that runs only on tinygrad's side (everything but the PyTorch lambda of a helper_test_op /
# helper_test_exception call that has its own tinygrad lambda), ``x.NAME(...)`` becomes
# ``_tinygrad_NAME(x, ...)``, the PyTorch op of tinygrad's meaning.
def _tinygrad_where(cond: Any, a: Any, b: Any) -> Any:  # tinygrad: cond.where(a, b)
    return rg.where(cond, a, b)


def _tinygrad_dot(x: Any, w: Any) -> Any:  # tinygrad: dot is matmul
    return x.matmul(w)


def _tinygrad_max(x: Any, axis: Any = None, keepdim: bool = False) -> Any:  # values only
    return x.max() if axis is None else x.amax(dim=axis, keepdim=keepdim)


def _tinygrad_min(x: Any, axis: Any = None, keepdim: bool = False) -> Any:
    return x.min() if axis is None else x.amin(dim=axis, keepdim=keepdim)


SAME_NAME_OTHER_MEANING = {
    "where": _tinygrad_where,
    "dot": _tinygrad_dot,
    "max": _tinygrad_max,
    "min": _tinygrad_min,
}


def _dtype_limit(dt: Any, which: str) -> Any:  # tinygrad's dtypes.X.max / .min
    info = np.iinfo(dt) if np.issubdtype(dt, np.integer) else np.finfo(dt)
    value = getattr(info, which)
    return int(value) if np.issubdtype(dt, np.integer) else float(value)


class _TinygradSide(ast.NodeTransformer):
    def __init__(self) -> None:
        self.torch_side: set[int] = set()

    def visit_Call(self, node: ast.Call) -> Any:
        func = node.func
        fname = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if fname in ("helper_test_op", "helper_test_exception"):
            has_tiny = len(node.args) >= 3 or any(k.arg == "tinygrad_fxn" for k in node.keywords)
            if has_tiny and len(node.args) >= 2:
                self.torch_side.add(id(node.args[1]))
        if id(node) in self.torch_side:
            return node
        node.args = [a if id(a) in self.torch_side else self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        node.func = self.visit(node.func)
        f = node.func
        if (
            isinstance(f, ast.Attribute)
            and f.attr in SAME_NAME_OTHER_MEANING
            and not (
                isinstance(f.value, ast.Name)
                and f.value.id in ("torch", "np", "math", "Tensor", "self")
            )
            and not any(isinstance(n, ast.Name) and n.id == "torch" for n in ast.walk(f.value))
        ):
            return ast.Call(
                ast.Name(f"_tinygrad_{f.attr}", ast.Load()), [f.value, *node.args], node.keywords
            )
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        return node if id(node) in self.torch_side else self.generic_visit(node)


def load_module(path: str) -> types.ModuleType:
    with open(path, encoding="utf-8") as f:
        source = f.read()
    for pattern, repl in REWRITES:
        source = pattern.sub(repl, source)
    tree = ast.fix_missing_locations(_TinygradSide().visit(ast.parse(source)))
    sys.modules.update(_shim_modules())
    module = types.ModuleType("tinygrad_test_ops")
    module.__file__ = path
    module.__dict__.update({f"_tinygrad_{k}": v for k, v in SAME_NAME_OTHER_MEANING.items()})
    module.__dict__["_dtype_limit"] = _dtype_limit
    exec(compile(tree, path, "exec"), module.__dict__)
    prepare = module.prepare_test_op

    def prepare_test_op(*args: Any, **kwargs: Any) -> Any:
        ts, tst = prepare(*args, **kwargs)
        for t, r in zip(ts, tst):
            if r.requires_grad != t.requires_grad and np.issubdtype(r.dtype, np.floating):
                r.requires_grad_(t.requires_grad)
        return ts, tst

    module.prepare_test_op = prepare_test_op
    return module


# --------------------------------------------------------------------------------- result
def classify(exc_text: str) -> tuple[str, str]:
    """(kind, cause) of a failed test from its traceback text."""
    last = exc_text.strip().splitlines()[-1]
    for pattern, rule in NOT_APPLICABLE_ERRORS:
        if pattern.search(last):
            return "not applicable", f"not applicable: {rule}"
    m = re.search(
        r"Exception: (forward pass|backward pass tensor \d+) failed shape [^:]*: (.*)", exc_text
    )
    if m:
        where = "forward" if m.group(1).startswith("forward") else "backward"
        detail = m.group(2)
        if "shape mismatch" in detail:
            return "failed", f"wrong shape ({where})"
        if "dtype mismatch" in detail:
            d = re.search(r"tinygrad=(\w+) \| torch=(\w+)", detail)
            return (
                "failed",
                f"wrong dtype ({where}): {d.group(1)} vs torch {d.group(2)}"
                if d
                else f"wrong dtype ({where})",
            )
        return "failed", f"wrong value ({where})"
    m = re.match(r"(?:retrograd\.errors\.)?(\w+Error): ", last)
    if m and "helper_test_exception" in exc_text:
        cls = getattr(rg.errors, m.group(1), None)
        bases = [
            b.__name__
            for b in getattr(cls, "__mro__", ())[1:]
            if b.__module__ == "builtins" and b not in (Exception, BaseException, object)
        ]
        return (
            "failed",
            f"exception type: {m.group(1)}{' (' + ', '.join(bases) + ')' if bases else ''}"
            " where PyTorch raises another",
        )
    m = re.search(r"AttributeError: .*has no attribute '(\w+)'", last)
    if m:
        return "errored", f"missing attribute: {m.group(1)}"
    m = re.match(r"(\w+(?:\.\w+)*): (.*)", last)
    if m:
        name = m.group(1).rsplit(".", 1)[-1]
        if name == "AssertionError":
            msg = re.sub(r"[-\d.e+]+", "N", m.group(2))[:70]
            return "failed", f"AssertionError: {msg}"
        msg = re.sub(r"\d+", "N", m.group(2))[:70]
        return "errored", f"{name}: {msg}"
    return "errored", last[:80]


class Result(unittest.TestResult):
    def __init__(self, verbose: bool = False) -> None:
        super().__init__()
        self.outcomes: dict[str, tuple[str, str]] = {}
        self.verbose = verbose

    def _name(self, test: Any) -> str:
        return test.id().split(".", 1)[-1]

    def _record(self, test: Any, kind: str, cause: str) -> None:
        name = self._name(test)
        if name in self.outcomes and self.outcomes[name][0] != "passed":
            return  # first problem of a test with sub-tests decides it
        self.outcomes[name] = (kind, cause)
        if self.verbose:
            print(f"{kind:15s} {name}  {cause}", flush=True)

    def addSuccess(self, test: Any) -> None:
        self.outcomes.setdefault(self._name(test), ("passed", ""))

    def addSkip(self, test: Any, reason: str) -> None:
        if reason.startswith("not applicable"):
            self._record(test, "not applicable", reason)
        else:
            self._record(test, "skipped", reason)

    def _problem(self, test: Any, err: Any) -> None:
        text = "".join(traceback.format_exception(*err))
        kind, cause = classify(text)
        self._record(test, kind, cause)
        self.texts[self._name(test)] = text

    texts: dict[str, str] = {}
    addFailure = _problem
    addError = _problem

    def addExpectedFailure(self, test: Any, err: Any) -> None:
        self._record(test, "skipped", "expected failure")

    def addUnexpectedSuccess(self, test: Any) -> None:
        self.outcomes.setdefault(self._name(test), ("passed", ""))

    def addSubTest(self, test: Any, subtest: Any, err: Any) -> None:
        if err is not None:
            if issubclass(err[0], unittest.SkipTest):
                self.addSkip(test, str(err[1]))
            else:
                self._problem(test, err)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", help="tinygrad's test/test_ops.py")
    parser.add_argument("--report", help="write every test's outcome and cause to this file")
    parser.add_argument("-k", dest="pattern", help="only tests whose name contains this")
    parser.add_argument("-v", action="store_true", help="print each test that does not pass")
    args = parser.parse_args(argv)

    import warnings

    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    module = load_module(args.path)
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = [f"*{args.pattern}*"]
    suite = loader.loadTestsFromModule(module)
    result = Result(verbose=args.v)
    start = time.monotonic()
    suite.run(result)
    elapsed = time.monotonic() - start

    counts = collections.Counter(kind for kind, _ in result.outcomes.values())
    total = len(result.outcomes)
    applicable = total - counts["not applicable"] - counts["skipped"]
    passed = counts["passed"]
    lines = [
        f"tinygrad test_ops against retrograd {rg.__version__}: {total} tests in {elapsed:.0f} s",
        f"passed {passed}, failed {counts['failed']}, errored {counts['errored']}, "
        f"skipped {counts['skipped']}, not applicable {counts['not applicable']}",
        f"pass rate: {passed} of {applicable} applicable"
        f" ({100 * passed / max(applicable, 1):.1f}%)",
    ]
    groups: dict[str, list[str]] = collections.defaultdict(list)
    for name, (kind, cause) in sorted(result.outcomes.items()):
        if kind in ("failed", "errored", "not applicable", "skipped"):
            groups[f"[{kind}] {cause}"].append(name.split(".")[-1])
    lines.append("")
    lines.append("by cause:")
    for cause, names in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(
            f"  {len(names):3d}  {cause}: {', '.join(names[:6])}{' ...' if len(names) > 6 else ''}"
        )
    print("\n".join(lines))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n\n")
            for name, (kind, cause) in sorted(result.outcomes.items()):
                f.write(f"{kind}\t{name}\t{cause}\n")
            f.write("\n")
            for name, text in sorted(result.texts.items()):
                f.write(f"==== {name}\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
