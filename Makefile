# The two commands of the README are `make run` and `make test`; both set up what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint format clean

# The virtual environment, rebuilt when the dependencies change.
$(BIN)/coworkmed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(BIN)/coworkmed

## Check the vocabulary and write its HTML documentation to site/vocabulary.
run: setup
	$(BIN)/coworkmed vocab check
	$(BIN)/coworkmed vocab docs --output site/vocabulary

## Lint, check formatting, run the whole test suite.
test: setup lint
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) site .pytest_cache .ruff_cache *.egg-info
