# orderhub: `make demo` and `make test` do the whole set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint format bench services compose-client lock clean

$(STAMP): pyproject.toml requirements.lock
	scripts/ensure-system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.4"
	$(BIN)/uv pip install --python $(BIN)/python --quiet -c requirements.lock -e ".[dev,airflow]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/orderhub demo

test: install services compose-client
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy orderhub connectors quality

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install services
	$(BIN)/python benchmarks/throughput.py

services:
	scripts/ensure-system-packages.sh
	scripts/ensure-services.sh

# The tests validate docker-compose.yml with Debian's docker-compose (no engine needed).
compose-client:
	scripts/ensure-compose-client.sh

# Re-pin every dependency after changing pyproject.toml.
lock: install
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --extra airflow -o requirements.lock

clean:
	rm -rf $(VENV) .orderhub .pytest_cache .mypy_cache .ruff_cache .hypothesis .benchmarks
