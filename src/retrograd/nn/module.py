"""`Module`: the base class of layers. Attributes that are Parameters, Modules or registered
buffers are tracked in ordered dicts, so traversal, state dicts and repr work like PyTorch's."""

from __future__ import annotations

import functools
import inspect
import itertools
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from retrograd.autograd.engine import anomaly_state
from retrograd.autograd.grad_mode import grad_state, no_grad
from retrograd.autograd.tracing import hook_ids, record_call, trace_state
from retrograd.backend.arrays import to_device
from retrograd.backend.device import check_device, default_target, parse_to
from retrograd.backend.dtypes import to_numpy_dtype
from retrograd.errors import (
    ArgumentTypeError,
    DTypeError,
    InvalidArgumentError,
    InvalidKeyError,
    StateDictError,
)
from retrograd.nn.hooks import BackwardHook
from retrograd.nn.parameter import Parameter
from retrograd.tensor import RemovableHandle, Tensor

M = TypeVar("M", bound="Module")

#: what `load_state_dict` returns, as in PyTorch
IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


_NO_INPUT: Any = object()  # `Module.__call__` without a positional argument


def _addindent(text: str, spaces: int) -> str:
    """Indent every line but the first (nested reprs, as PyTorch prints them)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _zero_grads(params: list[Parameter], set_to_none: bool) -> None:
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            # a fresh array: the old one may be shared with a gradient the user holds
            param.grad.array = np.zeros_like(param.grad.array)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_name(kind: str, name: Any) -> None:
    if not isinstance(name, str):
        raise ArgumentTypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise InvalidKeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise InvalidKeyError(f'{kind} name can\'t contain ".", got: {name}')


def _as_array(value: Any) -> np.ndarray | None:
    """A state-dict value (retrograd Tensor, ndarray, torch tensor, number) as an array."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor, without torch
        value = value.detach()
        value = value.cpu() if hasattr(value, "cpu") else value
        return np.asarray(value.numpy())
    if isinstance(value, (int, float, bool, np.number)):
        return np.asarray(value)
    return None


# ---------------------------------------------------------------------- architecture capture
class UnrecordedArgument:
    """Stands in `_init_config` for a constructor argument no model file can hold (a function,
    an array...); `retrograd.io` names it when asked to save the module's architecture."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<unrecorded {self.type_name}>"


_CONFIG_SCALARS = (str, int, float, bool, type(None))


def _config_value(value: Any) -> Any:
    """`value` as a JSON-friendly config value; a Module becomes its own recorded config."""
    if isinstance(value, _CONFIG_SCALARS):
        return value
    if isinstance(value, (tuple, list)):
        return type(value)(_config_value(item) for item in value)
    if isinstance(value, Module):
        return value.__dict__.get("_init_config") or UnrecordedArgument(type(value).__name__)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, np.random.Generator):
        return None  # it only draws the initial values, which loading weights replaces
    return UnrecordedArgument(type(value).__name__)


def _init_fields(signature: inspect.Signature) -> list[tuple[str, Any, bool]]:
    """(name, default, is **kwargs) for each parameter after `self`; `*args` defaults to ()."""
    fields: list[tuple[str, Any, bool]] = []
    for param in list(signature.parameters.values())[1:]:
        if param.kind is param.VAR_POSITIONAL:
            fields.append((param.name, (), False))
        elif param.kind is param.VAR_KEYWORD:
            fields.append((param.name, {}, True))
        else:
            fields.append((param.name, param.default, False))
    return fields


def _is_library_class(cls: type) -> bool:
    return cls.__module__.startswith("retrograd.")


def _record_init_arguments(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap the `__init__` of one of retrograd's layers: the outermost call on an instance of
    a retrograd class stores its bound arguments (defaults applied) as
    `{"type": class name, "args": {name: value}}` in `_init_config`."""
    cache: list[Any] = []  # [signature, fields], computed on first use

    @functools.wraps(init)
    def __init__(self: Module, *args: Any, **kwargs: Any) -> None:
        if "_init_config" in self.__dict__ or not _is_library_class(type(self)):
            init(self, *args, **kwargs)  # a super().__init__ call, or a user's subclass
            return
        if not cache:
            signature = inspect.signature(init)
            cache.extend([signature, _init_fields(signature)])
        try:
            bound = cache[0].bind(self, *args, **kwargs).arguments
        except TypeError:
            init(self, *args, **kwargs)  # raises the constructor's own, clearer error
            return
        recorded: dict[str, Any] = {}
        for name, default, is_var_keyword in cache[1]:
            value = bound.get(name, default)  # a missing name has a default: bind() succeeded
            if is_var_keyword:
                recorded.update((key, _config_value(item)) for key, item in value.items())
            else:
                recorded[name] = _config_value(value)
        config = {"type": type(self).__name__, "args": recorded}
        object.__setattr__(self, "_init_config", config)
        init(self, *args, **kwargs)

    return __init__


