"""BM25 over chunk texts with bm25s, saved without pickle.

Tokens are lower-cased, Snowball-stemmed words ("SARs" and "SAR" meet, as do "funding" and
"funded"); numbers lose their thousands separators so "20,000" and "20000" meet; common
English function words are dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from scrutiny.ingest.text import STOPWORDS, tokenize

ACRONYM_IN_BRACKETS = re.compile(r"\((?:the )?([A-Z][A-Za-z]{1,9}?)s?\)")
WORDS_BEFORE = re.compile(r"[A-Za-z][\w'’-]*")
LOOKBACK_CHARS = 120  # enough for a long form of up to a dozen words
MAX_ACRONYM_SHARE = 0.05  # an acronym in more of the passages than this is not spelled out
ACRONYMS_FILE = "acronyms.json"


def find_acronyms(texts: list[str]) -> dict[str, str]:
    """Acronyms the documents define, "lead responsible officers (LROs)" -> {"LRO": "lead responsible officers"}.

    The long form is the shortest run of words before the brackets whose initials spell the
    acronym (small words such as "and", "of" may be skipped).
    """
    found: dict[str, str] = {}
    for text in texts:
        for match in ACRONYM_IN_BRACKETS.finditer(text):
            acronym = match.group(1)
            letters = [ch for ch in acronym if ch.isupper()]
            if len(letters) < 2 or acronym in found:
                continue
            words = WORDS_BEFORE.findall(text[max(0, match.start() - LOOKBACK_CHARS):match.start()])
            for size in range(len(letters), min(len(words), len(letters) + 3) + 1):
                candidate = words[-size:]
                initials = [w[0].upper() for w in candidate if w.lower() not in STOPWORDS or len(candidate) == len(letters)]
                if initials == letters and candidate[0].lower() not in STOPWORDS:
                    found[acronym] = " ".join(candidate)
                    break
    return found


def acronym_shares(texts: list[str], acronyms: dict[str, str]) -> dict[str, float]:
    """Share of the texts that use each acronym."""
    shares = {}
    for acronym in acronyms:
        pattern = re.compile(rf"\b{re.escape(acronym)}s?\b")
        shares[acronym] = round(sum(1 for text in texts if pattern.search(text)) / max(len(texts), 1), 4)
    return shares


def expand_acronyms(query: str, acronyms: dict[str, str], shares: dict[str, float] | None = None) -> str:
    """The query with defined acronyms expanded.

    A long form in the query brings its acronym (one token). An acronym brings its long form
    only when passages rarely use the acronym itself (share at most MAX_ACRONYM_SHARE): one on
    every page ("HMICFRS" in a corpus of its reports) would flood the query with common words.
    """
    shares = shares or {}
    extra: list[str] = []
    query_tokens = " ".join(tokenize(query))
    for acronym, long_form in acronyms.items():
        if re.search(rf"\b{re.escape(acronym)}s?\b", query):
            if shares.get(acronym, 0.0) <= MAX_ACRONYM_SHARE:
                extra.append(long_form)
        elif tokenize(long_form) and " ".join(tokenize(long_form)) in query_tokens:
            extra.append(acronym)
    return f"{query} {' '.join(extra)}" if extra else query


class LexicalIndex:
    """BM25 scores for every chunk, in chunk-table order, with acronym-aware queries."""

    def __init__(self, retriever, size: int, acronyms: dict[str, str] | None = None,
                 shares: dict[str, float] | None = None):
        self._retriever = retriever
        self.size = size
        self.acronyms = acronyms or {}
        self.shares = shares or {}

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index chunk texts (an empty corpus gives an index that scores nothing)."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index([tokenize(text) or [""] for text in texts], show_progress=False)
        acronyms = find_acronyms(texts)
        return cls(retriever, len(texts), acronyms, acronym_shares(texts, acronyms))

    def save(self, directory: Path) -> None:
        """Write numpy arrays and JSON (bm25s never pickles unless asked)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / ACRONYMS_FILE).write_text(
            json.dumps({"long_forms": self.acronyms, "shares": self.shares}, indent=1, sort_keys=True))
        if self.size:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Read an index written by `save`."""
        import bm25s

        acronyms_path = directory / ACRONYMS_FILE
        stored = json.loads(acronyms_path.read_text()) if acronyms_path.is_file() else {}
        acronyms, shares = stored.get("long_forms", {}), stored.get("shares", {})
        if not size:
            return cls(None, 0, acronyms, shares)
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, size, acronyms, shares)

    def expand(self, query: str) -> str:
        """`query` with the corpus's acronyms expanded (see expand_acronyms)."""
        return expand_acronyms(query, self.acronyms, self.shares)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for `query` (zeros when no query word is known)."""
        if not self.size:
            return np.zeros(0, dtype="float32")
        tokens = [t for t in tokenize(self.expand(query)) if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self._retriever.get_scores(tokens), dtype="float32")
