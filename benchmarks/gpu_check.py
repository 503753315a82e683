"""The prepared GPU check (`make gpu-check`): run it on a machine with a CUDA GPU and CuPy.

1. The op and device suites with "cuda" as the real GPU: every op's outputs and gradients
   against the CPU's (float64 to 1e-10, and a float32 pass to 1e-4 relative).
2. The digits CNN and MLP examples trained on the GPU reach the CPU's test accuracy (within 2
   points: GPU kernels sum in another order, so runs are not bit-identical).
3. Bench rows: training steps per second of a large MLP and the digits CNN, CPU and GPU.

`--emulate` rehearses the whole script on the CPU with the emulated accelerator (NumPy under
CuPy's rules), so the script itself is tested without a GPU. Designed to finish in under 8
minutes on one GPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))
_HELD: list[Any] = []


def _accelerator(emulated: bool) -> Any:
    import retrograd as rg
    from retrograd.backend.arrays import emulate

    if emulated:  # held open for the whole run (a dropped context would close itself)
        _HELD.append(emulate())
        _HELD[-1].__enter__()
    if not rg.cuda.is_available():
        raise SystemExit(
            "gpu-check: no CUDA device (install CuPy: pip install 'retrograd[gpu]', on a machine "
            "with a GPU); rehearse on the CPU with --emulate"
        )
    return rg


def run_suites(emulated: bool) -> int:
    env = dict(os.environ, RETROGRAD_TEST_GPU="0" if emulated else "1")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-x"]
    command += ["tests/ops", "tests/test_device.py", "tests/test_linalg.py"]
    print("$", " ".join(command[1:]), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)


def examples(emulated: bool, epochs: int) -> bool:
    import digits_cnn
    import digits_mlp

    ok = True
    for name, run in (
        ("digits CNN", lambda device: digits_cnn.main(epochs, verbose=False, device=device)),
        ("digits MLP", lambda device: digits_mlp.main(epochs, compare=False, device=device)),
    ):
        results = {device: run(device) for device in ("cpu", "cuda")}
        key = "test_accuracy" if "test_accuracy" in results["cpu"] else "accuracy"
        cpu, gpu = results["cpu"][key], results["cuda"][key]
        good = abs(cpu - gpu) <= 0.02
        ok &= good
        print(
            f"{name}: test accuracy cpu {cpu:.4f}, cuda {gpu:.4f} "
            f"({results['cpu']['seconds']:.1f} s vs {results['cuda']['seconds']:.1f} s) "
            f"{'ok' if good else 'DIFFERS'}",
            flush=True,
        )
    return ok


def bench_rows(rg: Any, steps: int) -> None:
    from retrograd import nn, optim

    cases = {
        "mlp 1024x2048x2048x10, batch 512": (
            lambda: nn.Sequential(
                nn.Linear(1024, 2048),
                nn.ReLU(),
                nn.Linear(2048, 2048),
                nn.ReLU(),
                nn.Linear(2048, 10),
            ),
            (512, 1024),
        ),
        "digits cnn, batch 256": (
            lambda: nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),
                nn.BatchNorm2d(16),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.BatchNorm2d(32),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(128, 10),
            ),
            (256, 1, 8, 8),
        ),
    }
    print("| workload | cpu steps/s | cuda steps/s | speed-up |\n|---|---|---|---|")
    for name, (make, shape) in cases.items():
        rates = {}
        for device in ("cpu", "cuda"):
            rg.manual_seed(0)
            model = make().to(device)
            optimizer = optim.Adam(model.parameters(), lr=1e-3)
            x = rg.randn(*shape, device=device)
            y = rg.randint(0, 10, (shape[0],), device=device)
            loss_fn = nn.CrossEntropyLoss()
            times = []
            for step in range(steps + 2):
                start = time.perf_counter()
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()
                rg.cuda.synchronize()  # the GPU's queued work is part of the step
                if step >= 2:
                    times.append(time.perf_counter() - start)
            assert np.isfinite(loss.item())
            rates[device] = 1 / float(np.median(times))
        print(
            f"| {name} | {rates['cpu']:.1f} | {rates['cuda']:.1f} | "
            f"{rates['cuda'] / rates['cpu']:.2f}x |",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emulate", action="store_true", help="rehearse on the CPU")
    parser.add_argument("--quick", action="store_true", help="fewer epochs and steps")
    parser.add_argument("--skip-suites", action="store_true", help="examples and bench only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rg = _accelerator(args.emulate)
    print(f"device: {rg.cuda.get_device_name()}", flush=True)
    failed = 0 if args.skip_suites else run_suites(args.emulate)
    ok = examples(args.emulate, 3 if args.quick else 20)
    bench_rows(rg, 3 if args.quick else 10)
    print(f"gpu-check: {time.perf_counter() - start:.0f} s", flush=True)
    return 1 if failed or not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
