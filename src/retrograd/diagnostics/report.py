"""`Finding` and `DoctorReport`: what `retrograd.doctor` found, in plain words and in numbers.

A finding has a stable `code` (e.g. "gradient-mismatch"), a `severity` ("error", "warning" or
"info"), a `message` saying what is wrong, a `fix` saying what to change, and the measurements
behind it in `evidence`. `str(report)` groups the findings by severity; `report.to_json()`
gives the same content for tools.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError

__all__ = ["SEVERITIES", "DoctorReport", "Finding"]

SEVERITIES = ("error", "warning", "info")
_HEADINGS = {"error": "Errors", "warning": "Warnings", "info": "Notes"}


@dataclass(frozen=True)
class Finding:
    """One problem (or observation) about a model, its loss, its data or its training step.

    **Arguments:** `code` (stable identifier such as "dead-relu"), `severity` ("error": the
    network cannot learn as written; "warning": it will learn badly; "info": worth knowing),
    `message` (what is wrong, in plain words), `fix` (a concrete change to make), `evidence`
    (the measurements behind the finding, JSON-friendly).
    """

    code: str
    severity: str
    message: str
    fix: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise InvalidArgumentError(
                f"Finding severity must be one of {', '.join(SEVERITIES)}, got {self.severity!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The finding as plain JSON-friendly values (NumPy numbers become Python numbers)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
            "evidence": _plain(self.evidence),
        }


@dataclass(frozen=True)
class DoctorReport:
    """The findings of one `doctor` run, errors first, and which checks ran.

    `ok` is True when no finding is an error or a warning; `codes` lists the codes found.
    """

    findings: tuple[Finding, ...] = ()
    checks: tuple[str, ...] = ()  # the checks that ran
    skipped: tuple[str, ...] = ()  # checks not run, each "name: reason"
    title: str | None = None

    def __post_init__(self) -> None:
        order = {severity: rank for rank, severity in enumerate(SEVERITIES)}
        ranked = sorted(self.findings, key=lambda f: order[f.severity])  # stable within a rank
        object.__setattr__(self, "findings", tuple(ranked))

    @property
    def ok(self) -> bool:
        return not any(f.severity in ("error", "warning") for f in self.findings)

    @property
    def codes(self) -> list[str]:
        """The codes of the findings, each once, in report order."""
        return list(dict.fromkeys(f.code for f in self.findings))

    @property
    def errors(self) -> tuple[Finding, ...]:
        return self.by_severity("error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return self.by_severity("warning")

    def by_severity(self, severity: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == severity)

    def get(self, code: str) -> list[Finding]:
        """The findings with `code` (empty when there is none)."""
        return [f for f in self.findings if f.code == code]

    def __contains__(self, code: object) -> bool:
        return any(f.code == code for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "ok": self.ok,
            "counts": {s: len(self.by_severity(s)) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
            "checks": list(self.checks),
            "skipped": list(self.skipped),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The report as JSON (one line unless `indent` is given); non-finite numbers as null."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def __str__(self) -> str:
        counts = [_count(len(self.by_severity(s)), s) for s in SEVERITIES]
        head = f"retrograd doctor: {', '.join(counts)} ({len(self.checks)} checks run)"
        lines = [f"== {self.title} ==", head] if self.title else [head]
        if self.ok:
            lines.append(
                "No errors or warnings: nothing found that would stop this network learning."
            )
        for severity in SEVERITIES:
            found = self.by_severity(severity)
            if not found:
                continue
            lines.append("")
            lines.append(f"{_HEADINGS[severity]}:")
            for finding in found:
                lines.append(f"  [{finding.code}] {finding.message}")
                lines.append(f"    fix: {finding.fix}")
        if self.skipped:
            lines.append("")
            lines.append("Not checked: " + "; ".join(self.skipped))
        return "\n".join(lines)


def _count(n: int, severity: str) -> str:
    word = {"error": "error", "warning": "warning", "info": "note"}[severity]
    return f"{n} {word}" + ("" if n == 1 else "s")


def _plain(value: Any) -> Any:
    """`value` with NumPy scalars and arrays turned into Python values, NaN and inf into None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
