"""Creating a matplotlib figure on the Agg canvas and writing it as a PNG, atomically."""

from __future__ import annotations

import io
import os
from typing import Any

from retrograd.errors import MissingDependencyError
from retrograd.io.atomic import atomic_write

__all__ = ["MissingDependencyError", "new_figure", "require_matplotlib", "save_png"]


def require_matplotlib(who: str) -> None:
    """Import what the figures need, so a missing matplotlib is found before any work.

    Raises:
        MissingDependencyError: naming `who` and the `retrograd[plot]` extra.
    """
    try:
        import matplotlib  # noqa: F401 - the package first: a cached submodule proves nothing
        from matplotlib import figure  # noqa: F401
        from matplotlib.backends import backend_agg  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            f"{who} needs matplotlib, which is not installed; install it with "
            "pip install 'retrograd[plot]'"
        ) from None


def new_figure(who: str, figsize: tuple[float, float]) -> Any:
    """A matplotlib `Figure` attached to an Agg canvas (never a pyplot window).

    Raises:
        MissingDependencyError: naming the `retrograd[plot]` extra when matplotlib is missing.
    """
    require_matplotlib(who)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def save_png(
    figure: Any, path: str | os.PathLike[str], dpi: int = 100, *, overwrite: bool = True
) -> None:
    """Render `figure` as PNG and write it to `path` all at once (temp file + rename); with
    ``overwrite=False`` an existing file is left alone (OutputFileError)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    atomic_write(path, buffer.getvalue(), overwrite=overwrite)
