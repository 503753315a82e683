"""Which findings explain which: the doctor reports the cause, and lists what follows from it.

Unscaled targets make the loss at init huge, which makes the gradients explode, which stops a
small batch being overfitted: four findings, one cause. `CONSEQUENCES` says, for each finding
code that can be a cause, which other codes it explains; `link_causes` marks every explained
finding with its root cause (the end of the chain), so the report's headline is that cause.

A finding of severity "info" never explains another one (it is not sure enough to be a cause),
and a cause is searched in the order of `CONSEQUENCES`: the first listed wins.
"""

from __future__ import annotations

from collections.abc import Callable

from retrograd.diagnostics.report import Finding

__all__ = ["CONSEQUENCES", "link_causes"]

_TRAINING = ("cannot-overfit", "lr-too-high", "lr-too-low", "update-ratio", "input-independent")
_GRADIENTS = ("exploding-gradient", "vanishing-gradient", "saturated-activation", "dead-relu")


def _setting_is(name: str, direction: str) -> Callable[[Finding], bool]:
    """An `unusual-setting` about the setting `name` (e.g. "lr"), too "high" or too "low"."""

    def test(cause: Finding) -> bool:
        settings = cause.evidence.get("settings", [])
        return any(s.get("name") == name and s.get("direction") == direction for s in settings)

    return test


def _always(cause: Finding) -> bool:
    return True


# cause code -> [(consequence code, condition on the cause)], causes in priority order
_Rule = tuple[str, Callable[[Finding], bool]]


def _all(*codes: str) -> list[_Rule]:
    return [(code, _always) for code in codes]


CONSEQUENCES: dict[str, list[_Rule]] = {
    "weights-nonfinite": _all("loss-at-init", "gradient-mismatch", *_GRADIENTS, *_TRAINING),
    "data-nonfinite": _all("loss-at-init", "gradient-mismatch", *_GRADIENTS, *_TRAINING),
    "loss-broadcast": _all("cannot-overfit", "input-independent", "loss-at-init", "no-signal")
    + _all("lr-too-low", "lr-too-high", "update-ratio"),
    "graph-cut": _all("gradient-mismatch", "vanishing-gradient", *_TRAINING),
    "params-not-optimized": _all("optimizer-extra-params", "update-ratio", "lr-too-low")
    + _all("lr-too-high"),
    "symmetric-init": _all("loss-at-init", "gradient-mismatch", *_GRADIENTS, *_TRAINING),
    "output-loss-mismatch": _all("loss-at-init", *_GRADIENTS, *_TRAINING),
    "gradient-mismatch": _all(*_TRAINING),
    "unscaled-targets": _all("loss-at-init", *_GRADIENTS, *_TRAINING),
    "unscaled-features": _all("loss-at-init", *_GRADIENTS, *_TRAINING),
    "unusual-setting": [
        ("lr-too-high", _setting_is("lr", "high")),
        ("lr-too-low", _setting_is("lr", "low")),
        ("update-ratio", _setting_is("lr", "high")),
        ("update-ratio", _setting_is("lr", "low")),
        ("cannot-overfit", _setting_is("p", "high")),
        ("input-independent", _setting_is("p", "high")),
        ("exploding-gradient", _setting_is("lr", "high")),
    ],
    "no-signal": _all("input-independent"),
    "loss-at-init": _all("exploding-gradient", "saturated-activation", "cannot-overfit")
    + _all("lr-too-high", "update-ratio"),
    "dead-relu": _all("vanishing-gradient", "cannot-overfit", "input-independent"),
    "saturated-activation": _all("vanishing-gradient", "cannot-overfit", "input-independent"),
    "exploding-gradient": _all("cannot-overfit", "lr-too-high", "update-ratio"),
    "vanishing-gradient": _all("cannot-overfit", "input-independent"),
    "lr-too-high": _all("update-ratio", "cannot-overfit"),
    "lr-too-low": _all("update-ratio"),
}


def _direct_cause(finding: Finding, findings: list[Finding]) -> Finding | None:
    for cause_code, rules in CONSEQUENCES.items():
        if cause_code == finding.code:
            continue
        for cause in findings:
            if cause.code != cause_code or cause.severity == "info":
                continue
            if any(code == finding.code and test(cause) for code, test in rules):
                return cause
    return None


def link_causes(findings: list[Finding]) -> list[Finding]:
    """`findings` with each explained finding turned into a consequence of its root cause."""
    direct = {id(f): _direct_cause(f, findings) for f in findings}
    linked = []
    for finding in findings:
        cause = direct[id(finding)]
        seen = {id(finding)}
        while cause is not None and id(cause) not in seen:
            seen.add(id(cause))
            above = direct[id(cause)]
            if above is None or id(above) in seen:
                break
            cause = above
        if cause is None or cause is finding:
            linked.append(finding)
        else:
            linked.append(finding.as_consequence_of(cause.code))
    return linked
