"""gradcheck on inputs NumPy stores out of order and on outputs that are views of the input:
the finite differences must see every perturbation (both used to give a numeric gradient of 0)."""

from __future__ import annotations

import numpy as np

import retrograd as rg
from retrograd import nn


def test_a_transposed_input_is_perturbed_element_by_element() -> None:
    base = np.arange(12.0).reshape(3, 4) / 7
    x = rg.tensor(base.T, requires_grad=True)  # a Fortran-ordered copy keeps that order
    result = rg.check_gradients(lambda t: (t * t).sum(), (x,))
    assert result.ok, result.report()


def test_an_output_that_is_a_view_of_the_input() -> None:
    x = rg.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    result = rg.check_gradients(lambda t: t.reshape(4, 3), (x,))
    assert result.ok, result.report()
    flatten = nn.Flatten()
    images = rg.tensor(np.linspace(-1, 1, 24).reshape(2, 3, 4), requires_grad=True)
    result = rg.check_gradients(flatten, (images,))
    assert result.ok, result.report()
