"""The passage rerank: the fused passages reordered by their best sentence.

A passage holding one sentence that answers the question outranks a passage that matches its
words everywhere but answers nothing. What a sentence scores, and whether it can be the kind of
answer asked for, is the answerer's judgement (app/answering/features.py): it is handed in as a
`SentenceJudge`, so that retrieval does not depend on answering.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from scrutiny.app.retrieval.fusion import Hit, HybridRetriever, SearchFilters
from scrutiny.app.settings import RetrievalSettings


@dataclass(frozen=True)
class JudgedSentence:
    """One candidate sentence of a passage: its score, and whether it can be the answer asked for."""

    chunk_id: str
    score: float
    can_answer: Callable[[], bool]  # asked lazily: the rerank needs it once per passage at most


class SentenceJudge(Protocol):
    """Scores every sentence of the passages against the question, best first."""

    def __call__(self, question: str, hits: list[Hit]) -> list[JudgedSentence]:
        ...


def rerank_passages(question: str, hits: list[Hit], judge: SentenceJudge, rank_weight: float,
                    rrf_k: int) -> list[Hit]:
    """The passages reordered by their best sentence's score, keeping part of the fused order.

    A passage's score is that of its best sentence that can be the kind of answer asked for,
    and passages with one come first. Each passage keeps rank_weight x rrf_k/(rrf_k + rank + 1)
    of its fused position, so the order is only overturned by a clearly better sentence.
    """
    best: dict[str, float] = {}
    answering: set[str] = set()
    for judged in judge(question, hits):  # best first
        chunk_id = judged.chunk_id
        if chunk_id not in answering and judged.can_answer():
            answering.add(chunk_id)
            best[chunk_id] = judged.score
        best.setdefault(chunk_id, judged.score)
    for rank, hit in enumerate(hits):
        hit.fused_rank = rank
        hit.rerank = best.get(hit.chunk.id, 0.0) + rank_weight * rrf_k / (rrf_k + rank + 1)
    # A passage with no sentence that can be the answer ranks after every passage with one, and
    # a passage with no answer-sized sentence last.
    return sorted(hits, key=lambda hit: (hit.chunk.id not in best, hit.chunk.id not in answering, -hit.rerank))


class PassageSearch:
    """The passages `ask` draws on: fused, then reranked by their best sentence.

    The rerank pool is the fused top `sentence_rerank_pool` and the top
    `sentence_rerank_leaders` of dense and of BM25 alone: a passage only one of them finds
    (a name BM25 matches exactly, "head of Crime for Northumbria Police") ranks low in the
    fusion but can hold the answer. A user-supplied cross-encoder (settings.reranker) has
    already reordered the fused list and is trusted as it is; so is the fused order when there
    is no judge.
    """

    def __init__(self, fused: HybridRetriever, judge: SentenceJudge | None, settings: RetrievalSettings):
        self.fused = fused
        self.judge = judge
        self.settings = settings

    def search(self, question: str, k: int, filters: SearchFilters = SearchFilters()) -> list[Hit]:
        """The top `k` passages for a question, best first."""
        pool = self.settings.sentence_rerank_pool
        if self.settings.reranker or not pool or self.judge is None:
            return self.fused.search(question, k, filters)
        # Every fused passage, so that dense's and BM25's own leaders can join the pool.
        fused = self.fused.search(question, 2 * self.settings.candidates, filters)
        leaders = self.settings.sentence_rerank_leaders
        # A leader joins at the pool's end: fusion ranks low a passage missing from one ranking,
        # whatever the other thinks of it, so its fused place says little.
        hits = [hit for rank, hit in enumerate(fused) if rank < max(pool, k) or hit.leads(leaders)]
        return rerank_passages(question, hits, self.judge, self.settings.sentence_rerank_rank_weight,
                               self.settings.rrf_k)[:k]
