"""Bug 6 of issue 17: a document's kind, date and forces can be corrected, and stay corrected."""

from __future__ import annotations

import pytest

from scrutiny.index.corrections import BadCorrection, Correction


def _news(service):
    return next(row for row in service.documents() if row["kind"] == "news")


def test_a_correction_shows_everywhere_and_survives_re_ingest(fake_corpus_service, corpus_dir):
    row = _news(fake_corpus_service)
    fake_corpus_service.data()  # loaded before the correction: must reload after it
    fake_corpus_service.correct(row["source"], Correction(kind="inspection_report", date="2022-12-01",
                                                          forces=("durham",)))
    for seen in (fake_corpus_service.documents(), [d.summary() for d in fake_corpus_service.data().documents.values()]):
        corrected = next(r for r in seen if r["doc_id"] == row["doc_id"])
        assert (corrected["kind"], corrected["date"], corrected["forces"]) == \
            ("inspection_report", "2022-12-01", ["Durham Constabulary"])
    # re-ingesting the same file keeps the correction, even after it was removed and read afresh
    fake_corpus_service.ingest([corpus_dir / row["source"]], show_progress=False)
    fake_corpus_service.remove(row["doc_id"])
    assert fake_corpus_service.ingest([corpus_dir / row["source"]], show_progress=False).added == [row["source"]]
    again = next(r for r in fake_corpus_service.documents() if r["doc_id"] == row["doc_id"])
    assert again["kind"] == "inspection_report" and again["corrected"] == ["date", "forces", "kind"]


def test_a_corrected_kind_is_what_the_kind_filter_uses(fake_corpus_service):
    from scrutiny.app.retrieval.fusion import SearchFilters

    row = _news(fake_corpus_service)
    fake_corpus_service.correct(row["doc_id"], Correction(kind="pcc_response"))
    hits = fake_corpus_service.passages("suspicious activity reports backlog", 100, SearchFilters(kinds=("news",)))
    assert all(hit.document.id != row["doc_id"] for hit in hits)
    hits = fake_corpus_service.passages("suspicious activity reports backlog", 100,
                                        SearchFilters(kinds=("pcc_response",)))
    assert any(hit.document.id == row["doc_id"] for hit in hits)


@pytest.mark.parametrize("correction, message", [
    (Correction(kind="gossip"), "unknown kind"),
    (Correction(date="last week"), "YYYY-MM-DD"),
    (Correction(forces=("Atlantis Constabulary",)), "unknown force"),
])
def test_an_unusable_correction_is_refused_with_what_to_give(fake_corpus_service, correction, message):
    with pytest.raises(BadCorrection, match=message):
        fake_corpus_service.correct(_news(fake_corpus_service)["doc_id"], correction)


def test_a_correction_must_name_one_document(fake_corpus_service):
    with pytest.raises(ValueError, match="no indexed documents match"):
        fake_corpus_service.correct("no-such-file.pdf", Correction(kind="other"))
