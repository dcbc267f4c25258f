from __future__ import annotations

import numpy as np

from tunelab.gp.fantasize import fantasize
from tunelab.gp.kernels import Matern52
from tunelab.gp.model import GPModel


def test_fantasies_add_data_keep_the_mean_and_shrink_the_variance() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=(10, 2)), rng.normal(size=10)
    model = GPModel(Matern52(2))
    gp = model.condition(model.initial(), x, y)
    pending = rng.uniform(size=(3, 2))
    conditioned = fantasize(gp, pending)
    assert conditioned.x.shape == (13, 2) and conditioned.y.shape == (13,)
    before_mean, before_var = gp.posterior(pending)
    after_mean, after_var = conditioned.posterior(pending)
    np.testing.assert_allclose(after_mean, before_mean, atol=1e-6)
    assert np.all(after_var < before_var)
    assert fantasize(gp, np.zeros((0, 2))) is gp
