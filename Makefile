# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export HF_HUB_OFFLINE ?= 1
export ANONYMIZED_TELEMETRY ?= False

.PHONY: serve test lint typecheck bench loadtest eval index clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,st]'
	touch $(VENV)/.installed $@

index: $(VENV)/.installed
	$(BIN)/beian-bot index build --if-missing

serve: index
	$(BIN)/beian-bot serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

eval: index
	$(BIN)/beian-bot eval eval/test.jsonl

$(VENV)/.installed-bench: pyproject.toml | $(VENV)/.installed-dev
	$(BIN)/pip install -q -e '.[dev,st,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python scripts/bench.py

loadtest: $(VENV)/.installed
	$(BIN)/python scripts/loadtest.py --url http://$(HOST):$(PORT) -n 5000 -c 32

clean:
	rm -rf var build *.egg-info
