"""Whether ops record the graph: `no_grad`, `enable_grad`, `set_grad_enabled`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from retrograd.errors import ArgumentTypeError

F = TypeVar("F", bound=Callable[..., Any])


class _GradState:
    """Process-wide switch read on every op (a plain attribute: the cheapest lookup)."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


grad_state = _GradState()


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return grad_state.enabled


class set_grad_enabled:
    """Turn graph recording on or off; a context manager and a decorator."""

    _mode: bool

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(grad_state.enabled)
        grad_state.enabled = self._mode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        grad_state.enabled = self._previous.pop()

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Run without recording the graph (inference, weight updates)."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record the graph again inside a `no_grad` block."""

    def __init__(self) -> None:
        super().__init__(True)


class inference_mode(set_grad_enabled):  # noqa: N801 - PyTorch's name
    """`torch.inference_mode`: like `no_grad` (retrograd has no separate inference tensors);
    `inference_mode(False)` records the graph."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)

    def __call__(self, fn: F) -> F:
        if not callable(fn):  # `@inference_mode` without parentheses is not PyTorch's form
            raise ArgumentTypeError(
                "use @inference_mode() with parentheses, or `with inference_mode():`"
            )
        return super().__call__(fn)
