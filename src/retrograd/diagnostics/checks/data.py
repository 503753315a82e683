"""Checks of the data alone: non-finite values, feature scales, constant features, conflicting
duplicates, class balance, and the number of samples against the number of parameters."""

from __future__ import annotations

import numpy as np

from retrograd.diagnostics.checks.subject import Subject, is_binary
from retrograd.diagnostics.report import Finding

__all__ = [
    "check_class_balance",
    "check_constant_features",
    "check_duplicates",
    "check_finite",
    "check_sample_count",
    "check_scales",
]

SCALE_RATIO = 100.0  # feature magnitudes this far apart dominate the first layer's gradient
LARGE_SPREAD = 10.0  # a standard deviation above this saturates units and inflates gradients
OFFSET_STDS = 5.0  # a mean this many standard deviations (and at least OFFSET_MIN) from zero
OFFSET_MIN = 2.0
CONSTANT_WARN_FRACTION = 0.1  # image borders make a few constant pixels normal
IMBALANCE_WARN, IMBALANCE_INFO = 10.0, 3.0
PARAMS_PER_SAMPLE = 10.0


def _features(subject: Subject) -> np.ndarray | None:
    """X as (samples, features) floats, or None when it is not numeric."""
    X = subject.X
    if X.dtype.kind not in "biuf" or X.ndim == 0 or X.shape[0] == 0:
        return None
    return X.reshape(X.shape[0], -1).astype(np.float64)


def check_finite(subject: Subject) -> list[Finding]:
    """`data-nonfinite`: NaN or infinite values in the inputs or the targets."""
    found = []
    for what, array in (("inputs", subject.X), ("targets", subject.y)):
        if array.dtype.kind != "f":
            continue
        bad = ~np.isfinite(array)
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])
            found.append((what, int(bad.sum()), rows))
    if not found:
        return []
    parts = [
        f"{count} non-finite values in the {what} ({len(rows)} samples)"
        for what, count, rows in found
    ]
    evidence = {f"{what}_nonfinite": count for what, count, _ in found} | {
        f"{what}_rows": rows[:10].tolist() for what, _, rows in found
    }
    return [
        Finding(
            "data-nonfinite",
            "error",
            f"The data holds {' and '.join(parts)}: one NaN makes the loss and every gradient "
            "NaN, and training stops making progress.",
            "Drop or impute those samples before training (e.g. X[np.isfinite(X).all(axis=1)]), "
            "and look at how the file was read: empty cells and division by zero are the usual "
            "sources.",
            evidence,
        )
    ]


def check_scales(subject: Subject) -> list[Finding]:
    """`unscaled-features`: feature scales orders of magnitude apart, large, or far from zero."""
    X = _features(subject)
    if X is None or not np.isfinite(X).all():
        return []
    std = X.std(axis=0)
    mean = X.mean(axis=0)
    magnitude = np.abs(X).max(axis=0)
    varying = std > 0
    if not varying.any():
        return []
    reasons = []
    evidence: dict[str, object] = {}
    mags = magnitude[varying]
    ratio = float(mags.max() / max(mags.min(), 1e-30))
    if ratio > SCALE_RATIO:
        reasons.append(
            f"feature magnitudes differ by a factor of {ratio:.3g} (feature "
            f"{_column(varying, int(np.argmax(mags)))} reaches {mags.max():.3g}, feature "
            f"{_column(varying, int(np.argmin(mags)))} only {mags.min():.3g})"
        )
        evidence["magnitude_ratio"] = ratio
    wide = np.nonzero(std > LARGE_SPREAD)[0]
    if wide.size:
        reasons.append(
            f"{wide.size} features have a standard deviation above {LARGE_SPREAD:g} "
            f"(largest {std.max():.3g}, feature {int(np.argmax(std))})"
        )
        evidence["large_std_features"] = wide[:10].tolist()
    offset = np.nonzero(varying & (np.abs(mean) > np.maximum(OFFSET_MIN, OFFSET_STDS * std)))[0]
    if offset.size:
        worst = int(offset[np.argmax(np.abs(mean[offset]) / std[offset])])
        reasons.append(
            f"{offset.size} features sit far from zero (feature {worst}: mean {mean[worst]:.3g}, "
            f"standard deviation {std[worst]:.3g})"
        )
        evidence["offset_features"] = offset[:10].tolist()
    if not reasons:
        return []
    evidence |= {"mean": _head(mean), "std": _head(std)}
    return [
        Finding(
            "unscaled-features",
            "warning",
            "The input features are not on a common scale: " + "; ".join(reasons) + ". The "
            "large features dominate the first layer's gradient and push units into saturation, "
            "so one learning rate cannot suit every weight.",
            "Standardise the inputs: fit retrograd.data.StandardScaler (mean 0, std 1 per "
            "feature) on the training set and apply it to every split.",
            evidence,
        )
    ]


