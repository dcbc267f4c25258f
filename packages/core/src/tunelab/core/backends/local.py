"""`LocalBackend`: every trial is a subprocess of the tuner on this machine."""

from __future__ import annotations

import contextlib
import ctypes
import enum
import functools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tunelab.core.backends.base import Backend
from tunelab.core.backends.gpus import GPUAllocator, detect_gpus
from tunelab.core.checkpoint import (
    CHECKPOINT_DIR_ENV,
    CONFIG_JSON_ARG,
    CONFIG_JSON_ENV,
    TRIAL_ID_ENV,
    detect_checkpoint_arg,
)
from tunelab.core.reporter import parse_metric_line
from tunelab.core.trial import Config, Trial, TrialStatus, TrialUpdate

logger = logging.getLogger(__name__)

PassConfigAs = Literal["args", "json"]
"""How `LocalBackend` hands the configuration to the training script."""

STDOUT_FILE = "stdout.log"
STDERR_FILE = "stderr.log"
CONFIG_FILE = "config.json"
STDERR_TAIL_LINES = 20
"""Lines of stderr quoted in the error of a failed trial."""

_PR_SET_DEATHSIG = 1


class _State(enum.Enum):
    RUNNING = "running"  # started; its end not reported yet
    PAUSED = "paused"
    STOPPED = "stopped"
    EXITED = "exited"  # ended by itself, and the end was reported


@dataclass
class _Run:
    state: _State
    process: subprocess.Popen[bytes] | None = None
    offset: int = 0  # bytes of stdout.log already parsed
    gpus: list[str] = field(default_factory=list)
    leftover: list[dict[str, Any]] = field(default_factory=list)  # read when halted


