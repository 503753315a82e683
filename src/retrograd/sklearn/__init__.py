"""scikit-learn estimators on retrograd networks (needs scikit-learn:
``pip install 'retrograd[sklearn]'``).

- `MLPClassifier`, `MLPRegressor`: scikit-learn's multi-layer perceptrons, with the same
  parameter names, fitted attributes and stopping rule, trained by retrograd's autograd and
  optimizers.
- `NeuralNetClassifier`, `NeuralNetRegressor`: wrap any `nn.Module` factory (skorch's idea) so a
  custom network goes into a `Pipeline`, `GridSearchCV` or `cross_val_score`; with no
  arguments, the network and training defaults `retrograd train` measured on tabular data
  (AdamW, early stopping on a held-out 20 % with the best weights restored, sizes from the
  data, a standardized regression target).

This subpackage is imported on its own (``from retrograd.sklearn import MLPClassifier``);
``import retrograd`` never imports scikit-learn.
"""

from retrograd.sklearn._deps import require_sklearn

require_sklearn("retrograd.sklearn")

from retrograd.sklearn.mlp import MLPClassifier, MLPRegressor  # noqa: E402
from retrograd.sklearn.neural_net import NeuralNetClassifier, NeuralNetRegressor  # noqa: E402

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralNetClassifier", "NeuralNetRegressor"]
