"""explain(): one training step worked out by hand equals autograd (and PyTorch); the CLI."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import datasets, nn
from retrograd.cli import main
from retrograd.diagnostics.explain import ExplainError, explain

ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
TORCH_ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


def _network(hidden_layers: int, activation: str, seed: int = 0) -> nn.Sequential:
    rg.manual_seed(seed)
    sizes = [3] + [4] * hidden_layers
    modules: list[nn.Module] = []
    for width_in, width_out in zip(sizes, sizes[1:]):
        modules += [nn.Linear(width_in, width_out), ACTIVATIONS[activation]()]
    modules += [nn.Linear(sizes[-1], 1), nn.Sigmoid()]
    return nn.Sequential(*modules)


def _torch_reference(model: nn.Sequential, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Deltas (gradients of each Linear output) and parameter gradients from PyTorch, float64."""
    layers: list[torch.nn.Module] = []
    for module in model:
        if isinstance(module, nn.Linear):
            layers.append(torch.nn.Linear(module.in_features, module.out_features).double())
        else:
            name = {nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.ReLU: "relu"}[type(module)]
            layers.append(TORCH_ACTIVATIONS[name]())
    twin = torch.nn.Sequential(*layers)
    twin.load_state_dict(
        {k: torch.tensor(v.array, dtype=torch.float64) for k, v in model.state_dict().items()}
    )
    zs: list[torch.Tensor] = []

    def keep(module: torch.nn.Module, args: Any, out: torch.Tensor) -> None:
        out.retain_grad()
        zs.append(out)

    for layer in twin:
        if isinstance(layer, torch.nn.Linear):
            layer.register_forward_hook(keep)
    loss = torch.nn.functional.mse_loss(
        twin(torch.tensor(X, dtype=torch.float64)), torch.tensor(y, dtype=torch.float64)
    )
    loss.backward()
    linears = [layer for layer in twin if isinstance(layer, torch.nn.Linear)]
    return {
        "loss": loss.item(),
        "deltas": [z.grad.numpy() for z in zs],
        "grad_w": [layer.weight.grad.numpy() for layer in linears],
        "grad_b": [layer.bias.grad.numpy() for layer in linears],
    }


@pytest.mark.parametrize("hidden_layers", [1, 2])
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_hand_derived_step_equals_autograd_and_torch(hidden_layers: int, activation: str) -> None:
    X, y = datasets.load("seed")
    model = _network(hidden_layers, activation)
    result = explain(model, X, y, lr=0.5)
    reference = _torch_reference(model, X, y)
    assert result.matches and result.max_abs_diff < 1e-12
    assert len(result.layers) == hidden_layers + 1
    assert result.loss == pytest.approx(reference["loss"], abs=1e-12)
    for step, delta, grad_w, grad_b in zip(
        result.layers, reference["deltas"], reference["grad_w"], reference["grad_b"]
    ):
        np.testing.assert_allclose(step.delta, delta, rtol=0, atol=1e-6)
        np.testing.assert_allclose(step.grad_weight, grad_w, rtol=0, atol=1e-6)
        np.testing.assert_allclose(step.grad_bias, grad_b, rtol=0, atol=1e-6)
        np.testing.assert_allclose(step.new_weight, step.weight - 0.5 * grad_w, atol=1e-12)


def test_worked_numbers_for_a_one_sample_network() -> None:
    """A step small enough to check with pencil and paper."""
    model = nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())
    with rg.no_grad():
        model[0].weight.copy_(rg.tensor([[0.5, -0.5]]))
        model[0].bias.fill_(0.0)
    result = explain(model, np.array([[1.0, 1.0]]), np.array([[1.0]]), lr=1.0)
    (step,) = result.layers
    # z = 0, a = 0.5, dLoss/da = 2 (0.5 - 1) / 1 = -1, sigmoid'(0) = 0.25, so delta = -0.25
    np.testing.assert_allclose(step.z, [[0.0]])
    np.testing.assert_allclose(step.a, [[0.5]])
    np.testing.assert_allclose(step.delta, [[-0.25]])
    np.testing.assert_allclose(step.grad_weight, [[-0.25, -0.25]])
    np.testing.assert_allclose(step.new_weight, [[0.75, -0.25]])
    np.testing.assert_allclose(step.new_bias, [0.25])
    assert result.loss == pytest.approx(0.25) and result.loss_after < result.loss


