"""Shared test configuration.

Hypothesis profiles: ``ci`` (the default) keeps property tests quick; pick another with
``pytest --hypothesis-profile=thorough``.
"""

from hypothesis import settings

# No deadline: the first call of a test may pay one-off costs (imports, NumPy warm-up).
settings.register_profile("ci", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile("ci")


import pytest  # noqa: E402

from retrograd.backend.dtypes import default_float_dtype, set_default_dtype  # noqa: E402


@pytest.fixture(autouse=True)
def _restore_default_dtype() -> object:
    """A test that sets the default float dtype (float64 for a gradient check) leaves it as it
    found it, so later tests see float32."""
    before = default_float_dtype()
    yield
    set_default_dtype(before)
