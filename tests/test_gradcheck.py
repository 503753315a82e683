"""gradcheck: correct gradients pass; wrong ones are reported with the input, the element and
the pattern (sign flipped, constant factor, no gradient)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn
from retrograd.errors import GradcheckError
from retrograd.gradcheck import check_gradients, gradcheck


# ---------------------------------------------------------------------------- custom Functions
def _mse_function(backward_rule: Any) -> type[rg.Function]:
    """An MSE `Function` whose backward for `pred` is `backward_rule(pred, target, n)`."""

    class MSE(rg.Function):
        @staticmethod
        def forward(ctx: Any, pred: rg.Tensor, target: rg.Tensor) -> rg.Tensor:
            ctx.save_for_backward(pred, target)
            return ((pred - target) ** 2).mean()

        @staticmethod
        def backward(ctx: Any, grad: rg.Tensor) -> tuple[Any, None]:
            pred, target = ctx.saved_tensors
            return backward_rule(pred, target, pred.numel()) * grad, None

    return MSE


CorrectMSE = _mse_function(lambda pred, target, n: 2 * (pred - target) / n)
SignFlippedMSE = _mse_function(lambda pred, target, n: 2 * (target - pred) / n)
DoubledMSE = _mse_function(lambda pred, target, n: 4 * (pred - target) / n)


class Product(rg.Function):
    """a * b, with the gradient of b wrong (it uses b instead of a)."""

    @staticmethod
    def forward(ctx: Any, a: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, grad: rg.Tensor) -> tuple[rg.Tensor, rg.Tensor]:
        a, b = ctx.saved_tensors
        return grad * b, grad * b


class ScaleIgnoringUpstream(rg.Function):
    """3 * x, with a backward that forgets to multiply by the upstream gradient."""

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> rg.Tensor:
        return x * 3.0

    @staticmethod
    def backward(ctx: Any, grad: rg.Tensor) -> rg.Tensor:
        return rg.full_like(grad, 3.0)


class DropsInput(rg.Function):
    """x + y, with a backward that returns no gradient for y."""

    @staticmethod
    def forward(ctx: Any, x: rg.Tensor, y: rg.Tensor) -> rg.Tensor:
        return x + y

    @staticmethod
    def backward(ctx: Any, grad: rg.Tensor) -> tuple[rg.Tensor, None]:
        return grad, None


def _pred_target(shape: tuple[int, ...] = (6, 1)) -> tuple[rg.Tensor, rg.Tensor]:
    rng = np.random.default_rng(1)
    pred = rg.tensor(rng.standard_normal(shape), requires_grad=True)
    target = rg.tensor(rng.standard_normal(shape))
    return pred, target


def _failure(fn: Any, inputs: Any) -> str:
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, inputs)
    return str(info.value)


# ---------------------------------------------------------------------------- the MSE example
def test_sign_flipped_mse_backward_is_reported_as_a_sign_flip() -> None:
    pred, target = _pred_target()
    message = _failure(SignFlippedMSE.apply, (pred, target))
    assert message.startswith("Gradient check failed for input 0 (shape (6, 1))")
    assert "sign flipped" in message
    assert "2*(pred - target)" in message
    assert "MSE" in message  # the hand-written Function on the way
    assert "relative error 2" in message


def test_correct_mse_backward_passes() -> None:
    assert gradcheck(CorrectMSE.apply, _pred_target())


def test_mse_backward_off_by_two_is_reported_as_scaled_by_2() -> None:
    message = _failure(DoubledMSE.apply, _pred_target((4, 3)))
    assert "scaled by 2:" in message
    assert "sign" not in message
    entry = check_gradients(DoubledMSE.apply, _pred_target((4, 3))).entries[0]
    assert entry.hint == "scale"
    assert entry.factor == pytest.approx(2.0, rel=1e-6)


def test_scale_below_one_is_printed_with_four_significant_digits() -> None:
    ThirdMSE = _mse_function(lambda pred, target, n: 2 * (pred - target) / (3 * n))
    message = _failure(ThirdMSE.apply, _pred_target((5,)))
    assert "scaled by 0.3333:" in message


def test_one_wrong_element_is_named_by_its_index() -> None:
    def wrong_at(pred: rg.Tensor, target: rg.Tensor, n: int) -> rg.Tensor:
        grad = (2 * (pred - target) / n).numpy().copy()
        grad[3, 1] += 0.7
        return rg.tensor(grad)

    WrongElement = _mse_function(wrong_at)
    message = _failure(WrongElement.apply, _pred_target((5, 2)))
    assert "worst element (3, 1):" in message
    assert "sign" not in message and "scaled" not in message
    entry = check_gradients(WrongElement.apply, _pred_target((5, 2))).entries[0]
    assert entry.worst_index == (3, 1)
    assert entry.analytic - entry.numeric == pytest.approx(0.7, rel=1e-4)
    assert entry.hint is None


# ---------------------------------------------------------------------------- composites
def _tanh_linear(x: rg.Tensor, w: rg.Tensor, b: rg.Tensor) -> rg.Tensor:
    return (x @ w + b).tanh()  # b (3,) broadcasts over the batch


def _tanh_linear_inputs() -> tuple[rg.Tensor, rg.Tensor, rg.Tensor]:
    rng = np.random.default_rng(2)
    x = rg.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    w = rg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = rg.tensor(rng.standard_normal(3), requires_grad=True)
    return x, w, b


def test_correct_composite_with_broadcasting_passes() -> None:
    result = check_gradients(_tanh_linear, _tanh_linear_inputs())
    assert result.ok and result.report() == ""
    assert [entry.name for entry in result.entries] == ["input 0", "input 1", "input 2"]
    assert gradcheck(_tanh_linear, _tanh_linear_inputs())


def test_torch_gradcheck_agrees_on_the_same_function() -> None:
    inputs = _tanh_linear_inputs()
    torch_inputs = tuple(
        torch.tensor(t.detach().numpy(), dtype=torch.float64, requires_grad=True) for t in inputs
    )
    assert torch.autograd.gradcheck(lambda x, w, b: torch.tanh(x @ w + b), torch_inputs)
    assert gradcheck(_tanh_linear, inputs)


def test_only_the_wrong_input_of_two_is_named() -> None:
    a, b = _pred_target((3, 2))
    b.requires_grad_(True)
    message = _failure(Product.apply, (a, b))
    assert "input 1 (shape (3, 2))" in message
    assert "input 0" not in message
    entries = check_gradients(Product.apply, (a, b)).entries
    assert [entry.ok for entry in entries] == [True, False]


def test_multiple_outputs_pass() -> None:
    x, _ = _pred_target((3,))
    assert gradcheck(lambda t: (t.sin(), t * t, t.sum()), x)


def test_non_tensor_arguments_are_passed_through() -> None:
    x, _ = _pred_target((2, 3))
    assert gradcheck(lambda t, power, dim: (t**power).sum(dim=dim), (x, 3, 1))


def test_inputs_without_requires_grad_are_not_checked() -> None:
    pred, target = _pred_target()
    entries = check_gradients(SignFlippedMSE.apply, (target, pred)).entries
    assert [entry.name for entry in entries] == ["input 1"]


def test_nothing_to_check_is_an_error() -> None:
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2, rg.ones(3))


# ---------------------------------------------------------------------------- upstream gradients
def test_random_upstream_gradient_catches_what_ones_hide() -> None:
    x, _ = _pred_target((4,))
    message = _failure(ScaleIgnoringUpstream.apply, x)
    assert "with a random upstream gradient" in message
    entry = check_gradients(ScaleIgnoringUpstream.apply, x).entries[0]
    assert entry.upstream == "random" and not entry.ok


# ---------------------------------------------------------------------------- missing gradients
def test_input_that_gets_no_gradient_but_should_fails() -> None:
    x, y = _pred_target((3,))
    y.requires_grad_(True)
    message = _failure(DropsInput.apply, (x, y))
    assert "input 1 got no gradient" in message
    entry = check_gradients(DropsInput.apply, (x, y)).entries[1]
    assert entry.hint == "missing" and entry.analytic_grad is None


def test_input_that_does_not_matter_may_get_no_gradient() -> None:
    x, y = _pred_target((3,))
    y.requires_grad_(True)
    assert gradcheck(lambda a, b: a * 2, (x, y))


def test_forward_that_leaves_the_graph_is_reported() -> None:
    x, _ = _pred_target((3,))
    message = _failure(lambda t: rg.tensor(t.detach().numpy() * 2) + t, x)
    assert "scaled by 0.3333" in message  # analytic 1, numeric 3


def test_gradient_of_zeros_is_reported() -> None:
    ZeroMSE = _mse_function(lambda pred, target, n: rg.zeros_like(pred))
    message = _failure(ZeroMSE.apply, _pred_target((3,)))
    assert "zero everywhere" in message


def test_scalar_input_names_its_only_element() -> None:
    x = rg.tensor(0.7, dtype=rg.float64, requires_grad=True)
    message = _failure(ScaleIgnoringUpstream.apply, x)
    assert "worst element (the only one)" in message
    assert gradcheck(lambda t: t.exp() * t, x)


def test_integer_tensor_inputs_are_passed_through_unchecked() -> None:
    x, _ = _pred_target((4, 3))
    index = rg.tensor([2, 0, 1, 1])
    result = check_gradients(lambda t, i: t[rg.arange(4), i].sum(), (x, index))
    assert result.ok and [entry.name for entry in result.entries] == ["input 0"]


# ---------------------------------------------------------------------------- results and dtypes
def test_raise_exception_false_returns_false() -> None:
    assert gradcheck(SignFlippedMSE.apply, _pred_target(), raise_exception=False) is False
    assert gradcheck(CorrectMSE.apply, _pred_target(), raise_exception=False) is True


def test_user_inputs_are_unchanged() -> None:
    pred = rg.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(6, 1), requires_grad=True)
    target = rg.tensor(np.zeros((6, 1), dtype=np.float32))
    before = pred.detach().numpy().copy()
    gradcheck(SignFlippedMSE.apply, (pred, target), raise_exception=False)
    assert pred.dtype == np.float32 and target.dtype == np.float32
    np.testing.assert_array_equal(pred.detach().numpy(), before)
    assert pred.grad is None and pred.requires_grad and not target.requires_grad


def test_float32_inputs_are_checked_in_float64() -> None:
    seen: list[Any] = []

    def cube(t: rg.Tensor) -> rg.Tensor:
        seen.append(t.dtype)
        return t**3

    x = rg.tensor(np.array([0.3, -1.2, 2.0], dtype=np.float32), requires_grad=True)
    assert gradcheck(cube, x)  # eps=1e-6 would drown in float32 rounding
    assert set(seen) == {np.dtype(np.float64)}


def test_random_ops_inside_fn_see_the_same_stream_each_call() -> None:
    rg.manual_seed(5)
    state = rg.get_rng_state()
    x, _ = _pred_target((4,))
    assert gradcheck(lambda t: t * rg.rand(4), x)  # a dropout-like random mask
    assert rg.get_rng_state() == state


def test_result_lists_every_entry() -> None:
    a, b = _pred_target((2,))
    b.requires_grad_(True)
    result = check_gradients(Product.apply, (a, b))
    assert not result.ok and not result
    assert [entry.name for entry in result.failures] == ["input 1"]
    first = result.entries[0]
    assert first.ok and first.hint is None and first.max_abs_error < 1e-6
    assert first.numeric_grad is not None and first.numeric_grad.shape == (2,)


# ---------------------------------------------------------------------------- modules (duck-typed)
class _Affine:
    """The smallest module: `named_parameters()`, `double()` and a call; used before nn exists."""

    def __init__(self, wrong: bool = False) -> None:
        rng = np.random.default_rng(3)
        self.weight = rg.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
        self.bias = rg.tensor(rng.standard_normal(2).astype(np.float32), requires_grad=True)
        self.wrong = wrong

    def named_parameters(self) -> list[tuple[str, rg.Tensor]]:
        return [("weight", self.weight), ("bias", self.bias)]

    def double(self) -> _Affine:
        self.weight = rg.tensor(self.weight.detach().numpy().astype(np.float64), requires_grad=True)
        self.bias = rg.tensor(self.bias.detach().numpy().astype(np.float64), requires_grad=True)
        return self

    def __call__(self, x: rg.Tensor) -> rg.Tensor:
        bias = SignFlippedBias.apply(self.bias) if self.wrong else self.bias
        return x @ self.weight.T + bias


class SignFlippedBias(rg.Function):
    @staticmethod
    def forward(ctx: Any, b: rg.Tensor) -> rg.Tensor:
        return b * 1.0

    @staticmethod
    def backward(ctx: Any, grad: rg.Tensor) -> rg.Tensor:
        return -grad


def test_module_parameters_are_checked_and_named() -> None:
    x = rg.tensor(np.random.default_rng(4).standard_normal((5, 3)))
    module = _Affine()
    result = check_gradients(module, x)
    assert result.ok
    assert [entry.name for entry in result.entries] == ["parameter 'weight'", "parameter 'bias'"]
    assert module.weight.dtype == np.float32 and module.weight.grad is None


def test_wrong_function_inside_a_module_is_named() -> None:
    x = rg.tensor(np.random.default_rng(4).standard_normal((5, 3)))
    message = _failure(_Affine(wrong=True), x)
    assert "parameter 'bias' (shape (2,))" in message
    assert "sign flipped" in message
    assert "SignFlippedBias" in message
    assert "parameter 'weight'" not in message


# ---------------------------------------------------------------------------- retrograd.nn modules
def test_linear_tanh_sequential_passes_and_stays_untouched() -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    before = {name: p.detach().numpy().copy() for name, p in model.named_parameters()}
    x = rg.randn(5, 3, requires_grad=True)
    result = check_gradients(model, x)
    assert result.ok, result.report()
    names = [entry.name for entry in result.entries]
    assert names == ["input 0"] + [f"parameter '{name}'" for name in before]
    for name, param in model.named_parameters():
        assert param.dtype == np.float32 and param.grad is None
        np.testing.assert_array_equal(param.detach().numpy(), before[name])


def test_loss_module_passes() -> None:
    pred, target = _pred_target((4, 3))
    assert gradcheck(nn.MSELoss(), (pred, target))


def test_wrong_function_inside_an_nn_module_is_named() -> None:

    class FlippedBiasLinear(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x: rg.Tensor) -> rg.Tensor:
            return x @ self.linear.weight.T + SignFlippedBias.apply(self.linear.bias)

    rg.manual_seed(0)
    model = nn.Sequential(FlippedBiasLinear(), nn.Tanh())
    message = _failure(model, rg.randn(5, 3))
    assert "parameter '0.linear.bias' (shape (2,))" in message
    assert "sign flipped" in message
    assert "SignFlippedBias" in message
    assert "weight" not in message
