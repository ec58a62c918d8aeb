# MedLens: `make run` starts the app, `make test` runs every check. Both set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# A GPU host gets TensorFlow's CUDA wheels (requirements-gpu.txt): MEDLENS_GPU=auto (when nvidia-smi finds a GPU),
# on or off.
MEDLENS_GPU ?= auto
GPU := $(or $(filter on off,$(MEDLENS_GPU)),$(shell nvidia-smi -L >/dev/null 2>&1 && echo on || echo off))
PINS := -r requirements.txt -c constraints.txt $(if $(filter on,$(GPU)),-r requirements-gpu.txt -c constraints-gpu.txt)
STAMP := $(VENV)/.installed-$(GPU)
# Use the shared MedMNIST copies beside the checkout when present; otherwise files download.
export MEDLENS_DATA_DIR ?= $(abspath $(wildcard ../shared/data))

.PHONY: setup run test quick lint browser bench clean demo-models

setup: $(STAMP)

$(STAMP): requirements.txt constraints.txt requirements-gpu.txt constraints-gpu.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "MedLens needs Python 3.11 (TensorFlow 2.21 + shap 0.51); set PYTHON=...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(PINS)
	rm -f $(VENV)/.installed $(VENV)/.installed-*
	touch $(STAMP)

run: setup
	$(BIN)/streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port 8501

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

browser:
	bash .ci/ensure-browser

test: setup browser lint
	$(BIN)/python -m pytest

# Day-to-day: lint and every test not marked slow (no browser, no real training runs).
quick: setup lint
	$(BIN)/python -m pytest -q -m "not slow"

# The demo models shipped in demo/models (seed 0, the default training); copied into a store at first start.
demo-models: setup
	$(BIN)/python -m core demo-models

bench: setup
	$(BIN)/python bench/train_baseline.py
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/compress.py
	$(BIN)/python bench/explain.py
	$(BIN)/python bench/augment.py
	$(BIN)/python bench/load_sessions.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
