"""`Function`: write an op with a hand-written derivative, as in PyTorch.

    class Square(retrograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 2 * x * grad_output

    y = Square.apply(x)

`forward` runs on Tensors with graph recording off; `backward` gets one gradient Tensor per
output and returns one gradient (or None) per input. `retrograd.gradcheck` tests it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.autograd.context import Context
from retrograd.autograd.grad_mode import grad_state, no_grad
from retrograd.autograd.node import Node, next_seq
from retrograd.autograd.tracing import trace_state
from retrograd.backend.arrays import as_array
from retrograd.errors import ArgumentTypeError, GraphError, ShapeError
from retrograd.tensor import Tensor, _wrap


class Function:
    """Base class of user-written ops: subclass it, write `forward` and `backward`."""

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        """Compute the output Tensor (or a tuple of them) from the arguments of `apply`.

        Runs with graph recording off; call `ctx.save_for_backward(...)` to keep what
        `backward` needs. Subclasses must define it (as a staticmethod).
        """
        raise NotImplementedError("a Function must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, *grad_outputs: Any) -> Any:
        """The gradient of each input of `forward` (None for an input without one), from one
        gradient Tensor per output; a single input's gradient may be returned bare.
        Subclasses must define it (as a staticmethod).
        """
        raise NotImplementedError("a Function must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run `forward` and, when an input requires grad, record the op for backward."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = Context(needs)
        with no_grad():
            raw = cls.forward(ctx, *args, **kwargs)
        outputs = raw if isinstance(raw, tuple) else (raw,)
        for position, out in enumerate(outputs):
            if not isinstance(out, Tensor):
                raise ArgumentTypeError(
                    f"{cls.__name__}.forward must return Tensors, output {position} is "
                    f"{type(out).__name__}"
                )
        if trace_state.tracer is not None:  # forward ran in Python: a replay could not redo it
            trace_state.tracer.fail(f"it calls the custom Function {cls.__name__}")
        if not (grad_state.enabled and any(needs)):
            return raw
        tensor_inputs = tuple(a for a in args if isinstance(a, Tensor))
        shared = _CustomCall(cls, args, [o.shape for o in outputs])
        wrapped = []
        for position, out in enumerate(outputs):
            node = _CustomNode()
            node.saved = ctx  # the graph walk drops it after backward, freeing saved tensors
            node.call = shared
            node.position = position
            node.inputs = tensor_inputs
            node.parents = tuple(t._ctx for t in tensor_inputs)
            node.seq = next_seq()
            node.needs_input_grad = tuple(t.requires_grad for t in tensor_inputs)
            node.versions = tuple(t._version for t in tensor_inputs)
            result = _wrap(out.array, out.array.dtype.kind == "f")
            if result.requires_grad:
                result._ctx = node
            wrapped.append(result)
        return tuple(wrapped) if isinstance(raw, tuple) else wrapped[0]


class _CustomCall:
    """What the nodes of one `apply` share: the Function, its arguments, the output shapes."""

    def __init__(
        self, fn: type[Function], args: tuple[Any, ...], output_shapes: list[tuple[int, ...]]
    ) -> None:
        self.fn, self.args, self.output_shapes = fn, args, output_shapes


class _CustomNode(Node):
    """One output of a user Function; backward calls the user's `backward` (zeros for the
    other outputs: backward is linear in its gradients, so the per-output sums are exact)."""

    __slots__ = ("call", "position")
    call: _CustomCall
    position: int
    saves_inputs = False

    @property
    def name(self) -> str:
        return self.call.fn.__name__

    def backward(self, grad: np.ndarray) -> tuple[Any, ...]:
        call, ctx = self.call, self.saved  # the walk refuses a freed node before this
        grads = [
            _wrap(grad) if i == self.position else _wrap(np.zeros_like(grad, shape=shape))
            for i, shape in enumerate(call.output_shapes)
        ]
        with no_grad():
            returned = call.fn.backward(ctx, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) < len(call.args):
            returned = returned + (None,) * (len(call.args) - len(returned))
        if len(returned) > len(call.args):
            raise GraphError(
                f"{call.fn.__name__}.backward returned {len(returned)} gradients for "
                f"{len(call.args)} inputs of forward"
            )
        results: list[np.ndarray | None] = []
        for position, (arg, g) in enumerate(zip(call.args, returned)):
            if not isinstance(arg, Tensor):
                continue
            if g is None:
                results.append(None)
                continue
            g_array = as_array(g.array if isinstance(g, Tensor) else g)
            if g_array.shape != arg.shape:
                try:
                    g_array = np.broadcast_to(g_array, arg.shape)
                except ValueError:
                    raise ShapeError(
                        f"{call.fn.__name__}.backward returned a gradient of shape {g_array.shape} "
                        f"for input {position} of shape {arg.shape}"
                    ) from None
            results.append(g_array.astype(arg.dtype, copy=False))
        return tuple(results)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """`torch.autograd.grad`: the gradients of `outputs` with respect to `inputs`, returned as
    a tuple, without touching any `.grad`.

    `outputs` and `inputs` are Tensors or sequences of them (inputs may be leaves or results
    of ops); `grad_outputs` the gradient of each output (needed unless it has one element).
    The graph is freed unless `retain_graph`. An input no output depends on is an error,
    unless `allow_unused` (then its gradient is None, or zeros with `materialize_grads`).
    `create_graph` (gradients of gradients) is not supported: backward runs on arrays.
    """
    from retrograd.autograd.engine import run_backward_from
    from retrograd.errors import UnsupportedError

    if create_graph or is_grads_batched:
        what = "create_graph=True" if create_graph else "is_grads_batched=True"
        raise UnsupportedError(
            f"autograd.grad({what}) is not supported: retrograd's backward runs on arrays, "
            "so gradients are not themselves differentiable"
        )
    if trace_state.tracer is not None:
        trace_state.tracer.fail("autograd.grad inside the step")
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for where, items in (("outputs", outs), ("inputs", ins)):
        if not items or not all(isinstance(t, Tensor) for t in items):
            raise ArgumentTypeError(f"autograd.grad: {where} must be a Tensor or Tensors")
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        seeds = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    else:
        seeds = list(grad_outputs)
    if len(seeds) != len(outs):
        raise ArgumentTypeError(f"autograd.grad: {len(seeds)} grad_outputs for {len(outs)} outputs")
    for position, t in enumerate(ins):
        if not t.requires_grad:
            raise GraphError(f"autograd.grad: input {position} does not require grad")
    totals: list[np.ndarray | None] = [None] * len(ins)
    for position, (out, seed) in enumerate(zip(outs, seeds)):
        if not out.requires_grad:
            raise GraphError(
                f"autograd.grad: output {position} does not require grad and has no grad_fn"
            )
        if seed is None:
            if out.array.size != 1:
                raise GraphError(
                    f"autograd.grad: grad can be implicitly created only for scalar outputs; "
                    f"output {position} has shape {out.shape}: pass grad_outputs"
                )
            array = np.ones_like(out.array)
        else:
            seed_array = seed.array if isinstance(seed, Tensor) else seed
            array = as_array(seed_array).astype(out.array.dtype, copy=False)
            if array.shape != out.shape:
                raise ShapeError(
                    f"autograd.grad: grad_outputs {position} has shape {array.shape}, the output "
                    f"has shape {out.shape}"
                )
        last = position == len(outs) - 1
        keep = bool(retain_graph) or not last
        if out._ctx is None:  # the output is itself a leaf
            found = [array if t is out else None for t in ins]
        else:
            found = run_backward_from(out._ctx, array, keep, _wrap, targets=ins) or []
        for i, g in enumerate(found):
            if g is not None:
                totals[i] = g.copy() if totals[i] is None else totals[i] + g
    results: list[Tensor | None] = []
    for position, (t, g) in enumerate(zip(ins, totals)):
        if g is None:
            if not allow_unused and not materialize_grads:
                raise GraphError(
                    f"autograd.grad: input {position} was not used in the graph of the outputs; "
                    "pass allow_unused=True if that is intended"
                )
            results.append(_wrap(np.zeros_like(t.array)) if materialize_grads else None)
        else:
            g = np.broadcast_to(g, t.array.shape).astype(t.array.dtype, copy=True)
            results.append(_wrap(g))
    return tuple(results)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """`torch.autograd.backward`: `t.backward(g)` for each tensor and its gradient."""
    outs = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        seeds = [grad_tensors] * len(outs)
    else:
        seeds = list(grad_tensors)
    for position, (out, seed) in enumerate(zip(outs, seeds, strict=True)):
        keep = bool(retain_graph) or position < len(outs) - 1
        out.backward(seed, retain_graph=keep, create_graph=create_graph)


def Variable(data: Any, requires_grad: bool = False) -> Tensor:  # noqa: N802 - PyTorch's name
    """`torch.autograd.Variable` (from PyTorch before 0.4): the tensor itself, now requiring
    grad when asked."""
    tensor = data if isinstance(data, Tensor) else Tensor(data)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor
