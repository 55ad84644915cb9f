# The README's two commands are `make up` and `make test`; everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := var/tools
# A uv already on PATH is used as is; otherwise one is installed under var/tools.
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
RUN := $(UV) run --frozen --all-packages

.PHONY: help up test lint format asyncapi bench install demo promtool report-tools

help:
	@echo "make up        install everything and run the whole platform (Ctrl-C stops it)"
	@echo "make test      run the whole test suite (lint, unit, integration, end-to-end)"
	@echo "make lint      ruff and mypy"
	@echo "make format    ruff format and autofix"
	@echo "make asyncapi  regenerate deploy/asyncapi.yaml and deploy/schemas/ from the models"
	@echo "make bench     every hot path beside a bare reference, as a ratio (no pass/fail)"
	@echo "make demo      load demo data modelled on the Lanzhou 2020 report into the running platform"

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen --all-packages

up: install report-tools
	$(RUN) tzsb-up

test: install lint promtool report-tools
	$(RUN) pytest

# promtool checks the Grafana dashboards' PromQL (Debian's prometheus package ships it).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus; }

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

asyncapi: install
	$(RUN) python -m tzsb_common.asyncapi

# Against the platform `make up` runs (same settings: ports, STATE_DIR); DEMO_ARGS="--scale 10".
demo: install
	$(RUN) tzsb-demo $(DEMO_ARGS)

# wrk is the load generator: C, one thread per core, far from being the bottleneck here.
bench: install
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(RUN) python benchmarks/bench.py

# The annual report's PDF needs CJK fonts (WeasyPrint and matplotlib find them through
# fontconfig) and HarfBuzz's subsetter (WeasyPrint embeds only the glyphs used; without it
# it falls back to a much slower subsetter); its test turns pages into images with pdftoppm.
# Debian packages, installed here when missing so a clean machine and CI get them with
# `make test`.
report-tools:
	@if fc-list :lang=zh 2>/dev/null | grep -qi 'Noto Sans CJK' && command -v pdftoppm >/dev/null \
		&& ldconfig -p | grep -q libharfbuzz-subset; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -qq \
		&& apt-get install -y -qq fonts-noto-cjk poppler-utils libharfbuzz-subset0; \
	else echo "note: install fonts-noto-cjk poppler-utils libharfbuzz-subset0 (apt-get, as root)" \
		"for the annual report's PDF; its page-image test is skipped without pdftoppm"; fi
