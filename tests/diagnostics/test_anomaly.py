"""detect_anomaly: the first op giving a NaN/Inf result or gradient raises, naming op, module
and line."""

from __future__ import annotations

import math

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn
from retrograd.autograd.engine import anomaly_state
from retrograd.diagnostics.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from retrograd.errors import RetrogradError

# these tests make NaN and Inf on purpose; NumPy's warnings about them are expected
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


class LogHead(nn.Module):
    """A network whose last op takes the log of negative numbers."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3), nn.Tanh())

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        h = self.body(x)
        return (h - 5).log()  # tanh < 1, so log of a negative number: NaN


class SqrtLayer(nn.Module):
    def forward(self, x: rg.Tensor) -> rg.Tensor:
        return x.sqrt()


def test_forward_raises_at_the_first_nan_naming_op_module_and_line() -> None:
    rg.manual_seed(0)
    model = LogHead()
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        model(rg.randn(4, 2))
    error = caught.value
    message = str(error)
    assert error.op == "Log" and error.phase == "forward"
    assert isinstance(error, RetrogradError) and isinstance(error, RuntimeError)
    assert "Log gave a non-finite result in module LogHead" in message
    assert "return (h - 5).log()  # tanh < 1" in message  # the user's source line
    assert error.site is not None
    assert error.site.filename == __file__ and error.site.function == "forward"
    assert "12 NaN of 12 values" in message
    assert "likely cause: log of 0" in message


def test_the_module_path_names_nested_children() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Identity(), SqrtLayer()))
    with rg.no_grad():
        model[0].weight.fill_(-1.0)  # every output of the Linear layer is negative
        model[0].bias.fill_(0.0)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        model(rg.tensor([[1.0, 1.0]]))
    message = str(caught.value)
    assert 'Sqrt gave a non-finite result in module "1.1" (SqrtLayer) of Sequential' in message
    assert "return x.sqrt()" in message


def test_backward_raises_at_the_node_that_made_the_gradient_inf() -> None:
    x = rg.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()  # finite forward; d sqrt / dx is inf at 0
        loss = y.sum()
        with pytest.raises(AnomalyError) as caught:
            loss.backward()
    error = caught.value
    assert error.op == "Sqrt" and error.phase == "backward"
    message = str(error)
    assert "Sqrt returned a non-finite gradient for its input 0" in message
    assert "y = x.sqrt()  # finite forward" in message  # where the op was created
    assert "1 Inf of 2 values" in message
    assert x.grad is None  # nothing reached the leaf


def test_backward_names_the_module_of_the_op() -> None:
    model = nn.Sequential(nn.ReLU(), SqrtLayer())
    x = rg.tensor([[0.0, 1.0]], requires_grad=True)
    with detect_anomaly():
        loss = model(x).sum()
        with pytest.raises(AnomalyError, match=r'module "1" \(SqrtLayer\) of Sequential'):
            loss.backward()


def test_a_non_finite_gradient_given_to_backward_is_reported() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        y = x * 2
        with pytest.raises(AnomalyError, match="the gradient arriving at Mul"):
            y.backward(rg.tensor([1.0, math.nan]))


def test_nan_in_the_data_is_caught_at_the_first_op_that_uses_it() -> None:
    model = nn.Linear(2, 1)
    with pytest.raises(AnomalyError) as caught, detect_anomaly():
        model(rg.tensor([[1.0, math.nan]]))
    assert "already holds 1 NaN and 0 Inf: it is data given to the model" in str(caught.value)


def test_a_nan_parameter_is_blamed_on_the_optimizer_step() -> None:
    model = nn.Linear(2, 1)
    with rg.no_grad():
        model.weight.fill_(math.nan)
    with pytest.raises(AnomalyError, match="a leaf tensor \\(a parameter\\?"), detect_anomaly():
        model(rg.ones(1, 2))


def test_an_inf_carried_from_an_input_passes_but_new_nan_does_not() -> None:
    scores = rg.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    mask = rg.tensor([[False, False, True]])
    with detect_anomaly():
        masked = scores.masked_fill(mask, -math.inf)  # an explicit -inf mask is allowed
        weights = masked.softmax(dim=-1)
        weights.sum().backward()
    np.testing.assert_allclose(weights.array[0, 2], 0.0)
    assert np.isfinite(scores.grad.array).all()
    with detect_anomaly(), pytest.raises(AnomalyError, match="Sub gave a non-finite result"):
        inf = rg.tensor([math.inf])
        inf - inf  # inf - inf is a new NaN


def test_overflow_to_inf_raises() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match="Exp gave a non-finite result"):
        rg.tensor([1000.0], dtype="float64").exp()


def test_off_nothing_is_checked_or_recorded() -> None:
    assert not is_anomaly_enabled()
    with np.errstate(invalid="ignore"):
        y = rg.tensor([-1.0], requires_grad=True).log()
    assert math.isnan(y.item())
    assert "anomaly_site" not in vars(y.grad_fn)
    model = LogHead()
    with np.errstate(invalid="ignore"):
        model(rg.randn(1, 2))  # no module stack is kept either
    assert anomaly_state.modules == []


def test_decorator_nesting_and_state_restored_after_an_error() -> None:
    @detect_anomaly()
    def bad() -> rg.Tensor:
        assert is_anomaly_enabled()
        return rg.tensor([0.0]).log()

    with pytest.raises(AnomalyError):
        bad()
    assert not is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly():
            assert is_anomaly_enabled()
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    assert anomaly_state.modules == []


def test_healthy_training_step_runs_unchanged_in_anomaly_mode() -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 1))
    x, y = rg.randn(5, 3), rg.randn(5, 1)
    nn.functional.mse_loss(model(x), y).backward()
    expected = [p.grad.array.copy() for p in model.parameters()]
    model.zero_grad()
    with detect_anomaly():
        nn.functional.mse_loss(model(x), y).backward()
    for param, grad in zip(model.parameters(), expected):
        np.testing.assert_array_equal(param.grad.array, grad)


def test_ops_inside_a_custom_function_are_checked() -> None:
    class Reciprocal(rg.Function):
        @staticmethod
        def forward(ctx, x):  # type: ignore[no-untyped-def]
            return 1 / x

        @staticmethod
        def backward(ctx, grad):  # type: ignore[no-untyped-def]
            return grad

    with detect_anomaly(), pytest.raises(AnomalyError, match="Div gave a non-finite result"):
        Reciprocal.apply(rg.tensor([0.0], requires_grad=True))
