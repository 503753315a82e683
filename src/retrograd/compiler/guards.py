"""Guards: the Python state a recorded step read, checked before every replay.

While a step is recorded, `Guards` collects what it can depend on besides its tensor arguments:
the modules it ran (every attribute: `training`, `negative_slope`, hooks, submodules and their
parameters' `requires_grad`, shape and dtype), the optimizers it stepped (their parameter lists;
hyperparameters are read live by the replayed update), the closure cells and globals the step's
Python code reads, and the attributes of plain objects those names reach. Each becomes an item
`(label, expression, token)`; a token is a small tuple of ids and values that says what the
expression evaluated to (`("eq", float, 0.01)`, `("is", id)`, a tensor's id, `requires_grad`,
shape and dtype, a list's id, length and items).

The items turn into one generated function, `check()`, that evaluates every expression and
compares it with its token in a single `and` chain — no walk over objects at replay time.
Items whose value changed *during* the recording (a counter the step increments, an `lr` it
writes) are reported by `changed()`: the step has a Python side effect a replay would not repeat.
"""

from __future__ import annotations

import builtins
import functools
import os
import sys
import sysconfig
import types
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from retrograd.autograd.tracing import hook_ids
from retrograd.nn.module import Module
from retrograd.optim.optimizer import Optimizer
from retrograd.tensor import Tensor

_MISSING = object()  # what a missing attribute, key or global reads as in a guard
_SCALARS = (int, float, complex, str, bytes, np.generic)
_MAX_ITEMS = 256  # containers longer than this are guarded by identity and length only
_SMALL_ARRAY = 256  # arrays up to this many elements are guarded by value
_MAX_DEPTH = 4  # plain objects reached through more attribute steps than this are not opened
# A module's own stores: `_parameters`, `_buffers` and `_modules` are mirrored in the instance
# dict (guarded there), `_init_config` only describes the constructor call.
# Hook dicts are covered by one guard on `hook_ids.issued` (a recording with hooks fails).
_MODULE_SKIP = frozenset(
    {
        "_parameters",
        "_buffers",
        "_modules",
        "_non_persistent_buffers",
        "_init_config",
        "_forward_pre_hooks",
        "_forward_hooks",
        "_backward_hooks",
    }
)
# An optimizer's state (and its private workspaces) is what its replayed update reads and writes.
_OPTIMIZER_SKIP = frozenset({"state", "param_groups", "defaults"})


@functools.lru_cache(maxsize=4096)
def is_library_file(filename: str) -> bool:
    """True for code of retrograd itself, NumPy and Python's standard library: code whose
    reads of Python state the guards do not need to follow (modules and optimizers that
    library code runs on are still guarded)."""
    return filename.startswith(_LIBRARY_PREFIXES) or filename.startswith("<frozen")


def _library_prefixes() -> tuple[str, ...]:
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # retrograd/
    paths = [package, os.path.dirname(np.__file__)]
    for key in ("stdlib", "platstdlib"):
        paths.append(sysconfig.get_paths()[key])
    return tuple(os.path.join(os.path.realpath(p), "") for p in paths) + tuple(
        os.path.join(p, "") for p in paths
    )


_LIBRARY_PREFIXES = _library_prefixes()


def _is_user_module(module: types.ModuleType) -> bool:
    name = module.__name__.split(".")[0]
    if name in sys.stdlib_module_names or name in ("retrograd", "numpy", "builtins"):
        return False
    return not is_library_file(getattr(module, "__file__", None) or "<none>")


