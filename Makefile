# Every target does its own set-up: a .venv with the package, Docker and mmdebstrap, dockerd.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup check test test-all demo lint bench clean-images

$(BIN)/mirror: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/mirror
	bash scripts/setup-docker.sh

# `make test` runs a representative part: every test but those marked slow (every target's red
# team, full calibration). `make test-all` runs everything. pytest exits 5 when it collected no
# tests: that is a broken suite, not a pass.
PYTEST_RUN = rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

check: $(BIN)/mirror
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup check
	$(BIN)/pytest -m "not slow"; $(PYTEST_RUN)

test-all: setup check
	$(BIN)/pytest; $(PYTEST_RUN)

demo: setup
	$(BIN)/mirror demo

bench: setup
	$(BIN)/mirror bench oracle

lint: $(BIN)/mirror
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-images:
	docker images --format '{{.Repository}}:{{.Tag}}' | grep '^mirror/' | xargs -r docker rmi
