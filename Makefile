# Inaam: `make run` starts the bot with embedded defaults; `make test` runs the test suite.
.PHONY: setup run test lint bench worker

setup:
	@./scripts/bootstrap.sh

run: setup
	.venv/bin/inaam --pretty-logs serve

test: setup
	.venv/bin/ruff check .
	.venv/bin/pytest -q -p no:cacheprovider -n 3 --dist worksteal

lint: setup
	.venv/bin/ruff check .

SAMPLES ?= ../shared/samples

bench: setup
	.venv/bin/inaam bench core
	.venv/bin/inaam bench claims $(SAMPLES)
	.venv/bin/inaam bench language

worker: setup
	.venv/bin/inaam worker
