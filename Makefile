# `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FRONTDOOR_DATABASE_URL ?= sqlite:///./frontdoor.db

.PHONY: install run chat test lint typecheck pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/frontdoor db upgrade
	$(BIN)/frontdoor profile load
	$(BIN)/frontdoor serve

chat: install
	$(BIN)/frontdoor db upgrade
	$(BIN)/frontdoor profile load
	$(BIN)/frontdoor chat

test: install lint typecheck pytest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

clean:
	rm -rf $(VENV) frontdoor.db frontdoor.db-* models .mypy_cache .pytest_cache .ruff_cache
