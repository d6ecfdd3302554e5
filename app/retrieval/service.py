"""The seam answering and drafting read through: what they need of the running product.

`scrutiny.app.service.Scrutiny` is the one implementation; tests may hand in any object with
these members. Typed here, below answering, so that answering and drafting depend on this
protocol and not on the service that composes them.
"""

from __future__ import annotations

from typing import Protocol

from scrutiny.app.retrieval.fusion import Hit, HybridRetriever, SearchFilters
from scrutiny.app.retrieval.sentences import SentenceScorer
from scrutiny.app.settings import Settings
from scrutiny.index.embedder import Embedder
from scrutiny.index.store import IndexData


class Service(Protocol):
    """The live index, its embedder and settings, and the searches over it."""

    settings: Settings

    @property
    def embedder(self) -> Embedder:
        """The embedder the index was built with."""
        ...

    def data(self) -> IndexData:
        """The live index in memory."""
        ...

    def retriever(self) -> HybridRetriever:
        """The fused (dense + BM25) search over the live index."""
        ...

    def passages(self, question: str, k: int, filters: SearchFilters = ...) -> list[Hit]:
        """The top `k` passages for a question, in the order `ask` draws on them."""
        ...

    def sentence_scorer(self) -> SentenceScorer:
        """Sentence vectors and word rarity, cached for as long as the service lives."""
        ...
