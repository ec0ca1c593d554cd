# Bring It Up: two commands do everything. `make help` lists the rest.
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
# Rasa with this project's patches installed (service/cli.py): every Rasa command goes through it.
RASA := $(BIN)/python -m service.cli
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
# Library warnings nobody here can act on, by name (scripts/library_warnings.txt); others show.
export PYTHONWARNINGS := $(shell grep -v '^\#' scripts/library_warnings.txt | paste -sd, -)
export PYTHONPATH := $(CURDIR)
MODEL := models/bring-it-up.tar.gz
# What the model is trained from (the widget's words, content/widget.yml, are not among them).
SOURCES := config.yml clinic.yml $(shell find data domain content components bring_it_up -name '*.yml' -o -name '*.py' 2>/dev/null | grep -v -e clinic_generated -e content/widget.yml)
export RASA_INTERFACE ?= 127.0.0.1
# Where conversations are kept (endpoints.yml reads it); clinics: ENDPOINTS=endpoints.clinic.yml
export TRACKER_DB ?= var/conversations.db
export ENDPOINTS ?= endpoints.yml

.PHONY: help setup browser-deps clinic train run run-clinic shell purge test test-unit test-conversations test-stories test-servers test-faults test-browser validate eval eval-safety bench lint clean

help: ## List every target
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock requirements-model.txt requirements-encoder.txt scripts/setup.sh
	VENV=$(VENV) scripts/setup.sh

setup: $(VENV)/.installed ## Create the Python 3.10 venv from the lock file (only if needed)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

browser-deps: tests/browser/node_modules/.package-lock.json ## Debian's Chromium and axe-core for the browser tests (only if missing)
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

clinic: $(VENV)/.installed ## Check clinic.yml and write domain/clinic_generated.yml
	@$(BIN)/python -m bring_it_up.clinic

$(MODEL): $(VENV)/.installed $(SOURCES)
	@$(BIN)/python -m bring_it_up.clinic >/dev/null
	$(RASA) train --domain domain --fixed-model-name bring-it-up --out models --quiet
	@touch $(MODEL)  # up to date even when Rasa found nothing of its own to train again

train: clinic $(MODEL) ## Train the model if data, domain, config or clinic.yml changed

run: train ## Start the bot: demo page on http://localhost:8000/, REST on :5005; Ctrl-C stops all
	@scripts/run.sh

run-clinic: train ## Clinic mode here: PostgreSQL + Redis on loopback (Debian's packages), 2 Sanic workers; Ctrl-C stops all
	@scripts/run-clinic.sh

shell: train ## Chat with the bot in this terminal (starts the action server too)
	@scripts/run.sh shell

purge: setup clinic ## Delete conversations older than clinic.yml's retention_days now
	@mkdir -p var && $(BIN)/python -m service.store $(ENDPOINTS)

validate: clinic ## Check training data and domain (fails on any warning)
	$(RASA) data validate --domain domain --fail-on-warning --quiet

test-unit: setup clinic ## Unit tests: drafting, language, safety rules, actions
	$(BIN)/python -m pytest -q tests/unit

test-conversations: train ## Talk to the trained model in-process, as clients would
	$(BIN)/python -m pytest -q tests/conversations

test-servers: train ## Start the real servers and test privacy, security and bad input over HTTP
	$(BIN)/python -m pytest -q tests/servers

test-faults: train ## Action server down, Rasa killed, two servers on one conversation, database restarts (clinic mode)
	$(BIN)/python -m pytest -q tests/faults

test-browser: train browser-deps ## The widget in Chromium: a full preparation on a phone, safety, quick exit, keyboard, axe audit
	$(BIN)/python -m pytest -q tests/browser

test-stories: train ## rasa test on tests/test_stories.yml, failing on any wrong prediction
	$(RASA) test core --stories tests/test_stories.yml \
	  --model $(MODEL) --fail-on-prediction-errors --out results/stories

test: ## Everything CI runs: lint, validate, train, all tests
	@# Two at a time, each suite's output kept together: the checks that need no model beside
	@# the training, then the suites of the trained bot (each mostly waits on one server, so
	@# two suites share the 2 CPUs of a small machine with little slowing of either).
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint validate test-unit train browser-deps
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-conversations test-servers test-faults \
	  test-browser test-stories

eval: train ## NLU cross-validation; readable report in results/nlu/
	$(RASA) test nlu --cross-validation --folds 3 --out results/nlu
	@$(BIN)/python scripts/nlu_report.py results/nlu

eval-safety: setup ## Safety screen on the frozen held-out sets (short, long): recall and precision per level, each layer alone and together
	$(BIN)/python scripts/safety_eval.py

bench: train ## Benchmark against a stock `rasa init` bot, and with the patches off; writes benchmarks/RESULTS.md (not part of test)
	$(BIN)/python benchmarks/bench.py

lint: setup ## ruff and mypy
	$(BIN)/python -m ruff check bring_it_up actions components service tests scripts benchmarks
	$(BIN)/python -m mypy bring_it_up actions components service

clean: ## Remove the trained model, caches and test results (keeps the venv)
	rm -rf models/*.tar.gz .rasa results .pytest_cache
