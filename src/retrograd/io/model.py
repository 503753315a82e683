"""Whole models in one safetensors file: weights under PyTorch's state-dict keys, and in the
metadata the architecture, preprocessing state and user metadata, so `load(path)` rebuilds the
model with no user code. `save_state_dict` / `load_state_dict_file` move weights alone (custom
modules, and PyTorch through `safetensors.torch`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, cast

import numpy as np

from retrograd.backend.arrays import to_host
from retrograd.errors import ArgumentTypeError, StateDictError
from retrograd.io.config import build_for_file, module_to_config
from retrograd.io.errors import ModelFileError
from retrograd.io.fileformat import check_content, header_metadata, json_entry
from retrograd.io.header import SafetensorsFile
from retrograd.io.module_tree import module_from_tree, module_to_tree
from retrograd.io.objects import (
    is_retrograd,
    load_object,
    load_plain_weights,
    map_target,
    place,
    save_object,
)
from retrograd.io.safetensors_file import read_arrays, write_arrays
from retrograd.io.tree import decode, encode
from retrograd.nn.module import Module
from retrograd.tensor import Tensor


@dataclass(frozen=True)
class ModelInfo:
    """What a model file holds besides the model: `preprocessing` (e.g. `{"scaler": state}`,
    rebuilt with `StandardScaler.from_state_dict`) and the user's `metadata`."""

    preprocessing: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


