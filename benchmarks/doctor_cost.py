"""What the doctor costs: `doctor(quick=True)` and the full report on the seed network and the
digits MLP, and `DoctorCallback` as the ratio of an epoch with it to an epoch without it.

    python benchmarks/doctor_cost.py [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_seconds(run: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _seed_case() -> tuple[Any, ...]:
    import retrograd as rg
    from retrograd import nn, optim

    rg.manual_seed(0)
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 0], [1, 1, 0]], np.float32)
    y = x[:, 1:2].copy()
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())
    return model, nn.MSELoss(), x, y, optim.SGD(model.parameters(), lr=0.5)


def _digits_case() -> tuple[Any, ...]:
    from sklearn.datasets import load_digits

    import retrograd as rg
    from retrograd import nn, optim

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    return model, nn.CrossEntropyLoss(), x, y.astype(np.int64), optim.Adam(model.parameters())


def measure(quick: bool = False) -> dict[str, Any]:
    import retrograd as rg
    from retrograd.train import DoctorCallback

    repeats = 3 if quick else 7
    rows = []
    for name, make in (("seed", _seed_case), ("digits MLP", _digits_case)):
        case = make()
        quick_s = _median_seconds(lambda c=case: rg.doctor(*c, quick=True), repeats)
        full_s = _median_seconds(lambda c=case: rg.doctor(*c), repeats)
        rows.append({"case": name, "quick_s": quick_s, "full_s": full_s})

    def epochs(callbacks: Callable[[], list[Any]]) -> None:
        model, loss_fn, x, y, opt = _digits_case()  # the same start every time
        rg.fit(
            model, loss_fn, opt, x=x, y=y, epochs=5, batch_size=64, verbose=0, callbacks=callbacks()
        )

    plain = _median_seconds(lambda: epochs(list), repeats) / 5
    watched = _median_seconds(lambda: epochs(lambda: [DoctorCallback(verbose=0)]), repeats) / 5
    return {"rows": rows, "epoch_s": plain, "epoch_with_callback_s": watched}


def markdown_lines(result: dict[str, Any]) -> list[str]:
    lines = ["| model | doctor(quick=True) | full report |", "|---|---|---|"]
    for row in result["rows"]:
        lines.append(f"| {row['case']} | {row['quick_s']:.3f} s | {row['full_s']:.3f} s |")
    ratio = result["epoch_with_callback_s"] / result["epoch_s"]
    lines += [
        "",
        "`DoctorCallback` on the digits MLP (batch 64, 5-epoch runs from the same start): "
        f"{result['epoch_with_callback_s'] * 1e3:.1f} ms per epoch with it, "
        f"{result['epoch_s'] * 1e3:.1f} ms without: {ratio:.2f}x.",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print("\n".join(markdown_lines(measure(args.quick))))


if __name__ == "__main__":
    main()
