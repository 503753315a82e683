"""LBFGS against torch.optim.LBFGS: the same iterates, losses and evaluation counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import optim
from retrograd.optim import OptimizerError, OptimizerStateDictError

from .helpers import to_numpy, to_torch

LINE_SEARCHES = [None, "strong_wolfe"]
RTOL = 1e-10  # last-bit differences (BLAS dot products, fused multiply-adds) grow a little
ATOL = 1e-12


def rosenbrock(x: np.ndarray) -> tuple[float, np.ndarray]:
    """The extended Rosenbrock function and its gradient, in NumPy: both libraries get the
    same numbers, so only the optimizers' arithmetic can differ."""
    r = x[1:] - x[:-1] ** 2
    loss = float((100 * r**2 + (1 - x[:-1]) ** 2).sum())
    grad = np.zeros_like(x)
    grad[:-1] += -400 * x[:-1] * r - 2 * (1 - x[:-1])
    grad[1:] += 200 * r
    return loss, grad


def numpy_closure(lib: Any, param: Any, optimizer: Any) -> Callable[[], Any]:
    def closure() -> Any:
        optimizer.zero_grad()
        loss, grad = rosenbrock(np.array(param.detach().numpy() if lib is torch else param.array))
        param.grad = lib.tensor(grad)
        return lib.tensor(loss, dtype=lib.float64)

    return closure


def assert_same_state(ours: dict[str, Any], theirs: dict[str, Any], where: str) -> None:
    assert ours["func_evals"] == theirs["func_evals"], f"{where}: func_evals"
    assert ours["n_iter"] == theirs["n_iter"], f"{where}: n_iter"
    for key in ("d", "prev_flat_grad"):
        if key in theirs:
            np.testing.assert_allclose(
                ours[key], theirs[key].numpy(), rtol=RTOL, atol=ATOL, err_msg=f"{where}: {key}"
            )
    if "old_dirs" in theirs:
        assert len(ours["old_dirs"]) == len(theirs["old_dirs"]), f"{where}: history length"


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
@pytest.mark.parametrize(
    ("start", "options"),
    [
        ([-1.2, 1.0], {}),
        ([-1.2, 1.0, -0.5, 0.8, 0.3, 1.1], {"history_size": 3, "max_iter": 7}),
        ([0.5, 0.5, 0.5], {"max_iter": 4, "max_eval": 6}),
    ],
    ids=["2d", "6d-short-history", "few-evaluations"],
)
def test_rosenbrock_steps_match_torch(start, options, line_search_fn):
    lr = 1.0 if line_search_fn else 1e-3
    kwargs = {"lr": lr, "line_search_fn": line_search_fn, **options}
    ours = rg.tensor(np.array(start), requires_grad=True)
    theirs = torch.tensor(np.array(start), requires_grad=True)
    our_optimizer = optim.LBFGS([ours], **kwargs)
    their_optimizer = torch.optim.LBFGS([theirs], **kwargs)
    our_closure = numpy_closure(rg, ours, our_optimizer)
    their_closure = numpy_closure(torch, theirs, their_optimizer)
    for step in range(3):
        our_loss = our_optimizer.step(our_closure)
        their_loss = their_optimizer.step(their_closure)
        where = f"LBFGS({kwargs}) step {step + 1}"
        np.testing.assert_allclose(float(our_loss), float(their_loss), rtol=RTOL, err_msg=where)
        np.testing.assert_allclose(
            ours.array, theirs.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=where
        )
        assert_same_state(our_optimizer.state[ours], their_optimizer.state[theirs], where)


def regression_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 5))
    w = rng.standard_normal((5, 1))
    y = x @ w + 0.1 * rng.standard_normal((40, 1))
    return x, y, (y > 0).astype(np.float64)


def least_squares(lib: Any, x: Any, y: Any, _labels: Any, w: Any, b: Any) -> Any:
    return ((x @ w + b - y) ** 2).mean()


