# The two commands of the README:
#   make report   -- reproduce the papers' headline results into report/ (report.md + figures)
#   make test     -- run the test suite
# Both create a local virtual environment in .venv on first use (needs only python3 >= 3.11 and pip).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: report test venv clean

report: $(STAMP)
	$(BIN)/python experiments/make_report.py --out report

# --dist loadfile: a test file runs on one worker, so its module-level jitted functions and module-scoped fixtures
# compile once, not once per worker (tests/jaxgen/test_scenario_ardu.py + test_fast_solvers.py: 109 s -> 67 s)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=15 tests

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[all,test,lint]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) report

.PHONY: bench bench-reduced
# full suite (tens of minutes on 2 CPU cores); results under report/benchmarks (benchmarks.md, benchmarks.json)
bench: $(STAMP)
	$(BIN)/python experiments/run_benchmarks.py --out report/benchmarks
# reduced suite (smaller N everywhere; < 10 minutes on 2 idle CPU cores, compiles included)
bench-reduced: $(STAMP)
	$(BIN)/python experiments/run_benchmarks.py --reduced --out report/benchmarks-reduced

.PHONY: lint test-float32 ci
# ruff (lint + format check) and pyright, as CI runs them
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright
# the float32 tests: a separate pytest run with jax_enable_x64 off (tests/float32/conftest.py)
test-float32: $(STAMP)
	JAXGEN_TEST_FLOAT32=1 $(BIN)/python -m pytest -q tests/float32
# everything CI runs (.ci/run): install, lint, float32, core-only install and report smoke tests, make test
ci:
	.ci/run
