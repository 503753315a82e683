"""The graph walk: reverse topological order of nodes, one `backward` each, gradients summed.

Gradients flow from a node to the nodes its inputs had *when it ran* (`node.parents`), so an
in-place op that later gives a tensor a new node does not reroute earlier consumers.
Leaves are reached through `node.inputs`. `wrap` turns an array into a Tensor, so this layer
never imports it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from retrograd.autograd.node import FREED, Node
from retrograd.errors import GraphError

Wrap = Callable[[np.ndarray], Any]


def _no_check(*args: Any) -> None:
    """What the anomaly checks are until `retrograd.diagnostics.anomaly` installs its own."""


class _AnomalyState:
    """Anomaly mode (`retrograd.detect_anomaly`, which sets these): when it is off, the walk and
    the dispatcher read only `enabled`; when on, they call `check_forward(op, inputs, kwargs,
    out)` after each op and `check_backward(node, grad, input_grads)` after each backward, and
    `Module.__call__` keeps the modules running in `modules` (outermost first)."""

    __slots__ = ("enabled", "check_forward", "check_backward", "modules")

    def __init__(self) -> None:
        self.enabled = False
        self.check_forward: Callable[..., None] = _no_check
        self.check_backward: Callable[..., None] = _no_check
        self.modules: list[Any] = []


anomaly_state = _AnomalyState()


def topological_order(root: Node) -> list[Node]:
    """Nodes reachable from `root`, each after all of its parents (iterative DFS)."""
    order: list[Node] = []
    visited: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            if parent is not None and id(parent) not in visited:
                stack.append((parent, False))
    return order


def run_backward(root: Any, grad: np.ndarray, retain_graph: bool, wrap: Wrap) -> None:
    """Send `grad` (d loss / d root) back through the graph into every leaf's `.grad`."""
    run_backward_from(root._ctx, grad, retain_graph, wrap)


def run_backward_from(
    root_node: Node,
    grad: np.ndarray,
    retain_graph: bool,
    wrap: Wrap,
    order: list[Node] | None = None,
    checks: bool = True,
) -> None:
    """The walk from `root_node`, visiting nodes by decreasing creation number (`seq`): every
    consumer of a value was created after it, so no separate topological sort is needed, and
    a node is queued only once a gradient reaches it. A captured step (`retrograd.compile`)
    passes the `order` it computed once and turns `checks` off: it re-ran every forward itself.

    Gradients meeting at one node or leaf are summed into a buffer the walk owns (allocated by
    it and held under one key only), in place after the first sum; indexing nodes scatter their
    gradient straight into such a buffer, so n slices of one tensor cost O(n) and not O(n^2).
    """
    grads: dict[int, np.ndarray] = {id(root_node): grad}  # keyed by node, or by leaf tensor
    owned: set[int] = set()
    leaves: dict[int, Any] = {}
    queue: list[tuple[int, Node]] | None = None
    nodes: Any
    if order is None:
        queue = [(-root_node.seq, root_node)]
        nodes = _drain(queue)
    else:
        nodes = reversed(order)
    for node in nodes:
        g = grads.pop(id(node), None)
        if g is None:
            continue
        owned.discard(id(g))
        output = node.output_ref
        if output is not None:
            if output._hooks:
                g = _run_hooks(output, g, wrap)
            if output._retains_grad:
                _accumulate(output, g, wrap, set())
        if checks and (node.saved is FREED or node.output_modified or node.saves_inputs):
            _check_usable(node)
        if node.scatters:
            parent = _scatter(node, g, grads, owned, leaves)
            if parent is not None and queue is not None:
                heapq.heappush(queue, (-parent.seq, parent))
            if not retain_graph:
                node.saved = FREED
            continue
        input_grads = node.backward(g)
        if anomaly_state.enabled:
            anomaly_state.check_backward(node, g, input_grads)
        if not retain_graph:
            node.saved = FREED
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        for parent, tensor, needed, tensor_grad in zip(
            node.parents, node.inputs, node.needs_input_grad, input_grads
        ):
            if tensor_grad is None or not needed:  # as recorded at forward time
                continue
            if parent is None:
                key = id(tensor)
                leaves[key] = tensor
            else:
                key = id(parent)
            previous = grads.get(key)
            if previous is None:
                grads[key] = tensor_grad
                if parent is not None and queue is not None:
                    heapq.heappush(queue, (-parent.seq, parent))
            elif id(previous) in owned:
                np.add(previous, tensor_grad, out=previous)
            else:
                total = np.asarray(previous + tensor_grad)  # 0-d sums come back as scalars
                grads[key] = total
                owned.add(id(total))
    handed_out = {id(grad)}
    for key, leaf in leaves.items():
        g = grads[key]
        if leaf._hooks:
            g = _run_hooks(leaf, g, wrap)
        _accumulate(leaf, g, wrap, handed_out)


def _drain(queue: list[tuple[int, Node]]) -> Iterator[Node]:
    """Nodes from the heap, latest created first, while the walk keeps adding parents."""
    while queue:
        yield heapq.heappop(queue)[1]


def _scatter(
    node: Node, grad: np.ndarray, grads: dict[int, np.ndarray], owned: set[int], leaves: dict
) -> Node | None:
    """An indexing node adds its gradient into its input's owned buffer (made on first use);
    returns the input's node when this is the first gradient to reach it, so it gets queued."""
    parent, tensor = node.parents[0], node.inputs[0]
    if not node.needs_input_grad[0]:
        return None
    if parent is None:
        key = id(tensor)
        leaves[key] = tensor
    else:
        key = id(parent)
    buffer = grads.get(key)
    first = buffer is None
    if buffer is None or id(buffer) not in owned:
        fresh = np.zeros(tensor.shape, dtype=tensor.dtype)
        if buffer is not None:
            fresh += buffer
        buffer = grads[key] = fresh
        owned.add(id(fresh))
    node.scatter_add(buffer, grad)
    return parent if first else None


def _check_usable(node: Node) -> None:
    if node.saved is FREED:
        raise GraphError(
            f"Trying to backward through the graph a second time (at {node.name}): its saved "
            "values were freed by the first backward(). Pass retain_graph=True to the first "
            "backward() if you need to call it twice."
        )
    if node.saves_inputs and node.saved is not None:
        for position, (tensor, version) in enumerate(zip(node.inputs, node.versions)):
            if tensor._version != version and _value_needed(node, position):
                raise GraphError(
                    f"input {position} (shape {tuple(tensor.shape)}) of {node.name} was modified "
                    f"by an in-place operation after {node.name} saved it for backward (version "
                    f"{version} is now {tensor._version}); use an out-of-place op or .clone()."
                )
    if node.output_modified and node.saves_output:
        raise GraphError(
            f"the output of {node.name} was modified by an in-place operation after "
            f"{node.name} saved it for backward; use an out-of-place op or .clone()."
        )


def _value_needed(node: Node, position: int) -> bool:
    users = node.value_needed_by
    return users is None or any(node.needs_input_grad[i] for i in users[position])


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
