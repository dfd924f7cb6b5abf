# Morning Digest: `make demo` runs the whole morning locally; `make test` runs the tests.
# Both set everything up on a fresh machine (virtualenv, pinned packages, local audio tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# SAM CLI lives in its own tool environment: its pins conflict with the runtime dependencies.
SAM_ENV := .tools/sam
SAM_STAMP := $(SAM_ENV)/.installed
SAM_VERSION := 1.170.0

.PHONY: demo test lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SAM_STAMP):
	$(PYTHON) -m venv $(SAM_ENV)
	$(SAM_ENV)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)
	touch $(SAM_STAMP)

system-deps:
	@scripts/system-deps.sh

demo: $(STAMP)
	@scripts/system-deps.sh --optional
	$(BIN)/digest demo --out digest-out

test: $(STAMP) $(SAM_STAMP)
	@scripts/system-deps.sh --optional
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools digest-out .pytest_cache
