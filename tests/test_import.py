"""`import retrograd` stays light: the workflow packages load on first use."""

from __future__ import annotations

import subprocess
import sys


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
