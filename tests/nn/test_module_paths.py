"""Every layer of `retrograd.nn` that PyTorch has is also at PyTorch's module path
(`torch.nn.modules.linear.Linear` -> `retrograd.nn.modules.linear.Linear`), as the same class."""

from __future__ import annotations

import importlib
import inspect

import torch.nn

import retrograd as rg


def test_layers_are_at_pytorchs_module_paths() -> None:
    missing = []
    for name in dir(rg.nn):
        ours = getattr(rg.nn, name)
        theirs = getattr(torch.nn, name, None)
        if not (inspect.isclass(ours) and issubclass(ours, rg.nn.Module)) or theirs is None:
            continue
        path = theirs.__module__
        if not path.startswith("torch.nn.modules."):
            continue
        where = "retrograd" + path[len("torch") :]
        try:
            module = importlib.import_module(where)
        except ImportError:
            missing.append(f"{where} (module)")
            continue
        if getattr(module, name, None) is not ours:
            missing.append(f"{where}.{name}")
    assert not missing, missing


def test_the_paths_are_reachable_as_attributes() -> None:
    assert rg.nn.modules.linear.Linear is rg.nn.Linear
    assert rg.nn.modules.container.Sequential is rg.nn.Sequential
