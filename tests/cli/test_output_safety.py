"""The command line never loses data: outputs are checked before training (special files,
inputs, folders, existing files, the plot dependency), the final write refuses to clobber
without --force, and a diverged network is never saved."""

from __future__ import annotations

import os
import stat
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

import retrograd as rg
from retrograd.cli import main
from retrograd.cli import train as train_command

from .csv_files import binary_rows, write_csv

Capture = pytest.CaptureFixture[str]
posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs and links are POSIX")


def fails_before_training(args: list[str], capsys: Capture, status: int = 1) -> str:
    """Run the command; check it fails with one stderr line and printed nothing (no training)."""
    assert main(args) == status
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert captured.out == "", "the command started working before failing"
    return captured.err.strip()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "d.csv", ["a", "b", "label"], binary_rows(40))


def train_args(data: Path, out: str | Path, *extra: str) -> list[str]:
    return ["train", str(data), "--target", "label", "--out", str(out), "--epochs", "2",
            "--quiet", *extra]  # fmt: skip


@pytest.fixture
def model_file(tmp_path: Path, data: Path, capsys: Capture) -> Path:
    out = tmp_path / "m.safetensors"
    assert main(train_args(data, out)) == 0
    capsys.readouterr()
    return out


# ------------------------------------------------------------------ special files, links
@posix_only
def test_force_never_replaces_a_fifo(tmp_path: Path, data: Path, capsys: Capture) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    message = fails_before_training(train_args(data, pipe, "--force"), capsys)
    assert message == (
        f"error: --out {pipe} is a named pipe (FIFO), not a regular file; refusing to replace it"
    )
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


@posix_only
def test_a_symlinked_out_is_written_through(
    tmp_path: Path, data: Path, model_file: Path, capsys: Capture
) -> None:
    link = tmp_path / "latest.safetensors"
    link.symlink_to(model_file.name)
    before = model_file.read_bytes()
    assert main(train_args(data, link, "--force", "--seed", "3")) == 0
    assert link.is_symlink() and os.readlink(link) == model_file.name
    assert model_file.read_bytes() != before  # the target was replaced, through the link
    rg.load(model_file)


# --------------------------------------------------------------------- inputs as outputs
def test_train_never_writes_over_its_data(data: Path, capsys: Capture) -> None:
    before = data.read_bytes()
    message = fails_before_training(train_args(data, data, "--force"), capsys)
    assert message == (
        f"error: --out {data} is the same file as the input {data}; writing it would destroy "
        "the input: give another output file"
    )
    assert data.read_bytes() == before


@posix_only
def test_train_never_writes_over_its_data_through_links(
    tmp_path: Path, data: Path, capsys: Capture
) -> None:
    before = data.read_bytes()
    (tmp_path / "soft.csv").symlink_to(data.name)
    os.link(data, tmp_path / "hard.csv")
    for alias in ("soft.csv", "hard.csv"):
        message = fails_before_training(train_args(data, tmp_path / alias, "--force"), capsys)
        assert "is the same file as the input" in message
    assert data.read_bytes() == before


def test_predict_never_writes_over_the_model_or_the_data(
    data: Path, model_file: Path, capsys: Capture
) -> None:
    model_bytes, data_bytes = model_file.read_bytes(), data.read_bytes()
    for out in (model_file, data):
        args = ["predict", str(model_file), str(data), "--out", str(out), "--force"]
        assert "is the same file as the input" in fails_before_training(args, capsys)
    assert model_file.read_bytes() == model_bytes and data.read_bytes() == data_bytes


def test_export_never_writes_over_the_model(model_file: Path, capsys: Capture) -> None:
    before = model_file.read_bytes()
    args = ["export", str(model_file), str(model_file), "--force"]
    assert "is the same file as the input" in fails_before_training(args, capsys)
    assert model_file.read_bytes() == before


# ---------------------------------------------------------------- existing files, no-clobber
def test_a_file_created_during_training_is_not_overwritten(
    tmp_path: Path, data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "m.safetensors"
    real_fit = train_command.fit

    def fit_while_someone_writes_out(*args: Any, **kwargs: Any) -> Any:
        out.write_text("someone else's work", encoding="utf-8")
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(train_command, "fit", fit_while_someone_writes_out)
    assert main(train_args(data, out)) == 1
    err = capsys.readouterr().err
    assert err == f"error: {out} already exists; pass --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "someone else's work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.safetensors"]


def test_predict_out_created_meanwhile_is_not_overwritten(
    tmp_path: Path, data: Path, model_file: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from retrograd.cli import predict as predict_command

    out = tmp_path / "p.csv"
    real = predict_command.feature_matrix

    def features_while_someone_writes_out(*args: Any) -> Any:
        out.write_text("keep", encoding="utf-8")
        return real(*args)

    monkeypatch.setattr(predict_command, "feature_matrix", features_while_someone_writes_out)
    assert main(["predict", str(model_file), str(data), "--out", str(out)]) == 1
    assert capsys.readouterr().err == f"error: {out} already exists; pass --force to overwrite it\n"
    assert out.read_text(encoding="utf-8") == "keep"


# --------------------------------------------------------- writability before the work
def test_an_empty_out_fails_before_training(data: Path, capsys: Capture) -> None:
    message = fails_before_training(train_args(data, ""), capsys)
    assert message == "error: the --out path is empty; give a file name"


def test_a_read_only_folder_fails_before_training(
    tmp_path: Path, data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    real_access = os.access

    def read_only(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if os.fspath(path) == str(folder) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", read_only)
    message = fails_before_training(train_args(data, folder / "m.safetensors"), capsys)
    assert message == (
        f"error: --out {folder / 'm.safetensors'}: the folder {folder} is not writable "
        "(read-only or no permission)"
    )


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_a_chmod_read_only_folder_fails_before_training(
    tmp_path: Path, data: Path, capsys: Capture
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        message = fails_before_training(train_args(data, folder / "m.safetensors"), capsys)
    finally:
        folder.chmod(0o755)
    assert "is not writable" in message


def test_a_missing_plot_dependency_fails_before_training(
    tmp_path: Path, data: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    out = tmp_path / "m.safetensors"
    message = fails_before_training(
        train_args(data, out, "--plot", str(tmp_path / "c.png")), capsys
    )
    assert message == (
        "error: retrograd train --plot needs matplotlib, which is not installed; install it "
        "with pip install 'retrograd[plot]'"
    )
    assert not out.exists()


# ------------------------------------------------------------------------- divergence
def test_a_diverged_network_is_never_saved(tmp_path: Path, data: Path, capsys: Capture) -> None:
    out = tmp_path / "m.safetensors"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one clear line, no NumPy overflow warnings
        assert main(train_args(data, out, "--lr", "1e30")) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: training diverged (") and err.count("\n") == 1
    assert err.rstrip().endswith(f"nothing was written to {out}; try a lower --lr than 1e+30")
    assert not out.exists()


def test_a_diverged_network_leaves_the_previous_model_alone(
    data: Path, model_file: Path, capsys: Capture
) -> None:
    before = model_file.read_bytes()
    assert main(train_args(data, model_file, "--force", "--lr", "1e30")) == 1
    assert "training diverged" in capsys.readouterr().err
    assert model_file.read_bytes() == before


# ---------------------------------------------------------------------- same bytes
def test_the_same_seed_gives_the_same_model_file(
    tmp_path: Path, data: Path, capsys: Capture
) -> None:
    first, second = tmp_path / "1.safetensors", tmp_path / "2.safetensors"
    assert main(train_args(data, first)) == 0
    assert main(train_args(data, second)) == 0
    assert first.read_bytes() == second.read_bytes()
