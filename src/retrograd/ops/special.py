"""Special functions with their gradients: `lgamma`, `digamma` and `polygamma`, the implicit
reparameterisation gradient of a standard gamma draw, and the Cholesky factor and triangular
solve that the multivariate normal needs.

NumPy has no gamma-family functions and SciPy is not a dependency: `lgamma` runs
`math.lgamma` over the array, `digamma` and `polygamma` shift the argument up with their
recurrence and finish with the asymptotic (Bernoulli-number) series, accurate to float64
rounding. Poles follow PyTorch: `lgamma` is inf at 0, -1, -2, ...; `digamma(0)` is -inf and
`digamma` at a negative integer is nan.
"""

from __future__ import annotations

import math

import numpy as np

from retrograd.autograd.node import Node
from retrograd.autograd.unbroadcast import unbroadcast
from retrograd.backend.arrays import as_array, is_host
from retrograd.errors import ArgumentTypeError

#: B_2, B_4, ..., B_20 (Bernoulli numbers) for the asymptotic series
_BERNOULLI = (
    1 / 6,
    -1 / 30,
    1 / 42,
    -1 / 30,
    5 / 66,
    -691 / 2730,
    7 / 6,
    -3617 / 510,
    43867 / 798,
    -174611 / 330,
)


def _lgamma_scalar(value: float) -> float:
    if value <= 0 and value == math.floor(value):
        return math.inf
    if math.isnan(value) or math.isinf(value):
        return abs(value) if not math.isnan(value) else value
    return math.lgamma(value)


def lgamma(x: np.ndarray) -> np.ndarray:
    """`log |Gamma(x)|` elementwise (inf at the poles); host arrays only (math.lgamma)."""
    x = as_array(x)
    if not is_host(x):  # `Lgamma.cpu_only`: apply() names it for a device input
        raise ArgumentTypeError("lgamma computes with math.lgamma per element: host arrays only")
    flat = np.fromiter(
        (_lgamma_scalar(float(v)) for v in x.reshape(-1)), dtype=np.float64, count=x.size
    )
    return flat.reshape(x.shape).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def _digamma64(x: np.ndarray) -> np.ndarray:
    x = as_array(x).astype(np.float64, copy=False)
    out = np.zeros_like(x)
    reflect = x < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # psi(x) = psi(1 - x) - pi / tan(pi x) for negative x
        out = np.where(reflect, -np.pi / np.tan(np.pi * x), 0.0)
        z = np.where(reflect, 1 - x, x)
        while True:
            small = z < 6
            if not small.any():
                break
            out = out - np.where(small, 1 / np.where(small, z, 1.0), 0.0)
            z = np.where(small, z + 1, z)
        inv2 = 1 / (z * z)
        series = np.zeros_like(z)
        for k in range(len(_BERNOULLI), 0, -1):
            series = series * inv2 + _BERNOULLI[k - 1] / (2 * k)
        out = out + np.log(z) - 0.5 / z - series * inv2
    pole = (x <= 0) & (x == np.floor(x))
    out = np.where(pole, np.where(x == 0, -np.inf, np.nan), out)
    return np.where(np.isnan(x), np.nan, np.where(np.isposinf(x), np.inf, out))


def digamma(x: np.ndarray) -> np.ndarray:
    """The digamma function `d/dx lgamma(x)` elementwise."""
    x = as_array(x)
    return _digamma64(x).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def _polygamma64(n: int, x: np.ndarray) -> np.ndarray:
    if n == 0:
        return _digamma64(x)
    x = as_array(x).astype(np.float64, copy=False)
    sign = -1.0 if n % 2 == 0 else 1.0  # (-1)^(n+1)
    factorial = math.factorial(n)
    threshold = 20.0 + n
    out = np.zeros_like(x)
    z = x.copy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # psi_n(z) = psi_n(z + 1) + (-1)^(n+1) n! / z^(n+1)
        while True:
            small = z < threshold
            if not small.any():
                break
            safe = np.where(small, z, 1.0)
            out = out + np.where(small, sign * factorial / safe ** (n + 1), 0.0)
            z = np.where(small, z + 1, z)
        series = math.factorial(n - 1) / z**n + factorial / (2 * z ** (n + 1))
        for k, b in enumerate(_BERNOULLI, start=1):
            coefficient = b * math.factorial(2 * k + n - 1) / math.factorial(2 * k)
            series = series + coefficient / z ** (2 * k + n)
        out = out + sign * series
    pole = (x <= 0) & (x == np.floor(x))
    return np.where(pole, np.inf if n % 2 else np.nan, out)


def polygamma(n: int, x: np.ndarray) -> np.ndarray:
    """The `n`-th derivative of digamma elementwise."""
    x = as_array(x)
    return _polygamma64(n, x).astype(x.dtype if x.dtype.kind == "f" else np.float64)


