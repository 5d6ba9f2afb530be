# Everything runs through uv with the locked dependencies. If uv is missing, it is
# installed into .tools/ with Python 3.13 (see .python-version), nothing global.
PYTHON ?= python3.13
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
export UV_PYTHON_DOWNLOADS := never
MANAGE := $(UV) run --frozen python manage.py

.PHONY: help install run test lint format screenshots clean bench

help:
	@echo "make run    install, migrate, load demo data, serve http://127.0.0.1:8000"
	@echo "make test   install and run the test suite (SQLite, or DATABASE_URL)"
	@echo "make lint   ruff check, ruff format --check, import cycles, makemigrations --check"
	@echo "make format ruff format and fix"
	@echo "make screenshots  regenerate docs/screenshots (needs /usr/bin/chromium)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

install: $(if $(findstring .tools,$(UV)),.tools/bin/uv)
	$(UV) sync --frozen --quiet

run: export DJANGO_DEBUG ?= 1
run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) load_help_content
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:8000

test: install
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen python scripts/import_cycles.py
	DJANGO_DEBUG=1 $(MANAGE) makemigrations --check --dry-run

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

# Quick versions of the benchmarks (PostgreSQL and Redis on 127.0.0.1; bench/README.md).
# Each prints one PASS/FAIL line per goal of docs/performance.md and exits non-zero on a
# miss; every one runs, then bench/summary.py prints the table of every goal and exits
# non-zero if any was missed (or a script failed without saying which goal).
BENCH_LOG := $(or $(TMPDIR),/tmp)/portal-bench.log
define bench_run
	@echo "### $(1)" | tee -a $(BENCH_LOG)
	@{ $(UV) run --frozen python $(1) 2>&1; echo "### exit $$?"; } | tee -a $(BENCH_LOG)
endef

bench: install
	@: > $(BENCH_LOG)
	$(call bench_run,bench/api_activation.py --quick --server-cpus 0)
	$(call bench_run,bench/admin_queue.py --quick --skip-django)
	$(call bench_run,bench/customer_pages.py --quick)
	$(call bench_run,bench/login_flood.py --quick)
	$(call bench_run,bench/export_csv.py --rows 50000)
	$(call bench_run,bench/export_xlsx.py --rows 50000)
	$(call bench_run,bench/import_devices.py --rows 50000)
	@$(UV) run --frozen python bench/summary.py $(BENCH_LOG)

screenshots: install
	$(UV) run --frozen python scripts/screenshots.py

clean:
	rm -rf .venv .tools staticfiles
