# The two commands of the README's quick start:
#   make run    install, migrate, load the demo agency and serve http://127.0.0.1:5000
#   make test   install everything the tests need and run the whole suite (SQLite, then PostgreSQL)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := portal
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run stack test install lint services browser wrk bench faults load test-sqlite test-postgres clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask portal load-demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

services:
	bash .ci/ensure-services

# The full stack (web, rq worker, the one scheduler) on the local Redis, with honcho.
stack: install services
	$(BIN)/python -m pip install --quiet "honcho>=2,<3"
	$(BIN)/flask db upgrade
	$(BIN)/flask portal load-demo
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(BIN)/honcho start

# Debian's Chromium for the browser tests; Playwright drives it (no browser download).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# wrk drives the benchmark's pages (and its smoke run in the suite); it comes from Debian.
wrk:
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)

# The benchmark at a large agency's scale, on SQLite and PostgreSQL (tests/perf/README.md):
# BENCH_SCALE=0.1 for a quick run.
bench: install services wrk
	$(BIN)/python -m tests.perf.bench

# 50 posters for 60 s against gunicorn with 4 workers, on SQLite and PostgreSQL; nothing lost.
load: install services
	$(BIN)/python -m tests.load

# The fault tests (tests/faults) at full length, Redis down 30 s and PostgreSQL down 10 s, on
# SQLite then PostgreSQL; each scenario's figures are printed at the end ("fault reports").
faults: install services
	FAULT_REDIS_OUTAGE_SECONDS=30 FAULT_POSTGRES_DOWN_SECONDS=10 PORTAL_TEST_DATABASE_URL= \
		$(BIN)/python -m pytest -q tests/faults
	FAULT_REDIS_OUTAGE_SECONDS=30 FAULT_POSTGRES_DOWN_SECONDS=10 \
		PORTAL_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest -q tests/faults

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test-sqlite: install browser wrk
	PORTAL_TEST_DATABASE_URL= $(BIN)/python -m pytest -q

test-postgres: install browser wrk services
	PORTAL_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest -q

test: lint test-sqlite test-postgres

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
