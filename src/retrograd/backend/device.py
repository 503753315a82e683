"""Devices, as PyTorch names them: `device("cpu")`, `device("cuda:0")`, `t.device`.

retrograd computes on the CPU (NumPy) and, when CuPy is installed and sees a GPU, on "cuda"
(see `retrograd.backend.arrays`). `device("cuda" if cuda.is_available() else "cpu")` picks the
GPU where there is one; asking for a device that is not there is an error naming what is
available.
"""

from __future__ import annotations

from typing import Any

from retrograd.errors import ArgumentTypeError, InvalidArgumentError

#: device types PyTorch knows (a string naming another is an error, as in PyTorch)
KNOWN_TYPES = (
    "cpu",
    "cuda",
    "mps",
    "xpu",
    "meta",
    "hip",
    "xla",
    "ipu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "ve",
    "fpga",
    "maia",
    "lazy",
    "vulkan",
    "hpu",
    "mtia",
    "privateuseone",
)


class device:  # noqa: N801 - PyTorch's name
    """`torch.device`: a type (`"cpu"`, `"cuda"`, ...) and an optional index.

    `device("cuda:1")`, `device("cuda", 1)` and `device(other_device)` are accepted; it compares
    equal to an equal device and to its own string (`t.device == "cpu"`).
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise ArgumentTypeError("device(device, index): give the index in one place")
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):  # torch.device(0) is cuda:0
            type, index = "cuda", type
        if not isinstance(type, str):
            raise ArgumentTypeError(
                f"device() takes a string like 'cpu' or 'cuda:0', got {builtins_type(type)}"
            )
        name, _, number = type.strip().partition(":")
        if name not in KNOWN_TYPES:
            raise InvalidArgumentError(
                f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if number:
            if index is not None:
                raise InvalidArgumentError(f"device({type!r}, {index}): the index is given twice")
            if not number.isdigit():
                raise InvalidArgumentError(f"Invalid device string: {type!r}")
            index = int(number)
        if index is not None and (
            not isinstance(index, int) or isinstance(index, bool) or index < 0
        ):
            raise InvalidArgumentError(f"Device index must not be negative, got {index!r}")
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        """The device type: 'cpu', 'cuda', ..."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device number (`cuda:1` -> 1), or None."""
        return self._index

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (InvalidArgumentError, ArgumentTypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> tuple[Any, ...]:
        return (device, (self._type, self._index))

    def __enter__(self) -> device:
        """`with device("cuda"):` makes it the default device of new tensors and parameters
        inside the block (PyTorch's device context)."""
        check_device(self, "with device(...)")
        _DEFAULT.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _DEFAULT.pop()


def builtins_type(value: Any) -> str:
    return type(value).__name__


CPU = device("cpu")

#: the default devices in force, innermost last (`set_default_device` sets the bottom one)
_DEFAULT: list[device] = []


def set_default_device(target: Any) -> None:
    """`torch.set_default_device`: where factories (`zeros`, `randn`, ...), parameters and
    buffers are made when no `device=` says otherwise; None goes back to the CPU."""
    if target is None:
        _DEFAULT.clear()
        return
    wanted = target if isinstance(target, device) else device(target)
    check_device(wanted, "set_default_device")
    _DEFAULT[:] = [wanted]


def get_default_device() -> device:
    """`torch.get_default_device`: the device new tensors are made on."""
    return _DEFAULT[-1] if _DEFAULT else CPU


def default_target() -> device | None:
    """The default device when it is not the CPU (what a new tensor must move to), else None."""
    if _DEFAULT and _DEFAULT[-1].type != "cpu":
        return _DEFAULT[-1]
    return None


def check_device(requested: Any, where: str = "") -> None:
    """Raise unless `requested` (a device, its string, or None) is one retrograd computes on:
    the CPU, or CUDA when CuPy sees a GPU."""
    if requested is None or requested is CPU:
        return
    wanted = requested if isinstance(requested, device) else device(requested)
    if wanted.type == "cpu":
        return
    from retrograd.backend.arrays import cuda_available

    if wanted.type == "cuda" and cuda_available():
        return
    prefix = f"{where}: " if where else ""
    raise InvalidArgumentError(
        f"{prefix}device {str(wanted)!r} is not available: retrograd computes on the CPU "
        "and, with CuPy and a GPU (pip install 'retrograd[gpu]'), on 'cuda' (available here: "
        f"{', '.join(available())}); pick the device with "
        "`device('cuda' if cuda.is_available() else 'cpu')`"
    )


def available() -> tuple[str, ...]:
    """The device types that can hold tensors here."""
    from retrograd.backend.arrays import cuda_available

    return ("cpu", "cuda") if cuda_available() else ("cpu",)


def parse_to(
    args: tuple[Any, ...], kwargs: dict[str, Any], who: str
) -> tuple[Any, device | None, bool]:
    """The dtype (or None), device (or None) and `copy` flag of a `.to(...)` call, PyTorch's
    forms: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)`, keywords `dtype`,
    `device`, `copy`, `non_blocking` and `memory_format`. An unavailable device is an error."""
    dtype = kwargs.pop("dtype", None)
    wanted = kwargs.pop("device", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise ArgumentTypeError(f"{who}() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if (
            isinstance(arg, device)
            or isinstance(arg, str)
            and arg.partition(":")[0].strip() in KNOWN_TYPES
        ):
            wanted = arg
        elif hasattr(arg, "data") and hasattr(arg, "dtype") and hasattr(arg, "device"):
            dtype, wanted = arg.dtype, arg.device  # to(other_tensor)
        elif arg is not None:
            dtype = arg
    check_device(wanted, who)
    if wanted is not None and not isinstance(wanted, device):
        wanted = device(wanted)
    return dtype, wanted, copy
