"""`retrograd check-backprop FILE.py`: check the hand-written backward pass of a NumPy network.

The file defines `forward(params, inputs, targets) -> loss`, `backward(params, inputs, targets)
-> {name: gradient}` and `setup() -> (params, inputs, targets)` (or module-level `params`,
`inputs` and `targets`); see `examples/numpy_backprop.py`. The command prints the report of
`retrograd.check_backprop` and exits with status 0 when every gradient is correct, 1 otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from retrograd.cli.common import CommandError, positive_float
from retrograd.diagnostics.backprop import check_backprop

__all__ = ["add_parser", "load_network", "run"]


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """Add the `check-backprop` subcommand to `commands`."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "check-backprop",
        help="check a NumPy network's hand-written backward pass against autograd",
        description=(
            "Run FILE's forward on retrograd tensors (NumPy's functions dispatch to retrograd "
            "ops), compare its backward's gradients with autograd's and with finite "
            "differences, and say which are wrong and how (sign flipped, scaled, transposed, "
            "missing a sum over the batch...). FILE defines forward(params, inputs, targets), "
            "backward(params, inputs, targets) and setup() -> (params, inputs, targets). Exits "
            "with status 0 when every gradient is correct."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="a Python file with forward, backward and setup")
    parser.add_argument("--rtol", type=positive_float, default=1e-5, help="relative tolerance")
    parser.add_argument("--atol", type=positive_float, default=1e-8, help="absolute tolerance")
    parser.set_defaults(handler=run, parser=parser)
    return parser


def load_network(path: Path) -> tuple[Any, Any, Any, Any, Any]:
    """`(forward, backward, params, inputs, targets)` from the Python file at `path`."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    module = _load(path)
    missing = [
        name for name in ("forward", "backward") if not callable(getattr(module, name, None))
    ]
    if missing:
        raise CommandError(f"{path}: defines no {' and no '.join(missing)} function")
    if callable(getattr(module, "setup", None)):
        made = module.setup()
        if not (isinstance(made, tuple) and len(made) == 3):
            raise CommandError(f"{path}: setup() must return (params, inputs, targets)")
        params, inputs, targets = made
    elif all(hasattr(module, name) for name in ("params", "inputs", "targets")):
        params, inputs, targets = module.params, module.inputs, module.targets
    else:
        raise CommandError(
            f"{path}: defines neither setup() -> (params, inputs, targets) nor module-level "
            "params, inputs and targets"
        )
    return module.forward, module.backward, params, inputs, targets


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_checked_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise CommandError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise CommandError(f"{path}: line {error.lineno}: {error.msg}") from None
    return module


def run(args: argparse.Namespace) -> int:
    """Run `retrograd check-backprop` with parsed `args`; 0 when every gradient is correct."""
    forward, backward, params, inputs, targets = load_network(args.file)
    report = check_backprop(
        forward, backward, params, inputs, targets, rtol=args.rtol, atol=args.atol
    )
    print(report)
    return 0 if report.ok else 1