def test_text_shows_each_stage_in_the_questions_terms() -> None:
    X, y = datasets.load("seed")
    result = explain(_network(1, "sigmoid"), X, y, lr=0.5)
    text = str(result)
    for expected in [
        "a 3-4-1 network (sigmoid, sigmoid), MSE loss, lr = 0.5",
        "a0 = X  (6, 3)",
        "z1 = a0 @ W1.T + b1  (6, 4)",
        "a1 = sigmoid(z1)  (6, 4)",
        "delta2 = 2 * (a2 - y) / N * f'(z2),  sigmoid'(z) = a * (1 - a)  (6, 1)",
        "delta1 = (delta2 @ W2) * f'(z1)",
        "grad W1 = delta1.T @ a0  (4, 3)",
        "W2 - lr * grad W2 =",
        "(N = 6 values: 6 samples x 1 output)",
        "check: these hand-derived gradients equal autograd's",
    ]:
        assert expected in text, expected
    assert (
        np.array2string(result.layers[0].delta, precision=4, suppress_small=True).split("\n")[0]
        in text
    )
    assert text.splitlines()[-1].startswith("check: ")
    model = _network(1, "sigmoid")
    before = [p.array.copy() for p in model.parameters()]
    explain(model, X, y)
    for param, value in zip(model.parameters(), before):  # the model itself is not changed
        np.testing.assert_array_equal(param.array, value)


def test_leaky_relu_identity_and_a_lone_linear_layer() -> None:
    X, y = datasets.load("xor")
    rg.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.1), nn.Linear(3, 1), nn.Identity())
    result = explain(model, X, y)
    assert result.matches and [s.activation for s in result.layers] == ["leaky_relu", "identity"]
    assert explain(nn.Linear(2, 1), X, y).matches
    assert explain(nn.Linear(2, 1, bias=False), X, y).matches


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (nn.Sequential(nn.Linear(2, 2), nn.Dropout(), nn.Linear(2, 1)), "layer 1 is Dropout"),
        (nn.Sequential(nn.Sigmoid(), nn.Linear(2, 1)), "must directly follow a Linear layer"),
        (nn.Sequential(nn.Linear(2, 1), nn.Tanh(), nn.Sigmoid()), "must directly follow"),
        (nn.ReLU(), "a Sequential of Linear layers"),
    ],
)
def test_unsupported_models_are_refused(model: nn.Module, message: str) -> None:
    X, y = datasets.load("and")
    with pytest.raises(ExplainError, match=message):
        explain(model, X, y)


def test_shape_errors_name_the_expected_shapes() -> None:
    X, y = datasets.load("and")
    with pytest.raises(ValueError, match=r"X must be \(samples, 3\)"):
        explain(nn.Linear(3, 1), X, y)
    with pytest.raises(ValueError, match=r"y must have the shape of the network's output \(4, 2\)"):
        explain(nn.Linear(2, 2), X, y)


def test_cli_prints_the_step_and_the_confirmation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "a 3-3-1 network (sigmoid, sigmoid), MSE loss, lr = 0.5" in out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("check: these hand-derived gradients equal autograd's (loss.backward()")
    assert "max abs difference " in last
    args = ["explain", "--dataset", "xor", "--hidden", "2", "--layers", "2", "--activation", "tanh"]
    assert main([*args, "--lr", "0.1", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "a 2-2-2-1 network (tanh, tanh, sigmoid), MSE loss, lr = 0.1" in out
    assert "equal autograd's" in out