def logistic(lib: Any, x: Any, _y: Any, labels: Any, w: Any, b: Any) -> Any:
    logits = x @ w + b
    return lib.nn.functional.binary_cross_entropy_with_logits(logits, labels) + 0.01 * (w**2).sum()


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
@pytest.mark.parametrize("loss_fn", [least_squares, logistic], ids=["least-squares", "logistic"])
def test_models_trained_through_autograd_match_torch(loss_fn, line_search_fn):
    x_values, y_values, labels = regression_data()
    start_w = np.random.default_rng(1).standard_normal((5, 1)) * 0.1
    kwargs = {"lr": 1.0 if line_search_fn else 0.2, "max_iter": 5, "history_size": 4}
    results = {}
    for lib in (rg, torch):
        w = lib.tensor(start_w.copy(), requires_grad=True)
        b = lib.tensor(np.zeros(1), requires_grad=True)
        optimizer = lib.optim.LBFGS([w, b], line_search_fn=line_search_fn, **kwargs)
        x, y, t = lib.tensor(x_values), lib.tensor(y_values), lib.tensor(labels)

        def closure(optimizer=optimizer, x=x, y=y, t=t, w=w, b=b, lib=lib):
            optimizer.zero_grad()
            loss = loss_fn(lib, x, y, t, w, b)
            loss.backward()
            return loss

        losses = [optimizer.step(closure).item() for _ in range(4)]
        state = optimizer.state[w]
        results[lib.__name__] = (losses, np.array(w.detach().numpy()), state)
    our_losses, our_w, our_state = results["retrograd"]
    their_losses, their_w, their_state = results["torch"]
    np.testing.assert_allclose(our_losses, their_losses, rtol=RTOL)
    np.testing.assert_allclose(our_w, their_w, rtol=RTOL, atol=ATOL)
    assert_same_state(our_state, their_state, "after 4 steps")
    assert our_losses[-1] < 0.5 * our_losses[0]


def test_a_parameter_without_a_gradient_counts_as_zero_gradient():
    used = rg.tensor(np.array([3.0, -2.0]), requires_grad=True)
    unused = rg.tensor(np.array([1.0]), requires_grad=True)
    optimizer = optim.LBFGS([used, unused], line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = (used**2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    np.testing.assert_allclose(used.array, [0.0, 0.0], atol=1e-9)
    assert unused.array[0] == 1.0


def test_a_starting_point_that_is_already_optimal_returns_after_one_evaluation():
    w = rg.tensor(np.zeros(3), requires_grad=True)
    optimizer = optim.LBFGS([w])
    calls = []

    def closure():
        calls.append(1)
        optimizer.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert float(loss) == 0.0 and len(calls) == 1
    assert optimizer.state[w] == {"func_evals": 1, "n_iter": 0}


# ------------------------------------------------------------------------------- state dicts
def make_problem(lib: Any, kwargs: dict[str, Any]) -> tuple[Any, Any, Callable[[], Any]]:
    start = np.array([-1.2, 1.0, -0.5, 0.8])
    param = lib.tensor(start, requires_grad=True)
    optimizer = lib.optim.LBFGS([param], **kwargs)
    return param, optimizer, numpy_closure(lib, param, optimizer)


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_resuming_from_a_state_dict_continues_the_same_trajectory(line_search_fn):
    kwargs = {"lr": 1.0 if line_search_fn else 1e-3, "history_size": 3, "max_iter": 4}
    kwargs["line_search_fn"] = line_search_fn
    uninterrupted, optimizer, closure = make_problem(rg, kwargs)
    for _ in range(4):
        optimizer.step(closure)

    first_half, optimizer, closure = make_problem(rg, kwargs)
    for _ in range(2):
        optimizer.step(closure)
    saved = optimizer.state_dict()
    saved_weights = first_half.array.copy()
    optimizer.step(closure)  # must not leak into the saved copy

    resumed, optimizer, closure = make_problem(rg, kwargs)
    resumed.array[...] = saved_weights
    optimizer.load_state_dict(saved)
    for _ in range(2):
        optimizer.step(closure)
    np.testing.assert_array_equal(resumed.array, uninterrupted.array)


def test_a_checkpoint_file_keeps_the_history(tmp_path):
    kwargs = {"history_size": 3, "max_iter": 4, "line_search_fn": "strong_wolfe"}
    model = rg.nn.Linear(4, 1).double()
    param, optimizer, closure = make_problem(rg, kwargs)
    optimizer.step(closure)
    rg.io.save_checkpoint(tmp_path / "run.ckpt", model=model, optimizer=optimizer, epoch=1)
    resumed = optim.LBFGS([param], **kwargs)
    rg.io.load_checkpoint(tmp_path / "run.ckpt", model=model, optimizer=resumed)
    saved, loaded = optimizer.state[param], resumed.state[param]
    assert sorted(saved) == sorted(loaded)
    for key in ("d", "prev_flat_grad", "old_dirs", "old_stps", "ro", "H_diag", "t"):
        np.testing.assert_array_equal(np.asarray(loaded[key]), np.asarray(saved[key]), key)


def test_a_torch_state_dict_loads_and_continues_torchs_trajectory():
    kwargs = {"lr": 1.0, "history_size": 3, "max_iter": 4, "line_search_fn": "strong_wolfe"}
    theirs, their_optimizer, their_closure = make_problem(torch, kwargs)
    for _ in range(2):
        their_optimizer.step(their_closure)
    ours, our_optimizer, our_closure = make_problem(rg, kwargs)
    ours.array[...] = theirs.detach().numpy()
    saved = to_numpy(their_optimizer.state_dict())
    our_optimizer.load_state_dict(saved)
    assert sorted(our_optimizer.state_dict()["state"][0]) == sorted(saved["state"][0])
    for _ in range(2):
        our_optimizer.step(our_closure)
        their_optimizer.step(their_closure)
    np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=RTOL, atol=ATOL)
    assert_same_state(our_optimizer.state[ours], their_optimizer.state[theirs], "resumed")

    # and retrograd's state loads into torch
    their_optimizer.load_state_dict(to_torch(our_optimizer.state_dict()))
    assert their_optimizer.state[theirs]["n_iter"] == our_optimizer.state[ours]["n_iter"]


def test_a_state_dict_for_other_parameter_sizes_is_refused():
    param, optimizer, closure = make_problem(rg, {"max_iter": 2})
    optimizer.step(closure)
    saved = optimizer.state_dict()
    other = rg.tensor(np.zeros(5), requires_grad=True)
    with pytest.raises(OptimizerStateDictError, match="'d' of parameter 0 has shape"):
        optim.LBFGS([other]).load_state_dict(saved)


# -------------------------------------------------------------------------------- validation
def test_invalid_learning_rate_raises_torchs_value_error():
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], lr=-1.0)
    with pytest.raises(OptimizerError) as ours:
        optim.LBFGS([rg.zeros(2, requires_grad=True)], lr=-1.0)
    assert str(ours.value) == str(theirs.value)


