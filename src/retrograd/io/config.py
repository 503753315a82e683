"""A model's architecture as JSON-ready data, and the model rebuilt from it.

`Module` records the arguments of each layer's outermost constructor call in `_init_config`;
`module_to_config` turns a model built from retrograd's own layers into
`{"type": "Linear", "args": {"in_features": 2, ...}}`, nested for layers given as arguments, and
`{"type": "Sequential", "modules": {"0": {...}, ...}}` for containers (from their current
children, so layers appended later count; a container given as an argument keeps its recorded
"args"). `module_from_config` builds it again, looking each type up among the layers
`retrograd.nn` exports, so a layer added there works with no change here.

A model file may come from anyone: building only ever calls constructors of those layers, with
JSON values checked first (integers within +-2**31, short strings, `dtype` a plain dtype name),
and every failure becomes a ModelFileError naming the place in the architecture.
`build_for_file` is the one check between a file's architecture and its tensors: the model is
built under an allocation limit of the values the file's tensors hold (plus
`ALLOCATION_SLACK`), so no architecture makes a loader allocate more than the file stores, and
its state must then match the tensors exactly (names, shapes, dtypes) before any is read.
"""

from __future__ import annotations

import inspect
import math
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from retrograd import nn
from retrograd.backend.dtypes import to_numpy_dtype
from retrograd.creation import AllocationLimitError, allocation_limit
from retrograd.errors import RetrogradError
from retrograd.io.errors import ModelFileError
from retrograd.io.header import DTYPES, TensorEntry
from retrograd.nn.module import Module, UnrecordedArgument

#: layers whose config lists their children instead of constructor arguments
CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")
#: the values an architecture may create beyond those its file stores (a layer's temporaries)
ALLOCATION_SLACK = 1 << 16
#: the largest magnitude of an integer constructor argument read from a file
MAX_INT_ARGUMENT = 2**31
#: the longest string constructor argument read from a file
MAX_STRING_ARGUMENT = 256


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

    Raises:
        ModelFileError: when a layer is not one of retrograd's (a user-defined class: save its
            weights with `save_state_dict` instead) or was built with an argument no file can
            hold.
    """
    return _to_config(module, builtin_layers(), "model")


def _custom_module_error(where: str, cls: type) -> ModelFileError:
    return ModelFileError(
        f"{where} is a {cls.__module__}.{cls.__qualname__}, which is not a layer exported by "
        "retrograd.nn, so a model file cannot rebuild it. For custom modules save the weights, "
        "as in PyTorch: retrograd.save(model.state_dict(), path), and load them into a model "
        "built in code with model.load_state_dict(retrograd.load(path))"
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
def module_from_config(config: Any, *, max_values: int | None = None) -> Module:
    """Build the model `config` (from `module_to_config`, or read from a file) describes.

    JSON lists come back as tuples (layer arguments take tuples wherever they take sequences).

    Args:
        config: the architecture, as `module_to_config` gives it.
        max_values: refuse to create more values than this in all (see `build_for_file`).

    Raises:
        ModelFileError: naming an unknown layer type or arguments that do not fit.
    """
    layers = builtin_layers()
    try:
        if max_values is None:
            return _from_config(config, layers, "architecture")
        with allocation_limit(max_values):
            return _from_config(config, layers, "architecture")
    except RecursionError:
        raise ModelFileError("architecture: layers nested too deeply to rebuild") from None


def build_for_file(config: Any, entries: Sequence[TensorEntry], source: str) -> Module:
    """The model a file's architecture `config` describes, checked against the tensors the
    file's header declares (`entries`), before any tensor is read.

    The build may create at most the values those tensors hold plus ALLOCATION_SLACK, and the
    model's state dict must then name exactly those tensors, with their shapes and with their
    dtypes (a floating tensor may be stored in another floating dtype; it is loaded as stored).

    Raises:
        ModelFileError: naming the file and the first mismatch.
    """
    stored = sum(math.prod(entry.shape) for entry in entries)
    try:
        model = module_from_config(config, max_values=stored + ALLOCATION_SLACK)
    except ModelFileError as error:
        raise ModelFileError(f"{source}: {error}") from None
    declared = {entry.name: entry for entry in entries}
    state = model.state_dict()
    missing = [key for key in state if key not in declared]
    unexpected = [key for key in declared if key not in state]
    if missing or unexpected:
        raise ModelFileError(
            f"{source}: the weights do not fit the architecture: Missing key(s) in the file: "
            f"{_names(missing)}; Unexpected key(s) in the file: {_names(unexpected)}"
        )
    for key, tensor in state.items():
        entry = declared[key]
        if tuple(tensor.shape) != entry.shape:
            raise ModelFileError(
                f"{source}: the weights do not fit the architecture: tensor {key!r} has shape "
                f"{entry.shape} but the architecture's has shape {tuple(tensor.shape)}"
            )
        dtype = DTYPES[entry.dtype]
        if dtype != tensor.dtype and not (dtype.kind == tensor.dtype.kind == "f"):
            raise ModelFileError(
                f"{source}: the weights do not fit the architecture: tensor {key!r} has dtype "
                f"{dtype} but the architecture's has dtype {tensor.dtype}"
            )
    return model


def _names(keys: list[str]) -> str:
    if not keys:
        return "none"
    shown = ", ".join(repr(key) for key in keys[:5])
    return shown + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


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
    except AllocationLimitError as error:
        raise ModelFileError(
            f"{where}: {name} would create more weights than the file stores: {error}"
        ) from None
    except (RetrogradError, TypeError, ValueError, OverflowError, MemoryError) as error:
        raise ModelFileError(
            f"{where}: cannot build {name} from the recorded arguments {args!r:.300}: {error}"
        ) from None


def _argument(value: Any, layers: dict[str, type[Module]], where: str) -> Any:
    """A constructor argument from JSON, checked: nested layers built, lists as tuples."""
    if isinstance(value, dict):
        return _from_config(value, layers, where)
    if where.rsplit(".", 1)[-1] == "dtype" and value is not None:
        return _dtype_argument(value, where)
    if isinstance(value, list):
        return tuple(_argument(item, layers, where) for item in value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        if not -MAX_INT_ARGUMENT <= value <= MAX_INT_ARGUMENT:
            raise ModelFileError(f"{where}: an integer outside -2**31..2**31")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING_ARGUMENT:
            raise ModelFileError(
                f"{where}: a string of {len(value)} characters, longer than {MAX_STRING_ARGUMENT}"
            )
        return value
    raise ModelFileError(f"{where}: unexpected value of type {type(value).__name__}")


def _dtype_argument(value: Any, where: str) -> str:
    """A `dtype` argument: a plain dtype name ("float32", "float64", ...), nothing else (a list
    would make NumPy build a structured or sub-array dtype of any size)."""
    if not isinstance(value, str):
        raise ModelFileError(
            f"{where}: a dtype must be a dtype name such as 'float32', got a {type(value).__name__}"
        )
    try:
        to_numpy_dtype(value)
    except RetrogradError as error:
        raise ModelFileError(f"{where}: {error}") from None
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
