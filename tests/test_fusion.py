"""Reciprocal rank fusion of the dense and BM25 rankings, each with its weight."""

from __future__ import annotations

import pytest

from scrutiny.app.retrieval.fusion import HybridRetriever

QUERY = "backlog of suspicious activity reports"


def _retriever(service, dense_weight: float, lexical_weight: float) -> HybridRetriever:
    return HybridRetriever(service.data(), service.embedder, 50, 60,
                           dense_weight=dense_weight, lexical_weight=lexical_weight)


def test_a_ranking_weighted_zero_leaves_the_order_to_the_other(fake_corpus_service):
    words_only = _retriever(fake_corpus_service, 0.0, 1.0).search(QUERY, 10)
    meaning_only = _retriever(fake_corpus_service, 1.0, 0.0).search(QUERY, 10)
    ranked = [h.lexical_rank for h in words_only if h.lexical_rank is not None]
    assert ranked == sorted(ranked) and words_only[0].lexical_rank == 0
    assert [h.dense_rank for h in meaning_only][:5] == [0, 1, 2, 3, 4]
    assert [h.chunk.id for h in words_only] != [h.chunk.id for h in meaning_only]


def test_fusion_weights_must_leave_something_to_rank_by(fake_corpus_service):
    with pytest.raises(ValueError, match="fusion weights"):
        _retriever(fake_corpus_service, 0.0, 0.0)
    with pytest.raises(ValueError, match="fusion weights"):
        _retriever(fake_corpus_service, -1.0, 1.0)


def test_the_force_filter_keeps_to_sections_about_that_force(fake_corpus_service):
    """Bug 1 of issue 17: with Force = Cleveland Police, a passage in the report's Northumbria
    section that mentions Cleveland in passing was cited as if it were Cleveland's."""
    from scrutiny.app.retrieval.fusion import SearchFilters
    from scrutiny.ingest.forces import TERRITORIAL_FORCES, forces_in

    hits = fake_corpus_service.passages("What did HMICFRS say about the SAR backlog?", 200,
                                        SearchFilters(forces=("Cleveland Police",)))
    assert hits
    sections = [set(forces_in(h.chunk.section)) & set(TERRITORIAL_FORCES) for h in hits]
    assert any("Cleveland Police" in named for named in sections)
    assert all(not named or "Cleveland Police" in named for named in sections)
    # a passage in a section that names no force still counts by the forces it names
    assert any(not named for named in sections)
