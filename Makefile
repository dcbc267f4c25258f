# A newcomer needs only python3 and make: every target installs what it needs.
# uv is taken from PATH when present, otherwise installed once into .tools/.

PYTHON ?= python3
TOOLS := $(CURDIR)/.tools
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/uv/bin/uv)
# Use the machine's interpreter; never download one.
export UV_PYTHON_DOWNLOADS := never
export NO_MKDOCS_2_WARNING := 1
export UV_PYTHON ?= $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
RUN := $(UV) run --frozen --no-sync
PYTEST_ARGS ?=

.PHONY: help install demo demo-local test test-fast check-wheels lint format docs docs-serve bench clean

help:
	@echo "make demo      run the demo study (methods x embedded benchmarks x 5 seeds, simulated)"
	@echo "               and write its figures and tables to figures/demo/"
	@echo "make demo-local  tune the example training script for real (4 workers, ~1 min)"
	@echo "make test      build the docs, lint, then run the test suite"
	@echo "               (with the wheel check: the built wheels in fresh environments, ~1 min)"
	@echo "make check-wheels  only the wheel check, with a report of every step"
	@echo "make install   create .venv/ from uv.lock (every other target does this first)"
	@echo "make lint      ruff (lint + format check) and mypy"
	@echo "make docs      build the documentation site into site/"
	@echo "make bench     run the performance benchmarks (tuner, simulator, sweeps, plotting)"

$(TOOLS)/uv/bin/uv:
	@echo "uv not found: installing it into $(TOOLS)/uv"
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(TOOLS)/uv uv

.venv/.synced: uv.lock pyproject.toml packages/*/pyproject.toml | $(UV)
	$(UV) sync --frozen --all-packages --group dev
	@touch $@

install: | $(UV)
	$(UV) sync --frozen --all-packages --group dev
	@touch .venv/.synced

# The demo study: the methods on the embedded benchmarks, 5 seeds, 2 jobs in parallel;
# then its figures and tables (IQM curves with bootstrap bands, ranks, final table).
DEMO_RESULTS = $${TUNELAB_RESULTS_ROOT:-results}/demo
demo: .venv/.synced
	$(RUN) tunelab-run -m study=demo hydra/launcher=tunelab_joblib hydra.launcher.n_jobs=2
	$(RUN) tunelab-plot $(DEMO_RESULTS) --out figures/demo

# Real training: tune examples/train_digits_mlp.py on 4 local workers for a minute.
demo-local: .venv/.synced
	$(RUN) python examples/demo.py

# Docs and lint first, so that pytest's summary is the last thing printed.
test: .venv/.synced
	$(MAKE) --no-print-directory docs lint
	$(RUN) pytest $(PYTEST_ARGS)

test-fast: .venv/.synced
	$(RUN) pytest -m "not slow" $(PYTEST_ARGS)

# Build every package's wheel, check its files against git, install the wheels into
# fresh virtual environments and import everything there; `make test` runs the same
# checks as tests/packaging/test_wheels.py (marked slow).
check-wheels: .venv/.synced
	$(RUN) python tests/packaging/wheel_check.py

lint: .venv/.synced
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: .venv/.synced
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

docs: .venv/.synced
	$(RUN) mkdocs build --strict --site-dir site

docs-serve: .venv/.synced
	$(RUN) mkdocs serve

bench: .venv/.synced
	$(RUN) python benchmarks/core_overhead.py
	$(RUN) python benchmarks/simulator_speed.py
	$(RUN) python benchmarks/sweep_overhead.py
	$(RUN) python benchmarks/bootstrap_speed.py
	$(RUN) python benchmarks/plot_study_speed.py

clean:
	rm -rf .venv site .pytest_cache .mypy_cache .ruff_cache
