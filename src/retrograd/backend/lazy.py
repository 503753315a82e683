"""Names a package loads on first use (PEP 562), for the package root, `nn` and `nn.functional`.

A package lists its submodules and the names each provides; its module-level `__getattr__`
and `__dir__` hand over to one `Lazy`, which imports on first access and binds the value in
the package, so later lookups are plain attribute reads.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping


class Lazy:
    """The lazily loaded part of package `package`: each of `submodules` (`package.<name>`)
    and each name of `names` (name -> the module, relative to the package, that defines it)."""

    def __init__(
        self, package: str, names: Mapping[str, str], submodules: Iterable[str] = ()
    ) -> None:
        self.package = package
        self.names = dict(names)
        self.submodules = frozenset(submodules)

    @classmethod
    def by_module(
        cls, package: str, exports: Mapping[str, tuple[str, ...]], submodules: Iterable[str] = ()
    ) -> Lazy:
        """From a table of submodule -> the names it exports (each submodule loads lazily too)."""
        names = {name: module for module, listed in exports.items() for name in listed}
        return cls(package, names, {*submodules, *exports})

    def load(self, name: str) -> object:
        """The value of `name`, imported now and bound in the package; AttributeError for an
        unknown name."""
        if name in self.submodules:
            value: object = importlib.import_module(f"{self.package}.{name}")
        elif name in self.names:
            module = importlib.import_module(f"{self.package}.{self.names[name]}")
            value = getattr(module, name)
        else:
            raise AttributeError(f"module {self.package!r} has no attribute {name!r}")
        setattr(sys.modules[self.package], name, value)
        return value

    def dir(self, loaded: Iterable[str]) -> list[str]:
        """The package's names: those already `loaded` and every lazy one."""
        return sorted({*loaded, *self.names, *self.submodules})
