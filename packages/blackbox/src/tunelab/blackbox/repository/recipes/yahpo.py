"""YAHPO Gym surrogate benchmarks, evaluated with onnxruntime (no yahpo-gym needed).

A scenario folder of yahpo_data (`<root>/<scenario>/model.onnx`, `config_space.json`,
`encoding.json`) holds one ONNX surrogate for all its instances (tasks). A
`YahpoBlackbox` is one instance of it: the instance is fixed, the scenario's main
fidelity is the blackbox's fidelity, other fidelity parameters are fixed at their
maximum (e.g. `repl=10` in rbv2_*), and the model is fed exactly as yahpo-gym 1.0.2
feeds it, so values agree with yahpo-gym's to float32 rounding:

```python
from tunelab.blackbox import load

blackbox = load("yahpo-lcbench/167190", source="~/yahpo_data")
curve = blackbox.evaluate_curve(config)  # every epoch 1..52 in one model call
```

Conditional hyperparameters (e.g. xgboost's `eta` when `booster="gblinear"`) are
part of the flat tunelab space; when a condition of config_space.json switches one
off, its value is ignored and the model gets yahpo-gym's "missing" input (0, or the
`#na#` code), as yahpo-gym does for a configuration without it. Forbidden clauses
are not enforced (`YahpoBlackbox.is_forbidden` tells); none of the published
scenarios has any.

The runtime target (e.g. lcbench's cumulative `time`) is the `time_objective`; the
surrogate's time dips along the epochs in about 10% of lcbench's curves (by up to
30 s), so by default it is replaced by its running maximum over the fidelities, a
valid cumulative time (`monotone_time=False` keeps the raw values). Other targets are
the surrogate's outputs unchanged.

Queries are batched and padded so that a configuration's values do not depend on
the batch (see `YahpoSurrogate.predict`): `evaluate`, `evaluate_many` and
`evaluate_curve` agree exactly. yahpo-gym, which evaluates one row at a time, differs
from them by ~1e-5 relative (float32 rounding).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab.blackbox.blackbox import Blackbox
from tunelab.blackbox.repository.recipe import Recipe, source_path
from tunelab.blackbox.repository.recipes.yahpo_scenarios import SCENARIOS, YahpoScenario
from tunelab.blackbox.repository.recipes.yahpo_surrogate import (
    SCENARIO_FILES,
    known_scenario,
    scenario_instances,
    shared_surrogate,
)
from tunelab.core.space import Domain, Float, Integer, finrange, ordinal, randint
from tunelab.core.trial import Config

YAHPO_DATA_ENV = "TUNELAB_YAHPO_DATA"
MISSING_CODE = "#na#"
_REAL_FIDELITY_STEPS = 20


class YahpoBlackbox(Blackbox):
    """One instance of a YAHPO Gym scenario, evaluated live with its ONNX surrogate.

    Args:
        folder: The scenario folder (`model.onnx`, `config_space.json`, `encoding.json`).
        instance: The instance (task), e.g. "167190" for lcbench; may be omitted when
            the scenario has a single one.
        scenario: The scenario's facts; default: the known scenario named like `folder`.
        threads: onnxruntime intra-op threads (the session is shared by every
            blackbox of the same folder and thread count).
        fidelity_values: Fidelities to offer, within the fidelity's bounds (default:
            see `YahpoScenario.fidelity_values`).
        monotone_time: Make the runtime target non-decreasing along the fidelities
            (its running maximum over `fidelity_values`), as the simulator needs of a
            cumulative time; False gives the surrogate's raw values.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        *,
        instance: str | int | None = None,
        scenario: YahpoScenario | None = None,
        threads: int = 1,
        fidelity_values: Sequence[float] | None = None,
        monotone_time: bool = True,
    ) -> None:
        folder = Path(folder).expanduser()
        if scenario is None:
            scenario = known_scenario(folder.name)
        self._model = shared_surrogate(folder, scenario, threads)
        self._scenario = scenario
        space = self._model.parsed.space
        self._instance = self._pick_instance(instance)
        fixed_names = {scenario.instance_param, scenario.fidelity, *scenario.fixed_fidelities}
        self._space = {name: entry for name, entry in space.items() if name not in fixed_names}
        self._fidelities = _fidelity_grid(scenario, space, fidelity_values)
        self._fidelity_column = _column(scenario.cont_names, scenario.fidelity, scenario.name)
        runtime = scenario.runtime_name
        self._time_column = scenario.y_names.index(runtime) if runtime and monotone_time else None
        self._prepare_rows()

    # -- Blackbox API -----------------------------------------------------------------

    @property
    def configuration_space(self) -> dict[str, Any]:
        return dict(self._space)

    @property
    def objectives_names(self) -> list[str]:
        return list(self._scenario.y_names)

    @property
    def fidelity_space(self) -> dict[str, Domain]:
        values = self._fidelities
        if len(values) < 2:
            return {}
        integral = bool(np.all(values == np.round(values)))
        lower, upper = float(values[0]), float(values[-1])
        if integral and np.all(np.diff(values) == 1):
            return {self._scenario.fidelity: randint(int(lower), int(upper))}
        if np.allclose(np.diff(values), values[1] - values[0]):
            return {self._scenario.fidelity: finrange(lower, upper, len(values), integral)}
        members = [int(v) if integral else float(v) for v in values]
        return {self._scenario.fidelity: ordinal(members)}

    @property
    def fidelity_values(self) -> np.ndarray:
        values: np.ndarray = self._fidelities.copy()
        return values

    @property
    def fidelity_name(self) -> str:
        return self._scenario.fidelity

    @property
    def time_objective(self) -> str | None:
        return self._scenario.runtime_name

    def evaluate_curve(self, config: Config, *, seed: int | None = None) -> dict[str, np.ndarray]:
        self.seed_index(seed)
        return self._named(self._curves([config], len(self._fidelities))[0])

    def evaluate(
        self, config: Config, *, fidelity: float | None = None, seed: int | None = None
    ) -> dict[str, float]:
        values = self.evaluate_many([config], fidelity=fidelity, seed=seed)
        return {name: float(column[0]) for name, column in values.items()}

    def evaluate_many(
        self,
        configs: Sequence[Config],
        *,
        fidelity: float | None = None,
        seed: int | None = None,
    ) -> dict[str, np.ndarray]:
        self.seed_index(seed)
        index = self.fidelity_index(fidelity)
        if len(configs) == 0:
            return {name: np.empty(0) for name in self._scenario.y_names}
        if self._time_column is not None:
            # the running maximum of the time needs the curve up to `fidelity`
            return self._named(self._curves(configs, index + 1)[:, index])
        x_cat, x_cont = self._rows(configs)
        x_cont[:, self._fidelity_column] = self._fidelities[index]
        return self._named(self._model.predict(x_cat, x_cont))

    # -- YAHPO specifics --------------------------------------------------------------

    def evaluate_curves(
        self, configs: Sequence[Config], *, seed: int | None = None
    ) -> dict[str, np.ndarray]:
        """`evaluate_curve` of many configurations in one model call.

        Returns:
            Objective name -> array of shape (len(configs), n_fidelities).
        """
        self.seed_index(seed)
        output = self._curves(configs, len(self._fidelities))
        return {name: output[:, :, k].copy() for k, name in enumerate(self._scenario.y_names)}

    @property
    def scenario(self) -> YahpoScenario:
        return self._scenario

    @property
    def instance(self) -> str | None:
        """The fixed instance (task), None if the scenario has no instance parameter."""
        return self._instance

    @property
    def instances(self) -> list[str]:
        """Every instance of the scenario."""
        return scenario_instances(self._model.parsed, self._scenario)

    def is_forbidden(self, config: Config) -> bool:
        """True if a forbidden clause of config_space.json matches `config`."""
        return self._model.parsed.is_forbidden(config)

    def inactive_hyperparameters(self, config: Config) -> set[str]:
        """Hyperparameters whose values `config`'s conditions make irrelevant."""
        return self._model.parsed.inactive_names(config)

    def __repr__(self) -> str:
        return (
            f"YahpoBlackbox({self._scenario.name!r}, instance={self._instance!r}, "
            f"{len(self._space)} hyperparameters, fidelity={self.fidelity_name!r})"
        )

    # -- model inputs -----------------------------------------------------------------

    def _pick_instance(self, instance: str | int | None) -> str | None:
        instances = self.instances
        name = self._scenario.name
        if instance is None:
            if len(instances) <= 1:
                return instances[0] if instances else None
            raise ValueError(
                f"YAHPO scenario {name!r} has {len(instances)} instances; choose one, "
                f"e.g. one of {instances[:10]}"
            )
        if str(instance) not in instances:
            raise ValueError(
                f"YAHPO scenario {name!r} has no instance {instance!r}; instances: {instances}"
            )
        return str(instance)

    def _prepare_rows(self) -> None:
        """Fixed parts of the model inputs and the slots configurations fill in."""
        scenario, parsed, encoding = self._scenario, self._model.parsed, self._model.encoding
        fixed: dict[str, Any] = {n: _maximum(parsed.space[n]) for n in scenario.fixed_fidelities}
        if scenario.instance_param is not None:
            fixed[scenario.instance_param] = self._instance
        fixed.update(
            (name, entry) for name, entry in self._space.items() if not isinstance(entry, Domain)
        )
        fixed[scenario.fidelity] = float(self._fidelities[-1])
        self._cont_template = np.zeros(len(scenario.cont_names))
        self._cont_slots: list[tuple[int, str, Domain]] = []
        for k, name in enumerate(scenario.cont_names):
            if name in fixed:
                self._cont_template[k] = float(fixed[name])
            else:
                self._cont_slots.append((k, name, self._space[name]))
        self._cat_template = np.zeros(len(scenario.cat_names), dtype=np.int64)
        self._cat_slots: list[tuple[int, str, Domain, dict[str, int]]] = []
        for k, name in enumerate(scenario.cat_names):
            codes = encoding[name]
            if name in fixed:
                self._cat_template[k] = _code(codes, fixed[name], name)
            else:
                self._cat_slots.append((k, name, self._space[name], codes))

    def _rows(self, configs: Sequence[Config]) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs of `configs`: x_cat (n, n_cat) and x_cont (n, n_cont)."""
        x_cat = np.tile(self._cat_template, (len(configs), 1))
        x_cont = np.tile(self._cont_template, (len(configs), 1))
        for i, config in enumerate(configs):
            inactive = self._model.parsed.inactive_names(config)
            for k, name, domain in self._cont_slots:
                # an inactive input stays 0, yahpo-gym's value for a missing one
                if name not in inactive:
                    x_cont[i, k] = self._value(config, name, domain)
            for k, name, domain, codes in self._cat_slots:
                value = MISSING_CODE if name in inactive else self._value(config, name, domain)
                x_cat[i, k] = _code(codes, value, name)
        return x_cat, x_cont

    def _value(self, config: Config, name: str, domain: Domain) -> Any:
        where = f"YAHPO scenario {self._scenario.name!r}"
        if name not in config:
            raise ValueError(
                f"configuration {dict(config)} lacks the hyperparameter {name!r} of {where}"
            )
        try:
            return domain.cast(config[name])
        except ValueError as error:
            raise ValueError(f"hyperparameter {name!r} of {where}: {error}") from None

    def _curves(self, configs: Sequence[Config], stop: int) -> np.ndarray:
        """Outputs at the first `stop` fidelities, shape (len(configs), stop, n_targets)."""
        n_targets = len(self._scenario.y_names)
        if len(configs) == 0:
            return np.empty((0, stop, n_targets))
        x_cat, x_cont = self._rows(configs)
        x_cat = np.repeat(x_cat, stop, axis=0)
        x_cont = np.repeat(x_cont, stop, axis=0)
        x_cont[:, self._fidelity_column] = np.tile(self._fidelities[:stop], len(configs))
        output = self._model.predict(x_cat, x_cont).reshape(len(configs), stop, n_targets)
        if self._time_column is not None:
            time = output[:, :, self._time_column]
            output[:, :, self._time_column] = np.maximum.accumulate(time, axis=1)
        return output

    def _named(self, output: np.ndarray) -> dict[str, np.ndarray]:
        columns = np.ascontiguousarray(output.T)
        return {name: columns[k] for k, name in enumerate(self._scenario.y_names)}


def _column(names: Sequence[str], name: str, scenario: str) -> int:
    if name not in names:
        raise ValueError(
            f"YAHPO scenario {scenario!r}: fidelity {name!r} is not a continuous model "
            f"input {list(names)}"
        )
    return list(names).index(name)


def _maximum(entry: Any) -> Any:
    if isinstance(entry, (Float, Integer)):
        return entry.upper
    if isinstance(entry, Domain):
        values = entry.values()
        if values:
            return values[-1]
        raise ValueError(f"cannot fix the fidelity {entry!r} at its maximum")
    return entry


def _fidelity_grid(
    scenario: YahpoScenario, space: Mapping[str, Any], values: Sequence[float] | None
) -> np.ndarray:
    domain = space[scenario.fidelity]
    requested = values if values is not None else scenario.fidelity_values
    if requested is not None:
        grid = np.asarray(requested, dtype=float)
        if grid.ndim != 1 or len(grid) == 0 or np.any(np.diff(grid) <= 0):
            raise ValueError(f"fidelity_values must be increasing numbers, got {list(requested)}")
        for value in grid:
            if isinstance(domain, Domain):
                domain.cast(value)  # raises for a value outside the fidelity's range
        return grid
    if isinstance(domain, Integer):
        return np.arange(domain.lower, domain.upper + 1, dtype=float)
    if isinstance(domain, Float):
        return np.linspace(domain.lower, domain.upper, _REAL_FIDELITY_STEPS)
    if isinstance(domain, Domain) and domain.values() is not None:
        return np.asarray(domain.values(), dtype=float)
    return np.asarray([float(domain)])


def _code(codes: Mapping[str, int], value: Any, name: str) -> int:
    code = codes.get(value) if isinstance(value, str) else None
    if code is None:
        code = codes.get(str(value))
    if code is None:
        raise ValueError(
            f"{value!r} has no code in encoding.json for {name!r}; known: {sorted(codes)[:20]}"
        )
    return code


# -- recipes ---------------------------------------------------------------------------


class YahpoRecipe(Recipe):
    """`yahpo-<scenario>`: a YAHPO Gym scenario, opened live (nothing is built or stored).

    Options of `load` and `tasks`: `source` (the yahpo_data root, or the scenario
    folder itself; default: the recipe's `root`, else `$TUNELAB_YAHPO_DATA`),
    `threads` (onnxruntime threads, default 1) and, for `load`, `fidelity_values` and
    `monotone_time` (see `YahpoBlackbox`).
    Tasks are the scenario's instances.
    """

    source_env = YAHPO_DATA_ENV

    def __init__(
        self, scenario: str | YahpoScenario, *, root: str | os.PathLike[str] | None = None
    ) -> None:
        self.scenario = known_scenario(scenario) if isinstance(scenario, str) else scenario
        self.root = root
        self.name = f"yahpo-{self.scenario.name}"
        self.description = f"YAHPO Gym scenario {self.scenario.name} (ONNX surrogate, live)"

    def data_folder(self, source: str | os.PathLike[str] | None = None) -> Path:
        """The scenario folder: `<source>/<scenario>`, or `source` itself if it is one."""
        root = source_path(
            source if source is not None else self.root,
            env=YAHPO_DATA_ENV,
            what="the yahpo_data folder",
            recipe=self.name,
        )
        if (root / "config_space.json").is_file() and root.name == self.scenario.name:
            return root
        folder = root / self.scenario.name
        if not folder.is_dir():
            raise FileNotFoundError(
                f"blackbox {self.name!r}: no scenario folder {folder} in the yahpo_data "
                f"folder {root}"
            )
        return folder

    def tasks(self, **options: Any) -> list[str]:
        given = _options(self.name, options)
        folder = self.data_folder(given.get("source"))
        model = shared_surrogate(folder, self.scenario, int(given.get("threads", 1)))
        return scenario_instances(model.parsed, self.scenario)

    def load(self, task: str | None = None, *, rebuild: bool = False, **options: Any) -> Blackbox:
        """The blackbox of instance `task`; `rebuild` has no effect (nothing is stored)."""
        given = _options(self.name, options)
        return YahpoBlackbox(
            self.data_folder(given.pop("source", None)),
            instance=task,
            scenario=self.scenario,
            **given,
        )


def _options(recipe: str, options: dict[str, Any]) -> dict[str, Any]:
    accepted = {"source", "threads", "fidelity_values", "monotone_time"}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise TypeError(
            f"blackbox {recipe!r} got unknown options {unknown}; it accepts {sorted(accepted)}"
        )
    return options


def yahpo_recipes(
    root: str | os.PathLike[str] | None = None,
    *,
    scenarios: Mapping[str, YahpoScenario] | None = None,
) -> list[Recipe]:
    """One `YahpoRecipe` per scenario.

    Args:
        root: A yahpo_data folder: recipes for the scenario folders found in it (with
            the three files) whose scenario is known, bound to `root`. None: recipes for
            every known scenario, whose folder is found when they are loaded.
        scenarios: More scenarios to know (e.g. new ones), by folder name.
    """
    known = {**SCENARIOS, **(scenarios or {})}
    if root is None:
        return [YahpoRecipe(scenario) for scenario in known.values()]
    folder = source_path(root, env=YAHPO_DATA_ENV, what="the yahpo_data folder", recipe="yahpo")
    found = sorted(
        path.name
        for path in folder.iterdir()
        if path.is_dir() and all((path / name).is_file() for name in SCENARIO_FILES)
    )
    return [YahpoRecipe(known[name], root=folder) for name in found if name in known]
