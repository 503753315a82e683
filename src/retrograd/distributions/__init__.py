"""`torch.distributions`: probability distributions with PyTorch's names and semantics.

Each distribution has `batch_shape` and `event_shape`, `sample` (outside the graph),
`rsample` where it is reparameterisable (the gradient reaches the parameters; for `Gamma`,
`Beta`, `Dirichlet` and `StudentT` through implicit reparameterisation), `log_prob`,
`entropy`, `mean`, `mode`, `variance`, `stddev`, `cdf` / `icdf` where PyTorch has them,
`expand`, and `arg_constraints` / `support` checked when `validate_args` is on (the default,
as PyTorch). `kl_divergence` looks up the pairs registered with `register_kl`. Every draw
comes from retrograd's seeded generator (`retrograd.manual_seed`).
"""

from __future__ import annotations

from retrograd.distributions import constraints
from retrograd.distributions.discrete import (
    Bernoulli,
    Binomial,
    Categorical,
    Geometric,
    OneHotCategorical,
    Poisson,
)
from retrograd.distributions.distribution import Distribution
from retrograd.distributions.gamma import Beta, Dirichlet, Gamma, StudentT
from retrograd.distributions.independent import Independent
from retrograd.distributions.kl import kl_divergence, register_kl
from retrograd.distributions.multivariate_normal import MultivariateNormal
from retrograd.distributions.normal import Cauchy, Laplace, LogNormal, Normal
from retrograd.distributions.relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from retrograd.distributions.uniform import Exponential, Uniform

__all__ = [
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Cauchy",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Geometric",
    "Independent",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "Poisson",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "StudentT",
    "Uniform",
    "constraints",
    "kl_divergence",
    "register_kl",
]
