# Storefront: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app storefront

.PHONY: run test lint bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

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
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: install-dev
	$(BIN)/python -m bench.receive_bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
