# Two commands do everything on a fresh machine:
#   make serve   build the store from the bundled data and run the endpoint on 127.0.0.1:8000
#   make test    run the test suite (what CI runs)
# and for everyday work, make test-fast: the suite without the slow and browser tests.
# Both create ./.venv and install ogpkg into it on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# test processes (pytest-xdist); each test still runs alone in its process
TEST_JOBS ?= 2

.PHONY: serve test test-fast lint check bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/ogpkg serve

test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_JOBS)

test-fast: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_JOBS) -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/ogpkg check

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
