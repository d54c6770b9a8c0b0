# The README's two commands: `make demo` and `make test`. Both create the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/sentinel: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/sentinel

demo: $(BIN)/sentinel
	$(BIN)/sentinel demo

test: $(BIN)/sentinel
	$(BIN)/pytest -q

lint: $(BIN)/sentinel
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy src/sentinel

bench: $(BIN)/sentinel
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache
