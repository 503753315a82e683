"""The autograd machinery: nodes, the graph walk, grad mode, unbroadcast."""

from retrograd.autograd.context import Context
from retrograd.autograd.engine import topological_order
from retrograd.autograd.grad_mode import (
    enable_grad,
    grad_state,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from retrograd.autograd.node import FREED, Node
from retrograd.autograd.unbroadcast import unbroadcast

__all__ = [
    "FREED",
    "Context",
    "Node",
    "enable_grad",
    "grad_state",
    "inference_mode",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
    "topological_order",
    "unbroadcast",
]
