"""`retrograd.linalg`'s decompositions and the functions built on them against `torch.linalg`.

Forward and backward are compared with PyTorch and with finite differences (`check`, float64).
Singular vectors and eigenvectors have arbitrary signs, so those tests compare quantities that
do not depend on the signs (`U diag(S) Vh`, `U * U`, `V diag(w) V^T`...). Spectra are kept
well separated, where the gradients of `svd` and `eigh` are defined. `eigh` and `cholesky` read
one triangle, so they are tested on a symmetrized input (their gradients are symmetric).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from helpers import check

Lib = Any  # retrograd.linalg or torch.linalg

# PyTorch deprecates its older top-level forms (torch.qr, torch.cholesky...), compared here
pytestmark = pytest.mark.filterwarnings("ignore:torch\\.\\w+ is deprecated:UserWarning")


def with_singular_values(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random matrices with singular values spread evenly in [1, 3]."""
    rng = np.random.default_rng(seed)
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (m, m)))
    v, _ = np.linalg.qr(rng.normal(size=shape[:-2] + (n, n)))
    s = np.zeros(shape)
    idx = np.arange(k)
    s[..., idx, idx] = np.linspace(3, 1, k) if k > 1 else 2.0
    return u @ s @ np.swapaxes(v, -1, -2)


