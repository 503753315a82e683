"""`summary(model, input_size)`: the layers of a model, their output shapes and parameter counts.

    >>> model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> print(retrograd.summary(model, (4, 3)))
    Sequential on input [4, 3]
    =====================================
    Layer (type)   Output Shape   Param #
    =====================================
    0 (Linear)     [4, 8]              32
    1 (ReLU)       [4, 8]               0
    2 (Linear)     [4, 1]               9
    =====================================
    Total params: 41
    Trainable params: 41
    Non-trainable params: 0
    Params size: 164 B
    =====================================

Like Keras' `model.summary()` and torchinfo: one forward pass on a made-up input, watched by
forward hooks. The pass runs in eval mode under `no_grad`, so it draws no random numbers, changes
no running statistics and leaves the model as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import no_grad
from retrograd.backend.dtypes import default_float_dtype, to_numpy_dtype
from retrograd.errors import InvalidArgumentError
from retrograd.nn.module import Module
from retrograd.tensor import RemovableHandle, Tensor

__all__ = ["Summary", "summary"]

_SEED = 0  # the made-up input is the same on every call


@dataclass
class Summary:
    """What `summary` found: `rows` (one dict per layer call) and the parameter totals.

    Each row has `name` (dotted path, as in `named_modules`; "" for a one-layer model), `type`,
    `depth` (1 for a child of the model), `output_shape` (a tuple, or a list of tuples for
    several outputs), `params` and `trainable` (the layer's own parameters, counted at its first
    call only) and `first_call`."""

    model_name: str
    input_size: list[tuple[int, ...]]
    rows: list[dict[str, Any]]
    total_params: int
    trainable_params: int
    param_bytes: int
    notes: list[str] = field(default_factory=list)

    @property
    def non_trainable_params(self) -> int:
        """The parameters that do not require grad: `total_params - trainable_params`."""
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        header = ("Layer (type)", "Output Shape", "Param #")
        body = [
            (
                "  " * (row["depth"] - 1)
                + (f"{row['name']} ({row['type']})" if row["name"] else row["type"]),
                _shape_text(row["output_shape"]),
                f"{row['params']:,}" if row["first_call"] else "(shared)",
            )
            for row in self.rows
        ]
        widths = [max(len(line[i]) for line in [header, *body]) for i in range(3)]
        width = sum(widths) + 6

        def line(cells: Sequence[str]) -> str:
            return f"{cells[0]:<{widths[0]}}   {cells[1]:<{widths[1]}}   {cells[2]:>{widths[2]}}"

        inputs = ", ".join(_shape_text(s) for s in self.input_size)
        lines = [f"{self.model_name} on input {inputs}", "=" * width, line(header), "=" * width]
        lines += [line(cells) for cells in body]
        lines += [
            "=" * width,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            f"Params size: {_bytes_text(self.param_bytes)}",
            *self.notes,
            "=" * width,
        ]
        return "\n".join(lines)


def summary(
    model: Module,
    input_size: Sequence[int] | Sequence[Sequence[int]] | None = None,
    dtype: Any = None,
    *,
    input_data: Any = None,
) -> Summary:
    """Run `model` once on a made-up input and tabulate its layers.

    Args:
        model: the module to run.
        input_size: the full input shape with the batch dimension, e.g. `(4, 3)`; a list of
            shapes for a model whose forward takes several tensors.
        dtype: of the made-up input (default: the default float dtype); an integer dtype gives
            zeros (indices for an `Embedding`), a float one standard normal values.
        input_data: a tensor (or tuple of tensors) to use instead of a made-up input.

    Returns:
        A `Summary`; `str()` of it is the table.
    """
    inputs = _make_inputs(input_size, dtype, input_data)
    rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    handles: list[RemovableHandle] = []
    named = list(model.named_modules())
    has_children = len(named) > 1

    def watch(name: str, module: Module) -> None:
        def before(mod: Module, args: tuple[Any, ...]) -> None:
            own = list(mod.parameters(recurse=False))
            first = id(mod) not in seen
            seen.add(id(mod))
            rows.append(
                {
                    "name": name,
                    "type": type(mod).__name__,
                    "depth": name.count(".") + 1 if name else 1,
                    "output_shape": None,
                    "params": sum(p.numel() for p in own) if first else 0,
                    "trainable": sum(p.numel() for p in own if p.requires_grad) if first else 0,
                    "first_call": first,
                }
            )
            stack.append(len(rows) - 1)

        def after(mod: Module, args: tuple[Any, ...], output: Any) -> None:
            rows[stack.pop()]["output_shape"] = _shapes_of(output)

        handles.append(module.register_forward_pre_hook(before))
        handles.append(module.register_forward_hook(after))

    stack: list[int] = []
    for name, module in named:
        if name or not has_children:  # the model itself is a row only when it is one layer
            watch(name, module)
    modes = [(module, module.training) for _, module in named]
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes:
            object.__setattr__(module, "training", mode)

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    notes = []
    unused = [name for name, _ in named if name and not any(r["name"] == name for r in rows)]
    if unused:
        notes.append(f"Not called in forward: {', '.join(unused)}")
    return Summary(
        model_name=type(model).__name__,
        input_size=[tuple(t.shape) for t in inputs],
        rows=rows,
        total_params=total,
        trainable_params=trainable,
        param_bytes=sum(p.array.nbytes for p in params),
        notes=notes,
    )


def _make_inputs(input_size: Any, dtype: Any, input_data: Any) -> list[Tensor]:
    if input_data is not None:
        items = input_data if isinstance(input_data, (tuple, list)) else [input_data]
        return [item if isinstance(item, Tensor) else Tensor(item) for item in items]
    if input_size is None:
        raise InvalidArgumentError(
            "summary needs input_size (e.g. (batch, features)) or input_data"
        )
    sizes = list(input_size)
    shapes = sizes if sizes and isinstance(sizes[0], (tuple, list)) else [sizes]
    target = default_float_dtype() if dtype is None else to_numpy_dtype(dtype)
    rng = np.random.default_rng(_SEED)
    tensors = []
    for shape in shapes:
        shape = tuple(int(n) for n in shape)
        if any(n < 0 for n in shape):
            raise InvalidArgumentError(f"summary: input_size {shape} has a negative dimension")
        if target.kind == "f":
            values = rng.standard_normal(shape).astype(target)
        else:
            values = np.zeros(shape, dtype=target)
        tensors.append(Tensor(values))
    return tensors


def _shapes_of(output: Any) -> Any:
    if isinstance(output, Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)):
        return [_shapes_of(item) for item in output]
    return None


def _bytes_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1e3:.1f} KB"
    return f"{size / 1e6:.1f} MB"


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "--"
    if isinstance(shape, tuple):
        return "[" + ", ".join(str(n) for n in shape) + "]"
    return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
