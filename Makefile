# Tradefleet: `make run` serves the whole platform in one process; `make test` runs the suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test lint format migrate check-deploy clean help

help:
	@echo "make run    - the whole platform on http://$(HOST):$(PORT) (embedded mode unless DATABASE_URL/REDIS_URL are set)"
	@echo "make test   - create the venv, install, run the whole suite"
	@echo "make lint   - ruff check, format check, mypy (strict) on the pure domain modules"

# The venv is rebuilt only when the requirements change, so a second `make run` starts in seconds.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(VENV)/.installed
	@echo "Preparing the database (migrations)..."
	@$(PY) manage.py migrate --noinput --verbosity 0
	@$(PY) manage.py run_embedded --host $(HOST) --port $(PORT)

test: $(VENV)/.installed
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
