"""Inspection hooks against PyTorch: Tensor.register_hook and Module.register_full_backward_hook."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn
from retrograd.errors import GraphError


def _numpy(grads: tuple[Any, ...]) -> list[np.ndarray | None]:
    out: list[np.ndarray | None] = []
    for g in grads:
        if g is None:
            out.append(None)
        else:
            out.append(
                np.asarray(
                    g.detach().numpy() if isinstance(g, torch.Tensor) else getattr(g, "array", g)
                )
            )
    return out


def _assert_same(ours: tuple[Any, ...], theirs: tuple[Any, ...]) -> None:
    assert len(ours) == len(theirs)
    for a, b in zip(_numpy(ours), _numpy(theirs)):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _twin_networks() -> tuple[nn.Sequential, torch.nn.Sequential]:
    rg.manual_seed(0)
    ours = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({k: torch.tensor(v.array) for k, v in ours.state_dict().items()})
    return ours, theirs


X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
UPSTREAM = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)


# ------------------------------------------------------------------------- Tensor.register_hook
def test_tensor_hooks_on_leaf_and_non_leaf_replace_and_remove() -> None:
    def run(lib: Any) -> tuple[np.ndarray, list[float]]:
        seen: list[float] = []
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * x
        leaf_handle = x.register_hook(lambda g: g * 10)
        h.register_hook(lambda g: seen.append(float(g.sum())))  # observes only
        h.register_hook(lambda g: g + 1)  # replaces, in registration order
        (h * lib.tensor([1.0, -2.0, 0.5])).sum().backward()
        leaf_handle.remove()
        (x * 2).sum().backward()  # the removed hook no longer scales
        return np.asarray(x.grad.detach().numpy() if lib is torch else x.grad.array), seen

    ours, seen = run(rg)
    theirs, seen_torch = run(torch)
    np.testing.assert_allclose(ours, theirs)
    assert seen == seen_torch


# ------------------------------------------------------------ Module.register_full_backward_hook
def _record(log: list[Any], name: str) -> Any:
    def hook(module: Any, grad_input: tuple[Any, ...], grad_output: tuple[Any, ...]) -> None:
        log.append((name, _numpy(grad_input), _numpy(grad_output)))

    return hook


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_full_backward_hooks_fire_like_torch(input_requires_grad: bool) -> None:
    ours, theirs = _twin_networks()
    logs: dict[str, list[Any]] = {"rg": [], "torch": []}
    for key, model in (("rg", ours), ("torch", theirs)):
        for name, module in model.named_modules():
            module.register_full_backward_hook(_record(logs[key], name or "model"))
    x_ours = rg.tensor(X, requires_grad=input_requires_grad)
    x_theirs = torch.tensor(X, requires_grad=input_requires_grad)
    ours(x_ours).backward(rg.tensor(UPSTREAM))
    # torch warns that the hooks fire at the outputs when no input requires grad
    with pytest.warns(UserWarning) if not input_requires_grad else nullcontext():
        theirs(x_theirs).backward(torch.tensor(UPSTREAM))
    assert [entry[0] for entry in logs["rg"]] == [entry[0] for entry in logs["torch"]]
    for (_, gi_a, go_a), (_, gi_b, go_b) in zip(logs["rg"], logs["torch"]):
        _assert_same(tuple(gi_a), tuple(gi_b))
        _assert_same(tuple(go_a), tuple(go_b))


def test_returned_grad_input_replaces_the_input_gradient_like_torch() -> None:
    ours, theirs = _twin_networks()
    for model in (ours, theirs):
        model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))
    x_ours, x_theirs = rg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours(x_ours).backward(rg.tensor(UPSTREAM))
    theirs(x_theirs).backward(torch.tensor(UPSTREAM))
    np.testing.assert_allclose(x_ours.grad.array, x_theirs.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        ours[0].weight.grad.array, theirs[0].weight.grad.numpy(), rtol=1e-5, atol=1e-6
    )
    # the layer's own parameter gradients are not affected, only what flows below it
    np.testing.assert_allclose(
        ours[2].weight.grad.array, theirs[2].weight.grad.numpy(), rtol=1e-5, atol=1e-6
    )


class _Two(torch.nn.Module):
    def forward(self, a: Any, k: float, b: Any) -> tuple[Any, Any]:
        return a * b * k, a + b


class _TwoRg(nn.Module):
    def forward(self, a: Any, k: float, b: Any) -> tuple[Any, Any]:
        return a * b * k, a + b


def test_several_inputs_and_outputs() -> None:
    logs: dict[str, list[Any]] = {"rg": [], "torch": []}
    a_np, b_np = np.array([1.0, -2.0], np.float32), np.array([0.5, 3.0], np.float32)
    runs = (("rg", rg, _TwoRg()), ("torch", torch, _Two()))
    for key, lib, module in runs:
        module.register_full_backward_hook(_record(logs[key], "two"))
        a, b = lib.tensor(a_np, requires_grad=True), lib.tensor(b_np, requires_grad=True)
        product, total = module(a, 2.0, b)
        (product.sum() + (total * 3).sum()).backward()
    (_, gi_ours, go_ours), (_, gi_theirs, go_theirs) = logs["rg"][0], logs["torch"][0]
    assert len(logs["rg"]) == len(logs["torch"]) == 1
    assert gi_ours[1] is None and gi_theirs[1] is None  # the float argument
    _assert_same(tuple(gi_ours), tuple(gi_theirs))
    _assert_same(tuple(go_ours), tuple(go_theirs))


def test_an_output_without_gradient_gives_none_in_grad_output() -> None:
    seen: list[Any] = []
    module = _TwoRg()
    module.register_full_backward_hook(lambda m, gi, go: seen.append(go))
    a = rg.tensor([1.0, 2.0], requires_grad=True)
    product, _ = module(a, 1.0, rg.tensor([3.0, 4.0]))
    product.sum().backward()
    assert seen[0][1] is None
    np.testing.assert_array_equal(seen[0][0].array, [1.0, 1.0])


def test_removed_hook_and_no_grad_do_not_fire() -> None:
    calls: list[str] = []
    layer = nn.Linear(2, 2)
    handle = layer.register_full_backward_hook(lambda m, gi, go: calls.append("fired"))
    x = rg.ones(1, 2, requires_grad=True)
    layer(x).sum().backward()
    assert calls == ["fired"]
    handle.remove()
    layer(x).sum().backward()
    assert calls == ["fired"]
    layer.register_full_backward_hook(lambda m, gi, go: calls.append("again"))
    with rg.no_grad():
        out = layer(x)
    assert out.grad_fn is None and calls == ["fired"]


def test_hooks_leave_values_and_gradients_unchanged() -> None:
    ours, _ = _twin_networks()
    x = rg.tensor(X, requires_grad=True)
    plain = ours(x)
    plain.backward(rg.tensor(UPSTREAM))
    expected = x.grad.array.copy(), [p.grad.array.copy() for p in ours.parameters()]
    x.grad = None
    ours.zero_grad()
    for module in ours.modules():
        module.register_full_backward_hook(lambda m, gi, go: None)
    hooked = ours(x)
    np.testing.assert_array_equal(hooked.array, plain.array)
    hooked.backward(rg.tensor(UPSTREAM))
    np.testing.assert_array_equal(x.grad.array, expected[0])
    for param, grad in zip(ours.parameters(), expected[1]):
        np.testing.assert_array_equal(param.grad.array, grad)


def test_wrong_number_or_shape_of_returned_gradients_is_an_error() -> None:
    layer = nn.Linear(2, 2)
    x = rg.ones(1, 2, requires_grad=True)
    handle = layer.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
    with pytest.raises(GraphError, match="returned 2 gradients; expected 1"):
        layer(x).sum().backward()
    handle.remove()
    layer.register_full_backward_hook(lambda m, gi, go: (rg.ones(3),))
    with pytest.raises(GraphError, match=r"shape \(3,\) for input 0 of shape \(1, 2\)"):
        layer(x).sum().backward()


def test_hook_runs_again_on_a_retained_graph() -> None:
    seen: list[float] = []
    layer = nn.Linear(2, 1)
    layer.register_full_backward_hook(lambda m, gi, go: seen.append(float(go[0].array.sum())))
    out = layer(rg.ones(3, 2, requires_grad=True)).sum()
    out.backward(retain_graph=True)
    out.backward()
    assert seen == [3.0, 3.0]
