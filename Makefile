# Two entry points (see README): `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup postgres bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# The service on the embedded default (SQLite under var/) with demo data: the timer worker keeps
# deadlines firing until Ctrl-C (the web app joins it with `sqflow serve` in a later version).
run: setup
	$(BIN)/sqflow demo
	$(BIN)/sqflow worker

# PostgreSQL for the tests: start the local server if it is installed and down.
postgres:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

test: setup postgres
	$(BIN)/python -m pytest

bench: setup postgres
	$(BIN)/sqflow bench engine

clean:
	rm -rf $(VENV) var *.egg-info
