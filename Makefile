# `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export FRONTDOOR_DATABASE_URL ?= sqlite:///./frontdoor.db

.PHONY: install compiled-sources lock system-packages browser run chat test lint typecheck pytest clean

# Installs exactly what uv.lock names (versions and hashes), with uv at the version the lock itself pins.
# Bytecode is compiled at install: where nothing may write it later (PYTHONDONTWRITEBYTECODE, a read-only
# venv) every process start would compile every library it imports again, about 3 s of CPU a process.
UV_VERSION := $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"/\1/p;}' uv.lock)
UV_ENV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV)

$(STAMP): pyproject.toml uv.lock
	$(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_ENV) $(BIN)/uv sync --quiet --locked --compile-bytecode --extra dev --python $(BIN)/python
	touch $(STAMP)

install: $(STAMP)

# The project's own modules compiled as well: the venv holds the project as an editable install, which uv does not
# compile, and where nothing writes bytecode on import every test worker and every process a test starts compiled
# them again (0.3 s of CPU a process). A module edited since is compiled from its source as before.
compiled-sources: install
	$(BIN)/python -m compileall -q bot nlu handlers storage bench tests

# Re-resolve the dependencies in pyproject.toml to the newest versions that fit and write them to uv.lock.
lock: install
	$(UV_ENV) $(BIN)/uv lock --upgrade

# Debian packages the tests use, apt-installed when their file is missing: Chromium and a CJK font for
# the browser tests (Playwright downloads no browser); nginx and openssl for the deployment tests, which
# run nginx with their own config on free ports (Debian may start its packaged nginx on port 80 too,
# unless the port is taken or policy-rc.d forbids it: either way nothing here uses it); pg_dump,
# pg_restore and psql for the backup tests; systemd-analyze to verify the shipped units.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/share/fonts/truetype/wqy/wqy-microhei.ttc:fonts-wqy-microhei \
	/usr/sbin/nginx:nginx /usr/bin/openssl:openssl /usr/bin/pg_dump:postgresql-client \
	/usr/bin/systemd-analyze:systemd
system-packages:
	@missing="$$(for pair in $(SYSTEM_PACKAGES); do test -e "$${pair%%:*}" || echo "$${pair#*:}"; done)"; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; fi

browser: system-packages

# The demo profile's policy index (passages, terms and sentence embeddings): built once, then re-built only
# when a guide or the terms change, embedding only the passages that did (the server checks the same at start).
POLICY_INDEX := models/policy-index.pkl
$(POLICY_INDEX): $(wildcard profiles/demo/policies/*.md) profiles/demo/policy_terms.yaml $(STAMP)
	$(BIN)/frontdoor faq index profiles/demo/policies --profile profiles/demo --out $@

run: install compiled-sources $(POLICY_INDEX)
	$(BIN)/frontdoor db upgrade
	$(BIN)/frontdoor profile load
	$(BIN)/frontdoor serve

chat: install compiled-sources
	$(BIN)/frontdoor db upgrade
	$(BIN)/frontdoor profile load
	$(BIN)/frontdoor chat

test: install lint typecheck pytest

lint:
	$(BIN)/ruff check .

typecheck:
	$(BIN)/mypy

# Tests spread over PYTEST_WORKERS processes (pytest-xdist): many of them wait on servers, fakes and the browser
# more than they compute, so more workers than cores still shortens the run. A test module stays on one worker;
# the longest modules go first (tests/file_seconds.json, in place of xdist's order by number of tests).
PYTEST_WORKERS ?= 4
PYTEST_ARGS ?=
pytest: system-packages $(POLICY_INDEX) compiled-sources
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15 $(PYTEST_ARGS)

# Measures how long each test module takes again, for the order above (after modules were added or changed much).
.PHONY: test-file-seconds
test-file-seconds: install
	FRONTDOOR_TEST_FILE_SECONDS_OUT=$(CURDIR)/tests/file_seconds.json $(MAKE) --no-print-directory pytest

# The suite with the date 400 days ahead in every Python process of the run (tests/future/sitecustomize.py):
# no test may depend on today's date.
DAYS_AHEAD ?= 400
.PHONY: test-future
test-future: install
	PYTHONPATH=$(CURDIR)/tests/future TESTS_DAYS_AHEAD=$(DAYS_AHEAD) $(MAKE) --no-print-directory pytest

# Property-based fuzzing of the input readers (NLU, entities, WeChat XML, Telegram updates) at full size;
# `make test` runs the same properties with 200 examples each.
.PHONY: fuzz
fuzz: install
	FRONTDOOR_FUZZ_EXAMPLES=10000 $(BIN)/pytest tests/fuzz -q

clean:
	rm -rf $(VENV) frontdoor.db frontdoor.db-* models .mypy_cache .pytest_cache .ruff_cache

# --- Rasa 3.6 as a separate NLU server (its pins never fit our environment; see README "Rasa backend")
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null)
PYTHON310 ?= $(firstword $(wildcard $(PYENV_ROOT_DIR)/versions/3.10*/bin/python3.10) $(shell command -v python3.10))
RASA_VENV := .venv-rasa
RASA_BIN := $(RASA_VENV)/bin
RASA_STAMP := $(RASA_VENV)/.installed-stamp
RASA_EPOCHS ?= 100
RASA_TEST_EPOCHS ?= 20
RASA_DIR ?= build/rasa
RASA_TEST_DIR := build/rasa-test
RASA_PORT := 5005
RASA_URL := http://127.0.0.1:$(RASA_PORT)
RASA_ENV := RASA_TELEMETRY_ENABLED=false

