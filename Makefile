# make study: the whole mix_ratios study at the default (quick) profile.  make test: the test suite (what CI runs);
# make test-fast: the tests that train at most a few steps (under 2 minutes), for the edit-test loop.
# Each creates .venv and installs the project first; `make test` also installs the system packages the tests
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

.PHONY: install system-packages study test test-fast smoke paper report bench reproduce reproduce-plan
install: $(STAMP)

system-packages:
	@bash tools/system-packages.sh

# The mission's study at --jobs 2 (two worker processes: the measured wall time in the README is for 2 cores).
JOBS ?= 2
study: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios --jobs $(JOBS)

# Two pytest workers (one per core of a CI machine); --dist loadgroup keeps the tests of one shared fixture on one
# worker (tests/conftest.py), so the smoke study is built once. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: system-packages $(STAMP)
	$(PY) -m pytest -q --durations=20 -n $(TEST_WORKERS) --dist loadgroup

# Every test that trains nothing heavier than a few steps and spawns no cluster: under 2 minutes on 2 cores.
# It installs no system package: a test that reads the PDFs skips, saying so, where poppler is missing.
test-fast: $(STAMP)
	CGAN_STUDY_SYSTEM_TOOLS=optional $(PY) -m pytest -q -m "not slow" --timeout 120 --durations=10

smoke: $(STAMP)
	$(PY) -m experiments.sweep mix_ratios --profile smoke

# AUTHORS="Name (ID); Name (ID)" names the paper's authors for this build (else paper/authors.tex's placeholder).
report: system-packages $(STAMP)
	CGAN_STUDY_AUTHORS="$(AUTHORS)" $(PY) -m experiments.report

# Every number of the paper: each sweep the report reads, in dependency order (resumable), then the report.
# `make reproduce-plan` prints the plan with each sweep's estimate and the total, and runs nothing.
reproduce: system-packages $(STAMP)
	$(PY) -m experiments.reproduce --jobs $(JOBS)

reproduce-plan: $(STAMP)
	$(PY) -m experiments.reproduce --dry-run --jobs $(JOBS)

bench: $(STAMP)
	$(PY) -m experiments.bench gan --quick
