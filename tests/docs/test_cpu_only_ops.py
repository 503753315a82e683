"""The Scaling out guide lists exactly the ops that run on the CPU only (`Node.cpu_only`), each
with the reason the code gives."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import retrograd.ops
from retrograd.autograd.node import Node

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "scaling-out.md"


def _cpu_only_ops() -> dict[str, str]:
    for module in pkgutil.walk_packages(retrograd.ops.__path__, "retrograd.ops."):
        importlib.import_module(module.name)
    found: dict[str, str] = {}
    pending = list(Node.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__dict__.get("cpu_only"):
            found[cls.__name__] = cls.__dict__["cpu_only"]
    return found


def _listed() -> dict[str, str]:
    text = GUIDE.read_text(encoding="utf-8")
    block = text.split("<!-- cpu-only ops: start -->")[1].split("<!-- cpu-only ops: end -->")[0]
    return dict(re.findall(r"^- `(\w+)`: (.+)$", block, flags=re.M))


def test_the_guide_lists_every_cpu_only_op_with_its_reason() -> None:
    assert _listed() == _cpu_only_ops(), (
        "update the list between the cpu-only markers in docs/guides/scaling-out.md: "
        + "\n".join(f"- `{name}`: {reason}" for name, reason in sorted(_cpu_only_ops().items()))
    )
