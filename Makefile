# Two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# .python-version selects 3.13 through pyenv; fall back to any python3.13 on PATH.
PYTHON ?= $(shell command -v python3.13 2>/dev/null || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test demo lint format check bench bench-smoke clean

$(BIN)/.runtime: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(BIN)/.dev: requirements.txt requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

run: $(BIN)/.runtime ## Serve on http://127.0.0.1:8000 (SQLite + in-memory layer unless DATABASE_URL/REDIS_URL)
	$(BIN)/python manage.py migrate --noinput
	@echo ""
	@echo "  Chat server running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	$(BIN)/python -m chat_project.serve --server daphne --host $(HOST) --port $(PORT)

demo: $(BIN)/.runtime ## Create demo users (alice, bob, carol / password 'demo-pass-123'), friends and messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

test: $(BIN)/.dev ## The whole suite, on PostgreSQL + Redis when reachable
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(BIN)/.dev ## What CI checks before the tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

bench: $(BIN)/.dev ## Every benchmark scenario + the comparison runs; appends to docs/benchmarks.md (< 15 min)
	$(BIN)/python -m bench all $(BENCH_ARGS)

bench-smoke: $(BIN)/.dev ## Every benchmark scenario, tiny: checks only that each completes with zero loss
	$(BIN)/python -m bench --smoke $(BENCH_ARGS)
