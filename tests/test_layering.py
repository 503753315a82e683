"""Imports inside the package point down the layer table, never up.

Every module under ``src/retrograd`` is read with ``ast`` (not imported). Each import of another
part of the package — absolute (``retrograd.x``) or relative (``from ..x import y``), at module
level or inside a function — is checked against the table below. A new top-level module or
subpackage must be added to the table before this test passes, so it gets a layer on purpose.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "retrograd"
SRC = Path(__file__).resolve().parents[1] / "src"

# Top-level module or subpackage of retrograd -> layer. A module may import its own layer and
# the layers below it. Keep in step with the layer picture in DESIGN.md.
LAYERS: dict[str, int] = {
    # L0: foundations with no graph
    "_version": 0,
    "errors": 0,
    "random": 0,  # the seeded generator
    "backend": 0,
    "cuda": 0,  # torch.cuda for portable scripts: reports no device
    "amp": 0,  # torch.amp: autocast and GradScaler without mixed precision
    "accelerator": 0,
    "backends": 0,
    # L1: the gradient machinery on raw arrays
    "autograd": 1,
    "ops": 1,
    # L2: the user-facing array
    "tensor": 2,
    "function": 2,  # public custom Function, which wraps results in Tensor
    "creation": 2,  # factories: tensor, zeros, ones, rand, ...
    "sparse": 2,  # torch.sparse: COO tensors stored dense
    "linalg": 2,  # torch.linalg: matrix primitives wrapped in Tensor
    # L3: built on Tensor
    "gradcheck": 3,
    "nn": 3,
    "data": 3,
    "io": 3,
    "serialization": 3,  # torch.serialization: the allow-list of io.module_tree
    "datasets": 3,
    "distributions": 3,  # torch.distributions, built on Tensor and the seeded generator
    "metrics": 3,  # scores on arrays (NumPy only), used by training and diagnostics
    # L4
    "optim": 4,
    # L5
    "diagnostics": 5,
    "compiler": 5,  # capture and replay of a training step; guards read nn modules and optimizers
    "viz": 5,  # re-exports the graph drawing of diagnostics
    # L6
    "train": 6,
    "plotting": 6,
    "distributed": 6,  # data parallelism over MPI: wraps nn modules, hooks the engine
    "utils": 6,  # PyTorch's torch.utils.data path: re-exports data and distributed's sampler
    # ecosystem edges: optional dependencies, imported explicitly by users
    "onnx": 6,  # exports built-in layers; reads model files through io
    "sklearn": 6,  # estimators around train.fit
    "interop": 2,  # dlpack / array protocol helpers for Tensor
    # L7: entry points, imported by nothing
    "cli": 7,
    "__main__": 7,
}

# `import retrograd` (or a name it does not re-export from a known module) pulls in the whole
# public API, so only the top layer may do it.
PACKAGE_ROOT = "<package root>"
PACKAGE_ROOT_LAYER = max(LAYERS.values())

# Imports that are forbidden even where the layers alone would allow them, with the reason.
FORBIDDEN: dict[tuple[str, str], str] = {
    ("ops", "tensor"): "ops take and return arrays; Tensor wraps them",
    ("optim", "nn"): "optimizers take a list of parameters and never import nn",
}


@dataclass(frozen=True)
class Edge:
    """One import of a package component, found in `source` at `line`."""

    source: str  # dotted module name, e.g. retrograd.ops.binary
    source_part: str  # its top-level component, e.g. ops
    target: str  # what the import statement names, e.g. retrograd.tensor.Tensor
    target_part: str  # the top-level component it resolves to, or PACKAGE_ROOT
    line: int

    def describe(self) -> str:
        return f"{self.source} (line {self.line}) imports {self.target}"


def module_name(path: Path, root: Path) -> tuple[str, bool]:
    """Return the dotted name of the module at `path` under `root`, and whether it is a package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def iter_modules(root: Path, package: str) -> list[Path]:
    """Return every ``.py`` file of `package` under `root`, sorted."""
    return sorted((root / package).rglob("*.py"))