class Module:
    """Base class of every layer: subclass it, assign sub-layers and Parameters in `__init__`
    (after `super().__init__()`), and write `forward`. Call the module, not `forward`."""

    training: bool
    #: attributes that are caches: a whole model written to a file keeps them as None
    _transient: tuple[str, ...] = ()
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers: set[str]
    _modules: dict[str, Module | None]
    _forward_pre_hooks: dict[int, Callable[..., Any]]
    _forward_hooks: dict[int, Callable[..., Any]]
    _backward_hooks: dict[int, Callable[..., Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Record the constructor arguments of retrograd's own layers (see `_init_config`): a
        model file rebuilds only those, so user classes are left as they are written."""
        super().__init_subclass__(**kwargs)
        if not _is_library_class(cls):
            return
        init = cls.__dict__.get("__init__")
        if init is None and cls.__init__ is Module.__init__:  # e.g. `class Tanh(Module)`
            init = Module.__init__
        if init is not None:
            cls.__init__ = _record_init_arguments(init)  # type: ignore[method-assign]

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ reads these dicts, so they must exist first
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_backward_hooks", {})

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation of the layer; every subclass defines it.

        Call the module (`layer(x)`) rather than `forward`: the call also runs the hooks. The base
        class's version raises NotImplementedError.
        """
        raise NotImplementedError(
            f'Module [{self._get_name()}] is missing the required "forward" function'
        )

    def __call__(self, input: Any = _NO_INPUT, /, *args: Any, **kwargs: Any) -> Any:  # noqa: A002
        # Without hooks or anomaly mode this is just forward; the fixed first parameter spares
        # packing and unpacking the arguments of the usual one-input call.
        # (the hook dicts are read from the instance dict: Module's `__getattr__` makes every
        # attribute read a slow one)
        try:
            state = self.__dict__
            hooked = (
                state["_forward_pre_hooks"]
                or state["_forward_hooks"]
                or state["_backward_hooks"]
                or anomaly_state.enabled
            )
        except KeyError:  # Module.__init__ never ran: the full call reports it
            hooked = True
        if hooked:
            return self._call_full(args if input is _NO_INPUT else (input, *args), kwargs)
        if input is _NO_INPUT:
            return self.forward(*args, **kwargs)
        if args or kwargs:
            return self.forward(input, *args, **kwargs)
        return self.forward(input)

    def _call_full(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if anomaly_state.enabled:  # anomaly mode names the module an op ran in
            anomaly_state.modules.append(self)
            try:
                return self._call_with_hooks(args, kwargs)
            finally:
                anomaly_state.modules.pop()
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if trace_state.tracer is not None and (
            self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
        ):
            trace_state.tracer.fail(f"{self._get_name()} has hooks (Python a replay would skip)")
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if self._backward_hooks and grad_state.enabled:
            backward_hook = BackwardHook(self, len(args))
            args = backward_hook.wrap_inputs(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.wrap_outputs(output)
        return output

    def register_forward_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call `hook(module, args)` before forward; a returned value replaces the inputs."""
        key = next(hook_ids)
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    def register_forward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call `hook(module, args, output)` after forward; a returned value replaces the output."""
        key = next(hook_ids)
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def register_full_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` when the gradients with respect to the
        module's positional inputs are computed (or, when no input requires grad, those with
        respect to its outputs); a returned tuple replaces `grad_input`.

        Both are tuples of Tensors, with None where there is no gradient (an argument that is
        not a tensor or does not require grad, an output that got none), as in PyTorch."""
        key = next(hook_ids)
        self._backward_hooks[key] = hook
        return RemovableHandle(self._backward_hooks, key)

    # ------------------------------------------------------------------ registration
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Track `param` under `name` (None keeps the slot but has no value)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise InvalidKeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(retrograd.nn.Parameter or None required)"
            )
        self._parameters[name] = param
        self.__dict__[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Track a non-learnable tensor (saved in the state dict unless `persistent=False`)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise InvalidKeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise ArgumentTypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(retrograd Tensor or None required)"
            )
        target = default_target()
        if tensor is not None and target is not None and tensor.is_cpu:  # set_default_device
            tensor.array = to_device(tensor.array, target)
        self._buffers[name] = tensor
        self.__dict__[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Track a sub-module under `name`."""
        if module is not None and not isinstance(module, Module):
            raise ArgumentTypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise InvalidKeyError(f"attribute '{name}' already exists")
        self._modules[name] = module
        self.__dict__[name] = module

    register_module = add_module

    def _set_modules(self, modules: dict[str, Module | None]) -> None:
        """Replace every child at once (containers renumbering theirs), mirrors included."""
        state = self.__dict__
        for name in self._modules:
            state.pop(name, None)
        state["_modules"] = modules
        state.update(modules)

    # Registered items live in their ordered dict (`_parameters`, `_buffers`, `_modules`) for
    # traversal and state dicts, and under the same name in the instance `__dict__`, so reading
    # `self.weight` is a plain attribute hit. Every change below keeps the two in step.
    def __setattr__(self, name: str, value: Any) -> None:
        state = self.__dict__
        params = state.get("_parameters")
        modules = state.get("_modules")
        buffers = state.get("_buffers")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise ArgumentTypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(retrograd.nn.Parameter or None expected)"
                )
            params[name] = state[name] = None
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = state[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise ArgumentTypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(retrograd.nn.Module or None expected)"
                )
            modules[name] = state[name] = None
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise ArgumentTypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(retrograd Tensor or None expected)"
                )
            buffers[name] = state[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        """Drop `name` from every store, before it is registered again in one of them."""
        self.__dict__.pop(name, None)
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup misses: an item put straight into one of the dicts
        # (as some PyTorch code does) is still found, and subclasses may call it via super().
        state = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            items = state.get(store)
            if items is not None and name in items:
                return items[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self.__dict__.pop(name, None)
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    if TYPE_CHECKING:  # registered names are found at run time without a __getattr__

        def __getattr__(self, name: str) -> Any: ...

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickling and deep copies: the state, with every registered item mirrored."""
        self.__dict__.update(state)
        for store in ("_parameters", "_buffers", "_modules"):
            self.__dict__.update(state.get(store, {}))

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        names.update(self._parameters, self._buffers, self._modules)
        return sorted(n for n in names if not n[0].isdigit())

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set[int] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every descendant, depth first, each once."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and every submodule, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) pairs of the direct submodules."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def _named_members(
        self, store: str, prefix: str, recurse: bool, remove_duplicate: bool
    ) -> Iterator[tuple[str, Any]]:
        if recurse:
            owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            owners = iter([(prefix, self)])
        seen: set[int] = set()
        for owner_prefix, owner in owners:
            for name, value in getattr(owner, store).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield _join(owner_prefix, name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """("0.weight", parameter) pairs; a parameter shared by two layers appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """The parameters of this module and its submodules."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) pairs, names with their module path."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers of this module and its submodules."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path `target` ("" is this module), e.g. "encoder.0"."""
        module = self
        if target == "":
            return module
        for item in target.split("."):
            if item not in module._modules or module._modules[item] is None:
                raise AttributeError(
                    f"{module._get_name()} has no submodule `{item}` (in {target!r})"
                )
            module = module._modules[item]  # type: ignore[assignment]
        return module

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path `target`, e.g. "0.weight"."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        param = module._parameters.get(name)
        if param is None:
            raise AttributeError(f"{module._get_name()} has no parameter `{name}` (in {target!r})")
        return param

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path `target`."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        buffer = module._buffers.get(name)
        if buffer is None:
            raise AttributeError(f"{module._get_name()} has no buffer `{name}` (in {target!r})")
        return buffer

    # ------------------------------------------------------------------ modes and gradients
    def train(self: M, mode: bool = True) -> M:
        """Set training mode on this module and every descendant (affects dropout, batch norm)."""
        if not isinstance(mode, bool):
            raise InvalidArgumentError(
                f"training mode is expected to be boolean, got {type(mode).__name__}"
            )
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self: M) -> M:
        """Same as `train(False)`."""
        return self.train(False)

    def requires_grad_(self: M, requires_grad: bool = True) -> M:
        """Turn gradient tracking of every parameter on or off (freezing layers)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's `.grad` (to None, or to zeros with `set_to_none=False`)."""
        params = list(self.parameters())
        record_call(_zero_grads, (params, set_to_none))  # a compiled step replays it
        _zero_grads(params, set_to_none)

    def apply(self: M, fn: Callable[[Module], Any]) -> M:
        """Call `fn` on every sub-module (children first), then on this module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ dtype
    def _cast_floats(self: M, dtype: Any) -> M:
        """Change the dtype of floating parameters, buffers and gradients in place; the Parameter
        objects stay the same, so an optimizer built on them keeps working."""
        target = to_numpy_dtype(dtype)
        if target.kind != "f":
            raise DTypeError(f"Module.to only accepts floating point dtypes, but got {target}")
        tensors = itertools.chain(
            self.parameters(),
            self.buffers(),
            (p.grad for p in self.parameters() if p.grad is not None),
        )
        for tensor in tensors:
            if tensor.dtype.kind == "f" and tensor.dtype != target:
                tensor.array = tensor.array.astype(target)
        return self

    def float(self: M) -> M:
        """Cast floating parameters and buffers to float32."""
        return self._cast_floats(np.float32)

    def double(self: M) -> M:
        """Cast floating parameters and buffers to float64."""
        return self._cast_floats(np.float64)

    def half(self: M) -> M:
        """Cast floating parameters and buffers to float16."""
        return self._cast_floats(np.float16)

    def to(self: M, *args: Any, **kwargs: Any) -> M:
        """PyTorch's forms: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` and the
        keywords `dtype`, `device`, `non_blocking`. A dtype casts the floating parameters and
        buffers; a device moves every parameter, buffer and gradient there, in place (the
        Parameter objects stay the same, so an optimizer built on them keeps working)."""
        dtype, target, _ = parse_to(args, kwargs, "Module.to")
        if target is not None:
            self._move(target)
        return self if dtype is None else self._cast_floats(dtype)

    def _move(self: M, target: Any) -> M:
        tensors = itertools.chain(
            self.parameters(),
            self.buffers(),
            (p.grad for p in self.parameters() if p.grad is not None),
        )
        for tensor in tensors:
            tensor.array = to_device(tensor.array, target)
        return self

    def cpu(self: M) -> M:
        """Move every parameter and buffer to host memory (in place)."""
        return self._move("cpu")

    def type(self: M, dst_type: Any) -> M:
        """Cast the floating parameters and buffers to `dst_type` (PyTorch's `Module.type`)."""
        return self._cast_floats(dst_type)

    def cuda(self: M, device: Any = None) -> M:
        """Move every parameter and buffer to a CUDA GPU (in place); an error naming the
        available devices where there is none."""
        if isinstance(device, int) and not isinstance(device, bool):
            device = f"cuda:{device}"
        target = "cuda" if device is None else device
        check_device(target, "Module.cuda")
        return self._move(target)

    # ------------------------------------------------------------------ state dict
    def state_dict(
        self, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers under PyTorch's keys ("0.weight"); the values are
        detached tensors sharing memory with the module (unless `keep_vars`)."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy values into the parameters and buffers in place (cast to their dtypes).

        Values may be retrograd Tensors, NumPy arrays or torch tensors. Mis-shaped values, and
        with `strict` missing or unexpected keys, raise StateDictError listing every problem;
        nothing is copied then.

        Returns:
            `(missing_keys, unexpected_keys)`.
        """
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(
                f"Expected state_dict to be dict-like, got {type(state_dict).__name__}."
            )
        targets = self.state_dict(keep_vars=True)
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        problems = []
        if strict and missing:
            problems.append(
                "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + "."
            )
        if strict and unexpected:
            problems.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + "."
            )
        values: list[tuple[Tensor, np.ndarray]] = []
        for key, target in targets.items():
            if key not in state_dict:
                continue
            array = _as_array(state_dict[key])
            if array is None:
                problems.append(
                    f'While copying the parameter named "{key}", expected a Tensor, NumPy array or '
                    f"torch tensor from checkpoint but received {type(state_dict[key]).__name__}."
                )
            elif array.shape != target.shape:
                problems.append(
                    f"size mismatch for {key}: copying a param with shape {array.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}."
                )
            else:
                values.append((target, array))
        if problems:
            raise StateDictError(
                f"Error(s) in loading state_dict for {self._get_name()}:\n\t"
                + "\n\t".join(problems)
            )
        with no_grad():
            for target, array in values:
                target.copy_(Tensor(array))
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside the parentheses of this layer's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [
            f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()
        ]
        lines = extra_lines + child_lines
        body = ""
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif lines:
            body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"
