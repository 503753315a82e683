"""Exceptions raised by retrograd; each also subclasses the matching built-in.

`except retrograd.RetrogradError` catches every error the package raises on purpose, and the
built-in parents keep PyTorch's `except` clauses working: PyTorch's ops raise RuntimeError where
its Python layers raise ValueError, TypeError or IndexError, so argument, shape, dtype and index
errors are both.

```
RetrogradError
├── InvalidArgumentError   ValueError, RuntimeError   a bad argument value: lr, reduction, p
├── ShapeError             ValueError, RuntimeError   shapes that do not fit an operation
├── NotFittedError         ValueError, AttributeError   used before fit()
├── ArgumentTypeError      TypeError           an argument of the wrong Python type
├── DTypeError             TypeError, RuntimeError    a dtype an operation cannot take
├── IndexRangeError        IndexError, RuntimeError   an index out of range: class label, row
├── InvalidKeyError        KeyError            a name or key that is missing, taken or malformed
│   └── StateDictError                         a state dict that does not fit
├── UnsupportedError       NotImplementedError a PyTorch option retrograd does not implement
├── MissingDependencyError ImportError         an optional dependency is not installed
├── GraphError             RuntimeError        misuse of the autograd graph
└── GradcheckError         RuntimeError        analytic and numeric gradients disagree
```

Subpackages add a few of their own (`ModelFileError`, `OptimizerError`, `TrainingError`...), each
a RetrogradError with the matching built-in too.
"""

from __future__ import annotations


class RetrogradError(Exception):
    """Base class of every error retrograd raises on purpose."""


class InvalidArgumentError(RetrogradError, ValueError, RuntimeError):
    """An argument with a value the function or layer does not accept (a negative lr, an unknown
    reduction string, a dropout p outside [0, 1]); the message names the argument and the value."""


class ShapeError(RetrogradError, ValueError, RuntimeError):
    """Shapes that do not fit an operation (the message names both)."""


class NotFittedError(RetrogradError, ValueError, AttributeError):
    """An estimator or preprocessing object used before `fit` (scikit-learn's contract: both a
    ValueError and an AttributeError)."""


class ArgumentTypeError(RetrogradError, TypeError):
    """An argument of the wrong Python type (a list where a Tensor is expected, a non-Module
    assigned as a child module); the message names the argument and the type it got."""


class DTypeError(RetrogradError, TypeError, RuntimeError):
    """A dtype an operation cannot take (e.g. float labels for class indices)."""


class IndexRangeError(RetrogradError, IndexError, RuntimeError):
    """An index out of range: a class label, an embedding index, a container position."""


class InvalidKeyError(RetrogradError, KeyError):
    """A key or name that is missing, empty, already taken or malformed (ModuleDict keys,
    parameter, buffer and submodule names)."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class StateDictError(InvalidKeyError):
    """A state dict with missing, unexpected or mis-shaped entries."""


class UnsupportedError(RetrogradError, NotImplementedError):
    """An option PyTorch has that retrograd does not implement (a padding mode, proj_size,
    max_norm, create_graph...); the message names the option and what is supported."""


class MissingDependencyError(RetrogradError, ImportError):
    """An optional dependency a function needs is not installed; the message names the extra
    to install (`pip install 'retrograd[plot]'`)."""


class GraphError(RetrogradError, RuntimeError):
    """Misuse of the autograd graph: backward twice, non-scalar backward, in-place change."""


class GradcheckError(RetrogradError, RuntimeError):
    """Analytic and numeric gradients disagree (the message is the full report)."""
