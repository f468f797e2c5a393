# Storefront: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app storefront
# Installs take exactly the versions (and file hashes) in the lock files; `make lock`
# re-resolves them from pyproject.toml on purpose.
PIP_LOCKED := $(BIN)/python -m pip install --quiet --require-hashes --no-deps -r
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --python-version 3.11 \
	--no-header --annotation-style line pyproject.toml

.PHONY: run test lint typecheck bench install install-dev lock upgrade-lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(PIP_LOCKED) requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock | $(BIN)/python
	$(PIP_LOCKED) requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# `make lock` brings the lock files in line with pyproject.toml, keeping every pin it
# can (run it after adding or changing a dependency); `make upgrade-lock` moves every
# package to its newest version within the bounds. Commit the lock files with the change.
lock: LOCK_FLAGS :=
upgrade-lock: LOCK_FLAGS := --upgrade
lock upgrade-lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet 'uv>=0.4,<1'
	$(UV_COMPILE) $(LOCK_FLAGS) -o requirements.lock
	$(UV_COMPILE) $(LOCK_FLAGS) --extra dev -o requirements-dev.lock
	rm -f $(VENV)/.installed $(VENV)/.installed-dev

# Links in emails point at this server unless STOREFRONT_PUBLIC_URL says otherwise.
run: export STOREFRONT_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty
	@echo "Storefront: http://127.0.0.1:$(PORT)/  (staff: http://127.0.0.1:$(PORT)/staff/login as staff@example.com / demo-staff-password)"
	@echo "Emails to customers are written to instance/mail/ (set MAIL_SERVER to send them)."
	@# The outbox worker runs beside the server and stops with it.
	$(FLASK) outbox deliver --loop & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy

# The receipt benchmark, then the served-page benchmark (gunicorn loaded by wrk; see README).
bench: install-dev
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y wrk; } || \
		{ echo "make bench needs wrk: sudo apt-get install wrk"; exit 2; }
	$(BIN)/python -m bench.receive_bench
	$(BIN)/python -m bench.serve_bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .hypothesis
