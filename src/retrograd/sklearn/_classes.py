"""The class labels of a classifier, shared by `MLPClassifier` and `NeuralNetClassifier`."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.multiclass import (  # type: ignore[import-untyped]
    check_classification_targets,
    unique_labels,
)

from retrograd.errors import InvalidArgumentError


def resolve_classes(who: str, y: np.ndarray, classes: Any, known: np.ndarray | None) -> np.ndarray:
    """The `classes_` to train on: `known` from an earlier call when given (a `classes` passed
    again must match it), else the labels of `classes` or of `y`.

    Raises:
        InvalidArgumentError: for fewer than 2 classes, labels of `y` outside them, or `classes`
            that changed between calls to partial_fit.
    """
    check_classification_targets(y)
    if known is not None:
        if classes is not None and not np.array_equal(unique_labels(classes), known):
            raise InvalidArgumentError(
                f"{who}: classes={classes!r} is not the same as on the first "
                f"call to partial_fit, was {known!r}"
            )
        result = known
    else:
        result = unique_labels(y if classes is None else classes)
    if len(result) < 2:
        raise InvalidArgumentError(
            f"{who} needs samples of at least 2 classes, got 1 class: {result[0]!r}"
        )
    unknown = np.setdiff1d(unique_labels(y), result)
    if unknown.size:
        raise InvalidArgumentError(
            f"{who}: y has labels {unknown.tolist()} that are not in classes_ {result.tolist()}"
        )
    return result
