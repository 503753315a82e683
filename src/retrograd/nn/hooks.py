"""Full backward hooks (`Module.register_full_backward_hook`), as PyTorch's BackwardHook does
them: the tensors going into and out of one module call pass through identity nodes that
collect their gradients, and the module's hooks run when those of its inputs are known."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from retrograd.autograd.node import Node
from retrograd.errors import GraphError
from retrograd.tensor import Tensor, _wrap, apply

if TYPE_CHECKING:
    from retrograd.nn.module import Module

__all__ = ["BackwardHook"]


class BackwardHook:
    """One call of a module with full backward hooks, as PyTorch's BackwardHook does it: the
    tensors going in and coming out pass through identity nodes that collect their gradients.

    The k tensors of one side are joined by a `_HookGather` node (k inputs, a 0-d dummy output)
    and taken out again by k `_HookTake` nodes, so the gather node runs once, after every take
    has stored its gradient: the hooks see all of them at once and may replace the inputs'."""

    def __init__(self, module: Module, n_args: int) -> None:
        self.module = module
        self.n_args = n_args
        self.input_positions: list[int] = []  # where the inputs that require grad are
        self.input_grads: list[np.ndarray | None] = []
        self.output_positions: list[int] = []
        self.output_grads: list[np.ndarray | None] = []
        self.n_outputs = 0

    def _through(self, items: Any, positions: list[int], grads: list, side: str) -> list[Any]:
        joined = apply(_HookGather, *[items[i] for i in positions], hook=self, side=side)
        wrapped = list(items)
        for index, position in enumerate(positions):
            value = items[position].array
            wrapped[position] = apply(_HookTake, joined, grads=grads, index=index, value=value)
        return wrapped

    def wrap_inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not positions:
            return args
        self.input_positions, self.input_grads = positions, [None] * len(positions)
        return tuple(self._through(args, positions, self.input_grads, "inputs"))

    def wrap_outputs(self, output: Any) -> Any:
        many = isinstance(output, (tuple, list))
        outputs = output if many else (output,)
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return output
        self.n_outputs = len(outputs)
        self.output_positions, self.output_grads = positions, [None] * len(positions)
        wrapped = self._through(outputs, positions, self.output_grads, "outputs")
        return type(output)(wrapped) if many else wrapped[0]

    def gathered(self, node: _HookGather) -> tuple[np.ndarray | None, ...]:
        """What a gather node sends on: the outputs' gradients as they are, the inputs' through
        the hooks (which run at the outputs instead when no input requires grad)."""
        if node.side == "outputs":
            sent = tuple(self.output_grads)
            if not self.input_positions:
                self._run_hooks(node)
            return sent
        return self._run_hooks(node)

    def _run_hooks(self, node: _HookGather) -> tuple[np.ndarray | None, ...]:
        grad_input = _tensors_at(self.input_positions, self.input_grads, self.n_args)
        grad_output = _tensors_at(self.output_positions, self.output_grads, self.n_outputs)
        for hook in list(self.module._backward_hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != self.n_args:
                raise GraphError(
                    f"a full backward hook of {self.module._get_name()} returned {len(result)} "
                    f"gradients; expected {self.n_args}, one per positional input"
                )
            grad_input = result
        sent: list[np.ndarray | None] = []
        for position, tensor in zip(self.input_positions, node.inputs):
            given = grad_input[position]
            g = None if given is None else given.array if isinstance(given, Tensor) else given
            if g is not None and np.shape(g) != tensor.shape:
                raise GraphError(
                    f"a full backward hook of {self.module._get_name()} returned a gradient "
                    f"of shape {np.shape(g)} for input {position} of shape {tensor.shape}"
                )
            sent.append(None if g is None else np.asarray(g))
        # forget this backward's gradients: a retained graph may be walked again
        self.input_grads[:] = [None] * len(self.input_grads)
        self.output_grads[:] = [None] * len(self.output_grads)
        return tuple(sent) if node.side == "inputs" else ()


def _tensors_at(positions: list[int], grads: list[Any], size: int) -> tuple[Tensor | None, ...]:
    """`grads` placed at `positions` of a `size`-tuple (None elsewhere), as Tensors."""
    full: list[Tensor | None] = [None] * size
    for position, g in zip(positions, grads):
        full[position] = None if g is None else _wrap(g)
    return tuple(full)


class _HookGather(Node):
    """k tensors in, a 0-d dummy out; backward hands on the gradients the takes stored."""

    saves_inputs = False

    def forward(self, *arrays: np.ndarray, hook: BackwardHook, side: str) -> np.ndarray:
        self.hook, self.side = hook, side
        return np.zeros((), dtype=arrays[0].dtype)

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        return self.hook.gathered(self)

    @property
    def name(self) -> str:
        return "BackwardHookFunction"


class _HookTake(Node):
    """One tensor out of a `_HookGather` (the same array); backward stores its gradient."""

    saves_inputs = False

    def forward(self, joined: np.ndarray, *, grads: list, index: int, value: Any) -> np.ndarray:
        self.grads, self.index = grads, index
        return value

    def backward(self, grad: np.ndarray) -> np.ndarray:
        self.grads[self.index] = grad
        return np.zeros((), dtype=grad.dtype)

    @property
    def name(self) -> str:
        return "BackwardHookFunction"