class Lgamma(Node):
    cpu_only = "CuPy has no lgamma (gammaln is in cupyx.scipy.special, not CuPy's NumPy API)"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return lgamma(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * digamma(self.saved[0])


class Digamma(Node):
    def forward(self, x: np.ndarray) -> np.ndarray:
        self.saved = (x,)
        return digamma(x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * polygamma(1, self.saved[0])


class Polygamma(Node):
    """`polygamma(n, x)`; `n` is a keyword of forward (an int, not differentiated)."""

    def forward(self, x: np.ndarray, n: int = 1) -> np.ndarray:
        self.saved = (x, n)
        return polygamma(n, x)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x, n = self.saved
        return grad * polygamma(n + 1, x)


def _gamma_series(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`S = sum_k x^k / (a (a+1) ... (a+k))` and `dS/da` (the lower incomplete gamma's
    series, `gamma(a, x) = x^a e^-x S`)."""
    term = 1 / a
    harmonic = 1 / a
    total, derivative = term.copy(), -term * harmonic
    for k in range(1, 100000):
        term = term * x / (a + k)
        harmonic = harmonic + 1 / (a + k)
        total = total + term
        derivative = derivative - term * harmonic
        if k > 5 and np.all(term <= 1e-17 * total) and np.all(k > x - a):
            break
    return total, derivative


def _gamma_fraction(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The continued fraction `h` of the upper incomplete gamma, `Gamma(a, x) = x^a e^-x h`
    (modified Lentz), for x > a + 1."""
    tiny = 1e-300
    b = x + 1 - a
    c = np.full_like(x, 1 / tiny)
    d = 1 / b
    h = d.copy()
    for i in range(1, 100000):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1 / d
        step = d * c
        h = h * step
        if np.all(np.abs(step - 1) < 1e-15):
            break
    return h


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`dx/dalpha` of a standard gamma draw `x` held at a fixed quantile (implicit
    reparameterisation: `-(dF/dalpha) / (dF/dx)` with `F` the regularised incomplete gamma)."""
    a = as_array(alpha).astype(np.float64, copy=False)
    z = as_array(x).astype(np.float64, copy=False)
    a, z = np.broadcast_arrays(a, z)
    out = np.zeros_like(a)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lower = z < a + 1
        if lower.any():
            al, zl = a[lower], z[lower]
            total, derivative = _gamma_series(al, zl)
            # P = x^a e^-x S / Gamma(a), density p = x^(a-1) e^-x / Gamma(a): P / p = x S
            out[lower] = -zl * (total * (np.log(zl) - _digamma64(al)) + derivative)
        upper = ~lower
        if upper.any():
            au, zu = a[upper], z[upper]
            h = _gamma_fraction(au, zu)
            step = 1e-6 * au
            slope = (
                np.log(_gamma_fraction(au + step, zu)) - np.log(_gamma_fraction(au - step, zu))
            ) / (2 * step)
            # Q = x^a e^-x h / Gamma(a): dx/da = (dQ/da) / p = x h (log x - psi(a) + dlog h/da)
            out[upper] = zu * h * (np.log(zu) - _digamma64(au) + slope)
    return np.where(z > 0, out, 0.0)


class StandardGamma(Node):
    """Passes a standard gamma draw `x` (made by the caller from `alpha`) through, with the
    implicit reparameterisation gradient to `alpha`."""

    def forward(self, alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
        self.saved = (alpha, x)
        return x.copy()

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, None]:
        alpha, x = self.saved
        local = standard_gamma_grad(alpha, x).astype(x.dtype)
        return unbroadcast(grad * local, alpha.shape), None


def _mT(a: np.ndarray) -> np.ndarray:  # noqa: N802 - PyTorch's name
    return np.swapaxes(a, -1, -2)


class Cholesky(Node):
    """The lower Cholesky factor `L` of symmetric positive-definite matrices (`A = L L^T`);
    the gradient is symmetric, as PyTorch's."""

    saves_inputs = False
    saves_output = True

    def forward(self, a: np.ndarray) -> np.ndarray:
        out = np.linalg.cholesky(a)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        low = self.saved[0]
        phi = np.tril(_mT(low) @ grad)
        phi = phi - 0.5 * np.eye(low.shape[-1], dtype=low.dtype) * phi
        inverse = np.linalg.inv(low)
        s = _mT(inverse) @ phi @ inverse
        return 0.5 * (s + _mT(s))


class SolveTriangular(Node):
    """`X` with `L @ X = B` for lower-triangular `L` (`(..., n, n)`, `B` `(..., n, k)`)."""

    def forward(self, low: np.ndarray, b: np.ndarray) -> np.ndarray:
        out = np.linalg.solve(low, b)
        self.saved = (low, out, b.shape)
        return out

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low, out, b_shape = self.saved
        grad_b = np.linalg.solve(_mT(low), grad)
        grad_low = -np.tril(grad_b @ _mT(out))
        return unbroadcast(grad_low, low.shape), unbroadcast(grad_b, b_shape)


_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse error function elementwise (Giles' approximation polished by Newton
    steps; +-inf at +-1, nan outside [-1, 1])."""
    y = as_array(y)
    if not is_host(y):  # `Erfinv.cpu_only`: apply() names it for a device input
        raise ArgumentTypeError("erfinv computes with math.erf per element: host arrays only")
    v = np.asarray(y, dtype=np.float64)
    inside = np.abs(v) < 1
    t = np.where(inside, v, 0.0)
    w = -np.log((1 - t) * (1 + t))
    central = w < 5
    wc = w - 2.5
    pc = 2.81022636e-08
    for c in (
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
    ):
        pc = c + pc * wc
    wt = np.sqrt(np.maximum(w, 5)) - 3
    pt = -0.000200214257
    for c in (
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
    ):
        pt = c + pt * wt
    x = np.where(central, pc, pt) * t
    for _ in range(3):
        x = x - (_erf_scalar(x) - t) / ((2 / np.sqrt(np.pi)) * np.exp(-x * x))
    out = np.where(inside, x, np.where(np.abs(v) == 1, np.copysign(np.inf, v), np.nan))
    return out.astype(y.dtype if y.dtype.kind == "f" else np.float64)


class Erfinv(Node):
    cpu_only = "its Newton steps call math.erf per element (np.vectorize), which CuPy lacks"

    saves_inputs = False
    saves_output = True

    def forward(self, y: np.ndarray) -> np.ndarray:
        out = erfinv(y)
        self.saved = (out,)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        x = self.saved[0]
        return grad * (np.sqrt(np.pi) / 2) * np.exp(x * x)
