"""ParameterList and ParameterDict against PyTorch's: keys, state dicts, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn


class Mixture(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(rg.ones(3)), rg.full((3,), 2.0)])
        self.offsets = nn.ParameterDict({"a": nn.Parameter(rg.zeros(3))})
        self.offsets["b"] = rg.ones(3)

    def forward(self, x: rg.Tensor) -> rg.Tensor:
        out = x
        for scale in self.scales:
            out = out * scale
        return out + self.offsets["a"] + self.offsets["b"]


class TorchMixture(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scales = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.ones(3)), torch.full((3,), 2.0)]
        )
        self.offsets = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.zeros(3))})
        self.offsets["b"] = torch.ones(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for scale in self.scales:
            out = out * scale
        return out + self.offsets["a"] + self.offsets["b"]


def test_keys_and_parameters_match_torch() -> None:
    ours, theirs = Mixture(), TorchMixture()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 4
    assert all(isinstance(p, nn.Parameter) for p in ours.scales)
    assert len(ours.scales) == 2 and "b" in ours.offsets and list(ours.offsets) == ["a", "b"]


def test_training_through_the_containers_matches_torch() -> None:
    ours, theirs = Mixture(), TorchMixture()
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    for model, lib in ((ours, rg), (theirs, torch)):
        opt = (rg.optim if lib is rg else torch.optim).SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            loss = (model(lib.tensor(x)) ** 2).mean()
            loss.backward()
            opt.step()
    for (name, a), (_, b) in zip(
        ours.state_dict().items(), theirs.state_dict().items(), strict=True
    ):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-6, err_msg=name)


def test_list_operations_and_errors() -> None:
    params = nn.ParameterList()
    params.append(rg.ones(2)).extend([rg.zeros(1)])
    params[0] = rg.full((2,), 3.0)
    assert [tuple(p.shape) for p in params] == [(2,), (1,)] and params[0].array[0] == 3.0
    assert len(params[0:1]) == 1
    with pytest.raises(rg.IndexRangeError):
        params[5]
    with pytest.raises(rg.ArgumentTypeError):
        params.append("not a tensor")
    table = nn.ParameterDict()
    table.update([("w", rg.ones(1))])
    assert table.pop("w").shape == (1,) and len(table) == 0
    with pytest.raises(rg.InvalidKeyError):
        table["missing"]
