"""Worker process of `PythonBackend`: loads the pickled function and runs one trial.

Run as `python -m tunelab.core.backends._python_worker --function F --config C`,
where F holds the cloudpickled function and C the trial's `config.json`. The
checkpoint folder comes from `TUNELAB_CHECKPOINT_DIR`. An exception raised by the
function ends the process with its traceback on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from tunelab.core.backends._binding import bind_config, function_name
from tunelab.core.checkpoint import checkpoint_dir
from tunelab.core.reporter import report


def run(fn: Callable[..., Any], config: Mapping[str, Any]) -> None:
    """Call `fn` on `config`; report the dict it returns as the final result."""
    result = fn(**bind_config(fn, config, checkpoint=checkpoint_dir()))
    if result is None:
        return
    if not isinstance(result, Mapping):
        raise TypeError(
            f"{function_name(fn)} returned {type(result).__name__} {result!r:.200}; "
            "expected a dict of final metrics or None"
        )
    report(**result)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one PythonBackend trial.")
    parser.add_argument("--function", type=Path, required=True)
    parser.add_argument("--config", type=Path, required=True)
    args = parser.parse_args(argv)
    with open(args.function, "rb") as file:
        fn = pickle.load(file)  # cloudpickle output is ordinary pickle data
    with open(args.config, encoding="utf-8") as file:
        config = json.load(file)
    run(fn, config)


if __name__ == "__main__":
    main(sys.argv[1:])
