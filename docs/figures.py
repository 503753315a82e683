"""The figures of the docs, drawn when the site is built (docs/hooks.py calls `draw_all`).

Each function trains or runs something small with retrograd and saves one PNG; nothing here is
committed as an image, so the pictures always show what this version computes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

import retrograd as rg
from retrograd import nn, optim
from retrograd.datasets import load

ROOT = Path(__file__).resolve().parents[1]
GRAPHVIZ_ONLY_COLORS = {"darkolivegreen1": "#caff70"}  # Graphviz names matplotlib lacks


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def two_moons(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles with noise, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], 1)
    lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], 1)
    X = np.concatenate([upper, lower]) + rng.normal(0, 0.12, (2 * n, 2))
    y = np.concatenate([np.zeros(n), np.ones(n)])[:, None]
    return X.astype(np.float32), y.astype(np.float32)


def training_curves(path: Path) -> None:
    """Loss and accuracy per epoch of a real `fit` with a validation split."""
    from retrograd.plotting import plot_history
    from retrograd.train import fit

    rg.manual_seed(0)
    X, y = two_moons(200, seed=0)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 1))
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        optim.Adam(model.parameters(), lr=0.01),
        x=X,
        y=y,
        epochs=40,
        validation_split=0.25,
        metrics=["accuracy"],
        verbose=0,
        generator=np.random.default_rng(0),
    )
    plot_history(history, path, title="fit on two moons: loss and accuracy per epoch")


def xor_boundary(path: Path) -> None:
    """The decision boundary of a small MLP trained on noisy XOR."""
    from retrograd.plotting import plot_decision_boundary
    from retrograd.train import fit

    rg.manual_seed(0)
    rng = np.random.default_rng(0)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    X = np.repeat(corners, 50, axis=0) + rng.normal(0, 0.15, (200, 2)).astype(np.float32)
    y = np.repeat(np.array([0, 1, 1, 0], dtype=np.float32), 50)[:, None]
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.03), x=X, y=y, epochs=200, verbose=0)
    plot_decision_boundary(model, X, y, path, title="XOR: the decision boundary of a 2-16-1 MLP")


def autograd_graph(path: Path) -> None:
    """The graph `backward` walks for the seed network, laid out by depth from the loss."""
    from retrograd.diagnostics import graph

    plt = _pyplot()
    rg.manual_seed(0)
    X, y = load("seed")
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1))
    loss = nn.functional.mse_loss(model(rg.tensor(X)), rg.tensor(y))
    dot = graph(loss, dict(model.named_parameters()))
    found = re.findall(r'(n\d+) \[label="([^"]*)"', dot)
    labels = {node: label.replace("\\n", "\n") for node, label in found}
    colors = dict(re.findall(r'(n\d+) \[label="[^"]*", fillcolor="(\w+)"', dot))
    edges = re.findall(r"(n\d+) -> (n\d+)", dot)
    depth = {"n0": 0}
    for _ in labels:  # longest distance from the output, edges point towards it
        for source, target in edges:
            if target in depth:
                depth[source] = max(depth.get(source, 0), depth[target] + 1)
    rows: dict[int, list[str]] = {}
    for node in labels:
        rows.setdefault(depth[node], []).append(node)
    where = {}
    for level, nodes in rows.items():
        for i, node in enumerate(nodes):
            where[node] = ((i - (len(nodes) - 1) / 2) * 2.2, -level)
    fig, ax = plt.subplots(figsize=(8, 6))
    for source, target in edges:
        ax.annotate(
            "", where[target], where[source], arrowprops={"arrowstyle": "->", "color": "gray"}
        )
    for node, (x, y_) in where.items():
        color = GRAPHVIZ_ONLY_COLORS.get(colors.get(node, "white"), colors.get(node, "white"))
        box = {"boxstyle": "round", "facecolor": color, "edgecolor": "gray"}
        ax.text(x, y_, labels[node], ha="center", va="center", family="monospace", bbox=box)
    ax.set_xlim(-4, 4)
    ax.set_ylim(-max(rows) - 0.6, 0.6)
    ax.axis("off")
    ax.set_title("the autograd graph of the seed network's loss (parameters in blue)")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def doctor_evidence(path: Path) -> None:
    """The doctor's gradient check on a loss with a sign-flipped backward: analytic against
    finite-difference gradients, per parameter."""
    from retrograd.diagnostics import BuggyMSELoss, doctor

    plt = _pyplot()
    rg.manual_seed(0)
    X, y = load("seed")
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1))
    report = doctor(model, BuggyMSELoss(), X, y, quick=True)
    findings = report.get("gradient-mismatch")
    assert findings, report.codes
    finding = findings[0]
    parameters = {k: v for k, v in finding.evidence["parameters"].items() if "." in k[:3]}
    names = list(parameters)
    analytic = [parameters[name]["analytic"] for name in names]
    numeric = [parameters[name]["numeric"] for name in names]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    positions = np.arange(len(names))
    ax.bar(positions - 0.2, analytic, 0.4, label="backward (analytic)")
    ax.bar(positions + 0.2, numeric, 0.4, label="finite differences")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(positions, names)
    ax.set_ylabel("gradient element")
    ax.set_title(f"doctor: {finding.code}, every gradient has its sign flipped")
    ax.legend()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def activations(path: Path) -> None:
    """Activation functions and their derivatives, the derivatives computed by `backward`."""
    plt = _pyplot()
    functions: dict[str, Callable[[rg.Tensor], rg.Tensor]] = {
        "relu": nn.functional.relu,
        "gelu": nn.functional.gelu,
        "silu": nn.functional.silu,
        "tanh": rg.tanh,
        "sigmoid": rg.sigmoid,
        "elu": nn.functional.elu,
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    grid = np.linspace(-4, 4, 401)
    for name, function in functions.items():
        x = rg.tensor(grid, requires_grad=True)
        out = function(x)
        out.sum().backward()
        assert x.grad is not None
        left.plot(grid, out.detach().numpy(), label=name)
        right.plot(grid, x.grad.numpy(), label=name)
    left.set_title("activation")
    right.set_title("derivative (from backward)")
    left.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def lr_schedules(path: Path) -> None:
    """The learning rate of each schedule over 100 optimizer steps."""
    from retrograd.optim import lr_scheduler

    plt = _pyplot()
    schedules: dict[str, Callable[[optim.Optimizer], lr_scheduler.LRScheduler]] = {
        "StepLR(step_size=30, gamma=0.5)": lambda o: lr_scheduler.StepLR(o, 30, 0.5),
        "ExponentialLR(gamma=0.97)": lambda o: lr_scheduler.ExponentialLR(o, 0.97),
        "CosineAnnealingLR(T_max=100)": lambda o: lr_scheduler.CosineAnnealingLR(o, 100),
        "OneCycleLR(max_lr=0.1)": lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=100),
        "LinearLR(start_factor=0.25)": lambda o: lr_scheduler.LinearLR(o, 0.25, total_iters=40),
    }
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, make in schedules.items():
        optimizer = optim.SGD([nn.Parameter(rg.zeros(1))], lr=0.1)
        scheduler = make(optimizer)
        rates = []
        for _ in range(100):
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        ax.plot(rates, label=name)
    ax.set_xlabel("step")
    ax.set_ylabel("learning rate")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def digits_confusion(path: Path) -> None:
    """The confusion matrix of an MLP trained on scikit-learn's 8x8 digits."""
    from sklearn.datasets import load_digits

    from retrograd.metrics import accuracy, confusion_matrix
    from retrograd.train import fit, predict

    plt = _pyplot()
    digits = load_digits()
    X = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(X))
    train, test = order[:1300], order[1300:]
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    fit(model, nn.CrossEntropyLoss(), optimizer, x=X[train], y=y[train], epochs=15, verbose=0)
    predicted = predict(model, X[test]).numpy().argmax(1)
    matrix = confusion_matrix(y[test], predicted)
    fig, ax = plt.subplots(figsize=(5, 4.5))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax)
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"digits MLP: test accuracy {accuracy(y[test], predicted):.1%}")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


FIGURES: dict[str, Callable[[Path], None]] = {
    "training-curves": training_curves,
    "xor-boundary": xor_boundary,
    "autograd-graph": autograd_graph,
    "doctor-evidence": doctor_evidence,
    "activations": activations,
    "lr-schedules": lr_schedules,
    "digits-confusion": digits_confusion,
}


def draw_all(directory: Path) -> list[Path]:
    """Draw every figure into `directory`; return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        path = directory / f"{name}.png"
        draw(path)
        written.append(path)
    return written
