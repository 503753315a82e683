"""`import retrograd` stays light: the workflow packages load on first use."""

from __future__ import annotations

import subprocess
import sys


def test_import_leaves_heavy_dependencies_unloaded() -> None:
    code = (
        "import sys, retrograd\n"
        "heavy = [m for m in ('tqdm', 'safetensors', 'matplotlib', 'sklearn', 'torch') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_names_resolve_on_first_use() -> None:
    import retrograd as rg

    assert callable(rg.fit) and callable(rg.save) and callable(rg.doctor)
    from retrograd import load, summary

    assert callable(load) and callable(summary)
    assert "fit" in dir(rg) and "fit" in rg.__all__
