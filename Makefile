# Everything a fresh machine needs is installed by these targets themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
RUN_STAMP := $(VENV)/.installed-run-stamp
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-run translations browser pdf-libs spreadsheet run test bench load clean

# What running the app needs (`make run`): the project and its dependencies, no test extras.
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

# Everything, the test and bench extras (pytest, mongomock, playwright, stock's tinymongo…) included:
# `make test` (tests/test_bench.py runs the benchmark), `make bench`, development.
$(STAMP): $(RUN_STAMP) pyproject.toml
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(STAMP)

install-run: $(RUN_STAMP)
install: $(STAMP)

# Compile the committed .po catalogues to .mo (not committed); fails loudly on a broken catalogue.
translations: install-run
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel compile -d translations 2>&1 || exit 1; \
	fi

# After adding or changing a string: extract every msgid into messages.pot, then update the
# fr / nl / en catalogues. New entries come out empty (never guessed), to be translated by hand.
.PHONY: translations-extract
translations-extract: install
	$(VENV)/bin/pybabel extract -F translations/babel.cfg -k _l -k lazy_gettext -k _lp:1c,2 \
		-o translations/messages.pot --no-location --sort-output --project backoffice .
	@for lang in fr nl en; do \
		$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -D messages \
			-l $$lang --init-missing --no-fuzzy-matching || exit 1; \
	done

# The browser tests drive Debian's chromium; install it when missing (never `playwright install`).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# WeasyPrint (briefings and letters as PDF) draws with Debian's pango, harfbuzz and the DejaVu fonts;
# the tests draw each PDF back with poppler's pdftoppm.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdf-libs:
	@dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1 || { \
		echo "Installing Debian's libraries for WeasyPrint"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; }

# The spreadsheet tests read our CSV and XLSX files back with LibreOffice Calc, headless.
spreadsheet:
	@command -v soffice >/dev/null 2>&1 || { \
		echo "Installing Debian's LibreOffice Calc (no GUI) for the spreadsheet tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }

# The demo's key: 32 random bytes, 0600 in a 0700 folder (an older, readable one is made private too).
.PHONY: instance/secret_key
instance/secret_key: install-run
	$(PY) -c "from backoffice.private_files import demo_secret_key; demo_secret_key('$@')"

# A store of the former app (tinymongo's backoffice.sqlite) is imported into the new store once.
TINYMONGO_STORE := instance/data/backoffice.sqlite
run: install-run translations pdf-libs instance/secret_key
	@if [ -f $(TINYMONGO_STORE) ] && [ ! -f $(TINYMONGO_STORE).imported ]; then \
		echo "Importing the former store $(TINYMONGO_STORE) into instance/data/store.sqlite3"; \
		SECRET_KEY=$$(cat instance/secret_key) $(VENV)/bin/flask --app app store import-tinymongo instance/data \
			&& touch $(TINYMONGO_STORE).imported \
			|| echo "Not imported (see above); to import it later: .venv/bin/flask --app app store import-tinymongo instance/data"; \
	fi
	SECRET_KEY=$$(cat instance/secret_key) $(VENV)/bin/flask --app app seed --if-empty
	HOST=$(HOST) PORT=$(PORT) SECRET_KEY=$$(cat instance/secret_key) $(VENV)/bin/flask --app app demo-accounts
	SECRET_KEY=$$(cat instance/secret_key) $(VENV)/bin/flask --app app run --host $(HOST) --port $(PORT)

# axe-core for the accessibility checks, pinned in package.json (node_modules/ is git-ignored).
node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
		echo "Installing Debian's npm for axe-core"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm ci --no-audit --no-fund
	touch $@

test: install translations browser pdf-libs spreadsheet node_modules/axe-core/axe.min.js
	$(PY) -m pytest

# Our pages against stock Flask-Admin and the raw engine calls, at 1,000, 10,000 and 100,000
# requests (several minutes; BENCH_ARGS="--sizes 1000,10000" for a quicker run). docs/performance.md
# explains the figures. `make load`: 50 clients for 30 s against gunicorn on loopback.
BENCH_ARGS ?=
# Then the exports: CSV (ours and stock Flask-Admin's) and XLSX, rows/s and memory growth at 10,000 and
# 100,000 requests (EXPORT_BENCH_ARGS="--sizes 10000" for a quicker run).
EXPORT_BENCH_ARGS ?=
bench: install translations
	$(PY) bench/pages.py $(BENCH_ARGS)
	$(PY) bench/export_bench.py $(EXPORT_BENCH_ARGS)

load: install translations
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) instance/data
