"""The product behind every front end: ingest, list, remove, ask. CLI, app and eval share it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from scrutiny.app.records import Answer
from scrutiny.app.settings import Settings
from scrutiny.index.embedder import Embedder, make_embedder
from scrutiny.index.ingester import Ingester, IngestReport
from scrutiny.index.search import CrossEncoderReranker, Hit, HybridRetriever, SearchFilters
from scrutiny.index.store import IndexData, IndexStore
from scrutiny.ingest.records import Document


class BadQuestion(ValueError):
    """A question that cannot be asked as given (empty, too long, no words)."""


class Scrutiny:
    """One index, one embedder, loaded lazily and reloaded when the index changes on disk."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self.store = IndexStore(self.settings.index)
        self._embedder = embedder
        self._data: IndexData | None = None
        self._snapshot: Path | None = None
        self._retriever: HybridRetriever | None = None
        self._lock = threading.RLock()
        self._scorer = None

    @property
    def embedder(self) -> Embedder:
        """The configured embedder (the model loads on first encode)."""
        if self._embedder is None:
            self._embedder = make_embedder(
                self.settings.embedding_model, self.settings.embed_batch_size, self.settings.torch_threads,
            )
        return self._embedder

    def ingester(self, show_progress: bool = True) -> Ingester:
        """An Ingester with this product's chunking policy."""
        return Ingester(
            self.store, self.embedder, self.settings.chunk_tokens, self.settings.chunk_overlap_tokens,
            show_progress=show_progress,
        )

    def ingest(self, paths: list[Path], show_progress: bool = True, on_file=None) -> IngestReport:
        """Add or update files; see Ingester.ingest."""
        return self.ingester(show_progress).ingest(paths, on_file=on_file)

    def remove(self, reference: str) -> list[Document]:
        """Remove a document by id prefix or file name."""
        return self.ingester(show_progress=False).remove(reference)

    def data(self) -> IndexData:
        """The live index in memory, reloaded if another process changed it."""
        with self._lock:
            snapshot = self.store.current_snapshot()
            if self._data is None or snapshot != self._snapshot:
                self.store.check_model(self.embedder.name)
                self._data = self.store.load()
                self._snapshot = snapshot
                reranker = CrossEncoderReranker(self.settings.reranker) if self.settings.reranker else None
                self._retriever = HybridRetriever(
                    self._data, self.embedder, self.settings.retrieval_candidates, self.settings.rrf_k,
                    reranker=reranker,
                )
            return self._data

    def sentence_scorer(self):
        """The answerer's sentence scorer, whose caches live as long as this service."""
        if self._scorer is None:
            from scrutiny.app.answer import SentenceScorer

            self._scorer = SentenceScorer(self)
        return self._scorer

    def retriever(self) -> HybridRetriever:
        """The hybrid retriever over the live index."""
        self.data()
        return self._retriever

    def documents(self) -> list[dict]:
        """Manifest rows of the indexed documents (reads no vectors)."""
        return self.store.read_manifest()["documents"]

    def check_question(self, question: str) -> str:
        """The question trimmed, or BadQuestion with what is wrong."""
        text = (question or "").strip()
        if not text:
            raise BadQuestion("the question is empty; type a question about the indexed documents")
        if len(text) > self.settings.max_question_chars:
            raise BadQuestion(
                f"the question is {len(text)} characters long; keep it under {self.settings.max_question_chars}"
            )
        if not any(ch.isalnum() for ch in text):
            raise BadQuestion("the question has no words in it; ask in words")
        return text

    def passages(self, question: str, k: int, filters: SearchFilters = SearchFilters()) -> list[Hit]:
        """The top `k` passages for a question: fused, then reranked by their best sentence.

        The rerank pool is the fused top `sentence_rerank_pool` and the top
        `sentence_rerank_leaders` of dense and of BM25 alone: a passage only one of them finds
        (a name BM25 matches exactly, "head of Crime for Northumbria Police") ranks low in the
        fusion but can hold the answer.

        A user-supplied cross-encoder (settings.reranker) has already reordered the fused list
        and is trusted as it is.
        """
        from scrutiny.app.answer import rerank_passages

        pool = self.settings.sentence_rerank_pool
        if self.settings.reranker or not pool:
            return self.retriever().search(question, k, filters)
        # Every fused passage, so that dense's and BM25's own leaders can join the pool.
        fused = self.retriever().search(question, 2 * self.settings.retrieval_candidates, filters)
        leaders = self.settings.sentence_rerank_leaders
        # A leader joins at the pool's end: fusion ranks low a passage missing from one ranking,
        # whatever the other thinks of it, so its fused place says little.
        hits = [hit for rank, hit in enumerate(fused) if rank < max(pool, k) or hit.leads(leaders)]
        return rerank_passages(question, hits, self.sentence_scorer(), self.settings.sentence_rerank_rank_weight,
                               self.settings.rrf_k)[:k]

    def ask(self, question: str, k: int | None = None, filters: SearchFilters = SearchFilters(),
            llm: str | None = None) -> Answer:
        """A cited answer, or a refusal with related passages."""
        return self.ask_with_passages(question, k, filters, llm)[0]

    def ask_with_passages(self, question: str, k: int | None = None,
                          filters: SearchFilters = SearchFilters(),
                          llm: str | None = None) -> tuple[Answer, list[Hit]]:
        """The answer and the passages it was drawn from (eval records both)."""
        from scrutiny.app.answer import answer_question, part_queries, question_parts

        question = self.check_question(question)
        k = self.settings.top_k if k is None else k
        if k <= 0:
            raise BadQuestion("--k must be at least 1")
        started = time.perf_counter()
        hits = self.passages(question, k, filters)
        parts = question_parts(question)
        if len(parts) > 1:  # each part of a compound question brings its own passages
            seen = {hit.chunk.id for hit in hits}
            for part in part_queries(parts):
                for hit in self.passages(part, max(1, k // 2), filters):
                    if hit.chunk.id not in seen:
                        seen.add(hit.chunk.id)
                        hits.append(hit)
        retrieved = time.perf_counter()
        answer = answer_question(question, hits, self, llm=llm if llm is not None else self.settings.llm,
                                 filters=filters)
        finished = time.perf_counter()
        answer.timings_ms = {
            "retrieve": (retrieved - started) * 1000,
            "answer": (finished - retrieved) * 1000,
            "total": (finished - started) * 1000,
        }
        return answer, hits
