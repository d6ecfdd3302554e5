"""The product behind every front end: ingest, list, remove, ask. CLI, app and eval share it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from scrutiny.app.answering.answerer import answer_question, answer_steps
from scrutiny.app.answering.features import judge_sentences
from scrutiny.app.answering.question import part_queries, question_parts
from scrutiny.app.records import Answer
from scrutiny.app.retrieval.fusion import CrossEncoderReranker, Hit, HybridRetriever, SearchFilters
from scrutiny.app.retrieval.rerank import PassageSearch
from scrutiny.app.retrieval.sentences import SentenceScorer
from scrutiny.app.settings import Settings
from scrutiny.index.corrections import Correction
from scrutiny.index.embedder import Embedder, make_embedder
from scrutiny.index.ingester import Ingester, IngestReport
from scrutiny.index.store import IndexData, rows_matching
from scrutiny.ingest.records import Document

if TYPE_CHECKING:
    from scrutiny.app.retrieval.langchain_retriever import ScrutinyRetriever


class BadQuestion(ValueError):
    """A question that cannot be asked as given (empty, too long, no words)."""


class Scrutiny:
    """One index, one embedder, loaded lazily and reloaded when the index changes on disk."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self.store = self.settings.index_store()
        self._embedder = embedder
        self._data: IndexData | None = None
        self._snapshot: tuple[Path | None, int] | None = None  # the live snapshot and the corrections' stamp
        self._retriever: HybridRetriever | None = None
        self._lock = threading.RLock()
        self._scorer = None

    @property
    def embedder(self) -> Embedder:
        """The configured embedder (the model loads on first encode)."""
        if self._embedder is None:
            ingest = self.settings.ingest
            self._embedder = make_embedder(
                self.settings.embedding_model, ingest.embed_batch_size, ingest.torch_threads,
                backend=ingest.embedding_backend, onnx_cache=ingest.onnx_cache,
            )
        return self._embedder

    def ingester(self, show_progress: bool = True) -> Ingester:
        """An Ingester with this product's chunking policy."""
        ingest = self.settings.ingest
        return Ingester(
            self.store, self.embedder, ingest.chunk_tokens, ingest.chunk_overlap_tokens, show_progress=show_progress,
            limits=ingest.reading_limits(), max_chunks=ingest.max_chunks, file_seconds=ingest.file_seconds,
            file_memory_mb=ingest.file_memory_mb, lock_wait_seconds=ingest.lock_wait_seconds,
        )

    def ingest(self, paths: list[Path], show_progress: bool = True, on_file=None, on_wait=None,
               on_progress=None) -> IngestReport:
        """Add or update files; see Ingester.ingest."""
        return self.ingester(show_progress).ingest(paths, on_file=on_file, on_wait=on_wait, on_progress=on_progress)

    def remove(self, reference: str) -> list[Document]:
        """Remove a document by id prefix or file name."""
        return self.ingester(show_progress=False).remove(reference)

    def correct(self, reference: str, correction: Correction) -> Document:
        """Correct a document's kind, date or forces (kept across re-ingest; index/corrections.py).

        ValueError when `reference` names no single document, BadCorrection for an unusable value."""
        rows = rows_matching(self.data().rows().values(), reference)
        if len(rows) != 1:
            found = "no" if not rows else f"{len(rows)}"
            raise ValueError(f"{found} indexed documents match '{reference}'; see `scrutiny docs`")
        with self.store.lock():
            self.store.corrections.save(rows[0]["sha256"], correction)
        return self.data().documents[rows[0]["sha256"]]  # read again: the corrections changed

    def data(self) -> IndexData:
        """The live index in memory, reloaded if another process changed it."""
        with self._lock:
            snapshot = (self.store.current_snapshot(), self.store.corrections.stamp())
            if self._data is None or snapshot != self._snapshot:
                self.store.check_model(self.embedder.name)
                self._data = self.store.load()
                self._snapshot = snapshot
                reranker = CrossEncoderReranker(self.settings.retrieval.reranker) if self.settings.retrieval.reranker else None
                self._retriever = HybridRetriever(
                    self._data, self.embedder, self.settings.retrieval.candidates, self.settings.retrieval.rrf_k,
                    reranker=reranker, dense_weight=self.settings.retrieval.dense_weight,
                    lexical_weight=self.settings.retrieval.lexical_weight,
                )
            return self._data

    def sentence_scorer(self) -> SentenceScorer:
        """The answerer's sentence scorer, whose caches live as long as this service."""
        if self._scorer is None:
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
        if len(text) > self.settings.answering.max_question_chars:
            raise BadQuestion(
                f"the question is {len(text)} characters long; keep it under {self.settings.answering.max_question_chars}"
            )
        if not any(ch.isalnum() for ch in text):
            raise BadQuestion("the question has no words in it; ask in words")
        return text

    def passage_search(self) -> PassageSearch:
        """The passage search `ask` uses over the live index: fused, then reranked by the
        answerer's judgement of each passage's best sentence."""
        return PassageSearch(self.retriever(), partial(judge_sentences, scorer=self.sentence_scorer()),
                             self.settings.retrieval)

    def passages(self, question: str, k: int, filters: SearchFilters = SearchFilters()) -> list[Hit]:
        """The top `k` passages for a question, in the order `ask` draws on them (see PassageSearch)."""
        return self.passage_search().search(question, k, filters)

    def langchain_retriever(self, **fields) -> ScrutinyRetriever:
        """These passages as a LangChain retriever (`k` and the filters are its fields)."""
        # LangChain takes a third of a second to import: only those who ask for it pay.
        from scrutiny.app.retrieval.langchain_retriever import ScrutinyRetriever

        return ScrutinyRetriever(searcher=self.passage_search(), **{"k": self.settings.retrieval.top_k, **fields})

    def ask(self, question: str, k: int | None = None, filters: SearchFilters = SearchFilters(),
            llm: str | None = None) -> Answer:
        """A cited answer, or a refusal with related passages."""
        return self.ask_with_passages(question, k, filters, llm)[0]

    def ask_with_passages(self, question: str, k: int | None = None,
                          filters: SearchFilters = SearchFilters(),
                          llm: str | None = None) -> tuple[Answer, list[Hit]]:
        """The answer and the passages it was drawn from (eval records both)."""
        started = time.perf_counter()
        question = self.check_question(question)
        hits = self._passages_for(question, k, filters)
        retrieved = time.perf_counter()
        answer = answer_question(question, hits, self, llm=llm if llm is not None else self.settings.llm.spec,
                                 filters=filters)
        _time(answer, started, retrieved)
        return answer, hits

    def ask_steps(self, question: str, k: int | None = None, filters: SearchFilters = SearchFilters(),
                  llm: str = "") -> Iterator[tuple[Answer, bool]]:
        """As `ask`; with an LLM spec, a written summary as it is written: (answer checked so far,
        False) after each sentence, then (final answer, True), the quoted answer when the summary
        fails (see `answer_steps`). Without a spec, just (quoted answer, True)."""
        started = time.perf_counter()
        question = self.check_question(question)
        hits = self._passages_for(question, k, filters)
        retrieved = time.perf_counter()
        for answer, done in answer_steps(question, hits, self, llm, filters):
            if done:
                _time(answer, started, retrieved)
            yield answer, done

    def _passages_for(self, question: str, k: int | None, filters: SearchFilters) -> list[Hit]:
        """The question's passages: the top `k`, and for a compound question each part's own."""
        k = self.settings.retrieval.top_k if k is None else k
        if k <= 0:
            raise BadQuestion("--k must be at least 1")
        if k > self.settings.retrieval.max_k:
            raise BadQuestion(f"--k must be at most {self.settings.retrieval.max_k} passages "
                              f"(SCRUTINY_RETRIEVAL__MAX_K)")
        hits = self.passages(question, k, filters)
        parts = question_parts(question)
        if len(parts) > 1:  # each part of a compound question brings its own passages
            seen = {hit.chunk.id for hit in hits}
            for part in part_queries(parts):
                for hit in self.passages(part, max(1, k // 2), filters):
                    if hit.chunk.id not in seen:
                        seen.add(hit.chunk.id)
                        hits.append(hit)
        return hits


def _time(answer: Answer, started: float, retrieved: float) -> None:
    """Record how long finding the passages and answering took."""
    finished = time.perf_counter()
    answer.timings_ms = {
        "retrieve": (retrieved - started) * 1000,
        "answer": (finished - retrieved) * 1000,
        "total": (finished - started) * 1000,
    }
