"""A model's architecture as JSON-ready data, and the model rebuilt from it.

`Module` records the arguments of each layer's outermost constructor call in `_init_config`;
`module_to_config` turns a model built from retrograd's own layers into
`{"type": "Linear", "args": {"in_features": 2, ...}}`, nested for layers given as arguments, and
`{"type": "Sequential", "modules": {"0": {...}, ...}}` for containers (from their current
children, so layers appended later count; a container given as an argument keeps its recorded
"args"). `module_from_config` builds it again, looking each type up among the layers
`retrograd.nn` exports, so a layer added there works with no change here.

A model file may come from anyone: building only ever calls constructors of those layers, with
JSON values, and every failure becomes a ModelFileError naming the place in the architecture.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from typing import Any

from retrograd import nn
from retrograd.errors import RetrogradError
from retrograd.io.errors import ModelFileError
from retrograd.nn.module import Module, UnrecordedArgument

#: layers whose config lists their children instead of constructor arguments
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


def builtin_layers() -> dict[str, type[Module]]:
    """Every Module subclass `retrograd.nn` exports, by class name (read now, not at import).

    `retrograd.nn` loads its layers on first use: `getattr` loads each name in `__all__`."""
    layers = {}
    for name in dict.fromkeys([*nn.__all__, *vars(nn)]):
        value = getattr(nn, name)
        if (
            isinstance(value, type)
            and issubclass(value, Module)
            and value is not Module
            and value.__name__ == name
        ):
            layers[name] = value
    return layers


# ---------------------------------------------------------------------- model -> config
def module_to_config(module: Module) -> dict[str, Any]:
    """The architecture of `module` as JSON-ready data.

    **Raises** ModelFileError when a layer is not one of retrograd's (a user-defined class: save
    its weights with `save_state_dict` instead) or was built with an argument no file can hold.
    """
    return _to_config(module, builtin_layers(), "model")


def _custom_module_error(where: str, cls: type) -> ModelFileError:
    return ModelFileError(
        f"{where} is a {cls.__module__}.{cls.__qualname__}, which is not a layer exported by "
        "retrograd.nn, so a model file cannot rebuild it. For custom modules save the weights "
        "with retrograd.io.save_state_dict(model, path), and load them into a model built in "
        "code with model.load_state_dict(retrograd.io.load_state_dict_file(path))"
    )


def _to_config(module: Module, layers: dict[str, type[Module]], where: str) -> dict[str, Any]:
    cls = type(module)
    name = cls.__name__
    if layers.get(name) is not cls:
        raise _custom_module_error(where, cls)
    if name in CONTAINERS:
        children = {}
        for child_name, child in module._modules.items():
            if child is None:
                raise ModelFileError(f"{where}.{child_name} is None; a model file needs a layer")
            children[child_name] = _to_config(child, layers, f"{where}.{child_name}")
        return {"type": name, "modules": children}
    recorded = module.__dict__.get("_init_config")
    if recorded is None:
        raise ModelFileError(f"{where} ({name}) has no recorded constructor arguments")
    return _recorded_to_config(recorded, layers, where)


def _recorded_to_config(
    recorded: dict[str, Any], layers: dict[str, type[Module]], where: str
) -> dict[str, Any]:
    name = recorded["type"]
    if name not in layers:
        raise ModelFileError(
            f"{where} is a {name}, which is not a layer exported by retrograd.nn, so a model "
            "file cannot rebuild it; save the weights with retrograd.io.save_state_dict instead"
        )
    args = {
        key: _config_value(value, layers, where, name, key)
        for key, value in recorded["args"].items()
    }
    return {"type": name, "args": args}


def _config_value(
    value: Any, layers: dict[str, type[Module]], where: str, layer: str, argument: str
) -> Any:
    """One recorded argument as JSON data: tuples become lists, layers become nested configs."""
    if isinstance(value, UnrecordedArgument):
        raise ModelFileError(
            f"{where} ({layer}) was built with {argument}= a {value.type_name}, which a model "
            "file cannot hold (only numbers, strings, booleans, None, lists and retrograd "
            "layers); save the weights with retrograd.io.save_state_dict instead"
        )
    if isinstance(value, dict):  # a layer given as an argument, recorded as its own config
        return _recorded_to_config(value, layers, f"{where}.<{argument}>")
    if isinstance(value, (list, tuple)):
        return [_config_value(item, layers, where, layer, argument) for item in value]
    return value


# ---------------------------------------------------------------------- config -> model
def module_from_config(config: Any) -> Module:
    """Build the model `config` (from `module_to_config`, or read from a file) describes.

    JSON lists come back as tuples (layer arguments take tuples wherever they take sequences).
    **Raises** ModelFileError naming an unknown layer type or arguments that do not fit.
    """
    try:
        return _from_config(config, builtin_layers(), "architecture")
    except RecursionError:
        raise ModelFileError("architecture: layers nested too deeply to rebuild") from None


def _from_config(config: Any, layers: dict[str, type[Module]], where: str) -> Module:
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise ModelFileError(f'{where}: expected a {{"type": ..., "args": ...}} object')
    name = config["type"]
    cls = layers.get(name)
    if cls is None:
        raise ModelFileError(
            f"{where}: unknown layer type {name!r:.100}; it is not a layer exported by "
            "retrograd.nn (a newer retrograd, or a custom module, wrote this file)"
        )
    if name in CONTAINERS and "args" not in config:  # a layer given as an argument has "args"
        return _build_container(cls, config, layers, where)
    args = config.get("args", {})
    if not isinstance(args, dict):
        raise ModelFileError(f"{where} ({name}): args must be an object")
    values = {key: _argument(value, layers, f"{where}.{key}") for key, value in args.items()}
    positional, keywords = _split_arguments(cls, values, where)
    try:
        return cls(*positional, **keywords)
    except (RetrogradError, TypeError, ValueError, OverflowError, MemoryError) as error:
        raise ModelFileError(
            f"{where}: cannot build {name} from the recorded arguments {args!r:.300}: {error}"
        ) from None


def _argument(value: Any, layers: dict[str, type[Module]], where: str) -> Any:
    if isinstance(value, dict):
        return _from_config(value, layers, where)
    if isinstance(value, list):
        return tuple(_argument(item, layers, where) for item in value)
    return value


def _build_container(
    cls: Any, config: dict[str, Any], layers: dict[str, type[Module]], where: str
) -> Module:
    modules = config.get("modules")
    if not isinstance(modules, dict):
        raise ModelFileError(f"{where} ({cls.__name__}): modules must be an object")
    children = OrderedDict(
        (key, _from_config(child, layers, f"{where}.{key}")) for key, child in modules.items()
    )
    try:
        if cls.__name__ == "ModuleList":
            return cls(list(children.values()))
        return cls(children)
    except (RetrogradError, TypeError, ValueError, KeyError) as error:
        raise ModelFileError(f"{where}: cannot build {cls.__name__}: {error}") from None


def _split_arguments(
    cls: type[Module], values: dict[str, Any], where: str
) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments for `cls` from recorded `name -> value` pairs."""
    remaining = dict(values)
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    accepts_any_keyword = False
    gap = False  # a positional parameter was not recorded: later ones go by keyword
    for param in inspect.signature(cls).parameters.values():
        if param.kind is param.VAR_KEYWORD:
            accepts_any_keyword = True
        elif param.name not in remaining:
            gap = gap or param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)
        elif param.kind is param.VAR_POSITIONAL:
            extra = remaining.pop(param.name)
            if not isinstance(extra, tuple) or (gap and extra):
                raise ModelFileError(f"{where}: cannot pass *{param.name}={extra!r:.100}")
            positional.extend(extra)
        elif param.kind is param.KEYWORD_ONLY or (gap and param.kind is not param.POSITIONAL_ONLY):
            keywords[param.name] = remaining.pop(param.name)
        elif param.kind is param.POSITIONAL_ONLY and gap:
            raise ModelFileError(f"{where}: positional-only {param.name} follows a missing one")
        else:
            positional.append(remaining.pop(param.name))
    if remaining and not accepts_any_keyword:
        raise ModelFileError(
            f"{where}: {cls.__name__} takes no argument(s) {', '.join(map(repr, remaining))}"
        )
    keywords.update(remaining)
    return positional, keywords
