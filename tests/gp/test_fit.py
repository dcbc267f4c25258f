from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from autograd import value_and_grad
from scipy.optimize import minimize

from tunelab.gp.fit import RefitSchedule, fit_hyperparameters, subsample
from tunelab.gp.kernels import Matern52
from tunelab.gp.model import GPModel
from tunelab.gp.targets import TargetTransform


def _data(n: int = 25) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(n, 3))
    y = np.sin(6 * x[:, 0]) + 0.1 * x[:, 1]  # the third column is irrelevant
    return x, (y - y.mean()) / y.std()


def test_fitting_increases_the_marginal_likelihood() -> None:
    x, y = _data()
    model = GPModel(Matern52(3))
    start = model.initial()
    theta = fit_hyperparameters(model, x, y, rng=np.random.default_rng(0))
    assert model.neg_log_posterior(theta, x, y) < model.neg_log_posterior(start, x, y) - 1
    assert model.neg_log_likelihood(theta, x, y) < model.neg_log_likelihood(start, x, y)
    _, kernel_p, _ = model.split(theta)
    scales = np.exp(kernel_p[1:])
    assert scales[2] > scales[0]  # ARD finds the irrelevant column


def test_warm_start_is_never_worse_than_its_start() -> None:
    x, y = _data()
    model = GPModel(Matern52(3))
    first = fit_hyperparameters(model, x, y, rng=np.random.default_rng(0))
    again = fit_hyperparameters(
        model, x, y, rng=np.random.default_rng(1), warm_start=first, num_starts=1
    )
    assert model.neg_log_posterior(again, x, y) <= model.neg_log_posterior(first, x, y) + 1e-9


def test_refit_schedule_skips_beyond_the_initial_length() -> None:
    schedule = RefitSchedule(init_length=5, period=3)
    decisions = [schedule.should_refit(n) for n in range(1, 15)]
    assert decisions[:4] == [True] * 4  # n = 1..4 < 5
    assert decisions[4:] == [False, False, True] * 3 + [False]


def test_refit_schedule_with_period_one_always_refits() -> None:
    schedule = RefitSchedule(init_length=0, period=1)
    assert all(schedule.should_refit(n) for n in range(100))


def test_refit_schedule_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="period"):
        RefitSchedule(init_length=3, period=0)


def test_subsample_keeps_the_best_points() -> None:
    y = np.random.default_rng(0).normal(size=100)
    keep = subsample(y, 20, rng=np.random.default_rng(0), top_fraction=0.25)
    assert len(keep) == 20 and len(set(keep)) == 20
    assert set(np.argsort(y)[:5]) <= set(keep)
    np.testing.assert_array_equal(subsample(y, 200, rng=np.random.default_rng(0)), np.arange(100))


def test_subsample_keeps_high_priority_points_first() -> None:
    y = np.arange(30.0)
    priority = np.zeros(30)
    priority[25:] = 2
    priority[20:25] = 1
    keep = subsample(y, 15, rng=np.random.default_rng(0), priority=priority)
    assert set(range(20, 30)) <= set(keep)
    assert {0, 1} <= set(keep)  # best of the lowest class


def test_target_transform_normalises_and_boxcox_is_increasing() -> None:
    y = np.random.default_rng(0).lognormal(size=50)
    z = TargetTransform.fit(y)(y)
    assert abs(z.mean()) < 1e-12 and abs(z.std() - 1) < 1e-12
    transform = TargetTransform.fit(y, boxcox=True)
    assert transform.lmbda is not None
    order = np.argsort(y)
    assert np.all(np.diff(transform(y)[order]) > 0)
    negative = TargetTransform.fit(y - 5, boxcox=True)
    assert np.all(np.isfinite(negative(y - 5)))


class CountingModel(GPModel):
    """Records every parameter vector the objective is evaluated at."""

    def __init__(self) -> None:
        super().__init__(Matern52(3))
        self.points: list[np.ndarray] = []

    def neg_log_posterior(self, theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
        self.points.append(np.array(getattr(theta, "_value", theta), dtype=float))
        return super().neg_log_posterior(theta, x, y)


def test_each_start_is_evaluated_once() -> None:
    """The value of the first start (taken to compare with the optima) is reused where
    L-BFGS-B begins, and the result is what evaluating it twice gave."""
    x, y = _data()
    model = CountingModel()
    theta = fit_hyperparameters(model, x, y, rng=np.random.default_rng(0), num_starts=2)
    start = model.initial()
    assert sum(np.array_equal(point, start) for point in model.points) == 1
    plain = GPModel(Matern52(3))
    np.testing.assert_array_equal(
        theta, _fit_evaluating_twice(plain, x, y, rng=np.random.default_rng(0))
    )


def _fit_evaluating_twice(
    model: GPModel, x: np.ndarray, y: np.ndarray, *, rng: np.random.Generator
) -> np.ndarray:
    """`fit_hyperparameters` as it was, without reusing an evaluation."""
    objective = value_and_grad(lambda theta: model.neg_log_posterior(theta, x, y))

    def safe(theta: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(theta)
        return float(value), np.asarray(gradient, dtype=float)

    default = model.initial()
    starts = [default, default + 0.75 * rng.standard_normal(model.n_params)]
    best_theta, best_value = starts[0], safe(starts[0])[0]
    for start in starts:
        result = minimize(
            safe,
            np.clip(start, -12.0, 12.0),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-12.0, 12.0)] * model.n_params,
            options={"maxiter": 50, "ftol": 1e-6},
        )
        if np.isfinite(result.fun) and result.fun < best_value:
            best_theta, best_value = np.asarray(result.x), float(result.fun)
    return np.asarray(best_theta, dtype=float)
