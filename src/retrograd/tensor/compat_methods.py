"""Tensor methods PyTorch scripts use that are spellings of what exists: in-place forms of the
elementwise functions (`abs_`, `sigmoid_`, `addcmul_` ...), random fills (`bernoulli_`,
`random_`, `exponential_`), `addmm`, and the storage queries (`is_contiguous`,
`element_size`, `ndimension`). Each in-place form runs the out-of-place method and writes the
result back (`IndexMethods._inplace`), in the graph when a gradient is needed."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.errors import InvalidArgumentError
from retrograd.tensor.dispatch import _wrap


def _in_place(name: str, method: str) -> Any:
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._inplace(lambda t: getattr(t, method)(*args, **kwargs), *args)

    run.__name__ = name
    run.__doc__ = f"In-place `{method}` (PyTorch's `Tensor.{name}`)."
    return run


class CompatMethods:
    """The methods above, mixed into `Tensor`."""

    __slots__ = ()

    # sparse COO tensors are stored dense (see `retrograd.sparse`)
    def to_sparse(self: Any, sparse_dim: Any = None, **kwargs: Any) -> Any:
        """A sparse COO tensor with these values, stored dense: a copy (see `retrograd.sparse`)."""
        return self.clone()

    to_sparse_coo = to_sparse

    def to_dense(self: Any, dtype: Any = None, **kwargs: Any) -> Any:
        """The dense tensor: the tensor itself (retrograd stores sparse tensors dense)."""
        return self if dtype is None else self.to(dtype)

    def coalesce(self: Any) -> Any:
        """The tensor itself: a dense-stored sparse tensor is always coalesced."""
        return self

    def is_coalesced(self: Any) -> builtins.bool:
        """True: a dense-stored sparse tensor is always coalesced."""
        return True

    def indices(self: Any) -> Any:
        """The coordinates `(ndim, nnz)` of the nonzero entries, as a coalesced sparse tensor's."""
        from retrograd.sparse import indices_and_values

        return indices_and_values(self)[0]

    def values(self: Any) -> Any:
        """The nonzero entries `(nnz,)`, in the order of `indices()` (gradients flow)."""
        from retrograd.sparse import indices_and_values

        return indices_and_values(self)[1]

    # in-place forms of elementwise functions
    abs_ = _in_place("abs_", "abs")
    neg_ = _in_place("neg_", "neg")
    sqrt_ = _in_place("sqrt_", "sqrt")
    exp_ = _in_place("exp_", "exp")
    log_ = _in_place("log_", "log")
    sigmoid_ = _in_place("sigmoid_", "sigmoid")
    tanh_ = _in_place("tanh_", "tanh")
    relu_ = _in_place("relu_", "relu")
    floor_ = _in_place("floor_", "floor")
    ceil_ = _in_place("ceil_", "ceil")
    round_ = _in_place("round_", "round")
    sign_ = _in_place("sign_", "sign")
    square_ = _in_place("square_", "square")
    reciprocal_ = _in_place("reciprocal_", "reciprocal")
    pow_ = _in_place("pow_", "pow")
    clamp_min_ = _in_place("clamp_min_", "clamp_min")
    clamp_max_ = _in_place("clamp_max_", "clamp_max")

    def clamp_min(self: Any, min: Any) -> Any:  # noqa: A002 - PyTorch's name
        """Values limited from below by `min`: `clamp(min=min)`."""
        return self.clamp(min=min)

    def clamp_max(self: Any, max: Any) -> Any:  # noqa: A002 - PyTorch's name
        """Values limited from above by `max`: `clamp(max=max)`."""
        return self.clamp(max=max)

    def addcmul(self: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """`self + value * tensor1 * tensor2`."""
        return self + value * tensor1 * tensor2

    def addcdiv(self: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """`self + value * tensor1 / tensor2`."""
        return self + value * tensor1 / tensor2

    def addcmul_(self: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """In-place `addcmul`."""
        return self._inplace(lambda t: t.addcmul(tensor1, tensor2, value=value), tensor1, tensor2)

    def addcdiv_(self: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
        """In-place `addcdiv`."""
        return self._inplace(lambda t: t.addcdiv(tensor1, tensor2, value=value), tensor1, tensor2)

    def addmm(self: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
        """`beta * self + alpha * (mat1 @ mat2)`."""
        product = mat1 @ mat2
        return (self if beta == 1 else self * beta) + (product if alpha == 1 else product * alpha)

    # random fills (from `generator=` or the global generator)
    def _fill_drawn(self: Any, draw: Any, generator: Any) -> Any:
        from retrograd.random import resolve_generator

        values = np.asarray(draw(resolve_generator(generator), self.shape))
        with no_grad():  # random fills are not differentiable, as in PyTorch
            return self.copy_(_wrap(values.astype(self.dtype)))

    def bernoulli_(self: Any, p: Any = 0.5, *, generator: Any = None) -> Any:
        """Fill with 1 (probability `p`) or 0."""
        chance = np.asarray(getattr(p, "array", p), dtype=np.float64)
        return self._fill_drawn(lambda rng, shape: rng.random(shape) < chance, generator)

    def bernoulli(self: Any, *, generator: Any = None) -> Any:
        """0/1 draws with the probabilities in `self`."""
        from retrograd.random import resolve_generator

        chance = np.asarray(self.array, dtype=np.float64)
        if ((chance < 0) | (chance > 1)).any():
            raise InvalidArgumentError("bernoulli: probabilities must be in [0, 1]")
        drawn = resolve_generator(generator).random(chance.shape) < chance
        return _wrap(drawn.astype(self.dtype))

    def random_(
        self: Any, from_: builtins.int = 0, to: builtins.int | None = None, *, generator: Any = None
    ) -> Any:
        """Whole numbers in [from_, to) (`random_(to)` means [0, to))."""
        low, high = (0, from_) if to is None else (from_, to)
        return self._fill_drawn(lambda rng, shape: rng.integers(low, high, shape), generator)

    def exponential_(self: Any, lambd: builtins.float = 1.0, *, generator: Any = None) -> Any:
        """Fill with exponential draws of rate `lambd`."""
        return self._fill_drawn(lambda rng, shape: rng.exponential(1.0 / lambd, shape), generator)

    def log_normal_(
        self: Any, mean: builtins.float = 1.0, std: builtins.float = 2.0, *, generator: Any = None
    ) -> Any:
        """Fill with log-normal draws."""
        return self._fill_drawn(lambda rng, shape: rng.lognormal(mean, std, shape), generator)

    def geometric_(self: Any, p: builtins.float, *, generator: Any = None) -> Any:
        """Fill with geometric draws of success probability `p`."""
        return self._fill_drawn(lambda rng, shape: rng.geometric(p, shape), generator)

    def index_fill_(self: Any, dim: builtins.int, index: Any, value: Any) -> Any:
        """Set the slices at `index` along `dim` to `value`."""
        positions = np.asarray(getattr(index, "array", index), dtype=np.int64).reshape(-1)
        where: list[Any] = [slice(None)] * self.ndim
        where[dim] = positions
        self[tuple(where)] = value
        return self

    def fill_diagonal_(self: Any, fill_value: Any, wrap: builtins.bool = False) -> Any:
        """Set the main diagonal (of a 2-d tensor, or the i,i,...,i entries) to `fill_value`."""
        size = min(self.shape)
        index = tuple(np.arange(size) for _ in range(self.ndim))
        self[index] = fill_value
        return self

    # storage queries: retrograd's views need no layout, every tensor behaves as contiguous
    def is_contiguous(self: Any, memory_format: Any = None) -> builtins.bool:
        """True: retrograd's views need no memory layout."""
        return True

    def ndimension(self: Any) -> builtins.int:
        """The number of dimensions (`dim()`)."""
        return int(self.ndim)

    def element_size(self: Any) -> builtins.int:
        """Bytes per value."""
        return int(self.array.dtype.itemsize)

    def is_floating_point(self: Any) -> builtins.bool:
        """Whether the dtype is a float."""
        return bool(self.array.dtype.kind == "f")

    def data_ptr(self: Any) -> builtins.int:
        """The address of the first value (an int)."""
        return int(np.asarray(self.array).ctypes.data)

    def share_memory_(self: Any) -> Any:
        """Nothing to do: there are no worker processes to share with."""
        return self
