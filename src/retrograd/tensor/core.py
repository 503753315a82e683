"""`Tensor`: an n-d array with reverse-mode autograd. Operators and composites are built from
the primitives in `retrograd.ops`; nothing here computes a gradient by hand. Reductions and
shape methods live in `reductions.py` and `shape.py` (mixins) to keep each file to one job."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union

import numpy as np

from retrograd import ops
from retrograd.autograd.engine import run_backward_from
from retrograd.autograd.grad_mode import grad_state, no_grad
from retrograd.autograd.node import Node
from retrograd.autograd.tracing import hook_ids, record_escape, trace_state
from retrograd.backend.arrays import (
    as_array,
    device_of,
    is_device_array,
    is_host,
    namespace,
    to_host,
)
from retrograd.backend.device import device, parse_to
from retrograd.backend.dtypes import default_float_dtype, is_floating, to_numpy_dtype
from retrograd.errors import (
    ArgumentTypeError,
    DTypeError,
    GraphError,
    IndexRangeError,
    InvalidArgumentError,
    ShapeError,
    UnsupportedError,
)
from retrograd.ops.movement import put
from retrograd.ops.nograd import NoGrad
from retrograd.tensor import numpy_protocol
from retrograd.tensor.compat_methods import CompatMethods
from retrograd.tensor.dispatch import (
    _index_of,
    _normalize_axes,
    _normalize_dim,
    _promote,
    _shape_arg,
    _wrap,
    apply,
    as_tensor_like,
    register_tensor_class,
)
from retrograd.tensor.index_methods import IndexMethods
from retrograd.tensor.math_methods import MathMethods
from retrograd.tensor.numpy_names import accept_numpy_names
from retrograd.tensor.reductions import ReductionMethods
from retrograd.tensor.shape import ShapeMethods

Scalar = int | float | bool
Operand = Union["Tensor", Scalar, np.ndarray]  # noqa: UP007 - a forward reference


class RemovableHandle:
    """Returned by `register_hook`; `remove()` takes the hook away again."""

    def __init__(self, hooks: dict[int, Any], key: int) -> None:
        self._hooks, self.id = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


_NO_DATA: Any = object()  # `Tensor()` with no argument


def _is_python_int(value: Any) -> builtins.bool:
    return builtins.isinstance(value, builtins.int) and not builtins.isinstance(
        value, builtins.bool
    )


@accept_numpy_names
class Tensor(ReductionMethods, ShapeMethods, MathMethods, IndexMethods, CompatMethods):
    """An n-d array (NumPy underneath) that records the ops applied to it for `backward()`.

    Python floats become the default float dtype (float32 unless changed with
    `set_default_dtype`), Python ints int64 and Python bools bool; a NumPy array or scalar
    keeps its dtype (float64 stays float64).

    Args:
        data: nested lists, a scalar, an ndarray or a Tensor. An ndarray or a Tensor is not
            copied when its dtype is kept: the new tensor shares its values. A Python int is
            a size, as in PyTorch's legacy constructor: `Tensor(3)` and `Tensor(2, 3)` are
            zeros of that shape (PyTorch leaves them uninitialised) and `Tensor()` is empty;
            `retrograd.tensor(3)` is the value 3. Lists and tuples become the default float
            dtype, as `torch.Tensor([1, 2])` does (`retrograd.tensor([1, 2])` is int64); an
            ndarray keeps its dtype.
        *sizes: the further sizes of `Tensor(2, 3)`.
        dtype: the dtype to convert to. Default: None (as above).
        requires_grad: record operations on this tensor for `backward()`. Default: False.

    Attributes:
        array: the NumPy array that holds the values (`t.array` is what `t.numpy()` returns,
            without its graph check). `t.data` is PyTorch's: a tensor over the same values,
            outside the graph.
        grad: the gradient `backward()` accumulated, a Tensor, or None.

    Raises:
        DTypeError: for data that is not numbers or bools (strings, objects).
        InvalidArgumentError: for ragged or mixed nested lists.
    """

    __slots__ = (
        "array",
        "grad",
        "_requires_grad",
        "_ctx",
        "_version",
        "_hooks",
        "_retains_grad",
        "__weakref__",
    )
    __array_priority__ = 1000  # NumPy calls __array_ufunc__ below; other libraries read this

    array: np.ndarray
    grad: Tensor | None
    _requires_grad: builtins.bool
    _ctx: Node | None
    _version: builtins.int
    _hooks: dict[builtins.int, Callable[[Tensor], Any]] | None
    _retains_grad: builtins.bool

    def __init__(
        self,
        data: Any = _NO_DATA,
        *sizes: Any,
        dtype: Any = None,
        requires_grad: builtins.bool = False,
    ) -> None:
        if sizes or data is _NO_DATA or _is_python_int(data):
            # PyTorch's legacy constructor: `Tensor(2, 3)` and `Tensor(3)` are shapes (filled
            # with zeros, where PyTorch leaves memory uninitialised), `Tensor()` is empty
            shape = () if data is _NO_DATA else (data, *sizes)
            if not builtins.all(_is_python_int(size) and size >= 0 for size in shape):
                raise ArgumentTypeError(
                    f"Tensor(*sizes) takes non-negative integers, got {shape!r:.80}; for data "
                    "pass one list or array: Tensor([1, 2]) or retrograd.tensor(...)"
                )
            data = np.zeros(shape or (0,), dtype=to_numpy_dtype(dtype or default_float_dtype()))
        elif dtype is None and builtins.isinstance(data, (builtins.list, builtins.tuple)):
            dtype = default_float_dtype()  # `torch.Tensor([1, 2])` is float, as `FloatTensor`
        self._init(data, dtype, requires_grad)

    @classmethod
    def _of(cls, data: Any, dtype: Any = None, requires_grad: builtins.bool = False) -> Tensor:
        """A tensor of `data` (a Python int is a value here, not a size): what `tensor()`
        and the library build from values."""
        t = cls.__new__(cls)
        t._init(data, dtype, requires_grad)
        return t

    def _init(self, data: Any, dtype: Any, requires_grad: builtins.bool) -> None:
        self.array = _to_array(data, dtype)
        self.grad = None
        self._requires_grad = False
        self._ctx = None
        self._version = 0
        self._hooks = None
        self._retains_grad = False
        if requires_grad:
            self.requires_grad_(True)
        if trace_state.tracer is not None:
            trace_state.tracer.record_constant(self)

    # ------------------------------------------------------------------ basic attributes
    @property
    def shape(self) -> tuple[builtins.int, ...]:
        """The sizes of the dimensions (a tuple)."""
        return self.array.shape

    @property
    def ndim(self) -> builtins.int:
        """The number of dimensions."""
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the values."""
        return self.array.dtype

    @property
    def data(self) -> Tensor:
        """PyTorch's `.data`: a tensor sharing this one's values, outside the graph.

        In-place changes to it (`p.data.add_(...)`, `w.data.normal_(0, 0.02)`) change this
        tensor and are not recorded for backward. Assigning `t.data = other` makes `t` hold
        `other`'s values (any shape). The NumPy array underneath is `.array`.
        """
        return _wrap(self._writable())

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(
                f"assigned .data must be a Tensor, got {builtins.type(value).__name__} "
                "(wrap it in rg.tensor(...), or write a NumPy array to .array)"
            )
        self.array = value.array

    @property
    def is_leaf(self) -> builtins.bool:
        """True when no op made this tensor (its `.grad` is kept)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Node | None:
        """The node that made this tensor (None for a leaf)."""
        return self._ctx

    @property
    def device(self) -> device:
        """Where the tensor lives: `device("cpu")`, or `device("cuda", n)` for a GPU array
        (compares equal to its string, "cpu")."""
        return device_of(self.array)

    @property
    def is_cuda(self) -> builtins.bool:
        """Whether the values live on a CUDA GPU."""
        return not is_host(self.array)

    @property
    def is_cpu(self) -> builtins.bool:
        """Whether the values live in host memory (a NumPy array)."""
        return is_host(self.array)

    @property
    def is_xpu(self) -> builtins.bool:
        """False: retrograd computes on the CPU (PyTorch's Intel GPU flag)."""
        return False

    @property
    def is_mps(self) -> builtins.bool:
        """False: retrograd computes on the CPU (PyTorch's Apple GPU flag)."""
        return False

    @property
    def is_meta(self) -> builtins.bool:
        """False: every retrograd tensor holds its values."""
        return False

    @property
    def is_sparse(self) -> builtins.bool:
        """False: retrograd tensors are dense (strided)."""
        return False

    @property
    def is_quantized(self) -> builtins.bool:
        """False: retrograd has no quantized tensors."""
        return False

    def is_complex(self) -> builtins.bool:
        """Whether the dtype is a complex one.

        Returns:
            True for a complex dtype, else False.
        """
        return builtins.bool(self.array.dtype.kind == "c")

    def size(self, dim: builtins.int | None = None) -> Any:
        """The shape, or the size of dimension `dim`."""
        if dim is None:
            return self.array.shape
        return self.array.shape[_normalize_dim(dim, self.ndim)]

    def dim(self) -> builtins.int:
        """The number of dimensions."""
        return self.array.ndim

    def numel(self) -> builtins.int:
        """The number of values."""
        return int(self.array.size)

    def __len__(self) -> builtins.int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __repr__(self) -> str:
        record_escape("repr() or str()")
        body = np.array2string(to_host(self.array), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if not is_host(self.array):
            extras.append(f"device='{self.device}'")
        if self.array.dtype not in (default_float_dtype(), np.int64, np.bool_):
            extras.append(f"dtype={self.array.dtype}")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{self._ctx.name}Backward>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force: builtins.bool = False) -> np.ndarray:
        """The underlying array (shares memory, like `torch.Tensor.numpy`); refused for a tensor
        that requires grad while grad mode is on, as in PyTorch (use `.detach().numpy()`)."""
        record_escape("numpy()")
        if not force:
            _refuse_array_of_graph(self)
        if not is_host(self.array):
            if not force:
                raise InvalidArgumentError(
                    f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() "
                    "to copy the tensor to host memory first."
                )
            return to_host(self.array)
        return self.array

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> np.ndarray:
        record_escape("np.asarray() or another NumPy conversion")
        _refuse_array_of_graph(self)
        array = self.array if is_host(self.array) else to_host(self.array)
        if dtype is not None and np.dtype(dtype) != array.dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        record_escape("item()")
        if self.array.size != 1:
            raise ShapeError(
                f"item() needs a tensor with one element, this one has shape {self.shape}"
            )
        return self.array.item()

    def tolist(self) -> Any:
        """The values as (nested) Python numbers."""
        record_escape("tolist()")
        return self.array.tolist()  # CuPy's tolist copies to the host

    def __format__(self, spec: str) -> str:
        """`f"{loss:.4f}"` formats a one-element tensor's value, as in PyTorch; an empty spec
        gives the usual text."""
        if not spec:
            return str(self)
        if self.array.ndim == 0:
            return format(self.item(), spec)
        raise ArgumentTypeError("unsupported format string passed to Tensor.__format__")

    def __float__(self) -> builtins.float:
        record_escape("float()")
        return float(self.item())

    def __int__(self) -> builtins.int:
        record_escape("int()")
        return int(self.item())

    def __index__(self) -> builtins.int:
        if self.array.dtype.kind not in "iu":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self) -> builtins.bool:
        record_escape("bool()")
        if self.array.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.array.item())

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """PyTorch's forms: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)`, and the
        keywords `dtype`, `device`, `copy`, `non_blocking`. Moving to another device is
        differentiable: the gradient comes back to this tensor's device."""
        dtype, target, copy = parse_to(args, kwargs, "Tensor.to")
        result = self if dtype is None else self.type(dtype)
        if target is not None and not _is_on(result, target):
            return apply(ops.Transfer, result, target=target)
        return result.clone() if copy and result is self else result

    def type(self, dtype: Any) -> Tensor:
        """A copy of `dtype` (the same tensor when it already has it)."""
        target = to_numpy_dtype(dtype)
        if target == self.array.dtype:
            return self
        if is_floating(target):
            return apply(ops.Cast, self, dtype=target)
        return apply(NoGrad, self, fn=_astype, dtype=target)

    def type_as(self, other: Tensor) -> Tensor:
        """A copy with `other`'s dtype."""
        return self.type(other.dtype)

    def float(self) -> Tensor:
        """A float32 copy (in the graph)."""
        return self.type(np.float32)

    def double(self) -> Tensor:
        """A float64 copy (in the graph)."""
        return self.type(np.float64)

    def half(self) -> Tensor:
        """A float16 copy."""
        return self.type(np.float16)

    def long(self) -> Tensor:
        """An int64 copy."""
        return self.type(np.int64)

    def int(self) -> Tensor:
        """An int32 copy."""
        return self.type(np.int32)

    def bool(self) -> Tensor:
        """A bool copy."""
        return self.type(np.bool_)

    def cpu(self) -> Tensor:
        """This tensor in host memory: itself when it is there, else a copy."""
        return self if is_host(self.array) else self.to("cpu")

    def cuda(self, device: Any = None, non_blocking: builtins.bool = False) -> Tensor:
        """This tensor on a CUDA GPU (`device`: an index or "cuda:n"); an error naming the
        available devices where there is none."""
        if isinstance(device, builtins.int) and not isinstance(device, builtins.bool):
            device = f"cuda:{device}"
        return self.to("cuda" if device is None else device)

    def pin_memory(self) -> Tensor:
        """Nothing to pin on the CPU: the tensor itself."""
        return self

    def is_pinned(self) -> builtins.bool:
        """False: there is no pinned memory on the CPU."""
        return False

    def contiguous(self) -> Tensor:
        """The tensor itself: retrograd's views need no memory layout."""
        return self

    def clone(self) -> Tensor:
        """A copy that stays in the graph (its gradient flows back to `self`)."""
        return apply(ops.Cast, self, dtype=self.array.dtype)

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return _wrap(self.array)

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph, in place."""
        self._ctx = None
        self._requires_grad = False
        return self

    # ------------------------------------------------------------------ autograd
    @property
    def requires_grad(self) -> builtins.bool:
        """Whether a gradient is computed for this tensor; settable on floating-point leaves."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad: builtins.bool) -> None:
        self.requires_grad_(requires_grad)

    def requires_grad_(self, requires_grad: builtins.bool = True) -> Tensor:
        """Turn gradient tracking on or off for this leaf; returns it."""
        if requires_grad and not is_floating(self.array.dtype):
            raise DTypeError(
                "only Tensors of floating point dtype can require gradients, "
                f"this one is {self.dtype}; convert it first with .float()"
            )
        if not requires_grad and self._ctx is not None:
            raise GraphError("requires_grad can only be turned off on a leaf tensor; use detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise GraphError("retain_grad() on a tensor that does not require grad")
        if self._ctx is not None:
            next(hook_ids)  # a recording's guards see that a hook point was added
            self._retains_grad = True
            self._ctx.output_ref = self

    @property
    def retains_grad(self) -> builtins.bool:
        """Whether `retain_grad()` was called on this non-leaf."""
        return self._retains_grad

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor
        replaces the gradient."""
        if not self.requires_grad:
            raise GraphError("cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = {}
        key = next(hook_ids)
        self._hooks[key] = hook
        if self._ctx is not None:
            self._ctx.output_ref = self
        return RemovableHandle(self._hooks, key)

    def backward(
        self,
        gradient: Any = None,
        retain_graph: builtins.bool | None = None,
        create_graph: builtins.bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is d(loss)/d(self), needed unless `self` has one element.
        """
        if create_graph:
            raise UnsupportedError("create_graph=True (higher-order gradients) is not supported")
        if not self.requires_grad:
            raise GraphError(
                "backward() on a tensor that does not require grad and has no grad_fn: "
                "no input of the computation had requires_grad=True"
            )
        if gradient is None:
            if self.array.size != 1:
                raise GraphError(
                    f"backward() without a gradient needs a scalar output, got shape {self.shape}; "
                    "call .sum() or .mean() first, or pass gradient= of the same shape"
                )
            grad = np.array(1, dtype=self.array.dtype)  # much cheaper than np.ones_like
            if type(self.array) is not np.ndarray and not is_host(self.array):
                grad = namespace(self.array).asarray(grad)
            if self.array.ndim:
                grad = grad.reshape(self.array.shape)
        else:
            grad = as_array(gradient.array if isinstance(gradient, Tensor) else gradient)
            if grad.shape != self.shape:
                raise ShapeError(
                    f"backward(gradient) got shape {grad.shape}, the tensor has shape {self.shape}"
                )
            grad = grad.astype(self.array.dtype, copy=False)
        tracer = trace_state.tracer
        if tracer is not None:
            tracer.record_backward(self, grad, bool(retain_graph))
        if self._ctx is None:  # a leaf: its gradient is the given one
            run_backward_leaf(self, grad)
            return
        run_backward_from(self._ctx, grad, bool(retain_graph), _wrap)

    # ------------------------------------------------------------------ arithmetic
    def _binary(
        self, other: Operand, op_type: builtins.type[Node], reverse: builtins.bool = False
    ) -> Tensor:
        b = other if isinstance(other, Tensor) else as_tensor_like(other, self)
        a = self
        if a.array.dtype != b.array.dtype:
            dtype = _promote(a.array.dtype, b.array.dtype, a.ndim, b.ndim)
            a, b = a.type(dtype), b.type(dtype)
        if reverse:
            a, b = b, a
        return apply(op_type, a, b)

    def __add__(self, other: Operand) -> Tensor:
        return self._binary(other, ops.Add)

    def __radd__(self, other: Operand) -> Tensor:
        return self._binary(other, ops.Add, reverse=True)

    def __sub__(self, other: Operand) -> Tensor:
        _refuse_bool_subtraction(self, other)
        return self._binary(other, ops.Sub)

    def __rsub__(self, other: Operand) -> Tensor:
        _refuse_bool_subtraction(self, other)
        return self._binary(other, ops.Sub, reverse=True)

    def __mul__(self, other: Operand) -> Tensor:
        return self._binary(other, ops.Mul)

    def __rmul__(self, other: Operand) -> Tensor:
        return self._binary(other, ops.Mul, reverse=True)

    def __truediv__(self, other: Operand) -> Tensor:
        if self.array.dtype.kind != "f" and not _is_float_operand(other):
            return self.float()._binary(other, ops.Div)
        return self._binary(other, ops.Div)

    def __rtruediv__(self, other: Operand) -> Tensor:
        if self.array.dtype.kind != "f" and not _is_float_operand(other):
            return self.float()._binary(other, ops.Div, reverse=True)
        return self._binary(other, ops.Div, reverse=True)

    def __pow__(self, exponent: Operand) -> Tensor:
        if self.array.dtype == np.bool_ and isinstance(exponent, (bool, int, np.bool_)):
            # PyTorch: bool ** int is int64, bool ** bool stays bool
            powered = self.long() ** builtins.int(exponent)
            return powered.bool() if isinstance(exponent, (bool, np.bool_)) else powered
        if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
            base = (
                self if self.array.dtype.kind == "f" or isinstance(exponent, int) else self.float()
            )
            return apply(ops.PowScalar, base, exponent=exponent)
        return self._binary(exponent, ops.Pow)

    def __rpow__(self, base: Operand) -> Tensor:
        return self._binary(base, ops.Pow, reverse=True)

    def __matmul__(self, other: Operand) -> Tensor:
        b = other if isinstance(other, Tensor) else Tensor(other)
        _check_matmul(self.shape, b.shape)
        a = self
        if a.array.dtype != b.array.dtype:
            dtype = _promote(a.array.dtype, b.array.dtype, a.ndim, b.ndim)
            a, b = a.type(dtype), b.type(dtype)
        return apply(ops.MatMul, a, b)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return Tensor(other).__matmul__(self)

    def __neg__(self) -> Tensor:
        return apply(ops.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def add(self, other: Operand, alpha: Scalar = 1) -> Tensor:
        """`self + alpha * other`."""
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other: Operand, alpha: Scalar = 1) -> Tensor:
        """`self - alpha * other`."""
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other: Operand) -> Tensor:
        """Elementwise product."""
        return self * other

    def pow(self, exponent: Operand) -> Tensor:
        """Elementwise power."""
        return self**exponent

    def matmul(self, other: Operand) -> Tensor:
        """Matrix product (`@`)."""
        return self @ other

    def neg(self) -> Tensor:
        """Elementwise negation."""
        return -self

    def square(self) -> Tensor:
        """Elementwise square."""
        return self**2

    def reciprocal(self) -> Tensor:
        """Elementwise `1 / x`."""
        return 1 / self

    def rsqrt(self) -> Tensor:
        """Elementwise `1 / sqrt(x)`."""
        return self.sqrt().reciprocal()

    # comparisons: no gradient; results are bool tensors
    def _compare(self, other: Operand, fn: Callable[[Any, Any], Any]) -> Tensor:
        if isinstance(other, Tensor):
            return apply(NoGrad, self, other, fn=fn)
        return apply(NoGrad, self, fn=fn, args=(other,))

    def __eq__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)  # type: ignore[arg-type]

    def __ne__(self, other: object) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)  # type: ignore[arg-type]

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def eq(self, other: Operand) -> Tensor:
        """Elementwise `==` (a bool tensor)."""
        return self == other

    def ne(self, other: Operand) -> Tensor:
        """Elementwise `!=`."""
        return self != other

    def lt(self, other: Operand) -> Tensor:
        """Elementwise `<`."""
        return self < other

    def le(self, other: Operand) -> Tensor:
        """Elementwise `<=`."""
        return self <= other

    def gt(self, other: Operand) -> Tensor:
        """Elementwise `>`."""
        return self > other

    def ge(self, other: Operand) -> Tensor:
        """Elementwise `>=`."""
        return self >= other

    def __invert__(self) -> Tensor:
        return apply(NoGrad, self, fn=np.invert)

    def _bitwise(self, other: Operand, fn: Callable[[Any, Any], Any]) -> Tensor:
        # a Python int takes this tensor's dtype (wrapping around as in PyTorch), so
        # `int32_tensor | 0xFFFFFFFF` stays int32 rather than overflowing in NumPy
        return apply(NoGrad, self, as_tensor_like(other, self), fn=fn)

    def __and__(self, other: Operand) -> Tensor:
        return self._bitwise(other, np.bitwise_and)

    def __or__(self, other: Operand) -> Tensor:
        return self._bitwise(other, np.bitwise_or)

    def __xor__(self, other: Operand) -> Tensor:
        return self._bitwise(other, np.bitwise_xor)

    __rand__ = __and__
    __ror__ = __or__
    __rxor__ = __xor__

    def logical_not(self) -> Tensor:
        """Elementwise logical not."""
        return apply(NoGrad, self, fn=np.logical_not)

    def isnan(self) -> Tensor:
        """Elementwise: NaN."""
        return apply(NoGrad, self, fn=np.isnan)

    def isinf(self) -> Tensor:
        """Elementwise: infinite."""
        return apply(NoGrad, self, fn=np.isinf)

    def isfinite(self) -> Tensor:
        """Elementwise: not NaN and not infinite."""
        return apply(NoGrad, self, fn=np.isfinite)

    def all(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """Whether every value is true (over `dim`, or all)."""
        return apply(
            NoGrad, self, fn=np.all, axis=_normalize_axes(dim, self.ndim), keepdims=keepdim
        )

    def any(self, dim: Any = None, keepdim: builtins.bool = False) -> Tensor:
        """Whether any value is true (over `dim`, or all)."""
        return apply(
            NoGrad, self, fn=np.any, axis=_normalize_axes(dim, self.ndim), keepdims=keepdim
        )

    def allclose(
        self, other: Operand, rtol: builtins.float = 1e-5, atol: builtins.float = 1e-8
    ) -> builtins.bool:
        """Whether all values are close to `other`'s (`rtol`, `atol`)."""
        other_data = other.array if isinstance(other, Tensor) else other
        return bool(np.allclose(self.array, other_data, rtol=rtol, atol=atol))

    def equal(self, other: Tensor) -> builtins.bool:
        """Whether shapes and all values are equal."""
        return self.shape == other.shape and bool(np.array_equal(self.array, other.array))

    # ------------------------------------------------------------------ elementwise math
    def exp(self) -> Tensor:
        """Elementwise exponential."""
        return apply(ops.Exp, self._floating())

    def log(self) -> Tensor:
        """Elementwise natural logarithm."""
        return apply(ops.Log, self._floating())

    def log1p(self) -> Tensor:
        """Elementwise `log(1 + x)`, accurate for small x."""
        return apply(ops.Log1p, self._floating())

    def sqrt(self) -> Tensor:
        """Elementwise square root."""
        return apply(ops.Sqrt, self._floating())

    def abs(self) -> Tensor:
        """Elementwise absolute value."""
        return apply(ops.Abs, self)

    def sign(self) -> Tensor:
        """Elementwise sign (-1, 0, 1)."""
        return apply(ops.Sign, self)

    def sin(self) -> Tensor:
        """Elementwise sine."""
        return apply(ops.Sin, self._floating())

    def cos(self) -> Tensor:
        """Elementwise cosine."""
        return apply(ops.Cos, self._floating())

    def erf(self) -> Tensor:
        """Elementwise error function."""
        return apply(ops.Erf, self._floating())

    def floor(self) -> Tensor:
        """Elementwise floor (no gradient)."""
        return apply(NoGrad, self, fn=np.floor)

    def ceil(self) -> Tensor:
        """Elementwise ceiling (no gradient)."""
        return apply(NoGrad, self, fn=np.ceil)

    def round(self, decimals: builtins.int = 0) -> Tensor:
        """Elementwise rounding to `decimals` places, halves to even (no gradient)."""
        if decimals == 0:
            return apply(NoGrad, self, fn=np.round)
        return apply(NoGrad, self, fn=functools.partial(np.round, decimals=decimals))

    def trunc(self) -> Tensor:
        """Elementwise truncation toward zero (no gradient)."""
        return apply(NoGrad, self, fn=np.trunc)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
        """Values limited to [`min`, `max`] (gradient 0 outside)."""
        if min is None and max is None:
            raise InvalidArgumentError("clamp needs at least one of min and max")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            out = self
            if min is not None:
                out = out.maximum(as_tensor_like(min, self))
            if max is not None:
                out = out.minimum(as_tensor_like(max, self))
            return out
        return apply(ops.Clamp, self, low=min, high=max)

    clip = clamp

    def maximum(self, other: Operand) -> Tensor:
        """Elementwise maximum of two tensors."""
        return self._binary(other, ops.Maximum)

    def minimum(self, other: Operand) -> Tensor:
        """Elementwise minimum of two tensors."""
        return self._binary(other, ops.Minimum)

    def where(self, condition: Operand, other: Operand) -> Tensor:
        """`self` where `condition` holds, else `other`."""
        return where(condition, self, other)

    def masked_fill(self, mask: Operand, value: Operand) -> Tensor:
        """Values where `mask` is true replaced by `value`."""
        return where(mask, as_tensor_like(value, self), self)

    def relu(self) -> Tensor:
        """Elementwise `max(x, 0)`."""
        return apply(ops.Relu, self)

    def sigmoid(self) -> Tensor:
        """Elementwise logistic `1 / (1 + exp(-x))`."""
        return apply(ops.Sigmoid, self if self.array.dtype.kind == "f" else self.float())

    def tanh(self) -> Tensor:
        """Elementwise hyperbolic tangent."""
        return apply(ops.Tanh, self if self.array.dtype.kind == "f" else self.float())

    def softmax(self, dim: builtins.int = -1) -> Tensor:
        """Softmax along `dim`."""
        return apply(ops.Softmax, self._floating(), axis=_normalize_dim(dim, self.ndim))

    def log_softmax(self, dim: builtins.int = -1) -> Tensor:
        """`log(softmax(x))` along `dim`, computed stably."""
        return apply(ops.LogSoftmax, self._floating(), axis=_normalize_dim(dim, self.ndim))

    def _floating(self) -> Tensor:
        return self if self.array.dtype.kind == "f" else self.float()

    # ------------------------------------------------------------------ indexing
    def __getitem__(self, index: Any) -> Tensor:
        try:
            basic, advanced = _index_of(index, self.ndim)
            if advanced is None:
                return apply(ops.GetItem, self, index=basic)
            return apply(ops.GetItem, self, index=basic, advanced=advanced)
        except IndexError as error:
            raise IndexRangeError(
                f"index {index!r} does not fit a tensor of shape {self.shape}: {error}"
            ) from None

    def __setitem__(self, index: Any, value: Any) -> None:
        try:
            basic, advanced = _index_of(index, self.ndim)
        except IndexError as error:
            raise IndexRangeError(
                f"index {index!r} does not fit a tensor of shape {self.shape}: {error}"
            ) from None
        value_t = as_tensor_like(value, self)
        if grad_state.enabled and (self.requires_grad or value_t.requires_grad):
            self._record_inplace(
                lambda old: apply(
                    ops.IndexPut,
                    old,
                    value_t.type(self.dtype),
                    index=basic,
                    advanced=advanced,
                )
            )
            return
        put(self._writable(), value_t.array, basic, advanced)
        self._mark_modified()

    # ------------------------------------------------------------------ in-place
    def _record_inplace(self, compute: Callable[[Tensor], Tensor]) -> Tensor:
        """An in-place op inside the graph: computed out of place on a copy of the old value,
        written back into the same array, and `self` takes over the new node."""
        if self._ctx is None and self.requires_grad:
            raise GraphError(
                "a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap the update in `with retrograd.no_grad():`"
            )
        old = _wrap(self.array.copy(), self.requires_grad)
        old._ctx = self._ctx
        self._mark_modified()
        result = compute(old)
        if result.shape != self.shape:
            raise ShapeError(
                f"in-place result of shape {result.shape} does not fit shape {self.shape}"
            )
        np.copyto(self._writable(), result.array, casting="same_kind")
        self._ctx = result._ctx
        self._requires_grad = result._requires_grad
        return self

    def _writable(self) -> np.ndarray:
        """`array` as an array an in-place op can write into: a 0-d result of arithmetic may
        hold a NumPy scalar, which has no storage to write to."""
        if type(self.array) is not np.ndarray and is_host(self.array):
            self.array = np.array(self.array)
        return self.array

    def _mark_modified(self) -> None:
        """Bump the version counter; a node that saved this value as its output must know."""
        self._version += 1
        if self._ctx is not None:
            self._ctx.output_modified = True
        if trace_state.tracer is not None:
            trace_state.tracer.record_mutation(self)

    def _inplace_binary(self, other: Operand, op_type: builtins.type[Node], ufunc: Any) -> Tensor:
        other_t = as_tensor_like(other, self)
        if grad_state.enabled and (self.requires_grad or other_t.requires_grad):
            return self._record_inplace(lambda old: apply(op_type, old, other_t.type(self.dtype)))
        try:
            ufunc(self.array, other_t.array, out=self._writable(), casting="same_kind")
        except ValueError:
            raise ShapeError(
                f"in-place op cannot broadcast shape {other_t.shape} into shape {self.shape}"
            ) from None
        except TypeError:  # NumPy's casting error: an int tensor /= 2, a float into bools
            result = ufunc.resolve_dtypes((self.array.dtype, other_t.array.dtype, None))[-1]
            raise DTypeError(
                f"result type {result} can't be cast to the desired output type {self.dtype}"
            ) from None
        self._mark_modified()
        return self

    def add_(self, other: Operand, alpha: Scalar = 1) -> Tensor:
        """In-place `add`."""
        return self._inplace_binary(other * alpha if alpha != 1 else other, ops.Add, np.add)

    def sub_(self, other: Operand, alpha: Scalar = 1) -> Tensor:
        """In-place subtraction."""
        return self._inplace_binary(other * alpha if alpha != 1 else other, ops.Sub, np.subtract)

    def mul_(self, other: Operand) -> Tensor:
        """In-place product."""
        return self._inplace_binary(other, ops.Mul, np.multiply)

    def div_(self, other: Operand) -> Tensor:
        """In-place division."""
        return self._inplace_binary(other, ops.Div, np.true_divide)

    # `p -= lr * p.grad` changes `p` itself, as in PyTorch (without these Python would rebind
    # the name to a new tensor and the model would never change)
    def __iadd__(self, other: Operand) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Operand) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Operand) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Operand) -> Tensor:
        return self.div_(other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """In-place `clamp`."""
        if grad_state.enabled and self.requires_grad:
            return self._record_inplace(lambda old: old.clamp(min, max))
        np.clip(self.array, min, max, out=self._writable())
        self._mark_modified()
        return self

    def copy_(self, source: Operand) -> Tensor:
        """Copy `source`'s values in place (broadcast)."""
        source_t = as_tensor_like(source, self)
        if type(source_t.array) is not type(self.array) and source_t.device != self.device:
            source_t = source_t.to(self.device)  # copy_ moves values across devices
        if grad_state.enabled and (self.requires_grad or source_t.requires_grad):
            return self._record_inplace(
                lambda old: old * 0 + source_t.type(self.dtype).broadcast_to(self.shape)
            )
        np.copyto(self._writable(), np.broadcast_to(source_t.array, self.shape), casting="unsafe")
        self._mark_modified()
        return self

    def fill_(self, value: Scalar) -> Tensor:
        """Set every value to `value`, in place."""
        return self.copy_(value)

    def zero_(self) -> Tensor:
        """Set every value to 0, in place."""
        return self.copy_(0)

    def uniform_(
        self, a: builtins.float = 0.0, b: builtins.float = 1.0, generator: Any = None
    ) -> Tensor:
        """Fill with uniform draws in [`a`, `b`), in place."""
        from retrograd.random import resolve_generator

        with no_grad():
            return self.copy_(
                resolve_generator(generator).uniform(a, b, self.shape).astype(self.dtype)
            )

    def normal_(
        self, mean: builtins.float = 0.0, std: builtins.float = 1.0, generator: Any = None
    ) -> Tensor:
        """Fill with normal draws (`mean`, `std`), in place."""
        from retrograd.random import resolve_generator

        with no_grad():
            return self.copy_(
                resolve_generator(generator).normal(mean, std, self.shape).astype(self.dtype)
            )

    # ------------------------------------------------------------------ factories on an instance
    def new_tensor(self, data: Any) -> Tensor:
        """A new tensor from `data`, of this tensor's dtype."""
        return Tensor(data, dtype=self.dtype)

    def new_zeros(self, *size: Any) -> Tensor:
        """Zeros of `size`, of this tensor's dtype."""
        return _wrap(np.zeros(_shape_arg(size), dtype=self.dtype))

    def new_ones(self, *size: Any) -> Tensor:
        """Ones of `size`, of this tensor's dtype."""
        return _wrap(np.ones(_shape_arg(size), dtype=self.dtype))

    def new_full(self, size: Sequence[builtins.int], fill_value: Scalar) -> Tensor:
        """A tensor of `size` filled with `fill_value`, of this tensor's dtype."""
        return _wrap(np.full(tuple(size), fill_value, dtype=self.dtype))

    # ------------------------------------------------------------------ array interop
    # NumPy's ufuncs (`np.exp(t)`, `ndarray + t`) and functions (`np.sum(t)`, `np.dot(W, t)`)
    # run retrograd ops through these two (NEP 13 and NEP 18; see numpy_protocol.py); the DLPack
    # pair lets `np.from_dlpack(t)` and `torch.from_dlpack(t)` view the same memory, no copy.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(
        self, func: Any, types: Sequence[builtins.type], args: Any, kwargs: Any
    ) -> Any:
        return numpy_protocol.array_function(func, types, args, kwargs)

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[builtins.int, builtins.int] | None = None,
        dl_device: Any = None,
        copy: builtins.bool | None = None,
    ) -> Any:
        """A DLPack capsule of the underlying array (shared memory, as `torch.Tensor.__dlpack__`).

        Like PyTorch, refuses a tensor that requires grad: writes through the other library
        would bypass autograd (export `t.detach()`, which shares the memory too).
        """
        if self.requires_grad:
            raise GraphError(
                "Can't export tensors that require gradient through DLPack, use tensor.detach()"
            )
        extra = {"max_version": max_version, "dl_device": dl_device, "copy": copy}
        # older NumPy takes only `stream`: pass the newer keywords only when given
        return self.array.__dlpack__(
            stream=stream, **{key: value for key, value in extra.items() if value is not None}
        )

    def __dlpack_device__(self) -> tuple[builtins.int, builtins.int]:
        """`(device type, device id)` of the memory, for DLPack: `(1, 0)` is the CPU."""
        device_type, device_id = self.array.__dlpack_device__()
        return int(device_type), int(device_id)

    # ------------------------------------------------------------------ end of array interop


