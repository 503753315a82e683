"""Run one compat script with real PyTorch or with retrograd standing in for `torch`.

    python runner.py {torch,retrograd} SCRIPT

The script's source is not changed: for `retrograd`, an import hook makes `import torch` and
`import torch.X.Y` give `retrograd` and `retrograd.X.Y` (the same module objects, so
`torch.nn.Module is retrograd.nn.Module`). The script's `main()` returns a dict of numbers,
printed as the last line of stdout in JSON.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import runpy
import sys
from types import ModuleType


class TorchAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds `torch` and `torch.*` as the matching `retrograd` modules."""

    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        target_name = "retrograd" + fullname[len("torch") :]
        if importlib.util.find_spec(target_name) is None:
            return None  # ModuleNotFoundError names the torch module the script asked for
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module("retrograd" + spec.name[len("torch") :])
        self._specs[spec.name] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system wrote the alias's spec onto the module: put retrograd's back.
        module.__spec__ = self._specs[module.__spec__.name if module.__spec__ else ""]


def main(argv: list[str]) -> None:
    library, script = argv
    if library == "retrograd":
        sys.meta_path.insert(0, TorchAlias())
    elif library != "torch":
        raise SystemExit(f"unknown library {library!r}")
    namespace = runpy.run_path(script, run_name="compat_script")
    result = namespace["main"]()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
