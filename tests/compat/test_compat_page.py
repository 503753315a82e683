"""The PyTorch-compatibility page lists exactly the PyTorch names retrograd has at PyTorch's path.

The list between the page's ``<!-- names:start -->`` and ``<!-- names:end -->`` markers is
generated from both libraries; when a name is added to (or removed from) retrograd, regenerate
it with

    python tests/compat/test_compat_page.py

The "Not available yet" list is checked too: each name there exists in PyTorch and is absent
from retrograd, so the page says so the day one of them arrives.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "pytorch-compatibility.md"
START, END = "<!-- names:start -->", "<!-- names:end -->"
MISSING_START, MISSING_END = "<!-- missing:start -->", "<!-- missing:end -->"

# PyTorch's module paths that scripts import, each listed with the names retrograd shares.
MODULES = [
    "torch",
    "torch.Tensor",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.utils",
    "torch.nn.utils.rnn",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.utils.data",
    "torch.autograd",
    "torch.cuda",
    "torch.backends.mps",
]


def resolve(path: str) -> object | None:
    """The object at a dotted path (modules imported as needed), or None."""
    parts = path.split(".")
    try:
        obj: object = importlib.import_module(parts[0])
    except ImportError:
        return None
    for i, part in enumerate(parts[1:], start=1):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(".".join(parts[: i + 1]))
        except ImportError:
            return None
    return obj


def ours(path: str) -> object | None:
    return resolve("retrograd" + path[len("torch") :])


def is_own(value: object, module_path: str, name: str) -> bool:
    """Whether PyTorch defines `value` in (or under) `module_path`, or as a torch builtin; not
    a name the module merely imported (`Optimizer` in lr_scheduler, `Tensor` in nn.init)."""
    origin = getattr(value, "__module__", None) or type(value).__module__
    if not isinstance(origin, str) or origin.split(".")[0] != "torch":
        return False
    if name == "Tensor" and module_path != "torch":
        return False
    return origin.startswith(module_path) or origin.startswith("torch._C") or origin == "torch"


def shared_names(module_path: str) -> list[str]:
    """Public names at `module_path` in both libraries: PyTorch's own objects there (not
    submodules, not what the module imported from the standard library or typing)."""
    theirs, mine = resolve(module_path), ours(module_path)
    assert theirs is not None and mine is not None, module_path
    names = []
    for name in set(dir(mine)) | set(getattr(mine, "__all__", ())):
        if name.startswith("_") or not hasattr(theirs, name) or not hasattr(mine, name):
            continue
        their_value = getattr(theirs, name)
        if isinstance(their_value, ModuleType) or isinstance(getattr(mine, name), ModuleType):
            continue
        if module_path == "torch.Tensor" or is_own(their_value, module_path, name):
            names.append(name)
    return sorted(names, key=lambda n: (n.lower(), n))


def generated_section() -> str:
    lines = []
    for module_path in MODULES:
        names = shared_names(module_path)
        lines.append(f"**`{module_path}`** ({len(names)}): " + ", ".join(f"`{n}`" for n in names))
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def test_page_lists_the_shared_names() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert section(text, START, END) == generated_section(), (
        "the name list on the compatibility page is out of date; regenerate it with "
        "`python tests/compat/test_compat_page.py`"
    )


def listed_names() -> list[str]:
    text = section(PAGE.read_text(encoding="utf-8"), START, END)
    names = []
    for line in text.splitlines():
        match = re.match(r"\*\*`([\w.]+)`\*\* \(\d+\): (.*)", line)
        if match:
            names += [f"{match.group(1)}.{n}" for n in re.findall(r"`(\w+)`", match.group(2))]
    return names


def test_every_listed_name_exists_in_both_libraries() -> None:
    names = listed_names()
    assert len(names) > 300
    absent = [n for n in names if ours(n) is None or resolve(n) is None]
    assert not absent


def missing_names() -> list[str]:
    text = section(PAGE.read_text(encoding="utf-8"), MISSING_START, MISSING_END)
    return re.findall(r"`(torch[\w.]*)`", text)


@pytest.mark.parametrize("name", missing_names())
def test_names_listed_as_missing_are_missing(name: str) -> None:
    assert resolve(name) is not None, f"{name} is not a PyTorch name"
    assert ours(name) is None, f"{name} exists now: move it off the page's 'not available' list"


def write_page() -> None:
    text = PAGE.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    PAGE.write_text(f"{before}{START}\n{generated_section()}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    sys.path.insert(0, str(PAGE.parents[2] / "src"))
    write_page()
