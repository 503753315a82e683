"""Normalisation layers and functions against PyTorch (forward, input and parameter gradients,
running statistics), the fused `Normalize` against its composite, and the error messages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import assert_close as assert_same
from helpers import check
from retrograd import DTypeError, ShapeError
from retrograd.nn.functional import normalization as F
from retrograd.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm
from retrograd.ops.normalization import Normalize
from retrograd.tensor import apply

from .torch_modules import assert_close, compare_modules, copy_to_torch

seeds = st.integers(0, 2**16)


def _random_affine(module: Any, seed: int) -> None:
    """Give weight and bias random values, so the affine part is tested beyond ones and zeros."""
    rng = np.random.default_rng(seed)
    for param in module.parameters():
        param.array[...] = rng.uniform(0.5, 1.5, param.shape)


def _compare_buffers(ours: Any, theirs: torch.nn.Module) -> None:
    their_buffers = dict(theirs.named_buffers())
    assert [name for name, _ in ours.named_buffers()] == list(their_buffers)
    for name, buffer in ours.named_buffers():
        assert_close(buffer, their_buffers[name])


# ---------------------------------------------------------------------- BatchNorm
@settings(max_examples=25)
@given(
    two_d=st.booleans(),
    length=st.integers(1, 4),
    n=st.integers(2, 4),
    channels=st.integers(1, 4),
    momentum=st.sampled_from([0.1, 0.3, None]),
    affine=st.booleans(),
    bias=st.booleans(),
    track=st.booleans(),
    seed=seeds,
)
def test_batch_norm_1d_matches_torch_over_training_steps_and_eval(
    two_d: bool,
    length: int,
    n: int,
    channels: int,
    momentum: float | None,
    affine: bool,
    bias: bool,
    track: bool,
    seed: int,
) -> None:
    options = dict(momentum=momentum, affine=affine, track_running_stats=track, bias=bias)
    ours = BatchNorm1d(channels, dtype="float64", **options)  # type: ignore[arg-type]
    theirs = torch.nn.BatchNorm1d(channels, **options)  # type: ignore[arg-type]
    _random_affine(ours, seed)
    copy_to_torch(ours, theirs)
    shape = (n, channels) if two_d else (n, channels, length)
    rng = np.random.default_rng(seed)
    for step, training in enumerate([True, True, True, False]):
        ours.train(training)
        theirs.train(training)
        x = rng.normal(1.0, 2.0, shape)
        compare_modules(ours, theirs, x, seed=seed + step)
        _compare_buffers(ours, theirs)


@settings(max_examples=20)
@given(
    n=st.integers(1, 3),
    channels=st.integers(1, 3),
    height=st.integers(1, 3),
    width=st.integers(2, 3),
    momentum=st.sampled_from([0.1, None]),
    affine=st.booleans(),
    track=st.booleans(),
    seed=seeds,
)
def test_batch_norm_2d_matches_torch_over_training_steps_and_eval(
    n: int,
    channels: int,
    height: int,
    width: int,
    momentum: float | None,
    affine: bool,
    track: bool,
    seed: int,
) -> None:
    options = dict(momentum=momentum, affine=affine, track_running_stats=track)
    ours = BatchNorm2d(channels, dtype="float64", **options)  # type: ignore[arg-type]
    theirs = torch.nn.BatchNorm2d(channels, **options)  # type: ignore[arg-type]
    _random_affine(ours, seed)
    copy_to_torch(ours, theirs)
    rng = np.random.default_rng(seed)
    for step, training in enumerate([True, True, False]):
        ours.train(training)
        theirs.train(training)
        compare_modules(ours, theirs, rng.normal(0, 3, (n, channels, height, width)), seed + step)
        _compare_buffers(ours, theirs)


def test_batch_norm_running_stats_by_hand() -> None:
    """One step of momentum 0.1 from (0, 1): the mean moves by 0.1 * batch mean, the variance
    towards the unbiased batch variance; normalising uses the biased one."""
    layer = BatchNorm1d(1, dtype="float64")
    x = rg.tensor(np.array([[1.0], [2.0], [3.0], [6.0]]))
    out = layer(x)
    # batch mean 3, biased variance 3.5, unbiased 14 / 3
    np.testing.assert_allclose(out.array[:, 0], (x.array[:, 0] - 3) / np.sqrt(3.5 + 1e-5))
    np.testing.assert_allclose(layer.running_mean.array, [0.3])
    np.testing.assert_allclose(layer.running_var.array, [0.9 + 0.1 * 14 / 3])
    assert layer.num_batches_tracked.item() == 1 and layer.num_batches_tracked.dtype == np.int64
    layer.eval()
    expected = (x.array - 0.3) / np.sqrt(0.9 + 0.1 * 14 / 3 + 1e-5)
    np.testing.assert_allclose(layer(x).array, expected)
    assert layer.num_batches_tracked.item() == 1  # eval leaves the stats alone


def test_batch_norm_cumulative_average_with_momentum_none() -> None:
    layer = BatchNorm1d(2, momentum=None, dtype="float64")
    batches = [np.random.default_rng(i).normal(i, 1 + i, (5, 2)) for i in range(3)]
    for batch in batches:
        layer(rg.tensor(batch))
    np.testing.assert_allclose(layer.running_mean.array, np.mean([b.mean(0) for b in batches], 0))
    np.testing.assert_allclose(
        layer.running_var.array, np.mean([b.var(0, ddof=1) for b in batches], 0)
    )
    assert layer.num_batches_tracked.item() == 3


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval() -> None:
    layer = BatchNorm2d(3, track_running_stats=False, affine=False, dtype="float64").eval()
    assert layer.running_mean is None and list(layer.state_dict()) == []
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2))
    expected = TF.batch_norm(torch.tensor(x), None, None, training=True)
    assert_close(layer(rg.tensor(x)), expected)


def test_batch_norm_reset_running_stats() -> None:
    layer = BatchNorm1d(2)
    layer(rg.tensor(np.random.default_rng(0).normal(5, 2, (4, 2)).astype(np.float32)))
    layer.reset_running_stats()
    np.testing.assert_array_equal(layer.running_mean.array, [0, 0])
    np.testing.assert_array_equal(layer.running_var.array, [1, 1])
    assert layer.num_batches_tracked.item() == 0


# ------------------------------------------------------------- LayerNorm, GroupNorm, RMSNorm
@settings(max_examples=25)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    normalized=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    affine=st.booleans(),
    bias=st.booleans(),
    eps=st.sampled_from([1e-5, 0.1]),
    seed=seeds,
)
def test_layer_norm_matches_torch(
    batch: list[int], normalized: list[int], affine: bool, bias: bool, eps: float, seed: int
) -> None:
    shape = tuple(normalized)
    ours = LayerNorm(shape, eps=eps, elementwise_affine=affine, bias=bias, dtype="float64")
    theirs = torch.nn.LayerNorm(shape, eps=eps, elementwise_affine=affine, bias=bias)
    _random_affine(ours, seed)
    copy_to_torch(ours, theirs)
    x = np.random.default_rng(seed).normal(1, 2, (*batch, *shape))
    compare_modules(ours, theirs, x, seed)


@settings(max_examples=25)
@given(
    n=st.integers(1, 3),
    groups=st.integers(1, 3),
    per_group=st.integers(1, 3),
    spatial=st.lists(st.integers(1, 3), max_size=2),
    affine=st.booleans(),
    seed=seeds,
)
def test_group_norm_matches_torch(
    n: int, groups: int, per_group: int, spatial: list[int], affine: bool, seed: int
) -> None:
    channels = groups * per_group
    shape = (n, channels, *spatial)
    assume(n * per_group * int(np.prod(spatial)) > 1)  # else refused, as by PyTorch (below)
    ours = GroupNorm(groups, channels, affine=affine, dtype="float64")
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine)
    _random_affine(ours, seed)
    copy_to_torch(ours, theirs)
    compare_modules(ours, theirs, np.random.default_rng(seed).normal(0, 2, shape), seed)


@settings(max_examples=25)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    normalized=st.lists(st.integers(1, 4), min_size=1, max_size=2),
    eps=st.sampled_from([None, 1e-6, 0.5]),
    affine=st.booleans(),
    seed=seeds,
)
def test_rms_norm_matches_torch(
    batch: list[int], normalized: list[int], eps: float | None, affine: bool, seed: int
) -> None:
    shape = tuple(normalized)
    ours = RMSNorm(shape, eps=eps, elementwise_affine=affine, dtype="float64")
    theirs = torch.nn.RMSNorm(shape, eps=eps, elementwise_affine=affine)
    _random_affine(ours, seed)
    copy_to_torch(ours, theirs)
    compare_modules(ours, theirs, np.random.default_rng(seed).normal(0, 2, (*batch, *shape)), seed)


# ---------------------------------------------------------------------- functional forms
def test_functional_forms_match_torch_with_finite_differences() -> None:
    check(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        (4, 3, 2),
        (3,),
        (3,),
        torch_fn=lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
    )
    mean, var = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    check(
        lambda x, w: F.batch_norm(
            x, rg.tensor(mean, device=x.device), rg.tensor(var, device=x.device), w, training=False
        ),
        (3, 2),
        (2,),
        torch_fn=lambda x, w: TF.batch_norm(x, torch.tensor(mean), torch.tensor(var), w),
    )
    check(
        lambda x, w, b: F.layer_norm(x, (2, 3), w, b, eps=1e-3),
        (2, 2, 3),
        (2, 3),
        (2, 3),
        torch_fn=lambda x, w, b: TF.layer_norm(x, (2, 3), w, b, eps=1e-3),
    )
    check(
        lambda x, w, b: F.group_norm(x, 2, w, b),
        (2, 4, 3),
        (4,),
        (4,),
        torch_fn=lambda x, w, b: TF.group_norm(x, 2, w, b),
    )
    check(
        lambda x, w: F.rms_norm(x, [3], w),
        (2, 3),
        (3,),
        torch_fn=lambda x, w: TF.rms_norm(x, [3], w),
    )


def test_functional_batch_norm_updates_running_stats_like_torch() -> None:
    x = np.random.default_rng(1).normal(2, 3, (5, 3, 2))
    ours = [rg.zeros(3, dtype="float64"), rg.ones(3, dtype="float64")]
    theirs = [torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)]
    out = F.batch_norm(rg.tensor(x), *ours, training=True, momentum=0.25)
    expected = TF.batch_norm(torch.tensor(x), *theirs, training=True, momentum=0.25)
    assert_close(out, expected)
    for a, b in zip(ours, theirs):
        assert_close(a, b)


@settings(max_examples=20)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    data=st.data(),
    eps=st.sampled_from([1e-5, 1.0]),
    seed=seeds,
)
def test_fused_normalize_equals_the_composite(
    shape: list[int], data: Any, eps: float, seed: int
) -> None:
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    rng = np.random.default_rng(seed)
    x_value, upstream = rng.normal(0, 2, shape), rng.standard_normal(shape)
    fused_x = rg.tensor(x_value, requires_grad=True)
    composite_x = rg.tensor(x_value, requires_grad=True)
    fused = apply(Normalize, fused_x, axes=axes, eps=eps)
    centred = composite_x - composite_x.mean(axes, keepdim=True)
    composite = centred / (composite_x.var(axes, keepdim=True, correction=0) + eps).sqrt()
    assert_same(fused, composite, what="forward")
    fused.backward(upstream)
    composite.backward(upstream)
    assert_same(fused_x.grad, composite_x.grad, what="input gradient")


def test_float32_in_float32_out() -> None:
    x = rg.randn(4, 3, 2)
    for layer in (BatchNorm1d(3), LayerNorm(2), GroupNorm(3, 3), RMSNorm(2)):
        assert layer(x).dtype == np.float32
        assert all(p.dtype == np.float32 for p in layer.parameters())


# ---------------------------------------------------------------------- gradcheck
@pytest.mark.parametrize(
    ("layer", "shape"),
    [
        (lambda: BatchNorm1d(2, dtype="float64"), (3, 2, 2)),
        (lambda: BatchNorm2d(2, dtype="float64"), (2, 2, 2, 1)),
        (lambda: LayerNorm((2, 2), dtype="float64"), (2, 2, 2)),
        (lambda: GroupNorm(2, 4, dtype="float64"), (2, 4, 2)),
        (lambda: RMSNorm(3, dtype="float64"), (2, 3)),
    ],
)
def test_gradcheck(layer: Any, shape: tuple[int, ...]) -> None:
    module = layer()
    _random_affine(module, 0)
    x = rg.tensor(np.random.default_rng(0).normal(0, 2, shape), requires_grad=True)
    assert rg.gradcheck(module, (x,))


# ---------------------------------------------------------------------- state dicts and repr
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: BatchNorm1d(3), lambda: torch.nn.BatchNorm1d(3)),
        (lambda: BatchNorm2d(3, affine=False), lambda: torch.nn.BatchNorm2d(3, affine=False)),
        (lambda: BatchNorm2d(2, bias=False), lambda: torch.nn.BatchNorm2d(2, bias=False)),
        (lambda: LayerNorm((2, 3)), lambda: torch.nn.LayerNorm((2, 3))),
        (lambda: LayerNorm(4, bias=False), lambda: torch.nn.LayerNorm(4, bias=False)),
        (lambda: GroupNorm(2, 6), lambda: torch.nn.GroupNorm(2, 6)),
        (lambda: RMSNorm([2, 2], eps=1e-6), lambda: torch.nn.RMSNorm([2, 2], eps=1e-6)),
    ],
)
def test_state_dict_and_repr_match_torch(ours: Any, theirs: Any) -> None:
    our_module, their_module = ours(), theirs()
    assert repr(our_module) == repr(their_module)
    ours_state, theirs_state = our_module.state_dict(), their_module.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in theirs_state.items():
        assert ours_state[key].shape == tuple(value.shape), key
        assert ours_state[key].dtype == value.numpy().dtype, key
    # torch -> ours: values with an offset, so the copy is visible
    changed = {k: v + 1 if v.is_floating_point() else v + 7 for k, v in theirs_state.items()}
    our_module.load_state_dict(changed)
    for key, value in changed.items():
        np.testing.assert_array_equal(our_module.state_dict()[key].array, value.numpy())
    # ours -> torch
    their_module.load_state_dict({k: torch.tensor(v.array) for k, v in ours_state.items()})
    for key, value in their_module.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), our_module.state_dict()[key].array)


def test_trained_torch_batch_norm_loads_into_ours_for_eval() -> None:
    theirs = torch.nn.BatchNorm2d(3).double()
    for i in range(3):
        theirs(torch.randn(4, 3, 2, 2, dtype=torch.float64) * (i + 1) + i)
    theirs.eval()
    ours = BatchNorm2d(3, dtype="float64")
    ours.load_state_dict(theirs.state_dict())
    assert ours.num_batches_tracked.item() == 3
    ours.eval()
    compare_modules(ours, theirs, np.random.default_rng(0).standard_normal((2, 3, 2, 2)))


def test_double_casts_running_stats_but_not_the_counter() -> None:
    layer = BatchNorm1d(2).double()
    assert layer.running_mean.dtype == np.float64 and layer.weight.dtype == np.float64
    assert layer.num_batches_tracked.dtype == np.int64


# ---------------------------------------------------------------------- errors
def _raises(error: type[Exception], call: Any, *fragments: str) -> None:
    with pytest.raises(error) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_batch_norm_errors_name_the_layer_expected_and_got() -> None:
    layer = BatchNorm1d(3)
    _raises(ShapeError, lambda: layer(rg.randn(2, 3, 4, 5)), "BatchNorm1d(3", "2D or 3D", "4D")
    _raises(ShapeError, lambda: layer(rg.randn(4, 5)), "BatchNorm1d(3", "3 channels", "(4, 5)")
    _raises(
        ValueError,
        lambda: layer(rg.randn(1, 3)),
        "BatchNorm1d(3",
        "Expected more than 1 value per channel when training",
        "(1, 3)",
    )
    assert layer.num_batches_tracked.item() == 0  # nothing moved on a refused batch
    layer.eval()
    assert layer(rg.randn(1, 3)).shape == (1, 3)  # eval mode takes a single sample
    _raises(ShapeError, lambda: BatchNorm2d(3)(rg.randn(2, 3, 4)), "BatchNorm2d(3", "4D", "3D")
    _raises(DTypeError, lambda: layer(rg.randn(2, 3, dtype="float64")), "float32", "float64")
    _raises(DTypeError, lambda: layer(rg.tensor([[1, 2, 3], [4, 5, 6]])), "floating", "int64")
    _raises(TypeError, lambda: layer(np.zeros((2, 3))), "retrograd Tensor", "ndarray")


def test_functional_batch_norm_errors() -> None:
    x = rg.randn(4, 3)
    _raises(ShapeError, lambda: F.batch_norm(x, rg.zeros(2), rg.ones(2)), "running_mean", "(2,)")
    _raises(ValueError, lambda: F.batch_norm(x, None, None), "running_mean and running_var")
    _raises(ValueError, lambda: F.batch_norm(x, None, None, training=True, eps=0), "eps")
    _raises(ShapeError, lambda: F.batch_norm(rg.randn(3), None, None), "at least 2", "(3,)")


def test_layer_group_rms_norm_errors() -> None:
    _raises(
        ShapeError,
        lambda: LayerNorm((3, 4))(rg.randn(2, 4, 3)),
        "LayerNorm((3, 4)",
        "(*, 3, 4)",
        "(2, 4, 3)",
    )
    _raises(ShapeError, lambda: F.layer_norm(rg.randn(2, 3), [4]), "layer_norm", "(*, 4)")
    _raises(ValueError, lambda: GroupNorm(4, 6), "GroupNorm", "num_channels (6)", "num_groups (4)")
    _raises(ShapeError, lambda: GroupNorm(2, 4)(rg.randn(2, 6, 3)), "GroupNorm(2, 4", "(2, 6, 3)")
    _raises(ShapeError, lambda: F.group_norm(rg.randn(2, 6), 4), "divisible", "num_groups=4")
    _raises(ShapeError, lambda: F.group_norm(rg.randn(1, 2), 2), "more than 1 value per channel")
    _raises(ShapeError, lambda: RMSNorm(3)(rg.randn(3, 2)), "RMSNorm((3,)", "(*, 3)", "(3, 2)")
    _raises(DTypeError, lambda: RMSNorm(3)(rg.randn(2, 3, dtype="float64")), "float32", "float64")
