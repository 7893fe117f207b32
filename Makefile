# Set-up, tests and demo for tb-lossdiag. Every target installs what it needs,
# so `make test` and `make demo` work on a fresh machine.

PYTHON ?= python3
PIP := $(PYTHON) -m pip
STAMPS := .stamps
DEMO_LOGS ?= demo_logs
LIBRARY_LOGS ?= library_logs
JOBS ?= 2
PORT ?= 6006

.PHONY: install chromium frontend frontend-deps demo demo-logs library test bench clean

$(STAMPS):
	mkdir -p $(STAMPS)

# Python packages: the project (editable) with its test and benchmark extras, and
# PyTorch's CPU build so the tests also read what torch.utils.tensorboard writes.
$(STAMPS)/install: setup.py | $(STAMPS)
	$(PIP) install --quiet -e ".[test,bench]"
	$(PIP) install --quiet "torch==2.13.0"
	touch $@

install: $(STAMPS)/install

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

$(STAMPS)/npm: frontend/package-lock.json | $(STAMPS)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend-deps: $(STAMPS)/npm

# Rebuild the committed bundle in tb_lossdiag/static/ from frontend/src.
frontend: frontend-deps
	cd frontend && npm run --silent build

demo-logs: install
	$(PYTHON) -m demo $(DEMO_LOGS)

# Write the demo runs (once), print their diagnosis, and serve them with the plugin.
demo: demo-logs
	-$(PYTHON) -m tb_lossdiag.cli diagnose $(DEMO_LOGS) --quiet
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/#lossdiag  (Ctrl-C to stop)"
	$(PYTHON) -m tensorboard.main --logdir $(DEMO_LOGS) --host 127.0.0.1 --port $(PORT)

# The known-answer library of real training runs (minutes on 2 cores; cached; not part of `make test`).
library: install
	$(PYTHON) -m bench.library $(LIBRARY_LOGS) --jobs $(JOBS)

test: install chromium frontend-deps
	$(PYTHON) -m pytest tests -q

bench: install
	$(PYTHON) -m bench.read
	$(PYTHON) -m bench.plugin
	$(PYTHON) -m bench.memory
	$(PYTHON) -m bench.accuracy --demo-dir $(DEMO_LOGS)

clean:
	rm -rf $(STAMPS) build *.egg-info .pytest_cache
