# make run  — install (runtime lock), migrate, load the demo, start web + worker + beat (Ctrl-C stops all)
# make stop — stop what `make run` left running (the redis-server it started)
# make test — install (dev lock), ruff and the import contracts, then the whole suite on parallel workers
#             (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL)
# make lock — after editing requirements.txt or requirements-dev.txt: re-pin both lock files
#
# Dependencies: requirements.txt (runtime) and requirements-dev.txt (tests, tooling) list the
# top-level pins; requirements.lock and requirements-dev.lock pin every package with its hashes
# and are what gets installed (`pip install --require-hashes`). Never edit a .lock by hand.
PY := .venv/bin/python
PIP := .venv/bin/pip
RUNTIME_STAMP := .venv/.runtime-installed
DEV_STAMP := .venv/.dev-installed
PIP_TOOLS := pip-tools==7.6.2
PIP_COMPILE := .venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
# Parallel test processes (pytest-xdist); PYTEST_WORKERS=0 runs in one process. Work
# stealing: an idle process takes queued tests from a busy one, so the run does not end
# waiting on one process's last long tests (about a minute less here than the default).
PYTEST_WORKERS ?= 3
PYTEST_ARGS ?=

.PHONY: run stop test test-deps lint venv venv-dev check-lock lock redis migrate seed bench audit clean

$(PY):
	python3 -m venv .venv

# A requirement added to a .txt but not re-locked stops here, with the fix (`make lock`).
check-lock:
	@python3 bin/check-lock

$(RUNTIME_STAMP): requirements.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements.lock
	touch $@

$(DEV_STAMP): requirements-dev.lock | $(PY)
	$(PIP) install --quiet --require-hashes -r requirements-dev.lock
	touch $@ $(RUNTIME_STAMP)

venv: check-lock
	@$(MAKE) --no-print-directory $(RUNTIME_STAMP)

venv-dev: check-lock
	@$(MAKE) --no-print-directory $(DEV_STAMP)

lock: | $(PY)
	@test -x .venv/bin/pip-compile || $(PIP) install --quiet $(PIP_TOOLS)
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	@# requirements-dev.txt is constrained by requirements.lock: shared packages pin alike.
	$(PIP_COMPILE) --output-file requirements-dev.lock requirements-dev.txt
	@python3 bin/check-lock

redis:
	@bin/ensure-redis

migrate: venv
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Development profile (DEBUG, throwaway key, demo data) for `make run` and what it runs;
# anything else (manage.py, gunicorn, celery) defaults to config.settings.production.
run seed: export DJANGO_SETTINGS_MODULE := config.settings.local

run: venv redis seed
	@mkdir -p var
	@echo ""
	@echo "corekit is starting:"
	@echo "  web app and links   http://127.0.0.1:8000/"
	@echo "  sales admin         http://127.0.0.1:8000/admin/   (sales / corekit-sales-2026; operator admin / corekit-admin-2026)"
	@echo "  partner API docs    http://127.0.0.1:8000/api/v1/docs/"
	@echo "  buyers              aurora.buyer / corekit-demo-2026, nordwerk.buyer / corekit-demo-2026"
	@echo "  partner             voltline.partner / corekit-demo-2026 (API key printed above)"
	@echo "  stop                Ctrl-C stops web, worker and beat; then \`make stop\` stops Redis"
	@echo ""
	.venv/bin/honcho start

stop:
	@bin/stop-redis

# ruff, then the import contracts in pyproject.toml (layers, pure domain packages).
lint: venv-dev
	.venv/bin/ruff check .
	.venv/bin/lint-imports --cache-dir var/import-linter-cache

test-deps:
	@bin/ensure-test-deps

test: venv-dev test-deps lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -o cache_dir=var/pytest-cache $(PYTEST_ARGS)

audit: venv-dev
	.venv/bin/pip install --quiet bandit==1.9.4 pip-audit==2.10.1
	.venv/bin/bandit -q -r config core parts configurator orders -x "*/migrations/*" --severity-level high
	.venv/bin/pip-audit --require-hashes -r requirements.lock || echo "pip-audit needs the PyPI advisory service"

bench: venv-dev
	$(PY) -m bench.run

clean:
	rm -rf var test-artifacts db.sqlite3 .pytest_cache .hypothesis