register_tensor_class(Tensor)


def _is_on(tensor: Tensor, target: device) -> builtins.bool:
    """Whether `tensor` is on `target` ("cuda" without an index: any CUDA device)."""
    if is_host(tensor.array):
        return target.type == "cpu"
    here = device_of(tensor.array)
    return target.type == here.type and target.index in (None, here.index)


def _astype(array: Any, dtype: np.dtype) -> Any:
    """`array` as `dtype` (a new array), on its device."""
    return array.astype(dtype)


def _refuse_array_of_graph(tensor: Tensor) -> None:
    """PyTorch's rule: an array taken from a tensor in the graph would drop the graph silently."""
    if tensor._requires_grad and grad_state.enabled:
        raise GraphError(
            "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
            "instead (or convert inside `retrograd.no_grad()`)"
        )


def run_backward_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    """`leaf.backward(g)` on a tensor with no graph: its gradient is g itself."""
    from retrograd.autograd.engine import _accumulate, _run_hooks

    if leaf._hooks:
        grad = _run_hooks(leaf, grad, _wrap)
    _accumulate(leaf, grad, _wrap, {id(grad)})


_BOOL = np.dtype(np.bool_)


def _refuse_bool_subtraction(tensor: Tensor, other: Any) -> None:
    """PyTorch refuses `-` with a bool tensor or a bool scalar on either side (checked by
    dtype identity first: this runs on every subtraction)."""
    if tensor.array.dtype is _BOOL:
        bad = True
    elif isinstance(other, Tensor):
        bad = other.array.dtype is _BOOL
    else:
        bad = isinstance(other, (bool, np.bool_)) or (
            isinstance(other, np.ndarray) and other.dtype == _BOOL
        )
    if bad:
        raise DTypeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _is_float_operand(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value.array.dtype.kind == "f"
    if isinstance(value, np.ndarray):
        return value.dtype.kind == "f"
    return isinstance(value, float)


def _check_matmul(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    if not a or not b:
        raise ShapeError(f"matmul needs tensors with at least 1 dimension, got shapes {a} and {b}")
    inner_a = a[-1]
    inner_b = b[0] if len(b) == 1 else b[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul shape mismatch: {a} @ {b} — the last dimension of the first ({inner_a}) "
            f"must equal the {'first' if len(b) == 1 else 'second-to-last'} dimension "
            f"of the second ({inner_b})"
        )
    batch_a, batch_b = a[:-2], b[:-2]
    try:
        np.broadcast_shapes(batch_a, batch_b)
    except ValueError:
        raise ShapeError(f"matmul batch dimensions do not broadcast: {a} @ {b}") from None


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """Python data -> float32/int64/bool array; NumPy arrays keep their dtype unless told."""
    target = None if dtype is None else to_numpy_dtype(dtype)
    if isinstance(data, Tensor):
        array = data.array
    elif isinstance(data, np.ndarray):
        array = data
    elif isinstance(data, np.generic):  # a NumPy scalar keeps its dtype, as in PyTorch
        array = np.asarray(data)
    elif is_device_array(data):  # a GPU array stays where it is
        array = data
    else:
        if isinstance(data, (list, tuple)) and _contains_tensor(data):
            data = _tensors_to_lists(data)
        try:
            array = np.array(data)
        except ValueError as error:
            raise InvalidArgumentError(
                f"cannot make a tensor from ragged or mixed data: {error}"
            ) from None
        if array.dtype.kind == "f" and target is None:
            target = default_float_dtype()
        elif array.dtype.kind in "iu" and target is None:
            target = np.dtype(np.int64)
        elif array.dtype.kind not in "fiub":
            raise DTypeError(
                f"cannot make a tensor from data of type {array.dtype} ({type(data).__name__})"
            )
        return array.astype(target, copy=False) if target is not None else array
    if array.dtype.kind in _NON_NUMERIC_KINDS:
        raise DTypeError(
            f"cannot make a tensor from a NumPy array of dtype {array.dtype} "
            f"({_NON_NUMERIC_KINDS[array.dtype.kind]}); tensors hold numbers and bools: convert "
            "the values first (for example `array.astype(np.float32)`)"
        )
    if target is not None and array.dtype != target:
        return array.astype(target)
    return array


_NON_NUMERIC_KINDS = {
    "U": "strings",
    "S": "bytes",
    "O": "Python objects",
    "V": "structured or raw records",
    "M": "datetimes",
    "m": "timedeltas",
}


def _contains_tensor(data: Sequence[Any]) -> bool:
    return any(
        isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
        for x in data
    )


def _tensors_to_lists(data: Any) -> Any:
    if isinstance(data, Tensor):
        return data.array
    if isinstance(data, (list, tuple)):
        return [_tensors_to_lists(x) for x in data]
    return data


# ---------------------------------------------------------------------- module-level functions
def where(condition: Operand, input: Operand, other: Operand) -> Tensor:  # noqa: A002
    """Elements of `input` where `condition` holds, else of `other` (broadcasting)."""
    cond = as_array(condition.array if isinstance(condition, Tensor) else condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    if isinstance(input, Tensor):
        a = input
        b = as_tensor_like(other, a)
    elif isinstance(other, Tensor):
        b = other
        a = as_tensor_like(input, b)
    else:
        a, b = Tensor(input), Tensor(other)
    if a.dtype != b.dtype:
        dtype = _promote(a.dtype, b.dtype, a.ndim, b.ndim)
        a, b = a.type(dtype), b.type(dtype)
    return apply(ops.Where, a, b, condition=cond)
