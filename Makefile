# One entry point for running, testing and checking polls.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The exact versions the tests passed with: every install here, in CI and in the image uses them.
CONSTRAINTS := deploy/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check fuzz translations system-deps test-deps bench bench-full bench-scale lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	touch $@ $(VENV)/.run-installed

# Refresh the constraints: the newest versions pyproject.toml allows, installed into a fresh
# environment. Then run make test (and make bench) before committing the new file.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet '.[test]'
	{ echo "# The exact versions the tests passed with (make lock writes this; pyproject.toml has the"; \
	  echo "# ranges). Used by make, .ci/run and the Dockerfile."; \
	  .lock-venv/bin/python -m pip freeze --exclude polls; } > $(CONSTRAINTS)
	rm -rf .lock-venv

run: $(VENV)/.run-installed system-deps
	POLLS_HOST=$(HOST) POLLS_PORT=$(PORT) $(BIN)/polls serve

test: $(VENV)/.test-installed system-deps test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# What the service itself uses from the system: DejaVu Sans draws the PNG word clouds and the
# reports; Pango (with HarfBuzz) lays out the PDF reports. Installed where this can (root with
# apt-get); elsewhere the service runs and says what is missing when a PDF is asked for.
SYSTEM_PACKAGES := fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
system-deps:
	@missing=""; for package in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'install ok installed' \
	    || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing \
	      || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing)) \
	      >/dev/null 2>&1 || echo "Could not install$$missing: PDF reports may be unavailable"; \
	  elif command -v dpkg-query >/dev/null; then \
	    echo "Missing$$missing (apt-get install$$missing): PDF reports may be unavailable"; \
	  fi; \
	fi

# The browser tests need Debian's Chromium (and colour emoji, as phones have them, for the
# screenshots) and, for the accessibility check, axe-core from npm;
# the PNG word clouds need DejaVu Sans (fonts-dejavu-core); the deployment test runs Debian's
# Caddy with deploy/Caddyfile.
# Where they cannot be installed, those tests are skipped with the reason (in CI they fail).
test-deps:
	@if ! command -v caddy >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy || (apt-get update -qq \
	      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy)) >/dev/null 2>&1 \
	      || echo "Caddy could not be installed: the deployment test will be skipped"; \
	  else \
	    echo "No caddy (apt-get install caddy): the deployment test will be skipped"; \
	  fi; \
	fi
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	      >/dev/null 2>&1 || echo "Chromium could not be installed: browser tests will be skipped"; \
	  else \
	    echo "No /usr/bin/chromium (apt-get install chromium): browser tests will be skipped"; \
	  fi; \
	fi
	@if [ ! -d /usr/share/fonts/truetype/noto ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-color-emoji >/dev/null 2>&1 \
	    || echo "fonts-noto-color-emoji could not be installed: screenshots show emoji as boxes"; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ]; then \
	  if command -v npm >/dev/null; then \
	    npm install --silent --no-save --no-package-lock axe-core@4 >/dev/null 2>&1 \
	      || echo "axe-core could not be installed: the accessibility check will be skipped"; \
	  else \
	    echo "No npm: the accessibility check will be skipped"; \
	  fi; \
	fi

check: $(VENV)/.test-installed
	$(BIN)/ruff check polls tests benchmarks
	$(BIN)/ruff format --check polls tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

# Property-based tests at length: 100,000 examples for each parser and check (make test runs
# 200 of each, the same ones every time). A failure prints the example and how to replay it.
fuzz: $(VENV)/.test-installed
	POLLS_HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_fuzz.py -p no:cacheprovider --timeout=0

# Load benchmarks against a real server (not part of make test; a smoke run of them is).
bench: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py --quick --json benchmarks/results/quick.json

bench-full: $(VENV)/.test-installed
	$(BIN)/python benchmarks/run.py --json benchmarks/results/full.json

# The scale-out path: one worker, then two, on the machine's PostgreSQL and Redis.
bench-scale: $(VENV)/.test-installed
	$(BIN)/python benchmarks/scale.py --sqlite --json benchmarks/results/scale-sqlite.json
	$(BIN)/python benchmarks/scale.py --workers 1 --json benchmarks/results/scale-1.json \
		--against benchmarks/results/scale-sqlite.json
	$(BIN)/python benchmarks/scale.py --workers 2 --json benchmarks/results/scale-2.json
	$(BIN)/python benchmarks/big_room.py --phones 20000 --workers 2 \
		--json benchmarks/results/big-room.json
	$(BIN)/python benchmarks/capacity.py benchmarks/results/scale-1.json \
		--check benchmarks/results/scale-2.json

# Re-extract the texts to translate and merge them into every catalog (LANG_NEW=de starts one).
translations: $(VENV)/.test-installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project polls \
		-o polls/locales/messages.pot .
	$(if $(LANG_NEW),$(BIN)/pybabel init -i polls/locales/messages.pot -d polls/locales -l $(LANG_NEW),)
	$(BIN)/pybabel update -i polls/locales/messages.pot -d polls/locales --ignore-obsolete

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
