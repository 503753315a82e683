"""The error every `retrograd.io` reader and writer raises on purpose."""

from __future__ import annotations

from retrograd.errors import RetrogradError


class ModelFileError(RetrogradError, ValueError):
    """A file that is not a valid model, weights or checkpoint file (truncated, another format,
    inconsistent header, unknown layer type...), or a model that cannot be written as one.
    The message names the file and what is wrong with it."""
