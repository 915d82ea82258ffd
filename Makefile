# Every entry point of the project. Needs only python3 (3.11+); node/npm for the Better Auth
# interop tests and `make demo`; PostgreSQL on 127.0.0.1:5432 for the PostgreSQL tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-16)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck fmt check migrate bench bench-scale bench-memory wrk demo clean postgres

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: install
	$(BIN)/uvicorn interfaces.http.app:app --host $(HOST) --port $(PORT) --log-config interfaces/logging.json

postgres:
	@scripts/ensure-postgres.sh

test: install postgres
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

typecheck: install
	$(BIN)/mypy

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

# Bring the database named by DATABASE_URL (environment or .env) to the newest schema.
migrate: install
	$(BIN)/alembic upgrade head

# A real Better Auth on 127.0.0.1:3000 and the API on 127.0.0.1:8000 (free ports if taken),
# a demo user, a real JWT and curls to paste; Ctrl-C stops both.
demo: install
	$(BIN)/python scripts/demo.py

# Benchmarks (see docs/benchmarks.md): wrk from Debian's packages, the server pinned to core 0
# and wrk to core 1. BENCH_ARGS passes options, e.g. BENCH_ARGS="--backends sqlite --seconds 3".
wrk:
	@command -v wrk >/dev/null || (apt-get install -y -q wrk >/dev/null || \
		(apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null))

bench: install postgres wrk
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.breakdown

bench-scale: install postgres wrk
	$(BIN)/python -m bench.scale $(BENCH_ARGS)

bench-memory: install wrk
	$(BIN)/python -m bench.memory $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis htmlcov .coverage
