# Points Kiosk: one command to run, one to test. Everything installs from here.
VENV    ?= .venv
PY      := $(VENV)/bin/python
KIOSK   := $(VENV)/bin/kiosk
PYTEST_ARGS ?=

.PHONY: run test lint bench setup system-deps voice clean translations lock audit

# The exact versions come from requirements.lock (pip-tools), so CI, `make run` and every
# laptop install the same ones; `make lock` refreshes it after pyproject.toml changes.
$(VENV)/.installed: pyproject.toml requirements.lock scripts/system-deps.sh
	./scripts/system-deps.sh
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

setup: $(VENV)/.installed

system-deps:
	./scripts/system-deps.sh

## lock: pin every dependency (and theirs) from pyproject.toml into requirements.lock
lock: setup
	$(VENV)/bin/pip-compile -q --strip-extras --extra test --extra dev --no-emit-index-url \
		--no-emit-find-links -o requirements.lock pyproject.toml

## audit: the locked versions against the Python vulnerability database (needs the internet)
audit: setup
	$(VENV)/bin/pip-audit -r requirements.lock --no-deps --disable-pip --progress-spinner off

## run: set up, then serve the demo village on :5000 from its own folder (instance-demo/), apart
## from any real village's database (instance/, or KIOSK_DATABASE_URL, which run ignores)
DEMO := env -u KIOSK_DATABASE_URL KIOSK_INSTANCE_PATH=instance-demo $(KIOSK)
run: setup
	$(DEMO) init
	$(DEMO) demo --if-empty
	$(DEMO) serve --host 127.0.0.1 --port 5000

## test: set up and run the whole suite (PostgreSQL and browser tests included)
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

## translations: refresh messages.pot from the code, both catalogues from it, and the compiled files
translations: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o translations/messages.pot .
	sed -i "/^\"POT-Creation-Date/d" translations/messages.pot
	$(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations
	sed -i "/^\"POT-Creation-Date/d" translations/*/LC_MESSAGES/messages.po
	$(VENV)/bin/pybabel compile -d translations

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check kiosk shop hardware cjkwidth tests bench
	$(VENV)/bin/lint-imports

## bench: every benchmark at its documented scale (about 25 minutes); figures in docs/BENCHMARKS.md
bench: setup
	$(PY) bench/ledger.py
	$(PY) bench/scan.py
	$(PY) bench/scan.py --set hard --steps
	$(PY) bench/camera.py
	$(PY) bench/kiosk.py
	$(PY) bench/phone.py --households 20000 --journal-rows 1000000
	$(PY) bench/backoffice.py
	$(PY) bench/close.py --scale foundation
	$(PY) bench/notice.py
	$(PY) bench/activities.py
	$(PY) bench/printing.py
	$(PY) bench/imports.py

## voice: make the kiosk's voice clips again (static/voice/*.ogg, committed) with espeak-ng
voice: setup
	$(KIOSK) voice build

clean:
	rm -rf $(VENV) .pytest_cache
