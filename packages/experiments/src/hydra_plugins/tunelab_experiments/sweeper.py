"""`hydra/sweeper=tunelab`: Hydra's basic sweeper that checks every job before the first.

Bad overrides (a method argument the scheduler does not take, a benchmark without its
data, a multi-fidelity method on a single-fidelity benchmark, a single-objective
method on a multi-objective one, `max_cost` without a cost metric, `seed=1.5`, a name
that is no folder name, `+dry_run=true` with a launcher that would run the jobs, ...)
end the sweep before any job runs, one line per problem.

Hydra's private API: `TunelabSweeper` subclasses
`hydra._internal.core_plugins.basic_sweeper.BasicSweeper`, on purpose. The public
`hydra.plugins.sweeper.Sweeper` only declares `setup`/`sweep`; the cartesian product of
the overrides, the batches, `multirun.yaml` and the launch loop live in `BasicSweeper`,
and copying them would let our sweeps drift from `hydra/sweeper=basic`. Tested with
hydra-core 1.3.2 and 1.3.8 (`BasicSweeper` and `Sweeper` are the same source in
both); `packages/experiments/pyproject.toml` allows `>=1.3.2,<1.4` only, and
`tests/experiments/test_hydra_range.py` fails when the installed version leaves that
range. Check this subclass before widening it.
"""

# No `from __future__ import annotations`: Hydra loads plugin modules in a way that
# breaks string annotations in dataclasses.

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore


@dataclass
class TunelabSweeperConf:
    _target_: str = "hydra_plugins.tunelab_experiments.sweeper.TunelabSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = field(default=None)


ConfigStore.instance().store(
    group="hydra/sweeper", name="tunelab", node=TunelabSweeperConf, provider="tunelab"
)


class TunelabSweeper(BasicSweeper):
    """Checks every job (`tunelab.experiments.validation`) before launching a batch.

    Without `max_batch_size` the whole sweep is one batch, so no job starts before
    all are checked.
    """

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose each job of the batch once, as Hydra does, and check it."""
        from tunelab.experiments.validation import problems

        assert self.config is not None and self.hydra_context is not None
        found: list[str] = []
        for job in batch:
            cfg = self.hydra_context.config_loader.load_sweep_config(self.config, list(job))
            found += [p for p in problems(cfg) if p not in found]
        if found:
            print(f"the sweep has {len(found)} problem(s); no job was started:", file=sys.stderr)
            for problem in found:
                print(f"  {problem}", file=sys.stderr)
            sys.exit(2)


__all__ = ["TunelabSweeper", "TunelabSweeperConf"]
