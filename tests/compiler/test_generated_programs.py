"""Hypothesis-generated training steps: random layer stacks, optimizers, clipping, Python
scalars that change between calls and layers frozen or unfrozen between calls. Compiled and
eager runs must leave identical parameters, gradients, optimizer state and returned values."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.compiler.helpers import Program, batches, check

from retrograd import nn, optim
from retrograd.nn import functional as F

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky": lambda: nn.LeakyReLU(0.05),
    "gelu": nn.GELU,
}


@st.composite
def programs(draw):
    widths = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    acts = draw(st.lists(st.sampled_from(sorted(ACTIVATIONS)), min_size=3, max_size=3))
    optimizer = draw(st.sampled_from(["sgd", "momentum", "adam", "adamw"]))
    clip = draw(st.sampled_from([None, "norm", "value"]))
    loss = draw(st.sampled_from(["mse", "l1", "smooth"]))
    scales = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 1, True]), min_size=6, max_size=6))
    freezes = draw(
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.booleans()), max_size=3)
    )
    slopes = draw(st.lists(st.sampled_from([0.01, 0.05, 0.2]), min_size=6, max_size=6))
    return widths, acts, optimizer, clip, loss, scales, freezes, slopes


def _make(spec) -> Program:
    widths, acts, optimizer, clip, loss_name, scales, freezes, slopes = spec
    sizes = [3, *widths, 1]
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[acts[i]]())
    model = nn.Sequential(*layers)
    params = list(model.parameters())
    opt = {
        "sgd": lambda: optim.SGD(params, lr=0.1),
        "momentum": lambda: optim.SGD(params, lr=0.05, momentum=0.9),
        "adam": lambda: optim.Adam(params, lr=0.01),
        "adamw": lambda: optim.AdamW(params, lr=0.01, weight_decay=0.1),
    }[optimizer]()
    loss_fn = {"mse": F.mse_loss, "l1": F.l1_loss, "smooth": F.smooth_l1_loss}[loss_name]
    knobs = {"scale": 1.0}

    def step(x, t):
        opt.zero_grad()
        loss = loss_fn(model(x), t) * knobs["scale"]
        loss.backward()
        if clip == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        elif clip == "value":
            nn.utils.clip_grad_value_(model.parameters(), 0.05)
        opt.step()
        return loss

    def between(i: int) -> None:
        knobs["scale"] = scales[i]
        for call, index, flag in freezes:
            if call == i:
                params[index % len(params)].requires_grad_(flag)
        for module in model:
            if isinstance(module, nn.LeakyReLU):
                module.negative_slope = slopes[i]

    return Program(step, batches(), [model], [opt], between=between)


@settings(max_examples=40, deadline=None)
@given(programs())
def test_generated_steps_equal_eager(spec) -> None:
    check(lambda: _make(spec), "either")
