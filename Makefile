# The two commands a newcomer runs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
SCALE ?= 10000,100000
ENGINE_SCALE ?= 2000,100000

export REVOPS_LANDING ?= data/landing
export REVOPS_WAREHOUSE ?= warehouse/revops.duckdb
export DBT_PROFILES_DIR ?= $(CURDIR)
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: install demo test lint format clean bench bench-engines dev generate lock screenshot reliability portability

install: $(STAMP) ## Create .venv with the locked dependencies (idempotent)

$(STAMP): pyproject.toml requirements.lock requirements-duckdb1.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.lock
	@$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@# A DuckDB 1.x client beside the venv: tests prove BI drivers that embed
	@# 1.x can open the serving database.
	@$(BIN)/uv pip install --quiet --compile-bytecode --target $(VENV)/duckdb1 -r requirements-duckdb1.lock
	@touch $(STAMP)
	@echo "installed into $(VENV)"

demo: $(STAMP) ## Generate the sample company if missing, run the pipeline, print KPIs
	@$(BIN)/revops demo

test: $(STAMP) ## Run the whole test suite
	@mkdir -p $(DAGSTER_HOME)
	@$(BIN)/pytest

portability: $(STAMP) ## The same company on DuckDB, Postgres and Spark, with the whole pipeline on Spark too (minutes)
	@mkdir -p $(DAGSTER_HOME)
	@$(BIN)/pytest tests/portability -m "engines_long or not engines_long"

# The SIGTERM campaign runs in a second pytest process beside the rest (each campaign
# is mostly one busy process). Either variable may be emptied to run only the other
# (`make reliability RELIABILITY_TESTS= ` runs the SIGTERM campaign alone); RELIABILITY.md
# keeps the rows of the tests a run leaves out.
RELIABILITY_TESTS ?= tests/reliability
SIGTERM_CAMPAIGN ?= tests/reliability/test_crash.py::test_a_campaign_of_stopped_runs[SIGTERM-20-5]
RELIABILITY_PYTEST = $(BIN)/pytest -p no:cacheprovider -m "reliability_long or not reliability_long"

reliability: $(STAMP) ## Crash, load, hostile-file and personal-data campaigns (hours); writes RELIABILITY.md
	@mkdir -p $(DAGSTER_HOME)
	@results=$$(mktemp -d /tmp/revops-reliability.XXXXXX); \
	export REVOPS_RELIABILITY_RESULTS=$$results; status=0; sigterm=; \
	$(BIN)/python -m tests.reliability.results; \
	if [ -n "$(SIGTERM_CAMPAIGN)" ]; then \
		echo "$(SIGTERM_CAMPAIGN) runs beside; its output: $$results/sigterm.log; the campaigns' progress: $$results/*.progress"; \
		$(RELIABILITY_PYTEST) "$(SIGTERM_CAMPAIGN)" --basetemp=$$results/tmp-sigterm \
			--junitxml=$$results/junit-sigterm.xml > $$results/sigterm.log 2>&1 & \
		sigterm=$$!; \
	fi; \
	if [ -n "$(strip $(RELIABILITY_TESTS))" ]; then \
		$(RELIABILITY_PYTEST) $(RELIABILITY_TESTS) \
			$(if $(SIGTERM_CAMPAIGN),--deselect "$(SIGTERM_CAMPAIGN)") \
			--basetemp=$$results/tmp-rest --junitxml=$$results/junit-rest.xml || status=1; \
	fi; \
	if [ -n "$$sigterm" ]; then \
		wait $$sigterm || { status=1; cat $$results/sigterm.log; }; \
		tail -n 3 $$results/sigterm.log; \
	fi; \
	$(BIN)/python -m tests.reliability.render $$results RELIABILITY.md; \
	rm -rf $$results; exit $$status

lint: $(STAMP) ## ruff for Python, sqlfluff for SQL, generated files up to date
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/sqlfluff lint dbt_project --processes 2
	@$(BIN)/revops contract-sync --check

format: $(STAMP)
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .
	@$(BIN)/sqlfluff fix dbt_project --processes 2

dev: $(STAMP) ## Dagster UI with the asset graph
	@mkdir -p $(DAGSTER_HOME)
	@$(BIN)/dagster dev

generate: $(STAMP) ## Rewrite the files generated from the contract registry (foundation/contract/)
	@$(BIN)/revops contract-sync

lock: ## Re-resolve requirements.lock from pyproject.toml (needs the registry)
	@$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements.lock

screenshot: demo ## The report's screenshot in the README (docs/img/report.png)
	@$(BIN)/python -m tests.browser.screenshot warehouse/report/index.html docs/img/report.png

bench: $(STAMP) ## Benchmark suite: make bench SCALE=10000,100000,1000000
	@$(BIN)/python -m bench --scales $(SCALE)

bench-engines: $(STAMP) ## dbt build on DuckDB, Postgres and Spark side by side: make bench-engines ENGINE_SCALE=2000,100000
	@$(BIN)/python -m bench --engines --scales $(ENGINE_SCALE)

clean: ## Remove generated data, warehouses, build outputs and the venv
	rm -rf $(VENV) data warehouse target logs dbt_packages .dagster_home .pytest_cache .ruff_cache bench/work
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
