"""Data-parallel scaling: the large MLP on 1 and 2 ranks (`mpiexec`), one BLAS thread per rank.

Each rank trains the 784-512-512-10 MLP with `DistributedDataParallel` (SGD, batch 128 per
rank) and times its steps after a warm-up; a step's time is the slowest rank's. Reported per
rank count: time per step, samples per second (ranks x batch / step time), the efficiency
(samples/s over ranks x the one-rank samples/s) and the gradient all-reduce's time per step
(the time inside the averaging, on rank 0).

    python benchmarks/scaling.py            # 1 and 2 ranks
    python benchmarks/scaling.py --quick    # fewer steps
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SIZES = (784, 512, 512, 10)
BATCH = 128


def _mpiexec() -> str:
    local = Path(sys.executable).parent / "mpiexec"
    return str(local) if local.exists() else "mpiexec"


def measure(ranks: int, steps: int, repeats: int) -> dict[str, Any]:
    """Run the worker on `ranks` ranks; its JSON result."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    command = [_mpiexec(), "-n", str(ranks), sys.executable, __file__, "--worker"]
    command += [str(steps), str(repeats)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"scaling worker on {ranks} ranks failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_scaling(quick: bool = False) -> dict[str, Any]:
    """1 and 2 ranks; samples/s and efficiency relative to one rank."""
    steps, repeats = (10, 3) if quick else (30, 7)
    rows = [measure(ranks, steps, repeats) for ranks in (1, 2)]
    base = rows[0]["samples_per_s"]
    for row in rows:
        row["efficiency"] = row["samples_per_s"] / (row["ranks"] * base)
    return {"model": "-".join(map(str, SIZES)), "batch_per_rank": BATCH, "rows": rows}


def markdown_lines(result: dict[str, Any]) -> list[str]:
    lines = [
        "| ranks | time / step | samples/s | efficiency | all-reduce / step |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['ranks']} | {row['step_s'] * 1e3:.2f} ms | {row['samples_per_s']:,.0f} | "
            f"{row['efficiency']:.0%} | {row['allreduce_s'] * 1e3:.2f} ms |"
        )
    return lines


def worker(steps: int, repeats: int) -> None:
    """One rank: time `repeats` runs of `steps` DDP steps; rank 0 prints the JSON result."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    import retrograd as rg
    from retrograd import distributed as dist
    from retrograd import nn, optim

    threadpool_limits(1)
    dist.init()
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(rank)
    x = rg.tensor(rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32))
    y = rg.tensor(rng.integers(0, SIZES[-1], BATCH))
    rg.manual_seed(0)
    layers: list[nn.Module] = []
    for a, b in zip(SIZES[:-1], SIZES[1:], strict=False):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = dist.DistributedDataParallel(nn.Sequential(*layers[:-1]))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    spent = [0.0]
    sync = model._sync_gradients

    def timed_sync() -> None:
        start = time.perf_counter()
        sync()
        spent[0] += time.perf_counter() - start

    model._sync_gradients = timed_sync  # type: ignore[method-assign]

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    per_step, sync_per_step = [], []
    for _ in range(repeats):
        dist.barrier()
        spent[0] = 0.0
        start = time.perf_counter()
        for _ in range(steps):
            step()
        dist.barrier()
        per_step.append((time.perf_counter() - start) / steps)
        sync_per_step.append(spent[0] / steps)
    if rank == 0:
        step_s = statistics.median(per_step)
        result = {
            "ranks": world,
            "step_s": step_s,
            "samples_per_s": world * BATCH / step_s,
            "allreduce_s": statistics.median(sync_per_step),
        }
        print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    result = run_scaling(args.quick)
    print("\n".join(markdown_lines(result)))


if __name__ == "__main__":
    main()
