"""Peers of the speed benchmarks: other HPO libraries, each in its own virtual environment.

Usage: python benchmarks/_peers.py --install all|NAME   (or --list)

A peer is installed only on request (`install`, or the command above), never as a
side effect of a benchmark or a test; a benchmark asks `peer_python(name)` and runs
the peer's side when it is there. Environments live under `$TUNELAB_PEERS` (default
`~/.cache/tunelab/peers/`), one folder per peer, made with uv. The peer's side of a
benchmark is a script of `benchmarks/peers/`, run with the peer's python by
`run_peer`; it prints its figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent / "peers"
MARKER = "tunelab-peer.json"


@dataclass(frozen=True)
class Peer:
    """How to build one peer's environment.

    Attributes:
        requirements: What `uv pip install` gets.
        python: The interpreter version for `uv venv --python`.
        excludes: Dependencies left out of the resolution, unused on the paths the
            benchmarks take (and large).
        why: One line for `--list`.
    """

    requirements: tuple[str, ...]
    python: str
    excludes: tuple[str, ...] = ()
    why: str = ""


PEERS: dict[str, Peer] = {
    # The blackbox repository module imports huggingface_hub; xgboost (with its 470 MB
    # of NCCL) is a dependency of syne-tune that the simulator path never imports.
    "syne-tune-0.16.0": Peer(
        requirements=("syne-tune==0.16.0", "huggingface_hub"),
        python="3.11",
        excludes=("xgboost",),
        why="simulator benchmark (tabular blackbox, simulator backend, Tuner)",
    ),
    # 0.14.2's searcher factory imports its BORE searcher, hence xgboost, even for the
    # GP searchers: the CPU-only wheel provides the module without the GPU libraries.
    "syne-tune-0.14.2-basic": Peer(
        requirements=("syne-tune[basic]==0.14.2", "xgboost-cpu"),
        python="3.11",
        excludes=("xgboost",),
        why="GP benchmark (MOBSTER, Hyper-Tune)",
    ),
}


def peers_root() -> Path:
    """Where the environments are: `$TUNELAB_PEERS`, else `~/.cache/tunelab/peers`."""
    configured = os.environ.get("TUNELAB_PEERS")
    return Path(configured) if configured else Path.home() / ".cache" / "tunelab" / "peers"


def _peer(name: str) -> Peer:
    try:
        return PEERS[name]
    except KeyError:
        raise ValueError(f"unknown peer {name!r}; known: {sorted(PEERS)}") from None


def peer_python(name: str) -> Path | None:
    """The python of peer `name`, or None when it is not (completely) installed."""
    _peer(name)
    folder = peers_root() / name
    python = folder / "bin" / "python"
    if not (folder / MARKER).is_file() or not python.exists():
        return None
    return python


def _uv() -> str:
    bundled = ROOT / ".tools" / "uv" / "bin" / "uv"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("uv")
    if found is None:
        raise RuntimeError("uv not found: run `make bootstrap` or put uv on PATH")
    return found


def install(name: str) -> Path:
    """Create (or re-create) the environment of peer `name`; returns its python.

    Raises:
        subprocess.CalledProcessError: If uv fails (no interpreter of the peer's
            version, no network to the package index, ...).
    """
    peer = _peer(name)
    folder = peers_root() / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)  # until this install has finished
    uv = _uv()
    venv = [uv, "venv", "--quiet", "--clear", "--python", peer.python, str(folder)]
    subprocess.run(venv, check=True)
    command = [uv, "pip", "install", "--python", str(folder / "bin" / "python")]
    with tempfile.TemporaryDirectory() as scratch:
        if peer.excludes:
            excludes = Path(scratch) / "excludes.txt"
            excludes.write_text("\n".join(peer.excludes) + "\n")
            command += ["--excludes", str(excludes)]
        subprocess.run([*command, *peer.requirements], check=True)
    marker = {"requirements": list(peer.requirements), "excludes": list(peer.excludes)}
    (folder / MARKER).write_text(json.dumps(marker, indent=1) + "\n")
    python = peer_python(name)
    assert python is not None
    return python


def run_peer(name: str, script: str, args: list[str], *, timeout: float | None = None) -> Any:
    """Run `benchmarks/peers/<script>` with peer `name`'s python; the JSON it prints.

    The script's last line of standard output is its result; anything else it (or the
    peer library) prints goes to standard error.

    Raises:
        RuntimeError: If the peer is not installed or the script fails.
    """
    python = peer_python(name)
    if python is None:
        raise RuntimeError(f"peer {name!r} is not installed: python {__file__} --install {name}")
    done = subprocess.run(
        [str(python), str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.splitlines()[-20:])
        raise RuntimeError(f"{script} with peer {name!r} failed ({done.returncode}):\n{tail}")
    return json.loads(lines[-1])


def _size(folder: Path) -> str:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return f"{total / 2**20:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--install", metavar="NAME", help=f"'all' or one of {sorted(PEERS)}")
    action.add_argument("--list", action="store_true", help="show what is installed")
    args = parser.parse_args()
    if args.install:
        for name in sorted(PEERS) if args.install == "all" else [args.install]:
            print(f"installing {name} into {peers_root() / name}", flush=True)
            install(name)
    for name, peer in sorted(PEERS.items()):
        python = peer_python(name)
        state = f"installed ({_size(python.parents[1])})" if python else "not installed"
        print(f"{name:<24} {state:<24} {peer.why}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
