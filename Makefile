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

.PHONY: run serve test lint setup setup-test translations messages migrate-check bench clean help

help:
	@echo "make run    - set up and serve the platform with demo data on http://$(HOST):$(PORT)"
	@echo "make serve  - the production setup: gunicorn (deploy/gunicorn.conf.py), DATABASE_URL from the environment"
	@echo "make test   - set up and run the whole test suite (TEST_DATABASE_URL adds PostgreSQL)"
	@echo "make lint   - ruff check and ruff format --check (line length from pyproject.toml)"

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

# The Nu Html Checker (vnu-jar from npm, run with the machine's Java) for tests/seo/test_valid_html.py: a test
# dependency only; `make run` needs neither Node nor Java.
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar

$(VNU_JAR): package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

setup-test: $(VENV)/.installed-test translations $(VNU_JAR)

# Compiled catalogs are build output (not committed); Babel ships with Flask-Babel. Every catalog under
# exchange/ is compiled when its .po is newer; fuzzy (unreviewed) entries are left out, so they show in Dutch.
MO_FILES := $(patsubst %.po,%.mo,$(shell find exchange -path '*/LC_MESSAGES/*.po'))

translations: $(MO_FILES)

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@.tmp && mv $@.tmp $@ || { rm -f $@.tmp; exit 1; }

# Dutch msgids from Python (_, gettext, ngettext, lazy_gettext as _l, ...) and Jinja templates (.html, .txt, .xml);
# tests/test_translations.py reads BABEL_KEYWORDS and BABEL_IGNORE_DIRS from here, so change them here only.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k _n:1,2 -k ngettext:1,2 -k lazy_ngettext:1,2
# Babel's default skips every directory starting with "_" (templates/_macros, templates/_partials): name the ignores.
BABEL_IGNORE_DIRS := .* __pycache__ node_modules
BABEL_WIDTH := 120

# Refresh the template and the English catalog after strings change; then translate what is new (msgstr "").
# Locations are files without line numbers, so moving code does not rewrite the catalog.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-comments=Translators: --add-location=file --width=$(BABEL_WIDTH) \
		--ignore-dirs='$(BABEL_IGNORE_DIRS)' --project=Jeugdkennis -o exchange/translations/messages.pot .
	$(BIN)/pybabel update -i exchange/translations/messages.pot -d exchange/translations -l en --init-missing \
		--no-fuzzy-matching --ignore-obsolete --width=$(BABEL_WIDTH)
	@$(BIN)/python -c "from babel.messages.pofile import read_po; c = read_po(open('exchange/translations/en/LC_MESSAGES/messages.po', 'rb')); \
		todo = [m.id for m in c if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]; \
		print(f'{len(todo)} msgid(s) still need English in exchange/translations/en/LC_MESSAGES/messages.po')"

run: setup
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) seed reference
	$(RUN_ENV) $(FLASK) seed demo --if-empty
	$(RUN_ENV) $(FLASK) search reindex
	$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

# The production setup locally (docs/deploy.md): DATABASE_URL=postgresql+psycopg://... make serve [PORT=8000].
serve: setup
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) sh deploy/serve.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Page benchmark (figures, not a test); e.g. make bench BENCH_ARGS="--practices 1000 --duration 5".
bench: setup-test
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
