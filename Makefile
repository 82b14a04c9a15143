# The project's two commands:
#   make run    serve the app on http://127.0.0.1:8000 with a Celery worker + beat (SQLite, no servers)
#   make test   run the test suite against throwaway PostgreSQL and Redis servers
# Extra pytest arguments: make test ARGS="tests/cases -x"
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: help venv venv-runtime system-packages test run bench profile clean lint

help:
	@echo "make run     serve http://127.0.0.1:8000 + Celery worker/beat (Ctrl-C stops all)"
	@echo "make test    run pytest against throwaway PostgreSQL + Redis (ARGS=\"...\" for pytest)"
	@echo "make bench   pages and sweeps at BENCH_CASES cases (default 100000; 10000 quick) -> benchmarks/results/"
	@echo "make profile PAGE=my_cases  one page's queries and profile on the bench database"
	@echo "make lint    ruff + bandit (config and every accepted exception in pyproject.toml)"
	@echo "make clean   remove var/ (SQLite file, broker folders) and test-artifacts/"

venv:
	@scripts/ensure-venv.sh requirements-dev.txt

venv-runtime:
	@scripts/ensure-venv.sh requirements.txt

system-packages:
	@scripts/ensure-system-packages.sh

test: venv system-packages
	@mkdir -p test-artifacts
	@scripts/test-services.sh $(PY) -m pytest $(ARGS)

# Also run by the suite (tests/test_lint.py), so CI's `make test` fails on a finding.
lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/bandit -q -c pyproject.toml -r .

run: venv-runtime
	@scripts/run-dev.sh

# The bench's PostgreSQL keeps its data in var/bench-pg/ (the database of each size is built once and
# reused); Redis is throwaway. ARGS go to benchmarks/run.py (--seconds N, --only NAME,..., --rebuild).
BENCH_PG_OPTIONS := -c shared_buffers=1GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=4GB

bench: venv system-packages
	@SERVICES_PG_DATA=var/bench-pg SERVICES_PG_OPTIONS="$(BENCH_PG_OPTIONS)" \
		scripts/test-services.sh $(PY) benchmarks/run.py $(ARGS)

# Where one page's time goes on the bench database (built by `make bench` first): its queries with their
# times and cProfile's top functions. PAGE is one of make bench's page names; ARGS: -n N, --sort cumulative.
profile: venv system-packages
	@SERVICES_PG_DATA=var/bench-pg SERVICES_PG_OPTIONS="$(BENCH_PG_OPTIONS)" \
		scripts/test-services.sh $(PY) benchmarks/profile_page.py $(PAGE) $(ARGS)

clean:
	rm -rf var test-artifacts
