# Alpha Code. Two commands: `make run` (the site on embedded defaults) and `make test`
# (the whole suite on real Postgres and Redis). Each sets itself up, idempotently.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install lint format docs worker beat clean test-setup test-packages

$(STAMP): pyproject.toml scripts/find-python.sh
	@if ! [ -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		PYTHON=$$(scripts/find-python.sh) || exit 1; \
		echo "Creating $(VENV) with $$PYTHON"; \
		rm -rf $(VENV); $$PYTHON -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

# esbuild, CodeMirror and Pyodide for the practice runner's, mock room's and Markdown editor's bundles (static/build/.stamp), axe-core
# for the accessibility tests and dclint for the compose file (the browser itself is Debian's
# chromium). npm itself comes from test-setup for `make test`; `make run` needs it too.
node_modules/.installed-stamp: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed (apt-get install -y npm)"; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

# The practice runner's browser code (frontend/: CodeMirror, the Pyodide worker) bundled by
# esbuild into static/build/, with the Pyodide runtime copied beside it; staticfiles serves it.
static/build/.stamp: node_modules/.installed-stamp scripts/build-frontend.mjs $(wildcard frontend/*)
	node scripts/build-frontend.mjs
	@touch $@

# Postgres and Redis up, Chromium, Java and npm installed: see the script for what it does
# when something is missing.
test-setup:
	@scripts/test-setup.sh

test-packages:
	@scripts/test-setup.sh packages

install: $(STAMP)

run: install static/build/.stamp
	$(PY) manage.py migrate --noinput
	$(PY) manage.py import_guides --new-only content/guides
	$(PY) manage.py import_problems --new-only content/problems
	$(PY) manage.py import_design_prompts --new-only content/design-prompts
	$(PY) manage.py runserver 127.0.0.1:8000

# In parallel, a worker per core up to 8 (pytest-xdist; each takes a Redis database of its own,
# 15 down to 8); each test file runs whole on one worker, so a module's fixtures are made once.
test: test-setup install node_modules/.installed-stamp static/build/.stamp
	$(PY) -m pytest -n auto --maxprocesses 8 --dist loadfile

# ruff (many rule families, see pyproject.toml), mypy with django-stubs over the apps, models and
# migrations in agreement (the check reads no database: embedded defaults), the compose file, and
# the docs built strictly (a broken link or a page left out of the navigation fails).
lint: test-packages install node_modules/.installed-stamp
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/mypy
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run
	node_modules/.bin/dclint docker-compose.yml
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet --site-dir "$$(mktemp -d)"

# The documentation site (docs/, MkDocs with the Material theme), built into site/.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: install
	$(VENV)/bin/celery -A alphacode worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A alphacode beat --loglevel=INFO --schedule=/tmp/alphacode-beat-schedule

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles static/build .pytest_cache site