class Guards:
    """Everything a recording read besides its tensor arguments, as checkable items."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.keep: dict[int, Any] = {}  # id -> object, so no id in a token is reused
        self.names: set[str] = set()  # attribute and global names the user's code mentions
        self.start: dict[str, Any] = {}  # label -> token when first seen
        self._seen: dict[int, str] = {}  # id of a watched object -> its label
        self._roots: list[tuple[str, Callable[[], Iterable[tuple[str, str, Any, bool]]]]] = []
        self._codes: set[int] = set()
        self._root_labels: set[str] = set()
        self._counter = 0

    # discovery ------------------------------------------------------------------------------
    def see_callable(self, fn: Any, label: str) -> None:
        """The step itself (or a function it calls): its closure, globals, defaults, self."""
        if isinstance(fn, functools.partial):
            self.see_callable(fn.func, label)
            for i, arg in enumerate(fn.args):
                self.see_value(f"{label} argument {i}", arg)
            for key, arg in fn.keywords.items():
                self.see_value(f"{label} argument {key}", arg)
            return
        if isinstance(fn, types.MethodType):
            self.see_object(fn.__self__, f"{label}.__self__", user=True)
            fn = fn.__func__
        if not isinstance(fn, types.FunctionType):
            if hasattr(fn, "__dict__") and not isinstance(fn, type):
                self.see_object(fn, label, user=True)
                call = type(fn).__dict__.get("__call__")
                if isinstance(call, types.FunctionType):
                    self.see_callable(call, label)
            return
        if id(fn) in self._seen:
            return
        self._remember(fn, label)
        self.see_code(fn.__code__, fn.__globals__)
        name = fn.__qualname__
        for var, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
            self._add_root(f"closure variable {var!r} of {name}", cell, "cell")
        for i, default in enumerate(fn.__defaults__ or ()):
            self.see_value(f"default argument {i} of {name}", default)

    def see_code(self, code: types.CodeType, globals_: dict[str, Any]) -> None:
        """User code ran: the names it reads become attributes worth guarding, and the
        globals among them are guarded."""
        if id(code) in self._codes:
            return
        self._codes.add(id(code))
        self.keep[id(code)] = code
        names = set(_names_of(code))
        self.names |= names
        used = sorted(n for n in names if n in globals_)
        if used:
            label = f"globals of {globals_.get('__name__', '?')}"
            self._add_root(label, globals_, "globals", used)

    def see_object(self, obj: Any, label: str, user: bool, depth: int = 0) -> None:
        """An object the step used: modules, optimizers and tensors are guarded whole; plain
        objects (configs, trainers) by the attributes the user's code names."""
        if id(obj) in self._seen or obj is None:
            return
        if isinstance(obj, Tensor):
            self._add_root(label, obj, "tensor")
        elif isinstance(obj, Optimizer):
            self._add_root(label, obj, "optimizer")
        elif isinstance(obj, Module):
            self._add_root(label, obj, "module")
        elif isinstance(obj, types.ModuleType):
            if _is_user_module(obj):
                self._add_root(label, obj, "attributes", depth)
            else:
                self._remember(obj, label)
        elif isinstance(obj, types.FunctionType):
            if not is_library_file(obj.__code__.co_filename):
                self.see_callable(obj, label)
        elif user and depth <= _MAX_DEPTH and _has_plain_dict(obj):
            self._add_root(label, obj, "attributes", depth)

    # items ----------------------------------------------------------------------------------
    def _remember(self, obj: Any, label: str) -> None:
        self._seen[id(obj)] = label
        self.keep[id(obj)] = obj

    def see_value(self, label: str, value: Any) -> None:
        """A value baked into the recording (an argument of a recorded call): guarded."""
        self._add_root(label, value, "value")

    def _add_root(self, label: str, obj: Any, kind: str, extra: Any = None) -> None:
        if kind != "value":
            if id(obj) in self._seen and kind != "globals":
                return
            self._remember(obj, label)
        if label in self._root_labels:  # two objects reached under one name: keep them apart
            label = f"{label} (#{len(self._roots)})"
        self._root_labels.add(label)
        name = self._const(obj, kind[0])
        reader = functools.partial(self._items_of, kind, obj, name, label, extra)
        self._roots.append((label, reader))
        for item_label, _, token, _ in reader():
            self.start.setdefault(item_label, token)

    def _items_of(
        self, kind: str, obj: Any, name: str, label: str, extra: Any
    ) -> Iterable[tuple[str, str, Any, bool]]:
        """(label, expression, token, live) for each value this root holds now."""
        if kind == "value":
            token = self.token(obj, label)
            if token[0] not in ("is", "eq"):  # a scalar or an object compared with itself holds
                yield label, name, token, False
        elif kind == "cell":
            try:
                value = obj.cell_contents
            except ValueError:
                value = _MISSING
            yield label, f"{name}.cell_contents", self.token(value, label), False
        elif kind == "globals":
            for key in extra:
                yield (
                    f"global {key!r} ({label})",
                    f"{name}[{key!r}]",
                    self.token(obj.get(key, _MISSING), f"global {key}", user=True),
                    False,
                )
        elif kind == "tensor":
            yield label, name, self.token(obj, label), False
        elif kind == "module":
            state = obj.__dict__
            dict_name = self._const(state, "d")
            yield f"{label}: its attribute count", f"len({dict_name})", ("len", len(state)), False
            for key in list(state):
                if key in _MODULE_SKIP:
                    continue
                item = f"{label}.{key}"
                value = state[key]
                yield item, f"{dict_name}[{key!r}]", self.token(value, item), False
        elif kind == "optimizer":
            yield from self._optimizer_items(obj, name, label)
        elif kind == "attributes":
            state = vars(obj)
            dict_name = self._const(state, "d")
            for key in sorted(self.names & set(state)):
                item = f"{label}.{key}"
                value = state[key]
                yield (
                    item,
                    f"{dict_name}[{key!r}]",
                    self.token(value, item, user=True, depth=extra + 1),
                    False,
                )

    def _optimizer_items(
        self, opt: Optimizer, name: str, label: str
    ) -> Iterable[tuple[str, str, Any, bool]]:
        groups = opt.param_groups
        yield f"{label}.param_groups", f"{name}.param_groups", self._identity(groups), False
        yield (
            f"{label}: number of parameter groups",
            f"len({name}.param_groups)",
            ("len", len(groups)),
            False,
        )
        for i, group in enumerate(groups):
            base = f"{name}.param_groups[{i}]"
            where = f"{label}.param_groups[{i}]"
            yield where, base, self._identity(group), False
            for key, value in group.items():
                expr = f"{base}[{key!r}]"
                if key == "params":
                    yield f"{where}['params']", expr, self.token(value, where), False
                else:  # hyperparameters are read by the replayed update when it runs
                    yield f"{where}[{key!r}]", expr, self.token(value, where), True
        for key, value in vars(opt).items():
            if key not in _OPTIMIZER_SKIP and not key.startswith("_"):
                item = f"{label}.{key}"
                yield item, f"{name}.__dict__[{key!r}]", self.token(value, item), False

    def _const(self, obj: Any, prefix: str) -> str:
        name = f"{prefix}{self._counter}"
        self._counter += 1
        self.namespace[name] = obj
        self.keep[id(obj)] = obj
        return name

    def _identity(self, obj: Any) -> tuple[str, int]:
        self.keep[id(obj)] = obj
        return ("is", id(obj))

    def token(self, value: Any, label: str, user: bool = False, depth: int = 0) -> Any:
        """What `value` is, as a comparable tuple; objects it holds get watched too."""
        if value is None or value is True or value is False or value is _MISSING:
            return self._identity(value)
        kind = type(value)
        if kind in _SCALARS or isinstance(value, np.generic):
            return ("eq", kind, value)
        if isinstance(value, Tensor):
            self._remember(value, label)
            hooks = bool(value._hooks) or value._retains_grad
            data = value.array
            return ("tensor", id(value), value.requires_grad, hooks, data.shape, data.dtype.str)
        if isinstance(value, np.ndarray):
            self.keep[id(value)] = value
            small = value.tobytes() if value.size <= _SMALL_ARRAY else None
            return ("array", id(value), value.shape, value.dtype.str, small)
        if kind is tuple and len(value) <= _MAX_ITEMS:
            return ("tuple", tuple(self.token(v, label, user, depth) for v in value))
        if kind in (list, dict, set, frozenset):
            self.keep[id(value)] = value
            if len(value) > _MAX_ITEMS:
                return ("sized", id(value), len(value))
            if kind is dict:
                if not all(type(k) in (str, int) for k in value):
                    return ("sized", id(value), len(value))
                items = tuple(
                    (k, self.token(v, f"{label}[{k!r}]", user, depth)) for k, v in value.items()
                )
                return ("dict", id(value), items)
            if kind is list:
                return ("list", id(value), tuple(self.token(v, label, user, depth) for v in value))
            try:
                return ("set", id(value), frozenset(value))
            except TypeError:
                return ("sized", id(value), len(value))
        self.see_object(value, label, user, depth)
        return self._identity(value)

    # results --------------------------------------------------------------------------------
    def items(self) -> list[tuple[str, str, Any, bool]]:
        """Every item as it is now (roots found while reading are read too)."""
        self.namespace["_hook_ids"] = hook_ids
        result: list[tuple[str, str, Any, bool]] = [
            ("no hook registered since", "_hook_ids.issued", ("len", hook_ids.issued), False)
        ]
        done = 0
        while done < len(self._roots):  # reading may add roots (objects held by attributes)
            _, reader = self._roots[done]
            result.extend(reader())
            done += 1
        return result

    def changed(self, items: list[tuple[str, str, Any, bool]]) -> list[str]:
        """Labels of items whose value at the end differs from when they were first seen."""
        return [label for label, _, token, _ in items if self.start.get(label, token) != token]


