"""Every writer goes through one safe-output routine: only regular files are replaced, links are
written through, inputs are never outputs, `overwrite=False` holds at the final rename, debris of
killed writers is removed, and the bytes are deterministic."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pytest
from io_testing import mlp, params_equal

import retrograd as rg
from retrograd.io import ModelFileError, atomic, load, save, save_checkpoint, save_state_dict
from retrograd.io.atomic import atomic_write, remove_stale_temporaries, temporary_name
from retrograd.io.output import OutputFileError, check_output, describe_file_type

SRC = Path(__file__).resolve().parents[2] / "src"
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and pids are POSIX")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return env


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


# ----------------------------------------------------------------- special files are refused
@posix_only
def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path: Path) -> None:
    pipe = _fifo(tmp_path / "pipe")
    with pytest.raises(OutputFileError, match=r"pipe is a named pipe \(FIFO\), not a regular"):
        save(mlp(), pipe)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe"]  # no temporary left behind


@posix_only
def test_a_character_device_is_refused_and_stays_a_device(tmp_path: Path) -> None:
    node = tmp_path / "null"
    try:  # a copy of /dev/null's device numbers, made in the test's own folder
        os.mknod(node, stat.S_IFCHR | 0o666, os.stat(os.devnull).st_rdev)
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here (needs root)")
    with pytest.raises(OutputFileError, match=r"null is a character device, not a regular file"):
        save_state_dict(mlp(), node)
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_the_type_of_the_null_device_is_named() -> None:
    assert describe_file_type(os.stat(os.devnull).st_mode) == "a character device"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    folder.mkdir()
    with pytest.raises(OutputFileError, match=r"models is a directory, not a regular file"):
        save_checkpoint(folder, model=mlp(), epoch=1)
    assert folder.is_dir() and list(folder.iterdir()) == []


@posix_only
def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        try:
            server.bind(str(path))
        except OSError:
            pytest.skip("cannot bind a unix socket here")
        with pytest.raises(OutputFileError, match="is a socket"):
            atomic_write(path, b"x")
        assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_an_empty_path_is_refused() -> None:
    with pytest.raises(OutputFileError, match="path is empty"):
        atomic_write("", b"x")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match="the folder .*nope does not exist"):
        save(mlp(), tmp_path / "nope" / "m.safetensors")


def test_output_errors_are_model_file_errors_and_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError) as caught:
        check_output(tmp_path)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, rg.RetrogradError)
    assert caught.value.reason == "special"


# ------------------------------------------------------------------------- symbolic links
@posix_only
def test_a_symlink_is_written_through_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.safetensors"
    save(mlp(seed=1), target)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(target.name)
    save(mlp(seed=2), link)
    assert link.is_symlink() and os.readlink(link) == target.name
    assert params_equal(load(target), mlp(seed=2))
    assert sorted(os.listdir(tmp_path)) == ["latest.safetensors", "real.safetensors"]


@posix_only
def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to("made.bin")
    atomic_write(link, b"data")
    assert link.is_symlink() and (tmp_path / "made.bin").read_bytes() == b"data"


@posix_only
def test_a_symlink_to_a_fifo_is_refused(tmp_path: Path) -> None:
    _fifo(tmp_path / "pipe")
    link = tmp_path / "link"
    link.symlink_to("pipe")
    with pytest.raises(OutputFileError, match=r"a link to .*pipe\) is a named pipe"):
        atomic_write(link, b"x")
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(link).st_mode)


@posix_only
def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OutputFileError, match="symbolic link loop"):
        atomic_write(tmp_path / "a", b"x")


# ------------------------------------------------------------------------ inputs, no-clobber
def test_an_output_that_is_an_input_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(OutputFileError, match="is the same file as the input") as caught:
        atomic_write(data, b"not data", inputs=[data])
    assert caught.value.reason == "same-as-input"
    assert data.read_text(encoding="utf-8") == "a,b\n1,2\n"


@posix_only
def test_an_input_reached_through_a_hard_link_or_symlink_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("keep", encoding="utf-8")
    os.link(data, tmp_path / "hard.csv")
    (tmp_path / "soft.csv").symlink_to("data.csv")
    for alias in ("hard.csv", "soft.csv"):
        with pytest.raises(OutputFileError, match="same file as the input"):
            atomic_write(tmp_path / alias, b"x", inputs=[data])
    assert data.read_text(encoding="utf-8") == "keep"


def test_overwrite_false_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "m.safetensors"
    target.write_bytes(b"someone else's file")
    with pytest.raises(OutputFileError, match="already exists") as caught:
        save(mlp(), target, overwrite=False)
    assert caught.value.reason == "exists"
    assert target.read_bytes() == b"someone else's file"


def test_overwrite_false_holds_for_a_file_created_during_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check before the work is not enough: the final step itself refuses to clobber."""
    target = tmp_path / "m.safetensors"
    real = atomic._write_chunks

    def write_while_someone_creates_the_target(handle: BinaryIO, data: bytes) -> None:
        target.write_bytes(b"created meanwhile")
        real(handle, data)

    monkeypatch.setattr(atomic, "_write_chunks", write_while_someone_creates_the_target)
    with pytest.raises(OutputFileError, match="already exists"):
        save(mlp(), target, overwrite=False)
    assert target.read_bytes() == b"created meanwhile"
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


