"""Containers of sub-modules: `Sequential` (runs them in order), `ModuleList`, `ModuleDict`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from retrograd.autograd.engine import anomaly_state
from retrograd.errors import ArgumentTypeError, IndexRangeError, InvalidKeyError
from retrograd.nn.module import Module, _addindent

__all__ = [
    "ModuleDict",
    "ModuleList",
    "ParameterDict",
    "ParameterList",
    "Sequential",
]


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

    Args:
        *args: the modules, in the order they run (named "0", "1", ...); or one OrderedDict
            mapping names to modules.

    Shape:
        - Input: what the first module takes.
        - Output: what the last module returns.

    Example:
        >>> model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> model(retrograd.zeros(5, 2)).shape
        (5, 1)
        >>> model[0]
        Linear(in_features=2, out_features=8, bias=True)
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
        """The output of the last module: `input` passed through each module in turn, each
        module's output the next one's input (an empty Sequential returns `input`).

        Shape:
            - Input: what the first module takes.
            - Output: what the last module returns.
        """
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
        """Append each of `modules`."""
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
        """Remove the module at position `index` and return it."""
        module = self[index]
        del self[index]
        return module


class ModuleList(Module):
    """A list of modules whose parameters the parent sees (a plain list would hide them).

    Supports indexing, slicing, `len`, iteration, `+` and `+=`; the modules are named "0",
    "1", ... (so their parameters appear as "0.weight", ...).

    Args:
        modules: the modules to hold, in order. Default: None, an empty list.

    Example:
        >>> layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        >>> len(layers), len(list(layers.parameters()))
        (3, 6)
    """

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
        """Add `module` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of `modules`."""
        if isinstance(modules, (Module, str)) or not isinstance(modules, Iterable):
            raise ArgumentTypeError(
                f"ModuleList.extend needs an iterable of modules, got {type(modules).__name__}"
            )
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put `module` before position `index` (as `list.insert`), shifting later ones."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._set_modules({})
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def pop(self, index: int = -1) -> Module:
        """Remove the module at position `index` and return it."""
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
    """A dict of named modules whose parameters the parent sees; keeps insertion order.

    Supports `[key]` access and assignment, `del`, `in`, `len` and iteration over the keys.

    Args:
        modules: a mapping of names to modules, or `(name, module)` pairs. Default: None, an
            empty dict.

    Example:
        >>> heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "reg": nn.Linear(8, 1)})
        >>> list(heads.keys())
        ['cls', 'reg']
        >>> heads["reg"](retrograd.zeros(2, 8)).shape
        (2, 1)
    """

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
        """The names, in insertion order."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()  # type: ignore[return-value]

    def items(self) -> Iterable[tuple[str, Module]]:
        """The (name, module) pairs, in insertion order."""
        return self._modules.items()  # type: ignore[return-value]

    def clear(self) -> None:
        """Remove every module."""
        self._set_modules({})

    def pop(self, key: str) -> Module:
        """Remove the entry under `key` and return it."""
        module = self[key]
        del self[key]
        return module

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or (key, value) pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for pair in pairs:
            key, module = pair
            self[key] = module


def _as_parameter(value: Any, container: str) -> Any:
    """A Parameter for `value`: a Parameter as it is, a Tensor wrapped (as PyTorch does)."""
    from retrograd.nn.parameter import Parameter
    from retrograd.tensor import Tensor

    if value is None or isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value.array)  # requires grad, as PyTorch makes it
    raise ArgumentTypeError(f"{container} holds Parameters or Tensors, got {type(value).__name__}")


class ParameterList(Module):
    """A list of parameters the parent sees, under the keys "0", "1", ... (a plain list would
    hide them from `parameters()` and the state dict). Tensors become Parameters.

    Args:
        values: the Parameters (or Tensors, made Parameters that require grad) to hold, in
            order. Default: None, an empty list.

    Example:
        >>> params = nn.ParameterList([nn.Parameter(retrograd.zeros(2)), retrograd.ones(3)])
        >>> [p.shape for p in params]
        [(2,), (3,)]
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, index: int | slice) -> Any:
        params = list(self._parameters.values())
        if isinstance(index, slice):
            return type(self)(params[index])
        return params[_index(index, len(params), "ParameterList")]

    def __setitem__(self, index: int, value: Any) -> None:
        position = _index(index, len(self), "ParameterList")
        self.register_parameter(str(position), _as_parameter(value, "ParameterList"))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add a parameter (a Tensor is made a Parameter) at the end."""
        self.register_parameter(str(len(self)), _as_parameter(value, "ParameterList"))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append each of `values`."""
        if not isinstance(values, Iterable) or isinstance(values, str):
            raise ArgumentTypeError(
                f"ParameterList.extend needs an iterable of parameters, got {type(values).__name__}"
            )
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(
            f"({i}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
            for i, p in enumerate(self)
        )


class ParameterDict(Module):
    """A dict of parameters the parent sees, under their own keys. Tensors become Parameters.

    Args:
        parameters: a mapping of names to Parameters (or Tensors, made Parameters that require
            grad), or `(name, value)` pairs. Default: None, an empty dict.

    Example:
        >>> params = nn.ParameterDict({"scale": retrograd.ones(3)})
        >>> params["scale"].requires_grad
        True
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._parameters:
            raise InvalidKeyError(f"ParameterDict has no key {key!r}")
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value, "ParameterDict"))

    def __delitem__(self, key: str) -> None:
        if key not in self._parameters:
            raise InvalidKeyError(f"ParameterDict has no key {key!r}")
        del self._parameters[key]
        del self.__dict__[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        """The names, in insertion order."""
        return self._parameters.keys()

    def values(self) -> Iterable[Any]:
        """The parameters, in insertion order."""
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        """The (name, parameter) pairs, in insertion order."""
        return self._parameters.items()

    def pop(self, key: str) -> Any:
        """Remove the entry under `key` and return it."""
        value = self[key]
        del self[key]
        return value

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace entries from a mapping or (key, value) pairs."""
        pairs = parameters.items() if isinstance(parameters, Mapping) else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(
            f"({k}): Parameter containing: [{p.dtype} of size {tuple(p.shape)}]"
            for k, p in self.items()
        )
