"""`Finding` and `DoctorReport`: what `retrograd.doctor` found, in plain words and in numbers.

A finding has a stable `code` (e.g. "gradient-mismatch"), a `severity` ("error", "warning" or
"info"), a `message` saying what is wrong, a `fix` saying what to change, and the measurements
behind it in `evidence`. A finding that another one explains (a huge loss at init explained by
unscaled targets) names its cause in `follows_from` and is listed under it: the report's
headline is a root cause, never a consequence. `str(report)` groups the root causes by severity
with their consequences under each; `report.to_json()` gives the same content for tools.
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

    A consequence's severity is "info": its cause carries the severity, and fixing the cause
    fixes it; the severity it had alone is kept in `evidence["severity_alone"]`.

    Args:
        code: stable identifier such as "dead-relu".
        severity: "error": the network cannot learn as written; "warning": it will learn badly;
            "info": worth knowing.
        message: what is wrong, in plain words.
        fix: a concrete change to make.
        evidence: the measurements behind the finding, JSON-friendly. Default: empty.
        follows_from: the code of the root cause this finding is a consequence of, or None for a
            root cause. Default: None.
    """

    code: str
    severity: str
    message: str
    fix: str
    evidence: dict[str, Any] = field(default_factory=dict)
    follows_from: str | None = None

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
            "follows_from": self.follows_from,
        }

    def as_consequence_of(self, cause: str) -> Finding:
        """This finding as a consequence of the finding coded `cause` (severity "info")."""
        evidence = dict(self.evidence)
        evidence.setdefault("severity_alone", self.severity)
        return Finding(self.code, "info", self.message, self.fix, evidence, cause)


@dataclass(frozen=True)
class DoctorReport:
    """The findings of one `doctor` run, root causes first (errors, then warnings, then notes),
    and which checks ran.

    `ok` is True when no finding is an error or a warning; `codes` lists the codes found;
    `headline` is the first root cause; `root_causes` pairs each root cause with the findings
    that follow from it.
    """

    findings: tuple[Finding, ...] = ()
    checks: tuple[str, ...] = ()  # the checks that ran
    skipped: tuple[str, ...] = ()  # checks not run, each "name: reason"
    title: str | None = None

    def __post_init__(self) -> None:
        order = {severity: rank for rank, severity in enumerate(SEVERITIES)}

        def rank(finding: Finding) -> tuple[int, int]:  # stable within a rank
            return (finding.follows_from is not None, order[finding.severity])

        object.__setattr__(self, "findings", tuple(sorted(self.findings, key=rank)))

    @property
    def ok(self) -> bool:
        """Whether no finding is an error or a warning (notes are fine)."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    @property
    def codes(self) -> list[str]:
        """The codes of the findings, each once, in report order."""
        return list(dict.fromkeys(f.code for f in self.findings))

    @property
    def headline(self) -> Finding | None:
        """The first root cause (the most severe finding no other one explains), or None."""
        return next((f for f in self.findings if f.follows_from is None), None)

    @property
    def root_causes(self) -> list[tuple[Finding, tuple[Finding, ...]]]:
        """Each root cause with the findings that follow from it, in report order."""
        return [(f, self.consequences(f.code)) for f in self.findings if f.follows_from is None]

    def consequences(self, code: str) -> tuple[Finding, ...]:
        """The findings that follow from the root cause coded `code`."""
        return tuple(f for f in self.findings if f.follows_from == code)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The findings of severity "error", in report order."""
        return self.by_severity("error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings of severity "warning", in report order."""
        return self.by_severity("warning")

    def by_severity(self, severity: str) -> tuple[Finding, ...]:
        """The findings of `severity` ("error", "warning" or "info"), in report order."""
        return tuple(f for f in self.findings if f.severity == severity)

    def get(self, code: str) -> list[Finding]:
        """The findings with `code` (empty when there is none)."""
        return [f for f in self.findings if f.code == code]

    def __contains__(self, code: object) -> bool:
        return any(f.code == code for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data for JSON: title, ok, counts per severity, headline code,
        root causes with their consequences, every finding, and the checks run and skipped."""
        return {
            "title": self.title,
            "ok": self.ok,
            "counts": {s: len(self.by_severity(s)) for s in SEVERITIES},
            "headline": None if self.headline is None else self.headline.code,
            "root_causes": [
                {
                    "code": cause.code,
                    "severity": cause.severity,
                    "consequences": [f.code for f in consequences],
                }
                for cause, consequences in self.root_causes
            ],
            "findings": [f.to_dict() for f in self.findings],
            "checks": list(self.checks),
            "skipped": list(self.skipped),
        }

    def to_json(self, indent: int | None = None) -> str:
        """The report as JSON (one line unless `indent` is given); non-finite numbers as null."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def __str__(self) -> str:
        roots = [f for f in self.findings if f.follows_from is None]
        counts = [_count(sum(f.severity == s for f in roots), s) for s in SEVERITIES]
        following = len(self.findings) - len(roots)
        if following:
            counts.append(f"{following} consequence" + ("" if following == 1 else "s"))
        head = f"retrograd doctor: {', '.join(counts)} ({len(self.checks)} checks run)"
        lines = [f"== {self.title} ==", head] if self.title else [head]
        if self.ok:
            lines.append(
                "No errors or warnings: nothing found that would stop this network learning."
            )
        elif following and self.headline is not None:
            lines.append(f"Root cause: [{self.headline.code}]")
        for severity in SEVERITIES:
            found = [f for f in roots if f.severity == severity]
            if not found:
                continue
            lines.append("")
            lines.append(f"{_HEADINGS[severity]}:")
            for finding in found:
                lines.append(f"  [{finding.code}] {finding.message}")
                lines.append(f"    fix: {finding.fix}")
                for consequence in self.consequences(finding.code):
                    lines.append(f"    follows from it: [{consequence.code}] {consequence.message}")
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
