# Passerelle — developer entry points. `make run` and `make test` are the contract (README).
PYTHON ?= python3
PORT ?= 8000
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# Test-only values; production reads real secrets from the environment (see README).
TEST_ENV := SECRET_KEY=$${SECRET_KEY:-test-only-insecure-secret-key-0123456789abcdef} \
	NIR_HASH_KEY=$${NIR_HASH_KEY:-test-only-nir-key} SECURE_SSL_REDIRECT=false

.PHONY: install run test quality lint format migrations-check layers pytest bench-matching clean

$(STAMP): pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	npm ci --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p "$${PASSERELLE_VAR_DIR:-var}"
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py load_demo
	DEBUG=true $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: $(STAMP)
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

layers: $(STAMP)
	$(BIN)/lint-imports

deploy-check: $(STAMP)
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" NIR_HASH_KEY=deploy-check \
	  ALLOWED_HOSTS=passerelle.example.org $(PY) manage.py check --deploy --fail-level WARNING

quality: lint migrations-check layers deploy-check

pytest: $(STAMP)
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

test: quality pytest

bench-matching: $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) bench/matching/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