class LocalBackend(Backend):
    """Runs each trial as a subprocess of the tuner, on this machine.

    The command is `[python, entry_point, *args]` for a `.py` entry point and
    `[entry_point, *args]` for any other executable; it never goes through a shell,
    so configuration values arrive verbatim. With `pass_config_as="args"` every
    configuration entry becomes `--name value` (booleans as `True`/`False`; a value
    beginning with `-` as `--name=value`, so that argparse does not take it for an
    option). With `"json"` the script gets `--tunelab_config_json <path>` and reads
    it with `tunelab.core.checkpoint.load_config_json`. Either way the configuration
    is saved as `config.json` in the trial's folder.

    A trial runs in the tuner's working directory (so that relative paths in the
    script work), with the tuner's environment plus `env`, `PYTHONUNBUFFERED=1`
    (unless set otherwise), `TUNELAB_TRIAL_ID`, `TUNELAB_CHECKPOINT_DIR`,
    `TUNELAB_CONFIG_JSON` and, when there are GPUs, `CUDA_VISIBLE_DEVICES` naming
    the `num_gpus_per_trial` least busy ones. Its stdout and stderr are appended to
    `stdout.log` and `stderr.log` in the trial's folder, across resumes.

    Pausing or stopping a trial sends SIGTERM to its process group, and SIGKILL once
    it has exited or `stop_grace_period` has passed. Results it printed before that
    are delivered by the next `fetch_new_results`, in an update whose status is
    PAUSED or STOPPED; a halted trial never reports COMPLETED or FAILED. A resumed
    trial restarts the script, with the new configuration, in the same folder. A
    trial started from another trial's checkpoint (`copy_checkpoint`) finds a copy
    of that trial's checkpoint folder in its own.
    On Linux, a trial's process is SIGKILLed by the kernel when the tuner thread
    that started it dies, even by SIGKILL (its own children are not covered).
    `stdout.log` is the trial's record (`logged_results`): a resumed tuning run
    takes from it the results that the killed run had not saved.

    Args:
        entry_point: The training script (`*.py`) or an executable.
        python: Interpreter for `.py` entry points; default: the tuner's.
        pass_config_as: `"args"` (command-line options) or `"json"` (a file).
        env: Extra environment variables for the trials.
        gpus: Device ids to share out; None detects them (`nvidia-smi`), [] uses none.
        num_gpus_per_trial: GPUs given to each trial when there are GPUs.
        delete_checkpoints: Remove a trial's checkpoint folder once it has completed,
            failed or been stopped (paused trials keep theirs). The tuner's
            `TunerOptions.checkpoint_removal` does the same for any backend, can also
            remove checkpoints of paused trials, and is the better choice with
            schedulers that pause trials: a trial that ends by itself exactly where
            the scheduler pauses it loses its checkpoint here, not there.
        stop_grace_period: Seconds between SIGTERM and SIGKILL.
        checkpoint_arg: A command-line option, such as `"--st_checkpoint_dir"`, after
            which every trial's command gets its checkpoint folder, for scripts that
            read it from their arguments rather than from `TUNELAB_CHECKPOINT_DIR`.
            `"auto"` passes `--st_checkpoint_dir` to a `.py` script that mentions
            `st_checkpoint_dir` (Syne Tune scripts); None passes nothing.
    """

    def __init__(
        self,
        entry_point: str | os.PathLike[str],
        *,
        python: str | os.PathLike[str] | None = None,
        pass_config_as: PassConfigAs = "args",
        env: Mapping[str, str] | None = None,
        gpus: Sequence[str] | None = None,
        num_gpus_per_trial: int = 1,
        delete_checkpoints: bool = False,
        stop_grace_period: float = 5.0,
        checkpoint_arg: str | None = "auto",
    ) -> None:
        path = Path(entry_point).expanduser().absolute()
        if not path.is_file():
            raise FileNotFoundError(
                f"entry_point {str(entry_point)!r} does not exist; expected a training "
                "script (*.py) or an executable file"
            )
        if path.suffix != ".py" and not os.access(path, os.X_OK):
            raise ValueError(f"entry_point {str(path)!r} is neither a *.py script nor executable")
        if pass_config_as not in ("args", "json"):
            raise ValueError(f"pass_config_as={pass_config_as!r}; expected 'args' or 'json'")
        if stop_grace_period < 0:
            raise ValueError(f"stop_grace_period={stop_grace_period!r}; expected >= 0")
        for key, value in (env or {}).items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"env entry {key!r}: {value!r}; expected strings")
        self._entry_point = path
        self._python = os.fspath(python) if python is not None else sys.executable
        self._pass_config_as = pass_config_as
        self._env = dict(env or {})
        self._gpus = GPUAllocator(
            gpus=detect_gpus() if gpus is None else gpus, per_trial=num_gpus_per_trial
        )
        self._delete_checkpoints = delete_checkpoints
        self._stop_grace_period = stop_grace_period
        if checkpoint_arg == "auto":
            checkpoint_arg = detect_checkpoint_arg(path)
        elif checkpoint_arg is not None and not re.fullmatch(r"--?[\w.-]+", checkpoint_arg):
            raise ValueError(
                f"checkpoint_arg={checkpoint_arg!r}; expected 'auto', None or an option "
                "such as '--st_checkpoint_dir'"
            )
        self._checkpoint_arg = checkpoint_arg
        self._runs: dict[int, _Run] = {}

    @property
    def entry_point(self) -> Path:
        return self._entry_point

    def default_name(self) -> str:
        """The entry point's file name without its suffix."""
        return self._entry_point.stem

    def start_trial(self, trial: Trial) -> None:
        if trial.trial_id in self._runs:
            raise ValueError(f"trial {trial.trial_id} was started before; use resume_trial")
        self._runs[trial.trial_id] = self._launch(trial.trial_id, trial.config)

    def resume_trial(self, trial: Trial) -> None:
        """Start a paused or ended trial again in its folder, with its checkpoint.

        A trial unknown to this backend instance is one of an experiment resumed in a
        new tuner process: it is started again in its existing folder.
        """
        run = self._runs.get(trial.trial_id)
        if run is None:
            self._runs[trial.trial_id] = self._launch(trial.trial_id, trial.config)
            return
        if run.state in (_State.RUNNING, _State.STOPPED):
            raise ValueError(
                f"trial {trial.trial_id} is {run.state.value}; only a paused or "
                "ended trial can be resumed"
            )
        new_run = self._launch(trial.trial_id, trial.config)
        new_run.leftover = run.leftover
        self._runs[trial.trial_id] = new_run

    def pause_trial(self, trial_id: int) -> None:
        """Interrupt a running trial; one that ended by itself after the result the
        scheduler paused it on (same poll) is simply marked paused."""
        run = self._run(trial_id)
        if run.state is _State.EXITED:
            run.state = _State.PAUSED
            return
        if run.state is not _State.RUNNING:
            raise ValueError(f"trial {trial_id} is {run.state.value}; expected a running trial")
        self._halt(trial_id, run, _State.PAUSED)

    def stop_trial(self, trial_id: int) -> None:
        run = self._run(trial_id)
        if run.state is _State.RUNNING:
            self._halt(trial_id, run, _State.STOPPED)
        run.state = _State.STOPPED
        if self._delete_checkpoints:
            self.delete_checkpoint(trial_id)

    def fetch_new_results(self) -> list[TrialUpdate]:
        updates = []
        for trial_id, run in self._runs.items():
            if run.state is _State.RUNNING:
                update = self._poll(trial_id, run)
            elif run.leftover:
                status = TrialStatus.PAUSED if run.state is _State.PAUSED else TrialStatus.STOPPED
                update = TrialUpdate(trial_id, results=run.leftover, status=status)
                run.leftover = []
            else:
                update = None
            if update is not None:
                updates.append(update)
        return updates

    def busy_trial_ids(self) -> list[int]:
        return [trial_id for trial_id, run in self._runs.items() if run.state is _State.RUNNING]

    def stdout(self, trial_id: int) -> str:
        """Everything trial `trial_id` wrote to stdout so far ("" if nothing)."""
        return _read_text(self.trial_path(trial_id) / STDOUT_FILE)

    def stderr(self, trial_id: int) -> str:
        """Everything trial `trial_id` wrote to stderr so far ("" if nothing)."""
        return _read_text(self.trial_path(trial_id) / STDERR_FILE)

    def logged_results(self, trial_id: int) -> list[dict[str, Any]]:
        """Every result in trial `trial_id`'s `stdout.log`, all its runs, oldest first."""
        try:
            data = (self.trial_path(trial_id) / STDOUT_FILE).read_bytes()
        except FileNotFoundError:
            return []
        return _parse_results(data)

    def _command(self, trial_id: int, config: Config, config_file: Path) -> list[str]:
        """The argument list that runs trial `trial_id`; subclasses may replace it."""
        if self._entry_point.suffix == ".py":
            command = [self._python, str(self._entry_point)]
        else:
            command = [str(self._entry_point)]
        if self._checkpoint_arg is not None:
            command += [self._checkpoint_arg, str(self.checkpoint_path(trial_id))]
        if self._pass_config_as == "json":
            return [*command, CONFIG_JSON_ARG, str(config_file)]
        return [*command, *_config_args(config)]

    def _launch(self, trial_id: int, config: Config) -> _Run:
        folder = self.trial_path(trial_id)
        self.checkpoint_path(trial_id).mkdir(parents=True, exist_ok=True)
        config_file = folder / CONFIG_FILE
        config_file.write_text(json.dumps(config, indent=2, default=_json_default) + "\n")
        command = self._command(trial_id, config, config_file)
        stdout_file = folder / STDOUT_FILE
        _end_last_line(stdout_file)
        offset = stdout_file.stat().st_size if stdout_file.exists() else 0
        gpus = self._gpus.acquire()
        env = {"PYTHONUNBUFFERED": "1", **os.environ, **self._env}
        env[TRIAL_ID_ENV] = str(trial_id)
        env[CHECKPOINT_DIR_ENV] = str(self.checkpoint_path(trial_id))
        env[CONFIG_JSON_ENV] = str(config_file)
        if gpus:
            env["CUDA_VISIBLE_DEVICES"] = ",".join(gpus)
        try:
            with open(stdout_file, "ab") as out, open(folder / STDERR_FILE, "ab") as err:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    env=env,
                    start_new_session=True,
                    preexec_fn=_death_signal_setter(),
                )
        except BaseException:
            self._gpus.release(gpus)
            raise
        logger.debug("Trial %d started (pid %d): %s", trial_id, process.pid, command)
        return _Run(state=_State.RUNNING, process=process, offset=offset, gpus=gpus)

    def _poll(self, trial_id: int, run: _Run) -> TrialUpdate | None:
        assert run.process is not None
        exit_code = run.process.poll()  # before reading, so that no line is missed
        results = run.leftover + self._read_results(trial_id, run, final=exit_code is not None)
        run.leftover = []
        if exit_code is None:
            return TrialUpdate(trial_id, results=results) if results else None
        self._release(run, _State.EXITED)
        if exit_code == 0:
            status, error = TrialStatus.COMPLETED, None
        else:
            status, error = TrialStatus.FAILED, self._failure_message(trial_id, exit_code)
        logger.debug("Trial %d ended with exit code %d", trial_id, exit_code)
        if self._delete_checkpoints:
            self.delete_checkpoint(trial_id)
        return TrialUpdate(trial_id, results=results, status=status, error=error)

    def _halt(self, trial_id: int, run: _Run, state: _State) -> None:
        assert run.process is not None
        _terminate_group(run.process, self._stop_grace_period)
        run.leftover += self._read_results(trial_id, run, final=True)
        self._release(run, state)
        logger.debug("Trial %d %s", trial_id, state.value)

    def _release(self, run: _Run, state: _State) -> None:
        self._gpus.release(run.gpus)
        run.gpus, run.process, run.state = [], None, state

    def _read_results(self, trial_id: int, run: _Run, *, final: bool) -> list[dict[str, Any]]:
        """Parse the lines of stdout.log after `run.offset`; a partial last line waits
        unless `final`."""
        path = self.trial_path(trial_id) / STDOUT_FILE
        with open(path, "rb") as file:
            file.seek(run.offset)
            data = file.read()
        if not final:
            data = data[: data.rfind(b"\n") + 1]
        run.offset += len(data)
        return _parse_results(data)

    def _failure_message(self, trial_id: int, exit_code: int) -> str:
        message = f"exit code {exit_code}"
        if exit_code < 0:
            with contextlib.suppress(ValueError):
                message += f" (killed by {signal.Signals(-exit_code).name})"
        tail = _tail(self.trial_path(trial_id) / STDERR_FILE, STDERR_TAIL_LINES)
        return f"{message}; end of stderr:\n{tail}" if tail else f"{message}; stderr is empty"

    def _run(self, trial_id: int) -> _Run:
        try:
            return self._runs[trial_id]
        except KeyError:
            raise ValueError(f"trial {trial_id} was never started by this backend") from None


