"""Sentence vectors and word rarity over the live index, cached for the sentence scorer."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from scrutiny.ingest.text import stems

if TYPE_CHECKING:  # the protocol names this class: imported for the type checker only
    from scrutiny.app.retrieval.service import Service
    from scrutiny.index.store import IndexData

Fact = TypeVar("Fact")
QUESTION_CACHE = 256  # recent question vectors kept by the sentence scorer


class SentenceScorer:
    """Scores sentences against a question; caches sentence vectors and word rarity."""

    def __init__(self, service: Service):
        self.service = service
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # least recently used first
        self._vectors_lock = threading.Lock()  # the app answers several questions at once
        self._questions: dict[str, np.ndarray] = {}  # recent questions (each is scored several times)
        self._corpus_facts: dict[str, tuple[IndexData, Any]] = {}  # name -> (index snapshot, value)

    def of_snapshot(self, name: str, build: Callable[[IndexData], Fact]) -> Fact:
        """`build(data)` for the live index snapshot, built once per snapshot (an ingest replaces it)."""
        data = self.service.data()
        built_for, value = self._corpus_facts.get(name, (None, None))
        if built_for is not data:
            value = build(data)
            self._corpus_facts[name] = (data, value)
        return value

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each lexical token over the chunk table (from the BM25
        index's document frequencies: no pass over the passages)."""
        def build(data: IndexData) -> dict[str, float]:
            total = max(len(data.chunks), 1)
            return {t: math.log(1 + total / (1 + n)) for t, n in data.lexical.document_frequency.items() if t}

        return self.of_snapshot("idf", build)

    def lowercase_words(self) -> frozenset[str]:
        """Every word the documents write in lower case somewhere (outside email addresses and
        URLs): in capitals, not a name."""
        return self.of_snapshot("lowercase_words", lambda data: data.lexical.lowercase_words())

    def vectors(self, sentences: list[str]) -> np.ndarray:
        """Normalised vectors of sentences, embedding only those not seen recently (the
        `retrieval.sentence_cache` most recently used are kept)."""
        with self._vectors_lock:
            known = {s: self._vectors[s] for s in dict.fromkeys(sentences) if s in self._vectors}
        missing = [s for s in dict.fromkeys(sentences) if s not in known]
        if missing:
            known |= dict(zip(missing, self.service.embedder.encode(missing), strict=False))
        with self._vectors_lock:
            for sentence, vector in known.items():
                self._vectors[sentence] = vector
                self._vectors.move_to_end(sentence)
            while len(self._vectors) > self.service.settings.retrieval.sentence_cache:
                self._vectors.popitem(last=False)
        return np.vstack([known[s] for s in sentences])

    def question_vector(self, question: str) -> np.ndarray:
        """The question's vector: a question is scored for its passages' rerank, again for its
        answer and with each part, so recent ones are kept (the cache starts over when full)."""
        vector = self._questions.get(question)
        if vector is None:
            if len(self._questions) >= QUESTION_CACHE:
                self._questions.clear()
            vector = self._questions[question] = self.service.embedder.encode([question])[0]
        return vector

    def word_weights(self, question_tokens: list[str]) -> dict[str, float]:
        """The rarity of each of the question's words (a word the corpus lacks counts as rarest)."""
        idf = self.idf()
        unseen = math.log(1 + max(len(self.service.data().chunks), 1))
        return {t: idf.get(t, unseen) for t in set(question_tokens)}

    def lexical_overlap(self, weights: dict[str, float], sentence: str) -> float:
        """Share of the question's word rarity (`word_weights`) that the sentence contains (0..1)."""
        total = sum(weights.values())
        if not total:
            return 0.0
        present = stems(sentence)
        return sum(w for t, w in weights.items() if t in present) / total
