# Morning Digest: `make demo` runs the whole morning locally; `make test` builds with SAM and runs
# the tests; `make build` is the build alone. Every target sets up what it needs on a fresh machine
# (virtualenv from the hashed lock, the pinned SAM CLI, local audio tools).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
LAYER_REQUIREMENTS := layers/deps/requirements.txt
# SAM CLI lives in its own tool environment: its pins conflict with the runtime dependencies.
SAM_ENV := .tools/sam
SAM_STAMP := $(SAM_ENV)/.installed
SAM_VERSION := 1.170.0
SAM := SAM_CLI_TELEMETRY=0 $(SAM_ENV)/bin/sam

# The Lambda runtime and processor the build targets (template parameters Runtime and Architecture).
# The layer Makefiles compile bytecode with python$(LAMBDA_PYTHON) and ask pip for wheels of
# $(LAMBDA_PYTHON) on $(ARCH), so that interpreter must be on PATH: `make build LAMBDA_PYTHON=3.12`.
LAMBDA_PYTHON ?= 3.11
ARCHITECTURE ?= arm64
ARCH := $(if $(filter arm64,$(ARCHITECTURE)),aarch64,x86_64)
# SAM keeps build.toml beside the build dir and reuses cached artifacts of unchanged layers. A build
# for another architecture gets its own folder (`make build ARCHITECTURE=x86_64
# BUILD_DIR=.aws-sam/host/build`, as tests/e2e does): the layers' build definitions do not name the
# architecture pip is asked for (ARCH), so a shared cache would hand one architecture's wheels to the other.
BUILD_DIR ?= .aws-sam/build
CACHE_DIR := $(dir $(BUILD_DIR))cache

# The lock is resolved for Linux and the oldest Python the project supports; `make lock` redoes it.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes --python-version 3.11.0 \
  --python-platform linux --custom-compile-command "make lock"

.PHONY: demo test build lock lint bench system-deps clean

# The lock alone decides what is installed (--require-hashes: every package pinned and hashed, none
# resolved); the project itself goes in editable, without dependencies. Pip's own configuration
# (mirrors, find-links, constraint files) is honoured: with hashes required it cannot change a byte.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(SAM_STAMP):
	$(PYTHON) -m venv $(SAM_ENV)
	$(SAM_ENV)/bin/pip install --quiet aws-sam-cli==$(SAM_VERSION)
	touch $(SAM_STAMP)

# requirements.lock: runtime and dev dependencies, hashed, for the venv. The layer's requirements are
# the runtime part of the same resolution (-c: the lock's versions; the hashes are the same files').
lock: $(STAMP)
	$(UV_COMPILE) --extra dev -o $(LOCK)
	$(UV_COMPILE) -c $(LOCK) -o $(LAYER_REQUIREMENTS)

build: $(SAM_STAMP)
	@python$(LAMBDA_PYTHON) -c '' 2>/dev/null || { echo "make build: python$(LAMBDA_PYTHON) does not run here; the layers \
	are built with the Lambda runtime's own interpreter: install it, or pass LAMBDA_PYTHON=3.x" >&2; exit 1; }
	LAMBDA_PYTHON=$(LAMBDA_PYTHON) ARCH=$(ARCH) $(SAM) build --build-dir $(BUILD_DIR) --cached --cache-dir $(CACHE_DIR) \
	  --parameter-overrides Runtime=python$(LAMBDA_PYTHON) Architecture=$(ARCHITECTURE)

system-deps:
	@scripts/system-deps.sh

demo: $(STAMP)
	@scripts/system-deps.sh --optional
	$(BIN)/digest demo --out digest-out

# The checks Python engineers expect: ruff (lint and format), mypy --strict on core and services
# (files in pyproject.toml). The import contracts, cfn-lint and sam validate run inside pytest.
lint: $(STAMP)
	$(BIN)/ruff check layers functions tests bench
	$(BIN)/ruff format --check layers functions tests bench
	$(BIN)/mypy

# The real build first: the tests in tests/e2e load the handlers from it.
test: $(STAMP) lint build
	@scripts/system-deps.sh --optional
	LAMBDA_PYTHON=$(LAMBDA_PYTHON) $(BIN)/pytest -q

bench: $(STAMP) build
	LAMBDA_PYTHON=$(LAMBDA_PYTHON) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tools .aws-sam digest-out .pytest_cache
