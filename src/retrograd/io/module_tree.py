"""Whole models of any module classes, as PyTorch scripts save and load them whole, in a
safetensors file: no pickle is written or read.

A model that is not built from retrograd's layers alone cannot be rebuilt from constructor
arguments (`io/config.py`). It is written as a tree instead: for each module its class (as
`module:qualname`), its parameters and buffers (tensors of the file, shared ones written once),
its children, and its other attributes as JSON data (numbers, strings, lists, tensors, and
references to a parameter or to a function by name).

Loading follows PyTorch's `weights_only` rule: retrograd's own classes and functions are always
allowed; any other class or function must be allowed by name (`serialization.safe_globals` /
`add_safe_globals`) or the load must say `weights_only=False`. A class is only looked up in a
module already imported (the file never makes Python import anything), objects are made with
`__new__` and their attributes set, so no constructor runs, and only `Module` subclasses are
made.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from retrograd.backend.arrays import to_host
from retrograd.io.errors import ModelFileError
from retrograd.io.tree import decode, encode
from retrograd.nn.module import Module
from retrograd.nn.parameter import Parameter
from retrograd.tensor import Tensor

__all__ = [
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "module_from_tree",
    "module_to_tree",
    "safe_globals",
]

_SAFE_GLOBALS: list[Any] = []
_REF = "__retrograd_ref__"  # an attribute that is one of the model's parameters or buffers
_CALLABLE = "__retrograd_callable__"  # an attribute that is a function or class, by name
_TENSOR = "__retrograd_tensor__"  # a tensor attribute that is no parameter or buffer
# what Module itself keeps in __dict__: rebuilt by the loader, not stored as attributes
_INTERNAL = frozenset(
    {
        "training",
        "_parameters",
        "_buffers",
        "_non_persistent_buffers",
        "_modules",
        "_forward_pre_hooks",
        "_forward_hooks",
        "_backward_hooks",
        "_init_config",
    }
)
_MAX_DEPTH = 200


# ---------------------------------------------------------------------- the allow-list
def add_safe_globals(safe: list[Any]) -> None:
    """Allow these classes and functions in `load` with `weights_only` (PyTorch's
    `torch.serialization.add_safe_globals`)."""
    _SAFE_GLOBALS.extend(safe)


def get_safe_globals() -> list[Any]:
    """The classes and functions `add_safe_globals` allowed."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals() -> None:
    """Forget every class and function `add_safe_globals` allowed."""
    _SAFE_GLOBALS.clear()


@contextmanager
def safe_globals(safe: list[Any]) -> Iterator[None]:
    """Allow these classes and functions in `load` inside the `with` block (PyTorch's
    `torch.serialization.safe_globals`)."""
    count = len(_SAFE_GLOBALS)
    _SAFE_GLOBALS.extend(safe)
    try:
        yield
    finally:
        del _SAFE_GLOBALS[count:]


# ---------------------------------------------------------------------- model -> tree
def _name_of(obj: Any, where: str) -> str:
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        raise ModelFileError(
            f"cannot store {where}: {qualname or obj!r:.60} is defined inside a function (or is "
            "a lambda), so a file cannot name it; define it at module level, or save the "
            "model's state_dict instead (retrograd.save(model.state_dict(), path))"
        )
    return f"{module}:{qualname}"


