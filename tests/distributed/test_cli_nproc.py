"""`retrograd train --nproc 2`: the same command, data-parallel on 2 ranks through mpiexec."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

import retrograd as rg


def write_csv(path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 4))
    y = x[:, 0] + x[:, 1] > 0
    lines = ["a,b,c,d,y"]
    lines += [
        ",".join(f"{v:.4f}" for v in row) + ("," + ("yes" if t else "no")) for row, t in zip(x, y)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_train_on_two_processes_writes_one_good_model(tmp_path: Path) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "m.safetensors"
    write_csv(data)
    command = [sys.executable, "-m", "retrograd", "train", str(data), "--target", "y"]
    command += ["--out", str(out), "--nproc", "2", "--epochs", "20", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("saved the model to") == 1  # rank 0 alone prints and writes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.safetensors"]
    validation = [line for line in result.stdout.splitlines() if "final validation" in line]
    accuracy = float(validation[0].split("accuracy ")[1].split()[0])
    assert accuracy > 0.9
    model, _ = rg.load_with_info(out)
    assert sum(p.array.size for p in model.parameters()) > 0


def test_nproc_refuses_an_existing_out_before_launching(tmp_path: Path) -> None:
    data, out = tmp_path / "d.csv", tmp_path / "m.safetensors"
    write_csv(data)
    out.write_bytes(b"keep me")
    command = [sys.executable, "-m", "retrograd", "train", str(data), "--target", "y"]
    command += ["--out", str(out), "--nproc", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1
    assert "exists" in result.stderr
    assert out.read_bytes() == b"keep me"
