"""Checks of what the targets say, and of how the data was split.

`unscaled-targets`: regression targets far from unit scale (a mean or spread in the tens or
more, or tiny): the loss at init is huge, the first gradients explode, and one learning rate
cannot suit the output layer and the rest.
`no-signal`: after a short fit on part of the data, the loss on the held-out part is no better
than predicting the training mean (or class frequencies): the inputs carry no information
about the targets that the model can find (random or misaligned labels).
`label-leakage`: an input feature that is the target (equal, an affine copy, or a one-to-one
relabelling of the classes): the model reads the answer from its input.
`split-overlap`: rows of the validation data that also occur in the training data, so the
validation loss overstates how the model does on new data.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import enable_grad, no_grad
from retrograd.diagnostics.checks.subject import Subject, constant_loss, is_binary
from retrograd.diagnostics.report import Finding
from retrograd.optim import Adam

__all__ = [
    "check_label_leakage",
    "check_no_signal",
    "check_split_overlap",
    "check_unscaled_targets",
]

TARGET_LARGE = 10.0  # a target mean or standard deviation above this is not unit scale
TARGET_TINY = 1e-3  # a target spread and mean below this
SIGNAL_MIN_SAMPLES = 40
SIGNAL_TRAIN, SIGNAL_HELD = 512, 256
SIGNAL_STEPS = 60
SIGNAL_LR = 1e-2
SIGNAL_FITTED = 0.97  # the fit lowered the training loss below this fraction of its baseline
SIGNAL_BETTER = 0.95  # held-out loss below this fraction of the baseline: the inputs help
LEAK_CORRELATION = 0.9999
OVERLAP_WARN = 0.01  # a validation set sharing more than 1% of its rows with training


def _regression(subject: Subject) -> bool:
    y = subject.y
    return (
        y.dtype.kind == "f"
        and y.size > 0
        and subject.loss_kind in ("mse", "other")
        and not is_binary(y)
        and bool(np.isfinite(y).all())
    )


# ---------------------------------------------------------------------------- scale
def check_unscaled_targets(subject: Subject) -> list[Finding]:
    if not _regression(subject) or subject.n_samples < 2:
        return []
    y = subject.y.reshape(subject.n_samples, -1).astype(np.float64)
    mean, std = y.mean(axis=0), y.std(axis=0)
    size = np.maximum(np.abs(mean), std)
    worst = int(np.argmax(size))
    evidence: dict[str, Any] = {
        "mean": mean[:10].tolist(),
        "std": std[:10].tolist(),
        "usual": "mean near 0 and standard deviation near 1 (standardised)",
    }
    column = f" (target column {worst})" if y.shape[1] > 1 else ""
    if size[worst] > TARGET_LARGE:
        what = (
            f"The regression targets are far from unit scale{column}: mean {mean[worst]:.4g}, "
            f"standard deviation {std[worst]:.4g}, where a network starts near 0 with outputs "
            "of size about 1. The loss at init is about the targets' square, the first "
            "gradients are as large, and the output layer needs weights of that size, which "
            "one learning rate cannot give it without blowing up the other layers."
        )
    elif np.all(std > 0) and size.max() < TARGET_TINY:
        worst = int(np.argmax(size))
        what = (
            f"The regression targets are tiny{column}: mean {mean[worst]:.3g}, standard "
            f"deviation {std[worst]:.3g}: the loss and its gradients are too small for the "
            "usual learning rates to move the weights."
        )
    else:
        return []
    return [
        Finding(
            "unscaled-targets",
            "warning",
            what,
            "Standardise the targets: fit retrograd.data.StandardScaler on the training "
            "targets (y_scaled = (y - mean) / std), train on y_scaled, and map predictions back "
            "with pred * std + mean.",
            evidence,
        )
    ]


# ---------------------------------------------------------------------------- signal
def check_no_signal(subject: Subject) -> list[Finding]:
    n = subject.n_samples
    if n < SIGNAL_MIN_SAMPLES or subject.X.dtype.kind != "f":
        return []
    kind = subject.loss_kind
    if kind not in ("mse", "bce", "bce_logits", "ce", "nll"):
        return []
    order = subject.rng(22).permutation(n)
    held_n = min(max(n // 4, 10), SIGNAL_HELD)
    held, train = np.sort(order[:held_n]), np.sort(order[held_n : held_n + SIGNAL_TRAIN])
    y_train, y_held = subject.y[train], subject.y[held]
    base_train = constant_loss(kind, y_train, y_train)
    base_held = constant_loss(kind, y_train, y_held)
    if not base_train or not base_held or base_train <= 0 or base_held <= 0:
        return []
    model = subject.copy_model()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        return []
    optimizer = Adam(params, lr=SIGNAL_LR)
    subject.reseed(22)
    held_losses: list[float] = []
    train_loss = math.inf
    with enable_grad():
        for step in range(SIGNAL_STEPS + 1):
            if step % 5 == 0 or step == SIGNAL_STEPS:
                model.eval()
                with no_grad():
                    held_losses.append(float(subject.loss(model, held).item()))
                model.train()
            if step == SIGNAL_STEPS:
                break
            optimizer.zero_grad()
            value = subject.loss(model, train)
            train_loss = float(value.item())
            if not math.isfinite(train_loss) or not value.requires_grad:
                return []
            value.backward()
            optimizer.step()
    finite = [v for v in held_losses if math.isfinite(v)]
    if not finite or train_loss > SIGNAL_FITTED * base_train:
        return []  # the fit itself failed: other checks say why
    best = min(finite)
    evidence = {
        "train_samples": int(train.size),
        "held_out_samples": int(held.size),
        "steps": SIGNAL_STEPS,
        "train_loss": train_loss,
        "train_baseline": base_train,
        "held_out_best": best,
        "held_out_baseline": base_held,
        "held_out_curve": held_losses,
    }
    if best < SIGNAL_BETTER * base_held:
        return []
    predict = "the training mean" if kind == "mse" else "the training class frequencies"
    return [
        Finding(
            "no-signal",
            "warning",
            f"The targets carry no signal the model can find: after {SIGNAL_STEPS} Adam steps "
            f"on {train.size} samples the training loss fell to {train_loss:.4g} (predicting "
            f"{predict} scores {base_train:.4g}), but on {held.size} held-out samples the best "
            f"loss was {best:.4g}, no better than predicting {predict} ({base_held:.4g}): it "
            "memorises, it does not generalise.",
            "Check that X and y are aligned (shuffled together, the same row order after joins "
            "and filters) and that the target column is the one you meant; if they are, the "
            "features do not predict the target and need more information.",
            evidence,
        )
    ]


# ---------------------------------------------------------------------------- leakage
def check_label_leakage(subject: Subject) -> list[Finding]:
    X = subject.X
    if X.ndim != 2 or X.dtype.kind not in "biuf" or subject.n_samples < 10:
        return []
    features = X.astype(np.float64)
    if not np.isfinite(features).all():
        return []
    y = subject.y.reshape(subject.n_samples, -1)
    if y.dtype.kind not in "biuf" or y.shape[1] > 16 or not np.isfinite(y).all():
        return []
    targets = y.astype(np.float64)
    leaks: list[dict[str, Any]] = []
    f_std, t_std = features.std(axis=0), targets.std(axis=0)
    fz = (features - features.mean(axis=0)) / np.where(f_std > 0, f_std, 1.0)
    tz = (targets - targets.mean(axis=0)) / np.where(t_std > 0, t_std, 1.0)
    correlation = fz.T @ tz / features.shape[0]
    for j in range(targets.shape[1]):
        if t_std[j] == 0:
            continue
        for i in np.nonzero((np.abs(correlation[:, j]) >= LEAK_CORRELATION) & (f_std > 0))[0]:
            same = bool(np.array_equal(features[:, i], targets[:, j]))
            leaks.append(
                {
                    "feature": int(i),
                    "target": j,
                    "how": "equal" if same else "affine copy",
                    "correlation": float(correlation[i, j]),
                }
            )
    if subject.class_targets and not leaks:
        labels = y.reshape(-1)
        k = np.unique(labels).size
        for column_index in range(features.shape[1]):
            column = features[:, column_index]
            values = np.unique(column)
            if values.size != k or k < 2:
                continue
            pairs = np.unique(np.stack([column, labels.astype(np.float64)], axis=1), axis=0)
            if pairs.shape[0] == k:
                leaks.append({"feature": column_index, "target": 0, "how": "relabelled classes"})
    if not leaks:
        return []
    first = leaks[0]
    how = {
        "equal": "is equal to",
        "affine copy": "is a scaled copy of",
        "relabelled classes": "names the class of",
    }[first["how"]]
    more = f" ({len(leaks)} features in all)" if len(leaks) > 1 else ""
    return [
        Finding(
            "label-leakage",
            "warning",
            f"Input feature {first['feature']} {how} the target{more}: the model can read the "
            "answer from its input, so it scores near perfectly here and fails on data where "
            "that column is not known in advance.",
            f"Drop feature {first['feature']} (and anything computed from the target) from the "
            "inputs before training; keep only what is known when a prediction is made.",
            {"leaks": leaks[:10]},
        )
    ]


# ---------------------------------------------------------------------------- split
def check_split_overlap(subject: Subject) -> list[Finding]:
    if subject.validation is None:
        return []
    X_val = subject.validation[0]
    if X_val.ndim == 0 or X_val.shape[0] == 0 or X_val.shape[1:] != subject.X.shape[1:]:
        return []
    train = {
        row.tobytes() for row in np.ascontiguousarray(subject.X).reshape(subject.n_samples, -1)
    }
    rows = np.ascontiguousarray(X_val).reshape(X_val.shape[0], -1)
    shared = [i for i, row in enumerate(rows) if row.tobytes() in train]
    if not shared:
        return []
    fraction = len(shared) / rows.shape[0]
    return [
        Finding(
            "split-overlap",
            "warning" if fraction > OVERLAP_WARN else "info",
            f"{len(shared)} of {rows.shape[0]} validation rows ({fraction:.1%}) also occur in "
            "the training data: the validation loss partly measures memorisation, so it "
            "overstates how the model does on new data.",
            "Remove duplicates before splitting (np.unique(X, axis=0, return_index=True)), or "
            "split by group (user, file, session) so no row lands on both sides.",
            {
                "shared_rows": len(shared),
                "validation_rows": int(rows.shape[0]),
                "examples": shared[:10],
            },
        )
    ]
