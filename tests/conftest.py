"""Settings shared by the whole test suite."""

from hypothesis import settings

# The suite is derandomized so that a run on CI decides exactly what a run on a
# laptop decides: a property test that fails, fails every time. Explore new inputs
# on purpose with `pytest --hypothesis-profile=explore` (random, many examples), then
# pin what it finds with `@example`.
settings.register_profile("derandomized", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile("derandomized")
