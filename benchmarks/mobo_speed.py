"""Decision time of the multi-objective GP searchers: milliseconds per `suggest`.

Usage: python benchmarks/mobo_speed.py [--sizes 50,100,200] [--calls 5]

Each searcher of `tunelab.gp.multiobjective`, with its default settings, holds N
observations of a test problem over 6 continuous hyperparameters (ZDT1 for two
objectives, DTLZ2 for three; random configurations, observed directly, of which a
quarter are put on the true Pareto front, so that the front is as large as in a run
that found it: about N / 4 points) and 3 pending trials (4 workers). Then `--calls`
decisions are timed, each a `suggest` followed by the observation of the oldest pending
trial, as under a FIFO scheduler with 4 workers: every call refits the GP(s) (the
default refit schedule does so below 150 observations, later from a warm start only)
and maximises the acquisition function
(2,000 random candidates, L-BFGS-B refinement of the best 5). Printed per searcher and
N: mean and largest milliseconds per call, and the size of the Pareto front (EHVI's
cost grows with it: `k + 1` cells for two objectives, `(k + 1)^2` for three).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from tunelab.core.multiobjective import pareto_mask
from tunelab.core.searcher import Searcher
from tunelab.core.space import sample_config, uniform
from tunelab.gp.multiobjective import EHVISearcher, LinearScalarizedGPSearcher, ParEGOSearcher

SPACE = {f"x{i}": uniform(0.0, 1.0) for i in range(6)}
PENDING = 3  # with the trial being decided: 4 workers
ON_FRONT = 0.25  # share of the observed configurations placed on the Pareto front
# the values of x2..x6 that put a configuration on the front of each problem
FRONT_TAIL = {"zdt1": 0.0, "dtlz2": 0.5}


def zdt1(config: dict[str, Any]) -> list[float]:
    """ZDT1 (Zitzler, Deb, Thiele, 2000) in 6 variables: two objectives to minimise."""
    x = [config[f"x{i}"] for i in range(6)]
    g = 1.0 + 9.0 * sum(x[1:]) / 5.0
    return [x[0], g * (1.0 - math.sqrt(x[0] / g))]


def dtlz2(config: dict[str, Any]) -> list[float]:
    """DTLZ2 (Deb, Thiele, Laumanns, Zitzler, 2002) in 6 variables: three objectives."""
    x = [config[f"x{i}"] for i in range(6)]
    g = sum((v - 0.5) ** 2 for v in x[2:])  # 0 on the front: x3..x6 = 0.5
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [
        (1 + g) * math.cos(a) * math.cos(b),
        (1 + g) * math.cos(a) * math.sin(b),
        (1 + g) * math.sin(a),
    ]


Problem = Callable[[dict[str, Any]], list[float]]
CASES: dict[str, tuple[Callable[..., Searcher], Problem]] = {
    "parego (2 metrics)": (ParEGOSearcher, zdt1),
    "linear_scalarized_bo (2)": (LinearScalarizedGPSearcher, zdt1),
    "ehvi (2 metrics)": (EHVISearcher, zdt1),
    "ehvi (3 metrics)": (EHVISearcher, dtlz2),
}


def measure(
    make: Callable[..., Searcher], problem: Problem, n: int, calls: int
) -> tuple[float, float, int]:
    """Mean and largest ms per decision holding `n` observations, and the front size."""
    rng = np.random.default_rng(n)
    searcher = make(SPACE, num_init_random=0, seed=0)
    metrics = [f"f{j}" for j in range(len(problem(sample_config(SPACE, rng))))]
    searcher.configure(metric=metrics, mode="min")
    values = []

    def observe(trial_id: int, config: dict[str, Any]) -> None:
        costs = problem(config)
        values.append(costs)
        searcher.observe(trial_id, config, dict(zip(metrics, costs, strict=True)))

    tail = FRONT_TAIL[problem.__name__]
    for trial_id in range(n):
        config = sample_config(SPACE, rng)
        if rng.uniform() < ON_FRONT:
            first = 2 if problem is dtlz2 else 1
            config.update({f"x{i}": tail for i in range(first, 6)})
        observe(trial_id, config)
    pending = []
    for trial_id in range(n, n + PENDING):
        config = sample_config(SPACE, rng)
        searcher.register_pending(trial_id, config)
        pending.append((trial_id, config))
    times = []
    for trial_id in range(n + PENDING, n + PENDING + calls):
        start = time.perf_counter()
        config = searcher.suggest(trial_id)
        times.append(1000 * (time.perf_counter() - start))
        assert config is not None
        searcher.register_pending(trial_id, config)
        pending.append((trial_id, config))
        observe(*pending.pop(0))
    front = int(pareto_mask(np.array(values), ["min"] * len(metrics)).sum())
    return float(np.mean(times)), float(np.max(times)), front


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200", help="observations held, comma-separated")
    parser.add_argument("--calls", type=int, default=5, help="decisions timed per size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'searcher':<26} {'N':>5} {'mean ms':>9} {'max ms':>9} {'front':>6}")
    for name, (make, problem) in CASES.items():
        for n in sizes:
            mean, largest, front = measure(make, problem, n, args.calls)
            print(f"{name:<26} {n:>5} {mean:>9.1f} {largest:>9.1f} {front:>6}")


if __name__ == "__main__":
    main()
