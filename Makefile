# The commands of the README are `make run`, `make test` (the fast tier) and `make test-all` (the
# whole suite, what CI runs); each sets up what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run bench test test-all lint format clean

# The virtual environment, rebuilt when the dependencies change.
$(BIN)/coworkmed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# The front-end packages of the query page (YASGUI), from npm, served by the endpoint itself.
WEB := endpoint/web
$(WEB)/node_modules/.package-lock.json: $(WEB)/package.json $(WEB)/package-lock.json
	npm ci --prefix $(WEB) --no-audit --no-fund --loglevel=error
	touch $@

# The SPARQL clients the tests take from npm (Comunica, tests/endpoint/test_comunica.py), for
# the whole suite only.
CLIENTS := tests/clients
$(CLIENTS)/node_modules/.package-lock.json: $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	npm ci --prefix $(CLIENTS) --no-audit --no-fund --loglevel=error
	touch $@

# The project's own modules, byte-compiled: a cold `coworkmed validate` then compiles none of
# them (an interpreter told not to write bytecode, PYTHONDONTWRITEBYTECODE, still reads it).
PACKAGES := core loaders linking validation triplestore observatory publishing endpoint coworkmed

setup: $(BIN)/coworkmed $(WEB)/node_modules/.package-lock.json
	@$(BIN)/python -m compileall -q $(PACKAGES) > /dev/null

## Check the vocabulary, build the graph from data/ into store/, write its dumps to dumps/ and
## the vocabulary docs, and serve the graph (SPARQL at http://127.0.0.1:8000/sparql; stop with Ctrl-C).
run: setup
	$(BIN)/coworkmed vocab check
	$(BIN)/coworkmed build --data data --store store
	$(BIN)/coworkmed export --store store --output dumps
	$(BIN)/coworkmed vocab docs --output site/vocabulary
	$(BIN)/coworkmed serve --store store

## Benchmarks: the loader (10,000 and 100,000 generated rows into an on-disk store), the
## endpoint (the observatory workload in process and over HTTP, 8 concurrent clients) and the
## validation of a 10,000-row submission (against plain pyshacl), the observatory dashboard
## cold and warm on the 100,000-space graph, the load test (16 clients, 60 s, mixed workload),
## the external store against Virtuoso's own, and what partners' publications leave in the server.
bench: setup
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_endpoint.py
	$(BIN)/python bench/bench_validate.py
	$(BIN)/python bench/bench_observatory.py
	$(BIN)/python bench/bench_traffic.py
	$(BIN)/python bench/bench_backends.py
	$(BIN)/python bench/bench_publications.py

# pytest-xdist workers: one per core; the Virtuoso tests share one worker (--dist loadgroup)
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadgroup

## Lint (ruff, format, types, layers, generated docs), then the fast tier of the tests: all but
## those marked slow (Virtuoso, Chromium, ../shared, and the tests measured over ~2 s; see the
## markers in pyproject.toml).
test: setup lint
	$(PYTEST) -m "not slow"

## The same lint, then the whole test suite (what CI runs, .ci/run), with the SPARQL clients of
## tests/clients installed first (the slow tier's Comunica tests; `make run` needs none of them).
test-all: setup lint $(CLIENTS)/node_modules/.package-lock.json
	$(PYTEST)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m coworkmed.reference --check

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(WEB)/node_modules $(CLIENTS)/node_modules $(VENV) site store dumps .pytest_cache .ruff_cache .mypy_cache .import_linter_cache *.egg-info
