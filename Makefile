# Fresh machine: `make run` (set up + sample + materialize + summary), then `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)
export PII_STATE_DIR ?= $(CURDIR)/state

.PHONY: run install sample materialize test lint dev clean

run: install ## install, generate the synthetic sample, materialize every asset, print a summary
	$(BIN)/pii sample
	$(BIN)/pii materialize

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml scripts/bootstrap_venv.sh
	bash scripts/bootstrap_venv.sh $(PY) $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	mkdir -p $(PII_STATE_DIR)
	touch $@

sample: install
	$(BIN)/pii sample

materialize: install
	$(BIN)/pii materialize

test: install ## the whole test suite (unit, property, end-to-end)
	-bash scripts/install_chromium.sh  # headless Chromium for the report browser tests; they skip without it (fail under CI)
	$(BIN)/python -m pytest -n 2 --dist loadfile -q

lint: install
	$(BIN)/ruff check .

dev: install ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean:
	rm -rf landing warehouse state
