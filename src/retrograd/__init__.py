"""retrograd: a small neural-network library on NumPy with reverse-mode autograd.

PyTorch's names and semantics: `Tensor`, `backward()`, `.grad`, `nn.Module`, `optim.SGD`,
`no_grad`. `gradcheck` pinpoints a wrong hand-written derivative.
"""

import math as _math
from typing import TYPE_CHECKING

from retrograd import autograd
from retrograd._version import __version__
from retrograd.autograd.context import Context
from retrograd.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from retrograd.backend.device import device, get_default_device, set_default_device
from retrograd.backend.dtypes import default_float_dtype as get_default_dtype
from retrograd.backend.dtypes import set_default_dtype
from retrograd.backend.lazy import Lazy
from retrograd.creation import (
    arange,
    as_tensor,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from retrograd.errors import (
    ArgumentTypeError,
    DTypeError,
    GradcheckError,
    GraphError,
    IndexRangeError,
    InvalidArgumentError,
    InvalidKeyError,
    MissingDependencyError,
    NotFittedError,
    RetrogradError,
    ShapeError,
    StateDictError,
    UnsupportedError,
)
from retrograd.function import Function
from retrograd.function import Variable as _Variable
from retrograd.function import backward as _backward
from retrograd.function import grad as _grad
from retrograd.gradcheck import GradcheckResult, check_gradients, gradcheck
from retrograd.random import (
    Generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from retrograd.tensor import (
    Tensor,
    cat,
    chunk,
    concatenate,
    einsum,
    meshgrid,
    split,
    stack,
    where,
)
from retrograd.tensor.functions import *  # noqa: F403 - torch-style free functions (exp, sum, ...)
from retrograd.tensor.functions import __all__ as _function_names
from retrograd.tensor.special import digamma, lgamma, polygamma
from retrograd.tensor.torch_names import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    Size,
    are_deterministic_algorithms_enabled,
    bernoulli,
    empty_like,
    finfo,
    get_num_threads,
    iinfo,
    is_floating_point,
    is_tensor,
    normal,
    set_num_threads,
    set_printoptions,
    use_deterministic_algorithms,
)

# PyTorch's `torch.autograd.Function`, `.grad`, `.backward`, `.Variable` and `.gradcheck` are
# built on Tensor (a layer above `retrograd.autograd`), so the package root hangs them on the
# `autograd` package, where scripts look for them.
for _name, _value in (
    ("Function", Function),
    ("grad", _grad),
    ("backward", _backward),
    ("Variable", _Variable),
    ("gradcheck", gradcheck),
):
    setattr(autograd, _name, _value)


def _autograd_attribute(name: str) -> object:
    """`torch.autograd.detect_anomaly` and friends, loaded on first use (they live with the
    doctor's tools, a layer above `autograd`)."""
    if name in ("detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"):
        from retrograd.diagnostics import anomaly

        return getattr(anomaly, name)
    raise AttributeError(f"module 'retrograd.autograd' has no attribute {name!r}")


autograd.__getattr__ = _autograd_attribute  # type: ignore[method-assign]

if TYPE_CHECKING:  # the names loaded on first use, for type checkers and editors (re-exported)
    from retrograd import datasets as datasets
    from retrograd import nn as nn
    from retrograd import optim as optim
    from retrograd.amp import autocast as autocast
    from retrograd.compiler import CompiledStep as CompiledStep
    from retrograd.compiler import compile as compile
    from retrograd.diagnostics import BackpropReport as BackpropReport
    from retrograd.diagnostics import check_backprop as check_backprop
    from retrograd.interop import from_dlpack as from_dlpack
    from retrograd.sparse import sparse_coo_tensor as sparse_coo_tensor
    from retrograd.sparse import spmm as spmm

# Everything beyond tensors and autograd loads on first use (PEP 562), so `import retrograd`
# stays quick: `retrograd.nn`, `from retrograd import optim` and the rest work as usual, and the
# workflow packages (training, files, plots, diagnostics) pull in tqdm, safetensors and more
# only when used.
_LAZY_MODULES = (
    "accelerator",
    "amp",
    "backends",
    "cuda",
    "data",
    "datasets",
    "diagnostics",
    "distributed",
    "distributions",
    "io",
    "linalg",
    "metrics",
    "nn",
    "serialization",
    "sparse",
    "optim",
    "plotting",
    "train",
    "utils",
    "viz",
)
_LAZY_NAMES = {
    "CompiledStep": "retrograd.compiler",
    "compile": "retrograd.compiler",
    "from_dlpack": "retrograd.interop",
    "autocast": "retrograd.amp",
    "sparse_coo_tensor": "retrograd.sparse",
    "spmm": "retrograd.sparse",
    "AnomalyError": "retrograd.diagnostics",
    "BackpropReport": "retrograd.diagnostics",
    "check_backprop": "retrograd.diagnostics",
    "DoctorReport": "retrograd.diagnostics",
    "Finding": "retrograd.diagnostics",
    "detect_anomaly": "retrograd.diagnostics",
    "doctor": "retrograd.diagnostics",
    "explain": "retrograd.diagnostics",
    "summary": "retrograd.diagnostics",
    "ModelFileError": "retrograd.io",
    "load": "retrograd.io",
    "load_checkpoint": "retrograd.io",
    "load_state_dict_file": "retrograd.io",
    "load_with_info": "retrograd.io",
    "save": "retrograd.io",
    "save_checkpoint": "retrograd.io",
    "save_state_dict": "retrograd.io",
    "History": "retrograd.train",
    "evaluate": "retrograd.train",
    "fit": "retrograd.train",
    "predict": "retrograd.train",
}


_lazy = Lazy(
    __name__,
    {name: module.removeprefix("retrograd.") for name, module in _LAZY_NAMES.items()},
    _LAZY_MODULES,
)


def __getattr__(name: str) -> object:
    return _lazy.load(name)


def __dir__() -> list[str]:
    return _lazy.dir(globals())


float32 = "float32"
float64 = "float64"
int64 = "int64"
int32 = "int32"
bool_ = "bool"
float = "float32"  # noqa: A001 - torch.float
double = "float64"
long = "int64"
float16 = "float16"
half = "float16"
int16 = "int16"
short = "int16"
int8 = "int8"
uint8 = "uint8"
uint16 = "uint16"
uint32 = "uint32"
uint64 = "uint64"
pi = _math.pi
e = _math.e
inf = _math.inf
nan = _math.nan
# memory formats: retrograd's views need no layout, so these are accepted and change nothing
contiguous_format = "contiguous_format"
channels_last = "channels_last"
channels_last_3d = "channels_last_3d"
preserve_format = "preserve_format"
int = "int32"  # noqa: A001 - torch.int
bool = "bool"  # noqa: A001 - torch.bool

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "Size",
    "are_deterministic_algorithms_enabled",
    "bernoulli",
    "empty_like",
    "finfo",
    "iinfo",
    "get_num_threads",
    "is_floating_point",
    "is_tensor",
    "normal",
    "set_num_threads",
    "set_printoptions",
    "use_deterministic_algorithms",
    "seed",
    "initial_seed",
    "Context",
    "DTypeError",
    "Function",
    "Generator",
    "GradcheckError",
    "GradcheckResult",
    "check_gradients",
    "gradcheck",
    "GraphError",
    "RetrogradError",
    "ShapeError",
    "StateDictError",
    "ArgumentTypeError",
    "IndexRangeError",
    "InvalidArgumentError",
    "InvalidKeyError",
    "MissingDependencyError",
    "NotFittedError",
    "UnsupportedError",
    "Tensor",
    "__version__",
    "arange",
    "as_tensor",
    "cat",
    "chunk",
    "concatenate",
    "einsum",
    "empty",
    "enable_grad",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "get_default_dtype",
    "get_rng_state",
    "inference_mode",
    "is_grad_enabled",
    "linspace",
    "manual_seed",
    "meshgrid",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "device",
    "get_default_device",
    "set_default_device",
    "set_default_dtype",
    "set_grad_enabled",
    "set_rng_state",
    "split",
    "stack",
    "tensor",
    "where",
    "zeros",
    "zeros_like",
    "digamma",
    "lgamma",
    "polygamma",
    *_function_names,
    *_LAZY_MODULES,
    *_LAZY_NAMES,
]
