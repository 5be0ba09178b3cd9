# Arrears: make install | demo | test | lint | bench
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: install fonts demo test test-fast lint format bench clean

$(BIN)/arrears: pyproject.toml uv.lock
	@if [ -z "$(UV)" ]; then python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv; fi
	@UV_BIN=$$(command -v uv || echo $$HOME/.local/bin/uv); $$UV_BIN sync --frozen --all-extras --all-groups --quiet --compile-bytecode
	@$(BIN)/python -m compileall -q -j 0 src/arrears >/dev/null  # the project itself (installed editable)
	@touch $(BIN)/arrears

# the bytecode is compiled at install (the packages and the project): with PYTHONDONTWRITEBYTECODE set,
# as on many servers, Python would otherwise compile every module it imports on every command
install: $(BIN)/arrears ## create .venv with the project installed (.venv/bin/arrears), bytecode compiled

demo: install fonts ## fresh embedded database, sample portfolio imported, the day run, sent and served
	$(BIN)/arrears demo

# the whole suite in TEST_WORKERS processes (pytest-xdist; 0: in this one), each module's tests in one
# process (its module- and class-wide fixtures built once); Python keeps the bytecode it compiles, so that
# the workers and the commands the tests start do not compile every module again
test: install fonts ## the whole suite; PostgreSQL tests run when a test database is reachable
	@export ARREARS_TEST_DATABASE_URL="$${ARREARS_TEST_DATABASE_URL:-$$(bash scripts/test-database-url)}"; \
	  if [ -z "$$ARREARS_TEST_DATABASE_URL" ]; then echo "note: no PostgreSQL test database: PostgreSQL tests are skipped"; fi; \
	  unset PYTHONDONTWRITEBYTECODE; \
	  $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

fonts: ## the letters' CJK font (Debian's fonts-noto-cjk), installed with apt-get as root when missing
	@if [ -z "$${ARREARS_LETTER_FONT_DIR:-}" ] && [ ! -f $(CJK_FONT) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "note: the letters need a CJK font: apt-get install fonts-noto-cjk (or set ARREARS_LETTER_FONT_DIR)"; fi; \
	fi

test-fast: install ## unit tests only
	$(BIN)/pytest -q tests/unit

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## the benchmark scripts (long)
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
