"""A Tensor is made in three places: `Tensor.__init__`, the fast constructor `_wrap`, and
inline in `dispatch.apply` (the hot path of every op). Each must set every field of
`Tensor.__slots__`; this test fails when a new field is added to one and not the others."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd.tensor import Tensor, _wrap

FIELDS = [name for name in Tensor.__slots__ if name != "__weakref__"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tensor([1.0, 2.0]),
        lambda: Tensor([1.0, 2.0], requires_grad=True),
        lambda: _wrap(np.ones(2)),
        lambda: rg.ones(2) * 2.0,  # dispatch.apply, nothing recorded
        lambda: rg.ones(2, requires_grad=True) * 2.0,  # dispatch.apply, recorded
        lambda: rg.ones(2, requires_grad=True).data,
    ],
    ids=["init", "init-grad", "wrap", "apply", "apply-recorded", "data"],
)
def test_every_constructor_sets_every_field(make) -> None:  # type: ignore[no-untyped-def]
    t = make()
    missing = [name for name in FIELDS if not hasattr(t, name)]
    assert not missing, f"fields left unset: {missing}"
