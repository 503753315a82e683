"""Run under `mpiexec -n N`: `fit(..., distributed=True)` on a small classification problem.

`python fit_worker.py OUT COMPILE SHUFFLE`; rank 0 saves the parameters and the history.
`run(world_batch, distributed, ...)` is the same training, imported by the tests.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

import retrograd as rg
from retrograd import nn, optim

BATCH = 4  # rows per rank per step


def run(
    batch: int, distributed: bool, compile_step: bool, shuffle: bool, out: str | None = None
) -> tuple[list[np.ndarray], dict[str, Any]]:
    rg.set_default_dtype(rg.float64)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 5))
    y = rng.integers(0, 3, size=64)
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    callbacks = [rg.train.ModelCheckpoint(out + ".model.safetensors")] if out else []
    history = rg.fit(
        model,
        nn.CrossEntropyLoss(),
        opt,
        x=x,
        y=y,
        epochs=3,
        batch_size=batch,
        shuffle=shuffle,
        metrics=["accuracy"],
        verbose=0,
        compile=compile_step,
        distributed=distributed,
        callbacks=callbacks,
        generator=np.random.default_rng(5),
    )
    return [p.array.copy() for p in model.parameters()], history.history


def main() -> None:
    out, compiled, shuffle = sys.argv[1], sys.argv[2] == "compiled", sys.argv[3] == "shuffle"
    params, history = run(BATCH, True, compiled, shuffle, out)
    from retrograd import distributed as dist

    if dist.get_rank() == 0:
        np.savez(out, *params)
        with open(out + ".json", "w", encoding="utf-8") as handle:
            json.dump(history, handle)


if __name__ == "__main__":
    main()
