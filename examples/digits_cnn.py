"""A small convolutional network on scikit-learn's 8x8 handwritten digits (bundled with
scikit-learn, no download), trained with a plain PyTorch-style loop.

    conv 1->16 3x3 pad 1, ReLU, max-pool 2   (16, 8, 8) -> (16, 4, 4)
    conv 16->32 3x3 pad 1, ReLU, max-pool 2  (32, 4, 4) -> (32, 2, 2)
    flatten, linear 128->10

Adam, batch 64, cross-entropy, on a fixed stratified 75/25 split.

Run: python examples/digits_cnn.py  (on a GPU: python examples/digits_cnn.py --device cuda)
"""

from __future__ import annotations

import time

import numpy as np

import retrograd as rg
from retrograd import nn, optim
from retrograd.data import DataLoader, TensorDataset
from retrograd.optim.lr_scheduler import CosineAnnealingLR

BATCH_SIZE = 64
LEARNING_RATE = 3e-3
SPLIT_SEED = 0  # the split stays the same whatever `seed` the model and shuffling use


def load_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Images `(N, 1, 8, 8)` scaled to [0, 1] and labels, split 75/25 with every class in
    proportion: X_train, X_test, y_train, y_test."""
    from sklearn.datasets import load_digits  # example-only dependencies
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=SPLIT_SEED)


def make_model() -> nn.Sequential:
    """The network in the module docstring; `x: (batch, 1, 8, 8)` -> logits `(batch, 10)`."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 2 * 2, 10),
    )


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray, device: str = "cpu") -> float:
    """Fraction of `X` whose highest logit is the label."""
    model.eval()
    with rg.no_grad():
        logits = model(rg.from_numpy(X).to(device)).cpu().numpy()
    model.train()
    return float(np.mean(logits.argmax(axis=1) == y))


def main(
    epochs: int = 30, seed: int = 0, verbose: bool = True, device: str = "cpu"
) -> dict[str, float]:
    """Train for `epochs` on `device`; return the test accuracy and the training seconds."""
    X_train, X_test, y_train, y_test = load_split()
    rg.manual_seed(seed)
    model = make_model().to(device)
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(X_train, y_train),
        batch_size=BATCH_SIZE,
        shuffle=True,
        generator=np.random.default_rng(seed),
    )

    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total, count = 0.0, 0
        for x, target in loader:
            x, target = x.to(device), target.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), target)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(target)
            count += len(target)
        scheduler.step()
        if verbose and (epoch == 1 or epoch % 5 == 0 or epoch == epochs):
            print(
                f"epoch {epoch:3d}  train loss {total / count:.4f}  "
                f"test accuracy {accuracy(model, X_test, y_test, device):.4f}"
            )
    seconds = time.perf_counter() - start

    test_accuracy = accuracy(model, X_test, y_test, device)
    if verbose:
        print(
            f"digits CNN: test accuracy {test_accuracy:.4f} on {len(y_test)} images, "
            f"trained in {seconds:.1f} s ({epochs} epochs of {len(y_train)} images)"
        )
    return {"test_accuracy": test_accuracy, "seconds": seconds}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="the digits CNN")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    main(device=parser.parse_known_args()[0].device)
