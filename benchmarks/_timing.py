"""Timing a command as a user runs it: wall seconds and the CPU seconds of the process
and its children (steadier than wall time on a shared machine)."""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path


def timed_run(
    command: list[str], env: dict[str, str], cwd: Path | None = None
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run `command` to its end, output captured: (wall seconds, CPU seconds, process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done