def test_overwrite_false_writes_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "m.safetensors"
    save(mlp(seed=3), target, overwrite=False)
    assert params_equal(load(target), mlp(seed=3))
    assert sorted(os.listdir(tmp_path)) == ["m.safetensors"]


# ------------------------------------------------------------------ non-finite weights
def test_non_finite_weights_never_replace_a_file(tmp_path: Path) -> None:
    target = tmp_path / "m.safetensors"
    good = mlp(seed=1)
    save(good, target)
    before = target.read_bytes()
    ruined = mlp(seed=1)
    ruined[0].weight.array[0, 0] = np.nan
    for write in (
        lambda: save(ruined, target),
        lambda: save_state_dict(ruined, target),
        lambda: save_checkpoint(target, model=ruined, epoch=3),
    ):
        with pytest.raises(ModelFileError, match=r"tensor '(model\.)?0\.weight' holds NaN"):
            write()
        assert target.read_bytes() == before
    save(ruined, tmp_path / "debug.safetensors", allow_non_finite=True)  # on request only
    assert np.isnan(load(tmp_path / "debug.safetensors")[0].weight.array[0, 0])


# ------------------------------------------------------------- debris of killed writers
_KILLED_WRITER = """
import os, signal, sys
from retrograd.io import atomic

def write_half_then_die(handle, data):
    handle.write(data[: len(data) // 2])
    handle.flush()
    os.kill(os.getpid(), signal.SIGKILL)

atomic._write_chunks = write_half_then_die
atomic.atomic_write(sys.argv[1], b"x" * 100_000)
"""


@posix_only
def test_the_next_write_removes_temporaries_of_killed_writers(tmp_path: Path) -> None:
    target = tmp_path / "ckpt.safetensors"
    save_checkpoint(target, model=mlp(), epoch=1)
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", _KILLED_WRITER, str(target)], env=_env(), timeout=120
        )
        assert done.returncode == -signal.SIGKILL
    debris = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    # SIGKILL runs no handler, so each writer leaves its temporary; each next writer removed
    # the one before it, and only the last killed writer's is left
    assert len(debris) == 1
    save_checkpoint(target, model=mlp(), epoch=2)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.safetensors"]
    assert rg.load_checkpoint(target, model=mlp()).epoch == 2


@posix_only
def test_temporaries_of_live_writers_and_of_other_files_are_kept(tmp_path: Path) -> None:
    target = str(tmp_path / "m.bin")
    mine = temporary_name(target)  # this process: alive
    parent = temporary_name(target, pid=os.getppid())  # alive too
    other = temporary_name(str(tmp_path / "other.bin"), pid=_dead_pid())
    for path in (mine, parent, other):
        Path(path).write_bytes(b"partial")
    assert remove_stale_temporaries(target) == []
    assert all(os.path.exists(path) for path in (mine, parent, other))


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], text=True,
                          capture_output=True, check=True)  # fmt: skip
    return int(done.stdout)


# --------------------------------------------------------------------------- same bytes
_SAVE_TWICE = """
import sys
import retrograd as rg
from retrograd import nn
rg.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
rg.save(model, sys.argv[1], preprocessing={"b": 1, "a": [1.5]}, metadata={"z": 1, "y": "x"})
rg.save_checkpoint(sys.argv[2], model=model, epoch=1, extra={"q": 1, "p": 2})
"""


def test_the_same_model_gives_the_same_bytes_in_every_process(tmp_path: Path) -> None:
    outputs = []
    for run in range(3):  # each process has its own hash seed: no ordering may depend on it
        model_path, checkpoint_path = tmp_path / f"m{run}", tmp_path / f"c{run}"
        subprocess.run(
            [sys.executable, "-c", _SAVE_TWICE, str(model_path), str(checkpoint_path)],
            env={**_env(), "PYTHONHASHSEED": str(run)},
            check=True,
            timeout=120,
        )
        outputs.append((model_path.read_bytes(), checkpoint_path.read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]


def test_written_files_are_what_the_safetensors_package_writes(tmp_path: Path) -> None:
    from safetensors import numpy as safetensors_numpy

    from retrograd.io.safetensors_file import serialize

    arrays = {
        "b": np.arange(6, dtype=np.float32).reshape(2, 3),
        "a": np.ones(2, np.float64),
        "n": np.array(3, np.int64),
        "e": np.zeros((0, 4), np.float16),
        "m": np.array([True, False]),
    }
    assert serialize(arrays, {"k": "v"}) == safetensors_numpy.save(arrays, metadata={"k": "v"})
    loaded = safetensors_numpy.load(serialize(arrays, {"z": "1", "a": "2"}))
    assert all(np.array_equal(loaded[key], value) for key, value in arrays.items())
