"""The computation graph behind a tensor as Graphviz DOT text, like torchviz's `make_dot`.

    dot = graph(loss, params=dict(model.named_parameters()))
    render(dot, "graph.svg")          # needs the Graphviz `dot` program

Ops are boxes named by their class (a custom `Function` by its own name), tensors that receive
gradients (parameters, inputs with requires_grad) are blue boxes with their name and shape, and
the tensor the graph was drawn from is green. Edges follow the data: from inputs to the op that
used them, one edge per use.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from retrograd.autograd.node import Node
from retrograd.errors import ArgumentTypeError, InvalidArgumentError, RetrogradError
from retrograd.tensor import Tensor

__all__ = ["GraphvizError", "graph", "render"]

FORMATS = ("svg", "png", "pdf")
_OP_STYLE = 'fillcolor="lightgray"'
_LEAF_STYLE = 'fillcolor="lightblue"'
_OUTPUT_STYLE = 'fillcolor="darkolivegreen1"'


class GraphvizError(RetrogradError, RuntimeError):
    """The Graphviz `dot` program is missing or failed."""


def graph(
    output: Tensor | Sequence[Tensor],
    params: Mapping[str, Tensor] | None = None,
    show_shapes: bool = True,
) -> str:
    """The graph that `output.backward()` would walk, as DOT text.

    Args:
        output: a tensor, or several (drawn in one picture).
        params: names for tensors, e.g. `dict(model.named_parameters())`; unnamed ones show only
            their shape.
        show_shapes: put each tensor's shape under its name. Default: True.

    Returns:
        The text of a `digraph`; `render` draws it, or paste it into any Graphviz viewer.
    """
    outputs = [output] if isinstance(output, Tensor) else list(output)
    names = {id(tensor): name for name, tensor in (params or {}).items()}
    ids: dict[int, str] = {}
    lines = [
        "digraph {",
        '  node [shape=box, style="filled,rounded", fontname="monospace", fontsize=10, height=0.2]',
    ]
    edges: list[str] = []

    def node_id(key: int) -> str:
        if key not in ids:
            ids[key] = f"n{len(ids)}"
        return ids[key]

    def tensor_label(tensor: Tensor, default: str) -> str:
        label = names.get(id(tensor), default)
        if show_shapes:
            shape = "(" + ", ".join(str(n) for n in tensor.shape) + ")"
            label = f"{label}\n{shape}" if label else shape
        return label

    stack: list[Node] = []
    for position, tensor in enumerate(outputs):
        default = "output" if len(outputs) == 1 else f"output {position}"
        out_id = node_id(id(tensor))
        lines.append(f"  {out_id} [label={_quote(tensor_label(tensor, default))}, {_OUTPUT_STYLE}]")
        if tensor._ctx is not None:
            edges.append(f"  {node_id(id(tensor._ctx))} -> {out_id}")
            stack.append(tensor._ctx)

    drawn: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in drawn:
            continue
        drawn.add(id(node))
        this = node_id(id(node))
        lines.append(f"  {this} [label={_quote(node.name)}, {_OP_STYLE}]")
        for parent, tensor, needed in zip(node.parents, node.inputs, node.needs_input_grad):
            if parent is not None:
                edges.append(f"  {node_id(id(parent))} -> {this}")
                stack.append(parent)
            elif needed:
                leaf = id(tensor)
                if leaf not in ids:
                    label = tensor_label(tensor, "")
                    lines.append(f"  {node_id(leaf)} [label={_quote(label)}, {_LEAF_STYLE}]")
                edges.append(f"  {ids[leaf]} -> {this}")
    return "\n".join([*lines, *edges, "}"]) + "\n"


def render(dot: str, path: str | Path, format: str = "svg") -> Path:  # noqa: A002 - torchviz's name
    """Draw DOT text into the file `path` with Graphviz's `dot` program; return the path.

    Raises `GraphvizError` when `dot` is not installed (install Graphviz, e.g. `apt install
    graphviz`) or fails, and ValueError for a format other than svg, png or pdf.
    """
    if not isinstance(dot, str):
        raise ArgumentTypeError(
            f"render takes DOT text (from graph(tensor)), got {type(dot).__name__}"
        )
    if format not in FORMATS:
        raise InvalidArgumentError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    program = shutil.which("dot")
    if program is None:
        raise GraphvizError(
            "drawing the graph needs the Graphviz program `dot`, which was not found on PATH. "
            "Install Graphviz (Debian/Ubuntu: `apt install graphviz`, macOS: `brew install "
            "graphviz`, others: https://graphviz.org/download/), or use the DOT text from "
            "graph() directly: save it as a .dot file or paste it into any Graphviz viewer."
        )
    target = Path(path)
    done = subprocess.run(
        [program, f"-T{format}", "-o", str(target)],
        input=dot,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise GraphvizError(
            f"Graphviz `dot` failed (exit status {done.returncode}): {done.stderr.strip()}"
        )
    return target


def _quote(text: str) -> str:
    """A DOT string literal; newlines become DOT's centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
