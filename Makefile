# Two commands do everything on a fresh machine:
#   make serve   build the store from the bundled data and run the endpoint on 127.0.0.1:8000
#   make test    run the test suite
# Both create ./.venv and install ogpkg into it on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint check bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/ogpkg serve

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/ogpkg check

clean:
	rm -rf var .pytest_cache .ruff_cache .mypy_cache
