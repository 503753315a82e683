"""What the ONNX export raises: a layer it cannot convert, a setting ONNX cannot express, and a
missing optional dependency (named with the extra that installs it)."""

from __future__ import annotations

from retrograd.errors import RetrogradError

ONNX_EXTRA = "pip install 'retrograd[onnx]'"


class ExportError(RetrogradError, ValueError):
    """The model cannot be written as ONNX as it stands; the message names the layer and why."""


class UnsupportedLayerError(ExportError, TypeError):
    """A layer (or a custom module) the ONNX export has no conversion for."""


class MissingDependencyError(RetrogradError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""
