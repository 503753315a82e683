"""nn.Module: registration, traversal (compared with torch on the same model code), modes,
gradients, dtype conversion, hooks, repr."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn, optim


def build(lib: Any) -> Any:
    """The same small model, written once, for retrograd (`lib=rg`) or torch (`lib=torch`)."""

    class Block(lib.nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.fc = lib.nn.Linear(width, width)
            self.act = lib.nn.Tanh()
            self.register_buffer("running", lib.zeros(width))
            self.register_buffer("scratch", lib.ones(1), persistent=False)

        def forward(self, x: Any) -> Any:
            return self.act(self.fc(x)) + self.running

    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = lib.nn.Linear(3, 4, bias=False)
            self.scale = lib.nn.Parameter(lib.ones(4))
            self.blocks = lib.nn.Sequential(Block(4), Block(4))
            self.head = lib.nn.Linear(4, 2)
            self.plain = 7  # not registered

        def forward(self, x: Any) -> Any:
            return self.head(self.blocks(self.stem(x) * self.scale))

    return Net()


def names(pairs: Any) -> list[str]:
    return [name for name, _ in pairs]


def test_traversal_names_match_torch() -> None:
    ours, theirs = build(rg), build(torch)
    assert names(ours.named_parameters()) == names(theirs.named_parameters())
    assert names(ours.named_buffers()) == names(theirs.named_buffers())
    assert names(ours.named_modules()) == names(theirs.named_modules())
    assert names(ours.named_children()) == names(theirs.named_children())
    assert names(ours.named_parameters(recurse=False)) == ["scale"]
    assert names(ours.named_parameters(prefix="net")) == names(
        theirs.named_parameters(prefix="net")
    )
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 8
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()
    ]
    assert [type(m).__name__ for m in ours.children()] == [
        type(m).__name__ for m in theirs.children()
    ]


def test_repr_matches_torch() -> None:
    assert repr(build(rg)) == repr(build(torch))


def test_forward_matches_torch() -> None:
    ours, theirs = build(rg).double(), build(torch).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(
        ours(rg.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6
    )


def test_shared_parameter_is_listed_once() -> None:
    for lib in (rg, torch):
        shared = lib.nn.Linear(2, 2)
        model = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
        assert len(list(model.parameters())) == 2
        assert len(list(model.modules())) == 3
        assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        assert names(model.named_parameters(remove_duplicate=False)) == [
            "0.weight", "0.bias", "2.weight", "2.bias",
        ]  # fmt: skip


def test_getattr_setattr_delattr() -> None:
    model = build(rg)
    assert isinstance(model.stem, nn.Linear) and isinstance(model.scale, nn.Parameter)
    model.stem = nn.Identity()  # a module replaces a module
    assert isinstance(model._modules["stem"], nn.Identity) and isinstance(model.stem, nn.Identity)
    model.scale = nn.Parameter(rg.zeros(4))
    assert model.scale.array.sum() == 0 and model.scale is model._parameters["scale"]
    model.scale = None
    assert model.scale is None and "scale" not in names(model.named_parameters())
    del model.head
    assert "head" not in model._modules
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'head'"):
        _ = model.head
    model.blocks = nn.Parameter(rg.zeros(1))  # a parameter replaces a module
    assert "blocks" in model._parameters and "blocks" not in model._modules
    assert model.blocks is model._parameters["blocks"]
    assert "plain" in model.__dict__ and "plain" not in dict(model.named_modules())
    del model.blocks
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'blocks'"):
        _ = model.blocks
    model.register_buffer("extra", rg.ones(2))
    model.extra = rg.zeros(2)  # a Tensor replaces the buffer, attribute and state dict alike
    assert model.extra is model.get_buffer("extra")
    assert model.state_dict()["extra"].array.sum() == 0


def test_registered_names_stay_in_step_through_containers_and_copies() -> None:
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    del seq[0]
    assert getattr(seq, "0") is seq[0] and isinstance(seq[0], nn.ReLU)
    with pytest.raises(AttributeError):
        getattr(seq, "2")
    seq.insert(0, nn.Tanh())
    assert [type(getattr(seq, str(i))).__name__ for i in range(3)] == ["Tanh", "ReLU", "Linear"]
    layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
    layers.insert(1, nn.Sigmoid())
    del layers[0]
    assert [type(getattr(layers, str(i))).__name__ for i in range(2)] == ["Sigmoid", "Tanh"]
    assert not hasattr(layers, "2")
    named = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
    del named["a"]
    assert not hasattr(named, "a") and named.b is named["b"]
    named.clear()
    assert not hasattr(named, "b") and len(named) == 0
    clone = copy.deepcopy(seq)
    assert clone[2].weight is clone._modules["2"]._parameters["weight"]
    assert clone[2].weight is not seq[2].weight


def test_assigning_wrong_types_to_registered_names() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        layer.weight = rg.zeros(2, 2)
    model = nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="as child module '0'"):
        setattr(model, "0", 3)
    block = build(rg).blocks[0]
    with pytest.raises(TypeError, match="as buffer 'running'"):
        block.running = np.zeros(4)
    block.running = rg.ones(4)  # a Tensor replaces the buffer
    assert block.get_buffer("running").array.sum() == 4


def test_assigning_before_init_is_explained() -> None:
    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(rg.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Forgetful()


def test_register_errors() -> None:
    m = nn.Module()
    with pytest.raises(KeyError, match=r'contain "\.", got: a\.b'):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="empty string"):
        m.register_buffer("", None)
    with pytest.raises(TypeError, match="name should be a string"):
        m.add_module(3, None)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_parameter("training", None)
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("w", rg.zeros(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)  # type: ignore[arg-type]


def test_train_and_eval_reach_every_module() -> None:
    model = build(rg)
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.blocks.train()
    assert model.blocks[1].act.training and not model.training
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train(1)  # type: ignore[arg-type]


def test_zero_grad() -> None:
    model = nn.Linear(2, 1)
    model(rg.ones(3, 2)).sum().backward()
    held = model.weight.grad
    held_values = held.array.copy()
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is held and not model.weight.grad.array.any()
    np.testing.assert_array_equal(held_values, [[3.0, 3.0]])
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_requires_grad_and_apply() -> None:
    model = build(rg)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    visited: list[str] = []
    model.apply(lambda m: visited.append(type(m).__name__))
    their_visits: list[str] = []
    build(torch).apply(lambda m: their_visits.append(type(m).__name__))
    assert visited == their_visits


def test_double_keeps_parameter_objects_and_converts_grads_and_buffers() -> None:
    model = build(rg)
    model(rg.ones(2, 3)).sum().backward()
    params = list(model.parameters())
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    assert model.double() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert all(b.dtype == np.float64 for b in model.buffers())
    before = params[0].array.copy()
    optimizer.step()  # the optimizer still holds the same (now float64) parameters
    assert not np.array_equal(params[0].array, before)
    model.to("float32")
    assert all(p.dtype == np.float32 for p in params)
    model.to("cpu", dtype="float64")
    assert all(p.dtype == np.float64 for p in params)
    model.to(rg.zeros(1, dtype="float32"))
    assert all(p.dtype == np.float32 for p in params)
    assert model.float() is model and model.cpu() is model


def test_to_rejects_integer_dtypes_and_other_devices() -> None:
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="floating point dtypes"):
        model.to("int64")
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        model.to("cuda")


def test_forward_hooks() -> None:
    layer = nn.Linear(2, 2)
    seen: list[Any] = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    out = layer(rg.ones(3, 2))
    np.testing.assert_allclose(out.array, np.broadcast_to(layer.bias.array, (3, 2)))
    assert seen == [(3, 2)]
    pre.remove()
    post.remove()
    layer(rg.ones(1, 2))
    assert seen == [(3, 2)]
    with layer.register_forward_hook(lambda m, args, out: out * 0):
        assert not layer(rg.ones(1, 2)).array.any()
    assert layer(rg.ones(1, 2)).array.any()


def test_get_submodule_parameter_buffer() -> None:
    model = build(rg)
    assert model.get_submodule("blocks.1.fc") is model.blocks[1].fc
    assert model.get_submodule("") is model
    assert model.get_parameter("blocks.0.fc.weight") is model.blocks[0].fc.weight
    assert model.get_parameter("scale") is model.scale
    assert model.get_buffer("blocks.1.running") is model.blocks[1].running
    with pytest.raises(AttributeError, match="Sequential has no submodule `5`"):
        model.get_submodule("blocks.5")
    with pytest.raises(AttributeError, match="Linear has no parameter `bias`"):
        model.get_parameter("stem.bias")
    with pytest.raises(AttributeError, match="has no buffer `nope`"):
        model.get_buffer("blocks.0.nope")


def test_missing_forward() -> None:
    with pytest.raises(
        NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'
    ):
        nn.Module()(rg.zeros(1))


def test_deepcopy_gives_independent_parameters() -> None:
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, shared)
    clone = copy.deepcopy(model)
    assert clone[0] is clone[1] and clone[0] is not shared
    assert isinstance(clone[0].weight, nn.Parameter)
    clone[0].weight.array[...] = 0
    assert shared.weight.array.any()


def test_dir_lists_registered_names() -> None:
    assert {"stem", "scale", "blocks"} <= set(dir(build(rg)))
