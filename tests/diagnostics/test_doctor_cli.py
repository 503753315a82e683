"""`retrograd demo --doctor`: the report on the demo's networks, as text and as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from retrograd.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"


def test_healthy_demo_prints_clean_reports(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--doctor"]) == 0
    out = capsys.readouterr().out
    assert "== seed data, hidden layer: sigmoid (3-8-1, adam lr=0.05, seed 0) ==" in out
    assert "== seed data, hidden layer: relu (3-8-1, adam lr=0.05, seed 0) ==" in out
    assert out.count("0 errors, 0 warnings") == 2
    assert "predicted" not in out  # nothing was trained


def test_buggy_loss_doctor_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["demo", "--loss", "buggy-mse", "--doctor", "--json", "--activation", "relu"]
    assert main(args) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report["ok"] is False
    mismatch = [f for f in report["findings"] if f["code"] == "gradient-mismatch"]
    assert mismatch[0]["severity"] == "error"
    assert mismatch[0]["evidence"]["culprits"][0]["hint"] == "sign"


def test_json_needs_doctor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 2
    assert "add --doctor" in capsys.readouterr().err


def test_buggy_mse_trains_badly_without_doctor(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--loss", "buggy-mse", "--activation", "relu", "--epochs", "20"]) == 1
    assert "buggy-mse loss" in capsys.readouterr().out


def test_subprocess_buggy_mse_doctor_says_sign_flipped() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "retrograd", "demo", "--loss", "buggy-mse", "--doctor"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stdout.count("  [gradient-mismatch]") == 2  # one report per network
    assert "BuggyMSEFunction" in done.stdout and "sign flipped" in done.stdout
    assert "Traceback" not in done.stderr
