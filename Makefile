# The commands people, hooks and CI share. Each target installs what it needs first.
UV_VERSION := 0.13.8
TOOLS := .tools
# Use a uv of the pinned version: the one on PATH if it matches, else one installed in $(TOOLS).
UV := $(shell uv --version 2>/dev/null | grep -q "uv $(UV_VERSION)" && echo uv || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11

.PHONY: help install up test lint format docs bench clean

help:
	@echo "make up      start the whole stack on embedded defaults (data in HEARTH_DATA_DIR or ./.hearth)"
	@echo "make test    run the whole test suite"
	@echo "make lint    ruff, mypy (strict) and import-linter"
	@echo "make format  format and autofix"
	@echo "make docs    regenerate docs/configuration.md from the settings classes"
	@echo "make bench   run the benchmarks in bench/, print figures, keep them in bench/results/<date>.md"
	@echo "             (BENCH_ARGS=--quick for smaller runs, BENCH_ARGS=--only=query,ingest for some)"

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

install: $(if $(filter uv,$(UV)),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen --all-packages

up: install
	$(UV) run --frozen hearth up

test: install
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen ruff check .
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports

format: install
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

docs: install
	$(UV) run --frozen hearth config-docs

bench: install
	$(UV) run --frozen python -m bench.run_all $(BENCH_ARGS)

clean:
	rm -rf .venv $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
