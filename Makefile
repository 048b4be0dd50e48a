# Every target does its own set-up: a .venv with the package, Docker and mmdebstrap, dockerd.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup test demo lint bench clean-images

$(BIN)/mirror: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/mirror
	bash scripts/setup-docker.sh

# pytest exits 5 when it collected no tests: that is a broken suite, not a pass.
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

demo: setup
	$(BIN)/mirror demo

bench: setup
	$(BIN)/mirror bench oracle

lint: $(BIN)/mirror
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-images:
	docker images --format '{{.Repository}}:{{.Tag}}' | grep '^mirror/' | xargs -r docker rmi
