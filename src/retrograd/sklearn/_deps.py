"""The check that scikit-learn is installed, with a message naming the extra to install."""

from __future__ import annotations

import importlib

from retrograd.errors import MissingDependencyError


def require_sklearn(who: str) -> None:
    """Raise MissingDependencyError naming `retrograd[sklearn]` when scikit-learn is missing."""
    try:
        importlib.import_module("sklearn")
    except ImportError:
        raise MissingDependencyError(
            f"{who} needs scikit-learn, which is not installed; install it with "
            "pip install 'retrograd[sklearn]'"
        ) from None
