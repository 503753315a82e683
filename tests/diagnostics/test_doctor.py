"""`retrograd.diagnostics.doctor`: the report, healthy models, and the caller's state untouched."""

from __future__ import annotations

import json

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.diagnostics import DoctorReport, Finding, doctor

from .doctor_cases import digits_case, seed_case, trained_seed_case


def problems(report: DoctorReport) -> list[str]:
    return [
        f"{f.code} ({f.severity}): {f.message}" for f in report.findings if f.severity != "info"
    ]


def crashed(report: DoctorReport) -> list[str]:
    return [f.message for f in report.findings if f.code == "check-failed"]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_untrained_seed_network_is_healthy(activation: str) -> None:
    model, loss_fn, X, y, opt = seed_case(activation)
    report = doctor(model, loss_fn, X, y, opt)
    assert report.ok, problems(report)
    assert not crashed(report)
    assert "overfit-small-batch" in report.checks and "gradient-check" in report.checks


def test_trained_seed_network_is_healthy() -> None:
    model, loss_fn, X, y, opt = trained_seed_case()
    report = doctor(model, loss_fn, X, y, opt)
    assert report.ok, problems(report)
    assert not crashed(report)


@pytest.mark.parametrize("train_steps", [0, 60])
def test_digits_mlp_is_healthy(train_steps: int) -> None:
    model, loss_fn, X, y, opt = digits_case(train_steps)
    report = doctor(model, loss_fn, X, y, opt)
    assert report.ok, problems(report)
    assert not crashed(report)


def test_doctor_leaves_model_optimizer_and_rng_unchanged() -> None:
    model, loss_fn, X, y, opt = seed_case("relu")
    x_t, y_t = rg.tensor(X), rg.tensor(y)
    for _ in range(3):  # give the optimizer state and the parameters gradients
        opt.zero_grad()
        loss_fn(model(x_t), y_t).backward()
        opt.step()
    rg.manual_seed(123)
    rg.rand(2)
    rng_before = rg.get_rng_state()
    generator = rg.random.default_generator() if hasattr(rg, "random") else None
    params = {k: np.array(v.array, copy=True) for k, v in model.named_parameters()}
    grads = {k: np.array(v.grad.array, copy=True) for k, v in model.named_parameters()}
    opt_state = opt.state_dict()

    def step(
        model: nn.Module, optimizer: optim.Optimizer, loss_fn: nn.Module, X: rg.Tensor, y: rg.Tensor
    ) -> None:
        rg.manual_seed(7)  # a step that reseeds: the doctor still restores the caller's state
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()

    doctor(model, loss_fn, X, y, opt, train_step=step)

    assert rg.get_rng_state() == rng_before
    if generator is not None:
        assert rg.random.default_generator() is generator
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.array, params[name])
        np.testing.assert_array_equal(p.grad.array, grads[name])
    after = opt.state_dict()
    assert after["param_groups"] == opt_state["param_groups"]
    assert after["state"].keys() == opt_state["state"].keys()
    for index, state in opt_state["state"].items():
        for key, value in state.items():
            np.testing.assert_array_equal(np.asarray(after["state"][index][key]), np.asarray(value))
    assert opt.param_groups[0]["params"][0] is next(model.parameters())


def test_same_seed_same_report() -> None:
    model, loss_fn, X, y, opt = seed_case("relu")
    first = doctor(model, loss_fn, X, y, opt, seed=3).to_json()
    assert doctor(model, loss_fn, X, y, opt, seed=3).to_json() == first


def test_quick_skips_the_training_runs() -> None:
    model, loss_fn, X, y, opt = seed_case()
    report = doctor(model, loss_fn, X, y, opt, quick=True)
    for name in ("overfit-small-batch", "learning-rate", "input-dependence"):
        assert name not in report.checks
        assert f"{name} (quick)" in report.skipped
    assert "gradient-check" in report.checks


def test_report_text_groups_by_severity_and_json_round_trips() -> None:
    findings = (
        Finding("constant-feature", "info", "A note.", "Drop it.", {"x": np.float32(0.5)}),
        Finding("gradient-mismatch", "error", "Wrong sign.", "Flip it.", {"nan": float("nan")}),
        Finding("dead-relu", "warning", "Dead units.", "Use LeakyReLU.", {"a": np.arange(2)}),
    )
    report = DoctorReport(findings, checks=("a", "b"), title="case")
    assert [f.severity for f in report.findings] == ["error", "warning", "info"]
    assert report.codes == ["gradient-mismatch", "dead-relu", "constant-feature"]
    assert not report.ok and "dead-relu" in report
    text = str(report)
    assert text.index("Errors:") < text.index("Warnings:") < text.index("Notes:")
    assert "  [gradient-mismatch] Wrong sign.\n    fix: Flip it." in text
    assert "1 error, 1 warning, 1 note (2 checks run)" in text
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["title"] == "case"
    assert data["findings"][0]["evidence"] == {"nan": None}
    assert data["findings"][1]["evidence"] == {"a": [0, 1]}
    assert data["findings"][2]["evidence"] == {"x": 0.5}
    assert DoctorReport((findings[0],)).ok


def test_bad_arguments_raise() -> None:
    model, loss_fn, X, y, opt = seed_case()
    with pytest.raises(TypeError, match="nn.Module"):
        doctor(lambda x: x, loss_fn, X, y)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="samples"):
        doctor(model, loss_fn, X, y[:3])
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "fatal", "m", "f")
