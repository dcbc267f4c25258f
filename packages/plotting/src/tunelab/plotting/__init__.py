"""tunelab-plotting: robust statistics and paper-ready figures of tuning studies.

It reads the results format only (`metadata.json` and `results.parquet` of each
experiment folder, locally or under an `s3://` prefix) and imports no other tunelab
package. The parts:

- `stats`: pure functions on arrays (IQM with stratified bootstrap intervals, ranks,
  performance profiles, probability of improvement, critical differences,
  hypervolume);
- `loading`, `selection`, `run_settings`, `frames`: read a study, check its seeds and
  that the runs aggregated together share their settings, and build the tidy frames
  of best-so-far curves (infeasible results never count as a best: `constraints`);
  `fronts`: the final Pareto fronts of multi-objective runs;
- `figures`, `tables`: matplotlib figures and Markdown/CSV/LaTeX tables of those
  frames; `report.write_figures` and the `tunelab-plot` command write them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Study": "loading",
    "load_study": "loading",
    "find_experiments": "loading",
    "curves_frame": "frames",
    "hypervolume_frame": "frames",
    "Fronts": "fronts",
    "pareto_fronts": "fronts",
    "seed_report": "selection",
    "common_seeds": "selection",
    "group_methods": "selection",
    "check_duplicates": "selection",
    "MixedSettingsError": "run_settings",
    "check_settings": "run_settings",
    "mark_decision_time_charged": "run_settings",
    "settings_conflicts": "run_settings",
    "split_by_settings": "run_settings",
    "PlotSettings": "settings",
    "FigureOptions": "options",
    "write_figures": "report",
    "report_notes": "report",
}

if TYPE_CHECKING:
    __version__: str

    from tunelab.plotting.frames import curves_frame, hypervolume_frame
    from tunelab.plotting.fronts import Fronts, pareto_fronts
    from tunelab.plotting.loading import Study, find_experiments, load_study
    from tunelab.plotting.options import FigureOptions
    from tunelab.plotting.report import report_notes, write_figures
    from tunelab.plotting.run_settings import (
        MixedSettingsError,
        check_settings,
        mark_decision_time_charged,
        settings_conflicts,
        split_by_settings,
    )
    from tunelab.plotting.selection import (
        check_duplicates,
        common_seeds,
        group_methods,
        seed_report,
    )
    from tunelab.plotting.settings import PlotSettings


def __getattr__(name: str) -> Any:
    """Import the public names lazily: `import tunelab.plotting` stays cheap."""
    if name == "__version__":
        globals()[name] = _version()
        return globals()[name]
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'tunelab.plotting' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tunelab.plotting.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | {"__version__"})


def _version() -> str:
    """The installed version (importlib.metadata takes a tenth of a second to import)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("tunelab-plotting")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


__all__ = [
    "FigureOptions",
    "Fronts",
    "MixedSettingsError",
    "PlotSettings",
    "Study",
    "__version__",
    "check_duplicates",
    "check_settings",
    "common_seeds",
    "curves_frame",
    "find_experiments",
    "group_methods",
    "hypervolume_frame",
    "load_study",
    "mark_decision_time_charged",
    "pareto_fronts",
    "report_notes",
    "seed_report",
    "settings_conflicts",
    "split_by_settings",
    "write_figures",
]
