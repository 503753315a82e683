"""Replay vs eager for what landed beside compile: NumPy functions on Tensors, `autograd.grad`,
in-place operators on parameters, `inference_mode`, devices and `Generator` draws."""

from __future__ import annotations

import numpy as np
from tests.compiler.helpers import Program, check, mlp, seed_data

import retrograd as rg
from retrograd import nn, optim


def test_numpy_functions_inside_the_step_replay() -> None:
    def make() -> Program:
        w1 = rg.tensor(np.linspace(-0.5, 0.5, 24).reshape(3, 8), requires_grad=True)
        w2 = rg.tensor(np.linspace(-0.3, 0.3, 8).reshape(8, 1), requires_grad=True)
        opt = optim.SGD([w1, w2], lr=0.5)

        def step(x, t):
            opt.zero_grad()
            h = 1 / (1 + np.exp(-np.dot(x, w1)))
            out = np.maximum(np.dot(h, w2), 0.0)
            loss = np.mean(np.square(out - t))
            loss.backward()
            opt.step()
            return loss

        data = seed_data()
        return Program(step, lambda i: data, [], [opt], extra=lambda: [w1, w2])

    check(make, "replay")


def test_autograd_grad_inside_the_step_runs_eagerly() -> None:
    def make() -> Program:
        model = mlp(3, 8, 1, act=nn.Tanh)

        def step(x, t):
            loss = ((model(x) - t) ** 2).mean()
            grads = rg.autograd.grad(loss, list(model.parameters()))
            with rg.no_grad():
                for p, g in zip(model.parameters(), grads, strict=True):
                    p -= 0.1 * g
            return loss

        data = seed_data()
        return Program(step, lambda i: data, [model], [])

    check(make, "eager", "autograd.grad")


def test_hand_written_sgd_with_in_place_operators() -> None:
    def make() -> Program:
        model = mlp(3, 8, 1, act=nn.Sigmoid)

        def step(x, t):
            model.zero_grad()
            loss = ((model(x) - t) ** 2).mean()
            loss.backward()
            with rg.no_grad():
                for p in model.parameters():
                    p -= 0.5 * p.grad
            return loss

        data = seed_data()
        return Program(step, lambda i: data, [model], [])

    check(make, "either")  # replayed or refused with a reason, never different


def test_inference_mode_and_devices_inside_the_step() -> None:
    def make() -> Program:
        model = mlp(3, 8, 1, act=nn.Tanh).to(rg.device("cpu"))
        opt = optim.Adam(model.parameters(), lr=0.01)
        device = rg.device("cuda" if rg.cuda.is_available() else "cpu")

        def step(x, t):
            x, t = x.to(device), t.to(device)
            opt.zero_grad()
            loss = ((model(x) - t) ** 2).mean()
            loss.backward()
            opt.step()
            with rg.inference_mode():
                check_loss = ((model(x) - t) ** 2).mean()
            return loss, check_loss

        data = seed_data()
        return Program(step, lambda i: data, [model], [opt])

    check(make, "replay")


def test_draws_from_a_generator_object_run_eagerly() -> None:
    def make() -> Program:
        model = mlp(3, 8, 1, act=nn.Tanh)
        opt = optim.SGD(model.parameters(), lr=0.1)
        gen = rg.Generator().manual_seed(3)

        def step(x, t):
            opt.zero_grad()
            noise = rg.randn(*x.shape, generator=gen) * 0.01
            loss = ((model(x + noise) - t) ** 2).mean()
            loss.backward()
            opt.step()
            return loss

        data = seed_data()
        return Program(step, lambda i: data, [model], [opt])

    check(make, "eager", "random numbers")  # each call draws new noise, as eager does
