"""More elementwise math of a Tensor, as a mixin: trigonometric and hyperbolic functions,
exp2/log2/log10, logaddexp, lerp, copysign, rounded division and remainders, shifts and other
bitwise and logical ops, isclose, scans (cumprod, cummax, cummin, logcumsumexp), std_mean and
var_mean, mm/bmm, and `einsum`. Dtypes follow PyTorch: integer inputs of float functions
become float32, integer `//` and `%` stay integer."""

from __future__ import annotations

import builtins
import string
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd import ops
from retrograd.autograd.node import Node
from retrograd.backend.arrays import namespace
from retrograd.errors import DTypeError, InvalidArgumentError, ShapeError
from retrograd.ops.cumulative import CumProd, LogCumSumExp, accumulate
from retrograd.ops.einsum import Einsum
from retrograd.ops.math_extra import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atanh,
    Copysign,
    Cosh,
    Exp2,
    LogBase,
    Remainder,
    Sinh,
    Tan,
    ZeroGrad,
)
from retrograd.ops.nograd import NoGrad
from retrograd.tensor.dispatch import (
    _normalize_dim,
    _promote,
    _shape_arg,
    _wrap,
    apply,
    as_tensor_like,
    is_tensor,
    to_tensor,
)
from retrograd.tensor.numpy_names import accept_numpy_names

if TYPE_CHECKING:
    from retrograd.tensor.core import Tensor

#: what `cummax` / `cummin` return, as `torch.return_types.cummax`
cummax_result = namedtuple("cummax", ["values", "indices"])  # type: ignore[name-match]
cummin_result = namedtuple("cummin", ["values", "indices"])  # type: ignore[name-match]


def _pair(a: Tensor, other: Any, reverse: bool = False) -> tuple[Tensor, Tensor]:
    """`a` and `other` as tensors of one dtype (PyTorch's promotion; a Python scalar takes
    `a`'s dtype unless it is a float next to integers), swapped when `reverse`."""
    b = other if is_tensor(other) else as_tensor_like(other, a)
    if a.dtype != b.dtype:
        dtype = _promote(a.dtype, b.dtype, a.ndim, b.ndim)
        a, b = a.type(dtype), b.type(dtype)
    return (b, a) if reverse else (a, b)


