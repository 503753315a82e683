"""`module_to_config` / `module_from_config`: architectures as JSON, rebuilt with no user code."""

from __future__ import annotations

import json
from collections import OrderedDict

import numpy as np
import pytest
from io_testing import mlp

from retrograd import nn
from retrograd.io import ModelFileError, builtin_layers, module_from_config, module_to_config


def roundtrip(model: nn.Module) -> nn.Module:
    """Through JSON text, as a file stores it."""
    return module_from_config(json.loads(json.dumps(module_to_config(model))))


def test_mlp_config_by_hand() -> None:
    config = module_to_config(nn.Sequential(nn.Linear(2, 3, bias=False), nn.ReLU()))
    assert config == {
        "type": "Sequential",
        "modules": {
            "0": {
                "type": "Linear",
                "args": {
                    "in_features": 2,
                    "out_features": 3,
                    "bias": False,
                    "device": None,
                    "dtype": None,
                    "generator": None,
                },
            },
            "1": {"type": "ReLU", "args": {"inplace": False}},
        },
    }


def test_rebuilt_model_has_the_same_structure() -> None:
    model = mlp()
    rebuilt = roundtrip(model)
    assert repr(rebuilt) == repr(model)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_containers_keep_names_nesting_and_later_changes() -> None:
    model = nn.Sequential(
        OrderedDict(
            encoder=nn.Sequential(nn.Linear(4, 4), nn.GELU(approximate="tanh")),
            heads=nn.ModuleDict({"a": nn.Linear(4, 1), "b": nn.Linear(4, 2)}),
            extra=nn.ModuleList([nn.Identity(), nn.Flatten(0)]),
        )
    )
    model.extra.append(nn.Softmax(dim=-1))
    rebuilt = roundtrip(model)
    assert repr(rebuilt) == repr(model)
    assert list(rebuilt.state_dict()) == list(model.state_dict())
    assert isinstance(rebuilt.heads, nn.ModuleDict) and isinstance(rebuilt.extra, nn.ModuleList)


def test_lists_come_back_as_tuples_and_dtypes_as_names() -> None:
    model = nn.Sequential(nn.Linear(12, 12, dtype=np.float64), nn.Unflatten(1, [3, 4]))
    rebuilt = roundtrip(model)
    assert rebuilt[1].unflattened_size == (3, 4)
    assert rebuilt[0].weight.dtype == np.float64


def test_custom_module_is_refused_with_advice() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

    with pytest.raises(ModelFileError, match=r"Net.*retrograd.save\(model.state_dict\(\), path\)"):
        module_to_config(Net())
    with pytest.raises(ModelFileError, match=r"model\.1 is a .*Net"):
        module_to_config(nn.Sequential(nn.ReLU(), Net()))


def test_subclass_of_a_builtin_is_custom_too() -> None:
    class Linear(nn.Linear):  # same name as the built-in: the class itself must match
        pass

    with pytest.raises(ModelFileError, match="not a layer exported by retrograd.nn"):
        module_to_config(Linear(2, 2))


def test_argument_no_file_can_hold_is_named() -> None:
    with pytest.raises(
        ModelFileError, match=r"model\.0 \(Identity\) was built with fn= a function"
    ):
        module_to_config(nn.Sequential(nn.Identity(fn=lambda x: x)))


def test_unknown_type_is_named() -> None:
    config = {"type": "Sequential", "modules": {"0": {"type": "EvilLayer", "args": {}}}}
    with pytest.raises(ModelFileError, match=r"architecture\.0: unknown layer type 'EvilLayer'"):
        module_from_config(config)


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ("Linear", "expected a"),
        ({"args": {}}, "expected a"),
        ({"type": "Linear", "args": [2, 3]}, "args must be an object"),
        ({"type": "Linear", "args": {"in_features": 2}}, "cannot build Linear"),
        ({"type": "Linear", "args": {"in_features": 2, "out_features": 3, "x": 1}}, "'x'"),
        ({"type": "Linear", "args": {"in_features": -2, "out_features": 3}}, "non-negative"),
        ({"type": "Sequential", "modules": [1]}, "modules must be an object"),
        ({"type": "Module", "args": {}}, "unknown layer type 'Module'"),
        ({"type": "Sequential", "modules": {"a.b": {"type": "ReLU"}}}, "cannot build Sequential"),
        ({"type": "Sequential", "args": {"args": [{"type": "Sequential"}] * 2}}, "modules must"),
    ],
)
def test_malformed_configs_are_refused(config: object, fragment: str) -> None:
    with pytest.raises(ModelFileError, match=fragment):
        module_from_config(config)


class Repeat(nn.Module):
    """A stand-in for a layer that takes a layer as an argument (like TransformerEncoder)."""

    __module__ = "retrograd.nn.stand_in"  # constructor arguments are recorded for retrograd's

    def __init__(self, layer: nn.Module, times: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList([layer for _ in range(times)])

    def forward(self, x):  # type: ignore[no-untyped-def]
        for layer in self.layers:
            x = layer(x)
        return x


def test_new_layers_in_retrograd_nn_work_automatically(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelFileError):
        module_to_config(Repeat(nn.Linear(2, 2), 3))
    monkeypatch.setattr(nn, "Repeat", Repeat, raising=False)
    assert builtin_layers()["Repeat"] is Repeat
    model = Repeat(nn.Sequential(nn.Linear(2, 2), nn.Tanh()), 3)
    config = module_to_config(model)
    assert config["args"]["layer"] == {
        "type": "Sequential",
        "args": {
            "args": [
                {
                    "type": "Linear",
                    "args": {
                        "in_features": 2,
                        "out_features": 2,
                        "bias": True,
                        "device": None,
                        "dtype": None,
                        "generator": None,
                    },
                },
                {"type": "Tanh", "args": {}},
            ]
        },
    }
    rebuilt = roundtrip(model)
    assert repr(rebuilt) == repr(model)


def test_every_exported_layer_is_registered() -> None:
    layers = builtin_layers()
    for name in nn.__all__:
        value = getattr(nn, name)
        if isinstance(value, type) and issubclass(value, nn.Module) and value is not nn.Module:
            assert layers[name] is value
    assert "Module" not in layers and "Parameter" not in layers


def test_deeply_nested_architecture_is_refused() -> None:
    config: dict[str, object] = {"type": "ReLU", "args": {}}
    for _ in range(5000):
        config = {"type": "Sequential", "modules": {"0": config}}
    with pytest.raises(ModelFileError, match="nested too deeply"):
        module_from_config(config)
