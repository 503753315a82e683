"""Custom autograd Functions, as in PyTorch's "Extending torch.autograd" docs and the
LegendrePolynomial3 tutorial: staticmethod forward/backward, ctx.save_for_backward,
ctx.needs_input_grad, Function.apply, gradcheck, and a hand-written gradient-descent loop."""

import math

import torch
import torch.nn as nn
from torch.autograd import Function


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            self.register_parameter("bias", None)
        nn.init.uniform_(self.weight, -0.1, 0.1)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return "input_features={}, output_features={}, bias={}".format(
            self.input_features, self.output_features, self.bias is not None
        )


def fit_legendre():
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    for t in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 500 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
    return loss.item()


def main():
    torch.manual_seed(0)
    legendre_loss = fit_legendre()

    input = (
        torch.randn(5, 4, dtype=torch.double, requires_grad=True),
        torch.randn(3, 4, dtype=torch.double, requires_grad=True),
        torch.randn(3, dtype=torch.double, requires_grad=True),
    )
    linear_ok = torch.autograd.gradcheck(LinearFunction.apply, input, eps=1e-6, atol=1e-4)
    relu_input = torch.randn(6, dtype=torch.double, requires_grad=True)
    relu_ok = torch.autograd.gradcheck(MyReLU.apply, (relu_input,))

    x = torch.randn(256, 4)
    w_true = torch.tensor([[1.0, -2.0, 0.5, 3.0]])
    y = x @ w_true.t() + 0.5
    model = nn.Sequential(Linear(4, 8), nn.Tanh(), Linear(8, 1))
    print(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(200):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    frozen = torch.randn(2, 4)
    out = LinearFunction.apply(frozen, model[0].weight.detach(), None)
    return {
        "legendre_loss": legendre_loss,
        "gradcheck": float(linear_ok and relu_ok),
        "mlp_loss": loss.item(),
        "no_grad_output": float(out.requires_grad),
    }
