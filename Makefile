# Two commands for a newcomer: `make demo` (set up + app on the sample corpus), `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
INDEX ?= .index
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export GRADIO_ANALYTICS_ENABLED = False

.PHONY: install test test-fast demo bench eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The CPU build of torch goes in first; a plain `torch` requirement would pull CUDA wheels.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

install: $(VENV)/.installed

test: install
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not browser"

demo: install
	$(BIN)/scrutiny ingest data/corpus --index $(INDEX)
	$(BIN)/scrutiny serve --index $(INDEX)

eval: install
	$(BIN)/scrutiny ingest data/corpus --index $(INDEX) --quiet
	$(BIN)/scrutiny eval --index $(INDEX) --check
	@echo "Held-out set (written after the answerer; README says what was learnt from it; no thresholds):"
	$(BIN)/scrutiny eval --index $(INDEX) --cases eval/holdout.jsonl

bench: install
	$(BIN)/python -m scrutiny.eval.bench

clean:
	rm -rf $(VENV) $(INDEX) .bench build dist *.egg-info
