# Each target creates .venv on first use and installs what it needs once; a stamp file
# inside .venv (newer than pyproject.toml) makes repeat runs skip the install.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

STAMP_BASE := $(VENV)/.stamp-base
STAMP_TEST := $(VENV)/.stamp-test
STAMP_BENCH := $(VENV)/.stamp-bench
STAMP_DOCS := $(VENV)/.stamp-docs

.DEFAULT_GOAL := help
.PHONY: help demo test bench gpu-check docs lint typecheck clean distclean

help:
	@echo "make demo       train the built-in demo network"
	@echo "make test       run the test suite"
	@echo "make bench      run the benchmarks (writes benchmarks/results/)"
	@echo "make gpu-check  on a machine with a CUDA GPU: ops, examples and bench rows on it"
	@echo "make docs       build the docs site into site/ (mkdocs build --strict)"
	@echo "make lint       ruff check, ruff format --check and mypy"
	@echo "make typecheck  mypy only"
	@echo "make clean      remove caches and build output (keeps .venv)"
	@echo "make distclean  clean, and remove .venv too"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_BASE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e .
	touch $@

# The test extras include the base install, so both stamps are refreshed.
$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[test]'
	touch $@ $(STAMP_BASE)

$(STAMP_BENCH): $(STAMP_TEST)
	$(BIN)/pip install threadpoolctl
	touch $@

$(STAMP_DOCS): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[docs]'
	touch $@ $(STAMP_BASE)

demo: $(STAMP_BASE)
	$(BIN)/retrograd demo

test: $(STAMP_TEST)
	$(BIN)/python -m pytest $(ARGS)

# Some machines set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE to work around old OpenBLAS builds;
# they slow a current NumPy, so only the benchmarks run without them.
bench: $(STAMP_BENCH)
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/run.py $(ARGS)

# Needs a CUDA GPU; installs CuPy (the `gpu` extra) on first use. ARGS=--emulate rehearses it on
# the CPU with the emulated accelerator.
gpu-check: $(STAMP_TEST)
	$(BIN)/python -c "import cupy" 2>/dev/null || case "$(ARGS)" in *--emulate*) ;; \
		*) $(BIN)/pip install -e '.[gpu]' ;; esac
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(BIN)/python benchmarks/gpu_check.py $(ARGS)

docs: $(STAMP_DOCS)
	$(BIN)/mkdocs build --strict

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

typecheck: $(STAMP_TEST)
	$(BIN)/mypy src

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -f $(STAMP_BASE) $(STAMP_TEST) $(STAMP_BENCH)

distclean: clean
	rm -rf $(VENV)