def top_part(dotted: str, package: str) -> str | None:
    """Return the top-level component of a dotted name inside `package`, or None for the root."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else None


def absolute_base(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """Resolve the module named by a `from ... import` statement to an absolute dotted name."""
    if node.level == 0:
        return node.module
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    keep = len(parts) - (node.level - 1)
    if keep <= 0:
        return None
    base = ".".join(parts[:keep])
    return f"{base}.{node.module}" if node.module else base


def root_reexports(root: Path, package: str, known: set[str]) -> dict[str, str]:
    """Map each name the package ``__init__`` re-exports to the component it comes from."""
    init = root / package / "__init__.py"
    if not init.exists():
        return {}
    names: dict[str, str] = {}
    for node in ast.walk(ast.parse(init.read_text(), filename=str(init))):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = absolute_base(node, package, is_package=True)
        if base is None or not (base == package or base.startswith(package + ".")):
            continue
        for alias in node.names:
            part = top_part(base, package) or (alias.name if alias.name in known else None)
            if part is not None:
                names[alias.asname or alias.name] = part
    return names


def collect_edges(root: Path, package: str = PACKAGE) -> list[Edge]:
    """Return every import, anywhere in every module, of another part of `package`."""
    modules = iter_modules(root, package)
    known = set(LAYERS)
    for path in modules:
        part = top_part(module_name(path, root)[0], package)
        if part is not None:
            known.add(part)
    reexports = root_reexports(root, package, known)

    def resolve_root_name(name: str) -> str:
        if name in known:
            return name
        return reexports.get(name, PACKAGE_ROOT)

    edges: list[Edge] = []
    for path in modules:
        module, is_package = module_name(path, root)
        source_part = top_part(module, package)
        if source_part is None:
            continue  # the package __init__ re-exports the public API from every layer
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.name
                    if name == package:
                        edges.append(Edge(module, source_part, name, PACKAGE_ROOT, node.lineno))
                    elif name.startswith(package + "."):
                        target_part = top_part(name, package)
                        assert target_part is not None
                        edges.append(Edge(module, source_part, name, target_part, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                base = absolute_base(node, module, is_package)
                if base is None or not (base == package or base.startswith(package + ".")):
                    continue
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    base_part = top_part(base, package)
                    target_part = base_part or resolve_root_name(alias.name)
                    edges.append(Edge(module, source_part, target, target_part, node.lineno))
    return edges


def layer_of(part: str) -> int:
    return PACKAGE_ROOT_LAYER if part == PACKAGE_ROOT else LAYERS[part]


def layer_violations(edges: list[Edge]) -> list[str]:
    """Return a message for each import that points up a layer or breaks a FORBIDDEN rule."""
    problems = []
    for edge in edges:
        if edge.source_part not in LAYERS or (
            edge.target_part != PACKAGE_ROOT and edge.target_part not in LAYERS
        ):
            continue  # reported by unclassified_parts
        reason = FORBIDDEN.get((edge.source_part, edge.target_part))
        if reason is not None:
            problems.append(
                f"{edge.describe()}: {edge.source_part} must not import "
                f"{edge.target_part} ({reason})"
            )
            continue
        source_layer = LAYERS[edge.source_part]
        target_layer = layer_of(edge.target_part)
        if target_layer > source_layer:
            problems.append(
                f"{edge.describe()}: {edge.source_part} is L{source_layer} but "
                f"{edge.target_part} is L{target_layer}; imports must point down"
            )
    return problems


def unclassified_parts(root: Path, package: str = PACKAGE) -> list[str]:
    """Return a message for each module, or imported component, that LAYERS does not classify."""
    problems = []
    for path in iter_modules(root, package):
        module = module_name(path, root)[0]
        part = top_part(module, package)
        if part is not None and part not in LAYERS:
            problems.append(f"{module}: top-level component {part!r} has no layer in LAYERS")
    for edge in collect_edges(root, package):
        if edge.target_part != PACKAGE_ROOT and edge.target_part not in LAYERS:
            problems.append(f"{edge.describe()}: {edge.target_part!r} has no layer in LAYERS")
    return sorted(set(problems))


# --- the real package -------------------------------------------------------------------------


def test_imports_point_down() -> None:
    problems = layer_violations(collect_edges(SRC))
    assert not problems, "upward imports:\n  " + "\n  ".join(problems)


def test_every_module_has_a_layer() -> None:
    problems = unclassified_parts(SRC)
    assert not problems, "add these to LAYERS in tests/test_layering.py:\n  " + "\n  ".join(
        problems
    )


def test_forbidden_pairs_respect_layers() -> None:
    for source, target in FORBIDDEN:
        assert source in LAYERS and target in LAYERS


# --- the checker itself, on a fake package ----------------------------------------------------


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fake(tmp_path: Path) -> Path:
    """A small, correctly layered copy of the package shape."""
    write(tmp_path, "retrograd/__init__.py", "from .tensor import Tensor\nfrom . import nn\n")
    write(tmp_path, "retrograd/errors.py")
    write(tmp_path, "retrograd/ops/__init__.py", "from .binary import add\n")
    write(tmp_path, "retrograd/ops/binary.py", "from ..errors import RetrogradError\n")
    write(tmp_path, "retrograd/tensor.py", "from retrograd.ops import binary\n")
    write(tmp_path, "retrograd/nn/__init__.py", "from .linear import Linear\n")
    write(tmp_path, "retrograd/nn/linear.py", "from ..tensor import Tensor\nimport numpy\n")
    write(tmp_path, "retrograd/optim/sgd.py", "from retrograd import Tensor\n")
    write(tmp_path, "retrograd/cli/main.py", "import retrograd\nfrom retrograd import nn\n")
    return tmp_path


def test_checker_passes_a_clean_package(fake: Path) -> None:
    assert layer_violations(collect_edges(fake)) == []
    assert unclassified_parts(fake) == []


def test_checker_catches_upward_import_in_function(fake: Path) -> None:
    write(fake, "retrograd/nn/linear.py", "def f():\n    from ..optim import sgd\n")
    problems = layer_violations(collect_edges(fake))
    assert len(problems) == 1
    assert "retrograd.nn.linear (line 2) imports retrograd.optim.sgd" in problems[0]
    assert "nn is L3 but optim is L4" in problems[0]


def test_checker_catches_ops_importing_tensor(fake: Path) -> None:
    write(fake, "retrograd/ops/binary.py", "from retrograd.tensor import Tensor\n")
    problems = layer_violations(collect_edges(fake))
    assert len(problems) == 1
    assert "ops must not import tensor" in problems[0]


def test_checker_resolves_names_reexported_by_the_root(fake: Path) -> None:
    write(fake, "retrograd/ops/binary.py", "from .. import Tensor\n")
    problems = layer_violations(collect_edges(fake))
    assert len(problems) == 1
    assert "imports retrograd.Tensor" in problems[0]
    assert "ops must not import tensor" in problems[0]


def test_checker_puts_the_package_root_at_the_top(fake: Path) -> None:
    write(fake, "retrograd/train/fit.py", "import retrograd\n")
    problems = layer_violations(collect_edges(fake))
    assert len(problems) == 1
    assert f"train is L6 but {PACKAGE_ROOT} is L7" in problems[0]


def test_checker_catches_forbidden_pair_within_layers(fake: Path) -> None:
    write(fake, "retrograd/optim/sgd.py", "from retrograd.nn import Linear\n")
    problems = layer_violations(collect_edges(fake))
    assert len(problems) == 1
    assert "optim must not import nn" in problems[0]


def test_checker_flags_unclassified_subpackage(fake: Path) -> None:
    write(fake, "retrograd/mystery/__init__.py")
    write(fake, "retrograd/nn/linear.py", "from retrograd.elsewhere import thing\n")
    problems = unclassified_parts(fake)
    assert any("'mystery' has no layer" in p for p in problems)
    assert any("imports retrograd.elsewhere.thing" in p for p in problems)
