"""Which converter turns which layer into ONNX nodes.

A converter takes the graph, the `Step` (the layer, where it sits in the model, and the arrays
it read and wrote on the example input) and the name of its input value; it adds nodes and
returns the name of its output value. Layers are matched by exact class: a subclass may
override `forward`, so it counts as a custom module.

A layer with no converter here is exported by the general rule of
`retrograd.onnx.converters.traced`: its forward is traced into primitive ops, and each
primitive is converted (`traced.PRIMITIVES`). A converter here is preferred where there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrograd.nn.module import Module
from retrograd.onnx.errors import ExportError
from retrograd.onnx.graph import GraphBuilder


@dataclass(frozen=True)
class Step:
    """One layer of the model as the export sees it.

    `where`: its place in the model (`0.1`, as in state-dict keys; `model` for a bare layer);
    `x` / `y`: its input and output on the example input (eval mode), which give ranks, static
    sizes and dtypes; `trace`: the recorded forward (`traced.Trace`) of a layer exported by
    tracing, None for one with a converter.
    """

    module: Any
    where: str
    x: np.ndarray
    y: np.ndarray
    trace: Any = None

    def fail(self, reason: str) -> ExportError:
        """An ExportError naming this layer: `layer 3 (MaxPool2d(...)): <reason>`."""
        return ExportError(f"layer {self.where} ({self.module!r}): {reason}")

    def require_batched(self, spatial: int) -> None:
        """Fail unless the input is `(N, C, *spatial)` (ONNX convolutions and pools need N)."""
        if self.x.ndim != spatial + 2:
            raise self.fail(
                f"ONNX needs a batch axis here: expected a {spatial + 2}-d input (N, C, ...), "
                f"got shape {self.x.shape}"
            )


Converter = Callable[[GraphBuilder, Step, str], str]

CONVERTERS: dict[type[Module], Converter] = {}


def converts(*layers: type[Module]) -> Callable[[Converter], Converter]:
    """Register the decorated function as the converter of each of `layers`."""

    def register(function: Converter) -> Converter:
        for layer in layers:
            CONVERTERS[layer] = function
        return function

    return register