def _trunc_divide_int(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    quotient = np.floor_divide(a, b)
    inexact = (np.remainder(a, b) != 0) & ((a < 0) != (b < 0))
    return np.where(inexact, quotient + 1, quotient)


def _divide_rounded(a: Tensor, b: Tensor, mode: str) -> Tensor:
    if a.dtype.kind == "b":
        a, b = a.long(), b.long()
    if a.dtype.kind in "iu":
        fn = np.floor_divide if mode == "floor" else _trunc_divide_int
        with np.errstate(divide="ignore"):
            return apply(NoGrad, a, b, fn=fn)
    fn = np.floor_divide if mode == "floor" else _trunc_divide_float
    return apply(ZeroGrad, a, b, fn=fn)


def _trunc_divide_float(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.trunc(a / b)


def _remainder(a: Tensor, b: Tensor, floor: bool) -> Tensor:
    if a.dtype.kind == "b":
        a, b = a.long(), b.long()
    if a.dtype.kind in "iu":
        with np.errstate(divide="ignore"):
            return apply(NoGrad, a, b, fn=np.remainder if floor else np.fmod)
    return apply(Remainder, a, b, floor=floor)


def _integer_operands(a: Tensor, b: Tensor, what: str) -> None:
    if a.dtype.kind not in "iub" or b.dtype.kind not in "iub":
        raise DTypeError(f"{what} needs integer or bool tensors, got {a.dtype} and {b.dtype}")


def _running_extreme(tensor: Any, dim: int, largest: bool) -> Any:
    """cummax/cummin: `(values, indices)` of the running max (min) along `dim`."""
    axis_ = _normalize_dim(dim, tensor.ndim)
    result = cummax_result if largest else cummin_result
    if tensor.ndim == 0:
        return result(tensor.clone(), _wrap(np.zeros_like(tensor.array, dtype=np.int64)))
    indices = _running_extreme_index(tensor.array, axis_, largest)
    values = apply(ops.Gather, tensor, indices=indices, axis=axis_)
    return result(values, _wrap(indices))


def _running_extreme_index(x: np.ndarray, axis: int, largest: bool) -> np.ndarray:
    """Index of the running max (min) along `axis`; a tie takes the later index (PyTorch)."""
    running = accumulate(np.maximum if largest else np.minimum, x, axis)
    positions = (
        namespace(x).arange(x.shape[axis]).reshape([-1 if d == axis else 1 for d in range(x.ndim)])
    )
    hits = (x == running) | np.isnan(x)
    return accumulate(np.maximum, np.where(hits, positions, 0), axis).astype(np.int64)


def _with_mean(name: str, spread: str, doc: str) -> Any:
    """The method `name` (var_mean, std_mean): `(x.spread(dim), x.mean(dim))`, as PyTorch's."""

    def method(
        self: Any,
        dim: Any = None,
        unbiased: bool | None = None,
        keepdim: bool = False,
        *,
        correction: float | None = None,
    ) -> tuple[Tensor, Tensor]:
        if unbiased is not None and not isinstance(unbiased, bool):  # (dim) by position
            dim, unbiased = unbiased, None
        result = getattr(self, spread)(dim, unbiased, keepdim, correction=correction)
        return result, self.mean(dim, keepdim)

    method.__name__, method.__qualname__, method.__doc__ = name, f"MathMethods.{name}", doc
    return method


def _float_function(name: str, op: type[Node], doc: str, **params: Any) -> Any:
    """The method `x.name()`: `op` on `x` as floats (integer inputs become float32)."""

    def method(self: Any) -> Tensor:
        return apply(op, self._floating(), **params)

    method.__name__, method.__qualname__, method.__doc__ = name, f"MathMethods.{name}", doc
    return method


def _logical(name: str, fn: Callable[..., Any], doc: str) -> Any:
    """The method `x.name(other)`: NumPy's `fn` of the two, elementwise (bool, no gradient)."""

    def method(self: Any, other: Any) -> Tensor:
        return apply(NoGrad, self, to_tensor(other), fn=fn)

    method.__name__, method.__qualname__, method.__doc__ = name, f"MathMethods.{name}", doc
    return method


@accept_numpy_names
class MathMethods:
    """Elementwise math, division and bitwise variants, scans and matrix products."""

    __slots__ = ()

    # ------------------------------------------------------------------ float functions
    tan = _float_function("tan", Tan, "Elementwise tangent.")
    asin = _float_function("asin", Asin, "Elementwise arcsine.")
    acos = _float_function("acos", Acos, "Elementwise arccosine.")
    atan = _float_function("atan", Atan, "Elementwise arctangent.")
    sinh = _float_function("sinh", Sinh, "Elementwise hyperbolic sine.")
    cosh = _float_function("cosh", Cosh, "Elementwise hyperbolic cosine.")
    asinh = _float_function("asinh", Asinh, "Elementwise inverse hyperbolic sine.")
    acosh = _float_function("acosh", Acosh, "Elementwise inverse hyperbolic cosine.")
    atanh = _float_function("atanh", Atanh, "Elementwise inverse hyperbolic tangent.")

    arcsin = asin
    arccos = acos
    arctan = atan
    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh

    exp2 = _float_function("exp2", Exp2, "Elementwise `2 ** x`.")
    log2 = _float_function("log2", LogBase, "Elementwise base-2 logarithm.", base=2)
    log10 = _float_function("log10", LogBase, "Elementwise base-10 logarithm.", base=10)

    def logaddexp(self: Any, other: Any) -> Tensor:
        """log(exp(a) + exp(b)), shifted by the (constant) larger value so it never overflows."""
        a, b = _pair(self, other)
        if a.dtype.kind != "f":
            a, b = a.float(), b.float()
        larger = np.maximum(a.array, b.array)
        shift = _wrap(np.where(np.isfinite(larger), larger, 0).astype(a.dtype))
        return ((a - shift).exp() + (b - shift).exp()).log() + shift

    def lerp(self: Any, end: Any, weight: Any) -> Tensor:
        """self + weight * (end - self)."""
        return self + weight * (to_tensor(end) - self)

    def copysign(self: Any, other: Any) -> Tensor:
        """|self| with the sign of `other` (integers give float32, as in PyTorch)."""
        a, b = _pair(self, other)
        if a.dtype.kind != "f":
            a, b = a.float(), b.float()
        return apply(Copysign, a, b)

    # ------------------------------------------------------------------ division, remainders
    def div(self: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; `rounding_mode="floor"` or `"trunc"` rounds the quotient (integers
        stay integers; on floats the gradient is zero, as in PyTorch)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("floor", "trunc"):
            raise InvalidArgumentError(
                f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"{rounding_mode!r}"
            )
        return _divide_rounded(*_pair(self, other), rounding_mode)

    divide = div

    def floor_divide(self: Any, other: Any) -> Tensor:
        """Elementwise `//` (floor of the quotient)."""
        return _divide_rounded(*_pair(self, other), "floor")

    __floordiv__ = floor_divide

    def __rfloordiv__(self: Any, other: Any) -> Tensor:
        return _divide_rounded(*_pair(self, other, reverse=True), "floor")

    def remainder(self: Any, other: Any) -> Tensor:
        """The remainder of floor division (Python's %: the sign of the divisor)."""
        return _remainder(*_pair(self, other), floor=True)

    __mod__ = remainder

    def fmod(self: Any, other: Any) -> Tensor:
        """The remainder of truncated division (C's fmod: the sign of the dividend)."""
        return _remainder(*_pair(self, other), floor=False)

    def __rmod__(self: Any, other: Any) -> Tensor:
        return _remainder(*_pair(self, other, reverse=True), floor=True)

    # ------------------------------------------------------------------ bitwise, logical
    def _shift(self: Any, other: Any, fn: Callable[..., Any], reverse: bool = False) -> Tensor:
        a, b = _pair(self, other, reverse)
        _integer_operands(a, b, "a shift")
        return apply(NoGrad, a, b, fn=fn)

    def bitwise_left_shift(self: Any, other: Any) -> Tensor:
        """Elementwise `<<`."""
        return self._shift(other, np.left_shift)

    def bitwise_right_shift(self: Any, other: Any) -> Tensor:
        """Elementwise `>>`."""
        return self._shift(other, np.right_shift)

    __lshift__ = bitwise_left_shift
    __rshift__ = bitwise_right_shift

    def __rlshift__(self: Any, other: Any) -> Tensor:
        return self._shift(other, np.left_shift, reverse=True)

    def __rrshift__(self: Any, other: Any) -> Tensor:
        return self._shift(other, np.right_shift, reverse=True)

    def bitwise_and(self: Any, other: Any) -> Tensor:
        """Elementwise `&` of integer or bool tensors."""
        return self & other

    def bitwise_or(self: Any, other: Any) -> Tensor:
        """Elementwise `|`."""
        return self | other

    def bitwise_xor(self: Any, other: Any) -> Tensor:
        """Elementwise `^`."""
        return self ^ other

    def bitwise_not(self: Any) -> Tensor:
        """Elementwise `~`."""
        return ~self

    logical_and = _logical("logical_and", np.logical_and, "Elementwise logical and.")
    logical_or = _logical("logical_or", np.logical_or, "Elementwise logical or.")
    logical_xor = _logical("logical_xor", np.logical_xor, "Elementwise logical xor.")

    def isclose(
        self: Any,
        other: Any,
        rtol: builtins.float = 1e-05,
        atol: builtins.float = 1e-08,
        equal_nan: builtins.bool = False,
    ) -> Tensor:
        """|self - other| <= atol + rtol * |other|, elementwise (bool)."""
        a, b = _pair(self, other)
        return apply(NoGrad, a, b, fn=np.isclose, rtol=rtol, atol=atol, equal_nan=equal_nan)

    # ------------------------------------------------------------------ scans
    def cumprod(self: Any, dim: builtins.int, *, dtype: Any = None) -> Tensor:
        """Cumulative product along `dim` (integers and bools give int64)."""
        source = self if dtype is None else self.type(dtype)
        axis_ = _normalize_dim(dim, self.ndim)
        if source.ndim == 0:
            return source.clone() if source.dtype.kind == "f" else source.long()
        if source.dtype.kind != "f":
            out = apply(NoGrad, source, fn=np.cumprod, axis=axis_, dtype=np.int64)
            return out if dtype is None else out.type(source.dtype)
        return apply(CumProd, source, axis=axis_)

    def logcumsumexp(self: Any, dim: builtins.int) -> Tensor:
        """log(cumsum(exp(x))) along `dim`, without overflow."""
        axis_ = _normalize_dim(dim, self.ndim)
        source = self._floating()
        if source.ndim == 0:
            return source.clone()
        return apply(LogCumSumExp, source, axis=axis_)

    def cummax(self: Any, dim: builtins.int) -> Any:
        """(values, indices) of the running maximum along `dim`; the gradient goes to the
        element each running maximum came from."""
        return _running_extreme(self, dim, largest=True)

    def cummin(self: Any, dim: builtins.int) -> Any:
        """(values, indices) of the running minimum along `dim`."""
        return _running_extreme(self, dim, largest=False)

    # ------------------------------------------------------------------ statistics
    var_mean = _with_mean("var_mean", "var", "(var, mean) over `dim`, as `torch.var_mean`.")
    std_mean = _with_mean("std_mean", "std", "(std, mean) over `dim`, as `torch.std_mean`.")

    # ------------------------------------------------------------------ matrix products
    def mm(self: Any, mat2: Tensor) -> Tensor:
        """Matrix product of two 2-d tensors."""
        other = to_tensor(mat2)
        if self.ndim != 2 or other.ndim != 2:
            raise ShapeError(f"mm needs two 2-d tensors, got shapes {self.shape} and {other.shape}")
        return self @ other

    def bmm(self: Any, mat2: Tensor) -> Tensor:
        """Batched matrix product of (b, n, m) and (b, m, p) tensors."""
        other = to_tensor(mat2)
        if self.ndim != 3 or other.ndim != 3 or self.shape[0] != other.shape[0]:
            raise ShapeError(
                f"bmm needs two 3-d tensors with the same batch size, got shapes {self.shape} "
                f"and {other.shape}"
            )
        return self @ other

    def dot(self: Any, other: Tensor) -> Tensor:
        """Inner product of two 1-d tensors."""
        b = to_tensor(other)
        if self.ndim != 1 or b.ndim != 1 or self.shape != b.shape:
            raise ShapeError(f"dot needs two 1-d tensors of one size, got {self.shape}, {b.shape}")
        return self @ b

    def outer(self: Any, vec2: Tensor) -> Tensor:
        """The outer product of two 1-d tensors."""
        return self.reshape(-1, 1) * to_tensor(vec2).reshape(1, -1)

    # linear algebra (`retrograd.linalg`, loaded on first use)
    def det(self: Any) -> Tensor:
        """The determinant of each square matrix (`linalg.det`)."""
        from retrograd import linalg

        return linalg.det(self)

    def inverse(self: Any) -> Tensor:
        """The inverse of each square matrix (`linalg.inv`)."""
        from retrograd import linalg

        return linalg.inv(self)

    def cholesky(self: Any, upper: builtins.bool = False) -> Tensor:
        """The Cholesky factor of each positive-definite matrix (`linalg.cholesky`)."""
        from retrograd import linalg

        return linalg.cholesky(self, upper=upper)

    def svd(self: Any, some: builtins.bool = True, compute_uv: builtins.bool = True) -> Any:
        """PyTorch's older SVD: `(U, S, V)` with `A = U diag(S) V^T` (`V`, not `Vh`).

        Args:
            some: the reduced factors (True) or the full ones.
            compute_uv: False returns zero-filled `U` `(..., m, m)` and `V` `(..., n, n)`.

        Returns:
            A named tuple `(U, S, V)`; see `linalg.svd`.
        """
        from retrograd import linalg

        return linalg.svd_old(self, some, compute_uv)

    def qr(self: Any, some: builtins.bool = True) -> Any:
        """PyTorch's older QR: `(Q, R)`, reduced when `some`, else complete (`linalg.qr`)."""
        from retrograd import linalg

        return linalg.qr_old(self, some)

    def pinverse(self: Any, rcond: builtins.float = 1e-15) -> Tensor:
        """The pseudo-inverse; singular values below `rcond * largest` count as zero."""
        from retrograd import linalg

        return linalg.pinv(self, rtol=rcond)

    def slogdet(self: Any) -> Any:
        """`(sign, logabsdet)` of each square matrix's determinant (`linalg.slogdet`)."""
        from retrograd import linalg

        return linalg.slogdet_old(self)

    def logdet(self: Any) -> Tensor:
        """The log-determinant of each square matrix; NaN where the determinant is negative."""
        from retrograd import linalg

        return linalg.logdet(self)

    def matrix_power(self: Any, n: builtins.int) -> Tensor:
        """The `n`-th power of each square matrix (`linalg.matrix_power`)."""
        from retrograd import linalg

        return linalg.matrix_power(self, n)

    def cross(self: Any, other: Tensor, dim: builtins.int | None = None) -> Tensor:
        """The cross product along `dim` (None: the first dim of size 3, PyTorch's default)."""
        from retrograd import linalg

        return linalg.cross_old(self, other, dim)

    def nelement(self: Any) -> builtins.int:
        """Alias of `numel`."""
        return self.numel()

    def new_empty(self: Any, *size: Any, dtype: Any = None) -> Tensor:
        """A tensor of `size` with this one's dtype (zero-filled: NumPy memory is not reused)."""
        from retrograd.backend.dtypes import to_numpy_dtype

        target = self.dtype if dtype is None else to_numpy_dtype(dtype)
        return _wrap(np.zeros_like(self.array, shape=_shape_arg(size), dtype=target))


def einsum(equation: str, *operands: Any) -> Tensor:
    """Sum of products over the letters of `equation` (NumPy's and PyTorch's notation):
    `einsum("ij,jk->ik", a, b)` is a matrix product. An ellipsis stands for broadcast dims;
    without "->" the output holds the letters seen once, in alphabetical order."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    tensors = [to_tensor(t) for t in operands]
    inputs, output = _explicit_subscripts(equation, [t.ndim for t in tensors])
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = _promote(dtype, t.dtype)
    tensors = [t.type(dtype) for t in tensors]
    sizes: dict[str, int] = {}
    for t, subs in zip(tensors, inputs):
        for letter, n in zip(subs, t.shape):
            if n != 1 and sizes.get(letter, 1) not in (1, n):
                raise ShapeError(
                    f"einsum: subscript {letter!r} has size {n} for one operand and "
                    f"{sizes[letter]} for another"
                )
            sizes[letter] = max(sizes.get(letter, 1), n)
    expanded = []
    for t, subs in zip(tensors, inputs):
        target = tuple(sizes[letter] for letter in subs)
        expanded.append(t if t.shape == target or len(set(subs)) < len(subs) else t.expand(target))
    return apply(Einsum, *expanded, inputs=tuple(inputs), output=output)


def _explicit_subscripts(equation: str, ndims: Sequence[int]) -> tuple[list[str], str]:
    """Subscripts with every ellipsis spelt out in unused letters, and the output given."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(ndims):
        raise InvalidArgumentError(
            f"einsum: the equation {equation!r} names {len(inputs)} operands, got {len(ndims)}"
        )
    used = set(equation)
    spare = [c for c in string.ascii_letters if c not in used]
    widest = 0
    for subs, ndim in zip(inputs, ndims):
        if subs.count("...") > 1 or "." in subs.replace("...", "", 1):
            raise InvalidArgumentError(
                f"einsum: subscripts {subs!r} hold more than one ellipsis or a stray '.'"
            )
        letters = len(subs.replace("...", ""))
        if ("..." in subs and letters > ndim) or ("..." not in subs and letters != ndim):
            raise ShapeError(
                f"einsum: subscripts {subs!r} do not fit an operand with {ndim} dimensions"
            )
        if "..." in subs:
            widest = max(widest, ndim - letters)
    ellipsis = "".join(spare[:widest])
    explicit = [
        s.replace("...", ellipsis[widest - (n - len(s.replace("...", ""))) :])
        for s, n in zip(inputs, ndims)
    ]
    if arrow:
        output = right.replace("...", ellipsis)
    else:
        counts = {c: "".join(inputs).count(c) for c in set("".join(inputs)) if c.isalpha()}
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1))
    for c in output:
        if not any(c in s for s in explicit):
            raise InvalidArgumentError(f"einsum: output subscript {c!r} is in no operand")
    return explicit, output
