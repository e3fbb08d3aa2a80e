# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install test check lint docs browser openrpc-tools type-tools ajv-tools har-tools ganache demo bench mutate audit clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,docs,dask]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict -p helpers

# The developer loop: lint, types and the tests not marked slow, with no apt and no npm (the
# tests that need chromium or the npm packages are marked slow, the OpenRPC ones in tests/conftest.py).
check: lint
	$(BIN)/pytest -n 2 -q -m 'not slow' -p no:cacheprovider

# The documentation site from docs/ (mkdocs.yml), warnings as errors, into site/ (or SITE=DIR).
SITE ?= site
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $(SITE)

# Debian's chromium and chromedriver, for the HTML report's browser test, and curl, which runs
# the reports' reproductions; quick when all are installed (playwright's own browser download
# does not work on these machines).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  command -v curl >/dev/null || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium chromium-driver curl; }

# The OpenRPC packages from the npm registry (pinned in tools/openrpc/package-lock.json): the
# official meta-schema the exported document is validated against, the example documents, the
# mock server and test-coverage. Quick when installed: npm runs only when the lock file changes.
OPENRPC_TOOLS := tools/openrpc
OPENRPC_STAMP := $(OPENRPC_TOOLS)/node_modules/.installed

openrpc-tools: $(OPENRPC_STAMP)

$(OPENRPC_STAMP): $(OPENRPC_TOOLS)/package.json $(OPENRPC_TOOLS)/package-lock.json
	cd $(OPENRPC_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(OPENRPC_STAMP)

# json-schema-to-typescript from the npm registry (pinned in tools/types/package-lock.json), for
# the test that generates TypeScript types from every schema; npm runs only when the lock changes.
TYPE_TOOLS := tools/types
TYPE_STAMP := $(TYPE_TOOLS)/node_modules/.installed

type-tools: $(TYPE_STAMP)

$(TYPE_STAMP): $(TYPE_TOOLS)/package.json $(TYPE_TOOLS)/package-lock.json
	cd $(TYPE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(TYPE_STAMP)

# ajv 8, ajv-formats and ajv-formats-draft2019 from the npm registry (pinned in
# tools/ajv/package-lock.json), for the create.sites server that validates with the published
# schemas through ajv (tests/realistic/ajv_sites_server.js); npm runs only when the lock changes.
AJV_TOOLS := tools/ajv
AJV_STAMP := $(AJV_TOOLS)/node_modules/.installed

ajv-tools: $(AJV_STAMP)

$(AJV_STAMP): $(AJV_TOOLS)/package.json $(AJV_TOOLS)/package-lock.json
	cd $(AJV_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(AJV_STAMP)

# har-schema from the npm registry (pinned in tools/har/package-lock.json): the HAR 1.2 JSON
# Schemas the traffic log of `conformance fuzz --record` is validated against; npm runs only when
# the lock file changes.
HAR_TOOLS := tools/har
HAR_STAMP := $(HAR_TOOLS)/node_modules/.installed

har-tools: $(HAR_STAMP)

$(HAR_STAMP): $(HAR_TOOLS)/package.json $(HAR_TOOLS)/package-lock.json
	cd $(HAR_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(HAR_STAMP)

# ganache 7.9.2 from the npm registry (pinned in tools/ganache/package-lock.json), a real
# Ethereum JSON-RPC server the slow test tests/openrpc/test_openrpc_ganache.py fuzzes with the
# Ethereum document (docs/ganache.md); npm runs only when the lock file changes.
GANACHE_TOOLS := tools/ganache
GANACHE_STAMP := $(GANACHE_TOOLS)/node_modules/.installed

ganache: $(GANACHE_STAMP)

$(GANACHE_STAMP): $(GANACHE_TOOLS)/package.json $(GANACHE_TOOLS)/package-lock.json
	cd $(GANACHE_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $(GANACHE_STAMP)

test: lint docs browser openrpc-tools type-tools ajv-tools har-tools ganache
	$(BIN)/pytest -n 2 --durations=10

demo: install
	$(BIN)/python -m conformance.demo

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# The competitors (fastjsonschema, check-jsonschema, schemathesis) are installed for the
# benchmark only, so that the test environment holds just what the tests use.
bench: $(BENCH_STAMP) openrpc-tools
	$(BIN)/python benchmarks/run.py

MUTATE_STAMP := $(VENV)/.installed-mutate

$(MUTATE_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	touch $(MUTATE_STAMP)

# Mutation testing (cosmic-ray) of the modules where a bug costs users most, each against the
# tests that guard it: the score per module and the survivors. Not part of `make test` (it runs
# each module's tests once per mutant); examples/ci/mutation-schedule.yml runs it weekly.
# One module: make mutate MODULES=conformance/validation/masking.py
# A time budget per module (a random sample's score, with its interval): make mutate MINUTES=60
mutate: $(MUTATE_STAMP) openrpc-tools
	$(BIN)/python tools/mutation/mutate.py $(MODULES) $(if $(MINUTES),--minutes $(MINUTES))

# Issue 20's audit kept as a check: each bug of tools/mutation/audit.toml applied by hand in
# turn, its user-level tests run, the module restored; a table of killed / SURVIVED with the
# seconds (exit 1 if any survived or no longer applies). Not part of `make test`.
# Some entries: make audit AUDIT="replay-error-exits-0 store-keeps-token"
audit: install openrpc-tools
	$(BIN)/python tools/mutation/audit.py $(AUDIT)

clean:
	rm -rf $(VENV) .mutation $(OPENRPC_TOOLS)/node_modules $(TYPE_TOOLS)/node_modules $(AJV_TOOLS)/node_modules $(GANACHE_TOOLS)/node_modules site build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
