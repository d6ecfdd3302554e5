"""BM25 over chunk texts with bm25s, saved without pickle.

Tokens are lower-cased, Snowball-stemmed words ("SARs" and "SAR" meet, as do "funding" and
"funded"); numbers lose their thousands separators so "20,000" and "20000" meet; common
English function words are dropped.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

STOPWORDS = frozenset(
    "a an and are as at be been being but by can could did do does for from had has have how i "
    "if in into is it its of on or our so than that the their them then there these they this "
    "to was we were what when where which while who whom why will with would you your".split()
)
WORD = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z0-9]+(?:['’][a-z]+)?")


_STEMS: dict[str, str] = {}


def _stem(word: str) -> str:
    stem = _STEMS.get(word)
    if stem is None:
        import snowballstemmer

        stemmer = _STEMS.setdefault("\0stemmer", snowballstemmer.stemmer("english"))
        stem = _STEMS[word] = word if word[0].isdigit() else stemmer.stemWord(word)
    return stem


def tokenize(text: str) -> list[str]:
    """Lexical tokens of `text` (shared by indexing, querying and answer scoring)."""
    tokens = []
    for token in WORD.findall(text.lower()):
        token = token.replace(",", "").replace("’", "'")
        if token.endswith("'s"):
            token = token[:-2]
        if token and token not in STOPWORDS:
            tokens.append(_stem(token))
    return tokens


class LexicalIndex:
    """BM25 scores for every chunk, in chunk-table order."""

    def __init__(self, retriever, size: int):
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        """Index chunk texts (an empty corpus gives an index that scores nothing)."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index([tokenize(text) or [""] for text in texts], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        """Write numpy arrays and JSON (bm25s never pickles unless asked)."""
        directory.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> "LexicalIndex":
        """Read an index written by `save`."""
        import bm25s

        if not size:
            return cls(None, 0)
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for `query` (zeros when no query word is known)."""
        if not self.size:
            return np.zeros(0, dtype="float32")
        tokens = [t for t in tokenize(query) if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self._retriever.get_scores(tokens), dtype="float32")
