# The README's two commands are `make up` and `make test`; everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := var/tools
# A uv already on PATH is used as is; otherwise one is installed under var/tools.
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
RUN := $(UV) run --frozen --all-packages

.PHONY: help up test lint format asyncapi benchmark install

help:
	@echo "make up        install everything and run the whole platform (Ctrl-C stops it)"
	@echo "make test      run the whole test suite (lint, unit, integration, end-to-end)"
	@echo "make lint      ruff and mypy"
	@echo "make format    ruff format and autofix"
	@echo "make asyncapi  regenerate deploy/asyncapi.yaml and deploy/schemas/ from the models"
	@echo "make benchmark print throughput and latency figures (no pass/fail)"

$(TOOLS)/bin/uv:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --frozen --all-packages

up: install
	$(RUN) tzsb-up

test: install lint
	$(RUN) pytest

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

asyncapi: install
	$(RUN) python -m tzsb_common.asyncapi

benchmark: install
	$(RUN) python benchmarks/registry_and_outbox.py
	$(RUN) python benchmarks/consumer_apply.py
