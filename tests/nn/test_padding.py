"""F.pad's reflect, replicate and circular modes (1-3 padded axes, negative widths crop) and the
padding layers, forward and backward against PyTorch and finite differences."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import check, seeds
from retrograd import ShapeError, UnsupportedError


@st.composite
def pad_configs(draw: Any) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """A mode, an input of (C, *spatial) or (N, C, *spatial) and widths valid for the mode."""
    mode = draw(st.sampled_from(["reflect", "replicate", "circular"]))
    axes = draw(st.integers(1, 3))
    spatial = [draw(st.integers(1, 4)) for _ in range(axes)]
    batch = [draw(st.integers(1, 2))] if draw(st.booleans()) else []
    widths: list[int] = []
    for n in reversed(spatial):  # pad lists the last axis first
        if mode == "reflect":  # each width below the axis length (and crops keep it positive)
            width = st.integers(-((n - 1) // 2), n - 1)
            widths += [draw(width), draw(width)]
        elif mode == "replicate":
            width = st.integers(-((n - 1) // 2), 3)
            widths += [draw(width), draw(width)]
        else:
            before = draw(st.integers(-((n - 1) // 2), n))
            kept = n - max(-before, 0)
            after = draw(st.integers(-((kept - 1) // 2), kept))
            kept -= max(-after, 0)
            widths += [min(before, kept), min(after, kept)]
    return mode, (*batch, 2, *spatial), tuple(widths)


@settings(max_examples=60)
@given(pad_configs(), seeds)
def test_pad_modes(config, seed):
    mode, shape, widths = config
    check(
        lambda a: F.pad(a, widths, mode=mode),
        shape,
        seed=seed,
        torch_fn=lambda a: TF.pad(a, widths, mode=mode),
    )


def test_pad_hand_example():
    x = rg.tensor([[[0.0, 1.0, 2.0, 3.0]]])
    assert F.pad(x, (2, 1), mode="reflect").tolist() == [[[2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0]]]
    assert F.pad(x, (2, 1), mode="replicate").tolist() == [[[0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0]]]
    assert F.pad(x, (2, 1), mode="circular").tolist() == [[[2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0]]]
    assert F.pad(x, (-1, 2), mode="circular").tolist() == [[[1.0, 2.0, 3.0, 1.0, 2.0]]]


def test_pad_mode_errors():
    x = rg.zeros(1, 2, 3)
    with pytest.raises(ShapeError):
        F.pad(x, (3, 0), mode="reflect")  # not below the axis length
    with pytest.raises(ShapeError):
        F.pad(x, (4, 0), mode="circular")  # wraps more than once
    with pytest.raises(ShapeError):
        F.pad(rg.zeros(1, 1, 2, 3), (1, 1), mode="replicate")  # 4-d input, one padded axis
    with pytest.raises(UnsupportedError):
        F.pad(x, (1, 1), mode="wrap")


LAYERS = [
    ("ConstantPad1d", ((1, 2), 1.5), (2, 3, 4)),
    ("ConstantPad2d", (1, -0.5), (2, 3, 4)),
    ("ConstantPad3d", ((1, 0, 2, 1, 0, 1), 2.0), (1, 2, 2, 3)),
    ("ZeroPad1d", ((0, 2),), (2, 4)),
    ("ZeroPad2d", ((1, 0, 2, -1),), (1, 2, 3, 4)),
    ("ZeroPad3d", (1,), (1, 2, 2, 3)),
    ("ReflectionPad1d", ((2, 1),), (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 0, 1),), (2, 3, 4)),
    ("ReflectionPad3d", (1,), (1, 2, 2, 3, 3)),
    ("ReplicationPad1d", (3,), (2, 4)),
    ("ReplicationPad2d", ((1, 2, 3, 0),), (1, 2, 3, 4)),
    ("ReplicationPad3d", ((1, 0, 2, 1, 0, 2),), (2, 2, 3, 3)),
    ("CircularPad1d", ((2, 3),), (2, 3, 4)),
    ("CircularPad2d", (1,), (1, 2, 3, 4)),
    ("CircularPad3d", ((1, 0, 2, 1, 0, 1),), (1, 2, 2, 3, 3)),
]


@pytest.mark.parametrize(("name", "args", "shape"), LAYERS)
def test_padding_layers(name, args, shape):
    ours, theirs = getattr(rg.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert ours.padding == theirs.padding
    check(ours, shape, torch_fn=theirs)
