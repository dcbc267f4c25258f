"""Finding the machine's GPUs and sharing them out among concurrent trials."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Sequence

logger = logging.getLogger(__name__)

_GPU_LINE = re.compile(r"^GPU (\d+):")


def detect_gpus() -> list[str]:
    """Ids of the GPUs trials may use, as strings for `CUDA_VISIBLE_DEVICES`.

    If the tuner itself runs with `CUDA_VISIBLE_DEVICES` set, those devices are the
    ones shared out. Otherwise the GPUs listed by `nvidia-smi --list-gpus` are used;
    without `nvidia-smi` on the PATH, or if it fails, there are none.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        return [gpu.strip() for gpu in visible.split(",") if gpu.strip()]
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return []
    try:
        listing = subprocess.run(
            [executable, "--list-gpus"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        logger.warning("`nvidia-smi --list-gpus` failed (%s); running trials without GPUs", err)
        return []
    return [match.group(1) for line in listing.splitlines() if (match := _GPU_LINE.match(line))]


class GPUAllocator:
    """Gives each new trial the least busy GPUs.

    GPUs are ranked by how many running trials hold them, ties going to the GPU
    listed first, so trials rotate over the GPUs; when there are more trials than
    GPUs, GPUs are shared.

    Args:
        gpus: Device ids, e.g. `["0", "1"]`; empty means no GPUs (nothing to assign).
        per_trial: GPUs each trial gets, between 1 and `len(gpus)`.
    """

    def __init__(self, *, gpus: Sequence[str] = (), per_trial: int = 1) -> None:
        self._gpus = [str(gpu) for gpu in gpus]
        if len(set(self._gpus)) != len(self._gpus) or not all(self._gpus):
            raise ValueError(f"gpus={list(gpus)!r}; expected distinct, non-empty device ids")
        if self._gpus and not 1 <= per_trial <= len(self._gpus):
            raise ValueError(
                f"num_gpus_per_trial={per_trial!r}; expected between 1 and the "
                f"{len(self._gpus)} GPUs available ({', '.join(self._gpus)})"
            )
        self._per_trial = per_trial
        self._load = dict.fromkeys(self._gpus, 0)

    @property
    def gpus(self) -> list[str]:
        """All device ids being shared out."""
        return list(self._gpus)

    def acquire(self) -> list[str]:
        """Take `per_trial` of the least busy GPUs, in listing order; [] without GPUs."""
        if not self._gpus:
            return []
        order = sorted(range(len(self._gpus)), key=lambda i: (self._load[self._gpus[i]], i))
        chosen = [self._gpus[i] for i in sorted(order[: self._per_trial])]
        for gpu in chosen:
            self._load[gpu] += 1
        return chosen

    def release(self, gpus: Sequence[str]) -> None:
        """Give back GPUs obtained from `acquire`."""
        for gpu in gpus:
            if self._load.get(gpu, 0) <= 0:
                raise ValueError(f"GPU {gpu!r} released more often than acquired")
            self._load[gpu] -= 1
