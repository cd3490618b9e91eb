# Tradefleet: `make run` serves the whole platform in one process; `make test` runs the suite.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test test-trading test-platform test-web lint format migrate check-deploy check-compose clean help frontend test-frontend e2e

help:
	@echo "make run    - the whole platform on http://$(HOST):$(PORT) (embedded mode unless DATABASE_URL/REDIS_URL are set)"
	@echo "make test   - create the venv, install, run the whole suite"
	@echo "make lint   - ruff check, format check, mypy (strict) on the pure domain modules, import contracts"
	@echo "make frontend - build the web app (frontend/dist) if its sources changed"
	@echo "make check-compose - docker compose config on the one-host, core-host and worker-host files"

# The venv is rebuilt only when the requirements change, so a second `make run` starts in seconds.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# The web app (frontend/, React + Vite) is built into frontend/dist, which Django serves at `/`.
# Stamps keep a second `make run` from reinstalling or rebuilding anything that did not change.
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/postcss.config.cjs
NPM := $(shell command -v npm 2>/dev/null)

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
ifeq ($(NPM),)
	@echo "warning: npm not found: install Node.js 20+ to build the web app (the API works without it)"
else
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
endif

# The gzip and brotli copies beside each asset are what WhiteNoise serves to browsers that take them.
frontend/.built: frontend/node_modules/.installed $(FRONTEND_SOURCES) | $(VENV)/.installed
ifneq ($(NPM),)
	@echo "Building the web app (frontend/dist)..."
	cd frontend && npm run --silent build -- --logLevel warn
	$(PY) -m whitenoise.compress --quiet frontend/dist
	@touch $@
endif

frontend: frontend/.built

run: $(VENV)/.installed frontend/.built
	@echo "Preparing the database (migrations)..."
	@$(PY) manage.py migrate --noinput --verbosity 0
	@$(PY) manage.py run_embedded --host $(HOST) --port $(PORT)

# Three at once, one per core and a half (each prints when it ends): the Python suite in two
# parts, each on its own test database, Redis databases and state folder (tests/run_part.sh),
# and the web app's component tests (vitest) then its browser tests (Playwright driving Debian's
# chromium against a real embedded server; `.ci/run` installs chromium when missing).
test: $(VENV)/.installed frontend/.built
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-trading test-platform test-web

TRADING_TESTS = tests/trading tests/realtime tests/embedded
test-trading: $(VENV)/.installed
	tests/run_part.sh trading 3 $(PY) $(TRADING_TESTS) $(PYTEST_ARGS)

test-platform: $(VENV)/.installed
	tests/run_part.sh platform 6 $(PY) tests $(addprefix --ignore=,$(TRADING_TESTS)) $(PYTEST_ARGS)

test-web: $(VENV)/.installed frontend/.built
	$(MAKE) --no-print-directory test-frontend e2e

# The API types the web app is compiled against must match the server's OpenAPI schema.
test-frontend: $(VENV)/.installed frontend/node_modules/.installed
	cd frontend && npm run --silent api-types -- --check
	cd frontend && npx vitest run

e2e: $(VENV)/.installed frontend/.built
	cd frontend && node --test --test-reporter=spec e2e/

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# Compose v2 is fetched from Debian into .cache/compose when this machine has none (deploy/check-compose).
check-compose:
	deploy/check-compose

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.installed
	$(PY) manage.py migrate --noinput

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache frontend/node_modules frontend/dist frontend/.built
