# The commands people, hooks and CI share. Each target installs what it needs first.
UV_VERSION := 0.13.8
TOOLS := .tools
# Use a uv of the pinned version: the one on PATH if it matches, else one installed in $(TOOLS).
UV := $(shell uv --version 2>/dev/null | grep -q "uv $(UV_VERSION)" && echo uv || echo $(TOOLS)/bin/uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := python3.11

.PHONY: help install ui chromium up test lint format docs bench clean

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

# The web UI's production build (ui/dist, served by the backend), from the locked npm dependencies.
UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json
ui/node_modules/.package-lock.json: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund --loglevel=error
ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build --silent
ui: ui/dist/index.html

# The browser of the UI tests: Debian's chromium (Playwright drives it; it never downloads one).
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

up: install ui
	$(UV) run --frozen hearth up

test: install ui chromium
	cd ui && npm test --silent
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
	rm -rf .venv $(TOOLS) .pytest_cache .mypy_cache .ruff_cache ui/node_modules ui/dist
