# The project's two commands:
#   make run    serve the app on http://127.0.0.1:8000 with a Celery worker + beat (SQLite, no servers)
#   make test   run the test suite against throwaway PostgreSQL and Redis servers
# Extra pytest arguments: make test ARGS="tests/cases -x"
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.PHONY: help venv venv-runtime system-packages test run bench clean

help:
	@echo "make run     serve http://127.0.0.1:8000 + Celery worker/beat (Ctrl-C stops all)"
	@echo "make test    run pytest against throwaway PostgreSQL + Redis (ARGS=\"...\" for pytest)"
	@echo "make bench   run benchmarks/run.py against the same throwaway services"
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

run: venv-runtime
	@scripts/run-dev.sh

bench: venv system-packages
	@if [ -f benchmarks/run.py ]; then \
		scripts/test-services.sh $(PY) benchmarks/run.py $(ARGS); \
	else \
		echo "benchmarks/run.py does not exist yet"; exit 1; \
	fi

clean:
	rm -rf var test-artifacts
