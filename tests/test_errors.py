"""Every error retrograd raises on purpose is a RetrogradError that also subclasses the matching
built-in, so `except retrograd.RetrogradError` and `except ValueError` (TypeError, ...) both work.

The source test reads each module under ``src/retrograd`` with ``ast`` (nothing is imported) and
fails on a `raise` of a plain built-in exception, outside the short allow-list below.
"""

from __future__ import annotations

import ast
import builtins
import inspect
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
import retrograd.errors
import retrograd.nn.functional as F
from retrograd import nn, plotting
from retrograd.plotting import figure
from retrograd.sklearn import _deps

SRC = Path(__file__).resolve().parents[1] / "src" / "retrograd"

# The built-ins a deliberate error must not be raised as directly. AttributeError is left out:
# `__getattr__` and PyTorch's `get_submodule`/`get_parameter` raise it by the attribute protocol.
CHECKED = {
    "Exception",
    "ValueError",
    "TypeError",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "RuntimeError",
    "ImportError",
    "ArithmeticError",
}

# Python's data-model hooks raise what Python, NumPy and PyTorch raise there (len() of a 0-d
# tensor, a non-integer used as an index, iterating a 0-d tensor, bool() of many elements).
DATA_MODEL_HOOKS = {"__len__", "__index__", "__iter__", "__bool__"}

# file (relative to src/retrograd) -> (the built-ins still raised there, why)
ALLOWED: dict[str, tuple[set[str], str]] = {
    "tensor/dispatch.py": ({"IndexError", "TypeError"}, "not converted yet; likewise"),
    "interop.py": ({"TypeError"}, "not converted yet; likewise"),
    "onnx/export.py": ({"TypeError", "ValueError"}, "not converted yet; likewise"),
}


