"""Recipes converting benchmarks' published raw files, which the user downloads.

Each reads the files from `source=<path>` (or an environment variable) and writes one
task per dataset; nothing is downloaded:

- `fcnet` (`$TUNELAB_FCNET_SOURCE`): the `fcnet_<dataset>_data.hdf5` files, needs the
  `tunelab-blackbox[fcnet]` extra (h5py);
- `nasbench201` (`$TUNELAB_NASBENCH201_SOURCE`): NATS-Bench's topology files
  `NATS-tss-v1_0-3ffb9.pickle.pbz2` or `NATS-tss-v1_0-3ffb9-simple/`;
- `lcbench` (`$TUNELAB_LCBENCH_SOURCE`): `data_2k.json` / `data_2k_lw.json` (or .zip).
"""

from __future__ import annotations

from tunelab.blackbox.repository.recipe import StoredRecipe
from tunelab.blackbox.repository.recipes.converters.fcnet import FCNetRecipe
from tunelab.blackbox.repository.recipes.converters.lcbench import LCBenchRecipe
from tunelab.blackbox.repository.recipes.converters.nasbench201 import NASBench201Recipe

CONVERTER_RECIPES: list[StoredRecipe] = [FCNetRecipe(), NASBench201Recipe(), LCBenchRecipe()]

__all__ = ["CONVERTER_RECIPES", "FCNetRecipe", "LCBenchRecipe", "NASBench201Recipe"]