.PHONY: rasa-venv rasa-train rasa test-rasa bench-nlu

$(RASA_STAMP):
	@test -n "$(PYTHON310)" || { echo "rasa-venv: Rasa 3.6 needs Python 3.10 and none was found:" \
		"install one with 'pyenv install 3.10' or put python3.10 on PATH (or make PYTHON310=/path/to/python3.10)" >&2; exit 1; }
	$(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_BIN)/python -m pip install --quiet rasa==3.6.21 jieba==0.42.1
	touch $(RASA_STAMP)

rasa-venv: $(RASA_STAMP)

rasa-train: install rasa-venv
	$(BIN)/frontdoor nlu export-rasa $(RASA_DIR) --epochs $(RASA_EPOCHS)
	cd $(RASA_DIR) && $(RASA_ENV) $(CURDIR)/$(RASA_BIN)/rasa train nlu --config config.yml --domain domain.yml \
		--nlu data/nlu.yml --out models --fixed-model-name frontdoor

rasa: rasa-train
	$(RASA_ENV) $(RASA_BIN)/rasa run --enable-api -i 127.0.0.1 -p $(RASA_PORT) -m $(RASA_DIR)/models/frontdoor.tar.gz

# A small model (few epochs) in its own folder, a server in the background, the `rasa` tests, the server stopped.
test-rasa: install rasa-venv
	$(MAKE) --no-print-directory rasa-train RASA_DIR=$(RASA_TEST_DIR) RASA_EPOCHS=$(RASA_TEST_EPOCHS)
	@if curl -s -o /dev/null $(RASA_URL)/; then echo "test-rasa: port $(RASA_PORT) is already in use" >&2; exit 1; fi
	@set -e; \
	$(RASA_ENV) $(RASA_BIN)/rasa run --enable-api -i 127.0.0.1 -p $(RASA_PORT) \
		-m $(RASA_TEST_DIR)/models/frontdoor.tar.gz > $(RASA_TEST_DIR)/server.log 2>&1 & server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server 2>/dev/null || true' EXIT INT TERM; \
	echo "waiting for Rasa on $(RASA_URL) (log: $(RASA_TEST_DIR)/server.log)"; \
	for i in $$(seq 1 180); do \
		if curl -sf $(RASA_URL)/status >/dev/null; then break; fi; \
		if ! kill -0 $$server 2>/dev/null; then echo "Rasa exited:" >&2; tail -n 30 $(RASA_TEST_DIR)/server.log >&2; exit 1; fi; \
		sleep 1; \
	done; \
	curl -sf $(RASA_URL)/status >/dev/null || { echo "Rasa not ready after 180 s" >&2; exit 1; }; \
	FRONTDOOR_RASA_URL=$(RASA_URL) $(BIN)/pytest -m rasa

