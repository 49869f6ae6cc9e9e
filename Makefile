# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
CODE   := instrumentation processor slo_engine alerting sloscope

.PHONY: run demo test lint typecheck unit bench install dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

## run: start the main job (OTLP on 127.0.0.1:4317, API and dashboard on 127.0.0.1:8317)
run: install
	$(BIN)/sloscope serve $(ARGS)

## demo: serve, a demo service, traffic and a scripted incident: watch a budget burn
demo: install
	$(BIN)/sloscope demo $(ARGS)

## test: lint, type-check, then the whole suite with coverage (fails under 90%)
test: lint typecheck unit

lint: dev
	$(BIN)/ruff check $(CODE) tests bench
	$(BIN)/ruff format --check $(CODE) tests bench

typecheck: dev
	$(BIN)/mypy $(CODE) tests bench

unit: dev
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered --cov-fail-under=90 $(PYTEST_ARGS)

## bench: every benchmark; each prints a table and writes bench/results/<name>.json
bench: dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/instrumentation.py
	$(BIN)/python bench/slo.py
	$(BIN)/python bench/inputs.py
	$(BIN)/python bench/storage.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .coverage .coverage.*
