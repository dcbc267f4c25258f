"""The tuner state is loaded by an allow-list unpickler: a shared folder runs no code."""

from __future__ import annotations

import collections
import io
import os
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tunelab.core import Decision, StoppingCriterion, Trial, Tuner, TunerCallback, TunerOptions
from tunelab.core.methods import random_search
from tunelab.core.results import ExperimentStore, safe_pickle
from tunelab.core.results.safe_pickle import UnsafePickleError, loads
from tunelab.core.space import uniform
from tunelab.core.testing import InlineBackend
from tunelab.core.trial import TrialStatus


class RunsACommand:
    """What a malicious state holds: unpickling it calls `os.system`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


class Opens:
    def __reduce__(self) -> tuple[Any, ...]:
        return (subprocess.Popen, (["true"],))


class Plugin:
    """A plugin's own type in its scheduler's state."""

    def __init__(self, value: int) -> None:
        self.value = value


def test_plain_data_numpy_and_tunelab_classes_load() -> None:
    state: dict[str, Any] = {
        "array": np.arange(6.0).reshape(2, 3),
        "objects": np.array([{"a": 1}, None], dtype=object),
        "records": np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
        "scalars": [np.float64(0.5), np.int64(3), np.bool_(True), np.str_("x")],
        "containers": (
            {1, 2},
            frozenset({3}),
            collections.OrderedDict(a=1),
            collections.deque([1, 2]),
            collections.defaultdict(list, {"k": [1]}),
            collections.Counter("aab"),
        ),
        "other": [complex(1, 2), bytearray(b"x"), range(3), slice(1, 2), None, b"bytes"],
        "rng": np.random.default_rng(7),
        "legacy": np.random.RandomState(7),
        "rng_state": np.random.default_rng(7).bit_generator.state,
        "status": TrialStatus.PAUSED,
    }
    for protocol in (3, 4, 5):
        loaded = loads(pickle.dumps(state, protocol=protocol))
        np.testing.assert_array_equal(loaded["array"], state["array"])
        assert loaded["objects"][0] == {"a": 1}
        assert loaded["records"].dtype == state["records"].dtype
        assert loaded["scalars"] == state["scalars"] and loaded["containers"] == state["containers"]
        assert loaded["other"] == state["other"] and loaded["status"] is TrialStatus.PAUSED
        assert loaded["rng"].random() == np.random.default_rng(7).random()
        assert loaded["legacy"].rand() == np.random.RandomState(7).rand()


def test_a_malicious_state_is_refused_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    store = ExperimentStore(tmp_path / "shared")
    store.save({"scheduler": {}})
    state_file = tmp_path / "shared" / "tuner_state" / "state-1.pkl"
    state_file.write_bytes(pickle.dumps({"scheduler": RunsACommand(marker)}, protocol=5))
    with pytest.raises(UnsafePickleError) as caught:
        ExperimentStore(tmp_path / "shared").load()
    message = str(caught.value)
    assert str(state_file) in message
    assert f"{os.system.__module__}.system" in message
    assert "untrusted source" in message
    assert not marker.exists()
    pickle.loads(state_file.read_bytes())  # what plain pickle did: the command runs
    assert marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        Opens(),
        eval,
        random_search,  # a tunelab function (a preset), not a class
        np.load,  # numpy, but not on the list
        Plugin(1),  # not a tunelab class
    ],
    ids=["subprocess", "builtin-eval", "tunelab-function", "numpy-load", "foreign-class"],
)
def test_globals_off_the_list_are_refused(payload: object) -> None:
    with pytest.raises(UnsafePickleError, match="may come from an untrusted source"):
        loads(pickle.dumps({"x": payload}, protocol=5), source="state-1.pkl")


def test_only_tunelab_classes_are_resolved_from_tunelab_modules() -> None:
    unpickler = safe_pickle.SafeUnpickler(io.BytesIO(b""), source="s")
    assert unpickler.find_class("tunelab.core.trial", "TrialStatus") is TrialStatus
    refused = [
        ("tunelab.core.results.store", "pickle"),  # a module imported there
        ("tunelab.core.results.store", "pickle.loads"),  # a dotted path out of tunelab
        ("tunelab.core.results.io", "pd"),
        ("tunelab.core.results.experiment", "pd.DataFrame"),  # a class, not tunelab's
        ("tunelab.experiments.__main__", "main"),  # importing it would run it
        ("tunelab", "core"),
    ]
    for module, name in refused:
        with pytest.raises(UnsafePickleError, match=f"names the global {module}.{name},"):
            unpickler.find_class(module, name)


def test_a_plugin_can_allow_its_own_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safe_pickle, "_allowed", set())
    data = pickle.dumps({"x": Plugin(3)}, protocol=5)
    with pytest.raises(UnsafePickleError, match=f"{__name__}.Plugin"):
        loads(data)
    safe_pickle.allow_global(__name__, "Plugin")
    assert loads(data)["x"].value == 3


class InterruptAfter(TunerCallback):
    def __init__(self, n_results: int) -> None:
        self.left = n_results

    def on_trial_result(self, trial: Trial, result: dict[str, Any], decision: Decision) -> None:
        self.left -= 1
        if self.left == 0:
            raise KeyboardInterrupt


def test_a_tuner_resumes_its_own_state_and_refuses_a_planted_one(tmp_path: Path) -> None:
    def tuner(path: Path, *callbacks: TunerCallback) -> Tuner:
        return Tuner(
            backend=InlineBackend(lambda config: iter([{"loss": config["x"]}])),
            scheduler=random_search({"x": uniform(0.0, 1.0)}, metric="loss", seed=0),
            stop_criterion=StoppingCriterion(max_num_trials_completed=6),
            n_workers=1,
            path=path,
            callbacks=list(callbacks),
            options=TunerOptions(sleep_time=0.0, progress_interval=None),
        )

    own = tmp_path / "own" / "exp"
    with pytest.raises(KeyboardInterrupt):
        tuner(own, InterruptAfter(3)).run()
    shared = tmp_path / "shared" / "exp"
    shutil.copytree(own, shared)
    store = ExperimentStore(shared)
    state = store.load()
    assert state is not None
    marker = tmp_path / "pwned"
    planted = {**state, "errors": RunsACommand(marker)}
    state_file = shared / "tuner_state" / f"state-{store.generation}.pkl"
    state_file.write_bytes(pickle.dumps(planted, protocol=5))
    with pytest.raises(UnsafePickleError, match="untrusted source"):
        tuner(shared).run()
    assert not marker.exists()
    resumed = tuner(own)
    resumed.run()  # its own state passes the safe loader
    assert len(resumed.trials) >= 6
