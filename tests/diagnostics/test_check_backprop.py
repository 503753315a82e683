"""`check_backprop` on hand-written NumPy backward passes: the question's network with its sign
bug, a correct pass, and a battery of planted faults, each named; and the CLI command."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import retrograd as rg
from retrograd.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "numpy_backprop.py"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_numpy_backprop", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def forward(params: dict[str, Any], X: Any, y: Any) -> Any:
    a1 = sigmoid(np.dot(X, params["W1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["W2"]) + params["b2"])
    return np.mean((a2 - y) ** 2)


def make_backward(fault: str | None) -> Callable[..., dict[str, np.ndarray]]:
    """The right backward pass of `forward`, or one with `fault` planted."""

    def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        a1 = sigmoid(np.dot(X, params["W1"]) + params["b1"])
        a2 = sigmoid(np.dot(a1, params["W2"]) + params["b2"])
        d_loss = 2 * (a2 - y) / y.size
        if fault == "loss sign":
            d_loss = -d_loss
        if fault == "loss factor 2":
            d_loss = 2 * d_loss
        delta2 = d_loss * a2 * (1 - a2)
        if fault == "output derivative":
            delta2 = d_loss  # the sigmoid's derivative left out
        derivative = a1 * (1 - a1) if fault != "hidden derivative" else a1
        delta1 = np.dot(delta2, params["W2"].T) * derivative
        grads = {
            "W1": np.dot(X.T, delta1),
            "b1": np.sum(delta1, axis=0, keepdims=True),
            "W2": np.dot(a1.T, delta2),
            "b2": np.sum(delta2, axis=0, keepdims=True),
        }
        if fault == "bias not summed":
            grads["b1"] = delta1
        if fault == "bias missing":
            del grads["b2"]
        if fault == "weight transposed":
            grads["W1"] = grads["W1"].T
        if fault == "square weight transposed":
            grads["W2"] = grads["W2"].T
        if fault == "weight sign":
            grads["W2"] = -grads["W2"]
        if fault == "weight factor 2":
            grads["W1"] = 2 * grads["W1"]
        return grads

    return backward


def square_setup() -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """A 3-3-3 network: square weights, so a transposed gradient has the right shape."""
    rng = np.random.default_rng(1)
    params = {
        "W1": rng.standard_normal((3, 3)),
        "b1": rng.standard_normal((1, 3)) * 0.1,
        "W2": rng.standard_normal((3, 3)),
        "b2": rng.standard_normal((1, 3)) * 0.1,
    }
    X = rng.standard_normal((5, 3))
    y = rng.uniform(0, 1, (5, 3))
    return params, X, y


def test_the_questions_network_has_its_output_delta_sign_flipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = _example().main(epochs=50)
    text = capsys.readouterr().out
    assert not report.ok
    assert [c.verdict for c in report.parameters] == ["sign flipped"] * 4
    assert "output-layer delta (the derivative of the loss) has its sign flipped" in text
    assert "loss" in text.splitlines()[0]  # the buggy descent, printed first


def test_the_example_loss_climbs_with_the_bug() -> None:
    losses = _example().train(epochs=100)
    assert losses[-1] > losses[0]


def test_a_correct_backward_pass_is_reported_correct() -> None:
    params, X, y = _example().setup()
    report = rg.check_backprop(forward, make_backward(None), params, X, y)
    assert report.ok and report.autograd_matches_numeric
    assert [c.verdict for c in report.parameters] == ["correct"] * 4
    assert str(report).startswith("check_backprop: all 4 gradients correct")
    assert "matches autograd and finite differences" in report.diagnosis


PLANTED = {
    # fault -> {parameter: verdict}, and words the diagnosis must contain
    "loss sign": ({"W1": "sign flipped", "W2": "sign flipped"}, "has its sign flipped"),
    "loss factor 2": ({"W1": "scaled", "b2": "scaled"}, "scaled by 2"),
    "output derivative": ({"W2": "wrong", "b2": "wrong"}, "output activation"),
    "hidden derivative": (
        {"W1": "wrong", "b1": "wrong", "W2": "correct", "b2": "correct"},
        "derivative of the hidden activation",
    ),
    "bias not summed": ({"b1": "missing a sum over the batch", "W1": "correct"}, "b1"),
    "bias missing": ({"b2": "missing", "W2": "correct"}, "b2"),
    "weight transposed": ({"W1": "transposed", "b1": "correct"}, "W1"),
    "weight sign": ({"W2": "sign flipped", "W1": "correct"}, "W2"),
    "weight factor 2": ({"W1": "scaled", "W2": "correct"}, "W1"),
}


@pytest.mark.parametrize("fault", PLANTED)
def test_planted_faults_are_named(fault: str) -> None:
    expected, words = PLANTED[fault]
    params, X, y = _example().setup()
    report = rg.check_backprop(forward, make_backward(fault), params, X, y)
    assert not report.ok
    for name, verdict in expected.items():
        assert report[name].verdict == verdict, str(report)
    assert words in report.diagnosis, str(report)
    if fault in ("loss factor 2", "weight factor 2"):
        scaled = "W1"
        assert report[scaled].factor == pytest.approx(2.0)
        assert "scaled by 2" in str(report[scaled])


def test_a_transposed_square_weight_gradient_is_named() -> None:
    report = rg.check_backprop(forward, make_backward("square weight transposed"), *square_setup())
    assert report["W2"].verdict == "transposed" and report["W1"].ok
    assert report["W2"].worst_index is not None


def test_worst_element_is_where_yours_is_furthest() -> None:
    params, X, y = _example().setup()
    check = rg.check_backprop(forward, make_backward("weight sign"), params, X, y)["W2"]
    assert check.yours == pytest.approx(-check.autograd)
    assert check.autograd == pytest.approx(check.numeric, rel=1e-5)
    grads = make_backward(None)(params, X, y)["W2"]
    assert check.worst_index == np.unravel_index(np.argmax(np.abs(grads)), grads.shape)


def test_params_are_left_untouched_and_gradients_may_be_named_d_w() -> None:
    params, X, y = _example().setup()
    before = {k: v.copy() for k, v in params.items()}

    def backward(p: dict[str, np.ndarray], X_: np.ndarray, y_: np.ndarray) -> dict[str, Any]:
        return {"d" + k: v for k, v in make_backward(None)(p, X_, y_).items()}

    assert rg.check_backprop(forward, backward, params, X, y).ok
    for name, value in params.items():
        np.testing.assert_array_equal(value, before[name])


def test_forward_that_leaves_the_graph_is_an_error() -> None:
    params, X, y = _example().setup()

    def sorted_forward(p: dict[str, Any], X_: Any, y_: Any) -> Any:
        return np.sum(np.sort(np.dot(X_, p["W1"])))

    with pytest.raises(rg.GraphError, match="np.sort has no gradient rule"):
        rg.check_backprop(sorted_forward, make_backward(None), params, X, y)


def test_cli_names_the_fault_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-backprop", str(EXAMPLE)]) == 1
    out = capsys.readouterr().out
    assert "4 of 4 gradients wrong" in out and "sign flipped" in out


def test_cli_on_a_correct_file_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fixed = EXAMPLE.read_text().replace("2 * (y - a2) / y.size", "2 * (a2 - y) / y.size")
    path = tmp_path / "fixed.py"
    path.write_text(fixed)
    assert main(["check-backprop", str(path)]) == 0
    assert "all 4 gradients correct" in capsys.readouterr().out


def test_cli_file_without_setup_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bare.py"
    path.write_text(
        "def forward(p, x, y):\n    return 0\n\ndef backward(p, x, y):\n    return {}\n"
    )
    assert main(["check-backprop", str(path)]) == 1
    assert "neither setup()" in capsys.readouterr().err
