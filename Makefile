# huying — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SEED   ?= 1
# The suite runs in this many processes (pytest-xdist; a test file stays in one process, its
# fixtures built once). Two on the 2-core CI machine: about a third less time than one.
TEST_WORKERS ?= 2

.PHONY: demo test install lint bench serve clean

# uv installs the same pinned packages in about 10 s where pip takes about a minute
# (measured on the 2-core machine); pip is the fallback when uv cannot be had.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	($(BIN)/pip install -q uv && $(BIN)/uv pip install -q --python $(BIN)/python -e '.[dev]') \
	  || $(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Build the demo city into var/huying.db (SQLite) and serve it on 127.0.0.1:8000: a year
## that ends now, its last three weeks through the service and the rest as history (about a
## minute on 2 cores, docs/performance.md Q1). Bytecode caches are written (the first command
## compiles what the next two import) even where PYTHONDONTWRITEBYTECODE is set.
demo: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/huying db upgrade
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/huying demo build --seed $(SEED) --reset
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/huying serve

## Run the whole suite (SQLite and PostgreSQL; browser tests in Debian's Chromium; in
## $(TEST_WORKERS) processes, writing bytecode caches that the many subprocesses reuse), after
## pip-audit of the pinned dependencies (at most 50 s; skipped with a line saying why when the
## vulnerability service cannot be asked; audit-ignore.txt lists accepted ids with reasons).
test: lint
	bash scripts/ensure-test-tools.sh
	$(BIN)/python scripts/audit_deps.py
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## ruff, mypy (no error allowed) and the layers of pyproject.toml's import-linter contracts.
lint: $(STAMP)
	$(BIN)/ruff check huying tests bench
	$(BIN)/mypy huying
	$(BIN)/lint-imports

## Every benchmark at full size (about 37 minutes, the 10-minute soak included), then the
## table; fails if a goal is missed.
bench: $(STAMP)
	@status=0; for b in intake_http intake_cpu report_page locate figures import sweep triage memory per_case gc_pause linking deploy address pages coverage reports soak; do \
	  $(BIN)/python bench/$$b.py || status=1; done; $(BIN)/python bench/_table.py; exit $$status

clean:
	rm -rf $(VENV) var
