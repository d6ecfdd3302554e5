"""The findings precision/recall script: counts on the bundled corpus, and the labelled development set."""

from __future__ import annotations

import json

import pytest

from scrutiny.eval.findings_eval import DEFAULT_LABELS, evaluate, main
from tests.conftest import CORPUS
from tests.test_corpus_dev import FILES

BOARD_PAPER = "cambridgeshire-constabulary-board-paper-rocu-inspection-2021.pdf"


def test_precision_and_recall_count_matches_misses_and_unlabelled_findings(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"file": BOARD_PAPER, "findings": [
        {"kind": "recommendation", "text": "the Home Office should consider what changes to legislation can be made"},
        {"kind": "cause_of_concern", "text": "the complexity and short-term nature of ROCU funding"},
        {"kind": "area_for_improvement", "text": "HMICFRS inspected seven ROCUs"},  # on the page, never a finding
    ]}) + "\n", encoding="utf-8")
    report = evaluate(labels, CORPUS)
    assert report["labels"] == 3 and report["extracted"] == 7  # six recommendations and the cause of concern
    assert report["recall"] == round(2 / 3, 3) and report["precision"] == round(2 / 7, 3)
    assert report["per_kind"]["area_for_improvement"]["recall"] == 0.0


def test_a_label_that_is_not_verbatim_stops_the_script(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"file": BOARD_PAPER, "findings": [
        {"kind": "recommendation", "text": "words no page of the paper holds"}]}) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not verbatim"):
        evaluate(labels, CORPUS)
    assert main(["--files", str(tmp_path / "none")]) == 2


@pytest.mark.skipif(not FILES.is_dir(), reason="no development corpus")
def test_development_labels_cover_ten_documents_and_are_verbatim():
    records = [json.loads(line) for line in DEFAULT_LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(records) >= 10 and sum(1 for r in records if r["findings"]) >= 3
    report = evaluate(DEFAULT_LABELS, FILES)  # raises if a label is not on its document
    assert report["documents"] == len(records)
