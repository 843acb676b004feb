# Two entry points (see README): `make run` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup postgres chromium slapd faketime bench clean
ASSETS := web/assets
NODE_STAMP := $(ASSETS)/node_modules/.installed
# The designer's bundle (web/assets/build.mjs -> web/assets/dist/designer, served by web/vendor.py).
BUNDLE := $(ASSETS)/dist/designer/modeler.js
BUNDLE_SOURCES := $(ASSETS)/build.mjs $(ASSETS)/.bpmnlintrc $(wildcard $(ASSETS)/src/designer/*.js $(ASSETS)/src/designer/*.json \
                  $(ASSETS)/src/designer/properties/*.js $(ASSETS)/bpmnlint-plugin-sqflow/*.js $(ASSETS)/bpmnlint-plugin-sqflow/rules/*.js)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Front-end packages (bpmn-js, Chart.js, the designer's libraries and esbuild) from npm, exactly as the lock file says.
$(NODE_STAMP): $(ASSETS)/package.json $(ASSETS)/package-lock.json
	cd $(ASSETS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(BUNDLE): $(NODE_STAMP) $(BUNDLE_SOURCES)
	cd $(ASSETS) && npm run --silent build
	touch $(BUNDLE)

setup: $(STAMP) $(NODE_STAMP) $(BUNDLE)

# The service on the embedded default (SQLite under var/) with demo data: the web app on
# http://127.0.0.1:8000/ and a timer worker, until Ctrl-C.
run: setup
	$(BIN)/sqflow serve --demo

# PostgreSQL for the tests: start the local server if it is installed and down.
postgres:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

# Headless Chromium for the browser tests (Debian packages; Playwright drives it, downloads nothing),
# with a Chinese font so the screenshots show the zh-CN pages as people see them.
BROWSER_PACKAGES := chromium fonts-wqy-zenhei
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/wqy ]; then \
	  echo "installing $(BROWSER_PACKAGES)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null || \
	    ($$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q $(BROWSER_PACKAGES) >/dev/null); \
	fi

# Debian's OpenLDAP server for the directory sign-in tests (each test starts its own on loopback).
slapd:
	@if [ ! -x /usr/sbin/slapd ]; then \
	  echo "installing slapd"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils >/dev/null || \
	    ($$SUDO apt-get update -q >/dev/null && \
	     $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils >/dev/null) || \
	    echo "slapd could not be installed: the LDAP tests will be skipped"; \
	fi

# Debian's faketime, so the calendar tests run the commands on New Year's Eve as an operator would.
faketime:
	@if ! command -v faketime >/dev/null; then \
	  echo "installing faketime"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y -q faketime >/dev/null || \
	    ($$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q faketime >/dev/null) || \
	    echo "faketime could not be installed: the New Year's Eve command tests will be skipped"; \
	fi

test: setup postgres chromium slapd faketime
	$(BIN)/python -m pytest

bench: setup postgres
	$(BIN)/sqflow bench engine

clean:
	rm -rf $(VENV) var *.egg-info
