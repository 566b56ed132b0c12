# Kaifong (街坊) — every command a person or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

VENV      := .venv
VENV_RASA := .venv-rasa
PY        := $(VENV)/bin/python
PY_RASA   := $(VENV_RASA)/bin/python
RASA      := PYTHONWARNINGS=ignore $(VENV_RASA)/bin/rasa
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2

# The model is keyed by a hash of everything training reads: retrain only when it changes.
TRAIN_INPUTS = config.yml requirements-rasa.txt bot/intent_classifier.py $(shell find bot/domain nlu_data bot/jieba -type f -name '*.yml' -o -type f -name '*.txt' | LC_ALL=C sort)
MODEL_HASH   = $(shell cat $(TRAIN_INPUTS) | sha256sum | cut -c1-16)
MODEL        = .build/models/kaifong-$(MODEL_HASH).tar.gz
# espeak-ng: speech output; chromium + CJK fonts: the page tests; ffmpeg + libopencore-amrnb0:
# WeChat voice messages (decode; the tests make AMR with the 3GPP encoder); baresip-core and
# sip-tester (SIPp): real SIP peers for the phone tests and the phone benchmark.
SYS_PACKAGES := espeak-ng libespeak-ng1 chromium fonts-noto-cjk ffmpeg libopencore-amrnb0 \
                baresip-core sip-tester

.PHONY: help setup sysdeps run test chat call bench train validate model staff-add wechat-menu purge clean

help: ## Show this list
	@echo "Kaifong (街坊): offline Mandarin/Cantonese public-service assistant"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

setup: sysdeps $(VENV)/.installed $(VENV_RASA)/.installed node_modules/.installed ## Create both virtual environments and install everything

sysdeps: ## Install system packages (espeak-ng, chromium, CJK fonts) if missing
	@missing=""; for p in $(SYS_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "Please install as root: apt-get install$$missing" >&2; exit 1; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q$$missing; \
	fi

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

# axe-core for the kiosk page's accessibility test (pinned in package-lock.json).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the kiosk tests: apt-get install npm" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# Rasa 3.6 needs Python 3.10: python3.10 if it runs, else the newest 3.10 pyenv has.
$(VENV_RASA)/.installed: requirements-rasa.txt
	@if [ ! -x $(PY_RASA) ]; then \
	  py=""; \
	  if python3.10 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then py=python3.10; \
	  elif command -v pyenv >/dev/null; then \
	    v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$$' | sort -V | tail -1); \
	    [ -n "$$v" ] && py="$$(pyenv prefix $$v)/bin/python3.10"; \
	  fi; \
	  if [ -z "$$py" ]; then \
	    echo "Rasa needs Python 3.10, and none was found. Install it, e.g. 'pyenv install 3.10.13', then run make again." >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV_RASA) with $$py"; \
	  "$$py" -m venv $(VENV_RASA); \
	fi
	$(PY_RASA) -m pip install -q --upgrade pip
	$(PY_RASA) -m pip install -q --no-deps -r requirements-rasa.txt
	$(PY_RASA) -m pip check
	@touch $@

train: $(VENV_RASA)/.installed ## Train the Rasa model if the training data changed
	@if [ -f $(MODEL) ]; then echo "Model is up to date: $(MODEL)"; else \
	  echo "Training the Rasa model (a few minutes)..."; \
	  start=$$(date +%s); \
	  $(RASA) train --config config.yml --domain bot/domain --data nlu_data \
	    --out .build/models --fixed-model-name kaifong-$(MODEL_HASH) --quiet && \
	  secs=$$(( $$(date +%s) - start )); echo $$secs > $(MODEL).seconds; \
	  echo "Trained $(MODEL) in $$secs s"; \
	fi

validate: $(VENV_RASA)/.installed ## Check the Rasa training data and domain
	$(RASA) data validate --config config.yml --domain bot/domain --data nlu_data --fail-on-warnings

run: setup train ## Start Rasa, the action server and the gateway; Ctrl-C stops all
	@$(PY) -m channels.tools.stack --model $(MODEL)

chat: setup train ## Talk to Kaifong in the terminal
	@$(PY) -m channels.tools.chat --model $(MODEL)

call: $(VENV)/.installed ## Ring the hotline of a running 'make run' with baresip and your microphone
	@$(PY) -m channels.phone.softphone

# Tests run in a random order (pytest-randomly); the seed is printed so a failure can be repeated.
SEED ?= $(shell date +%s)

test: setup train ## Run every test (set-up included); make test SEED=n repeats an order
	$(MAKE) --no-print-directory validate
	$(PY_RASA) -m pytest -q -p no:cacheprovider -c tests/actions/pytest.ini --rootdir . tests/actions
	$(RASA) test core --e2e --stories tests/stories --model $(MODEL) \
	  --out .build/results/stories --fail-on-prediction-errors
	@echo "test order seed: $(SEED) (make test SEED=$(SEED) repeats it)"
	KAIFONG_MODEL=$(MODEL) $(PY) -m pytest -q -p no:cacheprovider -p randomly --randomly-seed=$(SEED) \
	  tests --ignore=tests/actions

bench: setup train ## Measure accuracy, latency, speed and memory; prints a table (BENCH_ARGS=--skip-phone ...)
	KAIFONG_MODEL=$(MODEL) $(PY) -m bench --model $(MODEL) $(BENCH_ARGS)

model: $(VENV)/.installed ## Download the Mandarin speech model (needs internet)
	$(PY) -m voice.fetch_model

staff-add: $(VENV)/.installed ## Add a console account: make staff-add NAME=chan [ROLE=admin]
	@$(PY) -m channels.console.staff add $(NAME) --role $(or $(ROLE),staff)

wechat-menu: $(VENV)/.installed ## Print the WeChat custom menu JSON an operator uploads
	@$(PY) -m channels.wechat.menu

purge: $(VENV)/.installed ## Delete transcripts older than retention_days now (the gateway does it daily)
	@$(PY) -m channels.tools.purge

clean: ## Remove trained models, run data and test output (keeps the venvs)
	rm -rf .build .run
