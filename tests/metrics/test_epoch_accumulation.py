"""Epoch metrics in a training loop are gathered batch by batch: label metrics keep labels, not
(N, C) scores, so memory grows with rows, not rows x classes, and the values are those of the
metric on the whole epoch at once."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import metrics, nn
from retrograd.train import evaluate, fit
from retrograd.train.evaluate import MetricAccumulator

NAMES = ["accuracy", "precision", "recall", "f1", "mae"]


def batches(seed: int, n_classes: int, sizes: list[int], one_hot: bool, flat: bool):
    rng = np.random.default_rng(seed)
    for size in sizes:
        labels = rng.integers(0, min(n_classes, 2) if seed % 3 == 0 else n_classes, size)
        target = np.eye(n_classes)[labels] if one_hot else labels
        if flat:
            yield rng.integers(0, 2, size), rng.uniform(0, 1, size).astype(np.float32)
        else:
            yield target, rng.normal(size=(size, n_classes)).astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(2, 6),
    st.lists(st.integers(1, 7), min_size=1, max_size=5),
    st.booleans(),
    st.booleans(),
    st.sampled_from(NAMES[:4]),
)
def test_accumulated_metric_equals_the_metric_on_the_whole_epoch(
    seed, n_classes, sizes, one_hot, flat, name
):
    metric = metrics.get_metric(name)
    accumulated = MetricAccumulator("test", [metric])
    targets, outputs = [], []
    for target, output in batches(seed, n_classes, sizes, one_hot and not flat, flat):
        accumulated.add(rg.tensor(target), rg.tensor(output))
        targets.append(target)
        outputs.append(output)
    expected = metric(np.concatenate(targets), np.concatenate(outputs))
    assert accumulated.result() == {name: pytest.approx(expected)}


def test_other_metrics_still_see_the_whole_epoch():
    def total(y_true, y_pred):
        return float(np.sum(y_pred))

    accumulated = MetricAccumulator("test", [metrics.get_metric("mae"), metrics.get_metric(total)])
    accumulated.add(rg.tensor([[1.0], [2.0]]), rg.tensor([[1.5], [2.0]]))
    accumulated.add(rg.tensor([[0.0]]), rg.tensor([[1.0]]))
    assert accumulated.result() == {"mae": pytest.approx(0.5), "total": pytest.approx(4.5)}


def test_label_metrics_keep_no_scores():
    accumulated = MetricAccumulator("test", [metrics.get_metric("accuracy")])
    scores = np.zeros((16, 1000), dtype=np.float32)
    accumulated.add(rg.tensor(np.arange(16)), rg.tensor(scores))
    kept = [a for parts in accumulated.compact.values() for p in parts for a in p]
    assert accumulated.outputs == []
    assert all(a.shape == (16,) for a in kept)


@pytest.mark.parametrize("run", ["fit", "evaluate"])
def test_memory_of_epoch_metrics_does_not_grow_with_rows_times_classes(run):
    """1024 rows x 20,000 classes of float32 outputs are 82 MB; the metric keeps 1024 labels."""
    rows, classes = 1024, 20_000
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 2)).astype(np.float32)
    y = rng.integers(0, classes, rows)
    rg.manual_seed(0)
    model = nn.Linear(2, classes)
    loss_fn = nn.CrossEntropyLoss()
    tracemalloc.start()
    try:
        if run == "fit":
            optimizer = rg.optim.SGD(model.parameters(), lr=0.01)
            history = fit(
                model,
                loss_fn,
                optimizer,
                x=x,
                y=y,
                batch_size=32,
                metrics=["accuracy", "f1"],
                verbose=0,
            )
            assert 0.0 <= history.history["accuracy"][0] <= 1.0
        else:
            logs = evaluate(model, loss_fn, x=x, y=y, batch_size=32, metrics=["accuracy"])
            assert 0.0 <= logs["accuracy"] <= 1.0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    all_outputs = rows * classes * 4
    assert peak < all_outputs / 4, f"peak {peak / 1e6:.1f} MB for {all_outputs / 1e6:.1f} MB"
