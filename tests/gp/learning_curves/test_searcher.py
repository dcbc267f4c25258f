from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tunelab.core.space import uniform
from tunelab.core.testing import SearcherContract
from tunelab.gp.learning_curves import MOBSTERSearcher
from tunelab.gp.learning_curves.joint import RESOURCE_KERNELS, ResourceKernel
from tunelab.gp.learning_curves.searcher import LearningCurveModel
from tunelab.gp.optimize import OptimizerSettings
from tunelab.gp.settings import GPSettings

FAST = GPSettings(optimizer=OptimizerSettings(num_candidates=300), opt_max_iterations=20)


class TestMOBSTERJointContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> MOBSTERSearcher:
        return MOBSTERSearcher(config_space, num_init_random=3, settings=FAST, seed=seed)


class TestMOBSTERIndependentContract(SearcherContract):
    n_suggestions = 10

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> MOBSTERSearcher:
        return MOBSTERSearcher(
            config_space, model="independent", num_init_random=3, settings=FAST, seed=seed
        )


class TestMOBSTERMatern52ResourceContract(SearcherContract):
    n_suggestions = 8

    def make_searcher(self, config_space: dict[str, Any], *, seed: int) -> MOBSTERSearcher:
        return MOBSTERSearcher(
            config_space, resource_kernel="matern52", num_init_random=3, settings=FAST, seed=seed
        )


def _drive(searcher: MOBSTERSearcher, n: int) -> list[dict[str, Any]]:
    """Trials report at levels 1, 3, 9 (every third reaches 9); two stay pending."""
    searcher.configure(metric="loss", mode="min", resource_attr="epoch")
    configs = []
    for trial_id in range(n):
        config = searcher.suggest(trial_id)
        assert config is not None
        configs.append(config)
        searcher.register_pending(trial_id, config)
        for level in [1, 3, 9][: 1 + trial_id % 3]:
            loss = (config["x"] - 0.7) ** 2 + (config["y"] - 0.2) ** 2 + 1.0 / level
            searcher.observe(trial_id, config, {"loss": loss, "epoch": level})
        if trial_id < n - 2:
            searcher.remove_pending(trial_id)
    return configs


@pytest.mark.parametrize("model", ["joint", "independent"])
def test_mobster_finds_the_good_region(model: LearningCurveModel) -> None:
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    searcher = MOBSTERSearcher(space, model=model, max_resource=9, settings=FAST, seed=0)
    configs = _drive(searcher, 30)
    late = configs[-10:]
    distance = np.mean([(c["x"] - 0.7) ** 2 + (c["y"] - 0.2) ** 2 for c in late])
    assert distance < 0.05
    assert searcher.acquisition_level == 9
    # trial 28 (at level 3) is fantasized at level 9; trial 29 reached the top level
    pending = searcher._pending_inputs()
    assert pending.shape == (1, 3)
    assert pending[0, -1] == 1.0


@pytest.mark.parametrize("kernel", list(RESOURCE_KERNELS))
def test_joint_model_predicts_the_decay_between_levels(kernel: ResourceKernel) -> None:
    space = {"x": uniform(0, 1), "y": uniform(0, 1)}
    searcher = MOBSTERSearcher(
        space,
        resource_kernel=kernel,
        max_resource=9,
        settings=FAST,
        seed=1,
    )
    _drive(searcher, 24)
    gp = searcher.model()
    assert gp is not None
    x = np.array([[0.5, 0.5, 1 / 9], [0.5, 0.5, 1 / 3], [0.5, 0.5, 1.0]])
    mean, _ = gp.posterior(x)
    assert mean[0] > mean[1] > mean[2]  # the loss falls with the resource


def test_bad_model_is_named() -> None:
    with pytest.raises(ValueError, match="model"):
        MOBSTERSearcher({"x": uniform(0, 1)}, model="both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="resource_kernel must be one of"):
        MOBSTERSearcher({"x": uniform(0, 1)}, resource_kernel="rbf")  # type: ignore[arg-type]


def test_training_data_equals_a_full_pass_over_the_log() -> None:
    """The incrementally kept result index gives the rows, targets and priorities of
    one pass over the whole log, also after the state is reloaded."""
    searcher = MOBSTERSearcher({"x": uniform(0, 1), "y": uniform(0, 1)}, settings=FAST, seed=3)
    _drive(searcher, 9)
    for trial_id in (0, 4):  # a trial that reports again at a level it reached
        config = {"x": 0.25, "y": 0.5}
        searcher.observe(trial_id, config, {"loss": 7.0 + trial_id, "epoch": 1})
    searcher.model()
    _drive_more(searcher, range(9, 14))
    expected = _full_pass(searcher)
    for got, want in zip(searcher._training_data(), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    reloaded = MOBSTERSearcher({"x": uniform(0, 1), "y": uniform(0, 1)}, settings=FAST, seed=3)
    reloaded.configure(metric="loss", mode="min", resource_attr="epoch")
    reloaded.load_state_dict(searcher.state_dict())
    for got, want in zip(reloaded._training_data(), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(reloaded._pending_inputs(), searcher._pending_inputs())


def _drive_more(searcher: MOBSTERSearcher, trial_ids: range) -> None:
    for trial_id in trial_ids:
        config = searcher.suggest(trial_id)
        assert config is not None
        for level in [1, 3, 9][: 1 + trial_id % 3]:
            searcher.observe(trial_id, config, {"loss": config["x"] / level, "epoch": level})


def _full_pass(searcher: MOBSTERSearcher) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, targets and priorities as built from the whole log at once."""
    rows: dict[tuple[int, float], tuple[float, np.ndarray]] = {}
    for trial_id, level, value, vector in searcher._data.log:
        rows[(trial_id, level)] = (value, vector)
    reached: dict[int, int] = {}
    for trial_id, _ in rows:
        reached[trial_id] = reached.get(trial_id, 0) + 1
    inputs = np.array(
        [np.append(vector, searcher._normalise(level)) for (_, level), (_, vector) in rows.items()]
    )
    targets = np.array([value for value, _ in rows.values()])
    priority = np.array([reached[trial_id] for trial_id, _ in rows], dtype=float)
    return inputs, targets, priority
