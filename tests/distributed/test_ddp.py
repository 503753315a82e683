"""Data parallelism on 2 local ranks (`mpiexec -n 2`): equal to one process with the double batch,
and a dead, silent or different rank stops the job with a clear error instead of a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import worker  # noqa: E402


def mpiexec() -> str:
    """The launcher installed beside this Python (the mpich wheel), else the system's."""
    local = Path(sys.executable).parent / "mpiexec"
    if local.exists():
        return str(local)
    import shutil

    found = shutil.which("mpiexec")
    assert found, "mpiexec not found: install the test extra (mpi4py and the mpich wheel)"
    return found


def launch(
    tmp_path: Path,
    mode: str,
    optimizer: str = "sgd",
    compiled: str = "eager",
    flags: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path / f"{mode}-{optimizer}-{compiled}.npz"
    command = [mpiexec(), *flags, "-n", "2", sys.executable, str(HERE / "worker.py")]
    command += [mode, optimizer, compiled, str(out)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "default", **(env or {})},
        cwd=tmp_path,
    )
    return result, out


def params_of(out: Path) -> tuple[list[np.ndarray], bool]:
    with np.load(out) as saved:
        names = sorted((k for k in saved.files if k.startswith("arr_")), key=lambda k: int(k[4:]))
        return [saved[k] for k in names], bool(saved["captured"])


@pytest.mark.parametrize("compiled", ["eager", "compiled"])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_two_ranks_equal_one_rank_with_the_double_batch(
    tmp_path: Path, optimizer: str, compiled: str
) -> None:
    result, out = launch(tmp_path, "train", optimizer, compiled)
    assert result.returncode == 0, result.stderr
    assert "runs eagerly" not in result.stderr, result.stderr
    got, captured = params_of(out)
    assert captured == (compiled == "compiled")
    expected = worker.reference(optimizer, 20, 2)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    # and the run really trained: 20 steps moved the weights
    assert max(np.abs(a - b).max() for a, b in zip(got, _initial(), strict=True)) > 1e-3


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_gpu_model_on_two_ranks_equals_one_rank_with_the_double_batch(
    tmp_path: Path, optimizer: str
) -> None:
    """The model on the (emulated) GPU: its gradient buckets cross to the host for MPI and back,
    and the parameters still equal one CPU process with the double batch."""
    result, out = launch(tmp_path, "gpu", optimizer)
    assert result.returncode == 0, result.stderr
    got, _ = params_of(out)
    expected = worker.reference(optimizer, 20, 2)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


def _initial() -> list[np.ndarray]:
    import retrograd as rg

    rg.set_default_dtype(rg.float64)
    return [p.array.copy() for p in worker.build().parameters()]


def test_a_rank_that_dies_stops_the_others_with_a_clear_error(tmp_path: Path) -> None:
    # with auto-cleanup off, MPICH tells the survivors (SIGUSR1): they say why and stop
    result, _ = launch(tmp_path, "kill", flags=("-disable-auto-cleanup",), timeout=60)
    assert result.returncode != 0
    assert "another rank of this job died" in result.stderr, result.stderr


def test_a_rank_that_dies_ends_the_job_by_default(tmp_path: Path) -> None:
    result, out = launch(tmp_path, "kill", timeout=60)  # no hang: the launcher ends every rank
    assert result.returncode != 0
    assert not out.exists()


def test_a_silent_rank_makes_the_others_time_out(tmp_path: Path) -> None:
    env = {"WORKER_TIMEOUT": "2", "WORKER_HANG": "60"}
    result, _ = launch(tmp_path, "hang", env=env, timeout=50)
    assert result.returncode != 0
    assert "waited more than 2 s for the other ranks" in result.stderr, result.stderr


def test_ranks_with_different_models_are_refused_at_start(tmp_path: Path) -> None:
    result, out = launch(tmp_path, "mismatch", timeout=60)
    assert result.returncode != 0
    assert "hold different models" in result.stderr
    assert "[16, 5] on rank 0 and float64 [17, 5]" in result.stderr
    assert not out.exists()


