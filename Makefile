# Jeugdkennis: `make run` serves the platform with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Two workers on this 2-core machine; each gets its own SQLite file and PostgreSQL database.
TEST_WORKERS ?= 2
FLASK := FLASK_APP=wsgi.py $(BIN)/flask
RUN_ENV := EXCHANGE_CONFIG=$${EXCHANGE_CONFIG:-config.DevelopmentConfig}

.PHONY: run test setup setup-test translations messages migrate-check bench clean help

help:
	@echo "make run    - set up and serve the platform with demo data on http://$(HOST):$(PORT)"
	@echo "make test   - set up and run the whole test suite (TEST_DATABASE_URL adds PostgreSQL)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install --quiet -r requirements-test.lock
	touch $@

setup: $(VENV)/.installed translations

setup-test: $(VENV)/.installed-test translations

# Compiled catalogs are build output (not committed); Babel ships with Flask-Babel.
translations: $(VENV)/.installed
	@for po in $$(find exchange -path '*/LC_MESSAGES/*.po'); do \
		$(BIN)/pybabel compile --use-fuzzy -i "$$po" -o "$${po%.po}.mo" >/dev/null || exit 1; \
	done

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o exchange/translations/messages.pot .
	$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations --no-fuzzy-matching

run: setup
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) seed reference
	$(RUN_ENV) $(FLASK) seed demo --if-empty
	$(RUN_ENV) $(FLASK) search reindex
	$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

test: setup-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Page benchmark (figures, not a test); e.g. make bench BENCH_ARGS="--practices 1000 --duration 5".
bench: setup-test
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
