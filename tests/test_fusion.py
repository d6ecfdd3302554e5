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