bench-nlu: install rasa-venv
	$(BIN)/python -m bench.nlu_bench --rasa-bin $(RASA_BIN)/rasa --rasa-epochs $(RASA_EPOCHS)

.PHONY: bench-telegram
bench-telegram: install
	$(BIN)/python -m bench.telegram_bench --chats 100 --per-chat 10

# Needs PostgreSQL at 127.0.0.1:5432 (user postgres; or FRONTDOOR_BENCH_POSTGRES_URL): about ten minutes.
.PHONY: bench-broadcast
bench-broadcast: install
	$(BIN)/python -m bench.broadcast

.PHONY: bench-faq
bench-faq: install
	$(BIN)/python -m bench.faq_bench

# Whole conversations (bench/conversations): task success, false emergencies, category accuracy on the held-out
# set and the development set, with keyword-count categories beside (about two minutes).
.PHONY: bench-conversations
bench-conversations: install
	$(BIN)/python -m bench.conversations_bench

# Need PostgreSQL at 127.0.0.1:5432 (user postgres; or FRONTDOOR_BENCH_POSTGRES_URL). The load ramp takes a few
# minutes; the soak 30 (SOAK_MINUTES); the fault script stops and starts the local cluster (pg_ctlcluster).
SOAK_MINUTES ?= 30
.PHONY: bench-load bench-pipeline bench-soak fault-postgres
bench-load: install
	$(BIN)/python -m bench.load

# The pipeline alone, in-process: CPU ms and SQL statements a message (about two minutes).
bench-pipeline: install
	$(BIN)/python -m bench.load.pipeline

bench-soak: install
	$(BIN)/python -m bench.load --soak-minutes $(SOAK_MINUTES)

fault-postgres: install
	$(BIN)/python -m bench.faults.postgres_restart

# Fault scripts (issue 10): each breaks one part mid-run, reports what was lost in build/bench/fault-<name>.json
# and fails unless nothing was. Need PostgreSQL at 127.0.0.1:5432 (user postgres; or FRONTDOOR_BENCH_POSTGRES_URL).
# fault-rasa trains a small Rasa model once (retrained when the NLU data changes) and serves it on RASA_FAULT_PORT.
RASA_FAULT_DIR := build/rasa-fault
RASA_FAULT_EPOCHS ?= 10
RASA_FAULT_PORT ?= 20505
RASA_FAULT_MODEL := $(RASA_FAULT_DIR)/models/frontdoor.tar.gz
.PHONY: fault-rasa fault-telegram fault-worker fault-restart faults

$(RASA_FAULT_MODEL): nlu/data/nlu.yml | rasa-venv
	$(MAKE) --no-print-directory rasa-train RASA_DIR=$(RASA_FAULT_DIR) RASA_EPOCHS=$(RASA_FAULT_EPOCHS)

fault-rasa: install rasa-venv $(RASA_FAULT_MODEL)
	$(BIN)/python -m bench.faults.rasa_killed --rasa-bin $(RASA_BIN)/rasa --model $(RASA_FAULT_MODEL) \
		--rasa-port $(RASA_FAULT_PORT)

fault-telegram: install
	$(BIN)/python -m bench.faults.telegram_outage

fault-worker: install
	$(BIN)/python -m bench.faults.worker_kill

# The bench database refuses connections for 30 s under WeChat load; every server process is killed (SIGKILL)
# and restarted in the middle of it (issue 21): 0 lost, 0 duplicated.
fault-restart: install
	$(BIN)/python -m bench.faults.server_restart

# One after another (they share the PostgreSQL server, which fault-postgres restarts); all run, any failure fails.
faults:
	@status=0; for target in fault-rasa fault-telegram fault-worker fault-restart fault-postgres; do \
		$(MAKE) --no-print-directory $$target || status=1; \
	done; exit $$status

# Every benchmark and fault script, one after another (about two hours, most of it Rasa's DIET training in
# bench-nlu and the 30-minute soak); figures in build/, collected in BENCHMARKS.md. The soak takes its rate
# from the load ramp before it.
.PHONY: bench
bench: bench-nlu bench-faq bench-conversations bench-telegram bench-broadcast bench-load bench-pipeline bench-soak fault-rasa fault-telegram fault-worker fault-restart fault-postgres
