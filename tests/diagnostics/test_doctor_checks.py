"""Each doctor check finds the fault planted for it, with its code and severity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.autograd.context import Context
from retrograd.diagnostics import BuggyMSELoss, DoctorReport, doctor

from .doctor_cases import digits, digits_case, seed_case


def severities(report: DoctorReport, code: str) -> list[str]:
    return [f.severity for f in report.get(code)]


def one(report: DoctorReport, code: str, severity: str) -> Any:
    """The finding `code` of `severity`, as a root cause or (with that severity alone) as a
    consequence of another finding."""
    found = [
        f
        for f in report.get(code)
        if f.severity == severity or f.evidence.get("severity_alone") == severity
    ]
    assert found, f"no {code} ({severity}) in {[(f.code, f.severity) for f in report.findings]}"
    return found[0]


# ---------------------------------------------------------------------------- gradients
def test_sign_flipped_loss_backward_is_named() -> None:
    model, _, X, y, opt = seed_case()
    report = doctor(model, BuggyMSELoss(), X, y, opt)
    finding = one(report, "gradient-mismatch", "error")
    assert "BuggyMSEFunction" in finding.message and "BuggyMSELoss" in finding.message
    assert "sign flipped" in finding.message
    assert "2 * (pred - target)" in finding.fix
    assert finding.evidence["culprits"][0]["hint"] == "sign"
    assert one(report, "cannot-overfit", "error").evidence["pattern"] in ("rose", "diverged")


class TimesTwo(rg.Function):
    """2x with a backward that returns 6x the gradient (scaled by 3)."""

    @staticmethod
    def forward(ctx: Context, x: rg.Tensor) -> rg.Tensor:
        return x * 2

    @staticmethod
    def backward(ctx: Context, grad: rg.Tensor) -> rg.Tensor:
        return grad * 6


class Doubler(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return TimesTwo.apply(x)


@pytest.mark.parametrize("wide", [False, True])
def test_scaled_backward_inside_the_model_is_named(wide: bool) -> None:
    X, y = rg.datasets.load("seed")
    rg.manual_seed(0)
    hidden = 160 if wide else 8  # wide: too many parameters for the whole-model check
    model = nn.Sequential(nn.Linear(3, hidden), Doubler(), nn.Tanh(), nn.Linear(hidden, 1))
    report = doctor(model, nn.MSELoss(), X, y, quick=True)
    finding = one(report, "gradient-mismatch", "error")
    assert "TimesTwo" in finding.message and "layer '1' (Doubler)" in finding.message
    assert "scaled by 3" in finding.message
    assert finding.evidence["mode"] == ("module by module" if wide else "whole model")


def test_correct_custom_function_passes() -> None:
    class Square(rg.Function):
        @staticmethod
        def forward(ctx: Context, x: rg.Tensor) -> rg.Tensor:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Context, grad: rg.Tensor) -> rg.Tensor:
            (x,) = ctx.saved_tensors
            return grad * 2 * x

    class SquareLayer(nn.Module):
        def forward(self, x: rg.Tensor) -> rg.Tensor:
            return Square.apply(x)

    X, y = rg.datasets.load("seed")
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), SquareLayer(), nn.Linear(8, 1), nn.Sigmoid())
    assert "gradient-mismatch" not in doctor(model, nn.MSELoss(), X, y, quick=True)


# ---------------------------------------------------------------------------- init and output
def test_overconfident_classifier_loss_at_init() -> None:
    model, loss_fn, X, y, opt = digits_case()
    model[2].weight.array *= 60
    finding = one(doctor(model, loss_fn, X, y, opt, quick=True), "loss-at-init", "warning")
    assert finding.evidence["expected_from"] == "log K for K=10 classes"
    assert finding.evidence["ratio"] > 2


def test_offset_regression_targets_loss_at_init() -> None:
    model, loss_fn, X, y, opt = seed_case("relu", output="linear")
    report = doctor(model, loss_fn, X, y + 50, opt, quick=True)
    assert "targets" in one(report, "loss-at-init", "warning").fix


def test_double_softmax() -> None:
    X, y = digits()
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 10), nn.Softmax(dim=1))
    report = doctor(model, nn.CrossEntropyLoss(), X, y, quick=True)
    assert "Softmax" in one(report, "output-loss-mismatch", "error").fix


def test_sigmoid_before_bce_with_logits_and_logits_into_bce() -> None:
    model, _, X, y, _ = seed_case()
    report = doctor(model, nn.BCEWithLogitsLoss(), X, y, quick=True)
    assert "second one" in one(report, "output-loss-mismatch", "error").message
    model, _, X, y, _ = seed_case(output="linear")
    report = doctor(model, nn.BCELoss(), X, y, quick=True)
    assert "logits" in one(report, "output-loss-mismatch", "error").message


def test_sigmoid_output_with_targets_outside_0_1() -> None:
    model, loss_fn, X, y, _ = seed_case()
    report = doctor(model, loss_fn, X, y * 5, quick=True)
    assert "never be reached" in one(report, "output-loss-mismatch", "error").message


def test_float_labels_and_one_output_unit_for_classes() -> None:
    X, y = digits()
    X, y = X[:200], y[:200]
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 10))
    report = doctor(model, nn.CrossEntropyLoss(), X, y.astype(np.float32), quick=True)
    assert "int64" in one(report, "output-loss-mismatch", "error").fix
    single = nn.Linear(64, 1)
    report = doctor(single, nn.CrossEntropyLoss(), X, y, quick=True)
    assert "one output unit" in one(report, "output-loss-mismatch", "error").message
    report = doctor(single, nn.MSELoss(), X, y.astype(np.float32).reshape(-1, 1), quick=True)
    assert "10 class labels" in one(report, "output-loss-mismatch", "warning").message


def test_relu_output_warns() -> None:
    X, y = rg.datasets.load("seed")
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1), nn.ReLU())
    report = doctor(model, nn.MSELoss(), X, y, quick=True)
    assert "ReLU" in one(report, "output-loss-mismatch", "warning").message


# ---------------------------------------------------------------------------- activations and flow
def test_dead_relu() -> None:
    model, loss_fn, X, y, opt = seed_case("relu")
    model[0].bias.array[:] = -20.0
    finding = one(doctor(model, loss_fn, X, y, opt, quick=True), "dead-relu", "warning")
    assert finding.evidence["layers"]["1"]["fraction"] == 1.0
    assert "8 of 8 units" in finding.message


def test_saturated_sigmoid() -> None:
    model, loss_fn, X, y, opt = seed_case("sigmoid")
    model[0].weight.array *= 100
    finding = one(doctor(model, loss_fn, X, y, opt, quick=True), "saturated-activation", "warning")
    assert "layer '1' (Sigmoid)" in finding.message


def _stack(depth: int, activation: type[nn.Module], gain: float = 1.0) -> nn.Sequential:
    rg.manual_seed(0)
    layers: list[nn.Module] = []
    width = 3
    for _ in range(depth):
        linear = nn.Linear(width, 16)
        linear.weight.array *= gain
        layers += [linear, activation()]
        width = 16
    return nn.Sequential(*layers, nn.Linear(16, 1))


def test_vanishing_gradient_in_deep_sigmoid_stack() -> None:
    X, y = rg.datasets.load("seed")
    report = doctor(_stack(12, nn.Sigmoid), nn.MSELoss(), X, y, quick=True)
    assert one(report, "vanishing-gradient", "warning").evidence["spread"] > 1e3


def test_exploding_gradient_with_large_weights() -> None:
    X, y = rg.datasets.load("seed")
    report = doctor(_stack(8, nn.ReLU, gain=6.0), nn.MSELoss(), X, y, quick=True)
    one(report, "exploding-gradient", "warning")


def test_update_ratio_extreme_and_learning_rate_too_high() -> None:
    model, loss_fn, X, y, _ = seed_case("relu", output="linear")
    report = doctor(model, loss_fn, X, y, optim.SGD(model.parameters(), lr=50.0))
    assert max(one(report, "update-ratio", "warning").evidence["ratios"].values()) > 1
    high = one(report, "lr-too-high", "warning")
    suggestion = high.evidence["range_test"]
    assert 0 < suggestion["steepest_lr"] < 50.0
    assert "range test" in high.fix


def test_learning_rate_too_low() -> None:
    model, loss_fn, X, y, _ = seed_case("relu")
    report = doctor(model, loss_fn, X, y, optim.SGD(model.parameters(), lr=1e-7))
    low = one(report, "lr-too-low", "warning")
    assert low.evidence["range_test"]["steepest_lr"] > 3e-7
    assert "Raise the learning rate" in low.fix


# ---------------------------------------------------------------------------- training runs
def test_cannot_overfit_for_lack_of_capacity() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 5)).astype(np.float32)
    y = rng.normal(size=(32, 1)).astype(np.float32)
    rg.manual_seed(0)
    model = nn.Linear(5, 1)
    finding = one(doctor(model, nn.MSELoss(), X, y), "cannot-overfit", "warning")
    assert "capacity" in finding.message
    assert finding.evidence["samples"] == 16


def test_cannot_overfit_with_frozen_parameters_is_a_bug() -> None:
    model, loss_fn, X, y, _ = seed_case("relu")
    model.requires_grad_(False)
    report = doctor(model, loss_fn, X, y)
    finding = one(report, "cannot-overfit", "error")
    assert "require grad" in finding.fix
    assert "check-failed" not in report


class IgnoresInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return self.net(x * 0)


def test_input_independent_model() -> None:
    X, y = rg.datasets.load("seed")
    rg.manual_seed(0)
    model = IgnoresInput()
    report = doctor(model, nn.MSELoss(), X, y, optim.Adam(model.parameters(), lr=0.05))
    finding = one(report, "input-independent", "warning")
    assert finding.evidence["loss_real_inputs"] >= 0.9 * finding.evidence["loss_zero_inputs"]


def _step_without_zero_grad(model: Any, optimizer: Any, loss_fn: Any, X: Any, y: Any) -> None:
    loss_fn(model(X), y).backward()
    optimizer.step()


def _step(model: Any, optimizer: Any, loss_fn: Any, X: Any, y: Any) -> None:
    optimizer.zero_grad()
    loss_fn(model(X), y).backward()
    optimizer.step()


def test_gradients_never_zeroed() -> None:
    model, loss_fn, X, y, opt = seed_case()
    report = doctor(model, loss_fn, X, y, opt, train_step=_step_without_zero_grad, quick=True)
    finding = one(report, "grad-not-zeroed", "error")
    assert "zero_grad()" in finding.fix
    norms = finding.evidence["grad_norm_after_step"]
    assert norms[-1] > 2 * finding.evidence["fresh_grad_norm"][-1]
    clean = doctor(model, loss_fn, X, y, opt, train_step=_step, quick=True)
    assert "grad-not-zeroed" not in clean and clean.ok


# ---------------------------------------------------------------------------- data
def _seed_with(X: np.ndarray, y: np.ndarray) -> DoctorReport:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(X.shape[1], 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())
    return doctor(model, nn.MSELoss(), X, y, quick=True)


def test_nonfinite_data_is_an_error_and_stops_the_model_checks() -> None:
    X, y = rg.datasets.load("seed")
    X = X.copy()
    X[2, 1] = np.nan
    report = _seed_with(X, y)
    finding = one(report, "data-nonfinite", "error")
    assert finding.evidence["inputs_rows"] == [2]
    assert "gradient-check (non-finite data)" in report.skipped


def test_unscaled_features() -> None:
    X, y = rg.datasets.load("seed")
    scaled = X * np.array([1.0, 1000.0, 1.0], dtype=np.float32)
    assert "magnitude_ratio" in one(_seed_with(scaled, y), "unscaled-features", "warning").evidence
    offset = X + np.array([0.0, 0.0, 500.0], dtype=np.float32)
    evidence = one(_seed_with(offset, y), "unscaled-features", "warning").evidence
    assert evidence["offset_features"] == [2]


def test_constant_feature() -> None:
    X, y = rg.datasets.load("seed")
    X = np.hstack([X, np.full((6, 1), 0.5, dtype=np.float32)])
    finding = one(_seed_with(X, y), "constant-feature", "warning")
    assert finding.evidence["features"] == [3]


def test_conflicting_duplicates() -> None:
    X, y = rg.datasets.load("seed")
    X = np.vstack([X, X[:1]])
    y = np.vstack([y, 1 - y[:1]])
    finding = one(_seed_with(X, y), "conflicting-duplicates", "warning")
    assert finding.evidence["samples"] == 2


def test_class_imbalance() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).astype(np.float32)
    y = (np.arange(200) < 10).astype(np.float32).reshape(-1, 1)
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    finding = one(
        doctor(model, nn.BCEWithLogitsLoss(), X, y, quick=True), "class-imbalance", "warning"
    )
    assert finding.evidence["counts"] == [190, 10]


def test_too_few_samples() -> None:
    X, y = rg.datasets.load("seed")
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 64), nn.Sigmoid(), nn.Linear(64, 1), nn.Sigmoid())
    report = doctor(model, nn.MSELoss(), X, y, quick=True)
    assert one(report, "too-few-samples", "info").evidence["parameters"] == 321
