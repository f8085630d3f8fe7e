# cxaudit — the two commands a newcomer needs:
#   make demo   set up .venv with the core and the dashboard, run the sample audit, write its report, serve its dashboard
#   make test   set up .venv with everything the tests use and run the whole test suite
# Each target installs only what it uses (pyproject.toml's extras); a later target adds to the same .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# uv (from PyPI) creates .venv and installs the ~150 packages several times faster than venv and pip: parallel
# downloads, no ensurepip (`python -m venv` alone takes ~9 s here). It is put in a temporary folder for each
# install and not kept: in .venv it would add 40 MB. .venv still gets pip (`uv venv --seed`). Where uv cannot be
# installed (no pip for $(PYTHON), say): venv and pip.
# Bytecode is compiled at install (uv --compile-bytecode, as pip does by default; cxaudit's own editable source
# by compileall): where PYTHONDONTWRITEBYTECODE is set (containers, CI; this machine) Python never writes .pyc
# files, and every command would compile pandas, spaCy and the rest again at each start — an edited-transcript
# rerun of the sample took 5.0 s instead of 2.4 s (docs/workflow.md, "Bytecode").
define INSTALL
uvdir=$$(mktemp -d) && trap 'rm -rf "$$uvdir"' EXIT && \
if $(PYTHON) -m pip install --quiet --disable-pip-version-check --target "$$uvdir" uv >/dev/null 2>&1 \
   && "$$uvdir/bin/uv" --version >/dev/null 2>&1; then \
  { [ -x $(BIN)/python ] || "$$uvdir/bin/uv" venv --quiet --seed --python "$$($(PYTHON) -c 'import sys; print(sys.executable)')" $(VENV); } && \
  "$$uvdir/bin/uv" pip install --quiet --compile-bytecode --python $(BIN)/python $(1); \
else \
  { [ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV); } && $(PIP) $(1); \
fi && $(BIN)/python -m compileall -q -j 0 cxaudit >/dev/null
endef
# the extras each target installs (pyproject.toml); in variables, since `call` splits its arguments at commas
DEMO_EXTRAS := dashboard
TEST_EXTRAS := test,dashboard,notebooks,dask,encoder,finetune

.PHONY: setup demo test test-fast bench bench-models clean

# one stamp per set of extras, redone when pyproject.toml changes
$(VENV)/.stamp-demo: pyproject.toml
	$(call INSTALL,-e ".[$(DEMO_EXTRAS)]")
	touch $@

$(VENV)/.stamp-test: pyproject.toml
	$(call INSTALL,-e ".[$(TEST_EXTRAS)]")
	touch $@

setup: $(VENV)/.stamp-demo

demo: $(VENV)/.stamp-demo
	$(BIN)/cxaudit demo --out results/sample

test: $(VENV)/.stamp-test
	$(BIN)/python -m pytest

test-fast: $(VENV)/.stamp-test
	$(BIN)/python -m pytest -m "not slow and not browser"

bench: $(VENV)/.stamp-test
	$(BIN)/python benchmarks/run_all.py

# The real sentence encoders for the learned-tagger and encoder benchmarks, never on the two paths above:
# the official all-MiniLM-L6-v2 and all-mpnet-base-v2 at pinned commits (cxaudit/nlp/_encoder_io.py, PINNED),
# downloaded once by huggingface_hub into its cache (needs the network), their weights checked against the
# SHA-256 the hub publishes. sentence-transformers on a CPU torch is the side-by-side reference of
# benchmarks/bench_encoder.py; torch first, so that sentence-transformers does not pull a CUDA build: on your own
# machine give the CPU index, make bench-models TORCH="torch --index-url <PyTorch's CPU index>" (docs/clues-learned.md).
# Both through pip: it takes the CPU torch that this machine keeps on disk, and keeps it.
TORCH ?= torch==2.13.0
bench-models: $(VENV)/.stamp-test
	$(PIP) $(TORCH)
	$(PIP) "sentence-transformers>=3"
	$(BIN)/python -c "from cxaudit.nlp.encoder import download; [print(download(n)) for n in ('minilm', 'mpnet')]"

clean:
	rm -rf results .pytest_cache .hypothesis
