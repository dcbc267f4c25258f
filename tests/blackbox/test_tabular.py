from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tunelab.blackbox import SurrogateBlackbox, TabularBlackbox
from tunelab.blackbox.testing import BlackboxContract
from tunelab.core.space import randint, uniform

from .conftest import make_table


class TestTabularContract(BlackboxContract):
    def make_blackbox(self) -> TabularBlackbox:
        return make_table(n_configs=12)


class TestSurrogateContract(BlackboxContract):
    def make_blackbox(self) -> SurrogateBlackbox:
        return SurrogateBlackbox(make_table(n_configs=12))


class TestRandomForestSurrogateContract(BlackboxContract):
    def make_blackbox(self) -> SurrogateBlackbox:
        return SurrogateBlackbox(make_table(n_configs=12), model="random_forest")


def test_lookup_returns_the_table_entry(table: TabularBlackbox) -> None:
    config = table.all_configurations()[7]
    curve = table.evaluate_curve(config, seed=2)
    np.testing.assert_allclose(curve["error"], table.objectives[7, 2, :, 0])
    assert table.evaluate(config, fidelity=3, seed=1)["error"] == table.objectives[7, 1, 2, 0]
    assert table.index_of({**config, "unrelated": 1}) == 7


def test_unknown_config_names_the_remedies(table: TabularBlackbox) -> None:
    config = {**table.all_configurations()[0], "lr": 0.123456789}
    with pytest.raises(KeyError, match="SurrogateBlackbox"):
        table.evaluate(config)


def test_fidelity_and_seed_errors(table: TabularBlackbox) -> None:
    config = table.all_configurations()[0]
    with pytest.raises(ValueError, match=r"fidelity 11 is not one of 'epoch'"):
        table.evaluate(config, fidelity=11)
    with pytest.raises(ValueError, match=r"seed 5 is not one of the blackbox's seeds \[0, 1, 2\]"):
        table.evaluate(config, seed=5)


def test_fidelity_space_describes_the_fidelities(table: TabularBlackbox) -> None:
    ((name, domain),) = table.fidelity_space.items()
    assert name == "epoch" and domain.values() == list(range(1, 11))


def test_shape_checks_name_the_problem() -> None:
    space = {"x": uniform(0, 1)}
    with pytest.raises(ValueError, match=r"shape \(n_configs, n_seeds"):
        TabularBlackbox(
            hyperparameters=pd.DataFrame({"x": [0.1]}),
            objectives=np.zeros((1, 2)),
            objectives_names=["y"],
            configuration_space=space,
        )
    with pytest.raises(ValueError, match="lacks the columns"):
        TabularBlackbox(
            hyperparameters=pd.DataFrame({"z": [0.1]}),
            objectives=np.zeros((1, 1, 1, 1)),
            objectives_names=["y"],
            configuration_space={"x": uniform(0, 1), "k": randint(1, 3)},
        )


def test_surrogate_answers_any_config_with_its_nearest_row(table: TabularBlackbox) -> None:
    surrogate = SurrogateBlackbox(table)
    known = table.all_configurations()[3]
    np.testing.assert_allclose(
        surrogate.evaluate_curve(known, seed=1)["error"], table.objectives[3, 1, :, 0]
    )
    near = {**known, "lr": known["lr"] * 1.0001}
    assert surrogate.evaluate(near) == pytest.approx(table.evaluate(known))
    with pytest.raises(ValueError, match="model must be"):
        SurrogateBlackbox(table, model="svm")


def test_objective_range_is_the_extremes_of_the_table(table: TabularBlackbox) -> None:
    for k, name in enumerate(table.objectives_names):
        values = table.objectives[..., k]
        assert table.objective_range(name) == (values.min(), values.max())
    surrogate = SurrogateBlackbox(table)
    assert surrogate.objective_range(table.objectives_names[0]) == table.objective_range(
        table.objectives_names[0]
    )
    with pytest.raises(KeyError, match="nope"):
        table.objective_range("nope")
