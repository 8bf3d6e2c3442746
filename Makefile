# One entry point for running, testing and checking polls.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.run-installed

run: $(VENV)/.run-installed
	POLLS_HOST=$(HOST) POLLS_PORT=$(PORT) $(BIN)/polls serve

test: $(VENV)/.test-installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.test-installed
	$(BIN)/ruff check polls tests benchmarks
	$(BIN)/ruff format --check polls tests benchmarks
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