def state_arrays(state: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The values of a state dict (retrograd Tensors, NumPy arrays or torch tensors) as arrays."""
    arrays = {}
    for key, value in state.items():
        if isinstance(value, Tensor):
            arrays[key] = to_host(value.array)  # a GPU tensor is saved from a host copy
        elif isinstance(value, np.ndarray):
            arrays[key] = value
        elif hasattr(value, "detach") and hasattr(value, "numpy"):  # torch, without importing it
            arrays[key] = np.asarray(value.detach().cpu().numpy())
        else:
            raise ModelFileError(
                f"state dict entry {key!r} is a {type(value).__name__}, not a tensor or array"
            )
    return arrays


def non_finite_tensor(arrays: Mapping[str, np.ndarray]) -> str | None:
    """The name of the first floating array holding NaN or infinity (None when all are finite)."""
    for key, array in arrays.items():
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            return key
    return None


def check_finite(arrays: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Refuse weights with NaN or infinity: such a file would replace a good one with a ruined
    model (training diverged).

    Raises:
        ModelFileError: naming the tensor.
    """
    bad = non_finite_tensor(arrays)
    if bad is not None:
        raise ModelFileError(
            f"{os.fspath(path)}: not written: tensor {bad!r} holds NaN or infinite values "
            "(did training diverge?); pass allow_non_finite=True to write it anyway"
        )


def _optional_dict(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ArgumentTypeError(f"{name} must be a dict, got {type(value).__name__}")
    return dict(value)


def save(
    model: Any,
    path: str | os.PathLike[str] | IO[bytes],
    *,
    preprocessing: Mapping[str, Any] | None = None,
    metadata: Mapping[str, Any] | None = None,
    overwrite: bool = True,
    allow_non_finite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> None:
    """Write `model` (architecture and weights) to a safetensors file at `path`, atomically.

    A model of retrograd's layers is written with its architecture, which `load` rebuilds
    with no code; a model of your own classes as a module tree, as `torch.save(model)` saves it
    (never a pickle; `load` rebuilds your classes only when allowed, see
    `retrograd.serialization`).
    Anything else PyTorch scripts save — a tensor, a state dict, an optimizer's state, nested
    dicts, lists and tuples of them with numbers and strings — is written as such
    (`torch.save(model.state_dict(), path)` works unchanged); `load` gives it back.

    Only a regular file is ever replaced; a symbolic link is written through to its target.
    The same model and arguments always give the same bytes.

    Args:
        model: the module (or other object, see above) to write.
        path: the file to write, or a binary file object opened for writing (as
            `torch.save(obj, f)` takes it; the bytes are written to it, it is not closed).
        preprocessing: states needed to use the model, e.g.
            `{"scaler": scaler.state_dict(), "label_encoder": encoder.state_dict()}`. Arrays
            inside are kept exactly.
        metadata: anything else JSON-like (training history, data description). Arrays inside
            are kept exactly.
        overwrite: replace an existing file (False: refuse, even a file created meanwhile).
            Default: True.
        allow_non_finite: write weights holding NaN or infinity. Default: False.
        inputs: files `path` must not be.

    Raises:
        ModelFileError: for a model holding what a file cannot name (a lambda, a class
            defined inside a function) or non-finite weights.
        OutputFileError: (a ModelFileError) for a path that cannot be written.
    """
    if _is_file_object(path, "write"):
        with tempfile.TemporaryDirectory() as folder:
            temporary = os.path.join(folder, "object.safetensors")
            save(
                model,
                temporary,
                preprocessing=preprocessing,
                metadata=metadata,
                allow_non_finite=allow_non_finite,
            )
            with open(temporary, "rb") as handle:
                path.write(handle.read())  # type: ignore[union-attr]
        return
    path = cast("str | os.PathLike[str]", path)
    if not isinstance(model, Module):
        if preprocessing is not None or metadata is not None:
            raise ArgumentTypeError("preprocessing= and metadata= go with a model, not an object")
        save_object(model, path, overwrite=overwrite, inputs=inputs)
        return
    try:
        architecture = module_to_config(model)
    except ModelFileError:
        if preprocessing is not None or metadata is not None:
            raise
        # not retrograd's layers alone: PyTorch's `torch.save(model)`, as a module tree
        tree, arrays = module_to_tree(model)
        if not allow_non_finite:  # the weights; a mask of -inf kept as an attribute is fine
            check_finite(state_arrays(model.state_dict()), path)
        write_arrays(
            path, arrays, header_metadata("module", module=tree), overwrite=overwrite, inputs=inputs
        )
        return
    entries = {
        "architecture": architecture,
        "preprocessing": encode(
            _optional_dict(preprocessing, "preprocessing"), "preprocessing", None
        ),
        "metadata": encode(_optional_dict(metadata, "metadata"), "metadata", None),
    }
    arrays = state_arrays(model.state_dict())
    if not allow_non_finite:
        check_finite(arrays, path)
    write_arrays(
        path, arrays, header_metadata("model", **entries), overwrite=overwrite, inputs=inputs
    )


def load(
    path: str | os.PathLike[str] | IO[bytes],
    map_location: Any = None,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **kwargs: Any,
) -> Any:
    """What `save` wrote at `path`: a model (rebuilt, weights loaded strictly), or the object
    (tensors, state dicts, nested containers). A file of weights alone (`save_state_dict`,
    `safetensors.torch.save_file`) gives its state dict. `map_location`, `weights_only` and
    `mmap` are accepted as PyTorch's loader takes them (`map_location="cuda"` puts the tensors
    and models on the GPU). Only
    safetensors files are read; a PyTorch pickle archive is refused by name (the header check
    names a zip archive or a pickle) and never opened as one.

    Args:
        path: the file, or a binary file object opened for reading (as PyTorch's loader takes
            it; read from its position to its end, not closed).
        map_location: a device, its name, a dict or a function, as PyTorch takes it: where
            the loaded tensors go (the CPU by default; a function leaves them there).
        weights_only: PyTorch's rule: None or True rebuild classes of your own (a whole
            model saved like `torch.save(model)`) only when allowed with
            `retrograd.serialization.safe_globals`; False rebuilds any class already
            imported (for files you trust). Retrograd's own classes are always allowed.
        mmap: accepted for PyTorch's signature.
        **kwargs: PyTorch's further loading keyword arguments, accepted and unused.

    Returns:
        The model, object or state dict the file holds.

    Raises:
        ModelFileError: for a file retrograd did not write or that is damaged.
    """
    target = map_target(map_location)
    if _is_file_object(path, "read"):
        content = path.read()  # type: ignore[union-attr]
        name = str(getattr(path, "name", "<file object>"))
        with tempfile.TemporaryDirectory() as folder:
            temporary = os.path.join(folder, "object.safetensors")
            with open(temporary, "wb") as handle:
                handle.write(content)
            try:
                return load(temporary, map_location, weights_only, mmap, **kwargs)
            except ModelFileError as error:
                raise ModelFileError(str(error).replace(temporary, name)) from None
    path = cast("str | os.PathLike[str]", path)
    source = os.fspath(path)
    with SafetensorsFile(path) as opened:
        header = opened.header.metadata
        if not is_retrograd(header) or header.get("content") == "state_dict":
            loaded: Any = load_plain_weights(opened)
        elif header.get("content") == "object":
            loaded = load_object(opened, source)
        elif header.get("content") == "module":
            tree = json_entry(header, "module", path)
            loaded = module_from_tree(tree, opened.arrays(), weights_only is not False, source)
        else:
            loaded = _model_from(opened, path)[0]
    return place(loaded, target)


def load_with_info(path: str | os.PathLike[str]) -> tuple[Module, ModelInfo]:
    """The model saved by `save` at `path`, and its preprocessing state and metadata.

    One handle serves the whole load. The header is checked first, then the architecture is
    built and checked against the tensors the header declares (`config.build_for_file`: it may
    not create more values than the file stores), and only then are the tensors read.
    """
    with SafetensorsFile(path) as opened:
        return _model_from(opened, path)


def _model_from(opened: SafetensorsFile, path: str | os.PathLike[str]) -> tuple[Module, ModelInfo]:
    source = os.fspath(path)
    header = opened.header.metadata
    if header.get("content") == "module":
        raise ModelFileError(
            f"{source}: holds a whole model of your own classes (saved like torch.save(model)); "
            "load it with retrograd.load(path, weights_only=False), or allow its classes with "
            "retrograd.serialization.safe_globals([...])"
        )
    check_content(header, "model", path)
    architecture = json_entry(header, "architecture", path)
    model = build_for_file(architecture, opened.header.entries, source)
    info = ModelInfo(
        preprocessing=_decoded_dict(header, "preprocessing", path, source),
        metadata=_decoded_dict(header, "metadata", path, source),
    )
    _load_weights(model, opened.arrays(), path)
    return model, info


def _decoded_dict(
    header: dict[str, str], key: str, path: str | os.PathLike[str], source: str
) -> dict[str, Any]:
    value = decode(json_entry(header, key, path), {}, source)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ModelFileError(f"{source}: metadata entry {key!r} is not an object")
    return value


def _load_weights(
    model: Module, arrays: dict[str, np.ndarray], path: str | os.PathLike[str]
) -> None:
    """Strict load; floating tensors keep the file's dtype (a model saved after `.double()`)."""
    for key, target in model.state_dict(keep_vars=True).items():
        stored = arrays.get(key)
        if stored is not None and stored.dtype != target.dtype and stored.dtype.kind == "f":
            target.array = target.array.astype(stored.dtype)
    try:
        model.load_state_dict({key: Tensor(array) for key, array in arrays.items()})
    except StateDictError as error:
        raise ModelFileError(
            f"{os.fspath(path)}: the weights do not fit the architecture: {error}"
        ) from None


def save_state_dict(
    module_or_state_dict: Module | Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    metadata: Mapping[str, Any] | None = None,
    overwrite: bool = True,
    allow_non_finite: bool = False,
) -> None:
    """Write weights alone (a module's `state_dict()`, or a state dict) to `path`, atomically.

    The file is plain safetensors under PyTorch's key names: `safetensors.torch.load_file` reads
    it into the equivalent torch model. Works for any module, custom ones included.
    `overwrite` and `allow_non_finite` are as in `save`.
    """
    if isinstance(module_or_state_dict, Module):
        state: Mapping[str, Any] = module_or_state_dict.state_dict()
    elif isinstance(module_or_state_dict, Mapping):
        state = module_or_state_dict
    else:
        raise ArgumentTypeError(
            "save_state_dict takes a Module or a state dict, got "
            f"{type(module_or_state_dict).__name__}"
        )
    user = encode(_optional_dict(metadata, "metadata"), "metadata", None)
    arrays = state_arrays(state)
    if not allow_non_finite:
        check_finite(arrays, path)
    write_arrays(path, arrays, header_metadata("state_dict", metadata=user), overwrite=overwrite)


def load_state_dict_file(path: str | os.PathLike[str]) -> dict[str, Tensor]:
    """The tensors of any safetensors file (from `save_state_dict`, `save`, or PyTorch's
    `safetensors.torch.save_file`), for `model.load_state_dict(...)`."""
    arrays, _ = read_arrays(path)
    return {key: Tensor(array) for key, array in arrays.items()}


def _is_file_object(path: Any, method: str) -> bool:
    """Whether `path` is a file object (has `method`) rather than a path."""
    return not isinstance(path, (str, bytes, os.PathLike)) and callable(getattr(path, method, None))
