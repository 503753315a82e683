"""`Node`: one recorded primitive op. The op object is its own context.

A primitive subclasses `Node` and writes `forward(self, *arrays)` and `backward(self, grad)`
side by side. `forward` stores what backward needs in `self.saved` (that is what
`save_for_backward` means here) and `backward` returns one gradient per input (or None).
Ops see only NumPy arrays; `Tensor` wraps them.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

FREED: Any = object()  # marks `saved` after backward without retain_graph

#: the next creation number for a recorded node
next_seq = itertools.count().__next__


class _NodeExtras:
    """Gives nodes a lazily created __dict__ for rarely used attributes (hooks, anomaly
    call sites), so the common slots stay fast and unused extras cost nothing."""


class Node(_NodeExtras):
    """Base class of primitive ops."""

    __slots__ = ("inputs", "parents", "needs_input_grad", "saved", "versions", "seq")

    #: backward reads input values from `saved`, so an in-place change to an input is an error
    saves_inputs: bool = True
    #: backward reads the saved output, so an in-place change to the output is an error
    saves_output: bool = False
    #: False for ops without a gradient (their output never requires grad)
    differentiable: bool = True
    #: for each input, the inputs whose gradient needs its value (None: every input's value is
    #: needed); an in-place change to an input no needed gradient reads is harmless
    value_needed_by: tuple[tuple[int, ...], ...] | None = None

    #: why the op runs on the CPU only (empty: it runs on a GPU too, through the same code);
    #: such ops are listed in the docs' "Scaling out" guide
    cpu_only: str = ""

    #: the output's value was overwritten in place (matters when backward reads the output)
    output_modified: bool = False
    #: backward is `scatter_add(buffer, grad)` into the input's gradient buffer (indexing)
    scatters: bool = False
    #: the output Tensor, kept only when it has hooks or retains its gradient
    output_ref: Any = None

    # Slots are filled by the dispatcher (`retrograd.tensor.apply`) only when the graph is
    # recorded: `inputs` (the input Tensors), `parents` (each input's node at forward time, None
    # for a leaf or a constant), `needs_input_grad`, `versions` (the inputs' version counters at
    # forward time), `saved` (None until forward stores something).
    saved: Any
    inputs: tuple[Any, ...]
    parents: tuple[Node | None, ...]
    needs_input_grad: tuple[bool, ...]
    versions: tuple[int, ...]
    #: creation order: every parent was created before its consumers, so walking nodes by
    #: decreasing `seq` is a reverse topological order
    seq: int

    def forward(self, *arrays: Any, **kwargs: Any) -> np.ndarray:
        """The op's output array from its input arrays (and keyword settings); subclasses
        write it, storing what `backward` needs in `self.saved`."""
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> Any:
        """Gradients for each input (a tuple; a single array for one-input ops)."""
        raise NotImplementedError

    def scatter_add(self, buffer: np.ndarray, grad: np.ndarray) -> None:
        """For `scatters` ops: add the gradient of the single input into `buffer` in place."""
        raise NotImplementedError

    def save_for_backward(self, *arrays: Any) -> None:
        """Store `arrays` in `self.saved` (a tuple) for `backward`."""
        self.saved = arrays

    @property
    def name(self) -> str:
        """The op's name, shown in `grad_fn` reprs as `<NameBackward>`: the class name."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name}Backward>"
