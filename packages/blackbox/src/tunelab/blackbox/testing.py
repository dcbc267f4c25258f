"""Contract test suite for `Blackbox` implementations.

```python
from tunelab.blackbox.testing import BlackboxContract

class TestMyBlackbox(BlackboxContract):
    def make_blackbox(self):
        return MyBlackbox()
```
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.tabular import TabularBlackbox
from tunelab.core.space import sample_config, validate_config
from tunelab.core.trial import Config


class BlackboxContract:
    """Inherit in a pytest class and implement `make_blackbox`."""

    n_configs = 5

    def make_blackbox(self) -> Blackbox:
        raise AssertionError("subclasses of BlackboxContract implement make_blackbox")

    def sample_configs(self, blackbox: Blackbox, n: int) -> list[Config]:
        """Configurations the blackbox can answer (rows of a table, else samples)."""
        if isinstance(blackbox, TabularBlackbox):
            rows = np.random.default_rng(0).choice(len(blackbox), size=min(n, len(blackbox)))
            configs = blackbox.all_configurations()
            return [configs[int(i)] for i in rows]
        rng = np.random.default_rng(0)
        return [sample_config(blackbox.configuration_space, rng) for _ in range(n)]

    def test_description_is_consistent(self) -> None:
        blackbox = self.make_blackbox()
        names = blackbox.objectives_names
        assert names and len(set(names)) == len(names)
        assert blackbox.seeds and len(set(blackbox.seeds)) == len(blackbox.seeds)
        assert blackbox.time_objective is None or blackbox.time_objective in names
        fidelities = blackbox.fidelity_values
        if fidelities is None:
            assert blackbox.fidelity_space == {}
        else:
            assert blackbox.fidelity_name is not None
            assert np.all(np.diff(fidelities) > 0)

    def test_configs_are_valid_for_the_space(self) -> None:
        blackbox = self.make_blackbox()
        for config in self.sample_configs(blackbox, self.n_configs):
            assert validate_config(blackbox.configuration_space, config) == config

    def test_curve_matches_pointwise_evaluations(self) -> None:
        blackbox = self.make_blackbox()
        fidelities = blackbox.fidelity_values
        n = 1 if fidelities is None else len(fidelities)
        for config in self.sample_configs(blackbox, self.n_configs):
            for seed in blackbox.seeds[:2]:
                curve = blackbox.evaluate_curve(config, seed=seed)
                assert set(curve) == set(blackbox.objectives_names)
                assert all(values.shape == (n,) for values in curve.values())
                last = blackbox.evaluate(config, seed=seed)
                for name, value in last.items():
                    assert _same(value, curve[name][-1])
                if fidelities is not None:
                    middle = float(fidelities[n // 2])
                    point = blackbox.evaluate(config, fidelity=middle, seed=seed)
                    assert all(_same(point[k], curve[k][n // 2]) for k in point)

    def test_evaluate_many_matches_evaluate(self) -> None:
        blackbox = self.make_blackbox()
        configs = self.sample_configs(blackbox, self.n_configs)
        many = blackbox.evaluate_many(configs)
        for i, config in enumerate(configs):
            one = blackbox.evaluate(config)
            assert all(_same(one[name], many[name][i]) for name in blackbox.objectives_names)

    def test_time_objective_is_cumulative(self) -> None:
        blackbox = self.make_blackbox()
        if blackbox.time_objective is None:
            return
        for config in self.sample_configs(blackbox, self.n_configs):
            times = blackbox.evaluate_curve(config)[blackbox.time_objective]
            finite = times[np.isfinite(times)]
            assert np.all(finite >= 0) and np.all(np.diff(finite) >= -1e-9)

    def test_evaluations_are_deterministic(self) -> None:
        blackbox = self.make_blackbox()
        config = self.sample_configs(blackbox, 1)[0]
        first, second = blackbox.evaluate(config), blackbox.evaluate(config)
        assert all(_same(first[k], second[k]) for k in first)

    def test_evaluations_lie_in_the_objective_range(self) -> None:
        blackbox = self.make_blackbox()
        for name in blackbox.objectives_names:
            low, high = blackbox.objective_range(name)
            assert low is None or high is None or low <= high
            for config in self.sample_configs(blackbox, self.n_configs):
                curve = blackbox.evaluate_curve(config)[name]
                finite = curve[np.isfinite(curve)]
                assert low is None or np.all(finite >= low - 1e-9 * max(1.0, abs(low)))
                assert high is None or np.all(finite <= high + 1e-9 * max(1.0, abs(high)))
        error = _error_of(lambda: blackbox.objective_range("no-such-objective"), KeyError)
        assert "no-such-objective" in error, "an unknown objective must be refused by name"

    def test_bad_fidelity_and_seed_are_rejected(self) -> None:
        blackbox = self.make_blackbox()
        config = self.sample_configs(blackbox, 1)[0]
        fidelity_error = _error_of(lambda: blackbox.evaluate(config, fidelity=1e9))
        assert "fidelity" in fidelity_error, "an unknown fidelity must be refused by name"
        seed_error = _error_of(lambda: blackbox.evaluate(config, seed=10**9))
        assert "seed" in seed_error, "an unknown seed must be refused by name"


def _error_of(call: Callable[[], object], kind: type[Exception] = ValueError) -> str:
    """The message of the `kind` error that `call` raises (fails if it raises none)."""
    try:
        call()
    except kind as error:
        return str(error)
    raise AssertionError(f"expected a {kind.__name__}")


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
