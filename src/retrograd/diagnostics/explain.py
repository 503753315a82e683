"""`explain(model, X, y, lr)`: one training step of a small network, worked out by hand.

For a `Sequential` of `Linear` layers, each followed by an elementwise activation (or none), and
the mean squared error, it shows the numbers a textbook shows: every layer's activations `a`, its
error term `delta = dLoss/dz`, the weight gradient and the update `W -= lr * grad W`; then it runs
a real `loss.backward()` on a float64 copy and says whether autograd got the same gradients.

    z_l     = a_(l-1) @ W_l.T + b_l         a_l = f_l(z_l)           a_0 = X
    loss    = mean((a_L - y)**2)            over all N = samples * outputs values
    delta_L = 2 * (a_L - y) / N * f_L'(z_L)
    delta_l = (delta_(l+1) @ W_(l+1)) * f_l'(z_l)
    grad W_l = delta_l.T @ a_(l-1)          grad b_l = delta_l summed over the samples

Weights are in PyTorch's layout, `(out_features, in_features)`, so the textbook
`a_prev^T . delta` appears transposed: `grad W = delta^T . a_prev`. Nothing here changes the
model; the updated weights are in the returned `Explanation`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from retrograd.errors import RetrogradError, ShapeError
from retrograd.nn import Identity, LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from retrograd.nn import functional as F
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["Explanation", "ExplainError", "LayerStep", "explain"]

Array = np.ndarray
TOLERANCE = 1e-9  # float64 sums in another order differ by ~1e-16; a wrong formula by far more


class ExplainError(RetrogradError, ValueError):
    """The model is not one `explain` can work out by hand."""


@dataclass(frozen=True)
class _Activation:
    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]  # f'(z), given z and a = f(z)
    formula: str  # f'(z) written out


def _leaky(slope: float) -> _Activation:
    return _Activation(
        "leaky_relu",
        lambda z: np.where(z > 0, z, z * slope),
        lambda z, a: np.where(z > 0, 1.0, slope),
        f"1 where z > 0, else {slope:g}",
    )


_SIGMOID = _Activation(
    "sigmoid", lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a), "a * (1 - a)"
)
_TANH = _Activation("tanh", np.tanh, lambda z, a: 1 - a * a, "1 - a**2")
_RELU = _Activation(
    "relu",
    lambda z: np.maximum(z, 0),
    lambda z, a: (z > 0).astype(z.dtype),
    "1 where z > 0, else 0",
)
_IDENTITY = _Activation("identity", lambda z: z, lambda z, a: np.ones_like(z), "1")


def _activation_of(module: Module) -> _Activation | None:
    if isinstance(module, Sigmoid):
        return _SIGMOID
    if isinstance(module, Tanh):
        return _TANH
    if isinstance(module, ReLU):
        return _RELU
    if isinstance(module, LeakyReLU):
        return _leaky(module.negative_slope)
    if isinstance(module, Identity):
        return _IDENTITY
    return None


@dataclass
class LayerStep:
    """One Linear layer (numbered from 1) and its activation, through the step (float64)."""

    index: int
    activation: str
    weight: Array  # (out, in), before the step
    bias: Array | None
    z: Array  # (samples, out): a_prev @ W.T + b
    a: Array  # (samples, out): f(z)
    delta: Array  # dLoss/dz, (samples, out)
    grad_weight: Array  # delta.T @ a_prev, (out, in)
    grad_bias: Array | None  # delta summed over the samples
    new_weight: Array  # weight - lr * grad_weight
    new_bias: Array | None


@dataclass
class Explanation:
    """The step, worked out: `layers`, the losses, and how it compares with autograd."""

    X: Array
    y: Array
    lr: float
    layers: list[LayerStep]
    loss: float
    loss_after: float
    max_abs_diff: float  # largest difference to autograd over deltas, gradients and the loss
    matches: bool
    text: str = ""

    def __str__(self) -> str:
        return self.text


def explain(model: Module, X: Any, y: Any, lr: float = 0.5) -> Explanation:
    """Work out one gradient-descent step of `model` on `(X, y)` with MSE loss, by hand.

    Args:
        model: a `Sequential` of `Linear` layers, each optionally followed by `Sigmoid`, `Tanh`,
            `ReLU`, `LeakyReLU` or `Identity` (or a lone `Linear`).
        X: `(samples, in_features)`, an array or a tensor.
        y: `(samples, out_features)`, an array or a tensor.
        lr: the learning rate of the plain gradient-descent update. Default: 0.5.

    Returns:
        An `Explanation`; `str()` of it is the worked example for printing.
    """
    plan = _layers_of(model)
    inputs = _array(X)
    targets = _array(y)
    if inputs.ndim != 2 or inputs.shape[1] != plan[0][0].in_features:
        raise ShapeError(
            f"explain: X must be (samples, {plan[0][0].in_features}) for the first Linear layer, "
            f"got shape {inputs.shape}"
        )
    weights = [linear.weight.array.astype(np.float64) for linear, _ in plan]
    biases = [None if lin.bias is None else lin.bias.array.astype(np.float64) for lin, _ in plan]
    acts = [act for _, act in plan]

    zs, activations = _forward(inputs, weights, biases, acts)  # activations[0] is X
    output = activations[-1]
    if targets.shape != output.shape:
        raise ShapeError(
            f"explain: y must have the shape of the network's output {output.shape}, got "
            f"{targets.shape} (MSELoss compares them element by element)"
        )
    loss = float(np.mean((output - targets) ** 2))

    # backward, from the output layer down: delta = dLoss/da * f'(z), then dLoss/da_prev
    deltas: list[Array] = [np.zeros(0)] * len(plan)
    grad_a = 2 * (output - targets) / output.size
    for i in reversed(range(len(plan))):
        deltas[i] = grad_a * acts[i].derivative(zs[i], activations[i + 1])
        grad_a = deltas[i] @ weights[i]

    steps = []
    for i in range(len(plan)):
        grad_weight = deltas[i].T @ activations[i]
        grad_bias = None if biases[i] is None else deltas[i].sum(axis=0)
        steps.append(
            LayerStep(
                index=i + 1,
                activation=acts[i].name,
                weight=weights[i],
                bias=biases[i],
                z=zs[i],
                a=activations[i + 1],
                delta=deltas[i],
                grad_weight=grad_weight,
                grad_bias=grad_bias,
                new_weight=weights[i] - lr * grad_weight,
                new_bias=None if grad_bias is None else biases[i] - lr * grad_bias,
            )
        )
    new_biases = [step.new_bias for step in steps]
    _, after = _forward(inputs, [step.new_weight for step in steps], new_biases, acts)
    loss_after = float(np.mean((after[-1] - targets) ** 2))

    max_diff = _compare_with_autograd(model, inputs, targets, steps, loss)
    result = Explanation(
        inputs, targets, lr, steps, loss, loss_after, max_diff, matches=max_diff <= TOLERANCE
    )
    result.text = _describe(result, plan)
    return result


def _forward(
    inputs: Array, weights: list[Array], biases: list[Array | None], acts: list[_Activation]
) -> tuple[list[Array], list[Array]]:
    """The pre-activations z of every layer, and the activations with X in front."""
    zs, activations = [], [inputs]
    for weight, bias, act in zip(weights, biases, acts):
        z = activations[-1] @ weight.T
        if bias is not None:
            z = z + bias
        zs.append(z)
        activations.append(act.f(z))
    return zs, activations


def _array(value: Any) -> Array:
    return np.asarray(value.array if isinstance(value, Tensor) else value, dtype=np.float64)


def _layers_of(model: Module) -> list[tuple[Linear, _Activation]]:
    """(Linear, the activation after it) for each Linear layer of `model`."""
    if isinstance(model, Linear):
        modules: list[Module] = [model]
    elif isinstance(model, Sequential):
        modules = list(model.children())
    else:
        raise ExplainError(
            f"explain works on a Sequential of Linear layers and activations, got "
            f"{type(model).__name__}"
        )
    plan: list[tuple[Linear, _Activation]] = []
    for position, module in enumerate(modules):
        if isinstance(module, Linear):
            plan.append((module, _IDENTITY))
            continue
        act = _activation_of(module)
        if act is None:
            raise ExplainError(
                f"explain: layer {position} is {type(module).__name__}; it supports only Linear "
                "layers, each followed by Sigmoid, Tanh, ReLU, LeakyReLU or Identity"
            )
        if act is _IDENTITY and plan:
            continue  # an Identity after a layer changes nothing
        if not plan or plan[-1][1] is not _IDENTITY:
            raise ExplainError(
                f"explain: layer {position} ({type(module).__name__}) must directly follow a "
                "Linear layer (one activation per Linear layer)"
            )
        plan[-1] = (plan[-1][0], act)
    if not plan:
        raise ExplainError("explain: the model has no Linear layer")
    return plan


def _compare_with_autograd(
    model: Module, inputs: Array, targets: Array, steps: list[LayerStep], loss: float
) -> float:
    """Run forward and backward on a float64 copy of `model`; the largest difference between
    its deltas (the gradients of the Linear outputs), gradients and loss and the hand's."""
    twin = copy.deepcopy(model).double()
    linears = [m for m in twin.modules() if isinstance(m, Linear)]  # in the order they run
    outputs: list[Tensor] = []

    def keep(module: Module, args: tuple[Any, ...], output: Tensor) -> None:
        output.retain_grad()
        outputs.append(output)

    for linear in linears:
        linear.register_forward_hook(keep)
    for param in twin.parameters():
        param.grad = None
        param.requires_grad_(True)
    value = F.mse_loss(twin(Tensor(inputs)), Tensor(targets))
    value.backward()
    diffs = [abs(value.item() - loss)]
    for step, linear, z in zip(steps, linears, outputs):
        assert z.grad is not None and linear.weight.grad is not None
        diffs.append(float(np.abs(z.grad.array - step.delta).max()))
        diffs.append(float(np.abs(linear.weight.grad.array - step.grad_weight).max()))
        if linear.bias is not None and linear.bias.grad is not None:
            diffs.append(float(np.abs(linear.bias.grad.array - step.grad_bias).max()))
    return max(diffs)


