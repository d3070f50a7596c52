# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast setup system lint format bench load-test demo clean-demo

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

system:
	./scripts/install-system.sh

setup: system $(VENV)/.installed

# Sets everything up, loads the reference (and demonstration data) and starts the dashboard
# (server.py: app.py's pages and the routes of the session cookie, README « Sessions »),
# on this machine only (127.0.0.1): to serve others, put a reverse proxy with TLS in front
# (README, « Mettre en service pour d'autres postes »).
ADDRESS ?= 127.0.0.1
run: setup
	$(PY) cli.py initialiser
	$(PY) cli.py demo
	$(PY) cli.py demo --convention ctg-ccra-demonstration
	$(PY) -m streamlit run server.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

# The whole test suite (unit, AppTest, real files, Chromium end to end).
test: setup
	$(PY) -m pytest -q

# The edit loop: everything but the browser tests, on every core.
test-fast: setup
	$(PY) -m pytest -q -m "not browser and not processes" -n auto

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .

bench: setup
	$(PY) scripts/benchmark.py

# Two app processes behind nginx on one throwaway PostgreSQL, 30 readers and 3 chargés for 2 minutes.
load-test: setup
	$(PY) scripts/load_test.py

demo: setup
	$(PY) cli.py demo
	$(PY) cli.py demo --convention ctg-ccra-demonstration

clean-demo: setup
	$(PY) cli.py demo --remove
	$(PY) cli.py demo --remove --convention ctg-ccra-demonstration
