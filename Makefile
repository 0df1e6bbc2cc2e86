# make study: the whole mix_ratios study at the default (quick) profile.  make test: the test suite.
# Both create .venv and install the project first; `make test` also installs the system packages the tests
# need (TeX, poppler) with apt-get when it can, or stops at once naming them (tools/system-packages.sh).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

.PHONY: install system-packages study test smoke paper report bench
install: $(STAMP)

system-packages:
	@bash tools/system-packages.sh

study: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios

test: system-packages $(STAMP)
	$(PY) -m pytest -q

smoke: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios --profile smoke

report: system-packages $(STAMP)
	$(PY) -m experiments.report

bench: $(STAMP)
	$(PY) -m experiments.bench gan --quick
