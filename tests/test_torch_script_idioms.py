"""Idioms of everyday PyTorch scripts: mixed-precision boilerplate, dtype limits, constants,
typed-tensor names, anomaly switches and kernel flags, each compared with torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import nn
from retrograd.errors import DTypeError


def test_autocast_and_grad_scaler_train_as_without_them() -> None:
    results = []
    for amp in (False, True):
        rg.manual_seed(0)
        model = nn.Linear(3, 1)
        opt = rg.optim.SGD(model.parameters(), lr=0.1)
        scaler = rg.amp.GradScaler(enabled=amp)
        for _ in range(3):
            opt.zero_grad()
            with rg.autocast(device_type="cpu", enabled=amp):
                loss = model(rg.ones(4, 3)).pow(2).mean()
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        results.append(model.weight.array.copy())
    np.testing.assert_array_equal(results[0], results[1])
    assert rg.cuda.amp.GradScaler is rg.amp.GradScaler and rg.cuda.amp.autocast is rg.autocast


def test_the_scaler_skips_a_step_with_non_finite_gradients_like_torch() -> None:
    for lib in (rg, torch):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=1.0)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((p * 2.0).sum()).backward()
        p.grad = lib.tensor([float("nan"), 1.0])
        scaler.step(opt)
        assert p.detach().numpy().tolist() == [1.0, 1.0]


def test_autocast_to_a_lower_precision_warns_that_nothing_changes() -> None:
    rg.amp._warned.clear()
    with pytest.warns(UserWarning, match="no mixed precision"):
        rg.autocast("cpu", dtype=rg.float16)


@pytest.mark.parametrize("name", ["float32", "float64", "float16"])
def test_finfo_matches_torch(name: str) -> None:
    ours, theirs = rg.finfo(getattr(rg, name)), torch.finfo(getattr(torch, name))
    for field in ("eps", "max", "min", "tiny", "bits"):
        assert float(getattr(ours, field)) == float(getattr(theirs, field)), field
    assert float(ours.resolution) == pytest.approx(theirs.resolution, rel=1e-3)


@pytest.mark.parametrize("name", ["int64", "int32", "int8", "uint8"])
def test_iinfo_matches_torch(name: str) -> None:
    ours, theirs = rg.iinfo(getattr(rg, name)), torch.iinfo(getattr(torch, name))
    assert (ours.max, ours.min, ours.bits) == (theirs.max, theirs.min, theirs.bits)


def test_info_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(DTypeError, match="use iinfo"):
        rg.finfo(rg.int64)
    with pytest.raises(DTypeError, match="use finfo"):
        rg.iinfo(rg.float32)


def test_constants_and_memory_formats() -> None:
    assert (rg.pi, rg.e, rg.inf) == (torch.pi, torch.e, torch.inf) == (math.pi, math.e, math.inf)
    assert math.isnan(rg.nan)
    x = rg.ones(1, 3, 2, 2)
    assert x.to(memory_format=rg.channels_last).shape == x.shape


@pytest.mark.parametrize("target", ["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"])
def test_type_takes_typed_tensor_names_like_torch(target: str) -> None:
    ours, theirs = rg.tensor([0, 1, 2]), torch.tensor([0, 1, 2])
    assert ours.type(getattr(rg, target)).dtype == theirs.type(getattr(torch, target)).numpy().dtype
    assert ours.type(f"torch.{target}").dtype == theirs.type(f"torch.{target}").numpy().dtype


def test_set_detect_anomaly_switches_and_restores() -> None:
    assert not rg.autograd.is_anomaly_enabled()
    with rg.autograd.set_detect_anomaly(True):
        assert rg.autograd.is_anomaly_enabled()
    assert not rg.autograd.is_anomaly_enabled()
    rg.autograd.set_detect_anomaly(True)
    try:
        assert rg.autograd.is_anomaly_enabled()
    finally:
        rg.autograd.set_detect_anomaly(False)


def test_gradient_clipping_takes_the_foreach_switch() -> None:
    p = nn.Parameter(rg.ones(2))
    p.grad = rg.tensor([3.0, 4.0])
    total = nn.utils.clip_grad_norm_([p], 1.0, foreach=True)
    assert abs(total.item() - 5.0) < 1e-6
    nn.utils.clip_grad_value_([p], 0.1, foreach=False)
    assert p.grad.abs().max().item() <= 0.1 + 1e-7


def test_cuda_memory_queries_answer_as_torch_does_without_a_gpu() -> None:
    """Training scripts print GPU memory; without a GPU PyTorch answers 0 (and False for
    bfloat16), and so does retrograd."""
    import torch

    import retrograd as rg

    for name in ("memory_allocated", "max_memory_allocated", "memory_reserved"):
        assert getattr(rg.cuda, name)() == getattr(torch.cuda, name)() == 0
    assert rg.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    rg.cuda.reset_peak_memory_stats()
    rg.cuda.empty_cache()
