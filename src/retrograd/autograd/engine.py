"""The graph walk: reverse topological order of nodes, one `backward` each, gradients summed.

Gradients flow from a node to the nodes its inputs had *when it ran* (`node.parents`), so an
in-place op that later gives a tensor a new node does not reroute earlier consumers.
Leaves are reached through `node.inputs`. `wrap` turns an array into a Tensor, so this layer
never imports it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from retrograd.autograd.node import FREED, Node
from retrograd.autograd.tracing import hook_ids
from retrograd.backend.arrays import as_array, zeros
from retrograd.errors import GraphError

Wrap = Callable[[np.ndarray], Any]

#: Called after every `backward()` walk, once the leaves' `.grad` are accumulated, with the
#: leaves that received a gradient (id -> tensor): data parallelism all-reduces them here.
#: Register through `add_post_backward_callback`.
post_backward_callbacks: list[Callable[[dict[int, Any]], None]] = []


def add_post_backward_callback(callback: Callable[[dict[int, Any]], None]) -> Callable[[], None]:
    """Call `callback(leaves)` after every `backward()` from now on; returns the function that
    removes it again. Adding or removing one counts as a hook (`hook_ids`), so a compiled step
    recorded before is recorded again."""
    next(hook_ids)
    post_backward_callbacks.append(callback)

    def remove() -> None:
        if callback in post_backward_callbacks:
            post_backward_callbacks.remove(callback)
            next(hook_ids)

    return remove


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


def run_backward_from(
    root_node: Node,
    grad: np.ndarray,
    retain_graph: bool,
    wrap: Wrap,
    targets: Sequence[Any] | None = None,
) -> list[np.ndarray | None] | None:
    """The walk from `root_node`, visiting nodes by decreasing creation number (`seq`): every
    consumer of a value was created after it, so no separate topological sort is needed, and
    a node is queued only once a gradient reaches it.

    Gradients meeting at one node or leaf are summed into a buffer the walk owns (allocated by
    it and held under one key only), in place after the first sum; indexing nodes scatter their
    gradient straight into such a buffer, so n slices of one tensor cost O(n) and not O(n^2).

    The heap is only touched where the graph branches: while each node hands its gradient to
    a single new parent and nothing else waits, that parent is the next node (a chain).

    With `targets` (tensors: leaves or results of ops), the walk is `autograd.grad`'s: it
    returns the gradient reaching each target (None where none does) and changes no `.grad`.
    """
    captured: dict[int, np.ndarray] = {}
    at_node: dict[int, int] = {}  # id(node) -> id(target) for targets made by an op
    if targets is not None:
        at_node = {id(t._ctx): id(t) for t in targets if t._ctx is not None}
    grads: dict[Node, np.ndarray] = {root_node: grad}  # pending gradients of nodes
    leaf_grads: dict[int, np.ndarray] = {}  # id(leaf) -> its gradient
    leaves: dict[int, Any] = {}  # id(leaf) -> the leaf (Tensor subclasses may be unhashable)
    owned: set[int] = set()
    queue: list[tuple[int, Node]] = []
    anomaly = anomaly_state.enabled
    node: Node | None = root_node
    while node is not None:
        g = grads.pop(node)
        if owned:
            owned.discard(id(g))
        if node.output_ref is not None:
            output = node.output_ref
            if output._hooks:
                g = _run_hooks(output, g, wrap)
            if output._retains_grad and targets is None:
                _accumulate(output, g, wrap, set())
        if at_node and id(node) in at_node:
            captured[at_node[id(node)]] = g
        if node.saved is FREED or node.output_modified:
            _check_usable(node)
        elif node.saves_inputs:
            for tensor, version in zip(node.inputs, node.versions):
                if tensor._version != version:
                    _check_usable(node)  # raises unless the changed value is not needed
                    break
        fresh: Node | None = None  # the first parent this node's gradient reaches first
        if node.scatters:
            fresh = _scatter(node, g, grads, owned, leaf_grads, leaves)
        else:
            input_grads = node.backward(g)
            if anomaly:
                anomaly_state.check_backward(node, g, input_grads)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            for parent, tensor, needed, tensor_grad in zip(
                node.parents, node.inputs, node.needs_input_grad, input_grads
            ):
                if tensor_grad is None or not needed:  # as recorded at forward time
                    continue
                if parent is None:  # a leaf
                    key = id(tensor)
                    previous = leaf_grads.get(key)
                    if previous is None:
                        leaf_grads[key] = tensor_grad
                        leaves[key] = tensor
                    else:
                        leaf_grads[key] = sum_grads(previous, tensor_grad, owned)
                else:
                    previous = grads.get(parent)
                    if previous is None:
                        grads[parent] = tensor_grad
                        if fresh is None:
                            fresh = parent
                        else:
                            heapq.heappush(queue, (-parent.seq, parent))
                    else:
                        grads[parent] = sum_grads(previous, tensor_grad, owned)
        if not retain_graph:
            node.saved = FREED
        if fresh is not None and (not queue or queue[0][0] > -fresh.seq):
            node = fresh  # still the latest pending node: no need to queue it
        else:
            if fresh is not None:
                heapq.heappush(queue, (-fresh.seq, fresh))
            node = heapq.heappop(queue)[1] if queue else None
    if targets is not None:
        for key, g in leaf_grads.items():
            leaf = leaves[key]
            captured[key] = _run_hooks(leaf, g, wrap) if leaf._hooks else g
        return [captured.get(id(t)) for t in targets]
    handed_out = {id(grad)}
    for key, g in leaf_grads.items():
        leaf = leaves[key]
        if leaf._hooks:
            g = _run_hooks(leaf, g, wrap)
        _accumulate(leaf, g, wrap, handed_out)
    if post_backward_callbacks:
        for callback in list(post_backward_callbacks):
            callback(leaves)
    return None


def sum_grads(previous: np.ndarray, grad: np.ndarray, owned: set[int]) -> np.ndarray:
    """`previous + grad`, in place when the walk owns `previous` (then it is returned). Also
    the replay's routine, so a replay sums gradients exactly as this walk does."""
    if id(previous) in owned:
        np.add(previous, grad, out=previous)
        return previous
    total = previous + grad
    if type(total) is not np.ndarray:  # 0-d sums come back as scalars
        total = as_array(total)
    owned.add(id(total))
    return total


