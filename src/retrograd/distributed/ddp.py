"""`DistributedDataParallel`: every rank trains a replica; gradients are averaged after backward.

At construction the replicas are compared (parameter names, shapes and dtypes must agree on
every rank, or `DistributedError` names the first difference) and rank 0's parameters and
buffers are broadcast, so all ranks start equal. After each `backward()` that reached the
model's parameters, their gradients are averaged across ranks in flat buckets (one all-reduce
per bucket of about `bucket_cap_mb`, parameters in reverse registration order, as PyTorch's
DDP). The walk accumulates leaf gradients at its end, so the all-reduce runs right after it.

A compiled step (`retrograd.compile`) records the all-reduce as a call and repeats it in
every replay.
"""

from __future__ import annotations

import contextlib
import hashlib
import warnings
import weakref
from collections.abc import Iterator
from typing import Any

import numpy as np

from retrograd.autograd.engine import add_post_backward_callback
from retrograd.autograd.tracing import record_call
from retrograd.backend.arrays import is_host, to_host
from retrograd.distributed.comm import (
    DistributedError,
    ReduceOp,
    _gather_objects,
    all_reduce_array,
    broadcast_array,
    get_rank,
    get_world_size,
)
from retrograd.nn.module import Module
from retrograd.tensor import Tensor


class _Bucket:
    """Parameters whose gradients travel in one flat buffer (one dtype)."""

    def __init__(self, params: list[Tensor]) -> None:
        self.params = params
        self.sizes = [p.array.size for p in params]
        # on the parameters' device (a GPU model's buckets cross to the host once each)
        self.flat = np.empty_like(params[0].array, shape=(sum(self.sizes),))


def _buckets(params: list[Tensor], cap_bytes: int) -> list[_Bucket]:
    buckets: list[_Bucket] = []
    current: list[Tensor] = []
    size = 0
    for param in reversed(params):  # backward reaches the last layers first
        if current and (param.array.dtype != current[0].array.dtype or size >= cap_bytes):
            buckets.append(_Bucket(current))
            current, size = [], 0
        current.append(param)
        size += param.array.nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets


