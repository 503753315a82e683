"""CSV files for the `retrograd train/predict/evaluate/info` tests, generated with a fixed seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SPECIES = ("setosa", "versicolor", "virginica")


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    lines = [",".join(header)] + [",".join(str(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def three_class_rows(n: int, seed: int = 0) -> list[list[object]]:
    """Features x1..x3 and a text label that depends on x1 and x2 (separable)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).round(4)
    labels = np.array(SPECIES)[(X[:, 0] > 0.4).astype(int) + (X[:, 1] > 0).astype(int)]
    return [[*row.tolist(), label] for row, label in zip(X, labels)]


def binary_rows(n: int, seed: int = 1) -> list[list[object]]:
    """Features a, b and a 0/1 target: whether a + b > 0."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)).round(4)
    return [[*row.tolist(), int(row.sum() > 0)] for row in X]


def regression_rows(n: int, seed: int = 2) -> list[list[object]]:
    """Features u, v and a continuous target 3u - 2v + 10 (plus a little noise)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, 2)).round(4)
    y = 3 * X[:, 0] - 2 * X[:, 1] + 10 + rng.normal(0, 0.01, n)
    return [[*row.tolist(), round(float(t), 4)] for row, t in zip(X, y)]
