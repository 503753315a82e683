"""The training-workflow examples run, in a short form, and do what they say."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from matplotlib.image import imread

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "name", ["seed_network", "xor_decision_boundary", "digits_mlp", "regression"]
)
def test_listed_in_the_readme(name: str) -> None:
    assert f"`{name}.py`" in (EXAMPLES / "README.md").read_text(encoding="utf-8")


def test_seed_network(capsys: pytest.CaptureFixture[str]) -> None:
    worst = load("seed_network").main()  # the full run is quick
    assert set(worst) == {"seed", "and", "or", "xor"}
    assert max(worst.values()) < 0.1
    out = capsys.readouterr().out
    assert "seed: input -> target, prediction" in out
    assert "  [0, 1, 1] -> 1, " in out


def test_xor_decision_boundary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "xor.png"
    accuracy = load("xor_decision_boundary").main(epochs=60, out=str(out), n_per_corner=20)
    assert accuracy >= 0.95
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert imread(out).shape[:2] == (500, 600)
    assert f"decision boundary saved to {out}" in capsys.readouterr().out


def test_digits_mlp_short(capsys: pytest.CaptureFixture[str]) -> None:
    result = load("digits_mlp").main(epochs=4, compare=False)
    assert result["accuracy"] >= 0.90
    assert "test accuracy" in capsys.readouterr().out


def test_digits_sklearn_comparison_runs(capsys: pytest.CaptureFixture[str]) -> None:
    example = load("digits_mlp")
    X_train, X_test, y_train, y_test = example.load_split(0)
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    accuracy, seconds = example.train_sklearn(X_train, y_train, X_test, y_test, 3, 0)
    assert 0.5 <= accuracy <= 1.0 and seconds > 0


def test_regression_short(capsys: pytest.CaptureFixture[str]) -> None:
    r2 = load("regression").main(epochs=40, n_samples=800)
    assert r2 >= 0.8
    assert "test R² " in capsys.readouterr().out
