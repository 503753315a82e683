"""scikit-learn's 8x8 handwritten digits (bundled with scikit-learn, no download) with an MLP,
compared with scikit-learn's own MLPClassifier on the same split.

Run: python examples/digits_mlp.py
"""

from __future__ import annotations

import time

import numpy as np

import retrograd as rg
from retrograd import metrics, nn, optim
from retrograd.data import split_arrays
from retrograd.train import fit, predict

HIDDEN = (128, 64)


def load_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixels scaled to [0, 1] and a shuffled 75/25 split: X_train, X_test, y_train, y_test."""
    from sklearn.datasets import load_digits  # an example-only dependency

    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    return split_arrays(
        X, y, validation_split=0.25, shuffle=True, generator=np.random.default_rng(seed)
    )


def train_retrograd(
    X_train, y_train, X_test, y_test, epochs: int, seed: int, device: str = "cpu"
) -> tuple[float, float]:
    """Test accuracy and training seconds of a 64-128-64-10 ReLU MLP trained with Adam."""
    rg.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(64, HIDDEN[0]),
        nn.ReLU(),
        nn.Linear(HIDDEN[0], HIDDEN[1]),
        nn.ReLU(),
        nn.Linear(HIDDEN[1], 10),
    ).to(device)  # fit moves each batch to the model's device
    start = time.perf_counter()
    fit(
        model,
        nn.CrossEntropyLoss(),
        optim.Adam(model.parameters(), lr=1e-3),
        x=X_train,
        y=y_train,
        epochs=epochs,
        batch_size=32,
        verbose=0,
        generator=np.random.default_rng(seed),
    )
    seconds = time.perf_counter() - start
    predicted = predict(model, X_test).numpy().argmax(axis=1)
    return float(metrics.accuracy(y_test, predicted)), seconds


def train_sklearn(X_train, y_train, X_test, y_test, epochs: int, seed: int) -> tuple[float, float]:
    """The same layers, optimizer, batch size and epochs with sklearn's MLPClassifier."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    classifier = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        solver="adam",
        learning_rate_init=1e-3,
        batch_size=32,
        max_iter=epochs,
        alpha=0.0,
        random_state=seed,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the epoch count here
        classifier.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    return float(classifier.score(X_test, y_test)), seconds


def main(
    epochs: int = 40, seed: int = 0, compare: bool = True, device: str = "cpu"
) -> dict[str, float]:
    """Train both; print and return test accuracies and training times."""
    X_train, X_test, y_train, y_test = load_split(seed)
    accuracy, seconds = train_retrograd(X_train, y_train, X_test, y_test, epochs, seed, device)
    print(
        f"retrograd MLP {HIDDEN}: test accuracy {accuracy:.4f}, "
        f"trained in {seconds:.2f} s ({epochs} epochs)"
    )
    result = {"accuracy": accuracy, "seconds": seconds}
    if compare:
        sk_accuracy, sk_seconds = train_sklearn(X_train, y_train, X_test, y_test, epochs, seed)
        print(
            f"sklearn MLPClassifier {HIDDEN}: test accuracy {sk_accuracy:.4f}, "
            f"trained in {sk_seconds:.2f} s"
        )
        result.update(sklearn_accuracy=sk_accuracy, sklearn_seconds=sk_seconds)
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="the digits MLP, against scikit-learn's")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    main(device=parser.parse_known_args()[0].device)