def test_parameter_groups_are_refused_like_torch():
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)]},
        {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.1},
    ]
    with pytest.raises(ValueError) as theirs:
        torch.optim.LBFGS(groups)
    ours_groups = [
        {"params": [rg.zeros(1, requires_grad=True)]},
        {"params": [rg.zeros(1, requires_grad=True)], "lr": 0.1},
    ]
    with pytest.raises(OptimizerError) as ours:
        optim.LBFGS(ours_groups)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"line_search_fn": "backtracking"}, "line_search_fn must be None or 'strong_wolfe'"),
        ({"history_size": 0}, "history_size must be a positive integer"),
        ({"max_iter": 2.5}, "max_iter must be a positive integer"),
    ],
)
def test_bad_options_are_refused_when_the_optimizer_is_built(kwargs, match):
    with pytest.raises(OptimizerError, match=match):
        optim.LBFGS([rg.zeros(2, requires_grad=True)], **kwargs)


def test_step_without_a_closure_is_refused():
    optimizer = optim.LBFGS([rg.zeros(2, requires_grad=True)])
    with pytest.raises(OptimizerError, match="needs a closure"):
        optimizer.step()


def test_default_max_eval_is_five_quarters_of_max_iter():
    optimizer = optim.LBFGS([rg.zeros(2, requires_grad=True)], max_iter=10)
    assert optimizer.param_groups[0]["max_eval"] == 12
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)], max_iter=10)
    assert theirs.param_groups[0] == {
        **optimizer.param_groups[0],
        "params": theirs.param_groups[0]["params"],
    }


# ------------------------------------------------------------------ a PyTorch training script
@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_a_pytorch_training_script_with_a_closure_runs(line_search_fn):
    torch_like = rg
    rng = np.random.default_rng(0)
    x = torch_like.tensor(rng.standard_normal((64, 3)))
    y = torch_like.tensor(rng.standard_normal((64, 1)))
    model = torch_like.nn.Sequential(
        torch_like.nn.Linear(3, 8), torch_like.nn.Tanh(), torch_like.nn.Linear(8, 1)
    ).double()
    loss_fn = torch_like.nn.MSELoss()
    optimizer = torch_like.optim.LBFGS(
        model.parameters(), lr=1 if line_search_fn else 0.1, line_search_fn=line_search_fn
    )

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    losses = [optimizer.step(closure).item() for _ in range(5)]
    assert all(np.isfinite(losses))
    assert losses[-1] < losses[0]