class DistributedDataParallel(Module):
    """Wraps `module` for data-parallel training over the ranks of `retrograd.distributed`.

    A parameter that got no gradient on any rank keeps `grad` None.

    Args:
        module: the module to wrap.
        device_ids: accepted for portability with PyTorch; changes nothing.
        output_device: accepted for portability with PyTorch; changes nothing.
        broadcast_buffers: send rank 0's buffers, e.g. BatchNorm's running statistics, before
            each forward in training mode. Default: True.
        bucket_cap_mb: the size of one all-reduce, in MiB. Default: 25.0.
        find_unused_parameters: accepted for portability with PyTorch; changes nothing.
        **kwargs: other PyTorch keywords, accepted and ignored.

    **Use:** `model = DistributedDataParallel(model)`; `with model.no_sync():` skips the
    all-reduce (gradient accumulation); `model.module` is the wrapped module, and state dict
    keys are prefixed with `module.` as in PyTorch.
    """

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        broadcast_buffers: bool = True,
        bucket_cap_mb: float = 25.0,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise DistributedError(
                f"DistributedDataParallel wraps a Module, got {type(module).__name__}"
            )
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.require_backward_grad_sync = True
        params: list[Tensor] = [p for p in module.parameters() if p.requires_grad]
        self._params = params
        self._param_ids = frozenset(id(p) for p in params)
        self._buckets = _buckets(params, int(bucket_cap_mb * 2**20))
        self._has_buffers = any(True for _ in module.buffers())
        self._check_replicas()
        self._broadcast_state()
        ref = weakref.ref(self)

        def after_backward(leaves: dict[int, Any]) -> None:
            model = ref()
            if model is None:
                remove()
            else:
                model._after_backward(leaves)

        remove = add_post_backward_callback(after_backward)
        self._remove_callback = remove

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped module's forward (rank 0's buffers broadcast first in training)."""
        if self.broadcast_buffers and self.training and get_world_size() > 1 and self._has_buffers:
            record_call(self._broadcast_buffers, ())  # a compiled step repeats it too
            self._broadcast_buffers()
        return self.module(*args, **kwargs)

    def _broadcast_buffers(self) -> None:
        """Rank 0's buffers (running statistics) to every rank, in place."""
        for buffer in self.module.buffers():
            broadcast_array(buffer.array, 0)

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Gradients computed inside are not all-reduced (accumulate, then sync once)."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    # -------------------------------------------------------------------------------------
    def _after_backward(self, leaves: dict[int, Any]) -> None:
        if not self.require_backward_grad_sync or get_world_size() == 1:
            return
        if self._param_ids.isdisjoint(leaves):
            return  # this backward did not reach the model
        record_call(self._sync_gradients, ())  # a compiled step repeats it in each replay
        self._sync_gradients()

    def _sync_gradients(self) -> None:
        """Average every parameter's gradient across ranks, bucket by bucket."""
        present = np.array([p.grad is not None for p in self._params], dtype=np.int32)
        all_reduce_array(present, ReduceOp.SUM)  # which parameters got a gradient anywhere
        have = dict(zip(map(id, self._params), present.tolist(), strict=True))
        world = get_world_size()
        for bucket in self._buckets:
            offset = 0
            for param, size in zip(bucket.params, bucket.sizes, strict=True):
                piece = bucket.flat[offset : offset + size]
                if param.grad is None:
                    piece[...] = 0
                else:
                    piece[...] = param.grad.array.reshape(-1)
                offset += size
            all_reduce_array(bucket.flat, ReduceOp.SUM)
            bucket.flat /= world
            offset = 0
            for param, size in zip(bucket.params, bucket.sizes, strict=True):
                if have[id(param)]:
                    averaged = bucket.flat[offset : offset + size].reshape(param.array.shape)
                    if param.grad is None:
                        param.grad = Tensor(averaged.copy())
                    else:
                        param.grad.array[...] = averaged
                offset += size

    def _check_replicas(self) -> None:
        """Every rank must hold the same architecture; differing weights are reported."""
        if get_world_size() == 1:
            return
        names = [
            (name, tuple(p.shape), str(p.array.dtype)) for name, p in self.module.named_parameters()
        ]
        digest = hashlib.blake2b(digest_size=16)
        for _, p in self.module.named_parameters():
            digest.update(np.ascontiguousarray(to_host(p.array)).tobytes())
        everyone = _gather_objects({"parameters": names, "weights": digest.hexdigest()})
        mine = everyone[0]
        for rank, theirs in enumerate(everyone[1:], start=1):
            if theirs["parameters"] != mine["parameters"]:
                raise DistributedError(
                    "DistributedDataParallel: rank 0 and rank "
                    f"{rank} hold different models: {_first_difference(mine, theirs)}"
                )
        self.replicas_differed = [
            rank for rank, theirs in enumerate(everyone) if theirs["weights"] != mine["weights"]
        ]
        if self.replicas_differed and get_rank() == 0:
            warnings.warn(
                f"DistributedDataParallel: ranks {self.replicas_differed} start from different "
                "weights than rank 0 (a different seed?); rank 0's weights are copied to all",
                stacklevel=4,  # the user's DistributedDataParallel(...) line
            )

    def _broadcast_state(self) -> None:
        if get_world_size() == 1:
            return
        for tensor in list(self.module.parameters()) + list(self.module.buffers()):
            if is_host(tensor.array) and not tensor.array.flags.c_contiguous:
                tensor.array = np.ascontiguousarray(tensor.array)
            broadcast_array(tensor.array, 0)


def _first_difference(mine: dict[str, Any], theirs: dict[str, Any]) -> str:
    a, b = mine["parameters"], theirs["parameters"]
    for (name_a, shape_a, dtype_a), (name_b, shape_b, dtype_b) in zip(a, b, strict=False):
        if name_a != name_b:
            return f"parameter {name_a!r} on rank 0 is {name_b!r} there"
        if shape_a != shape_b or dtype_a != dtype_b:
            return (
                f"{name_a!r} is {dtype_a} {list(shape_a)} on rank 0 and "
                f"{dtype_b} {list(shape_b)} there"
            )
    return f"rank 0 has {len(a)} parameters, the other {len(b)}"
