"""The "Scaling out" guide's training script runs on 2 ranks and prints what the guide shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.distributed.test_ddp import mpiexec

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "scaling-out.md"


def script_and_output() -> tuple[str, str]:
    """The python block that starts with `# train.py` and the text block after it."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("```python\n# train.py")
    body_start = text.index("\n", start) + 1
    body_end = text.index("\n```", body_start)
    output_start = text.index("```text\n", body_end) + len("```text\n")
    output_end = text.index("\n```", output_start)
    return text[body_start:body_end] + "\n", text[output_start:output_end]


def test_the_guide_script_prints_what_the_guide_shows(tmp_path: Path) -> None:
    script, expected = script_and_output()
    (tmp_path / "train.py").write_text(script, encoding="utf-8")
    command = [mpiexec(), "-n", "2", sys.executable, "train.py"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected.strip()
    assert (tmp_path / "model.safetensors").is_file()
