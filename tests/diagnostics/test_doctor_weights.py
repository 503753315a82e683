"""The doctor on a model whose weights are not finite: that is the root cause it reports, and
the checks that run the model (whose results would then be meaningless) are skipped."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn
from retrograd.cli import main
from retrograd.diagnostics import doctor


def write_binary_csv(path: Path, n: int) -> Path:
    """Features a, b and a 0/1 target y: whether a + b > 0."""
    X = np.random.default_rng(1).normal(size=(n, 2)).round(4)
    lines = ["a,b,y"] + [f"{a},{b},{int(a + b > 0)}" for a, b in X.tolist()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def network() -> nn.Sequential:
    rg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))


def test_nan_weights_are_the_root_cause() -> None:
    model = network()
    model[2].weight.array[0, :3] = np.nan
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (X.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    report = doctor(model, nn.BCEWithLogitsLoss(), X, y, quick=True)
    codes = [finding.code for finding in report.findings]
    assert codes[0] == "weights-nonfinite", codes
    assert "gradient-mismatch" not in codes and "loss-failed" not in codes
    message = report.findings[0].message
    assert (
        "The model's weights are not finite (3 of 33 values, first in layer 2 (Linear)" in message
    )
    assert "gradient-check (the model's weights are not finite)" in report.skipped
    assert "data-finite" in report.checks  # the data is still examined
    assert not report.ok


def test_finite_weights_pass_the_check() -> None:
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (X.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    report = doctor(network(), nn.BCEWithLogitsLoss(), X, y, quick=True)
    assert "weights-finite" in report.checks
    assert "weights-nonfinite" not in report.codes


def test_doctor_command_on_a_model_file_with_nan_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_binary_csv(tmp_path / "data.csv", 60)
    model = tmp_path / "model.safetensors"
    args = ["train", str(data), "--target", "y", "--out", str(model), "--hidden", "4"]
    assert main([*args, "--epochs", "2", "--quiet"]) == 0
    content = bytearray(model.read_bytes())
    length = int.from_bytes(content[:8], "little")
    begin, _ = json.loads(content[8 : 8 + length])["0.weight"]["data_offsets"]
    start = 8 + length + begin
    content[start : start + 4] = np.array([np.nan], np.float32).tobytes()
    model.write_bytes(bytes(content))
    capsys.readouterr()
    assert main(["doctor", str(model), str(data), "--quick"]) == 1
    out = capsys.readouterr().out
    assert "The model's weights are not finite (1 of " in out
    assert "first in layer 0 (Linear): 0.weight has 1 of 8" in out
    assert "bug" not in out
