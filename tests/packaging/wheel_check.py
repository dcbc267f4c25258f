"""Check the wheels as users install them, not the editable installs of the dev setup.

The development environment imports every package from its source folder, so it
cannot see a file that the built wheel leaves out (a `.gitignore` line such as
`results/` once dropped `tunelab.core.results` from tunelab-core's wheel). This check

1. builds every package's wheel with `uv build --package <name> --wheel`;
2. compares each wheel's files with the files git tracks in the package's `src/`
   folder, so that modules and package data (benchmark tables, Hydra configs) are
   all shipped;
3. installs the wheels into fresh virtual environments -- each package alone (with
   the tunelab packages it requires), core with gp, and all five -- taking the other
   dependencies from the registry at the versions of `uv.lock` (`--unpinned`: the
   newest), and checks that every tunelab package there is the local wheel;
4. imports, in each environment, every module of the wheels installed there;
5. in the environment with all five, runs the README's "Tune a Python function"
   example (read from README.md, so the check follows the README) and
   `tunelab-run --help` and `tunelab-plot --help`.

Run it with `python tests/packaging/wheel_check.py` (or `make check-wheels`);
`test_wheels.py` beside it runs the same checks under pytest (marked slow).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "gp", "blackbox", "experiments", "plotting")
"""Folders under `packages/`; the distribution of folder `x` is `tunelab-x`."""

ENVIRONMENTS: dict[str, tuple[str, ...]] = {
    **{package: (package,) for package in PACKAGES},
    "core+gp": ("core", "gp"),
    "all": PACKAGES,
}
"""Environment name -> the packages installed in it (plus the tunelab ones they need)."""

README_SECTION = "**Tune a Python function.**"
"""The README paragraph whose first `python` code block is run as the example."""

COMMANDS = (("tunelab-run", "--help"), ("tunelab-plot", "--help"))
"""Console scripts run in the environment with all five packages."""

TIMEOUT = 600.0
"""Seconds any one step (a build, an install, the example) may take."""

IMPORT_SCRIPT = """
import importlib, json, sys
failures = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except BaseException as error:  # SystemExit or KeyboardInterrupt raised on import count too
        failures[name] = f"{type(error).__name__}: {error}"
