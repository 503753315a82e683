"""`Module.__init_subclass__` records each layer's constructor arguments in `_init_config`."""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np
import pytest

from retrograd import nn
from retrograd.nn.module import UnrecordedArgument


def test_records_bound_arguments_with_defaults() -> None:
    layer = nn.Linear(2, out_features=3)
    assert layer._init_config == {
        "type": "Linear",
        "args": {
            "in_features": 2,
            "out_features": 3,
            "bias": True,
            "device": None,
            "dtype": None,
            "generator": None,
        },
    }


LIBRARY = "retrograd.nn.stand_in"  # a class of this module counts as one of retrograd's


def test_user_classes_are_neither_wrapped_nor_recorded() -> None:
    class Net(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.fc = nn.Linear(width, 1)

    class Head(nn.Linear):
        def __init__(self, width: int) -> None:
            super().__init__(width, 1)

    assert not hasattr(Net.__init__, "__wrapped__")
    assert not hasattr(Head.__init__, "__wrapped__")
    net, head = Net(3), Head(3)
    assert "_init_config" not in net.__dict__ and "_init_config" not in head.__dict__
    assert net.fc._init_config["type"] == "Linear"  # retrograd's layers inside are recorded


def test_outermost_call_wins() -> None:
    class Head(nn.Linear):
        __module__ = LIBRARY  # recording is for retrograd's own layers

        def __init__(self, width: int, scale: float = 2.0) -> None:
            super().__init__(width, 1)
            self.scale = scale

    head = Head(5)
    assert head._init_config == {"type": "Head", "args": {"width": 5, "scale": 2.0}}
    assert head.in_features == 5  # the inner constructor still ran


def test_subclass_without_its_own_init_records_its_own_name() -> None:
    class Rectifier(nn.ReLU):
        __module__ = LIBRARY

    assert Rectifier(True)._init_config == {"type": "Rectifier", "args": {"inplace": True}}


def test_layers_given_as_arguments_are_nested_configs() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert model._init_config["args"]["args"] == (
        model[0]._init_config,
        {"type": "ReLU", "args": {"inplace": False}},
    )


def test_var_positional_and_var_keyword_arguments() -> None:
    assert nn.Identity(1, "a", size=3)._init_config == {
        "type": "Identity",
        "args": {"args": (1, "a"), "size": 3},
    }


def test_values_are_made_json_friendly() -> None:
    layer = nn.Linear(np.int64(2), 3, dtype=np.float64, generator=np.random.default_rng(1))
    args = layer._init_config["args"]
    assert args["in_features"] == 2 and type(args["in_features"]) is int
    assert args["dtype"] == "float64"
    assert args["generator"] is None  # it only drew the initial weights
    assert nn.Linear(2, 3, dtype=np.dtype("float32"))._init_config["args"]["dtype"] == "float32"


def test_values_no_file_can_hold_are_marked() -> None:
    class Scaled(nn.Module):
        __module__ = LIBRARY

        def __init__(self, fn: Any, table: Any) -> None:
            super().__init__()
            self.fn = fn

    args = Scaled(lambda x: x, {"a": 1})._init_config["args"]
    assert isinstance(args["fn"], UnrecordedArgument) and args["fn"].type_name == "function"
    assert isinstance(args["table"], UnrecordedArgument) and args["table"].type_name == "dict"


def test_wrong_arguments_raise_the_constructors_own_error() -> None:
    with pytest.raises(TypeError, match="out_features"):
        nn.Linear(2)


def test_signature_and_name_are_kept() -> None:
    assert list(inspect.signature(nn.Linear).parameters)[:2] == ["in_features", "out_features"]
    assert nn.Linear.__init__.__name__ == "__init__"


def test_a_deep_copy_keeps_the_record() -> None:
    layer = nn.Linear(2, 3)
    assert copy.deepcopy(layer)._init_config == layer._init_config
