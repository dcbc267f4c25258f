"""YAHPO Gym scenarios evaluated with onnxruntime: values, spaces, recipes.

The lcbench tests use the shared yahpo_data folder and yahpo-gym 1.0.2's outputs
(skipped when absent); the others use scenario folders made here, whose model is a
hand-written ONNX graph that echoes its inputs, to check what is fed to the model.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from tunelab.blackbox.repository.recipes.configspace_json import (
    parse_config_space,
    read_config_space,
)
from tunelab.blackbox.repository.recipes.yahpo import (
    YAHPO_DATA_ENV,
    YahpoBlackbox,
    YahpoRecipe,
    yahpo_recipes,
)
from tunelab.blackbox.repository.recipes.yahpo_scenarios import SCENARIOS, YahpoScenario
from tunelab.blackbox.testing import BlackboxContract
from tunelab.core.space import (
    choice,
    lograndint,
    loguniform,
    ordinal,
    randint,
    sample_config,
    uniform,
)

pytest.importorskip("onnxruntime")

SHARED_DATA = Path(
    os.environ.get("TUNELAB_SHARED_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)
YAHPO = SHARED_DATA / "yahpo"
LCBENCH = YAHPO / "lcbench"
needs_lcbench = pytest.mark.skipif(
    not (LCBENCH / "model.onnx").is_file() or not (YAHPO / "reference_values.json").is_file(),
    reason=f"the shared yahpo_data lcbench folder is not at {LCBENCH} (set TUNELAB_SHARED_DATA)",
)


def _reference() -> dict[str, Any]:
    return dict(json.loads((YAHPO / "reference_values.json").read_text())["lcbench"])


def _tuned(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k not in ("OpenML_task_id", "epoch")}


# -- lcbench against yahpo-gym 1.0.2 -------------------------------------------------------


@needs_lcbench
def test_reference_values() -> None:
    reference = _reference()
    assert reference["y_names"] == list(SCENARIOS["lcbench"].y_names)
    records = reference["records"]
    assert len(records) == 24
    for record in records:
        raw = YahpoBlackbox(LCBENCH, instance=record["instance"], monotone_time=False)
        epoch = record["config"]["epoch"]
        values = raw.evaluate(_tuned(record["config"]), fidelity=epoch)
        curve = raw.evaluate_curve(_tuned(record["config"]))
        for name, expected in record["targets"].items():
            # yahpo-gym runs one row at a time; batched rows round differently in float32
            assert values[name] == pytest.approx(expected, rel=1e-4, abs=1e-6), name
            assert curve[name][epoch - 1] == values[name]
        default = YahpoBlackbox(LCBENCH, instance=record["instance"])
        fixed = default.evaluate(_tuned(record["config"]), fidelity=epoch)
        assert fixed["time"] == curve["time"][:epoch].max()  # running maximum
        assert {k: v for k, v in fixed.items() if k != "time"} == {
            k: v for k, v in values.items() if k != "time"
        }


@needs_lcbench
def test_time_is_made_cumulative() -> None:
    raw = YahpoBlackbox(LCBENCH, instance="3945", monotone_time=False)
    blackbox = YahpoBlackbox(LCBENCH, instance="3945")
    rng = np.random.default_rng(3)
    configs = [sample_config(blackbox.configuration_space, rng) for _ in range(200)]
    raw_time = raw.evaluate_curves(configs)["time"]
    time = blackbox.evaluate_curves(configs)["time"]
    assert np.any(np.diff(raw_time, axis=1) < 0)  # the surrogate's time dips
    assert np.all(np.diff(time, axis=1) >= 0)
    np.testing.assert_array_equal(time, np.maximum.accumulate(raw_time, axis=1))


@needs_lcbench
def test_reference_values_batched() -> None:
    records = _reference()["records"]
    for instance in sorted({r["instance"] for r in records}):
        mine = [r for r in records if r["instance"] == instance]
        blackbox = YahpoBlackbox(LCBENCH, instance=instance, monotone_time=False)
        curves = blackbox.evaluate_curves([_tuned(r["config"]) for r in mine])
        for i, record in enumerate(mine):
            for name, expected in record["targets"].items():
                got = curves[name][i, record["config"]["epoch"] - 1]
                assert got == pytest.approx(expected, rel=1e-4, abs=1e-6)


@needs_lcbench
def test_lcbench_space_and_fidelity() -> None:
    blackbox = YahpoBlackbox(LCBENCH, instance="167190")
    assert blackbox.configuration_space == {
        "batch_size": lograndint(16, 512),
        "learning_rate": loguniform(0.00010000000000000009, 0.10000000000000002),
        "max_dropout": uniform(0.0, 1.0),
        "max_units": lograndint(64, 1024),
        "momentum": uniform(0.1, 0.99),
        "num_layers": randint(1, 5),
        "weight_decay": uniform(1e-05, 0.1),
    }
    np.testing.assert_array_equal(blackbox.fidelity_values, np.arange(1, 53))
    assert blackbox.fidelity_name == "epoch"
    assert blackbox.fidelity_space == {"epoch": randint(1, 52)}
    assert blackbox.time_objective == "time"
    assert blackbox.seeds == [0]
    assert blackbox.objectives_names == list(SCENARIOS["lcbench"].y_names)
    assert len(blackbox.instances) == 34 and blackbox.instance == "167190"


@needs_lcbench
def test_batched_paths_agree_exactly() -> None:
    blackbox = YahpoBlackbox(LCBENCH, instance="3945")
    rng = np.random.default_rng(1)
    configs = [sample_config(blackbox.configuration_space, rng) for _ in range(13)]
    curves = blackbox.evaluate_curves(configs)
    for fidelity in (1, 7, 52):
        many = blackbox.evaluate_many(configs, fidelity=fidelity)
        for i, config in enumerate(configs):
            single = blackbox.evaluate(config, fidelity=fidelity)
            for name in blackbox.objectives_names:
                assert many[name][i] == single[name]
                assert curves[name][i, fidelity - 1] == single[name]
    curve = blackbox.evaluate_curve(configs[0], seed=0)
    assert set(curve) == set(blackbox.objectives_names)
    assert all(values.shape == (52,) for values in curve.values())
    assert curve["time"][-1] > curve["time"][0]
    np.testing.assert_array_equal(curve["time"], curves["time"][0])
    assert all(len(values) == 0 for values in blackbox.evaluate_many([]).values())


@needs_lcbench
def test_lcbench_errors() -> None:
    with pytest.raises(ValueError, match="no instance '1'"):
        YahpoBlackbox(LCBENCH, instance="1")
    with pytest.raises(ValueError, match="34 instances; choose one"):
        YahpoBlackbox(LCBENCH)
    blackbox = YahpoBlackbox(LCBENCH, instance=3945)
    assert blackbox.instance == "3945"
    config = sample_config(blackbox.configuration_space, np.random.default_rng(0))
    for fidelity in (0, 53, 2.5):
        with pytest.raises(ValueError, match="not one of 'epoch'"):
            blackbox.evaluate(config, fidelity=fidelity)
    with pytest.raises(ValueError, match="seed 1"):
        blackbox.evaluate_curve(config, seed=1)
    with pytest.raises(ValueError, match="lacks the hyperparameter 'momentum'"):
        blackbox.evaluate({k: v for k, v in config.items() if k != "momentum"})
    with pytest.raises(ValueError, match=r"'momentum'.*2\.0 is not a valid value"):
        blackbox.evaluate({**config, "momentum": 2.0})
    with pytest.raises(ValueError, match="not a valid value of randint"):
        YahpoBlackbox(LCBENCH, instance="3945", fidelity_values=[0, 1])


@needs_lcbench
def test_recipe_loads_lcbench(monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = YahpoRecipe("lcbench")
    assert recipe.name == "yahpo-lcbench"
    blackbox = recipe.load("167190", source=YAHPO)
    assert isinstance(blackbox, YahpoBlackbox) and blackbox.instance == "167190"
    assert len(recipe.tasks(source=YAHPO)) == 34
    from_folder = cast(YahpoBlackbox, recipe.load("167190", source=LCBENCH))
    assert from_folder.instance == "167190"  # the folder itself
    monkeypatch.setenv(YAHPO_DATA_ENV, str(YAHPO))
    same = cast(YahpoBlackbox, recipe.load("167190"))
    assert same._model is blackbox._model  # one session per scenario folder
    assert cast(YahpoBlackbox, recipe.load("3945", threads=2)).fidelity_values[-1] == 52
    short = recipe.load("3945", fidelity_values=[1, 2, 4, 8], monotone_time=False)
    assert short.evaluate_curve(_tuned(_reference()["records"][0]["config"]))["time"].shape == (4,)
    with pytest.raises(TypeError, match="unknown options"):
        recipe.load("3945", rebuild=True, colour="red")
    with pytest.raises(ValueError, match="has no instance"):
        recipe.load("nope")


@needs_lcbench
def test_yahpo_recipes_of_a_root() -> None:
    recipes = yahpo_recipes(YAHPO)
    assert [recipe.name for recipe in recipes] == ["yahpo-lcbench"]
    assert cast(YahpoBlackbox, recipes[0].load("3945")).instance == "3945"  # bound to the root


class TestLCBenchContract(BlackboxContract):
    @pytest.fixture(autouse=True)
    def _needs_data(self) -> None:
        if not (LCBENCH / "model.onnx").is_file():
            pytest.skip(f"the shared yahpo_data lcbench folder is not at {LCBENCH}")

    def make_blackbox(self) -> YahpoBlackbox:
        return YahpoBlackbox(LCBENCH, instance="167190")


class TestEchoContract(BlackboxContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.folder = _scenario_folder(tmp_path)

    def make_blackbox(self) -> YahpoBlackbox:
        return YahpoBlackbox(self.folder, instance="t1", scenario=ECHO)


# -- recipes without data --------------------------------------------------------------------


def test_known_recipes_and_missing_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [recipe.name for recipe in yahpo_recipes()]
    for scenario in ("lcbench", "nb301", "fcnet", "rbv2_xgboost", "rbv2_super", "iaml_glmnet"):
        assert f"yahpo-{scenario}" in names
    monkeypatch.delenv(YAHPO_DATA_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=YAHPO_DATA_ENV):
        YahpoRecipe("lcbench").load("3945")
    with pytest.raises(FileNotFoundError, match="no scenario folder"):
        YahpoRecipe("lcbench").load("3945", source=tmp_path)
    (tmp_path / "lcbench").mkdir()
    with pytest.raises(FileNotFoundError, match="lacks"):
        YahpoRecipe("lcbench").tasks(source=tmp_path)
    with pytest.raises(ValueError, match="unknown YAHPO scenario"):
        YahpoRecipe("nope")
    assert not hasattr(YahpoRecipe("lcbench"), "build")  # live: nothing to build


def test_missing_onnxruntime_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _scenario_folder(tmp_path)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"tunelab-blackbox\[yahpo\]"):
        YahpoBlackbox(folder, instance="t1", scenario=ECHO)


# -- a synthetic scenario with an echo model ----------------------------------------------

CONFIG_SPACE: dict[str, Any] = {
    "hyperparameters": [
        {"name": "task_id", "type": "categorical", "choices": ["t1", "t2"], "default": "t1"},
        {"name": "booster", "type": "categorical", "choices": ["linear", "tree", "dart"]},
        {"name": "eta", "type": "uniform_float", "log": True, "lower": 0.001, "upper": 1.0},
        {"name": "depth", "type": "uniform_int", "log": False, "lower": 1, "upper": 15},
        {"name": "drop", "type": "uniform_float", "log": False, "lower": 0.0, "upper": 1.0},
        {"name": "trainsize", "type": "uniform_float", "log": False, "lower": 0.05, "upper": 1},
        {"name": "repl", "type": "uniform_int", "log": False, "lower": 1, "upper": 10},
        {"name": "impute", "type": "constant", "value": "mean"},
    ],
    "conditions": [
        {"child": "eta", "parent": "booster", "type": "IN", "values": ["tree", "dart"]},
        {"child": "depth", "parent": "booster", "type": "NEQ", "value": "linear"},
        {
            "child": "drop",
            "type": "AND",
            "conditions": [
                {"child": "drop", "parent": "booster", "type": "EQ", "value": "dart"},
                {"child": "drop", "parent": "depth", "type": "GT", "value": 3},
            ],
        },
    ],
    "forbiddens": [
        {
            "type": "AND",
            "clauses": [
                {"name": "booster", "type": "EQUALS", "value": "tree"},
                {"name": "depth", "type": "IN", "values": [1, 2]},
            ],
        }
    ],
}
ENCODING = {
    "task_id": {"#na#": 0, "t1": 1, "t2": 2},
    "booster": {"#na#": 0, "dart": 1, "linear": 2, "tree": 3},
    "impute": {"#na#": 0, "mean": 1},
}
CAT = ("task_id", "booster", "impute")
CONT = ("eta", "depth", "drop", "trainsize", "repl")
ECHO = YahpoScenario(
    name="echo",
    y_names=tuple(f"in_{name}" for name in CAT + CONT),
    cont_names=CONT,
    cat_names=CAT,
    instance_param="task_id",
    fidelity="trainsize",
    fixed_fidelities=("repl",),
    runtime_name="in_depth",
)


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _field(number: int, value: int | str | bytes) -> bytes:
    """One protobuf field: a varint, or a length-delimited string / message."""
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _tensor(name: str, elem_type: int, width: int) -> bytes:
    shape = _field(1, _field(2, "rows")) + _field(1, _field(1, width))
    return _field(1, name) + _field(2, _field(1, _field(1, elem_type) + _field(2, shape)))


def _node(op: str, inputs: list[str], output: str, attribute: str, value: int) -> bytes:
    body = b"".join(_field(1, name) for name in inputs) + _field(2, output) + _field(4, op)
    return body + _field(5, _field(1, attribute) + _field(3, value) + _field(20, 2))


def echo_model(n_cat: int, n_cont: int) -> bytes:
    """ONNX model `output = concat(float(x_cat), x_cont)`, written as raw protobuf."""
    graph = _field(1, _node("Cast", ["x_cat"], "codes", "to", 1))
    graph += _field(1, _node("Concat", ["codes", "x_cont"], "output", "axis", 1))
    graph += _field(2, "echo") + _field(11, _tensor("x_cat", 6, n_cat))
    graph += _field(11, _tensor("x_cont", 1, n_cont))
    graph += _field(12, _tensor("output", 1, n_cat + n_cont))
    return _field(1, 8) + _field(8, _field(2, 13)) + _field(7, graph)


def _scenario_folder(root: Path, name: str = "echo", widths: tuple[int, int] = (3, 5)) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / "model.onnx").write_bytes(echo_model(*widths))
    (folder / "config_space.json").write_text(json.dumps(CONFIG_SPACE, indent=1))
    (folder / "encoding.json").write_text(json.dumps(ENCODING))
    return folder


@pytest.fixture
def echo(tmp_path: Path) -> YahpoBlackbox:
    return YahpoBlackbox(_scenario_folder(tmp_path), instance="t2", scenario=ECHO)


def _inputs(values: dict[str, Any]) -> dict[str, Any]:
    return {name[3:]: value for name, value in values.items()}


def test_echo_space_excludes_instance_and_fidelities(echo: YahpoBlackbox) -> None:
    assert echo.configuration_space == {
        "booster": choice(["linear", "tree", "dart"]),
        "eta": loguniform(0.001, 1.0),
        "depth": randint(1, 15),
        "drop": uniform(0.0, 1.0),
        "impute": "mean",
    }
    np.testing.assert_allclose(echo.fidelity_values, np.linspace(0.05, 1.0, 20))
    assert echo.fidelity_values[0] == 0.05 and echo.fidelity_values[-1] == 1.0
    assert list(echo.fidelity_space) == ["trainsize"]
    assert echo.instances == ["t1", "t2"]


def test_echo_feeds_the_model_like_yahpo(echo: YahpoBlackbox) -> None:
    config = {"booster": "dart", "eta": 0.5, "depth": 7, "drop": 0.25, "impute": "mean"}
    fed = _inputs(echo.evaluate(config, fidelity=0.5))
    assert fed == {
        "task_id": 2.0,  # the instance's code
        "booster": 1.0,
        "impute": 1.0,  # a constant, encoded
        "eta": 0.5,
        "depth": 7.0,
        "drop": 0.25,
        "trainsize": 0.5,
        "repl": 10.0,  # the other fidelity, at its maximum
    }
    curve = _inputs(echo.evaluate_curve(config))
    np.testing.assert_allclose(curve["trainsize"], np.linspace(0.05, 1, 20), rtol=1e-7)
    assert set(curve["repl"]) == {10.0}


def test_echo_inactive_inputs_are_missing(echo: YahpoBlackbox) -> None:
    linear = {"booster": "linear", "eta": 0.5, "depth": 7, "drop": 0.25}
    assert echo.inactive_hyperparameters(linear) == {"eta", "depth", "drop"}
    fed = _inputs(echo.evaluate(linear))
    assert (fed["booster"], fed["eta"], fed["depth"], fed["drop"]) == (2.0, 0.0, 0.0, 0.0)
    shallow = {**linear, "booster": "dart", "depth": 2}  # AND: drop needs depth > 3
    assert echo.inactive_hyperparameters(shallow) == {"drop"}
    fed = _inputs(echo.evaluate(shallow))
    assert (fed["eta"], fed["depth"], fed["drop"]) == (0.5, 2.0, 0.0)
    # an inactive hyperparameter's value does not matter, not even a bad one
    assert echo.evaluate({**linear, "eta": -1.0}) == echo.evaluate(linear)


def test_echo_forbidden(echo: YahpoBlackbox) -> None:
    assert echo.is_forbidden({"booster": "tree", "depth": 2, "eta": 0.1, "drop": 0.1})
    assert not echo.is_forbidden({"booster": "tree", "depth": 3, "eta": 0.1, "drop": 0.1})
    assert not echo.is_forbidden({"booster": "linear", "depth": 2, "eta": 0.1, "drop": 0.1})


def test_echo_errors(tmp_path: Path, echo: YahpoBlackbox) -> None:
    with pytest.raises(ValueError, match="'gbm' is not a valid value"):
        echo.evaluate({"booster": "gbm", "eta": 0.5, "depth": 7, "drop": 0.2})
    with pytest.raises(ValueError, match="not one of 'trainsize'"):
        echo.evaluate({"booster": "linear"}, fidelity=0.33)
    wrong = _scenario_folder(tmp_path / "other", widths=(2, 5))
    with pytest.raises(ValueError, match="x_cat has 2 columns but the scenario table expects 3"):
        YahpoBlackbox(wrong, instance="t1", scenario=ECHO)
    real = _scenario_folder(tmp_path / "data", name="rbv2_xgboost")
    with pytest.raises(ValueError, match=r"is this a yahpo_data v1\.0 folder"):
        YahpoBlackbox(real, instance="t1")


def test_echo_recipes_of_a_root(tmp_path: Path) -> None:
    _scenario_folder(tmp_path)
    (tmp_path / "not_a_scenario").mkdir()
    assert yahpo_recipes(tmp_path) == []  # "echo" is not a known scenario
    recipes = yahpo_recipes(tmp_path, scenarios={"echo": ECHO})
    assert [recipe.name for recipe in recipes] == ["yahpo-echo"]
    assert recipes[0].tasks() == ["t1", "t2"]
    blackbox = recipes[0].load("t1")
    assert _inputs(blackbox.evaluate({"booster": "linear"}))["task_id"] == 1.0


# -- ConfigSpace JSON ------------------------------------------------------------------------


def test_parse_hyperparameter_types() -> None:
    parsed = parse_config_space(
        {
            "hyperparameters": [
                {"name": "a", "type": "uniform_int", "log": True, "lower": 1, "upper": 64},
                {"name": "b", "type": "ordinal", "sequence": [1, 2, 4]},
                {"name": "c", "type": "categorical", "choices": ["x"]},
                {"name": "d", "type": "normal_float", "mu": 0, "lower": -2, "upper": 2},
                {"name": "e", "type": "uniform_int", "lower": 3, "upper": 3},
                {"name": "f", "type": "constant", "value": 0.5},
            ]
        }
    )
    assert parsed.space == {
        "a": lograndint(1, 64),
        "b": ordinal([1, 2, 4]),
        "c": "x",
        "d": uniform(-2.0, 2.0),
        "e": 3,
        "f": 0.5,
    }
    assert parsed.conditions == {} and parsed.forbiddens == ()
    with pytest.raises(ValueError, match="unsupported type 'weird'"):
        parse_config_space({"hyperparameters": [{"name": "w", "type": "weird"}]})
    with pytest.raises(ValueError, match="no lower/upper"):
        parse_config_space({"hyperparameters": [{"name": "n", "type": "normal_float", "mu": 0}]})


def test_conditions_chain_and_or() -> None:
    parsed = parse_config_space(
        {
            "hyperparameters": [
                {"name": "k", "type": "categorical", "choices": ["a", "b"]},
                {"name": "x", "type": "uniform_int", "lower": 0, "upper": 9},
                {"name": "y", "type": "uniform_int", "lower": 0, "upper": 9},
                {"name": "z", "type": "uniform_int", "lower": 0, "upper": 9},
            ],
            "conditions": [
                {"child": "x", "parent": "k", "type": "EQ", "value": "a"},
                {"child": "y", "parent": "x", "type": "LT", "value": 5},
                {
                    "child": "z",
                    "type": "OR",
                    "conditions": [
                        {"child": "z", "parent": "y", "type": "GT", "value": 2},
                        {"child": "z", "parent": "k", "type": "EQ", "value": "b"},
                    ],
                },
            ],
            "forbiddens": [
                {"type": "RELATION", "left": "x", "right": "y", "lambda": "LESS"},
            ],
        }
    )
    assert parsed.inactive_names({"k": "a", "x": 1, "y": 3, "z": 0}) == set()
    assert parsed.inactive_names({"k": "a", "x": 7, "y": 3, "z": 0}) == {"y", "z"}
    assert parsed.inactive_names({"k": "b", "x": 1, "y": 3, "z": 0}) == {"x", "y"}
    assert parsed.is_forbidden({"k": "a", "x": 1, "y": 3, "z": 0})
    assert not parsed.is_forbidden({"k": "b", "x": 1, "y": 3, "z": 0})  # x inactive


def test_read_config_space_tolerates_trailing_comma(tmp_path: Path) -> None:
    path = tmp_path / "config_space.json"
    entry = '{"name": "u", "type": "uniform_float", "lower": 0, "upper": 1}'
    path.write_text('{"hyperparameters": [' + entry + ',\n  ],\n "conditions": []}')
    assert read_config_space(path).space == {"u": uniform(0.0, 1.0)}
    path.write_text('{"hyperparameters": [{"name": "u", "type": "?"}]}')
    with pytest.raises(ValueError, match=r"config_space\.json: hyperparameter 'u'"):
        read_config_space(path)
