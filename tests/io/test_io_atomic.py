"""Writes are atomic: a failure mid-write leaves the previous file intact and no debris."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pytest
from io_testing import mlp, params_equal

from retrograd.io import atomic, load, save, save_checkpoint
from retrograd.io.atomic import atomic_write


def _only(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_atomic_write_replaces_the_file(tmp_path: Path) -> None:
    target = tmp_path / "f.bin"
    atomic_write(target, b"old")
    atomic_write(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert _only(tmp_path) == ["f.bin"]


def test_failure_mid_write_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.safetensors"
    original = mlp(seed=1)
    save(original, target)
    before = target.read_bytes()

    def write_half_then_crash(handle: BinaryIO, data: bytes) -> None:
        handle.write(data[: len(data) // 2])
        raise OSError("No space left on device")

    monkeypatch.setattr(atomic, "_write_chunks", write_half_then_crash)
    with pytest.raises(OSError, match="No space left"):
        save(mlp(seed=2), target)
    assert target.read_bytes() == before
    assert _only(tmp_path) == ["model.safetensors"]  # the partial temporary file is gone
    assert params_equal(load(target), original)


def test_failure_before_the_rename_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ckpt.safetensors"
    target.write_bytes(b"previous checkpoint")

    def failing_fsync(descriptor: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="I/O error"):
        save_checkpoint(target, model=mlp(), epoch=1)
    assert target.read_bytes() == b"previous checkpoint"
    assert _only(tmp_path) == ["ckpt.safetensors"]


def test_interrupt_mid_write_keeps_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.bin"
    target.write_bytes(b"keep me")

    def interrupted(handle: BinaryIO, data: bytes) -> None:
        handle.write(data[:3])
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic, "_write_chunks", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"replacement")
    assert target.read_bytes() == b"keep me"
    assert _only(tmp_path) == ["f.bin"]


def test_large_writes_go_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_CHUNK", 7)
    data = bytes(range(256)) * 3
    atomic_write(tmp_path / "f.bin", data)
    assert (tmp_path / "f.bin").read_bytes() == data
