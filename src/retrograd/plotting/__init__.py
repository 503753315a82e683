"""Figures from training runs and models, written as PNG files (needs matplotlib:
``pip install 'retrograd[plot]'``).

- `plot_history(history, path)`: the loss and each metric per epoch, training against
  validation, one panel each.
- `plot_decision_boundary(model, X, y, path)`: for a two-input classifier, its predictions on a
  grid as filled contours, with the data points on top.

matplotlib is imported only when a figure is drawn, and only its object API with the Agg canvas
is used: no pyplot global state, no window, no change to the user's backend.
"""

from retrograd.errors import MissingDependencyError
from retrograd.plotting.boundary import plot_decision_boundary
from retrograd.plotting.curves import plot_history
from retrograd.plotting.figure import require_matplotlib

__all__ = ["MissingDependencyError", "plot_decision_boundary", "plot_history", "require_matplotlib"]
