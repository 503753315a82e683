"""The command runs as `python -m retrograd` and as the installed `retrograd` script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import retrograd

SRC = Path(__file__).resolve().parents[2] / "src"


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_python_m_retrograd_version() -> None:
    done = run([sys.executable, "-m", "retrograd", "--version"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"retrograd {retrograd.__version__}\n"


def test_python_m_retrograd_bad_value() -> None:
    done = run([sys.executable, "-m", "retrograd", "demo", "--lr", "-1"])
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("retrograd demo: error: argument --lr:")
    assert done.stderr.count("\n") == 1


def test_console_script_demo() -> None:
    script = Path(sys.executable).with_name("retrograd.exe" if os.name == "nt" else "retrograd")
    if not script.exists():
        pytest.skip("the retrograd console script is not installed (pip install -e .)")
    done = run([str(script), "demo", "--dataset", "xor"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("== XOR gate, hidden layer: ") == 2
    assert done.stdout.count("all 4 predictions within 0.1 of their targets: yes") == 2
    assert "Traceback" not in done.stderr
