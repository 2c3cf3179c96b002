# Every target bootstraps what it needs from nothing: a fresh machine with Python 3.11
# and access to the package registries is enough.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test lint typecheck unit venv browser-deps bench clean models

chat: $(STAMP)
	$(BIN)/coach chat

test: $(STAMP) browser-deps lint typecheck unit

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser tests drive Debian's chromium through Playwright; nothing is downloaded by
# Playwright itself. Without root or apt the browser tests skip with a reason.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium espeak-ng >/dev/null) \
		|| echo "warning: could not install chromium; browser tests will be skipped"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check agent coachcache safety evals prompts tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The PostgreSQL half of the memory, loop, live-session and server suites runs on a
# throwaway server that .ci/with-postgres.sh installs (Debian's package), starts on a
# free local port and removes afterwards.
unit: $(STAMP)
	.ci/with-postgres.sh $(BIN)/python -m pytest -n 2

# Trained text classifiers, rebuilt from their corpora (deterministic: the exports are
# committed and a test rebuilds each one byte for byte). One command per classifier:
# the offline model's intents, then the red-flag screen's classifier
# (safety/data/model/screen.{json,npy,words.npy,wordcols.npy}, its thresholds
# screen.thresholds.json, chosen without the voice they are measured on, and the
# voice-held-out figures folds.json).
models: $(STAMP)
	$(BIN)/python -m agent.models.offline.intent_build
	$(BIN)/python -m safety.screen_build

bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
