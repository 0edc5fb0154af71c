# The two set-up commands in README.md are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit golden worlds clean checkov install-check action-constraints coverage

# checkov runs out of process from its own virtualenv: it pins boto3/packaging and installs a
# forked `hcl2` module over python-hcl2, so it must never share $(VENV).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV    := .venv-checkov
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHECKOV_STAMP):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

checkov: $(CHECKOV_STAMP)

demo: $(STAMP)
	$(BIN)/driftpatch demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy src

# Each test module (and its module-scoped applied world) kept in one worker; two workers per
# core: Terraform-applied worlds spend most of their time in the provider's waiters (a load
# balancer or a database polled until available), which other workers' tests can overlap.
PYTEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 2) * 2 )))
# Byte-compiled once: tests run the CLI in hundreds of subprocesses, and where the environment
# sets PYTHONDONTWRITEBYTECODE each would otherwise recompile the package (about 0.2-0.3 s each).
unit: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope --durations=20

# Prints its own duration: the budget is 20 minutes on a 2-core machine.
test:
	@start=$$(date +%s); \
	if $(MAKE) --no-print-directory checkov lint typecheck coverage install-check unit; then \
	  echo "make test: passed in $$(( $$(date +%s) - start )) s"; \
	else \
	  echo "make test: FAILED after $$(( $$(date +%s) - start )) s"; exit 1; \
	fi

# Native-reader coverage of the public corpus (fixtures/corpus/census.json): printed in CI.
coverage: $(STAMP)
	$(BIN)/python scripts/coverage.py

# Re-record fixtures/worlds/ (state, moto recording, plans, drift oracle) with real Terraform:
# needs the CLI and DRIFTPATCH_TF_PLUGIN_MIRROR; STACK=demo|large|insecure|all.
STACK ?= all
worlds: $(STAMP)
	$(BIN)/python scripts/record_fixtures.py --stack $(STACK)

golden: $(STAMP) checkov
	DRIFTPATCH_UPDATE_GOLDEN=1 $(BIN)/python -m pytest tests -k golden

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) build dist .pytest_cache .mypy_cache .ruff_cache

# The wheel and the action's install line, each in a clean venv without extras: --help, rules, check.
install-check:
	PYTHON=$(PYTHON) bash scripts/check_install.sh

# The action's pinned dependencies: a clean venv with driftpatch alone, frozen.
action-constraints:
	rm -rf .venv-constraints && $(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet .
	{ echo "# Pins for the action's install (scripts/action/install.sh). Regenerate with: make action-constraints"; \
	  .venv-constraints/bin/python -m pip freeze --exclude driftpatch; } > .github/action-constraints.txt
	rm -rf .venv-constraints