def _scatter(
    node: Node,
    grad: np.ndarray,
    grads: dict[Node, np.ndarray],
    owned: set[int],
    leaf_grads: dict[int, np.ndarray],
    leaves: dict[int, Any],
) -> Node | None:
    """An indexing node adds its gradient into its input's owned buffer (made on first use);
    returns the input's node when this is the first gradient to reach it, so it gets queued."""
    parent, tensor = node.parents[0], node.inputs[0]
    if not node.needs_input_grad[0]:
        return None
    store: dict[Any, np.ndarray]
    key: Any
    if parent is None:
        store, key = leaf_grads, id(tensor)
        leaves[key] = tensor
    else:
        store, key = grads, parent
    previous = store.get(key)
    store[key] = scatter_grad(node, grad, previous, owned)
    return parent if previous is None else None


def scatter_grad(
    node: Node, grad: np.ndarray, previous: np.ndarray | None, owned: set[int]
) -> np.ndarray:
    """`previous` plus an indexing node's scattered `grad`, added into a buffer the walk owns
    (made on first use, holding `previous`); returns the buffer. Also the replay's routine."""
    if previous is None or id(previous) not in owned:
        tensor = node.inputs[0]
        buffer = zeros(tensor.array.shape, tensor.array.dtype, like=tensor.array)
        if previous is not None:
            buffer += previous
        owned.add(id(buffer))
    else:
        buffer = previous
    node.scatter_add(buffer, grad)
    return buffer


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
            grad = as_array(getattr(replaced, "array", replaced))
    return grad


def _accumulate(tensor: Any, grad: np.ndarray, wrap: Wrap, handed_out: set[int]) -> None:
    """Add `grad` into `tensor.grad`, owning the array so later in-place updates are safe."""
    if grad.shape != tensor.array.shape:
        grad = np.broadcast_to(grad, tensor.array.shape)
    if grad.dtype != tensor.array.dtype:
        grad = grad.astype(tensor.array.dtype)
    if tensor.grad is None:
        if (
            id(grad) in handed_out
            or grad.base is not None
            or type(grad) is np.ndarray  # (a GPU array has no read-only flag)
            and not grad.flags.writeable
        ):
            grad = grad.copy()
        handed_out.add(id(grad))
        tensor.grad = wrap(grad)
    else:
        tensor.grad.array += grad
