"""The doctor leads with the root cause of each planted fault, lists what follows from it under
it, reports no error on healthy models, and leaves the caller's model and optimizer as they were."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim
from retrograd.diagnostics import DoctorReport, doctor
from retrograd.diagnostics.causes import CONSEQUENCES

from .planted_faults import HEALTHY, PLANTED, PlantedFault, mlp, regression_data


def summary(report: DoctorReport) -> list[tuple[str, str, str | None]]:
    return [(f.code, f.severity, f.follows_from) for f in report.findings]


@pytest.mark.parametrize("fault", PLANTED, ids=lambda f: f.name)
def test_planted_fault_is_the_headline(fault: PlantedFault) -> None:
    report = doctor(**fault.build())
    assert report.headline is not None, summary(report)
    assert report.headline.code == fault.expected, summary(report)
    for finding in report.findings:
        if finding.follows_from is not None:
            assert finding.severity == "info"  # a consequence is never an error of its own
            assert finding.follows_from in report.codes


@pytest.mark.parametrize("name", list(HEALTHY))
def test_healthy_models_have_no_errors(name: str) -> None:
    report = doctor(**HEALTHY[name]())
    assert not report.errors, summary(report)
    assert "check-failed" not in report, summary(report)


def test_unscaled_targets_explain_the_symptoms_and_no_false_gradient_error() -> None:
    X, y = regression_data(scale=2e4, offset=5e4)
    model = mlp(5, 1)
    report = doctor(model, nn.MSELoss(), X, y, optim.Adam(model.parameters(), lr=1e-3))
    assert "gradient-mismatch" not in report
    assert report.headline is not None and report.headline.code == "unscaled-targets"
    cause, consequences = report.root_causes[0]
    assert cause.code == "unscaled-targets"
    assert "loss-at-init" in [f.code for f in consequences]
    assert report.get("loss-at-init")[0].evidence["severity_alone"] == "warning"
    data = json.loads(report.to_json())
    assert data["headline"] == "unscaled-targets"
    assert "loss-at-init" in data["root_causes"][0]["consequences"]
    following = [f for f in data["findings"] if f["code"] == "loss-at-init"]
    assert following[0]["follows_from"] == "unscaled-targets"
    text = str(report)
    assert "Root cause: [unscaled-targets]" in text
    assert "    follows from it: [loss-at-init]" in text


def test_detached_layer_is_named() -> None:
    build = next(f for f in PLANTED if f.expected == "graph-cut").build
    finding = doctor(**build(), quick=True).get("graph-cut")[0]
    assert "No gradient reaches `a.weight`" in finding.message
    assert "layer 'a' (Linear)" in finding.message
    assert "detach, no_grad, .data, a NumPy round trip" in finding.message


def test_rebuilt_model_names_the_other_instance() -> None:
    build = next(f for f in PLANTED if f.expected == "params-not-optimized").build
    report = doctor(**build(), quick=True)
    finding = report.get("params-not-optimized")[0]
    assert finding.severity == "error" and "another instance" in finding.message
    assert "optimizer-extra-params" not in report  # the same fault, said once


def test_unusual_learning_rate_is_named_as_itself() -> None:
    X, y = regression_data()
    model = mlp(5, 1)
    report = doctor(model, nn.MSELoss(), X, y, optim.Adam(model.parameters(), lr=5.0))
    finding = report.get("unusual-setting")[0]
    assert "Adam lr=5 (usual range 1e-06 to 0.1)" in finding.message
    assert finding.evidence["settings"][0]["direction"] == "high"


def test_relu_kinks_are_not_a_wrong_backward() -> None:
    model = mlp(5, 1, hidden=4)
    model[0].bias.array[...] = 0.0
    X = np.zeros((8, 5), np.float32)  # every hidden ReLU sits at exactly 0
    y = regression_data()[1][:8]
    report = doctor(model, nn.MSELoss(), X, y, quick=True)
    assert "gradient-mismatch" not in report
    kink = report.get("not-differentiable")[0]
    assert kink.severity == "info" and "not differentiable" in kink.message


def test_causes_table_has_no_cycles() -> None:
    edges = {cause: {code for code, _ in rules} for cause, rules in CONSEQUENCES.items()}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    assert not [code for code in edges if reaches(code, code, {code})]


def _state(model: nn.Module, opt: optim.Optimizer) -> dict[str, Any]:
    state: dict[str, Any] = {
        "params": {k: v.array.tobytes() for k, v in model.named_parameters()},
        "grads": {k: v.grad.array.tobytes() for k, v in model.named_parameters()},
        "dtypes": {k: v.array.dtype.str for k, v in model.named_parameters()},
        "training": [m.training for m in model.modules()],
        "groups": opt.state_dict()["param_groups"],
        "optimizer": {
            index: {key: np.asarray(value).tobytes() for key, value in entry.items()}
            for index, entry in opt.state_dict()["state"].items()
        },
    }
    return state


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_the_callers_model_and_optimizer_stay_byte_identical(mode: str) -> None:
    X, y = regression_data()
    rng_model = mlp(5, 1)
    model = nn.Sequential(rng_model, nn.Dropout(0.1))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.MSELoss()
    for _ in range(2):
        opt.zero_grad()
        loss_fn(model(rg.tensor(X)), rg.tensor(y)).backward()
        opt.step()
    getattr(model, mode)()
    before = _state(model, opt)
    doctor(model, loss_fn, X, y, opt, validation_data=(X[:10], y[:10]))
    assert _state(model, opt) == before


def test_no_numpy_warning_escapes_the_probes() -> None:
    X, y = regression_data(scale=2e4, offset=5e4)
    model = mlp(5, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            report = doctor(model, nn.MSELoss(), X, y, optim.SGD(model.parameters(), lr=10.0))
    assert report.headline is not None
    caught = [f for f in report.findings if "numpy_warnings" in f.evidence]
    assert all(isinstance(f.evidence["numpy_warnings"], dict) for f in caught)
