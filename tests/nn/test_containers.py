"""Sequential, ModuleList and ModuleDict: the same container operations on both libraries give
the same keys, order and repr."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn

from .torch_modules import compare_modules, copy_to_torch

LIBS = pytest.mark.parametrize("lib", [rg, torch], ids=["retrograd", "torch"])


def both(fn: Any) -> tuple[Any, Any]:
    return fn(rg), fn(torch)


def keys(module: Any) -> list[str]:
    return list(module.state_dict())


def test_sequential_forward_and_backward_match_torch() -> None:
    def make(lib: Any) -> Any:
        return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.GELU(), lib.nn.Linear(4, 2))

    ours, theirs = both(make)
    ours.double()
    copy_to_torch(ours, theirs)
    compare_modules(ours, theirs, np.random.default_rng(0).standard_normal((5, 3)))


def test_sequential_list_operations_match_torch() -> None:
    def edit(lib: Any) -> Any:
        model = lib.nn.Sequential(lib.nn.Linear(1, 2), lib.nn.ReLU(), lib.nn.Linear(2, 3))
        model.append(lib.nn.Linear(3, 4))
        model.insert(1, lib.nn.Linear(2, 2))
        del model[2]
        model[0] = lib.nn.Linear(1, 2, bias=False)
        return model

    ours, theirs = both(edit)
    assert keys(ours) == keys(theirs)
    assert repr(ours) == repr(theirs)
    assert len(ours) == 4
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]


def test_sequential_indexing_and_slicing() -> None:
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3))
    assert model[-1] is model._modules["2"]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["1", "2"]
    assert head[0] is model[1]
    with pytest.raises(IndexError, match="index 3 is out of range for a Sequential of length 3"):
        model[3]
    assert model.pop() is not None and len(model) == 2


def test_sequential_from_ordered_dict_keeps_names() -> None:
    def make(lib: Any) -> Any:
        return lib.nn.Sequential(
            OrderedDict([("fc", lib.nn.Linear(2, 2)), ("act", lib.nn.Sigmoid())])
        )

    ours, theirs = both(make)
    assert keys(ours) == keys(theirs) == ["fc.weight", "fc.bias"]
    assert ours.fc is ours[0]
    assert repr(ours) == repr(theirs)


def test_module_list_registers_and_prints_like_torch() -> None:
    def make(lib: Any) -> Any:
        layers = lib.nn.ModuleList([lib.nn.Linear(2, 2) for _ in range(3)])
        layers.append(lib.nn.ReLU())
        layers.extend([lib.nn.Linear(2, 1)])
        layers.insert(0, lib.nn.Tanh())
        del layers[1]
        layers += [lib.nn.ReLU()]
        return layers

    ours, theirs = both(make)
    assert keys(ours) == keys(theirs)
    assert repr(ours) == repr(theirs)  # including the "(0-1): 2 x Linear(...)" compression
    assert len(ours) == 6 and isinstance(ours[1:3], nn.ModuleList)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_list_inside_a_module_exposes_parameters() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x: rg.Tensor) -> rg.Tensor:
            for layer in self.layers:
                x = layer(x)
            return x

    model = Stack()
    assert [n for n, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
    ]  # fmt: skip
    assert model(rg.ones(1, 2)).shape == (1, 2)
    with pytest.raises(TypeError, match="iterable of modules"):
        nn.ModuleList(nn.Linear(1, 1))  # type: ignore[arg-type]


def test_module_dict_matches_torch() -> None:
    def make(lib: Any) -> Any:
        layers = lib.nn.ModuleDict({"enc": lib.nn.Linear(2, 3), "act": lib.nn.ReLU()})
        layers.update([("dec", lib.nn.Linear(3, 2))])
        layers["out"] = lib.nn.Sigmoid()
        layers.pop("act")
        return layers

    ours, theirs = both(make)
    assert keys(ours) == keys(theirs)
    assert repr(ours) == repr(theirs)
    assert list(ours) == list(theirs) == list(ours.keys())
    assert "enc" in ours and "act" not in ours
    assert [type(m).__name__ for m in ours.values()] == ["Linear", "Linear", "Sigmoid"]
    assert [k for k, _ in ours.items()] == ["enc", "dec", "out"]
    with pytest.raises(KeyError, match="no key 'act'"):
        ours["act"]
    ours.clear()
    assert len(ours) == 0


def test_sequential_children_keep_their_hooks_and_own_call() -> None:
    calls: list[str] = []

    class Loud(nn.Identity):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("call")
            return super().__call__(*args, **kwargs)

    first, second = nn.Linear(2, 2), Loud()
    model = nn.Sequential(first, second, nn.ReLU())
    x = rg.ones(1, 2)
    model(x)
    assert calls == ["call"]
    first.register_forward_pre_hook(lambda module, args: (args[0] * 0,))  # first(x) = bias
    handle = second.register_forward_hook(lambda module, args, out: out + 1)
    np.testing.assert_allclose(model(x).array, [np.maximum(first.bias.array + 1, 0)])
    handle.remove()
    np.testing.assert_allclose(model(x).array, [np.maximum(first.bias.array, 0)])
    assert calls == ["call"] * 3


def test_module_call_passes_every_argument_form() -> None:
    class Args(nn.Module):
        def forward(self, *args: Any, **kwargs: Any) -> Any:
            return args, kwargs

    m = Args()
    assert m() == ((), {})
    assert m(1) == ((1,), {})
    assert m(1, 2, k=3) == ((1, 2), {"k": 3})
    assert m(input=1) == ((), {"input": 1})


def test_a_child_without_module_init_fails_as_when_called_alone() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:  # forgets super().__init__()
            pass

        def forward(self, input: Any) -> Any:  # noqa: A002
            return input

    with pytest.raises(AttributeError, match="_forward_pre_hooks"):
        Broken()(rg.ones(1))
    with pytest.raises(AttributeError, match="_forward_pre_hooks"):
        nn.Sequential(nn.Identity(), Broken())(rg.ones(1))
