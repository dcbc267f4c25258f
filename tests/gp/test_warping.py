from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tunelab.gp.kernels import Matern52
from tunelab.gp.warping import WarpedKernel, kumaraswamy_cdf


@given(st.floats(-2, 2), st.floats(-2, 2))
def test_kumaraswamy_is_increasing_within_the_unit_interval(log_a: float, log_b: float) -> None:
    x = np.linspace(0, 1, 201)
    w = kumaraswamy_cdf(x, log_a, log_b)
    assert np.all(np.diff(w) >= 0)
    assert 0 <= w[0] < w[100] < w[-1] <= 1


def test_kumaraswamy_is_invertible_in_closed_form() -> None:
    x = np.linspace(0.01, 0.99, 50)
    a, b = np.exp(0.4), np.exp(-0.3)
    w = kumaraswamy_cdf(x, 0.4, -0.3)
    np.testing.assert_allclose((1 - (1 - w) ** (1 / b)) ** (1 / a), x, rtol=1e-8)


def test_identity_at_zero_parameters_and_categoricals_untouched() -> None:
    x = np.random.default_rng(0).uniform(size=(4, 3))
    kernel = WarpedKernel(Matern52(3), np.array([1]))
    warped = kernel.warp(kernel.initial(), x)
    np.testing.assert_allclose(warped, x, atol=1e-6)
    theta = kernel.initial()
    theta[-2:] = [0.7, 0.2]
    warped = kernel.warp(theta, x)
    np.testing.assert_array_equal(warped[:, [0, 2]], x[:, [0, 2]])
    assert not np.allclose(warped[:, 1], x[:, 1])
