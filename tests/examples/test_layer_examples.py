"""The layer examples (a CNN on digits, a character LSTM) run, in a short form, and learn."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def one_blas_thread() -> Iterator[None]:
    """Small matrix products with several BLAS threads crawl on a machine whose cores are busy
    (a short run took minutes instead of seconds); one thread is fastest at these sizes anyway."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_digits_cnn_short(capsys: pytest.CaptureFixture[str]) -> None:
    result = load("digits_cnn").main(epochs=2)
    assert result["test_accuracy"] >= 0.90
    # about a second of arithmetic; the bound leaves room for a busy machine
    assert 0 < result["seconds"] < 60
    assert "digits CNN: test accuracy" in capsys.readouterr().out


def test_digits_cnn_split_is_stratified_and_fixed() -> None:
    example = load("digits_cnn")
    X_train, X_test, y_train, y_test = example.load_split()
    assert X_train.shape == (1347, 1, 8, 8) and X_test.shape == (450, 1, 8, 8)
    assert X_train.dtype == np.float32 and 0.0 <= X_train.min() and X_train.max() <= 1.0
    # every digit gets a quarter of its images in the test set, give or take one
    counts = np.bincount(y_test, minlength=10) / np.bincount(np.r_[y_train, y_test])
    assert np.all(np.abs(counts - 0.25) < 0.01)
    np.testing.assert_array_equal(example.load_split()[3], y_test)


def test_digits_cnn_output_shape() -> None:
    import retrograd as rg

    model = load("digits_cnn").make_model()
    assert model(rg.zeros(5, 1, 8, 8)).shape == (5, 10)


def test_char_lm_short() -> None:
    example = load("char_lm")
    result = example.main(steps=30, sample_length=50, verbose=False)
    losses = result["losses"]
    assert len(losses) == 30 and all(np.isfinite(losses))
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5
    _, vocab = example.load_text()
    assert losses[0] == pytest.approx(np.log(len(vocab)), abs=0.3)  # a near-uniform start
    sample = result["sample"]
    assert isinstance(sample, str) and len(sample) == 50
    assert set(sample) <= set(vocab)


def test_char_lm_sampling_is_seeded() -> None:
    example = load("char_lm")
    first = example.main(steps=2, sample_length=20, verbose=False)
    second = example.main(steps=2, sample_length=20, verbose=False)
    assert first["sample"] == second["sample"]
    assert first["losses"] == second["losses"]


def test_char_lm_windows_are_shifted_by_one() -> None:
    example = load("char_lm")
    ids = np.arange(100)
    inputs, targets = example.random_windows(ids, 4, 10, np.random.default_rng(0))
    assert inputs.shape == targets.shape == (4, 10)
    np.testing.assert_array_equal(targets, inputs + 1)


def test_text_is_small_plain_and_documented() -> None:
    data = EXAMPLES / "data"
    raw = (data / "alice.txt").read_bytes()
    assert len(raw) <= 40_000 and raw.isascii()
    assert "public domain" in (data / "README.md").read_text(encoding="utf-8")
