# make study: the whole mix_ratios study at the default (quick) profile.  make test: the test suite.
# Both create .venv and install the project first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

.PHONY: install study test smoke paper report bench
install: $(STAMP)

study: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios

test: $(STAMP)
	$(PY) -m pytest -q

smoke: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios --profile smoke

bench: $(STAMP)
	$(PY) -m experiments.bench gan --quick
