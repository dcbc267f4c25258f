"""The ONNX surrogate of a YAHPO scenario folder, loaded once and shared.

A `YahpoSurrogate` holds the onnxruntime session, `encoding.json` and the parsed
`config_space.json` of one scenario folder, checks them against the scenario table,
and runs the model on blocks of rows (see `YahpoSurrogate.predict`).
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tunelab.blackbox.repository.recipes.configspace_json import (
    ParsedConfigSpace,
    read_config_space,
)
from tunelab.blackbox.repository.recipes.yahpo_scenarios import SCENARIOS, YahpoScenario
from tunelab.core.space import Categorical, Domain

SCENARIO_FILES = ("model.onnx", "config_space.json", "encoding.json")
_ROW_BLOCK = 8
_CHUNK_ROWS = 128 * _ROW_BLOCK


def _onnxruntime() -> Any:
    try:
        return importlib.import_module("onnxruntime")
    except ImportError as error:
        raise ImportError(
            "YAHPO blackboxes evaluate ONNX surrogates with onnxruntime, which is not "
            "installed: pip install 'tunelab-blackbox[yahpo]'"
        ) from error


class YahpoSurrogate:
    """One scenario folder: its ONNX session, encoding and parsed space.

    Rows are sent to the model in blocks of 8 (padded), because onnxruntime's matrix
    kernels round a row differently depending on the rows processed with it: padding
    makes a row's outputs independent of how queries are batched.
    """

    def __init__(self, folder: Path, scenario: YahpoScenario, threads: int) -> None:
        missing = [name for name in SCENARIO_FILES if not (folder / name).is_file()]
        if missing:
            raise FileNotFoundError(
                f"YAHPO scenario folder {folder} lacks {missing}; expected the files "
                f"{list(SCENARIO_FILES)} of a yahpo_data scenario"
            )
        rt = _onnxruntime()
        options = rt.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = rt.InferenceSession(
            str(folder / "model.onnx"), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.folder = folder
        self.scenario = scenario
        self.parsed: ParsedConfigSpace = read_config_space(folder / "config_space.json")
        self.encoding: dict[str, dict[str, int]] = json.loads(
            (folder / "encoding.json").read_text()
        )
        inputs = self.session.get_inputs()
        # yahpo-gym feeds its inputs by position: first x_cat, then x_cont
        self.input_names = (inputs[0].name, inputs[1].name)
        self.output_name = self.session.get_outputs()[0].name
        self._check(inputs)

    def _check(self, inputs: Sequence[Any]) -> None:
        scenario, where = self.scenario, f"YAHPO scenario {self.scenario.name!r} ({self.folder})"
        widths = {
            "x_cat": (inputs[0].shape[-1], len(scenario.cat_names)),
            "x_cont": (inputs[1].shape[-1], len(scenario.cont_names)),
            "output": (self.session.get_outputs()[0].shape[-1], len(scenario.y_names)),
        }
        for part, (found, expected) in widths.items():
            # a dimension is an int when the model fixes it, else a symbolic name
            if isinstance(found, int) and found != expected:
                raise ValueError(
                    f"{where}: the model's {part} has {found} columns but the scenario "
                    f"table expects {expected}; is this a yahpo_data v1.0 folder?"
                )
        space = self.parsed.space
        inputs_named = {*scenario.cont_names, *scenario.cat_names}
        unknown = [n for n in inputs_named if n not in space]
        unused = [n for n in space if n not in inputs_named and n != scenario.instance_param]
        lacking = [n for n in scenario.cat_names if n not in self.encoding]
        for problem, names in (
            ("model inputs missing from config_space.json", unknown),
            ("hyperparameters that are no model input", unused),
            ("categorical inputs missing from encoding.json", lacking),
        ):
            if names:
                raise ValueError(f"{where}: {problem}: {sorted(names)}")

    def predict(self, x_cat: np.ndarray, x_cont: np.ndarray) -> np.ndarray:
        """Model outputs, shape (n_rows, n_targets), float64; rows padded to a block."""
        n_rows = len(x_cont)
        pad = -n_rows % _ROW_BLOCK
        x_cat = x_cat.astype(np.int32)
        x_cont = x_cont.astype(np.float32)
        if pad:
            x_cat = np.concatenate([x_cat, np.repeat(x_cat[-1:], pad, axis=0)])
            x_cont = np.concatenate([x_cont, np.repeat(x_cont[-1:], pad, axis=0)])
        outputs = [
            self.session.run(
                [self.output_name],
                {self.input_names[0]: x_cat[i:j], self.input_names[1]: x_cont[i:j]},
            )[0]
            for i, j in _chunks(len(x_cont))
        ]
        output = outputs[0] if len(outputs) == 1 else np.concatenate(outputs)
        return np.asarray(output[:n_rows], dtype=np.float64)


def _chunks(n_rows: int) -> list[tuple[int, int]]:
    # beyond ~1000 rows a call gets slower per row (cache), so big batches are split
    return [(i, min(i + _CHUNK_ROWS, n_rows)) for i in range(0, n_rows, _CHUNK_ROWS)]


_SURROGATES: dict[tuple[Path, str, int], YahpoSurrogate] = {}
_LOCK = threading.Lock()


def shared_surrogate(folder: Path, scenario: YahpoScenario, threads: int) -> YahpoSurrogate:
    """The surrogate of `folder`, made once per (folder, scenario, threads) and process."""
    key = (folder.resolve(), scenario.name, threads)
    with _LOCK:
        if key not in _SURROGATES or _SURROGATES[key].scenario != scenario:
            _SURROGATES[key] = YahpoSurrogate(folder, scenario, threads)
        return _SURROGATES[key]


def scenario_instances(parsed: ParsedConfigSpace, scenario: YahpoScenario) -> list[str]:
    """Instance names of a scenario (its instance parameter's values, as strings)."""
    if scenario.instance_param is None:
        return []
    entry = parsed.space[scenario.instance_param]
    if isinstance(entry, Categorical):
        return [str(value) for value in entry.categories]
    if isinstance(entry, Domain):
        raise ValueError(
            f"YAHPO scenario {scenario.name!r}: instance parameter "
            f"{scenario.instance_param!r} is {entry!r}, expected a categorical"
        )
    return [str(entry)]


def known_scenario(name: str) -> YahpoScenario:
    """The scenario table entry called `name`."""
    if name not in SCENARIOS:
        raise ValueError(
            f"unknown YAHPO scenario {name!r}; known scenarios: {sorted(SCENARIOS)}; "
            "pass scenario=YahpoScenario(...) for another one"
        )
    return SCENARIOS[name]
