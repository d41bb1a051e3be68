# Distretto: the two commands of the README are `make demo` and `make test`.
# Both create the virtual environment and install the pinned dependencies first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format install browser messages clean

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Distretto needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/distretto demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# Debian's Chromium drives the browser tests; installed here when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || scripts/install-chromium

# Every test runs on SQLite, then on PostgreSQL when DISTRETTO_TEST_DATABASE_URL is set.
PYTEST := DISTRETTO_DATA_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest -p no:cacheprovider -n 2 --dist loadgroup

test: $(STAMP) browser lint
	@echo "== tests on SQLite"
	DATABASE_URL= $(PYTEST)
	@if [ -n "$$DISTRETTO_TEST_DATABASE_URL" ]; then \
	  echo "== tests on PostgreSQL ($$DISTRETTO_TEST_DATABASE_URL)"; \
	  DATABASE_URL="$$DISTRETTO_TEST_DATABASE_URL" $(PYTEST); \
	fi

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

messages: $(STAMP)
	cd src/distretto && ../../$(BIN)/distretto makemessages -l it -l en --no-obsolete --no-location && ../../$(BIN)/distretto compilemessages

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
