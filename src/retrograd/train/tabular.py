"""Training settings for a multi-layer perceptron on tabular data, scaled with the data's size.

`retrograd train` (with no options) and `retrograd.sklearn.NeuralNetClassifier` /
`NeuralNetRegressor` use them. They were chosen by measurement on a suite of small tabular
problems (``benchmarks/defaults_suite.py``; the table is in the CSV training guide): AdamW,
early stopping on a validation split with the best weights restored, a batch size that gives
small data sets enough steps per epoch, and a network that grows with the number of rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from retrograd.errors import InvalidArgumentError

__all__ = ["TabularSettings", "tabular_settings"]


@dataclass(frozen=True)
class TabularSettings:
    """What `tabular_settings` chose; every field is a plain option value."""

    hidden: tuple[int, ...]  # hidden layer widths
    lr: float  # AdamW learning rate
    weight_decay: float  # AdamW's decoupled weight decay
    batch_size: int
    max_epochs: int  # an upper bound: early stopping ends training sooner
    patience: int  # epochs without a better validation loss before stopping
    dropout: float


def _power_of_two(value: float, low: int, high: int) -> int:
    """The power of two nearest `value` (in log scale), clipped to [low, high]."""
    exponent = round(math.log2(max(value, 1.0)))
    return int(min(max(2**exponent, low), high))


def tabular_settings(n_rows: int, n_features: int) -> TabularSettings:
    """Settings for training on `n_rows` training rows of `n_features` standardized features.

    - batch size: about a fiftieth of the rows, a power of two in [16, 256], so a small data
      set still takes tens of steps per epoch;
    - hidden layers: two, 64 and 64 units below 2,000 rows, 128 and 128 above (never fewer
      units than features, up to 256);
    - epochs: enough for about 15,000 steps, between 100 and 1,000, with early stopping after
      `patience` epochs (the longer, the fewer steps an epoch takes);
    - AdamW with learning rate 1e-3 and weight decay 1e-2.
    """
    if n_rows < 1 or n_features < 1:
        raise InvalidArgumentError(
            f"tabular_settings: need at least one row and one feature, got {n_rows} rows and "
            f"{n_features} features"
        )
    batch_size = _power_of_two(n_rows / 50, 16, 256)
    width = 64 if n_rows < 2_000 else 128
    width = min(max(width, _power_of_two(n_features, 1, 256)), 256)
    steps_per_epoch = math.ceil(n_rows / batch_size)
    max_epochs = min(max(math.ceil(15_000 / steps_per_epoch), 100), 1_000)
    patience = 20 if steps_per_epoch >= 20 else 40
    return TabularSettings(
        hidden=(width, width),
        lr=1e-3,
        weight_decay=1e-2,
        batch_size=batch_size,
        max_epochs=max_epochs,
        patience=patience,
        dropout=0.0,
    )
