# byokey — the two commands that matter: `make serve` and `make test`.
# uv is installed with pip when missing; it never downloads a Python (the machine's 3.11 is used).

SHELL := /bin/bash
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON_PREFERENCE := only-system
# Installed packages get their bytecode at install time and the workspace's own sources
# right after, so no start (of `serve`, of `--help`) compiles them first — and none
# depends on PYTHONDONTWRITEBYTECODE being unset.
export UV_COMPILE_BYTECODE := 1

PACKAGES := types config store auth translate provider proxy daemon
# `make serve` passes --host/--port only when set, so a settings file's host/port apply;
# without one the server's defaults are 127.0.0.1:8018. SERVE_ARGS adds more (-c FILE, --db …).
HOST ?=
PORT ?=
SERVE_ARGS ?=
PYTEST_ARGS ?=

.PHONY: setup test lint fmt build serve bench bench-compare bench-translate clean

setup:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --all-packages --frozen
	@$(UV) run --frozen python -m compileall -q packages/*/src apps/*/src bench >/dev/null

test: setup
	$(UV) run --frozen pytest $(PYTEST_ARGS)

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	@set -e; for p in $(PACKAGES); do \
		echo "mypy --strict packages/byokey-$$p"; \
		$(UV) run --frozen mypy --strict packages/byokey-$$p/src; \
	done
	$(UV) run --frozen mypy --strict apps/byokey-cli/src
	$(UV) run --frozen lint-imports

fmt: setup
	$(UV) run --frozen ruff format .
	$(UV) run --frozen ruff check --fix .

build: setup
	rm -rf dist
	$(UV) build --all-packages --wheel --out-dir dist
	@ls dist/*.whl

serve: setup
	$(UV) run --frozen byokey serve $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT)) $(SERVE_ARGS)

# The issue-9 scenarios, direct and through byokey; writes docs/performance.md and bench/results.json.
# BENCH_ARGS="--soak 60 --duration 4" for a shorter run; `python -m bench.run --help` lists the knobs.
bench: setup
	$(UV) run --frozen python -m bench.run $(BENCH_ARGS)

# The same, with LiteLLM's proxy side by side (installed into a throwaway venv, not the workspace).
LITELLM_VENV ?= /tmp/bench-litellm
bench-compare: setup
	@test -x $(LITELLM_VENV)/bin/litellm || { $(UV) venv -q $(LITELLM_VENV) --python python3.11 && \
		LITELLM_LOCAL_MODEL_COST_MAP=True $(UV) pip install -q --python $(LITELLM_VENV)/bin/python 'litellm[proxy]'; }
	$(UV) run --frozen python -m bench.run --litellm $(LITELLM_VENV)/bin/litellm $(BENCH_ARGS)

bench-translate: setup
	$(UV) run --frozen python bench/translate_bench.py $(BENCH_ARGS)

clean:
	rm -rf dist .pytest_cache .mypy_cache .ruff_cache .hypothesis
