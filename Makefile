# Set-up, tests and demo for tb-lossdiag. Every target installs what it needs into a
# project virtual environment (.venv), so `make test` and `make demo` work on a fresh
# machine, also where the system Python refuses `pip install` (PEP 668), and leave the
# user's Python alone. PYTHON is the interpreter the environment is made from.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := PIP_DISABLE_PIP_VERSION_CHECK=1 $(PY) -m pip --quiet
# The oldest TensorBoard setup.py accepts, with what its users have beside it (TensorFlow of
# its time brought numpy<2 and six); `make test-oldest` runs the plugin's real-server tests
# against it in its own environment.
OLDEST_VENV ?= .venv-oldest
OLDEST := tensorboard==2.11.2 "numpy<2" six
TORCH ?= torch==2.13.0
DEMO_LOGS ?= demo_logs
LIBRARY_LOGS ?= library_logs
JOBS ?= 2
PORT ?= 6006
# TensorFlow's start-up lines (oneDNN, CPU features, absl), kept out of the demo's output.
TF_BANNERS := ^(WARNING: All log messages before absl|[IW][0-9]{4} |To enable the following instructions)
QUIET_TF := TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore

.PHONY: install install-demo venv python-venv chromium frontend frontend-deps demo demo-logs library test test-oldest bench clean

# The environment, made again when PYTHON names another interpreter than the one it was made from.
WANT_PYTHON := $(shell command -v $(PYTHON) 2>/dev/null)
HAVE_PYTHON := $(shell cat $(VENV)/.interpreter 2>/dev/null)
ifneq ($(WANT_PYTHON),$(HAVE_PYTHON))
.PHONY: $(VENV)/.interpreter
endif

$(VENV)/.interpreter:
	@test -n "$(WANT_PYTHON)" || { echo "no interpreter $(PYTHON); set PYTHON=..." >&2; exit 2; }
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) --no-print-directory python-venv
	@echo "Making the environment $(VENV) from $(WANT_PYTHON)"
	@rm -rf $(VENV)
	@$(PYTHON) -m venv $(VENV)
	@echo "$(WANT_PYTHON)" > $@

venv: $(VENV)/.interpreter

# Debian's Python has no ensurepip (so no `-m venv`) without its python3-venv package.
python-venv:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv

# What the demo needs: the project and its demo extras (TensorFlow, scikit-learn, tensorboardX).
$(VENV)/.install-demo: setup.py $(VENV)/.interpreter
	@echo "Installing the demo's packages into $(VENV) (log: $(VENV)/install.log)"
	@$(PIP) install -e ".[demo]" > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

# What the tests need: the test and benchmark extras, and PyTorch (its CPU build where the
# package index offers one) so the tests also read what torch.utils.tensorboard writes.
$(VENV)/.install-test: setup.py $(VENV)/.interpreter
	@echo "Installing the tests' packages into $(VENV) (log: $(VENV)/install.log)"
	@$(PIP) install -e ".[test,bench]" "$(TORCH)" > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $@

install-demo: $(VENV)/.install-demo
install: $(VENV)/.install-test

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

$(VENV)/.npm: frontend/package-lock.json $(VENV)/.interpreter
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend-deps: $(VENV)/.npm

# Rebuild the committed bundle in tb_lossdiag/static/ from frontend/src.
frontend: frontend-deps
	cd frontend && npm run --silent build

demo-logs: install-demo
	@$(QUIET_TF) $(PY) -m demo $(DEMO_LOGS) 2>&1 | grep --line-buffered -v -E '$(TF_BANNERS)'; exit $${PIPESTATUS[0]}

# Write the demo runs (once), print their diagnosis, and serve them with the plugin on PORT.
demo: SHELL := /bin/bash
demo-logs: SHELL := /bin/bash
demo: demo-logs
	-@$(PY) -m tb_lossdiag.cli diagnose $(DEMO_LOGS) --quiet
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/#lossdiag  (Ctrl-C to stop)"
	@$(QUIET_TF) $(PY) -m tensorboard.main --logdir $(DEMO_LOGS) --host 127.0.0.1 --port $(PORT) \
		2>&1 | grep --line-buffered -v -E '$(TF_BANNERS)'

# The known-answer library of real training runs (minutes on 2 cores; cached; not part of `make test`).
library: install
	$(PY) -m bench.library $(LIBRARY_LOGS) --jobs $(JOBS)

test: install chromium frontend-deps
	$(PY) -m pytest tests -q
	$(MAKE) --no-print-directory test-oldest

# The plugin's real-server tests (both loaders) against the oldest TensorBoard setup.py
# allows, in their own environment: the project, that TensorBoard, tensorboardX, pytest.
$(OLDEST_VENV)/.installed: setup.py $(VENV)/.interpreter
	@echo 'Installing $(OLDEST) into $(OLDEST_VENV) (log: $(OLDEST_VENV)/install.log)'
	@rm -rf $(OLDEST_VENV)
	@$(PYTHON) -m venv $(OLDEST_VENV)
	@PIP_DISABLE_PIP_VERSION_CHECK=1 $(OLDEST_VENV)/bin/python -m pip --quiet install -e . $(OLDEST) \
		"pytest>=7" "hypothesis>=6" "tensorboardX>=2.6" > $(OLDEST_VENV)/install.log 2>&1 \
		|| { cat $(OLDEST_VENV)/install.log; exit 1; }
	@touch $@

test-oldest: $(OLDEST_VENV)/.installed
	$(OLDEST_VENV)/bin/python -m pytest -q tests/test_plugin_server.py

bench: install
	$(PY) -m bench.read
	$(PY) -m bench.plugin
	$(PY) -m bench.memory
	$(PY) -m bench.accuracy --demo-dir $(DEMO_LOGS)

clean:
	rm -rf $(VENV) $(OLDEST_VENV) build *.egg-info .pytest_cache
