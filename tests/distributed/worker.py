"""Run under `mpiexec -n N`: train a small MLP data-parallel and save rank 0's parameters.

`python worker.py MODE OPTIMIZER COMPILED OUT [STEPS]`. MODE is `train`; `kill` (rank 1 dies
at step 5); `hang` (rank 1 stops answering at step 5 for WORKER_HANG seconds); `mismatch`
(rank 1 builds a different model); `seed` (rank 1 draws other weights); `resume` (train to
step 10, checkpoint on rank 0, stop; a second run resumes); `gpu` (the model on the emulated
GPU, `retrograd.backend.emulated`). The same problem in one process
is `reference()`, imported by the tests.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

import retrograd as rg
from retrograd import distributed as dist
from retrograd import nn, optim

BATCH = 4  # rows per rank per step
FEATURES, HIDDEN, CLASSES = 5, 16, 3


def data(steps: int, world: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    rows = steps * BATCH * world
    return rng.normal(size=(rows, FEATURES)), rng.integers(0, CLASSES, size=rows)


def build(seed: int = 0, hidden: int = HIDDEN) -> nn.Module:
    rg.manual_seed(seed)
    return nn.Sequential(nn.Linear(FEATURES, hidden), nn.Tanh(), nn.Linear(hidden, CLASSES))


def make_optimizer(name: str, params: Any) -> optim.Optimizer:
    if name == "sgd":
        return optim.SGD(params, lr=0.1, momentum=0.9)
    return optim.Adam(params, lr=0.01)


def train(
    model: nn.Module,
    opt: optim.Optimizer,
    x: np.ndarray,
    y: np.ndarray,
    steps: range,
    rows: int,
    compiled: bool,
    die_at: int | None = None,
    device: str = "cpu",
) -> Any:
    loss_fn = nn.CrossEntropyLoss()

    def step(xb: rg.Tensor, yb: rg.Tensor) -> rg.Tensor:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    run = rg.compile(step) if compiled else step
    offset = dist.get_rank() * rows
    for s in steps:
        if die_at is not None and s == die_at and dist.get_rank() == 1:
            if os.environ.get("WORKER_HANG"):
                import time

                time.sleep(float(os.environ["WORKER_HANG"]))  # alive, but gone silent
            os._exit(9)  # as a killed process: no exception, no cleanup
        start = s * rows * dist.get_world_size() + offset
        xb = rg.tensor(x[start : start + rows], device=device)
        run(xb, rg.tensor(y[start : start + rows], device=device))
    return run


def reference(optimizer: str, steps: int, world: int) -> list[np.ndarray]:
    """One process, batches of `world * BATCH` rows: what the ranks together must give."""
    rg.set_default_dtype(rg.float64)
    x, y = data(steps, world)
    model = build()
    opt = make_optimizer(optimizer, model.parameters())
    train(model, opt, x, y, range(steps), world * BATCH, compiled=False)
    return [p.array.copy() for p in model.parameters()]


def main() -> None:
    if sys.argv[1] == "gpu":  # the model on the (emulated) GPU: gradients cross through the host
        from retrograd.backend.arrays import emulate

        with emulate():
            run_job()
    else:
        run_job()


def run_job() -> None:
    mode, optimizer, compiled, out = sys.argv[1:5]
    steps = int(sys.argv[5]) if len(sys.argv) > 5 else 20
    rg.set_default_dtype(rg.float64)
    dist.init(timeout=float(os.environ.get("WORKER_TIMEOUT", "60")))
    rank, world = dist.get_rank(), dist.get_world_size()
    x, y = data(steps, world)
    if mode == "mismatch" and rank == 1:
        inner = build(hidden=HIDDEN + 1)
    elif mode == "seed" and rank == 1:
        inner = build(seed=1)
    else:
        inner = build()
    device = "cuda" if mode == "gpu" else "cpu"
    model = dist.DistributedDataParallel(inner.to(device))
    opt = make_optimizer(optimizer, model.parameters())
    first = 0
    checkpoint = out + ".ckpt"
    if mode == "resume" and os.path.exists(checkpoint):
        first = rg.load_checkpoint(checkpoint, model=model, optimizer=opt).epoch
    last = 10 if mode == "resume" and first == 0 else steps
    run = train(
        model,
        opt,
        x,
        y,
        range(first, last),
        BATCH,
        compiled == "compiled",
        die_at=5 if mode in ("kill", "hang") else None,
        device=device,
    )
    if mode == "resume" and last < steps:
        if rank == 0:
            rg.save_checkpoint(checkpoint, model=model, optimizer=opt, epoch=last)
        dist.barrier()
        return
    if rank == 0:
        captured = np.array(getattr(run, "captured", False))
        arrays = [p.detach().cpu().numpy() for p in model.module.parameters()]
        np.savez(out, *arrays, captured=captured)


if __name__ == "__main__":
    main()
