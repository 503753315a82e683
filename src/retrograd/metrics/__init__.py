"""Metrics on array-likes or Tensors, equal to `sklearn.metrics`, and metric objects for training.

>>> from retrograd import metrics
>>> metrics.accuracy([0, 1, 1, 0], [0.2, 0.9, 0.4, 0.1])
0.75
>>> metrics.get_metric("mae")([1.0, 2.0], [1.5, 2.0])
0.25
"""

from retrograd.metrics.accuracy import accuracy
from retrograd.metrics.confusion import confusion_matrix
from retrograd.metrics.prf import f1_score, precision, recall
from retrograd.metrics.registry import (
    METRIC_NAMES,
    Accuracy,
    ClassificationMetric,
    CompactMetric,
    FunctionMetric,
    Metric,
    get_metric,
)
from retrograd.metrics.regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)

__all__ = [
    "METRIC_NAMES",
    "Accuracy",
    "ClassificationMetric",
    "CompactMetric",
    "FunctionMetric",
    "Metric",
    "accuracy",
    "confusion_matrix",
    "f1_score",
    "get_metric",
    "mean_absolute_error",
    "mean_squared_error",
    "precision",
    "r2_score",
    "recall",
    "root_mean_squared_error",
]
