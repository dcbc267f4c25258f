from __future__ import annotations

import numpy as np
import pytest

from tunelab.blackbox import AnalyticBlackbox, ackley, branin, hartmann3, hartmann6, rosenbrock
from tunelab.blackbox.testing import BlackboxContract


class TestBraninContract(BlackboxContract):
    def make_blackbox(self) -> AnalyticBlackbox:
        return branin()


class TestHartmann6Contract(BlackboxContract):
    def make_blackbox(self) -> AnalyticBlackbox:
        return hartmann6(max_fidelity=9)


@pytest.mark.parametrize(
    ("factory", "argmin"),
    [
        (branin, {"x1": np.pi, "x2": 2.275}),
        (hartmann3, {"x0": 0.114614, "x1": 0.555649, "x2": 0.852547}),
        (
            hartmann6,
            dict(
                zip(
                    [f"x{i}" for i in range(6)],
                    [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573],
                    strict=True,
                )
            ),
        ),
        (rosenbrock, {f"x{i}": 1.0 for i in range(4)}),
        (ackley, {"x0": 0.0, "x1": 0.0}),
    ],
)
def test_known_minima_at_full_fidelity(factory: object, argmin: dict[str, float]) -> None:
    blackbox = factory()  # type: ignore[operator]
    assert blackbox.evaluate(argmin)["y"] == pytest.approx(blackbox.optimum, abs=1e-4)


def test_curves_decrease_to_the_function_value_and_time_accumulates() -> None:
    blackbox = branin(max_fidelity=10, time_per_step=2.0)
    curve = blackbox.evaluate_curve({"x1": 1.0, "x2": 5.0})
    assert np.all(np.diff(curve["y"]) < 0)
    assert curve["elapsed_time"][0] >= 2.0
    np.testing.assert_allclose(np.diff(curve["elapsed_time"]), curve["elapsed_time"][0])


def test_only_linear_continuous_domains_are_accepted() -> None:
    from tunelab.core.space import loguniform, randint

    for domain in (randint(1, 5), loguniform(1e-3, 1.0)):
        with pytest.raises(ValueError, match="hyperparameter 'x' is"):
            AnalyticBlackbox(lambda x: float(x[0]), {"x": domain}, name="bad")


def test_objective_range_knows_the_optimum_only() -> None:
    from tunelab.blackbox.analytic import branin

    blackbox = branin()
    low, high = blackbox.objective_range("y")
    assert low == pytest.approx(0.397887) and high is None
    assert blackbox.objective_range("elapsed_time") == (None, None)
