"""`GraphBuilder`: collects ONNX nodes and initializers under unique names, so a converter says
`g.node("Relu", [x])` and gets the name of the node's output back.

`onnx` is imported by `require_onnx()`, inside the export call, never at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retrograd.onnx.errors import ONNX_EXTRA, MissingDependencyError


def require_onnx() -> Any:
    """The `onnx` module.

    Raises:
        MissingDependencyError: naming the extra when missing.
    """
    try:
        import onnx
    except ImportError:
        raise MissingDependencyError(
            f"exporting to ONNX needs the onnx package, which is not installed; install it with "
            f"{ONNX_EXTRA}"
        ) from None
    return onnx


class GraphBuilder:
    """Nodes and initializers of one ONNX graph, in the order they were added.

    Args:
        opset: the default domain's version the graph targets.
    """

    def __init__(self, opset: int) -> None:
        self.onnx = require_onnx()
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = set()

    def fresh(self, base: str) -> str:
        """A value name not used yet in this graph: `base`, else `base_1`, `base_2`, ..."""
        name, count = base, 0
        while name in self._used:
            count += 1
            name = f"{base}_{count}"
        self._used.add(name)
        return name

    def reserve(self, name: str) -> None:
        """Mark `name` (a graph input or output) as taken."""
        self._used.add(name)

    def node(
        self,
        op_type: str,
        inputs: Sequence[str],
        where: str,
        output: str | None = None,
        **attributes: Any,
    ) -> str:
        """Add a node of `op_type` reading `inputs` ("" skips an optional input); return the
        name of its output (`output` when given, else a fresh name from `where`)."""
        result = output if output is not None else self.fresh(f"{where}/{op_type}")
        self.nodes.append(
            self.onnx.helper.make_node(
                op_type,
                list(inputs),
                [result],
                name=self.fresh(f"{where}/{op_type}_node"),
                **attributes,
            )
        )
        return result

    def initializer(self, array: Any, base: str) -> str:
        """Store `array` (copied) as a constant of the graph; return its name."""
        name = self.fresh(base)
        data = np.ascontiguousarray(np.asarray(array))
        self.initializers.append(self.onnx.numpy_helper.from_array(data, name))
        return name

    def scalar(self, value: float, dtype: Any, base: str) -> str:
        """A 0-d constant of `dtype` (the dtype of the values it meets in the graph)."""
        return self.initializer(np.asarray(value, dtype=dtype), base)

    def int64s(self, values: Sequence[int], base: str) -> str:
        """A 1-d int64 constant, as shape-like inputs (Reshape, Resize sizes) take."""
        return self.initializer(np.asarray(list(values), dtype=np.int64), base)

    def tensor_type(self, array_dtype: Any) -> int:
        """The ONNX element type of a NumPy dtype."""
        return int(self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(array_dtype)))