def _is_abstract_hook(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A method whose whole body is (a docstring and) `raise NotImplementedError[(...)]`: the
    Python convention for "a subclass defines this"."""
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    return _raised_name(body[0].exc) == "NotImplementedError"


def _raised_name(exc: ast.expr) -> str | None:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return target.id if isinstance(target, ast.Name) else None


def _plain_raises(path: Path) -> list[tuple[int, str, str]]:
    """(line, exception, enclosing function) of each plain built-in raised in `path`."""
    found: list[tuple[int, str, str]] = []

    def visit(node: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child)
                continue
            if isinstance(child, ast.Raise) and child.exc is not None:
                name = _raised_name(child.exc)
                if name in CHECKED and not (
                    function is not None
                    and (function.name in DATA_MODEL_HOOKS or _is_abstract_hook(function))
                ):
                    found.append((child.lineno, name, function.name if function else "<module>"))
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def test_checked_names_are_builtin_exceptions() -> None:
    for name in CHECKED:
        assert issubclass(getattr(builtins, name), BaseException)


def test_no_plain_builtin_exceptions_in_the_package() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        allowed = ALLOWED.get(rel, (set(), ""))[0]
        for line, name, function in _plain_raises(path):
            if name not in allowed:
                offenders.append(f"{rel}:{line} in {function}: raise {name}")
    assert not offenders, (
        "raise a retrograd.errors class (it also subclasses the built-in) instead of:\n"
        + "\n".join(offenders)
    )


def test_allow_list_has_no_stale_entries() -> None:
    for rel, (allowed, reason) in ALLOWED.items():
        assert reason
        path = SRC / rel
        assert path.exists(), f"{rel} is gone; drop its allow-list entry"
        raised = {name for _, name, _ in _plain_raises(path)}
        assert allowed <= raised, f"{rel} no longer raises {allowed - raised}; shorten its entry"


def test_the_scan_tells_hooks_from_errors() -> None:
    tree = ast.parse(
        "class A:\n"
        "    def forward(self):\n"
        "        '''Defined by subclasses.'''\n"
        "        raise NotImplementedError\n"
        "    def check(self, x):\n"
        "        if x:\n"
        "            raise ValueError('bad')\n"
        "        raise NotImplementedError('option')\n"
    )
    forward, check = (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    assert _is_abstract_hook(forward)
    assert not _is_abstract_hook(check)


# ---------------------------------------------------------------------- the classes
ERROR_CLASSES = [
    obj
    for _, obj in inspect.getmembers(retrograd.errors, inspect.isclass)
    if issubclass(obj, Exception) and obj.__module__ == "retrograd.errors"
]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_each_error_is_exported_documented_and_a_builtin_too(cls: type[Exception]) -> None:
    assert getattr(rg, cls.__name__) is cls
    assert cls.__name__ in rg.__all__
    assert cls.__doc__
    if cls is not rg.RetrogradError:
        assert issubclass(cls, rg.RetrogradError)
        builtin_parents = [
            base
            for base in cls.__mro__
            if base.__module__ == "builtins" and base not in (Exception, BaseException, object)
        ]
        assert builtin_parents, f"{cls.__name__} subclasses no specific built-in"


def test_key_errors_read_plainly() -> None:
    error = rg.InvalidKeyError("ModuleDict has no key 'x'")
    assert str(error) == "ModuleDict has no key 'x'"  # KeyError alone would quote it


def test_missing_dependency_error_is_one_class() -> None:
    assert plotting.MissingDependencyError is rg.MissingDependencyError
    assert figure.MissingDependencyError is rg.MissingDependencyError
    assert _deps.MissingDependencyError is rg.MissingDependencyError
    assert issubclass(rg.MissingDependencyError, ImportError)


# ---------------------------------------------------------------------- spot checks by layer
CASES = [
    ("optim lr", lambda: rg.optim.SGD([nn.Parameter(rg.zeros(2))], lr=-1.0), ValueError),
    ("dropout p", lambda: nn.Dropout(p=1.5), rg.InvalidArgumentError),
    ("loss reduction", lambda: F.mse_loss(rg.zeros(2), rg.zeros(2), reduction="avg"), ValueError),
    ("conv kernel", lambda: nn.Conv2d(1, 1, (1, 2, 3)), rg.InvalidArgumentError),
    ("pool kernel", lambda: nn.MaxPool2d((2, 2, 2)), rg.InvalidArgumentError),
    ("linear input", lambda: nn.Linear(3, 2)(np.zeros((1, 3))), rg.ArgumentTypeError),
    ("linear shape", lambda: nn.Linear(3, 2)(rg.zeros(1, 4)), rg.ShapeError),
    (
        "class index",
        lambda: F.cross_entropy(rg.zeros(2, 3), rg.tensor([0, 5])),
        rg.IndexRangeError,
    ),
    ("embedding index", lambda: nn.Embedding(3, 2)(rg.tensor([7])), rg.IndexRangeError),
    ("lstm proj_size", lambda: nn.LSTM(2, 3, proj_size=2), rg.UnsupportedError),
    ("module dict", lambda: nn.ModuleDict()["missing"], rg.InvalidKeyError),
    ("module name", lambda: nn.Module().add_module("a.b", nn.ReLU()), rg.InvalidKeyError),
    ("tensor index", lambda: rg.zeros(2)[5], rg.IndexRangeError),
    ("tensor pad", lambda: F.pad(rg.zeros(2), (1, 1), mode="reflect"), rg.ShapeError),
    ("dtype name", lambda: rg.zeros(2, dtype="float8"), rg.DTypeError),
    ("scaler", lambda: rg.data.StandardScaler().transform(np.zeros((2, 2))), rg.NotFittedError),
    ("data set", lambda: rg.datasets.load("no such set"), rg.InvalidArgumentError),
    ("metric", lambda: rg.metrics.get_metric("no such metric"), rg.InvalidArgumentError),
]


@pytest.mark.parametrize("call, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_errors_from_every_layer_are_retrograd_errors(
    call: Callable[[], object], expected: type[Exception]
) -> None:
    with pytest.raises(rg.RetrogradError) as caught:
        call()
    assert isinstance(caught.value, expected)


def test_not_fitted_is_also_value_and_attribute_error() -> None:
    scaler = rg.data.StandardScaler()
    for builtin in (ValueError, AttributeError):
        with pytest.raises(builtin, match="StandardScaler is not fitted yet"):
            scaler.transform(np.zeros((2, 2)))