# ----------------------------------------------------------------------------- the text
def _matrix(array: Array) -> str:
    text = np.array2string(array, precision=4, suppress_small=True, max_line_width=96)
    return "\n".join("    " + line for line in text.split("\n"))


def _shape(array: Array) -> str:
    return "(" + ", ".join(str(n) for n in array.shape) + ("," if array.ndim == 1 else "") + ")"


def _describe(result: Explanation, plan: list[tuple[Linear, _Activation]]) -> str:
    steps = result.layers
    last = len(steps)
    sizes = "-".join(str(n) for n in [result.X.shape[1], *(s.weight.shape[0] for s in steps)])
    acts = ", ".join(s.activation for s in steps)
    lines = [
        f"One training step, worked out by hand: a {sizes} network ({acts}), MSE loss, "
        f"lr = {result.lr:g}",
        f"{result.X.shape[0]} samples. Weights are stored as in PyTorch, W: (out, in), so the "
        "textbook\ngradient a^T . delta appears transposed, as delta.T @ a.",
        "",
        "== Forward pass: z = a_prev @ W.T + b, then a = f(z) ==",
        f"a0 = X  {_shape(result.X)}",
        _matrix(result.X),
    ]
    for step in steps:
        i = step.index
        lines += [f"W{i}  {_shape(step.weight)}", _matrix(step.weight)]
        if step.bias is not None:
            lines += [f"b{i}  {_shape(step.bias)}", _matrix(step.bias)]
        plus = f" + b{i}" if step.bias is not None else ""
        lines += [f"z{i} = a{i - 1} @ W{i}.T{plus}  {_shape(step.z)}", _matrix(step.z)]
        lines += [f"a{i} = {step.activation}(z{i})  {_shape(step.a)}", _matrix(step.a)]
    n_samples, n_outputs = steps[-1].a.shape
    lines += [
        f"y  {_shape(result.y)}",
        _matrix(result.y),
        f"loss = mean((a{last} - y)**2) = {result.loss:.6f}   "
        f"(N = {steps[-1].a.size} values: {n_samples} samples x {n_outputs} "
        f"output{'s' if n_outputs != 1 else ''})",
        "",
        "== Backward pass: delta = dLoss/dz, the error term of each layer ==",
    ]
    for step, (_, act) in zip(reversed(steps), reversed(plan)):
        i = step.index
        if i == last:
            rule = f"delta{i} = 2 * (a{i} - y) / N * f'(z{i})"
        else:
            rule = f"delta{i} = (delta{i + 1} @ W{i + 1}) * f'(z{i})"
        lines += [
            f"{rule},  {act.name}'(z) = {act.formula}  {_shape(step.delta)}",
            _matrix(step.delta),
        ]
    lines += ["", f"== Gradients and the update W -= lr * grad W (lr = {result.lr:g}) =="]
    for step in reversed(steps):
        i = step.index
        lines += [f"grad W{i} = delta{i}.T @ a{i - 1}  {_shape(step.grad_weight)}"]
        lines += [_matrix(step.grad_weight)]
        if step.grad_bias is not None:
            lines += [f"grad b{i} = delta{i} summed over samples  {_shape(step.grad_bias)}"]
            lines += [_matrix(step.grad_bias)]
        lines += [f"W{i} - lr * grad W{i} =", _matrix(step.new_weight)]
        if step.new_bias is not None:
            lines += [f"b{i} - lr * grad b{i} =", _matrix(step.new_bias)]
    direction = "lower" if result.loss_after < result.loss else "not lower"
    lines += [
        "",
        f"loss after the step: {result.loss_after:.6f} (was {result.loss:.6f}: {direction})",
        _verdict(result),
    ]
    return "\n".join(lines)


def _verdict(result: Explanation) -> str:
    source = "loss.backward() on a float64 copy"
    if result.matches:
        return (
            f"check: these hand-derived gradients equal autograd's ({source}): "
            f"max abs difference {result.max_abs_diff:.2e}"
        )
    return (
        f"check: MISMATCH: these hand-derived gradients differ from autograd's ({source}): "
        f"max abs difference {result.max_abs_diff:.2e}"
    )