print(json.dumps(failures))
"""


def dist_name(package: str) -> str:
    return f"tunelab-{package}"


def find_uv() -> str:
    """uv from `$UV`, else from PATH, else the copy `make` installs into `.tools/`."""
    for candidate in (os.environ.get("UV"), shutil.which("uv"), str(ROOT / ".tools/uv/bin/uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise FileNotFoundError("uv not found: set UV, put it on PATH or run `make install`")


def run(command: Sequence[str | os.PathLike[str]], *, cwd: Path | None = None) -> str:
    """Run `command`; its stdout, or a RuntimeError holding its output when it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env.setdefault("MPLBACKEND", "Agg")
    try:
        done = subprocess.run(
            [os.fspath(part) for part in command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"{_show(command)} timed out after {TIMEOUT:.0f} s") from error
    if done.returncode != 0:
        output = (done.stdout + done.stderr).strip()[-4000:]
        raise RuntimeError(f"{_show(command)} exited with {done.returncode}:\n{output}")
    return done.stdout


def build_wheels(out: Path, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Build each package's wheel into `out`; package -> wheel file."""
    uv = find_uv()
    wheels = {}
    for package in packages:
        target = out / package
        shutil.rmtree(target, ignore_errors=True)
        run([uv, "build", "--package", dist_name(package), "--wheel", "-o", target], cwd=ROOT)
        (wheels[package],) = target.glob("*.whl")
    return wheels


def tracked_files(package: str) -> set[str]:
    """Files of `packages/<package>/src` that git tracks (and that exist), relative to
    `src/`; without git, every file there except caches."""
    src = ROOT / "packages" / package / "src"
    try:
        listed = run(["git", "-C", ROOT, "ls-files", "-z", "--", src]).split("\0")
        paths = [ROOT / name for name in listed if name]
    except (RuntimeError, FileNotFoundError):
        paths = [p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return {path.relative_to(src).as_posix() for path in paths if path.is_file()}


def wheel_files(wheel: Path) -> set[str]:
    """The files of `wheel` outside its `.dist-info` folder."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    return {name for name in names if not name.split("/")[0].endswith(".dist-info")}


def check_contents(package: str, wheel: Path) -> tuple[list[str], list[str]]:
    """Problems (tracked files missing from the wheel) and notes (wheel files git does
    not track, such as a new file not added yet)."""
    expected, shipped = tracked_files(package), wheel_files(wheel)
    problems = [f"{wheel.name} lacks {name}" for name in sorted(expected - shipped)]
    notes = [f"{wheel.name} holds {name}, untracked by git" for name in sorted(shipped - expected)]
    return problems, notes


def modules(wheel: Path) -> list[str]:
    """Every module of `wheel` as an import name (`__main__` modules left out)."""
    names = []
    for name in sorted(wheel_files(wheel)):
        if not name.endswith(".py") or name.endswith("/__main__.py"):
            continue
        parts = name.removesuffix(".py").split("/")
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def tunelab_requirements(wheel: Path) -> set[str]:
    """The tunelab packages that `wheel` requires (extras left out)."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    required = set()
    for line in text.splitlines():
        match = re.match(r"Requires-Dist: tunelab-([a-z]+)", line)
        if match and "extra ==" not in line:
            required.add(match.group(1))
    return required


def closure(packages: Iterable[str], wheels: dict[str, Path]) -> tuple[str, ...]:
    """`packages` and every tunelab package they require, in the order of PACKAGES."""
    found, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package not in found:
            found.add(package)
            todo += tunelab_requirements(wheels[package])
    return tuple(package for package in PACKAGES if package in found)


class Environments:
    """Fresh virtual environments below `root`, made on first use and shared by the
    names whose packages need the same wheels."""

    def __init__(self, root: Path, wheels: dict[str, Path], *, pinned: bool = True) -> None:
        self._root = root
        self._wheels = wheels
        self._uv = find_uv()
        self._made: dict[tuple[str, ...], Path] = {}
        self._constraints: Path | None = None
        if pinned:
            self._constraints = root / "constraints.txt"
            root.mkdir(parents=True, exist_ok=True)
            self._constraints.write_text(self._locked_versions())

    def packages(self, name: str) -> tuple[str, ...]:
        return closure(ENVIRONMENTS[name], self._wheels)

    def python(self, name: str) -> Path:
        """The interpreter of environment `name`, installed if it is not yet."""
        packages = self.packages(name)
        if packages not in self._made:
            self._made[packages] = self._install(packages)
        return self._made[packages] / "bin" / "python"

    def _install(self, packages: tuple[str, ...]) -> Path:
        venv = self._root / "+".join(packages)
        run([self._uv, "venv", "--quiet", "--clear", "--python", sys.executable, venv])
        command: list[str | os.PathLike[str]] = ["pip", "install", "--python", venv / "bin/python"]
        if self._constraints is not None:
            command += ["--constraints", self._constraints]
        run([self._uv, *command, *(self._wheels[package] for package in packages)])
        return venv

    def _locked_versions(self) -> str:
        """`uv.lock`'s versions of every third-party package, as constraints."""
        return run(
            [
                *(self._uv, "export", "--frozen", "--no-hashes", "--all-packages"),
                *("--no-emit-workspace", "--no-header", "--no-annotate"),
                *("--no-emit-package", "tunelab-example-plugin"),
            ],
            cwd=ROOT,
        )


def check_origin(python: Path, packages: Sequence[str], wheels: dict[str, Path]) -> list[str]:
    """Problems: a tunelab distribution in the environment that is not the local wheel."""
    script = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps({d.metadata['Name']: d.read_text('direct_url.json') or ''"
        " for d in m.distributions() if d.metadata['Name'].startswith('tunelab')}))"
    )
    installed = json.loads(run([python, "-c", script], cwd=python.parent))
    problems = []
    for name, direct_url in sorted(installed.items()):
        package = name.removeprefix("tunelab-")
        url = json.loads(direct_url).get("url", "") if direct_url else ""
        if package not in packages or not url.endswith("/" + wheels[package].name):
            origin = url or "the registry"
            problems.append(f"{name} is installed from {origin}, not the local wheel")
    missing = {dist_name(p) for p in packages} - set(installed)
    problems += [f"{name} is not installed" for name in sorted(missing)]
    return problems


def check_imports(python: Path, names: Sequence[str]) -> list[str]:
    """Problems: each error raised by importing the modules `names`, with the modules."""
    # Run from the environment's bin/ folder: no source folder may shadow the wheels.
    output = run([python, "-c", IMPORT_SCRIPT, *names], cwd=python.parent)
    failures = json.loads(output.splitlines()[-1])
    by_error: dict[str, list[str]] = {}
    for name, error in failures.items():
        by_error.setdefault(error, []).append(name)
    return [
        f"{error} (importing {len(failed)}: {', '.join(failed[:5])}{', ...' * (len(failed) > 5)})"
        for error, failed in by_error.items()
    ]


def readme_example(readme: Path = ROOT / "README.md") -> str:
    """The first `python` code block after README_SECTION in the README."""
    text = readme.read_text(encoding="utf-8")
    start = text.find(README_SECTION)
    match = re.search(r"```python\n(.*?)```", text[start:], re.DOTALL) if start >= 0 else None
    if match is None:
        raise ValueError(
            f"{readme} has no python code block after {README_SECTION!r}; "
            "update README_SECTION in tests/packaging/wheel_check.py"
        )
    return match.group(1)


def check_readme_example(python: Path, workdir: Path) -> list[str]:
    """Problems: the README example failing when run in an empty folder."""
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / "readme_example.py"
    script.write_text(readme_example(), encoding="utf-8")
    try:
        run([python, script], cwd=workdir)
    except RuntimeError as error:
        return [f"README example: {error}"]
    return []


def check_commands(python: Path, workdir: Path) -> list[str]:
    """Problems: a console script of COMMANDS that is missing or fails."""
    problems = []
    for name, *args in COMMANDS:
        try:
            if not run([python.parent / name, *args], cwd=workdir).strip():
                problems.append(f"{name} {' '.join(args)} printed nothing")
        except (RuntimeError, FileNotFoundError) as error:
            problems.append(f"{name} {' '.join(args)}: {error}")
    return problems


def _show(command: Sequence[str | os.PathLike[str]]) -> str:
    return " ".join(os.fspath(part) for part in command)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--unpinned", action="store_true", help="newest dependencies, not uv.lock's"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    args = parser.parse_args(argv)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tunelab-wheels-") as temporary:
        work = args.keep or Path(temporary)
        results = _check_all(work, pinned=not args.unpinned)
    failed = [name for name, problems in results if problems]
    summary = f"wheel check: {len(results) - len(failed)} of {len(results)} checks ok"
    summary += f" in {time.monotonic() - start:.0f} s"
    print(summary + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _check_all(work: Path, *, pinned: bool) -> list[tuple[str, list[str]]]:
    results: list[tuple[str, list[str]]] = []

    def report(name: str, problems: list[str]) -> None:
        results.append((name, problems))
        print(f"{'FAIL' if problems else 'ok  '} {name}", flush=True)
        for problem in problems:
            print(f"     {problem}", flush=True)

    wheels = build_wheels(work / "wheels")
    for package, wheel in wheels.items():
        problems, notes = check_contents(package, wheel)
        report(f"contents of {wheel.name}", problems)
        for note in notes:
            print(f"     note: {note}")
    environments = Environments(work / "venvs", wheels, pinned=pinned)
    pythons: dict[tuple[str, ...], Path] = {}
    tried: dict[tuple[str, ...], str] = {}
    for name in ENVIRONMENTS:
        packages = environments.packages(name)
        label = name if packages == ENVIRONMENTS[name] else f"{name} ({'+'.join(packages)})"
        if packages in tried:
            print(f"same {label}: the environment of {tried[packages]}")
            continue
        tried[packages] = name
        try:
            pythons[packages] = python = environments.python(name)
        except RuntimeError as error:
            report(f"install {label}", [str(error)])
            continue
        report(f"origin of the tunelab packages in {label}", check_origin(python, packages, wheels))
        names = [module for package in packages for module in modules(wheels[package])]
        report(f"import {len(names)} modules in {label}", check_imports(python, names))
    python_all = pythons.get(PACKAGES)
    if python_all is None:
        report("README example and console scripts", ["no environment with all five packages"])
    else:
        report("README example", check_readme_example(python_all, work / "readme"))
        report("console scripts", check_commands(python_all, work / "readme"))
    return results


if __name__ == "__main__":
    sys.exit(main())
