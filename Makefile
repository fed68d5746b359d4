# make run  — install, migrate, load the demo, start web + worker + beat (Ctrl-C stops all)
# make test — the whole suite (SQLite by default; DATABASE_URL=postgres://... for PostgreSQL)
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.requirements-installed

.PHONY: run test lint venv redis migrate seed bench audit clean

$(PY):
	python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP)

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
	@echo ""
	.venv/bin/honcho start

lint: venv
	.venv/bin/ruff check .

test: venv lint
	$(PY) -m pytest

audit: venv
	.venv/bin/pip install --quiet bandit==1.9.4 pip-audit==2.10.1
	.venv/bin/bandit -q -r config core parts configurator orders -x "*/migrations/*" --severity-level high
	.venv/bin/pip-audit -r requirements.txt || echo "pip-audit needs the PyPI advisory service"

bench: venv
	$(PY) -m bench.run

clean:
	rm -rf var db.sqlite3 .pytest_cache
