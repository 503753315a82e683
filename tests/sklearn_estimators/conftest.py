"""Shared fixtures of the scikit-learn estimator tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """Small matrices run fastest on one BLAS thread; more threads only fight over the cores."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
