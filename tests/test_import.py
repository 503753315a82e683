"""`import retrograd` stays light: the workflow packages load on first use."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest


def test_import_leaves_heavy_dependencies_unloaded() -> None:
    code = (
        "import sys, retrograd\n"
        "heavy = [m for m in ('tqdm', 'safetensors', 'matplotlib', 'sklearn', 'torch') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_names_resolve_on_first_use() -> None:
    import retrograd as rg

    assert callable(rg.fit) and callable(rg.save) and callable(rg.doctor)
    from retrograd import load, summary

    assert callable(load) and callable(summary)
    assert "fit" in dir(rg) and "fit" in rg.__all__


def _loaded_after(code: str) -> set[str]:
    """The retrograd modules a fresh interpreter holds after running `code`."""
    probe = (
        code + "\nimport sys\nprint(' '.join(m for m in sys.modules if m.startswith('retrograd')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_loads_tensors_and_autograd_only() -> None:
    loaded = _loaded_after("import retrograd")
    assert "retrograd.tensor" in loaded and "retrograd.autograd" in loaded
    assert not loaded & {"retrograd.nn", "retrograd.optim", "retrograd.compiler", "retrograd.data"}


def test_nn_loads_only_the_layers_a_model_uses() -> None:
    loaded = _loaded_after(
        "from retrograd import nn\nnn.Sequential(nn.Linear(2, 3), nn.Sigmoid())\nnn.MSELoss()"
    )
    assert {"retrograd.nn.linear", "retrograd.nn.activation", "retrograd.nn.loss"} <= loaded
    unused = {"rnn", "attention", "transformer", "conv", "pooling", "normalization"}
    assert not loaded & {f"retrograd.nn.{name}" for name in unused}
    assert not loaded & {f"retrograd.nn.functional.{name}" for name in unused}


def test_every_lazy_name_resolves_and_is_listed() -> None:
    import retrograd as rg
    from retrograd import nn
    from retrograd.nn import functional as F

    for package in (rg, nn, F):
        listed = dir(package)
        for name in package.__all__:
            assert getattr(package, name) is not None, name
            assert name in listed, name
    # functions that share their name with their submodule stay functions
    assert callable(F.linear) and callable(F.dropout) and callable(rg.gradcheck)
    from retrograd.nn import LSTM, Conv2d
    from retrograd.nn.functional import conv2d

    assert nn.Conv2d is Conv2d and nn.LSTM is LSTM and F.conv2d is conv2d
    assert rg.nn is nn and rg.compile is rg.compiler.compile


def _type_checking_imports(path: Path) -> set[str]:
    """Names a module imports inside its `if TYPE_CHECKING:` block."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    )
    names: set[str] = set()
    for node in ast.walk(block):
        if not isinstance(node, ast.ImportFrom):
            continue
        for alias in node.names:
            if alias.name == "*":  # the module's __all__
                names.update(importlib.import_module(str(node.module)).__all__)
            else:
                names.add(alias.asname or alias.name)
    return names


def test_each_lazy_layer_module_exports_exactly_its_listed_names() -> None:
    """`nn._LAZY_EXPORTS` (what `nn.X` loads from where) equals each module's `__all__`, so a
    layer is listed in its own file and in that table, and type checkers see the same names."""
    from retrograd import nn

    for module, names in nn._LAZY_EXPORTS.items():
        exported = importlib.import_module(f"retrograd.nn.{module}").__all__
        if module == "parallel":  # also `torch.nn.parallel`, with functions nn does not export
            assert set(names) <= set(exported)
        else:
            assert sorted(names) == sorted(exported), module


@pytest.mark.parametrize("package", ["retrograd.nn", "retrograd.nn.functional"])
def test_type_checkers_see_exactly_the_lazy_names(package: str) -> None:
    # the names type checkers import must be the ones `__getattr__` loads, or an editor and
    # the running code disagree about what the package has
    module = importlib.import_module(package)
    seen = _type_checking_imports(Path(module.__file__))
    lazy = set(module._LAZY_NAMES) | set(getattr(module, "_LAZY_SUBMODULES", ()))
    assert seen == lazy