def _config_args(config: Config) -> list[str]:
    args: list[str] = []
    for name, value in config.items():
        text = str(value)
        args += [f"--{name}={text}"] if text.startswith("-") else [f"--{name}", text]
    return args


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    raise TypeError(f"config value {value!r} of type {type(value).__name__} is not JSON data")


def _parse_results(data: bytes) -> list[dict[str, Any]]:
    """The results carried by the metric lines of `data`, a piece of stdout.log."""
    lines = (line.decode("utf-8", errors="replace") for line in data.split(b"\n"))
    return [result for line in lines if (result := parse_metric_line(line)) is not None]


def _end_last_line(path: Path) -> None:
    """End a log whose last line was cut off (its process was killed while writing),
    so that the next run's first line does not join it."""
    try:
        with open(path, "rb+") as file:
            if file.seek(0, os.SEEK_END) == 0:
                return
            file.seek(-1, os.SEEK_END)
            if file.read(1) != b"\n":
                file.write(b"\n")
    except FileNotFoundError:
        return


def _terminate_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group, SIGKILL it after the leader exits or `grace` passes."""
    _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while not _has_exited(process) and time.monotonic() < deadline:
        time.sleep(0.01)
    # The leader is not reaped yet, so its id still names this group: helpers it
    # left behind (data loaders, ...) are killed and no unrelated group can be hit.
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    if process.returncode is not None:
        return True
    try:
        flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
        return os.waitid(os.P_PID, process.pid, flags) is not None
    except ChildProcessError:
        return True
    except AttributeError:  # no waitid on this platform
        return process.poll() is not None


def _signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


@functools.cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        logger.info("prctl unavailable; trials may outlive a killed tuner")
        return None


def _death_signal_setter() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel SIGKILL the trial when the tuner dies (Linux)."""
    prctl = _prctl()
    if prctl is None:
        return None
    tuner = os.getpid()

    def set_death_signal() -> None:
        prctl(_PR_SET_DEATHSIG, int(signal.SIGKILL))
        if os.getppid() != tuner:  # the tuner died before the signal was armed
            os._exit(1)

    return set_death_signal


def _tail(path: Path, lines: int) -> str:
    try:
        with open(path, "rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - 64 * 1024))
            data = file.read()
    except FileNotFoundError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
