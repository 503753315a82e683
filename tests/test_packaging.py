"""The package as users get it: `python -m build` makes an sdist and a wheel (the wheel built
from the sdist, so the sdist is complete), the wheel holds `py.typed` and declares the extras,
and installed into a fresh virtual environment it imports, trains a step and runs its command.

Offline and quick: the build uses this environment's setuptools (`--no-isolation`), pip installs
the wheel alone (`--no-index --no-deps`), and the new environment borrows NumPy and the other
dependencies from this one through a `.pth` line instead of installing them.
"""

from __future__ import annotations

import ast
import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy
import pytest
import safetensors
import tqdm

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = {"plot", "sklearn", "onnx", "all"}
PROJECT_FILES = ["pyproject.toml", "README.md", "LICENSE"]


def version() -> str:
    """`__version__` as written in src/retrograd/_version.py (read, not imported)."""
    tree = ast.parse((ROOT / "src/retrograd/_version.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__version__":
            return str(ast.literal_eval(node.value))
    raise AssertionError("no __version__ in _version.py")


def clean_env() -> dict[str, str]:
    """This environment minus anything that would let the source tree or an index leak in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    return env


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An sdist and a wheel built from a copy of the project (the tree itself stays clean)."""
    base = tmp_path_factory.mktemp("packaging")
    project = base / "project"
    project.mkdir()
    for name in PROJECT_FILES:
        shutil.copy2(ROOT / name, project / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "src", project / "src", ignore=ignore)
    out = base / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), "."], project)
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0], "base": base}


@pytest.fixture(scope="module")
def venv(dist: dict[str, Path]) -> Path:
    """A fresh virtual environment with the wheel installed; returns its scripts folder."""
    home = dist["base"] / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(home)], dist["base"])
    scripts = home / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        dist["base"],
    ).stdout.strip()
    # the dependencies come from this environment: a path line, so no .pth in it is processed
    # (in particular not the editable install that points at the source tree)
    borrowed = {str(Path(m.__file__).resolve().parents[1]) for m in (numpy, tqdm, safetensors)}
    Path(purelib, "borrowed-dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install"]
    run([*pip, "--no-index", "--no-deps", "--no-compile", str(dist["wheel"])], dist["base"])
    return scripts


def test_wheel_holds_the_package_typed_with_its_metadata(dist: dict[str, Path]) -> None:
    expected = f"retrograd-{version()}"
    assert dist["wheel"].name.startswith(f"{expected}-py3")
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = f"{expected}.dist-info"
        metadata = email.parser.Parser().parsestr(wheel.read(f"{info}/METADATA").decode())
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
    assert "retrograd/py.typed" in names
    for module in ("__init__.py", "_version.py", "onnx/export.py", "interop.py", "cli/__init__.py"):
        assert f"retrograd/{module}" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith("tests/")]
    assert metadata["Name"] == "retrograd" and metadata["Version"] == version()
    assert EXTRAS <= set(metadata.get_all("Provides-Extra"))
    requires = metadata.get_all("Requires-Dist")
    assert any(r.startswith("numpy") for r in requires)
    assert any(r.startswith("onnxruntime") and 'extra == "onnx"' in r for r in requires)
    assert "retrograd = _retrograd_entry:main" in entry_points


def test_sdist_holds_the_sources(dist: dict[str, Path]) -> None:
    top = f"retrograd-{version()}"
    with tarfile.open(dist["sdist"]) as sdist:
        names = set(sdist.getnames())
    for name in (*PROJECT_FILES, "src/retrograd/py.typed", "src/retrograd/_version.py"):
        assert f"{top}/{name}" in names


SMOKE = """
import sys
import retrograd as rg
import retrograd.onnx  # importable without onnx installed: onnx is imported on export
from retrograd import nn

assert rg.__file__.startswith(sys.prefix), rg.__file__  # the wheel, not the source tree
rg.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
x = rg.tensor([[0.0, 1.0], [1.0, 0.0]])
loss = nn.MSELoss()(model(x), rg.tensor([[1.0], [0.0]]))
loss.backward()
assert all(p.grad is not None and p.grad.shape == p.shape for p in model.parameters())
print(rg.__version__, round(loss.item(), 6))
"""


def test_installed_wheel_runs_a_forward_and_backward(venv: Path, tmp_path: Path) -> None:
    result = run([str(venv / "python"), "-c", SMOKE], tmp_path)
    assert result.stdout.split()[0] == version()


def test_installed_command_prints_the_version(venv: Path, tmp_path: Path) -> None:
    result = run([str(venv / "retrograd"), "--version"], tmp_path)
    assert result.stdout.strip() == f"retrograd {version()}"


# the runtime extras, and the package each installs that retrograd's own code must import
EXTRA_IMPORTS = {
    "plot": "matplotlib",
    "sklearn": "sklearn",
    "onnx": "onnx",
    "mpi": "mpi4py",
    "csv": "pyarrow",
    "gpu": "cupy",
}


def test_every_runtime_extra_is_used_by_the_package() -> None:
    """An extra must deliver what it installs: some module in src imports its package, and
    no extra besides these (and the tool extras test/docs/all) is declared."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = set(
        re.findall(
            r"^(\w+) = \[",
            text.split("[project.optional-dependencies]")[1].split("\n[")[0],
            flags=re.M,
        )
    )
    assert declared - {"test", "docs", "all"} == set(EXTRA_IMPORTS), declared
    imported: set[str] = set()
    for path in (ROOT / "src/retrograd").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    missing = {extra: name for extra, name in EXTRA_IMPORTS.items() if name not in imported}
    assert not missing, f"extras whose package no code in src imports: {missing}"