def test_ranks_with_different_seeds_are_reported_and_start_from_rank_0(tmp_path: Path) -> None:
    result, out = launch(tmp_path, "seed")
    assert result.returncode == 0, result.stderr
    assert "ranks [1] start from different weights than rank 0" in result.stderr
    got, _ = params_of(out)
    for mine, theirs in zip(got, worker.reference("sgd", 20, 2), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resuming_from_the_rank_0_checkpoint_equals_an_uninterrupted_run(
    tmp_path: Path, optimizer: str
) -> None:
    first, out = launch(tmp_path, "resume", optimizer)
    assert first.returncode == 0, first.stderr
    assert not out.exists() and Path(str(out) + ".ckpt").exists()
    second, out = launch(tmp_path, "resume", optimizer)
    assert second.returncode == 0, second.stderr
    got, _ = params_of(out)
    for mine, theirs in zip(got, worker.reference(optimizer, 20, 2), strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("compiled", ["eager", "compiled"])
def test_fit_on_two_ranks_equals_fit_with_the_double_batch(tmp_path: Path, compiled: str) -> None:
    import json

    import fit_worker

    out = tmp_path / "fit.npz"
    command = [mpiexec(), "-n", "2", sys.executable, str(HERE / "fit_worker.py"), str(out)]
    result = subprocess.run(
        [*command, compiled, "in-order"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    expected, history = fit_worker.run(2 * fit_worker.BATCH, False, compiled == "compiled", False)
    got, _ = params_of_arrays(out)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    logged = json.loads((tmp_path / "fit.npz.json").read_text())
    for key in ("loss", "accuracy"):  # the logs cover both ranks' samples
        np.testing.assert_allclose(logged[key], history[key], rtol=1e-12)
    # the checkpoint is written by rank 0 alone: one file, no temporaries of a second writer
    written = sorted(p.name for p in tmp_path.iterdir() if "model" in p.name)
    assert written == ["fit.npz.model.safetensors"]


def params_of_arrays(out: Path) -> tuple[list[np.ndarray], None]:
    with np.load(out) as saved:
        names = sorted(saved.files, key=lambda k: int(k[4:]))
        return [saved[k] for k in names], None


_GATHER = """
import numpy as np
import retrograd as rg
from retrograd import distributed as dist

dist.init(timeout=60)
rank = dist.get_rank()
values = [None] * dist.get_world_size()
dist.all_gather_object(values, {"rank": rank, "arr": np.arange(3) * rank, "t": (1, "x", None)})
if rank == 0:
    assert [v["rank"] for v in values] == [0, 1]
    assert values[1]["t"] == (1, "x", None)
    np.testing.assert_array_equal(values[1]["arr"], [0, 1, 2])
try:
    dist.all_gather_object(values, {"fn": print})
except dist.DistributedError as error:
    if rank == 0:
        print("refused:", error)
"""


def test_all_gather_object_sends_json_never_a_pickle(tmp_path: Path) -> None:
    script = tmp_path / "gather.py"
    script.write_text(_GATHER, encoding="utf-8")
    command = [mpiexec(), "-n", "2", sys.executable, str(script)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "refused: all_gather_object: cannot store obj.fn: a builtin_function_or_method" in (
        result.stdout
    )


def test_cuda_aware_mpi_is_detected_or_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """GPU arrays go to MPI directly only with CUDA-aware MPI: the mpich wheel is not (its
    library has no MPIX_Query_cuda_support), and the environment variable decides either way."""
    from retrograd.distributed import comm

    monkeypatch.delenv("RETROGRAD_MPI_CUDA_AWARE", raising=False)
    assert comm.cuda_aware() is False
    monkeypatch.setenv("RETROGRAD_MPI_CUDA_AWARE", "1")
    assert comm.cuda_aware() is True
    monkeypatch.setenv("RETROGRAD_MPI_CUDA_AWARE", "0")
    assert comm.cuda_aware() is False
