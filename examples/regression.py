"""Regression on a generated data set, y = sin(2 x0) + x1² - x0 x2 + noise, with `fit`, a
validation split, early stopping and R² on held-out data.

Run: python examples/regression.py
"""

from __future__ import annotations

import numpy as np

import retrograd as rg
from retrograd import metrics, nn, optim
from retrograd.data import StandardScaler, split_arrays
from retrograd.train import EarlyStopping, fit, predict


def make_data(n_samples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`X: (n, 3)` uniform in [-2, 2], `y: (n, 1)` float32."""
    X = rng.uniform(-2.0, 2.0, size=(n_samples, 3))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - X[:, 0] * X[:, 2] + rng.normal(0, 0.1, n_samples)
    return X.astype(np.float32), y[:, None].astype(np.float32)


def main(epochs: int = 200, n_samples: int = 2000, seed: int = 0) -> float:
    """Train a 3-64-64-1 MLP; print and return R² on a 25% test split."""
    rg.manual_seed(seed)
    X, y = make_data(n_samples, np.random.default_rng(seed))
    X_train, X_test, y_train, y_test = split_arrays(X, y, validation_split=0.25)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    model = nn.Sequential(
        nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)
    )
    history = fit(
        model,
        nn.MSELoss(),
        optim.Adam(model.parameters(), lr=3e-3),
        x=X_train.astype(np.float32),
        y=y_train,
        epochs=epochs,
        batch_size=64,
        validation_split=0.2,
        metrics=["mae"],
        callbacks=[EarlyStopping(patience=20, restore_best_weights=True)],
        verbose=0,
    )
    predicted = predict(model, X_test.astype(np.float32)).numpy()
    r2 = float(metrics.r2_score(y_test, predicted))
    mae = metrics.mean_absolute_error(y_test, predicted)
    print(f"{len(history)} epochs; test R² {r2:.4f}, test MAE {mae:.4f}")
    return r2


if __name__ == "__main__":
    main()
