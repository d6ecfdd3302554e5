"""Hybrid retrieval: dense (FAISS inner product) and lexical (BM25), fused by reciprocal rank.

An optional cross-encoder reranks the fused list when the user supplies one locally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

import numpy as np

from scrutiny.index.embedder import Embedder
from scrutiny.index.store import IndexData, rows_matching
from scrutiny.ingest.forces import TERRITORIAL_FORCES, forces_in, resolve_force
from scrutiny.ingest.records import DOCUMENT_KINDS, Chunk, Document

if TYPE_CHECKING:  # sentence-transformers loads torch: only when a reranker is used
    from sentence_transformers import CrossEncoder


SECTION_FORCES_CACHE = 4096  # distinct section headings whose forces are remembered
QUERY_CACHE = 256  # recent queries' vectors kept by a retriever


def _best_first(scores: np.ndarray, count: int) -> list[int]:
    """Positions of the `count` highest positive scores, best first, ties in position order.

    The same as a stable sort of every positive score, without sorting the tens of thousands
    that a common word gives a score in a large index: only those at or above the count-th best.
    """
    positive = np.flatnonzero(scores > 0)
    if len(positive) > count:
        threshold = np.partition(scores[positive], len(positive) - count)[len(positive) - count]
        positive = positive[scores[positive] >= threshold]
    return positive[np.argsort(-scores[positive], kind="stable")][:count].tolist()


class BadFilter(ValueError):
    """A filter value that names nothing in the index."""


@lru_cache(maxsize=SECTION_FORCES_CACHE)
def section_forces(section: str) -> frozenset[str]:
    """The territorial forces a section heading path names ("Cleveland Police > Resources")."""
    return frozenset(force for force in forces_in(section) if force in TERRITORIAL_FORCES)


def chunk_about(chunk: Chunk) -> frozenset[str]:
    """The forces a passage is about, for the force filter: the forces its section heading names
    when the heading names one ("Northumbria Police > Resources and skills" is Northumbria's
    however often it mentions Cleveland), else every force and regional unit the passage names.
    A section named after a regional unit holds findings for several forces, so its passages
    keep the forces they name."""
    return section_forces(chunk.section) or frozenset(chunk.forces)


@dataclass(frozen=True)
class SearchFilters:
    """Restrict retrieval to document kinds, forces or documents (all optional)."""

    kinds: tuple[str, ...] = ()
    forces: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()  # id prefixes or file names

    def __post_init__(self):
        unknown = [kind for kind in self.kinds if kind not in DOCUMENT_KINDS]
        if unknown:
            raise BadFilter(f"unknown kind '{unknown[0]}'; use one of {', '.join(DOCUMENT_KINDS)}")

    @property
    def active(self) -> bool:
        return bool(self.kinds or self.forces or self.documents)


@dataclass
class Hit:
    """A retrieved chunk with the document it came from and each score that ranked it."""

    chunk: Chunk
    document: Document
    dense: float = 0.0
    lexical: float = 0.0
    fused: float = 0.0
    rerank: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    fused_rank: int | None = None  # position in the fused rerank pool (a leader joins at its end), once reranked

    def leads(self, depth: int) -> bool:
        """Among the top `depth` of dense or of lexical retrieval on its own."""
        return any(rank is not None and rank < depth for rank in (self.dense_rank, self.lexical_rank))

    @property
    def score(self) -> float:
        """The score that decided the final order."""
        return self.rerank if self.rerank is not None else self.fused


class Reranker(Protocol):
    """Scores (query, passage) pairs; higher is more relevant."""

    def score(self, query: str, passages: list[str]) -> list[float]:
        ...


class CrossEncoderReranker:
    """A user-supplied sentence-transformers CrossEncoder from a local folder."""

    def __init__(self, path: str):
        self.path = path
        self._model: CrossEncoder | None = None

    def score(self, query: str, passages: list[str]) -> list[float]:
        if self._model is None:
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(self.path, device="cpu")
        return [float(s) for s in self._model.predict([(query, p) for p in passages])]


class HybridRetriever:
    """Dense ∪ lexical candidates, reciprocal-rank fused, optionally reranked."""

    def __init__(self, data: IndexData, embedder: Embedder, candidates: int, rrf_k: int,
                 reranker: Reranker | None = None, dense_weight: float = 1.0, lexical_weight: float = 1.0):
        if candidates <= 0 or rrf_k <= 0:
            raise ValueError("candidates and rrf_k must be positive")
        if dense_weight < 0 or lexical_weight < 0 or dense_weight + lexical_weight == 0:
            raise ValueError("the fusion weights must be non-negative and not both 0")
        self.dense_weight = dense_weight
        self.lexical_weight = lexical_weight
        self.data = data
        self.embedder = embedder
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.reranker = reranker
        self._query_vectors: dict[str, np.ndarray] = {}  # a question is searched for again by its parts and answer

    def allowed(self, filters: SearchFilters) -> np.ndarray | None:
        """Boolean mask over the chunk table of the chunks `filters` allow, or None when nothing is
        filtered (BadFilter for a document or force that matches nothing)."""
        if not filters.active:
            return None
        rows = self.data.rows()
        allowed_docs = set(rows)
        if filters.kinds:
            allowed_docs &= {i for i, row in rows.items() if row["kind"] in filters.kinds}
        if filters.documents:
            chosen = {row["sha256"] for ref in filters.documents for row in rows_matching(rows.values(), ref)}
            if not chosen:
                raise BadFilter(f"no indexed document matches {', '.join(filters.documents)}; see `scrutiny docs`")
            allowed_docs &= chosen
        wanted_forces: set[str] = set()
        for name in filters.forces:
            resolved = resolve_force(name)
            if not resolved:
                raise BadFilter(f"unknown force '{name}'; give a force name such as 'Cleveland Police'")
            wanted_forces.update(resolved)
        mask = np.zeros(len(self.data.chunks), dtype=bool)
        positions = self.data.positions_of(allowed_docs)
        if wanted_forces:  # what a passage is about is read from the passage itself
            positions = positions[[bool(wanted_forces & chunk_about(self.data.chunks[int(i)])) for i in positions]]
        mask[positions] = True
        return mask

    def search(self, query: str, k: int, filters: SearchFilters = SearchFilters()) -> list[Hit]:
        """The top `k` hits for `query`, best first."""
        if k <= 0:
            raise ValueError("k must be at least 1")
        total = len(self.data.chunks)
        if total == 0 or not query.strip():
            return []
        mask = self.allowed(filters)
        query_vector = self._query_vectors.get(query)
        if query_vector is None:
            if len(self._query_vectors) >= QUERY_CACHE:
                self._query_vectors.clear()
            query_vector = self._query_vectors[query] = self.embedder.encode([query])
        dense_scores, dense_ids = self.data.dense.search(query_vector, min(total, self.candidates), allowed=mask)
        dense_order = [int(i) for i in dense_ids[0] if i >= 0]
        dense_by_id = {int(i): float(s) for s, i in zip(dense_scores[0], dense_ids[0], strict=False) if i >= 0}
        lexical_scores = self.data.lexical.scores(query)
        if mask is not None:
            lexical_scores = np.where(mask, lexical_scores, 0.0)
        lexical_order = _best_first(lexical_scores, self.candidates)
        dense_order = dense_order[: self.candidates]
        lexical_order = lexical_order[: self.candidates]
        if mask is not None:  # a filtered search gives every passage it returns its dense score
            missing = [i for i in lexical_order if i not in dense_by_id]
            dense_by_id.update(zip(missing, self.data.dense.scores(query_vector, missing).tolist(), strict=True))

        fused: dict[int, float] = {}
        for rank, index in enumerate(dense_order):
            fused[index] = fused.get(index, 0.0) + self.dense_weight / (self.rrf_k + rank + 1)
        for rank, index in enumerate(lexical_order):
            fused[index] = fused.get(index, 0.0) + self.lexical_weight / (self.rrf_k + rank + 1)
        dense_rank = {index: rank for rank, index in enumerate(dense_order)}
        lexical_rank = {index: rank for rank, index in enumerate(lexical_order)}
        ordered = sorted(fused, key=lambda i: (-fused[i], -dense_by_id.get(i, -1.0)))
        hits = [
            Hit(
                chunk=self.data.chunks[i],
                document=self.data.documents[self.data.chunks[i].doc_id],
                dense=dense_by_id.get(i, 0.0),
                lexical=float(lexical_scores[i]),
                fused=fused[i],
                dense_rank=dense_rank.get(i),
                lexical_rank=lexical_rank.get(i),
            )
            for i in ordered
        ]
        if self.reranker is not None and hits:
            pool = hits[: self.candidates]
            for hit, score in zip(pool, self.reranker.score(query, [h.chunk.text for h in pool]), strict=False):
                hit.rerank = score
            hits = sorted(pool, key=lambda h: -h.score)
        return hits[:k]
