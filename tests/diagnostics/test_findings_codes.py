"""The findings page is generated from the table of codes, and every code a check can report
is in the table."""

from __future__ import annotations

import re
from pathlib import Path

from retrograd.diagnostics.codes import FINDING_CODES, findings_page

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "guides" / "findings.md"
SOURCES = [
    *sorted((ROOT / "src" / "retrograd" / "diagnostics").rglob("*.py")),
    ROOT / "src" / "retrograd" / "train" / "doctor_callback.py",
]
EMITTED = re.compile(r'Finding\(\s*"([a-z-]+)"|^CODE = "([a-z-]+)"', re.MULTILINE)


def test_the_page_equals_the_table() -> None:
    assert PAGE.read_text(encoding="utf-8") == findings_page(), (
        "regenerate it: python -m retrograd.diagnostics.codes > docs/guides/findings.md"
    )


def test_every_emitted_code_is_documented() -> None:
    emitted = set()
    for path in SOURCES:
        if path.name == "backprop.py":  # check_backprop's own report, not doctor findings
            continue
        for match in EMITTED.finditer(path.read_text(encoding="utf-8")):
            emitted.add(match.group(1) or match.group(2))
    assert emitted, "the pattern no longer finds the codes"
    assert sorted(emitted - set(FINDING_CODES)) == []


def test_every_code_has_text_and_a_source() -> None:
    for code, doc in FINDING_CODES.items():
        assert doc.meaning and doc.measured and doc.fix, code
        assert doc.source in ("doctor", "callback"), code