def with_eigenvalues(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random symmetric matrices with eigenvalues spread evenly in [-2, 3] (PD: [1, 3])."""
    rng = np.random.default_rng(seed)
    n = shape[-1]
    q, _ = np.linalg.qr(rng.normal(size=shape))
    w = np.linspace(-2, 3, n)
    return (q * w) @ np.swapaxes(q, -1, -2)


def positive_definite(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    return x @ np.swapaxes(x, -1, -2) + shape[-1] * np.eye(shape[-1])


def sym(a: Any) -> Any:
    return (a + a.mT) / 2


SHAPES = [(3, 3), (4, 2), (2, 4), (2, 3, 3), (2, 4, 3), (2, 1, 2, 3)]


# ---------------------------------------------------------------------- svd
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [False, True])
def test_svd_gauge_invariant_outputs(shape: tuple[int, ...], full_matrices: bool) -> None:
    def fn(lib: Lib) -> Any:
        def run(a: Any) -> Any:
            u, s, vh = lib.svd(a, full_matrices=full_matrices)
            k = s.shape[-1]
            assert u.shape[-1] == (shape[-2] if full_matrices else k)
            assert vh.shape[-2] == (shape[-1] if full_matrices else k)
            u, vh = u[..., :k], vh[..., :k, :]
            return (u * s[..., None, :]) @ vh, s, u * u, vh * vh, u @ vh

        return run

    check(fn(rg.linalg), with_singular_values(shape), torch_fn=fn(torch.linalg))


def test_svd_of_the_values_alone_and_svdvals() -> None:
    a = with_singular_values((2, 3, 4))
    check(lambda x: rg.linalg.svd(x).S, a, torch_fn=lambda x: torch.linalg.svd(x).S)
    check(rg.linalg.svdvals, a, torch_fn=torch.linalg.svdvals)
    # repeated singular values: the values alone still have a finite gradient
    x = rg.eye(3, dtype="float64", requires_grad=True)
    rg.linalg.svd(x).S.sum().backward()
    np.testing.assert_allclose(x.grad.array, np.eye(3))


def test_svd_returns_torch_named_tuple() -> None:
    out = rg.linalg.svd(rg.tensor(with_singular_values((3, 2))))
    assert out._fields == ("U", "S", "Vh")
    assert tuple(out.U.shape) == (3, 3) and tuple(out.Vh.shape) == (2, 2)


@pytest.mark.parametrize("some", [True, False])
def test_torch_svd_old_convention(some: bool) -> None:
    def fn(a: Any) -> Any:
        u, s, v = a.svd(some=some)
        k = s.shape[-1]
        return s, (u[..., :k] * s[..., None, :]) @ v[..., :k].mT

    check(fn, with_singular_values((2, 4, 3)))
    check(lambda a: rg.svd(a, some=some)[1], (3, 2), torch_fn=lambda a: torch.svd(a, some=some)[1])
    out = rg.svd(rg.tensor(with_singular_values((4, 3))), compute_uv=False)
    ref = torch.svd(torch.tensor(with_singular_values((4, 3))), compute_uv=False)
    for ours, theirs in zip(out, ref, strict=True):
        np.testing.assert_allclose(ours.array, theirs.numpy(), atol=1e-12)


# ---------------------------------------------------------------------- eigh
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(shape: tuple[int, ...], uplo: str) -> None:
    def fn(lib: Lib) -> Any:
        def run(a: Any) -> Any:
            w, v = lib.eigh(sym(a), UPLO=uplo)
            return w, v * v, (v * w[..., None, :]) @ v.mT, v[..., :1] @ v[..., :1].mT

        return run

    check(fn(rg.linalg), with_eigenvalues(shape), torch_fn=fn(torch.linalg))
    check(
        lambda a: rg.linalg.eigvalsh(sym(a), UPLO=uplo),
        with_eigenvalues(shape, 1),
        torch_fn=lambda a: torch.linalg.eigvalsh(sym(a), UPLO=uplo),
    )


def test_eigh_reads_one_triangle_and_has_symmetric_gradient() -> None:
    a = with_eigenvalues((3, 3)) + np.triu(np.ones((3, 3)), 1)  # upper triangle spoiled
    for uplo in ("L", "U"):
        ours, theirs = rg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        w, v = rg.linalg.eigh(ours, UPLO=uplo)
        tw, tv = torch.linalg.eigh(theirs, UPLO=uplo)
        np.testing.assert_allclose(w.array, tw.detach().numpy(), atol=1e-12)
        ((v * v).sum(-2) * w + (v[0] ** 2).sum()).sum().backward()
        ((tv * tv).sum(-2) * tw + (tv[0] ** 2).sum()).sum().backward()
        np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), atol=1e-10)
    assert rg.linalg.eigh(rg.tensor(a)).eigenvalues is not None


# ---------------------------------------------------------------------- qr
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape: tuple[int, ...], mode: str) -> None:
    def fn(lib: Lib) -> Any:
        def run(a: Any) -> Any:
            # PyTorch's R of mode 'r' has no gradient; ours does, and equals reduced mode's
            q, r = lib.qr(a, mode="reduced" if mode == "r" and lib is torch.linalg else mode)
            if mode == "r":
                return r.abs(), (r.mT @ r)
            k = min(shape[-2:])
            signs = (r.diagonal(0, -2, -1)[..., :k] > 0).double() * 2 - 1  # LAPACK's signs
            rk = r[..., :k, :] * signs[..., :, None]
            qk = q[..., :k] * signs[..., None, :]
            return q @ r, qk, rk

        return run

    differentiable = not (mode == "complete" and shape[-2] > shape[-1])
    check(
        fn(rg.linalg),
        with_singular_values(shape),
        torch_fn=fn(torch.linalg),
        grad=differentiable,
    )


def test_qr_complete_tall_has_no_gradient_and_old_form() -> None:
    a = rg.tensor(with_singular_values((4, 2)), requires_grad=True)
    q, r = rg.linalg.qr(a, mode="complete")
    assert tuple(q.shape) == (4, 4)
    with pytest.raises(rg.UnsupportedError, match="complete"):
        (q.sum() + r.sum()).backward()
    q, r = rg.linalg.qr(rg.tensor(with_singular_values((4, 2))), mode="r")
    assert tuple(q.shape) == (0,)
    x = with_singular_values((4, 3))
    for some in (True, False):
        ours, theirs = rg.qr(rg.tensor(x), some=some), torch.qr(torch.tensor(x), some=some)
        assert ours._fields == ("Q", "R")
        for o, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(np.abs(o.array), np.abs(t.numpy()), atol=1e-12)
    assert rg.linalg.qr(rg.tensor(x))._fields == ("Q", "R")


# ---------------------------------------------------------------------- cholesky
@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(shape: tuple[int, ...], upper: bool) -> None:
    check(
        lambda a: rg.linalg.cholesky(sym(a), upper=upper),
        positive_definite(shape),
        torch_fn=lambda a: torch.linalg.cholesky(sym(a), upper=upper),
    )
    check(
        lambda a: rg.cholesky(sym(a), upper),
        positive_definite(shape, 1),
        torch_fn=lambda a: torch.cholesky(sym(a), upper),
    )


def test_cholesky_gradient_of_lower_triangle_input_matches_torch() -> None:
    a = positive_definite((3, 3)) + np.triu(np.ones((3, 3)), 1)
    check(lambda x: rg.linalg.cholesky(x), a, torch_fn=torch.linalg.cholesky, fd=False)


# ---------------------------------------------------------------------- built on them
@pytest.mark.parametrize("shape", SHAPES)
def test_pinv(shape: tuple[int, ...]) -> None:
    check(rg.linalg.pinv, with_singular_values(shape), torch_fn=torch.linalg.pinv)
    check(
        lambda a: a.pinverse(),
        with_singular_values(shape, 1),
        torch_fn=lambda a: a.pinverse(),
    )


def test_pinv_hermitian_and_tolerances() -> None:
    a = with_eigenvalues((2, 3, 3))
    check(
        lambda x: rg.linalg.pinv(sym(x), hermitian=True),
        a,
        torch_fn=lambda x: torch.linalg.pinv(sym(x), hermitian=True),
    )
    # a rank-deficient matrix: singular values under the tolerance are dropped
    low = with_singular_values((4, 3)) @ np.diag([1.0, 1.0, 0.0])
    for kwargs in ({}, {"atol": 1.5}, {"rtol": 0.5}, {"atol": 0.1, "rtol": 0.9}):
        np.testing.assert_allclose(
            rg.linalg.pinv(rg.tensor(low), **kwargs).array,
            torch.linalg.pinv(torch.tensor(low), **kwargs).numpy(),
            atol=1e-10,
        )
        assert (
            rg.linalg.matrix_rank(rg.tensor(low), **kwargs).item()
            == torch.linalg.matrix_rank(torch.tensor(low), **kwargs).item()
        )


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_slogdet_and_logdet(shape: tuple[int, ...]) -> None:
    a = np.random.default_rng(0).normal(size=shape) + 0.5 * np.eye(shape[-1])
    check(
        lambda x: rg.linalg.slogdet(x).sign,
        a,
        torch_fn=lambda x: torch.linalg.slogdet(x)[0],
        grad=False,
    )
    check(
        lambda x: rg.linalg.slogdet(x).logabsdet, a, torch_fn=lambda x: torch.linalg.slogdet(x)[1]
    )
    check(lambda x: rg.slogdet(x)[1], a, torch_fn=lambda x: torch.slogdet(x)[1])
    check(lambda x: x.slogdet()[1], a, torch_fn=lambda x: x.slogdet()[1])
    assert rg.linalg.slogdet(rg.tensor(a))._fields == ("sign", "logabsdet")
    pd = positive_definite(shape)
    check(rg.logdet, pd, torch_fn=torch.logdet)
    check(lambda x: x.logdet(), a, torch_fn=lambda x: x.logdet(), grad=False)  # NaN where det < 0


def test_det_inverse_aliases() -> None:
    a = positive_definite((2, 3, 3))
    check(rg.det, a, torch_fn=torch.det)
    check(lambda x: x.det(), a)
    check(rg.inverse, a, torch_fn=torch.inverse)
    check(lambda x: x.inverse(), a)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -3])
def test_matrix_power(n: int) -> None:
    a = with_singular_values((2, 3, 3)) * 0.7
    check(
        lambda x: rg.linalg.matrix_power(x, n),
        a,
        torch_fn=lambda x: torch.linalg.matrix_power(x, n),
    )
    check(lambda x: rg.matrix_power(x, n), a, torch_fn=lambda x: torch.matrix_power(x, n))
    check(lambda x: x.matrix_power(n), a)


def test_matrix_rank() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 5, 2)) @ rng.normal(size=(3, 2, 4))  # rank 2
    for kwargs in ({}, {"hermitian": False}, {"atol": 1e-3}):
        check(
            lambda x, kw=kwargs: rg.linalg.matrix_rank(x, **kw),
            a,
            torch_fn=lambda x, kw=kwargs: torch.linalg.matrix_rank(x, **kw),
            grad=False,
        )
    s = with_eigenvalues((2, 4, 4)) @ np.diag([1.0, 1, 1, 0]) @ with_eigenvalues((4, 4))
    h = s @ np.swapaxes(s, -1, -2)
    check(
        lambda x: rg.linalg.matrix_rank(x, hermitian=True),
        h,
        torch_fn=lambda x: torch.linalg.matrix_rank(x, hermitian=True),
        grad=False,
    )


@pytest.mark.parametrize(
    ("shapes", "dim"), [(((3,), (3,)), -1), (((2, 1, 3), (1, 4, 3)), -1), (((3, 4), (3, 4)), 0)]
)
def test_cross(shapes: tuple[tuple[int, ...], ...], dim: int) -> None:
    check(
        lambda a, b: rg.linalg.cross(a, b, dim=dim),
        *shapes,
        torch_fn=lambda a, b: torch.linalg.cross(a, b, dim=dim),
    )
    check(
        lambda a, b: rg.cross(a, b, dim=dim),
        *shapes,
        torch_fn=lambda a, b: torch.cross(a, b, dim=dim),
    )
    check(lambda a, b: a.cross(b, dim), *shapes)


def test_cross_default_dim_of_torch_cross() -> None:
    with pytest.warns(UserWarning):  # PyTorch warns that dim=None is deprecated
        expected = torch.cross(torch.ones(2, 3, 3).cumsum(0), torch.ones(2, 3, 3).cumsum(2))
    ours = rg.cross(rg.ones(2, 3, 3).cumsum(0), rg.ones(2, 3, 3).cumsum(2))
    np.testing.assert_allclose(ours.array, expected.numpy())


@pytest.mark.parametrize(
    ("shapes", "dim"), [(((4,), (4,)), -1), (((2, 3), (4, 1, 3)), -1), (((3, 2), (3, 2)), 0)]
)
def test_vecdot(shapes: tuple[tuple[int, ...], ...], dim: int) -> None:
    check(
        lambda a, b: rg.linalg.vecdot(a, b, dim=dim),
        *shapes,
        torch_fn=lambda a, b: torch.linalg.vecdot(a, b, dim=dim),
    )


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 3), (3, 4)],
        [(3,), (3, 4), (4, 2), (2,)],
        [(5, 2), (2, 6), (6, 3), (3, 1)],
        [(4,), (4,)],
    ],
)
def test_multi_dot(shapes: list[tuple[int, ...]]) -> None:
    check(
        lambda *xs: rg.linalg.multi_dot(list(xs)),
        *shapes,
        torch_fn=lambda *xs: torch.linalg.multi_dot(list(xs)),
    )


@pytest.mark.parametrize(
    ("a_shape", "b_shape"),
    [((5, 3), (5, 2)), ((3, 3), (3,)), ((2, 5, 3), (5, 2)), ((3, 5), (3, 2))],
)
@pytest.mark.parametrize("driver", [None, "gels", "gelsd", "gelss"])
def test_lstsq(a_shape: tuple[int, ...], b_shape: tuple[int, ...], driver: str | None) -> None:
    if len(b_shape) < len(a_shape) - 1 or (len(b_shape) == len(a_shape) - 1 and len(a_shape) > 2):
        b_shape = a_shape[:-2] + b_shape  # torch broadcasts B's batch only from A's side
    a = with_singular_values(a_shape)
    if driver == "gels" and a_shape[-2] < a_shape[-1]:
        driver = "gelsd"  # gels needs a full-rank tall A
    out = rg.linalg.lstsq(rg.tensor(a), rg.tensor(np.ones(b_shape)), driver=driver)
    assert out._fields == ("solution", "residuals", "rank", "singular_values")

    def fn(lib: Lib) -> Any:
        def run(x: Any, b: Any) -> Any:
            res = lib.lstsq(x, b, driver=driver)
            return res.solution, res.residuals, res.rank, res.singular_values

        return run

    # rank and singular values are not differentiable: compare them forward only
    check(fn(rg.linalg), a, b_shape, torch_fn=fn(torch.linalg), grad=False)
    check(
        lambda x, b: rg.linalg.lstsq(x, b, driver=driver).solution,
        a,
        b_shape,
        torch_fn=lambda x, b: torch.linalg.lstsq(x, b, driver=driver).solution,
    )


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", 1, -1, float("inf"), float("-inf")])
def test_cond(p: Any) -> None:
    a = with_singular_values((2, 3, 3)) + np.diag([0.1, 0.2, 0.3])
    check(lambda x: rg.linalg.cond(x, p), a, torch_fn=lambda x: torch.linalg.cond(x, p), grad=False)
    if p in (None, 2, -2):
        check(lambda x: rg.linalg.cond(x, p), a, torch_fn=lambda x: torch.linalg.cond(x, p))
        check(lambda x: rg.linalg.cond(x, p), (2, 4, 3), torch_fn=lambda x: torch.linalg.cond(x, p))
    else:  # PyTorch's cond backward for these trips over its own in-place check: compose it

        def torch_cond(x: torch.Tensor) -> torch.Tensor:
            return torch.linalg.matrix_norm(x, p) * torch.linalg.matrix_norm(torch.linalg.inv(x), p)

        check(lambda x: rg.linalg.cond(x, p), a, torch_fn=torch_cond)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), st.integers(0, 9999))
def test_svd_and_qr_reconstruct_any_shape(m: int, n: int, batch: int, seed: int) -> None:
    shape = (batch, m, n) if batch else (m, n)
    a = with_singular_values(shape, seed)

    def fn(lib: Lib) -> Any:
        def run(x: Any) -> Any:
            u, s, vh = lib.svd(x, full_matrices=False)
            q, r = lib.qr(x)
            return (u * s[..., None, :]) @ vh, s, q @ r, lib.pinv(x)

        return run

    check(fn(rg.linalg), a, torch_fn=fn(torch.linalg), seed=seed)


# ---------------------------------------------------------------------- errors
def test_errors_name_the_shape_or_problem() -> None:
    with pytest.raises(rg.ShapeError, match=r"square.*\(2, 3\)"):
        rg.linalg.cholesky(rg.ones(2, 3))
    with pytest.raises(rg.ShapeError, match="square"):
        rg.linalg.eigh(rg.ones(2, 3))
    with pytest.raises(rg.ShapeError, match="matrices"):
        rg.linalg.svd(rg.ones(3))
    with pytest.raises(rg.InvalidArgumentError, match="positive-definite"):
        rg.linalg.cholesky(-rg.eye(3))
    with pytest.raises(rg.InvalidArgumentError, match="singular"):
        rg.linalg.inv(rg.zeros(2, 2))
    with pytest.raises(rg.InvalidArgumentError, match="singular"):
        rg.linalg.solve(rg.zeros(2, 2), rg.ones(2))
    with pytest.raises(rg.InvalidArgumentError, match="singular"):
        rg.linalg.matrix_power(rg.zeros(2, 2), -1)
    with pytest.raises(rg.InvalidArgumentError, match="mode"):
        rg.linalg.qr(rg.eye(2), mode="full")
    with pytest.raises(rg.InvalidArgumentError, match="UPLO"):
        rg.linalg.eigh(rg.eye(2), UPLO="X")
    with pytest.raises(rg.InvalidArgumentError, match="driver"):
        rg.linalg.svd(rg.eye(2), driver="gesvd")
    with pytest.raises(rg.InvalidArgumentError, match="driver"):
        rg.linalg.lstsq(rg.eye(2), rg.eye(2), driver="nope")
    with pytest.raises(rg.ShapeError, match="fit"):
        rg.linalg.lstsq(rg.eye(2), rg.ones(3, 1))
    with pytest.raises(rg.ShapeError, match="size 3"):
        rg.linalg.cross(rg.ones(2), rg.ones(2))
    with pytest.raises(rg.ShapeError, match="broadcast"):
        rg.linalg.vecdot(rg.ones(2), rg.ones(3))
    with pytest.raises(rg.ShapeError, match="at least 2"):
        rg.linalg.multi_dot([rg.ones(2, 2)])
    with pytest.raises(rg.ShapeError, match="chain"):
        rg.linalg.multi_dot([rg.ones(2, 3), rg.ones(2, 3)])
    with pytest.raises(rg.ArgumentTypeError, match="integer"):
        rg.linalg.matrix_power(rg.eye(2), 1.5)  # type: ignore[arg-type]
    with pytest.raises(rg.InvalidArgumentError, match="p="):
        rg.linalg.cond(rg.eye(2), "bad")


@pytest.mark.parametrize(("name", "instead"), [("eig", "eigh"), ("eigvals", "eigvalsh")])
def test_eig_needs_complex_dtypes(name: str, instead: str) -> None:
    with pytest.raises(rg.UnsupportedError, match=f"complex.*linalg.{instead}"):
        getattr(rg.linalg, name)
    with pytest.raises(NotImplementedError):
        rg.linalg.eig(rg.eye(2))  # type: ignore[attr-defined]
    assert not hasattr(rg.linalg, name)  # PyTorch's name stays listed as not available
    with pytest.raises(AttributeError):
        rg.linalg.no_such_function  # type: ignore[attr-defined]  # noqa: B018
