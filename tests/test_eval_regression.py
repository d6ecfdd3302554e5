"""The known-answer set as a regression test, on the bundled corpus with the real model."""

from __future__ import annotations

import pytest

from scrutiny.eval.runner import default_cases_path, load_cases, run_eval, thresholds_failed


@pytest.fixture(scope="module")
def eval_report(real_service):
    real_service.embedder.warm()
    return run_eval(real_service, load_cases(default_cases_path()))


@pytest.mark.slow
def test_eval_meets_thresholds(eval_report):
    failures = thresholds_failed(eval_report["metrics"])
    wrong = [f"{c['id']}: {c['question']} -> {c['answer'][:120]}" for c in eval_report["cases"] if not c["correct"]]
    assert not failures, "\n".join(failures + wrong)


@pytest.mark.slow
def test_every_citation_is_verbatim_on_its_page(eval_report, real_service):
    documents = {d.source: d for d in real_service.data().documents.values()}
    from scrutiny.ingest.text import quote_on_page

    for case in eval_report["cases"]:
        for citation in case["citations"]:
            assert quote_on_page(documents[citation["source"]], citation["page"], citation["quote"]), citation


@pytest.mark.slow
def test_eval_records_let_anyone_recompute_metrics(eval_report):
    for case in eval_report["cases"]:
        assert {"id", "question", "answer", "refused", "citations", "retrieved"} <= set(case)
        assert len(case["retrieved"]) <= 10
        for passage in case["retrieved"]:
            assert set(passage) == {"source", "page", "text"}


@pytest.mark.parametrize("cases_file", ["known_answers.jsonl", "holdout.jsonl"])
def test_every_case_is_answerable_from_its_evidence_as_written(fake_corpus_service, cases_file):
    """Each evidence quote is on its cited page, and each answer group occurs on an evidence page:
    a case the corpus cannot satisfy would measure nothing."""
    from scrutiny.ingest.text import normalise_text, quote_on_page

    documents = {d.source: d for d in fake_corpus_service.data().documents.values()}
    cases = load_cases(default_cases_path().with_name(cases_file))
    assert any(not c["answerable"] for c in cases) and any(c["answerable"] for c in cases)
    for case in cases:
        pages = []
        for evidence in case["evidence"]:
            document = documents[evidence["source"]]
            assert quote_on_page(document, evidence["page"], evidence["quote"]), (case["id"], evidence)
            pages.append(normalise_text(document.page_text(evidence["page"])).lower())
        for group in case["answer_must_include"]:
            assert any(normalise_text(alt).lower() in page for alt in group for page in pages), (case["id"], group)
        assert case["answerable"] == bool(case["evidence"]), case["id"]