class GuardCheck:
    """The generated `check()` of a recording's guards, and `failures()` for explanations."""

    def __init__(self, guards: Guards, items: list[tuple[str, str, Any, bool]]) -> None:
        self.namespace = dict(guards.namespace)
        self.keep = guards.keep
        self.labels: list[str] = []
        self._counter = 0
        self._tensors: set[int] = set()  # tensors already checked in full by an earlier term
        terms: list[str] = []
        for label, expr, token, live in items:
            if live:
                continue
            terms.append(self._term(expr, token))
            self.labels.append(label)
        self.count = len(terms)
        body = " and ".join(terms) if terms else "True"
        lines = ["def check():", f"    return {body}", "", "def each():"]
        lines.append("    return [" + "".join(f"lambda: {t},\n" for t in terms) + "]")
        self.source = "\n".join(lines) + "\n"
        code = builtins.compile(self.source, "<retrograd.compile guards>", "exec")
        exec(code, self.namespace)  # noqa: S102 - our own generated text
        self.check: Callable[[], bool] = self.namespace["check"]

    def failures(self) -> list[str]:
        """Labels of the guards that do not hold now."""
        failed = []
        for label, term in zip(self.labels, self.namespace["each"]()):
            try:
                ok = bool(term())
            except Exception:  # noqa: BLE001
                ok = False
            if not ok:
                failed.append(label)
        return failed

    def _const(self, value: Any) -> str:
        name = f"k{self._counter}"
        self._counter += 1
        self.namespace[name] = value
        return name

    def _var(self) -> str:
        name = f"v{self._counter}"
        self._counter += 1
        return name

    def _term(self, expr: str, token: Any) -> str:
        """Python that is True when `expr` still evaluates to what `token` describes."""
        kind = token[0]
        if kind == "is":
            return f"({expr}) is {self._const(self.keep[token[1]])}"
        if kind == "len":
            return f"{expr} == {token[1]}"
        v = self._var()
        if kind == "eq":
            value = token[2]
            literal = repr(value) if type(value) in (int, str) else self._const(value)
            return f"(type({v} := {expr}) is {self._const(token[1])} and {v} == {literal})"
        if kind == "tensor":
            _, key, requires_grad, hooks, shape, dtype = token
            if key in self._tensors:  # one `and` chain: the earlier term checks its state
                return f"({expr}) is {self._const(self.keep[key])}"
            self._tensors.add(key)
            # no hooks when recorded: adding one bumps `hook_ids.issued`, checked first
            hook_test = f" and ({v}._hooks or {v}._retains_grad)" if hooks else ""
            return (
                f"(({v} := {expr}) is {self._const(self.keep[key])} and {v}._requires_grad is "
                f"{requires_grad}{hook_test} and {v}.array.shape == {shape!r} and "
                f"{v}.array.dtype is {self._const(np.dtype(dtype))})"
            )
        if kind == "array":
            _, key, shape, dtype, small = token
            array = self.keep[key]
            parts = [f"({v} := {expr}) is {self._const(array)}", f"{v}.shape == {shape!r}"]
            parts.append(f"{v}.dtype is {self._const(np.dtype(dtype))}")
            if small is not None:
                parts.append(f"{v}.tobytes() == {self._const(small)}")
            return "(" + " and ".join(parts) + ")"
        if kind == "tuple":
            parts = [f"type({v} := {expr}) is tuple", f"len({v}) == {len(token[1])}"]
            parts += [self._term(f"{v}[{i}]", t) for i, t in enumerate(token[1])]
            return "(" + " and ".join(parts) + ")"
        if kind == "sized":
            const = self._const(self.keep[token[1]])
            return f"(({v} := {expr}) is {const} and len({v}) == {token[2]})"
        if kind == "set":
            const = self._const(self.keep[token[1]])
            return f"(({v} := {expr}) is {const} and {v} == {self._const(token[2])})"
        container = self._const(self.keep[token[1]])
        parts = [f"({v} := {expr}) is {container}", f"len({v}) == {len(token[2])}"]
        if kind == "list":
            parts += [self._term(f"{v}[{i}]", t) for i, t in enumerate(token[2])]
        else:
            parts += [self._term(f"{v}[{k!r}]", t) for k, t in token[2]]
        return "(" + " and ".join(parts) + ")"


def _names_of(code: types.CodeType) -> Iterable[str]:
    """The global and attribute names a code object (and the functions nested in it) reads."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names_of(const)


def _has_plain_dict(obj: Any) -> bool:
    """A user's object (or class) whose attributes can be read without running code."""
    if isinstance(obj, type):
        module = sys.modules.get(obj.__module__)
        return module is not None and _is_user_module(module) and len(vars(obj)) <= _MAX_ITEMS
    if callable(getattr(obj, "__get__", None)):
        return False
    state = getattr(obj, "__dict__", None)
    return isinstance(state, dict) and len(state) <= _MAX_ITEMS