def module_to_tree(model: Module) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The tree of `model` and the arrays it refers to, by key (a parameter's key is its
    state-dict key, an attribute's starts with "attribute.")."""
    tensors: dict[str, np.ndarray] = {}
    keys: dict[int, str] = {}  # id of a parameter or buffer -> its key (shared ones once)
    return _node(model, "", tensors, keys), tensors


def _tensor_key(
    tensor: Tensor, key: str, tensors: dict[str, np.ndarray], keys: dict[int, str]
) -> str:
    if id(tensor) not in keys:
        keys[id(tensor)] = key
        tensors[key] = to_host(tensor.array)
    return keys[id(tensor)]


def _node(
    module: Module, prefix: str, tensors: dict[str, np.ndarray], keys: dict[int, str]
) -> dict[str, Any]:
    where = prefix.rstrip(".") or "model"
    parameters = {
        name: None
        if p is None
        else [_tensor_key(p, prefix + name, tensors, keys), bool(p.requires_grad)]
        for name, p in module._parameters.items()
    }
    buffers = {
        name: None if b is None else _tensor_key(b, prefix + name, tensors, keys)
        for name, b in module._buffers.items()
    }
    children = {
        name: None if child is None else _node(child, f"{prefix}{name}.", tensors, keys)
        for name, child in module._modules.items()
    }
    registered = set(module._parameters) | set(module._buffers) | set(module._modules)
    transient = set(type(module)._transient)
    attributes = {
        name: None
        if name in transient
        else _encode_attribute(value, f"{where}.{name}", tensors, keys)
        for name, value in vars(module).items()
        if name not in _INTERNAL and name not in registered
    }
    return {
        "class": _name_of(type(module), where),
        "training": bool(module.training),
        "parameters": parameters,
        "buffers": buffers,
        "non_persistent": sorted(module._non_persistent_buffers),
        "modules": children,
        "attributes": attributes,
    }


def _encode_attribute(
    value: Any, path: str, tensors: dict[str, np.ndarray], keys: dict[int, str]
) -> Any:
    if isinstance(value, Tensor) and id(value) in keys:
        return {_REF: keys[id(value)]}
    if isinstance(value, Module):
        raise ModelFileError(f"cannot store {path}: a module kept outside the module tree")
    if isinstance(value, Tensor):
        return {_TENSOR: encode(to_host(value.array), "attribute." + path, tensors)}
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return {_CALLABLE: _name_of(value, path)}
    if isinstance(value, (list, tuple)):
        items = [_encode_attribute(v, f"{path}.{i}", tensors, keys) for i, v in enumerate(value)]
        return {"__tuple__": items} if isinstance(value, tuple) else items
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {k: _encode_attribute(v, f"{path}.{k}", tensors, keys) for k, v in value.items()}
    return encode(value, "attribute." + path, tensors)


# ---------------------------------------------------------------------- tree -> model
def module_from_tree(
    tree: Any, arrays: dict[str, np.ndarray], weights_only: bool, source: str
) -> Module:
    """Rebuild the model `module_to_tree` wrote (see the module docstring for the rules)."""
    made: dict[str, Tensor] = {}
    try:
        return _build(tree, arrays, weights_only, source, made, "model", 0)
    except RecursionError:
        raise ModelFileError(f"{source}: the module tree is nested too deeply") from None


def _resolve(name: Any, weights_only: bool, source: str, where: str) -> Any:
    if not isinstance(name, str) or name.count(":") != 1:
        raise ModelFileError(f"{source}: {where} names no class or function ({name!r:.80})")
    module_name, qualname = name.split(":")
    for allowed in _SAFE_GLOBALS:
        if getattr(allowed, "__module__", None) == module_name and (
            getattr(allowed, "__qualname__", None) == qualname
        ):
            return allowed
    ours = module_name == "retrograd" or module_name.startswith("retrograd.")
    if not ours and weights_only:
        raise ModelFileError(
            f"{source}: {where} is {module_name}.{qualname}, which is not one of retrograd's. "
            "Load whole models of your own classes only from files you trust: allow the class "
            "with retrograd.serialization.safe_globals([...]) (or add_safe_globals), or pass "
            "weights_only=False, as PyTorch's loader takes it"
        )
    module = sys.modules.get(module_name)
    if module is None:
        raise ModelFileError(
            f"{source}: {where} is {module_name}.{qualname}, but module {module_name!r} is not "
            "imported; import it before loading (a file never makes retrograd import code)"
        )
    value: Any = module
    for part in qualname.split("."):
        value = getattr(value, part, None)
        if value is None:
            raise ModelFileError(f"{source}: {where}: {module_name} has no {qualname}")
    return value


def _build(
    node: Any,
    arrays: dict[str, np.ndarray],
    weights_only: bool,
    source: str,
    made: dict[str, Tensor],
    where: str,
    depth: int,
) -> Module:
    if depth > _MAX_DEPTH or not isinstance(node, dict):
        raise ModelFileError(f"{source}: {where} is not a module entry")
    cls = _resolve(node.get("class"), weights_only, source, where)
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise ModelFileError(f"{source}: {where} names {cls!r:.60}, which is not a Module class")
    module = cls.__new__(cls)
    Module.__init__(module)
    object.__setattr__(module, "training", bool(node.get("training", True)))
    for name, entry in _mapping(node, "parameters", source, where).items():
        if entry is None:
            module.register_parameter(name, None)
            continue
        if not (isinstance(entry, list) and len(entry) == 2):
            raise ModelFileError(f"{source}: {where}.{name} is not a [tensor, requires_grad] pair")
        key, requires_grad = entry
        if key not in made:
            made[key] = Parameter(Tensor(_array(arrays, key, source)), bool(requires_grad))
        module.register_parameter(name, made[key])  # type: ignore[arg-type]
    non_persistent = set(node.get("non_persistent") or ())
    for name, key in _mapping(node, "buffers", source, where).items():
        if key is not None and key not in made:
            made[key] = Tensor(_array(arrays, key, source))
        module.register_buffer(
            name, None if key is None else made[key], persistent=name not in non_persistent
        )
    for name, child in _mapping(node, "modules", source, where).items():
        built = None
        if child is not None:
            built = _build(child, arrays, weights_only, source, made, f"{where}.{name}", depth + 1)
        module.add_module(name, built)
    for name, value in _mapping(node, "attributes", source, where).items():
        decoded = decode(value, arrays, source)
        object.__setattr__(module, name, _attribute(decoded, made, weights_only, source, where))
    return module


def _attribute(
    value: Any, made: dict[str, Tensor], weights_only: bool, source: str, where: str
) -> Any:
    if isinstance(value, list):
        return [_attribute(v, made, weights_only, source, where) for v in value]
    if isinstance(value, tuple):
        return tuple(_attribute(v, made, weights_only, source, where) for v in value)
    if isinstance(value, dict):
        if len(value) == 1 and _REF in value:
            if value[_REF] not in made:
                raise ModelFileError(f"{source}: {where} refers to a tensor it lacks")
            return made[value[_REF]]
        if len(value) == 1 and _CALLABLE in value:
            return _resolve(value[_CALLABLE], weights_only, source, where)
        if len(value) == 1 and _TENSOR in value and isinstance(value[_TENSOR], np.ndarray):
            return Tensor(value[_TENSOR])
        return {k: _attribute(v, made, weights_only, source, where) for k, v in value.items()}
    return value


def _mapping(node: dict[str, Any], key: str, source: str, where: str) -> dict[str, Any]:
    value = node.get(key) or {}
    if not isinstance(value, dict):
        raise ModelFileError(f"{source}: {where}.{key} is not an object")
    return value


def _array(arrays: dict[str, np.ndarray], key: Any, source: str) -> np.ndarray:
    if not isinstance(key, str) or key not in arrays:
        raise ModelFileError(f"{source}: the module tree refers to a tensor {key!r:.80} it lacks")
    return arrays[key]
