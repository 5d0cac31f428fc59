# The README's two commands: `make run` and `make test`. Everything else is a helper.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Where `make run` listens: make run HOST=0.0.0.0 PORT=8080. Plain `=`, not `?=`: zsh exports
# HOST (the machine's name), which must not decide the address served.
HOST = 127.0.0.1
PORT = 5000

.PHONY: run test install install-test clean

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run-all --host $(HOST) --port $(PORT)

# axe-core (accessibility checks in the browser journeys) comes from the npm registry.
AXE := .cache/axe/node_modules/axe-core/axe.min.js

test: $(VENV)/.installed-test $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(AXE):
	@if command -v npm >/dev/null; then npm install --prefix .cache/axe --no-save --no-audit --no-fund --silent 'axe-core@~4.14'; \
	else echo "npm not found: the accessibility checks will be skipped"; fi

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .cache instance/*.sqlite3* .pytest_cache test-results
