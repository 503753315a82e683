"""`retrograd.plotting`: the PNG files it writes, and the message when matplotlib is missing."""

from __future__ import annotations

import builtins
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread

from retrograd import nn, optim
from retrograd.plotting import MissingDependencyError, plot_decision_boundary, plot_history
from retrograd.plotting.curves import panel_keys
from retrograd.train import History, fit

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def check_png(path: Path, min_width: int, min_height: int) -> np.ndarray:
    """The file is a PNG of at least the given size, not blank; return its pixels."""
    assert path.read_bytes()[:8] == PNG_MAGIC
    pixels = imread(path)
    height, width = pixels.shape[:2]
    assert width >= min_width and height >= min_height
    assert width <= 4000 and height <= 4000
    assert pixels[..., :3].std() > 0.05  # something was drawn
    return pixels


def make_history() -> History:
    history = History()
    for epoch in range(12):
        logs = {
            "loss": 1.0 / (epoch + 1),
            "val_loss": 1.2 / (epoch + 1),
            "accuracy": 1 - 0.5 / (epoch + 1),
            "val_accuracy": 1 - 0.6 / (epoch + 1),
            "mae": 0.5 / (epoch + 1),
        }
        history.append(epoch, logs)
    return history


def test_panel_keys_put_loss_first_and_pair_validation() -> None:
    keys = ["accuracy", "val_accuracy", "loss", "val_loss", "mae", "val_f1"]
    assert panel_keys(keys) == ["loss", "accuracy", "mae", "f1"]


def test_plot_history_writes_one_panel_per_quantity(tmp_path: Path) -> None:
    path = tmp_path / "curves.png"
    figure = plot_history(make_history(), path, title="run", dpi=80)
    check_png(path, 600, 200)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["loss", "accuracy", "mean absolute error"]
    assert [len(ax.get_lines()) for ax in visible] == [2, 2, 1]  # training and validation
    train_line, val_line = visible[0].get_lines()
    assert list(train_line.get_xdata()) == list(range(1, 13))
    assert val_line.get_ydata()[0] == pytest.approx(1.2)


def test_plot_history_of_fit_and_of_a_plain_dict(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2)).astype(np.float32)
    y = (X.sum(axis=1) > 0).astype(np.float32)[:, None]
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    history = fit(
        model,
        nn.BCEWithLogitsLoss(),
        optim.Adam(model.parameters(), lr=0.05),
        x=X,
        y=y,
        epochs=3,
        validation_split=0.25,
        verbose=0,
    )
    plot_history(history, tmp_path / "fit.png")
    check_png(tmp_path / "fit.png", 200, 150)
    figure = plot_history({"loss": [3.0, 2.0, math.nan]})  # no path: only the figure
    assert len(figure.axes) == 1


def test_plot_history_rejects_an_empty_history(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no values to plot"):
        plot_history(History(), tmp_path / "x.png")
    with pytest.raises(TypeError, match="takes a History"):
        plot_history([1.0, 2.0], tmp_path / "x.png")  # type: ignore[arg-type]
    assert not (tmp_path / "x.png").exists()


def test_decision_boundary_binary(tmp_path: Path) -> None:
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 1])
    model = nn.Sequential(nn.Linear(2, 1))
    model[0].weight.array[...] = [[10.0, 10.0]]  # a logit: positive unless both inputs are 0
    model[0].bias.array[...] = [-5.0]
    path = tmp_path / "boundary.png"
    figure = plot_decision_boundary(model, X, y, path, resolution=50)
    pixels = check_png(path, 400, 300)
    assert pixels.shape[:2] == (500, 600)  # 6 x 5 inches at 100 dpi
    ax = figure.axes[0]
    assert ax.get_title() == "decision boundary"
    assert ax.get_xlim()[0] < 0 < 1 < ax.get_xlim()[1]


def test_decision_boundary_multiclass_with_text_labels_and_a_transform(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    X = rng.uniform(0, 10, size=(60, 2))
    y = np.array(["low", "mid", "high"])[np.minimum(X[:, 0] // 3.4, 2).astype(int)]
    model = nn.Sequential(nn.Linear(2, 3))
    model[0].weight.array[...] = [[-2.0, 0.0], [0.0, 0.0], [2.0, 0.0]]
    model[0].bias.array[...] = 0.0
    seen: list[Any] = []

    def transform(points: np.ndarray) -> np.ndarray:
        seen.append(points.shape)
        return (points - 5.0) / 5.0

    plot_decision_boundary(model, X, y, tmp_path / "three.png", transform=transform)
    check_png(tmp_path / "three.png", 400, 300)
    assert seen == [(200 * 200, 2)]


def test_decision_boundary_checks_shapes(tmp_path: Path) -> None:
    model = nn.Sequential(nn.Linear(3, 1))
    with pytest.raises(
        ValueError, match=r"X must have shape \(N, 2\) \(two inputs\), got \(4, 3\)"
    ):
        plot_decision_boundary(model, np.zeros((4, 3)), np.zeros(4), tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"y must have shape \(4,\) to match X, got \(3,\)"):
        plot_decision_boundary(model, np.zeros((4, 2)), np.zeros(3), tmp_path / "x.png")


@pytest.fixture
def no_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every `import matplotlib...` fail, as when it is not installed."""
    real_import = builtins.__import__

    def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_missing_matplotlib_names_the_extra(tmp_path: Path, no_matplotlib: None) -> None:
    with pytest.raises(MissingDependencyError) as caught:
        plot_history(make_history(), tmp_path / "h.png")
    assert str(caught.value) == (
        "plot_history needs matplotlib, which is not installed; install it with "
        "pip install 'retrograd[plot]'"
    )
    assert isinstance(caught.value, ImportError)
    model = nn.Sequential(nn.Linear(2, 1))
    with pytest.raises(MissingDependencyError, match=r"plot_decision_boundary needs matplotlib"):
        plot_decision_boundary(model, np.zeros((3, 2)), np.zeros(3), tmp_path / "b.png")
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_in_the_command_line(
    tmp_path: Path, no_matplotlib: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from retrograd.cli import main

    data = tmp_path / "d.csv"
    data.write_text("a,y\n1,0\n2,1\n3,0\n4,1\n", encoding="utf-8")
    out = tmp_path / "m.safetensors"
    args = ["train", str(data), "--target", "y", "--out", str(out), "--epochs", "1", "--quiet"]
    assert main([*args, "--plot", str(tmp_path / "c.png"), "--task", "classification"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "error: retrograd train --plot needs matplotlib, which is not installed; install it "
        "with pip install 'retrograd[plot]'\n"
    )
    assert captured.out == "" and not out.exists()  # found before training, nothing written


def test_importing_plotting_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = "import sys, retrograd.plotting; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
