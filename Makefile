# Two commands do all the set-up: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# The Python the project is built and tested on: .python-version (3.13, as in the Docker
# image; pyenv selects it). On older ones pip fails with a page of errors (Django 6.1 alone
# needs 3.12), so no venv is made with them: `require_python` says what to do in one line.
PYTHON_NEEDED := $(shell cut -d. -f1,2 .python-version)
PYTHON_MAJOR := $(word 1,$(subst ., ,$(PYTHON_NEEDED)))
PYTHON_MINOR := $(word 2,$(subst ., ,$(PYTHON_NEEDED)))
PYTHON ?= $(shell command -v python$(PYTHON_NEEDED) 2>/dev/null || echo python3)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test demo lint format check compose-check bench bench-smoke clean python-check messages

# The interpreter of an existing $(VENV) (an earlier failed run may have made it with an old
# Python), else $(PYTHON): stop with one line unless it is at least $(PYTHON_NEEDED).
define require_python
if [ -x $(BIN)/python ]; then py=$(BIN)/python; else py="$(PYTHON)"; fi; \
have=$$("$$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || have=; \
case "$$have" in [0-9]*.[0-9]*) ;; *) have=;; esac; \
if [ -z "$$have" ]; then what="$$py could not be run"; \
elif [ "$${have%%.*}" -lt $(PYTHON_MAJOR) ] || { [ "$${have%%.*}" -eq $(PYTHON_MAJOR) ] && \
  [ "$${have#*.}" -lt $(PYTHON_MINOR) ]; }; then what="$$py is Python $$have"; \
else exit 0; fi; \
if [ "$$py" = $(BIN)/python ]; then fix="remove $(VENV) (make clean) and run again"; \
else fix="install it (pyenv install $(PYTHON_NEEDED), or your system's python$(PYTHON_NEEDED) package) or run make PYTHON=/path/to/python$(PYTHON_NEEDED)"; fi; \
echo "Python $(PYTHON_NEEDED) or newer is needed ($$what): $$fix." >&2; exit 1
endef

python-check: ## Stop with one clear line if the Python for .venv is missing or too old
	@$(require_python)

$(BIN)/.runtime: requirements.txt
	@$(require_python)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	@touch $@

$(BIN)/.dev: requirements.txt requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

# The task worker runs beside the server (as compose's `worker` service does), not inline:
# the unread digests wait 15 minutes and failed mails are retried later, which an inline
# backend cannot do. It stops with the server (TASKS_BACKEND=immediate: no worker).
run: $(BIN)/.runtime ## Serve on http://127.0.0.1:8000 (SQLite + in-memory layer unless DATABASE_URL/REDIS_URL) with a task worker
	$(BIN)/python manage.py migrate --noinput
	@echo ""
	@echo "  Chat server running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo ""
	@if [ "$${TASKS_BACKEND:-database}" = database ]; then \
	  $(BIN)/python manage.py worker --no-reload --queue-name '*' & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	fi; \
	$(BIN)/python -m chat_project.serve --server daphne --host $(HOST) --port $(PORT)

demo: $(BIN)/.runtime ## Create demo users (alice, bob, carol / password 'demo-pass-123'), friends, messages and money
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_payments

# Two workers (pytest-xdist): the browser and live-server tests mostly wait for their
# servers, so two processes finish the suite in about half the time on two cores; every
# worker has its own test database, Redis prefix and media folder (settings/test.py).
PYTEST_ARGS ?= -n 2

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
	$(BIN)/mypy
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py makemigrations --check --dry-run

# Every string marked for translation (Python, templates: django; static/chat JS: djangojs)
# into locale/vi/*.po, keeping the translations there; then the .mo files the server reads.
# Needs GNU gettext (apt install gettext). docs/architecture.md, "Translations".
MESSAGES_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=node_modules --ignore=bench --ignore=tests \
  --ignore=docs --ignore=deploy --ignore=scripts --ignore=migrations
messages: $(BIN)/.runtime ## Extract marked strings into locale/*/LC_MESSAGES/*.po, then compile the .mo files
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py makemessages --all --no-obsolete -d django $(MESSAGES_IGNORE)
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py makemessages --all --no-obsolete -d djangojs $(MESSAGES_IGNORE)
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py compilemessages $(MESSAGES_IGNORE)

compose-check: $(BIN)/.dev ## Validate docker-compose.yml and deploy/ (also `docker compose config` where the plugin exists)
	$(BIN)/python -m pytest -q -p no:randomly tests/test_compose.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

bench: $(BIN)/.dev ## Every benchmark scenario + the comparison runs; appends to docs/benchmarks.md (< 15 min)
	$(BIN)/python -m bench all $(BENCH_ARGS)

bench-smoke: $(BIN)/.dev ## Every benchmark scenario, tiny: checks only that each completes with zero loss
	$(BIN)/python -m bench --smoke $(BENCH_ARGS)