def check_constant_features(subject: Subject) -> list[Finding]:
    """`constant-feature`: features with one value over the whole data set."""
    X = _features(subject)
    if X is None or X.shape[0] < 2:
        return []
    constant = np.nonzero(np.all(X == X[:1], axis=0))[0]
    if constant.size == 0:
        return []
    fraction = constant.size / X.shape[1]
    severity = (
        "warning" if fraction >= CONSTANT_WARN_FRACTION or constant.size == X.shape[1] else "info"
    )
    return [
        Finding(
            "constant-feature",
            severity,
            f"{constant.size} of {X.shape[1]} input features never change (features "
            f"{_list(constant)}): they carry no information and act as a second bias, and a "
            "large constant slows learning.",
            "Drop the constant columns (or check that the right columns were loaded).",
            {"features": constant[:20].tolist(), "fraction": fraction},
        )
    ]


def check_duplicates(subject: Subject) -> list[Finding]:
    """`conflicting-duplicates`: identical inputs with different targets."""
    X = _features(subject)
    if X is None or X.shape[0] < 2:
        return []
    y = subject.y.reshape(subject.y.shape[0], -1)
    _, group, counts = np.unique(X, axis=0, return_inverse=True, return_counts=True)
    group = group.reshape(-1)
    conflicting = 0
    examples: list[list[int]] = []
    for g in np.nonzero(counts > 1)[0]:
        members = np.nonzero(group == g)[0]
        targets = y[members]
        if not np.all(targets == targets[:1]):
            conflicting += members.size
            if len(examples) < 3:
                examples.append(members[:5].tolist())
    if conflicting == 0:
        return []
    fraction = conflicting / X.shape[0]
    return [
        Finding(
            "conflicting-duplicates",
            "warning",
            f"{conflicting} samples ({fraction:.1%}) share their inputs with a sample whose "
            "target differs: no model can fit both, so the loss cannot reach zero.",
            "Remove or relabel the conflicting samples (e.g. rows "
            f"{examples[0]}), or add the feature that tells them apart.",
            {"samples": conflicting, "fraction": fraction, "example_groups": examples},
        )
    ]


def check_class_balance(subject: Subject) -> list[Finding]:
    """`class-imbalance`: the largest class much bigger than the smallest one."""
    y = subject.y
    if subject.class_targets:
        counts = np.bincount(y.reshape(-1).astype(np.int64))
    elif subject.loss_kind in ("bce", "bce_logits", "mse") and is_binary(y) and y.ndim <= 2:
        if y.ndim == 2 and y.shape[1] != 1:
            return []
        counts = np.bincount(y.reshape(-1).astype(np.int64), minlength=2)
    else:
        return []
    present = counts[counts > 0]
    if present.size < 2:
        return [
            Finding(
                "class-imbalance",
                "warning",
                "Every sample has the same class: the model learns to predict it and nothing else.",
                "Check the labels (and the split): a classifier needs examples of every class.",
                {"counts": counts.tolist()},
            )
        ]
    ratio = float(present.max() / present.min())
    if ratio < IMBALANCE_INFO:
        return []
    severity = "warning" if ratio >= IMBALANCE_WARN else "info"
    return [
        Finding(
            "class-imbalance",
            severity,
            f"The classes are imbalanced: the largest has {ratio:.3g} times as many samples as "
            f"the smallest (counts {counts.tolist()}); predicting the majority class already "
            "scores well, so accuracy hides a model that ignores the rare ones.",
            "Weight the loss by inverse class frequency (CrossEntropyLoss(weight=...) or "
            "BCEWithLogitsLoss(pos_weight=...)), or resample; judge the model by per-class "
            "recall or F1, not accuracy.",
            {"counts": counts.tolist(), "ratio": ratio},
        )
    ]


def check_sample_count(subject: Subject) -> list[Finding]:
    """`too-few-samples`: far more parameters than samples."""
    n_params = sum(p.numel() for p in subject.model.parameters())
    n = subject.n_samples
    if n == 0 or n_params <= PARAMS_PER_SAMPLE * n:
        return []
    return [
        Finding(
            "too-few-samples",
            "info",
            f"The model has {n_params} parameters for {n} samples ({n_params / n:.3g} per "
            "sample): it can memorise the data, so a low training loss says little about new "
            "data.",
            "Hold out a validation set and watch its loss; use a smaller model, weight decay or "
            "more data if the two losses part.",
            {"parameters": n_params, "samples": n},
        )
    ]


def _column(mask: np.ndarray, position: int) -> int:
    return int(np.nonzero(mask)[0][position])


def _head(values: np.ndarray, n: int = 20) -> list[float]:
    return [float(v) for v in values[:n]]


def _list(indices: np.ndarray, n: int = 8) -> str:
    shown = ", ".join(str(int(i)) for i in indices[:n])
    return shown + (", ..." if indices.size > n else "")
