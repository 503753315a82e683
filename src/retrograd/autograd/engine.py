"""The graph walk: reverse topological order, one `backward` per node, gradients summed.

Works on anything shaped like a Tensor (`data`, `grad`, `requires_grad`, `_ctx`, `_version`,
`_hooks`, `_retains_grad`); `wrap` turns an array into a Tensor, so this layer never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.autograd.node import FREED, Node
from retrograd.errors import GraphError

Wrap = Callable[[np.ndarray], Any]


def topological_order(root: Any) -> list[Any]:
    """Non-leaf tensors reachable from `root`, each after all of its inputs (iterative DFS)."""
    order: list[Any] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        tensor, inputs_done = stack.pop()
        if inputs_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        for parent in tensor._ctx.inputs:
            if parent._ctx is not None and parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def run_backward(root: Any, grad: np.ndarray, retain_graph: bool, wrap: Wrap) -> None:
    """Send `grad` (d loss / d root) back through the graph into every leaf's `.grad`."""
    grads: dict[int, np.ndarray] = {id(root): grad}
    leaves: dict[int, Any] = {}
    for tensor in reversed(topological_order(root)):
        g = grads.pop(id(tensor), None)
        if g is None:
            continue
        if tensor._hooks:
            g = _run_hooks(tensor, g, wrap)
        if tensor._retains_grad:
            _accumulate(tensor, g, wrap, set())
        node: Node = tensor._ctx
        _check_usable(node, tensor)
        input_grads = node.backward(g)
        if not retain_graph:
            node.saved = FREED
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, parent_grad in zip(node.inputs, input_grads):
            if parent_grad is None or not parent.requires_grad:
                continue
            key = id(parent)
            previous = grads.get(key)
            if previous is None:
                grads[key] = parent_grad
                if parent._ctx is None:
                    leaves[key] = parent
            else:
                grads[key] = previous + parent_grad
    handed_out = {id(grad)}
    for key, leaf in leaves.items():
        g = grads[key]
        if leaf._hooks:
            g = _run_hooks(leaf, g, wrap)
        _accumulate(leaf, g, wrap, handed_out)


def _check_usable(node: Node, tensor: Any) -> None:
    if node.saved is FREED:
        raise GraphError(
            f"Trying to backward through the graph a second time (at {node.name}): its saved "
            "values were freed by the first backward(). Pass retain_graph=True to the first "
            "backward() if you need to call it twice."
        )
    if node.saves_inputs and node.saved is not None:
        for position, (parent, version) in enumerate(zip(node.inputs, node.versions)):
            if parent._version != version:
                raise GraphError(
                    f"input {position} (shape {tuple(parent.shape)}) of {node.name} was modified "
                    f"by an in-place operation after {node.name} saved it for backward (version "
                    f"{version} is now {parent._version}); use an out-of-place op or .clone()."
                )
    if getattr(node, "saves_output", False) and tensor._version:
        raise GraphError(
            f"the output of {node.name} (shape {tuple(tensor.shape)}) was modified by an in-place "
            "operation after it was saved for backward; use an out-of-place op or .clone()."
        )


def _run_hooks(tensor: Any, grad: np.ndarray, wrap: Wrap) -> np.ndarray:
    for hook in list(tensor._hooks.values()):
        replaced = hook(wrap(grad))
        if replaced is not None:
            grad = np.asarray(getattr(replaced, "data", replaced))
    return grad


def _accumulate(tensor: Any, grad: np.ndarray, wrap: Wrap, handed_out: set[int]) -> None:
    """Add `grad` into `tensor.grad`, owning the array so later in-place updates are safe."""
    if grad.shape != tensor.data.shape:
        grad = np.broadcast_to(grad, tensor.data.shape)
    if grad.dtype != tensor.data.dtype:
        grad = grad.astype(tensor.data.dtype)
    if tensor.grad is None:
        if id(grad) in handed_out or grad.base is not None or not grad.flags.writeable:
            grad = grad.copy()
        handed_out.add(id(grad))
        tensor.grad = wrap(grad)
    else:
        tensor.grad.data += grad
