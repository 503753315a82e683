"""The API reference has an entry for every public name.

A public name is one listed in the `__all__` of a public module. Its entry is a mkdocstrings
`::: identifier` line on an API page whose identifier is the same object, or, for the
free-function forms of Tensor methods (`rg.exp` is `x.exp()`), a cross-reference
`[exp][retrograd.Tensor.exp]` to the method. Each `:::` identifier must also be what the docs
tool sees: a function documented at `retrograd.train.fit` would render the module `fit.py`
instead of the function, so the page must name `retrograd.train.fit.fit`.
"""

from __future__ import annotations

import importlib
import inspect
import re
import types
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "docs" / "api"

PUBLIC_MODULES = (
    "retrograd",
    "retrograd.nn",
    "retrograd.nn.functional",
    "retrograd.nn.init",
    "retrograd.nn.parallel",
    "retrograd.nn.utils",
    "retrograd.optim",
    "retrograd.optim.lr_scheduler",
    "retrograd.data",
    "retrograd.utils.data",
    "retrograd.io",
    "retrograd.serialization",
    "retrograd.sparse",
    "retrograd.train",
    "retrograd.metrics",
    "retrograd.diagnostics",
    "retrograd.distributed",
    "retrograd.sklearn",
    "retrograd.onnx",
    "retrograd.plotting",
    "retrograd.datasets",
    "retrograd.autograd",
)

DIRECTIVE = re.compile(r"^::: *([\w.]+)", re.MULTILINE)
CROSS_REFERENCE = re.compile(r"\]\[(retrograd[\w.]*)\]")
FREE_FUNCTIONS = "retrograd.tensor.functions"


def resolve(identifier: str) -> Any:
    """The object a dotted identifier names at run time (the longest importable module, then
    attributes)."""
    parts = identifier.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise LookupError(identifier)


@cache
def directives() -> dict[str, str]:
    """Every `:::` identifier of the API pages, with the page it is on."""
    found = {}
    for page in sorted(API.rglob("*.md")):
        for identifier in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            found[identifier] = page.relative_to(ROOT).as_posix()
    return found


@cache
def cross_references() -> frozenset[str]:
    text = "".join(page.read_text(encoding="utf-8") for page in API.rglob("*.md"))
    return frozenset(CROSS_REFERENCE.findall(text))


def public_names() -> list[tuple[str, str]]:
    return [
        (module, name)
        for module in PUBLIC_MODULES
        for name in importlib.import_module(module).__all__
        if name != "__version__"
    ]


def has_entry(module: str, name: str) -> bool:
    """Whether `module.name` has an entry in the reference (see the module docstring)."""
    obj = getattr(importlib.import_module(module), name)
    if getattr(obj, "__module__", None) == FREE_FUNCTIONS:
        method = f"retrograd.Tensor.{name}"
        return method in cross_references() and "retrograd.Tensor" in directives()
    if isinstance(obj, types.ModuleType) and obj.__name__ in PUBLIC_MODULES:
        return True  # a page of its own
    for identifier in directives():
        if resolve(identifier) is obj and (
            inspect.isclass(obj)
            or inspect.isroutine(obj)
            or isinstance(obj, types.ModuleType)
            or identifier.rsplit(".", 1)[-1] == name
        ):
            return True
    return False


def missing_entries() -> list[str]:
    return [f"{module}.{name}" for module, name in public_names() if not has_entry(module, name)]


def test_every_public_name_has_an_entry_in_the_reference() -> None:
    assert len(public_names()) > 500
    assert missing_entries() == []


def test_every_directive_names_an_object_that_exists() -> None:
    for identifier, page in directives().items():
        try:
            resolve(identifier)
        except (LookupError, AttributeError):
            pytest.fail(f"{page}: ::: {identifier} names nothing")


def test_the_docs_tool_sees_each_directive_as_the_same_kind_of_object() -> None:
    griffe = pytest.importorskip("griffe")
    package = griffe.load("retrograd", search_paths=[str(ROOT / "src")])
    for identifier, page in directives().items():
        obj = resolve(identifier)
        seen = package if identifier == "retrograd" else package[identifier[len("retrograd.") :]]
        is_module = isinstance(obj, types.ModuleType)
        # a module of the same name as the function it defines hides the function
        assert (seen.kind.value == "module") == is_module, f"{page}: ::: {identifier}"


if __name__ == "__main__":
    missing = missing_entries()
    total = len(public_names())
    print(f"{total - len(missing)} of {total} public names have an entry")
    print("\n".join(missing))
