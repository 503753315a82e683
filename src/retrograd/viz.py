"""`retrograd.viz.graph(tensor)`: the computation graph as Graphviz DOT text (and `render`)."""

from retrograd.diagnostics.graph import GraphvizError, graph, render

__all__ = ["GraphvizError", "graph", "render"]
