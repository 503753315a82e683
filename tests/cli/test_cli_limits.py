"""Where one clear line is promised there is no traceback: numeric options have bounds, a
network too big for memory is refused before it is built, running out of memory names the size,
and Ctrl-C while the command loads ends with status 130."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from retrograd.cli import common, main
from retrograd.cli import train as train_command

from .csv_files import binary_rows, write_csv

Capture = pytest.CaptureFixture[str]
SRC = Path(__file__).resolve().parents[2] / "src"


def one_line(args: list[str], capsys: Capture, status: int) -> str:
    assert main(args) == status
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err.strip()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "d.csv", ["a", "b", "label"], binary_rows(20))


def train_args(data: Path, *extra: str) -> list[str]:
    out = data.with_name("m.safetensors")
    return ["train", str(data), "--target", "label", "--out", str(out), "--quiet", *extra]


@pytest.fixture
def never_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test instead of allocating a huge network."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the network was built: the size check came too late")

    monkeypatch.setattr(train_command, "build_model", refuse)


def test_a_network_too_big_for_memory_is_refused_before_it_is_built(
    data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch, never_build: None
) -> None:
    monkeypatch.setattr(common, "_memory_bytes", lambda: 16 * 2**30, raising=False)  # 16 GiB
    message = one_line(train_args(data, "--hidden", "100000,100000"), capsys, 1)
    assert message == (
        "error: the network 2-100000-100000-1 has 10,000,500,001 parameters: training it needs "
        "about 149.0 GiB of memory, more than this machine's 16.0 GiB; give smaller --hidden "
        "widths"
    )
    assert not data.with_name("m.safetensors").exists()


def test_an_absurd_width_is_a_usage_error(data: Path, capsys: Capture, never_build: None) -> None:
    message = one_line(train_args(data, "--hidden", "99999999999999999999"), capsys, 2)
    assert message == (
        "retrograd train: error: argument --hidden: every layer width must be at most "
        "1,000,000, got '99999999999999999999' (see 'retrograd train --help')"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo", "--epochs", str(10**23)],
         "argument --epochs: must be at most 1,000,000, got 100000000000000000000000"),
        (["demo", "--hidden", "10000000"],
         "argument --hidden: must be at most 100,000, got 10000000"),
        (["demo", "--layers", "0"], "argument --layers: must be at least 1, got 0"),
        (["demo", "--epochs", "1" * 5000], "argument --epochs: expected a whole number, got "
         "'111111111111...111111111111 (5000 characters)'"),
    ],
)  # fmt: skip
def test_numeric_options_have_bounds(args: list[str], expected: str, capsys: Capture) -> None:
    message = one_line(args, capsys, 2)
    assert message == f"retrograd demo: error: {expected} (see 'retrograd demo --help')"


def test_train_epochs_and_batch_size_have_bounds(data: Path, capsys: Capture) -> None:
    message = one_line(train_args(data, "--epochs", str(10**23)), capsys, 2)
    assert "argument --epochs: must be at most 1,000,000" in message
    message = one_line(train_args(data, "--batch-size", str(2**70)), capsys, 2)
    assert "argument --batch-size: must be at most 2,147,483,647" in message


def test_running_out_of_memory_is_one_line_naming_the_size(
    data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("Unable to allocate 37.3 GiB for an array with shape (100000, 100000)")

    monkeypatch.setattr(train_command, "fit", out_of_memory)
    message = one_line(train_args(data, "--hidden", "64"), capsys, 1)
    assert message == (
        "error: out of memory training the network 2-64-1 on 20 rows; give smaller --hidden "
        "widths or a smaller --batch-size"
    )


def test_any_command_running_out_of_memory_is_one_line(
    capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrograd.cli import demo

    def out_of_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("Unable to allocate 8.0 GiB for an array with shape (2, 2**30)")

    monkeypatch.setattr(demo, "train_network", out_of_memory)
    assert one_line(["demo"], capsys, 1) == (
        "error: out of memory: Unable to allocate 8.0 GiB for an array with shape (2, 2**30)"
    )


# ------------------------------------------------------------ Ctrl-C while the CLI loads
_INTERRUPT_DURING_IMPORT = """
import importlib.abc, runpy, sys

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "retrograd.cli.train":
            raise KeyboardInterrupt
        return None

import retrograd  # the package itself; the command's modules load after it
sys.meta_path.insert(0, CtrlC())
sys.argv = ["retrograd", "demo"]
runpy.run_module("retrograd", run_name="__main__", alter_sys=True)
"""


def test_ctrl_c_while_the_command_loads_is_status_130_without_traceback() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", _INTERRUPT_DURING_IMPORT], capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip
    assert done.stderr == "interrupted\n"
    assert done.returncode == 130


_INTERRUPT_DURING_PACKAGE_IMPORT = """
import importlib.abc, sys

class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":  # the first thing `import retrograd` loads
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["retrograd", "--version"]
from _retrograd_entry import main  # what the console script runs
raise SystemExit(main())
"""


def test_ctrl_c_while_the_package_itself_loads_is_status_130_without_traceback() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, "-c", _INTERRUPT_DURING_PACKAGE_IMPORT],
                          capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert done.stderr == "interrupted\n"
    assert done.returncode == 130


def test_the_console_script_loads_the_command_inside_its_guard() -> None:
    import tomllib

    pyproject = tomllib.loads((SRC.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["retrograd"] == "_retrograd_entry:main"
    assert "_retrograd_entry" in pyproject["tool"]["setuptools"]["py-modules"]
