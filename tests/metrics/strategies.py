"""Hypothesis strategies for the metric tests: paired label arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st


@st.composite
def label_pairs(draw: st.DrawFn, max_classes: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """`(y_true, y_pred)`: equally long int label arrays; some classes may be absent from either."""
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, max_classes))
    labels = st.lists(st.integers(0, k - 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels))


@st.composite
def binary_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """`(y_true, y_pred)` with labels in {0, 1}."""
    n = draw(st.integers(1, 40))
    labels = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    return np.array(draw(labels)), np.array(draw(labels))
