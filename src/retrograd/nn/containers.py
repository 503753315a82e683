"""Containers of sub-modules: `Sequential` (runs them in order), `ModuleList`, `ModuleDict`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from retrograd.autograd.engine import anomaly_state
from retrograd.errors import ArgumentTypeError, IndexRangeError, InvalidKeyError
from retrograd.nn.module import Module, _addindent


def _index(index: int, length: int, container: str) -> int:
    """A non-negative position for `index`, or IndexError naming the container and its length."""
    index = int(index)
    if not -length <= index < length:
        raise IndexRangeError(f"index {index} is out of range for a {container} of length {length}")
    return index % length


class Sequential(Module):
    """Runs its modules one after another: `Sequential(Linear(2, 8), ReLU(), Linear(8, 1))`.

    Also takes an OrderedDict of named modules. Supports indexing, slicing, `len`, iteration
    and `append`; the keys of a state dict are the positions ("0.weight", "2.bias").
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:  # noqa: A002 - PyTorch's name
        direct = not anomaly_state.enabled
        for module in self._modules.values():
            # what `module(input)` does when the module has no hooks, without the cost of
            # calling an instance (a Module's own `__call__` decides every other case); the
            # hook dicts are read from the instance dict, as Module's `__getattr__` makes
            # each attribute read a slow one
            if direct and isinstance(module, Module) and type(module).__call__ is Module.__call__:
                try:
                    state = module.__dict__
                    hooked = (
                        state["_forward_pre_hooks"]
                        or state["_forward_hooks"]
                        or state["_backward_hooks"]
                    )
                except KeyError:  # Module.__init__ never ran: let the call report it
                    hooked = True
                if not hooked:
                    input = module.forward(input)
                    continue
            input = module(input)  # type: ignore[misc]
        return input

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_index(index, len(items), "Sequential")][1]  # type: ignore[return-value]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = (
            keys[index]
            if isinstance(index, slice)
            else [keys[_index(index, len(keys), "Sequential")]]
        )
        gone = set(doomed)
        kept = [module for key, module in self._modules.items() if key not in gone]
        # renumber, so positions and state-dict keys stay 0..n-1 (as in PyTorch)
        self._set_modules({str(i): module for i, module in enumerate(kept)})

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Put `module` at position `index`, shifting later ones."""
        if not isinstance(module, Module):
            raise ArgumentTypeError(f"module should be of type Module, got {type(module).__name__}")
        modules = list(self._modules.values())
        index = _index(index, len(modules) + 1, "Sequential (insert)")
        modules.insert(index, module)
        self._set_modules({str(i): m for i, m in enumerate(modules)})
        return self

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module


class ModuleList(Module):
    """A list of modules whose parameters the parent sees (a plain list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(modules[index])  # type: ignore[arg-type]
        return modules[_index(index, len(modules), "ModuleList")]  # type: ignore[return-value]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_index(index, len(modules), "ModuleList")]
        self._set_modules({str(i): m for i, m in enumerate(modules)})

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())  # type: ignore[arg-type]

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if isinstance(modules, (Module, str)) or not isinstance(modules, Iterable):
            raise ArgumentTypeError(
                f"ModuleList.extend needs an iterable of modules, got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._set_modules({})
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def pop(self, index: int = -1) -> Module:
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        # Runs of identical layers print once, "(0-2): 3 x Linear(...)", as PyTorch prints them.
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            line = f"{head}: {text}" if first == last else f"{head} {text}"
            lines.append(_addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of named modules whose parameters the parent sees; keeps insertion order."""

    def __init__(
        self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
    ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise InvalidKeyError(f"ModuleDict has no key {key!r}; keys: {list(self._modules)}")
        return self._modules[key]  # type: ignore[return-value]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise InvalidKeyError(f"ModuleDict has no key {key!r}; keys: {list(self._modules)}")
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()  # type: ignore[return-value]

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()  # type: ignore[return-value]

    def clear(self) -> None:
        self._set_modules({})

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for pair in pairs:
            key, module = pair
            self[key] = module
