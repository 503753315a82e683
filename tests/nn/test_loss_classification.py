"""Cross entropy and NLL against PyTorch: class indices (weights, ignore_index, label
smoothing, extra dims, unbatched), class probabilities, stability, and the error messages."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check, rand, seeds
from retrograd import DTypeError, ShapeError, nn
from retrograd.nn import functional as F

reductions = st.sampled_from(["mean", "sum", "none"])


@st.composite
def class_problems(draw):
    """(input shape, target indices): (N, C, d1, ...) or unbatched (C,), some targets ignored."""
    unbatched = draw(st.booleans()) and draw(st.booleans())
    n_classes = draw(st.integers(1, 4))
    if unbatched:
        shape = (n_classes,)
    else:
        extra = draw(st.lists(st.integers(1, 3), max_size=2))
        shape = (draw(st.integers(1, 4)), n_classes, *extra)
    seed = draw(seeds)
    rng = np.random.default_rng(seed)
    target_shape = shape[:1][:0] if unbatched else shape[:1] + shape[2:]
    target = rng.integers(0, n_classes, target_shape)
    if draw(st.booleans()):  # ignore about a third of the targets
        target = np.where(rng.random(target_shape) < 0.35, -100, target)
    return shape, np.asarray(target, dtype=np.int64), seed


def _weight(use, n_classes, seed):
    return rand((n_classes,), seed + 5, 0.2, 2.0) if use else None


def _lib_weight(lib, weight, like=None):
    """The class weights for `lib`, on the device of `like` (the input) when given."""
    if weight is None:
        return None
    return lib.tensor(weight) if like is None else lib.tensor(weight, device=like.device)


@settings(max_examples=40)
@given(
    problem=class_problems(),
    reduction=reductions,
    use_weight=st.booleans(),
    smoothing=st.sampled_from([0.0, 0.0, 0.1, 0.5, 1.0]),
)
def test_cross_entropy_matches_torch(problem, reduction, use_weight, smoothing):
    shape, target, seed = problem
    weight = _weight(use_weight, shape[0 if len(shape) == 1 else 1], seed)
    if reduction == "mean" and np.all(target == -100):
        target = np.zeros_like(target)  # an all-ignored mean is NaN; tested on its own below
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    check(
        lambda x, t: F.cross_entropy(x, t, _lib_weight(rg, weight, x), **kwargs),
        shape,
        target,
        torch_fn=lambda x, t: TF.cross_entropy(x, t, _lib_weight(torch, weight), **kwargs),
        seed=seed,
        low=-3.0,
        high=3.0,
    )


@settings(max_examples=30)
@given(problem=class_problems(), reduction=reductions, use_weight=st.booleans())
def test_nll_loss_matches_torch(problem, reduction, use_weight):
    shape, target, seed = problem
    weight = _weight(use_weight, shape[0 if len(shape) == 1 else 1], seed)
    if reduction == "mean" and np.all(target == -100):
        target = np.zeros_like(target)
    check(
        lambda x, t: F.nll_loss(x, t, _lib_weight(rg, weight, x), reduction=reduction),
        shape,
        target,
        torch_fn=lambda x, t: TF.nll_loss(x, t, _lib_weight(torch, weight), reduction=reduction),
        seed=seed,
        low=-3.0,
        high=0.0,
    )


@settings(max_examples=30)
@given(
    n=st.integers(1, 4),
    n_classes=st.integers(1, 4),
    extra=st.lists(st.integers(1, 3), max_size=1),
    reduction=reductions,
    use_weight=st.booleans(),
    smoothing=st.sampled_from([0.0, 0.2]),
    seed=seeds,
)
def test_cross_entropy_with_probabilities_matches_torch(
    n, n_classes, extra, reduction, use_weight, smoothing, seed
):
    shape = (n, n_classes, *extra)
    probs = np.random.default_rng(seed).dirichlet(np.ones(n_classes), (n, *extra))
    probs = np.moveaxis(probs, -1, 1)  # classes in dim 1; PyTorch also takes gradients for it
    weight = _weight(use_weight, n_classes, seed)
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    check(
        lambda x, p: F.cross_entropy(x, p, _lib_weight(rg, weight, x), **kwargs),
        shape,
        probs,
        torch_fn=lambda x, p: TF.cross_entropy(x, p, _lib_weight(torch, weight), **kwargs),
        seed=seed,
    )


def test_ignore_index_other_than_default():
    target = np.array([0, 2, 1, 2])
    check(
        lambda x, t: F.cross_entropy(x, t, ignore_index=2, label_smoothing=0.3),
        (4, 3),
        target,
        torch_fn=lambda x, t: TF.cross_entropy(x, t, ignore_index=2, label_smoothing=0.3),
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_all_ignored_mean_is_nan_with_zero_gradient(weighted, smoothing):
    x = rg.tensor(rand((3, 4)), requires_grad=True)
    weight = rg.tensor(np.ones(4)) if weighted else None
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, rg.tensor([-100, -100, -100]), weight, label_smoothing=smoothing)
        loss.backward()
    xt = torch.tensor(rand((3, 4)), requires_grad=True)
    weight_t = torch.ones(4, dtype=torch.float64) if weighted else None
    expected = TF.cross_entropy(xt, torch.tensor([-100] * 3), weight_t, label_smoothing=smoothing)
    expected.backward()
    assert np.isnan(loss.item()) and np.isnan(expected.item())
    np.testing.assert_array_equal(x.grad.array, xt.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_stable_at_1000(dtype, smoothing):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, -1000.0]])
    logits = logits.astype(dtype)
    target = np.array([1, 2, 2])
    x = rg.tensor(logits, requires_grad=True)
    # underflow (exp(-2000) -> 0) is expected and harmless; overflow, 0/0 and x/0 are not
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, rg.tensor(target), label_smoothing=smoothing)
        loss.backward()
    xt = torch.tensor(logits, requires_grad=True)
    expected = TF.cross_entropy(xt, torch.tensor(target), label_smoothing=smoothing)
    expected.backward()
    assert loss.dtype == dtype
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.array).all()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_cross_entropy_by_hand():
    """Two equal scores: log_softmax is log(1/2), so the loss is log 2 and the gradient
    softmax - one_hot = (1/2 - 1, 1/2) for target 0."""
    x = rg.tensor(np.zeros((1, 2)), requires_grad=True)
    loss = F.cross_entropy(x, rg.tensor([0]))
    loss.backward()
    assert loss.item() == pytest.approx(np.log(2))
    np.testing.assert_allclose(x.grad.array, [[-0.5, 0.5]])


# ---------------------------------------------------------------------- modules
def test_modules_match_torch():
    weight = rand((3,), 3, 0.5, 1.5)
    target = np.array([0, 2, -100, 1, 1])
    ours = nn.CrossEntropyLoss(rg.tensor(weight), reduction="sum", label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(weight), reduction="sum", label_smoothing=0.1)
    check(ours, (5, 3), target, torch_fn=theirs, device=False)  # the weight buffer is on the CPU
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    ours_nll = nn.NLLLoss(rg.tensor(weight), ignore_index=1)
    theirs_nll = torch.nn.NLLLoss(torch.tensor(weight), ignore_index=1)
    check(  # the weight buffer is on the CPU: no device rerun
        ours_nll, (5, 3), np.array([0, 2, 1, 1, 0]), torch_fn=theirs_nll, high=0.0, device=False
    )


def test_module_repr():
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()" == repr(torch.nn.CrossEntropyLoss())
    assert (
        repr(nn.CrossEntropyLoss(ignore_index=0, label_smoothing=0.1))
        == "CrossEntropyLoss(ignore_index=0, label_smoothing=0.1)"
    )
    assert repr(nn.NLLLoss(reduction="none")) == "NLLLoss(reduction='none')"


# ---------------------------------------------------------------------- errors
FLOAT_LABELS = (
    "expects class indices as integers (int64), got float32; use target.long(), "
    "or pass class probabilities with the same shape as the input"
)


def test_float_labels_for_cross_entropy():
    x = rg.tensor(np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(DTypeError) as info:
        nn.CrossEntropyLoss()(x, rg.tensor([0.0, 1.0, 3.0]))
    assert str(info.value) == "cross_entropy " + FLOAT_LABELS


def test_float_labels_for_nll_loss():
    x = rg.tensor(np.zeros((3, 4), dtype=np.float32))
    with pytest.raises(DTypeError) as info:
        nn.NLLLoss()(x, rg.tensor([0.0, 1.0, 3.0]))
    assert str(info.value) == (
        "nll_loss expects class indices as integers (int64), got float32; use target.long()"
    )


def test_integer_probabilities_are_a_dtype_error():
    expected = r"input's shape \(2, 3\) holds class probabilities and must be floating"
    with pytest.raises(DTypeError, match=expected):
        F.cross_entropy(rg.tensor(np.zeros((2, 3))), rg.tensor(np.zeros((2, 3), dtype=np.int64)))


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_class_index_out_of_range(fn):
    x = rg.tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError) as info:
        fn(x, rg.tensor([0, 4, 1]))
    assert "target class index 4 is out of range for 4 classes (valid: 0 to 3" in str(info.value)
    with pytest.raises(IndexError, match="target class index -1 is out of range for 4 classes"):
        fn(x, rg.tensor([0, -1, 1]))
    fn(x, rg.tensor([0, -100, 1]))  # ignore_index itself is allowed


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_target_shape_mismatch(fn):
    expected = (
        r"target shape \(2,\) does not fit input shape \(3, 4\); class indices need shape \(3,\)"
    )
    with pytest.raises(ShapeError, match=expected):
        fn(rg.tensor(np.zeros((3, 4))), rg.tensor([0, 1]))
    expected = (
        r"target shape \(3, 4\) does not fit input shape \(3, 4, 5\); "
        r"class indices need shape \(3, 5\)"
    )
    with pytest.raises(ShapeError, match=expected):
        fn(rg.tensor(np.zeros((3, 4, 5))), rg.tensor(np.zeros((3, 4), dtype=np.int64)))


def test_weight_shape_error():
    expected = r"weight has shape \(3,\), expected \(4,\): one weight for each of the 4 classes"
    x, t = rg.tensor(np.zeros((2, 4))), rg.tensor([0, 1])
    with pytest.raises(ShapeError, match=expected):
        F.cross_entropy(x, t, weight=rg.tensor(np.ones(3)))


def test_bad_arguments():
    x, t = rg.tensor(np.zeros((2, 3))), rg.tensor([0, 1])
    expected = "cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'batchmean'"
    with pytest.raises(ValueError, match=expected):
        F.cross_entropy(x, t, reduction="batchmean")
    with pytest.raises(ValueError, match="NLLLoss: reduction must be"):
        nn.NLLLoss(reduction="avg")
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got 1.5"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\], got -0.1"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)
    with pytest.raises(ValueError, match="ignore_index=0 does not apply to class probabilities"):
        F.cross_entropy(x, rg.tensor(np.full((2, 3), 1 / 3)), ignore_index=0)
    with pytest.raises(ShapeError, match="got a 0-d tensor"):
        F.nll_loss(rg.tensor(1.0), rg.tensor(0))
    with pytest.raises(DTypeError, match="cross_entropy expects a floating-point input, got int64"):
        F.cross_entropy(rg.tensor([[1, 2]]), rg.tensor([0]))


@settings(max_examples=30)
@given(
    n=st.integers(1, 6),
    n_classes=st.integers(1, 5),
    ignore=st.sampled_from([None, -100, 0]),
    reduction=st.sampled_from(["mean", "sum"]),
    seed=seeds,
)
def test_fused_cross_entropy_in_float32_matches_torch(n, n_classes, ignore, reduction, seed):
    """The fused node, on its path where every target counts and where some are ignored:
    float32 in, float32 loss and gradient out, and the upstream gradient scales it."""
    rng = np.random.default_rng(seed)
    logits = rng.uniform(-3, 3, (n, n_classes)).astype(np.float32)
    target = rng.integers(0, n_classes, n)
    kwargs = {"reduction": reduction}
    if ignore is not None:
        kwargs["ignore_index"] = ignore
        target[rng.random(n) < 0.4] = ignore
    if reduction == "mean" and ignore is not None and np.all(target == ignore):
        target[0] = n_classes - 1 if ignore == 0 else 0
    x = rg.tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, rg.tensor(target), **kwargs)
    (loss * 1.5).backward()
    xt = torch.tensor(logits, requires_grad=True)
    expected = TF.cross_entropy(xt, torch.tensor(target), **kwargs)
    (expected * 1.5).backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.array, xt.grad.numpy(), rtol=1e-5, atol=1e-6)
