"""`ConstrainedBlackbox`: constraint metrics derived from bounds on objectives."""

from __future__ import annotations

import numpy as np
import pytest

from tunelab.blackbox import (
    Blackbox,
    Bound,
    ConstrainedBlackbox,
    SimulatorBackend,
    SurrogateBlackbox,
    branin,
)
from tunelab.blackbox.testing import BlackboxContract
from tunelab.core.trial import Trial

from .conftest import make_table

SLOW = Bound("elapsed_time", upper=300.0)
GOOD = Bound("error", lower=0.2)
BAND = Bound("error", lower=0.3, upper=0.6)


def constrained(**bounds: Bound) -> ConstrainedBlackbox:
    return ConstrainedBlackbox(make_table(n_configs=12), bounds or {"too_slow": SLOW})


class TestConstrainedTable(BlackboxContract):
    def make_blackbox(self) -> Blackbox:
        return constrained(too_slow=SLOW, band=BAND)

    def sample_configs(self, blackbox: Blackbox, n: int) -> list[dict[str, object]]:
        return _configs()[:n]  # the table's rows: the wrapper answers only those


class TestConstrainedSurrogate(BlackboxContract):
    n_configs = 3

    def make_blackbox(self) -> Blackbox:
        return ConstrainedBlackbox(SurrogateBlackbox(make_table(n_configs=12)), {"too_slow": SLOW})


def test_each_bound_adds_an_objective_that_is_at_most_zero_where_it_holds() -> None:
    blackbox = constrained(too_slow=SLOW, not_good=GOOD, band=BAND)
    table = blackbox.blackbox
    assert blackbox.objectives_names == [*table.objectives_names, "too_slow", "not_good", "band"]
    for config in make_table(n_configs=12).all_configurations()[:5]:
        curve = blackbox.evaluate_curve(config, seed=1)
        base = table.evaluate_curve(config, seed=1)
        np.testing.assert_allclose(curve["too_slow"], base["elapsed_time"] - 300.0)
        np.testing.assert_allclose(curve["not_good"], 0.2 - base["error"])
        band = np.maximum(base["error"] - 0.6, 0.3 - base["error"])
        np.testing.assert_allclose(curve["band"], band)
        inside = (base["error"] >= 0.3) & (base["error"] <= 0.6)
        np.testing.assert_array_equal(curve["band"] <= 0, inside)
        point = blackbox.evaluate(config, fidelity=3, seed=1)
        assert point["too_slow"] == pytest.approx(base["elapsed_time"][2] - 300.0)
        assert point["error"] == base["error"][2]


def test_everything_but_the_objectives_is_the_wrapped_blackboxs() -> None:
    blackbox = constrained()
    table = blackbox.blackbox
    assert blackbox.configuration_space == table.configuration_space
    assert blackbox.fidelity_name == table.fidelity_name == "epoch"
    np.testing.assert_array_equal(blackbox.fidelity_values, table.fidelity_values)
    assert blackbox.fidelity_space == table.fidelity_space
    assert blackbox.time_objective == "elapsed_time"
    assert blackbox.seeds == table.seeds
    assert "too_slow" in repr(blackbox) and "300.0" in repr(blackbox)
    assert blackbox.describe_constraints() == {
        "too_slow": {"objective": "elapsed_time", "upper": 300.0}
    }


def test_many_agrees_with_one_by_one() -> None:
    blackbox = constrained(too_slow=SLOW, band=BAND)
    configs = make_table(n_configs=12).all_configurations()[:4]
    many = blackbox.evaluate_many(configs, fidelity=5, seed=2)
    for k, config in enumerate(configs):
        one = blackbox.evaluate(config, fidelity=5, seed=2)
        assert {name: values[k] for name, values in many.items()} == pytest.approx(one)


def test_ranges_of_the_derived_metrics() -> None:
    blackbox = constrained(too_slow=SLOW, not_good=GOOD, band=BAND)
    low, high = blackbox.objective_range("elapsed_time")
    assert low is not None and high is not None
    assert blackbox.objective_range("too_slow") == pytest.approx((low - 300.0, high - 300.0))
    error_low, error_high = blackbox.objective_range("error")
    assert error_low is not None and error_high is not None
    assert blackbox.objective_range("not_good") == pytest.approx(
        (0.2 - error_high, 0.2 - error_low)
    )
    values = np.concatenate(
        [blackbox.evaluate_curve(c, seed=s)["band"] for c in _configs() for s in (0, 1, 2)]
    )
    band_low, band_high = blackbox.objective_range("band")
    assert band_low is not None and band_high is not None
    assert band_low <= values.min() and band_high == pytest.approx(values.max())


def test_a_two_sided_range_reaches_its_minimum_in_the_middle() -> None:
    assert BAND.excess_range(0.0, 1.0) == pytest.approx((-0.15, 0.4))
    assert BAND.excess_range(0.61, 0.9) == pytest.approx((0.01, 0.3))
    assert BAND.excess_range(None, 1.0) == (None, None)
    assert SLOW.excess_range(None, 500.0) == (None, 200.0)
    low, high = GOOD.excess_range(0.1, None)
    assert low is None and high == pytest.approx(0.1)


def test_an_unknown_range_stays_unknown() -> None:
    analytic = ConstrainedBlackbox(branin(), {"y_over": Bound("y", upper=1.0)})
    low, high = analytic.objective_range("y_over")
    assert low == pytest.approx(0.397887 - 1.0) and high is None
    assert analytic.objective_range("elapsed_time") == (None, None)


@pytest.mark.parametrize(
    ("bound", "message"),
    [
        (lambda: Bound("error"), "needs an upper or a lower limit"),
        (lambda: Bound("error", lower=0.5, upper=0.1), "lower=0.5 is above upper=0.1"),
        (lambda: Bound("error", upper=float("nan")), "upper must be a finite number"),
        (lambda: Bound("error", lower=True), "lower must be a finite number"),
        (lambda: Bound("", upper=1.0), "must be an objective's name"),
    ],
)
def test_bad_bounds_are_named(bound: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bound()  # type: ignore[operator]


def test_bad_constraints_are_named() -> None:
    table = make_table(n_configs=4)
    with pytest.raises(ValueError, match="'error' is already an objective"):
        ConstrainedBlackbox(table, {"error": SLOW})
    with pytest.raises(ValueError, match=r"bounds 'latency', which is not an objective.*error"):
        ConstrainedBlackbox(table, {"too_slow": Bound("latency", upper=1.0)})
    with pytest.raises(ValueError, match="at least one constraint"):
        ConstrainedBlackbox(table, {})
    with pytest.raises(TypeError, match="must be a Bound"):
        ConstrainedBlackbox(table, {"too_slow": {"objective": "error"}})  # type: ignore[dict-item]


def test_the_simulator_reports_the_constraint_metric() -> None:
    backend = SimulatorBackend(constrained())
    backend.start_trial(Trial(trial_id=0, config=_configs()[0]))
    results = []
    while backend.busy_trial_ids():
        backend.clock.sleep(1.0)
        results += [r for update in backend.fetch_new_results() for r in update.results]
    assert len(results) == 10
    assert all(r["too_slow"] == pytest.approx(r["elapsed_time"] - 300.0) for r in results)


def _configs() -> list[dict[str, object]]:
    return make_table(n_configs=12).all_configurations()
