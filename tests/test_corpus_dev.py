"""The development corpus (77 public documents kept outside the repository) as a regression test.

Its known answers (eval/corpus_dev.jsonl) are split by document: the development half, whose
failures may be read, and the held-out half, of which only metrics are read. Each half is held
to its own bounds (eval/thresholds_corpus_dev.toml); more questions about the development
documents (eval/corpus_dev_blind.jsonl), asked of those documents alone, to theirs. Document
kinds, dates and forces are
checked against eval/corpus_dev_labels.jsonl. Skipped, with the reason, where the corpus is not
beside the repository (set SCRUTINY_CORPUS_DEV to its folder).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from scrutiny.eval.runner import load_cases, run_eval, thresholds_failed
from scrutiny.ingest.classify import dates_in
from scrutiny.ingest.documents import load_document
from scrutiny.ingest.forces import resolve_force

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DEV = Path(os.environ.get("SCRUTINY_CORPUS_DEV", ROOT.parent / "shared" / "corpus-dev"))
FILES = CORPUS_DEV / "files"
CASES = ROOT / "eval" / "corpus_dev.jsonl"
LABELS = ROOT / "eval" / "corpus_dev_labels.jsonl"
THRESHOLDS = ROOT / "eval" / "thresholds_corpus_dev.toml"
BLIND = ROOT / "eval" / "corpus_dev_blind.jsonl"  # more questions, about the development documents only
BLIND_THRESHOLDS = ROOT / "eval" / "thresholds_corpus_dev_blind.toml"
# Reached on 2026-12-06; the targets are 0.95 for kind and 0.90 for date and forces.
KIND_MINIMUM = {"development": 0.90, "held-out": 0.78}  # 0.923 and 0.842
DATE_MINIMUM = {"development": 0.50, "held-out": 0.48}  # 0.564 and 0.526, to the label's precision
YEAR_MINIMUM = 0.90  # the date's year: 0.949 and 0.947
# Where the document states its labelled date (in its text or name, to the label's precision):
# most labels' months come from the source page's address, which the file does not carry.
STATED_DATE_MINIMUM = 0.90  # 1.0 (22 documents) and 1.0 (20)
FORCES_MINIMUM = 0.90

pytestmark = pytest.mark.skipif(not FILES.is_dir(), reason=f"no development corpus at {CORPUS_DEV}")


@pytest.fixture(scope="module")
def corpus_dev_service(tmp_path_factory):
    """The development corpus indexed once with the real packaged model."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    service = Scrutiny(Settings(index=tmp_path_factory.mktemp("corpus-dev") / "index"))
    report = service.ingest([FILES], show_progress=False)
    assert report.ok, report.failed
    return service


@pytest.mark.slow
@pytest.mark.parametrize("split", ["calibrate", "test"])
def test_corpus_dev_answers_hold_their_level(corpus_dev_service, split):
    cases = [case for case in load_cases(CASES) if case["split"] == split]
    report = run_eval(corpus_dev_service, cases)
    failures = thresholds_failed(report["metrics"], THRESHOLDS, split)
    metrics = {k: round(v, 3) for k, v in report["metrics"].items() if isinstance(v, float)}
    assert not failures, f"{split}: {failures}; metrics {metrics}"  # no case listed: the held-out half stays unread


@pytest.fixture(scope="module")
def development_half_service(tmp_path_factory):
    """The development half alone, indexed once: the blind set's near misses are unanswerable
    from it (a held-out document may answer them)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    files = [FILES / label["file"] for label in map(json.loads, LABELS.read_text(encoding="utf-8").splitlines())
             if label["split"] == "development"]
    service = Scrutiny(Settings(index=tmp_path_factory.mktemp("development-half") / "index"))
    report = service.ingest(files, show_progress=False)
    assert report.ok, report.failed
    return service


@pytest.mark.slow
def test_blind_questions_about_the_development_documents_hold_their_level(development_half_service):
    report = run_eval(development_half_service, load_cases(BLIND))
    failures = thresholds_failed(report["metrics"], BLIND_THRESHOLDS)
    metrics = {k: round(v, 3) for k, v in report["metrics"].items() if isinstance(v, float)}
    assert not failures, f"blind set: {failures}; metrics {metrics}"


def metadata_accuracy() -> dict[str, dict[str, float]]:
    """Share of documents whose kind, date (to the label's precision), date's year and forces are
    right, by half; and of those that state their labelled date, the share whose date is right."""
    tallies: dict[str, dict[str, float]] = {}
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        document = load_document(FILES / label["file"])
        tally = tallies.setdefault(label["split"], {"documents": 0, "kind": 0, "date": 0, "year": 0, "forces": 0,
                                                    "stating": 0, "stated date": 0})
        wanted = {force for name in label["forces"] for force in resolve_force(name)}
        precision = 7 if len(label["date"]) > 4 else 4
        tally["documents"] += 1
        tally["kind"] += document.kind == label["kind"]
        tally["date"] += bool(label["date"]) and (document.date or "")[:precision] == label["date"][:precision]
        tally["year"] += bool(label["date"]) and (document.date or "")[:4] == label["date"][:4]
        tally["forces"] += wanted <= set(document.forces)
        stated = {date[:precision] for date in dates_in("\n".join([document.title, *document.pages]))}
        if label["date"] and (label["date"][:precision] in stated or label["date"] in label["file"]):
            tally["stating"] += 1
            tally["stated date"] += (document.date or "")[:precision] == label["date"][:precision]
    return {half: {k: v / max(t["stating"], 1) if k == "stated date" else v if k in {"documents", "stating"}
                   else v / t["documents"] for k, v in t.items()}
            for half, t in tallies.items()}


def test_document_metadata_on_unseen_documents():
    accuracy = metadata_accuracy()
    print(json.dumps(accuracy, indent=2))
    for half, minimum in KIND_MINIMUM.items():
        assert accuracy[half]["kind"] >= minimum, accuracy
        assert accuracy[half]["date"] >= DATE_MINIMUM[half], accuracy
        assert accuracy[half]["year"] >= YEAR_MINIMUM, accuracy
        assert accuracy[half]["stated date"] >= STATED_DATE_MINIMUM, accuracy
        assert accuracy[half]["forces"] >= FORCES_MINIMUM, accuracy
