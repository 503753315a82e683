"""scikit-learn's own estimator checks, run on the four retrograd estimators (the NeuralNet
ones with a given network and with their defaults).

Every check passes; none is marked as an expected failure. scikit-learn itself skips one check
per estimator, ``check_array_api_input``, which needs the ``SCIPY_ARRAY_API`` environment
variable set before SciPy is imported (the test extra installs pandas, so the DataFrame checks
run).
"""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from retrograd import nn
from retrograd.optim import Adam
from retrograd.sklearn import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor


def small_network(in_features: int, out_features: int, hidden: int = 16) -> nn.Module:
    """A one-hidden-layer network (module level, so estimators holding it can be pickled)."""
    return nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features))


ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    NeuralNetClassifier(small_network, optimizer=Adam, lr=0.01, max_epochs=20, batch_size=32),
    NeuralNetRegressor(small_network, optimizer=Adam, lr=0.01, max_epochs=20, batch_size=32),
    # the defaults (network, AdamW, held-out split, early stopping, standardized target) with
    # fewer epochs
    NeuralNetClassifier(max_epochs=30),
    NeuralNetRegressor(max_epochs=30),
]


# small max_iter / max_epochs keep the ~215 checks quick; ConvergenceWarnings are expected
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_check(estimator: Any, check: Any) -> None:
    check(estimator)
