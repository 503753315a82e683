"""Float32 matrix-product peak: GFLOP/s of square `C = A @ B` in NumPy's BLAS and in PyTorch.

Not a training workload: it gives the ceiling the large MLP is compared with ("% of peak"). A
product of two n x n matrices counts as 2 n^3 flops; the output buffer is allocated once.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

SIZES = (1024, 1536, 2048)


def _seconds(product: Callable[[], Any], repeats: int) -> list[float]:
    product()  # warm-up: first-touch of the output, BLAS thread start-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product()
        times.append(time.perf_counter() - start)
    return times


def _numpy_product(n: int) -> Callable[[], Any]:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    return lambda: np.matmul(a, b, out=out)


def _torch_product(n: int) -> Callable[[], Any]:
    import torch

    generator = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=generator)
    b = torch.randn(n, n, generator=generator)
    out = torch.empty(n, n)
    return lambda: torch.mm(a, b, out=out)


def measure(sizes: tuple[int, ...] = SIZES, repeats: int = 5) -> list[dict[str, Any]]:
    """One row per library and size: median and best GFLOP/s over `repeats` products."""
    libraries: dict[str, Callable[[int], Callable[[], Any]]] = {"numpy": _numpy_product}
    try:
        import torch  # noqa: F401 - only to know whether the torch rows can run
    except ImportError:
        pass
    else:
        libraries["torch"] = _torch_product
    rows = []
    for n in sizes:
        for library, make in libraries.items():
            times = _seconds(make(n), repeats)
            flops = 2.0 * n**3
            rows.append(
                {
                    "library": library,
                    "n": n,
                    "seconds": times,
                    "gflops_median": flops / statistics.median(times) / 1e9,
                    "gflops_best": flops / min(times) / 1e9,
                }
            )
    return rows


def peaks(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Library -> its highest median GFLOP/s over the sizes measured."""
    best: dict[str, float] = {}
    for row in rows:
        best[row["library"]] = max(best.get(row["library"], 0.0), row["gflops_median"])
    return best
