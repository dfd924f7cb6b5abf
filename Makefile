# Morning Digest: `make demo` runs the whole morning locally; `make test` runs the tests.
# Both set everything up on a fresh machine (virtualenv, pinned packages, local audio tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@scripts/system-deps.sh

demo: $(STAMP)
	@scripts/system-deps.sh --optional
	$(BIN)/digest demo --out digest-out

test: $(STAMP)
	@scripts/system-deps.sh --optional
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) digest-out .pytest_cache
