"""Presets on synchronous successive halving / Hyperband, DEHB and PBT."""

from __future__ import annotations

from tunelab.core.methods._compose import compose, scheduler_preset
from tunelab.core.schedulers.pbt import PopulationBasedTraining
from tunelab.core.schedulers.synchronous import (
    DEHBScheduler,
    SynchronousHyperbandScheduler,
    SynchronousSuccessiveHalving,
)
from tunelab.core.searchers.kde import KDESearcher
from tunelab.core.searchers.random import RandomSearcher

sync_sh = scheduler_preset(
    SynchronousSuccessiveHalving,
    name="sync_sh",
    doc="Synchronous successive halving (Jamieson & Talwalkar, 2016; Karnin et al., "
    "2013) with `searcher` (the seed goes to it).",
)
sync_hyperband = scheduler_preset(
    SynchronousHyperbandScheduler,
    name="sync_hyperband",
    doc="Synchronous Hyperband (Li et al., 2018): geometric brackets, all by default, "
    "with `searcher` (the seed goes to it).",
)
sync_bohb = compose(
    sync_hyperband,
    name="sync_bohb",
    searcher=KDESearcher,
    doc="BOHB (Falkner et al., 2018): synchronous Hyperband with the KDE searcher.",
)
dehb = scheduler_preset(
    DEHBScheduler,
    name="dehb",
    searcher=RandomSearcher,
    doc="DEHB (Awad et al., 2021): differential evolution over synchronous Hyperband "
    "brackets; the first bracket's configurations are random.",
)
pbt = scheduler_preset(
    PopulationBasedTraining,
    name="pbt",
    population_size=8,
    perturbation_interval=2,
    doc="Population based training (Jaderberg et al., 2017); the training script must "
    "save and load checkpoints, from which exploited trials continue.",
)
