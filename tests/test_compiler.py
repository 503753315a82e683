"""`retrograd.compile`: replaying a captured step gives exactly the eager numbers, and steps
that cannot be replayed safely run eagerly with a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import retrograd as rg
from retrograd import nn, optim


def _seed_network() -> tuple[nn.Module, optim.Optimizer]:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())
    return model, optim.SGD(model.parameters(), lr=0.5, momentum=0.9)


def _train(make, loss_fn, batches, compiled: bool, epochs: int = 1):
    model, opt = make()

    def step(x, t):
        opt.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        opt.step()
        return loss

    run = rg.compile(step) if compiled else step
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the recording of a new batch shape warns
        for _ in range(epochs):
            for x, t in batches:
                losses.append(run(x, t).array.copy())
    return [p.array.copy() for p in model.parameters()], losses, run


def test_seed_network_replay_equals_eager_bit_for_bit() -> None:
    X, y = (rg.tensor(a) for a in rg.datasets.seed())
    eager, eager_losses, _ = _train(_seed_network, nn.MSELoss(), [(X, y)] * 60, compiled=False)
    replay, replay_losses, run = _train(_seed_network, nn.MSELoss(), [(X, y)] * 60, compiled=True)
    assert run.captured, (run.eager_reason, run.log, run.n_recordings, run.recordings)
    for a, b in zip(eager, replay):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.array(eager_losses), np.array(replay_losses))


def _classifier() -> tuple[nn.Module, optim.Optimizer]:
    rg.manual_seed(1)
    model = nn.Sequential(
        nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 5)
    )
    return model, optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)


def test_minibatches_with_a_smaller_last_batch_equal_eager() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 16)).astype(np.float32)
    y = rng.integers(0, 5, 100)
    batches = [(rg.tensor(X[i : i + 32]), rg.tensor(y[i : i + 32])) for i in range(0, 100, 32)]
    eager, _, _ = _train(_classifier, nn.CrossEntropyLoss(), batches, compiled=False, epochs=4)
    replay, _, run = _train(_classifier, nn.CrossEntropyLoss(), batches, compiled=True, epochs=4)
    assert run.captured and len(run.tapes) == 2  # batch of 32 and the last batch of 4
    for a, b in zip(eager, replay):
        np.testing.assert_array_equal(a, b)


def test_new_input_shape_is_recorded_again_with_a_warning() -> None:
    model, opt = _seed_network()

    @rg.compile
    def step(x, t):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), t)
        loss.backward()
        opt.step()
        return loss

    X, y = (rg.tensor(a) for a in rg.datasets.seed())
    step(X, y)
    step(X, y)
    with pytest.warns(UserWarning, match="new input shapes"):
        step(X[:4], y[:4])


def _assert_runs_eagerly(step, *args, reason: str) -> None:
    with pytest.warns(UserWarning, match=reason):
        step(*args)
    assert not step.captured
    step(*args)  # later calls run eagerly, silently


def test_random_numbers_inside_the_step_keep_it_eager() -> None:
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 1))
    X, y = (rg.tensor(a) for a in rg.datasets.seed())
    step = rg.compile(lambda x, t: nn.functional.mse_loss(model(x), t))
    _assert_runs_eagerly(step, X, y, reason="random numbers")


def test_python_values_inside_the_step_keep_it_eager() -> None:
    model, _ = _seed_network()
    X, y = (rg.tensor(a) for a in rg.datasets.seed())

    def step(x, t):
        loss = nn.functional.mse_loss(model(x), t)
        if loss.item() > 100:  # control flow on a value
            loss = loss * 0
        return loss

    _assert_runs_eagerly(rg.compile(step), X, y, reason="Python value")


def test_in_place_statistics_keep_it_eager() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1))
    X, y = (rg.tensor(a) for a in rg.datasets.seed())
    step = rg.compile(lambda x, t: nn.functional.mse_loss(model(x), t))
    _assert_runs_eagerly(step, X, y, reason="in-place")


def test_numpy_constants_inside_the_step_keep_it_eager() -> None:
    model, _ = _seed_network()
    X, y = (rg.tensor(a) for a in rg.datasets.seed())

    def step(x, t):
        shift = rg.tensor(x.numpy().mean(axis=0))  # computed outside the ops
        return nn.functional.mse_loss(model(x - shift), t)

    _assert_runs_eagerly(rg.compile(step), X, y, reason=r"numpy\(\) .* at .*test_compiler")

    global_mean = X.array.mean(axis=0)

    def step_with_global(x, t):  # NumPy data made outside the step, not read from a tensor
        return nn.functional.mse_loss(model(x - rg.tensor(global_mean)), t)

    _assert_runs_eagerly(rg.compile(step_with_global), X, y, reason="constant")


def test_replay_recomputes_data_dependent_masks() -> None:
    # leaky_relu's mask comes from a comparison: it must follow the new input on replay
    rg.manual_seed(0)
    w = rg.randn(4, 4)
    step = rg.compile(lambda x: (nn.functional.leaky_relu(x @ w, 0.1) ** 2).sum())
    first, second = rg.randn(3, 4), rg.randn(3, 4)
    step(first)
    replayed = step(second)
    assert step.captured
    np.testing.assert_allclose(
        replayed.array, (nn.functional.leaky_relu(second @ w, 0.1) ** 2).sum().array, rtol=1e-6
    )


def test_lstm_with_zero_initial_state_is_captured_and_equals_eager() -> None:
    def make():
        rg.manual_seed(0)
        model = nn.LSTM(4, 6, batch_first=True)
        head = nn.Linear(6, 1)
        params = list(model.parameters()) + list(head.parameters())
        return (model, head), optim.SGD(params, lr=0.1)

    rng = np.random.default_rng(0)
    x = rg.tensor(rng.standard_normal((3, 5, 4)).astype(np.float32))
    t = rg.tensor(rng.standard_normal((3, 1)).astype(np.float32))
    results = []
    for compiled in (False, True):
        (lstm, head), opt = make()

        def step(x, t, lstm=lstm, head=head, opt=opt):
            opt.zero_grad()
            out, _ = lstm(x)
            loss = nn.functional.mse_loss(head(out[:, -1]), t)
            loss.backward()
            opt.step()
            return loss

        run = rg.compile(step) if compiled else step
        for _ in range(5):
            run(x, t)
        if compiled:
            assert run.captured
        results.append([p.array.copy() for p in list(lstm.parameters()) + list(head.parameters())])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_custom_functions_inside_the_step_keep_it_eager() -> None:
    class Double(rg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    model, _ = _seed_network()
    X, y = (rg.tensor(a) for a in rg.datasets.seed())
    step = rg.compile(lambda x, t: nn.functional.mse_loss(Double.apply(model(x)), t))
    _assert_runs_eagerly(step, X, y, reason="custom Function Double")


def _fan_out_step(model: nn.Module, retain: bool):
    """One activation used several times (sums of gradients), sliced twice (scatters into one
    buffer), and — with `retain` — a second backward through the same graph."""

    def step(x):
        h = model(x)
        loss = (h * h).mean() + h[:, :2].sum() * 0.5 + h[0].mean() + (h[1:] ** 3).sum() * 0.1
        loss.backward(retain_graph=retain)
        if retain:
            (h[:, 1] * 2).sum().backward()
        return loss, h

    return step


@pytest.mark.parametrize("retain", [False, True])
def test_joins_scatters_and_accumulated_grads_equal_eager_bit_for_bit(retain: bool) -> None:
    x = rg.tensor(np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32))
    results = []
    for compiled in (False, True):
        rg.manual_seed(2)
        model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
        step = _fan_out_step(model, retain)
        run = rg.compile(step) if compiled else step
        outputs = [run(x) for _ in range(4)]  # no zero_grad: .grad accumulates over calls
        if compiled:
            assert run.captured and "def replay" in run.source
        results.append(
            (
                [p.grad.array.copy() for p in model.parameters()],
                [(a.array, b.array) for a, b in outputs],
            )
        )
    (eager_grads, eager_out), (replay_grads, replay_out) = results
    for a, b in zip(eager_grads, replay_grads):
        np.testing.assert_array_equal(a, b)
    for (loss_a, h_a), (loss_b, h_b) in zip(eager_out, replay_out):
        np.testing.assert_array_equal(loss_a, loss_b)
        np.testing.assert_array_equal(h_a, h_b)


def test_returned_tensors_are_not_overwritten_by_the_next_replay() -> None:
    model, opt = _seed_network()
    X, y = (rg.tensor(a) for a in rg.datasets.seed())

    @rg.compile
    def step(x, t):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), t)
        loss.backward()
        opt.step()
        return loss

    losses = [step(X, y) for _ in range(4)]
    values = [float(loss.array) for loss in losses]
    assert len(set(values)) == 4 and values == sorted(values, reverse=True)
    grads = [p.grad for p in model.parameters()]
    step(X, y)
    assert all(p.grad is not g for p, g in zip(model.parameters(), grads))


def test_replay_frees_activations_after_the_step() -> None:
    import tracemalloc

    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU())
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = rg.randn(2000, 64)  # each activation is 2000 x 256 float32 = 2 MB

    @rg.compile
    def step(x):
        opt.zero_grad()
        loss = model(x).mean()
        loss.backward()
        opt.step()
        return loss

    step(x)
    step(x)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        step(x)
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert retained < 1_000_000  # gradients replace gradients; no activation is kept
