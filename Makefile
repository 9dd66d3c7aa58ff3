# dispatch — `make run` starts the demo, `make test` runs the whole suite.
# Both create .venv/ when it is missing and install the project into it (editable); when
# nothing changed they go straight to work.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.run-installed
DEV_STAMP := $(VENV)/.dev-installed
PRISM := .cache/prism/node_modules/.bin/prism
CATALOGS := $(patsubst %.po,%.mo,$(wildcard dispatch/translations/*/LC_MESSAGES/messages.po))
PYTEST_ARGS ?=

.PHONY: run test lint format translations extract-messages prism screenshots fuzz bench-tools clean

run: $(RUN_STAMP) $(CATALOGS)
	$(BIN)/dispatch serve

test: $(DEV_STAMP) $(CATALOGS) prism
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fuzzers of tests/fuzz at a size for a long hunt (the suite runs them with 20 examples
# each); FUZZ_EXAMPLES and FUZZ_RANDOM=1 (new examples on every run) can be changed.
FUZZ_EXAMPLES ?= 2000
fuzz: $(DEV_STAMP) $(CATALOGS)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider --timeout=0 $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

# Compiled message catalogs follow their .po files.
translations: $(CATALOGS)
%.mo: %.po | $(RUN_STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

extract-messages: $(DEV_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -o dispatch/translations/messages.pot .
	$(BIN)/pybabel update -i dispatch/translations/messages.pot -d dispatch/translations --no-fuzzy-matching

# The Prism mock server for the Twilio contract test (Node 20 needs prism 5.14.2). Without npm
# the contract test skips and says why (under CI=true it fails instead).
prism: $(PRISM)
$(PRISM):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix .cache/prism @stoplight/prism-cli@5.14.2; \
	else echo "npm not found: the Twilio contract test will be skipped"; fi

# The HTTP load generator of `dispatch bench intake` and `dispatch bench sms` (Debian's wrk;
# without it they fall back to a slower Python generator and say so).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q wrk; else sudo apt-get install -y -q wrk; fi; }

# The README's pictures of the console (English and Chinese), rendered by Debian's Chromium.
screenshots: $(DEV_STAMP) $(CATALOGS)
	$(BIN)/python -m dispatch.console.screenshots docs
	$(BIN)/python -m dispatch.console.report_screenshots docs

clean:
	rm -rf $(VENV) .cache dispatch.egg-info .pytest_cache .ruff_cache .hypothesis
