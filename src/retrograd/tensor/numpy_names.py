"""PyTorch's NumPy-style keyword names: ``axis`` for ``dim`` and ``keepdims`` for ``keepdim``.

PyTorch's argument parser accepts ``x.cumsum(axis=1)``, ``x.any(axis=0, keepdims=True)`` and so on
for every method with a ``dim``. ``accept_numpy_names(cls)`` gives the methods that ``cls``
defines the same: each whose signature has ``dim`` but no ``axis`` (or ``keepdim`` but no
``keepdims``) takes the NumPy name too. Methods that spell ``axis`` out themselves are left as
they are.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, TypeVar

from retrograd.errors import ArgumentTypeError

_C = TypeVar("_C", bound=type)

_ALIASES = (("axis", "dim"), ("keepdims", "keepdim"))


def _wrap(fn: Any, aliases: tuple[tuple[str, str], ...]) -> Any:
    @functools.wraps(fn)
    def method(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            for numpy_name, torch_name in aliases:
                if numpy_name in kwargs:
                    if torch_name in kwargs:
                        raise ArgumentTypeError(
                            f"{fn.__name__}() got both {torch_name!r} and its alias {numpy_name!r}"
                        )
                    kwargs[torch_name] = kwargs.pop(numpy_name)
        return fn(*args, **kwargs)

    return method


def accept_numpy_names(cls: _C) -> _C:
    """Let every method ``cls`` defines with ``dim``/``keepdim`` take ``axis``/``keepdims``."""
    for name, fn in list(vars(cls).items()):
        if not inspect.isfunction(fn) or name.startswith("__"):
            continue
        params = inspect.signature(fn).parameters
        aliases = tuple(
            (numpy_name, torch_name)
            for numpy_name, torch_name in _ALIASES
            if torch_name in params
            and numpy_name not in params
            and params[torch_name].kind is not inspect.Parameter.VAR_POSITIONAL
        )
        if aliases and not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            setattr(cls, name, _wrap(fn, aliases))
    return cls
