"""Shared test configuration.

Hypothesis profiles: ``ci`` (the default) keeps property tests quick; pick another with
``pytest --hypothesis-profile=thorough``.
"""

from hypothesis import settings

# No deadline: the first call of a test may pay one-off costs (imports, NumPy warm-up).
settings.register_profile("ci", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile("ci")
