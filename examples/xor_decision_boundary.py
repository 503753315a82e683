"""XOR as a cloud of points around the four corners, learned by a small MLP with `fit`, and
the decision boundary drawn as a PNG (needs matplotlib: pip install 'retrograd[plot]').

Run: python examples/xor_decision_boundary.py   (writes xor_boundary.png)
"""

from __future__ import annotations

import numpy as np

import retrograd as rg
from retrograd import metrics, nn, optim
from retrograd.plotting import plot_decision_boundary
from retrograd.train import fit, predict


def xor_cloud(n_per_corner: int, noise: float, rng: np.random.Generator):
    """Points scattered around (0,0), (0,1), (1,0), (1,1); the label is the XOR of the corner."""
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0], dtype=np.float32)
    X = np.repeat(corners, n_per_corner, axis=0)
    X = X + rng.normal(0.0, noise, size=X.shape).astype(np.float32)
    y = np.repeat(labels, n_per_corner)[:, None]
    return X, y


def main(
    epochs: int = 200, out: str = "xor_boundary.png", n_per_corner: int = 50, seed: int = 0
) -> float:
    """Train on the XOR cloud, save the decision boundary to `out`; return the accuracy."""
    rg.manual_seed(seed)
    X, y = xor_cloud(n_per_corner, 0.15, np.random.default_rng(seed))
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))  # one logit
    fit(
        model,
        nn.BCEWithLogitsLoss(),
        optim.Adam(model.parameters(), lr=0.03),
        x=X,
        y=y,
        epochs=epochs,
        batch_size=32,
        verbose=0,
    )
    logits = predict(model, X).numpy()
    accuracy = float(metrics.accuracy(y[:, 0], (logits[:, 0] > 0).astype(np.int64)))
    plot_decision_boundary(model, X, y, out, title=f"XOR: accuracy {accuracy:.1%}")
    print(f"accuracy {accuracy:.3f}; decision boundary saved to {out}")
    return accuracy


if __name__ == "__main__":
    main()
