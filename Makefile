# safecampus — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/safecampus
DEMO_SCHOOLS ?= 200
PORT ?= 8000
export FAST_PASSWORD_HASHER ?=

.PHONY: demo test install assets system-deps lint check test-sqlite test-postgres serve serve-prod messages clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Only the files the pages load are served: build/vendor/<package>/<file>.
build/vendor/.done: node_modules/.package-lock.json
	mkdir -p build/vendor/echarts
	cp node_modules/echarts/dist/echarts.min.js build/vendor/echarts/
	touch $@

assets: build/vendor/.done

# Browser tests need Debian's Chromium and CJK fonts (screenshots and PDFs show boxes without them).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing with apt-get"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: install assets
	@mkdir -p var
	DEBUG=1 $(BIN)/safecampus migrate --noinput -v 0
	DEBUG=1 $(BIN)/safecampus seed-demo --schools $(DEMO_SCHOOLS)
	$(BIN)/safecampus collectstatic --noinput -v 0
	@$(BIN)/safecampus demo-logins --url http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C stops; periodic jobs log to var/periodic.log)"
	@DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/safecampus run-periodic >var/periodic.log 2>&1 & periodic=$$!; \
	trap 'kill $$periodic 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 SITE_URL=http://127.0.0.1:$(PORT) $(BIN)/gunicorn safecampus.config.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - --log-level warning

lint: install
	$(BIN)/ruff check safecampus tests
	$(BIN)/ruff format --check safecampus tests

check: install
	$(BIN)/safecampus makemigrations --check --dry-run
	$(BIN)/safecampus check

test-sqlite: install assets system-deps
	@echo "== The suite on SQLite =="
	DATABASE_URL=sqlite:///var/test.sqlite3 FAST_PASSWORD_HASHER=1 $(BIN)/pytest -n 2 --dist loadgroup

test-postgres: install assets system-deps
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0] + '/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== The suite on PostgreSQL ($(PG_URL)) =="; \
	  DATABASE_URL=$(PG_URL) FAST_PASSWORD_HASHER=1 $(BIN)/pytest -n 2 --dist loadgroup; \
	else echo "PostgreSQL does not answer at 127.0.0.1:5432: skipping the PostgreSQL run (SQLite passed)."; fi

test: lint check test-sqlite test-postgres

messages: install
	cd safecampus && ../$(BIN)/safecampus makemessages -l zh_Hans -l en --no-obsolete --no-location --ignore 'static/*'
	$(BIN)/python -m safecampus.core.i18n_tools compile

serve: install assets
	$(BIN)/safecampus collectstatic --noinput -v 0
	$(BIN)/gunicorn safecampus.config.wsgi:application --bind 127.0.0.1:$(PORT) --workers 2 --threads 4

# Level 2 of docs/deployment.md: PostgreSQL (database created if missing), Redis, gunicorn
# (2 workers), an RQ worker and the periodic jobs; Ctrl-C stops all. nginx config: deploy/nginx/.
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/safecampus_prod
REDIS_URL ?= redis://127.0.0.1:6379/0
serve-prod: install assets
	@DATABASE_URL=$(PROD_DATABASE_URL) REDIS_URL=$(REDIS_URL) PORT=$(PORT) BIN=$(BIN) deploy/serve-prod.sh

clean:
	rm -rf $(VENV) node_modules var
