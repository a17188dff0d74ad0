# The two commands of the README: `make run` (the demo) and `make test` (everything CI runs).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/$(if $(filter Windows_NT,$(OS)),Scripts,bin)
STAMP := $(VENV)/.installed
BUNDLE_STAMP := $(VENV)/.bundle-installed

.PHONY: run test lint typecheck pytest bench screenshot bundle bundle-smoke team-demo clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "c2c-desktop needs Python 3.11 or newer" or 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# On a machine without a display (a server, CI) the demo runs on a virtual screen instead: it places a few calls
# against the stand-in and saves what the window showed to demo-screenshot.png, then exits.
run: $(STAMP)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		scripts/system-packages.sh run && $(BIN)/c2c-desktop --demo; \
	else \
		echo "No display found: running the demo on a virtual screen (Xvfb) and saving demo-screenshot.png"; \
		scripts/system-packages.sh test && $(BIN)/python scripts/screenshot.py demo-screenshot.png; \
	fi

# Two agent windows (alice, bob) working one shared team list on a throwaway PostgreSQL cluster and the stand-in;
# Ctrl+C or closing both windows removes everything. Without a display it sets everything up, checks each agent's
# side and cleans up (scripts/team_demo.py --check).
team-demo: $(STAMP)
	scripts/system-packages.sh team
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/python scripts/team_demo.py; \
	else \
		echo "No display found: setting the team demo up, checking it, and cleaning up (no windows)"; \
		$(BIN)/python scripts/team_demo.py --check; \
	fi

test: $(STAMP)
	scripts/system-packages.sh test
	$(MAKE) lint typecheck pytest bundle-smoke

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

# PyInstaller, in the venv only for this target (the `bundle` extra).
$(BUNDLE_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bundle]'
	touch $@

# The app as one folder with its own Python and Qt, packed as dist/c2c-desktop-<version>-<os>-<arch>.tar.gz.
bundle: $(BUNDLE_STAMP)
	scripts/system-packages.sh bundle
	$(BIN)/python packaging/build_bundle.py

# The bundle unpacked and run in a clean environment (env -i): --version, the stand-in, keys, a call, the window.
bundle-smoke: bundle
	scripts/system-packages.sh test
	scripts/bundle-smoke.sh

bench: $(STAMP)
	scripts/system-packages.sh test
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

screenshot: $(STAMP)
	scripts/system-packages.sh test
	$(BIN)/python scripts/screenshot.py docs/screenshot.png
	$(BIN)/python scripts/session_screenshot.py docs/session.png
	$(BIN)/python scripts/figures_screenshot.py docs/figures.png

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
