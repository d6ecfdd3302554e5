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


ACRONYM_DEFINITION = re.compile(r"((?:[A-Za-z][\w'’-]*[ ,]+){1,8}?)\((?:the )?([A-Z][A-Za-z]{1,9}?)s?\)")
ACRONYMS_FILE = "acronyms.json"


def find_acronyms(texts: list[str]) -> dict[str, str]:
    """Acronyms the documents define, "lead responsible officers (LROs)" -> {"LRO": "lead responsible officers"}.

    The long form is the shortest run of words before the brackets whose initials spell the
    acronym (small words such as "and", "of" may be skipped).
    """
    found: dict[str, str] = {}
    for text in texts:
        for match in ACRONYM_DEFINITION.finditer(text):
            acronym = match.group(2)
            letters = [ch for ch in acronym if ch.isupper()]
            words = re.findall(r"[A-Za-z][\w'’-]*", match.group(1))
            for size in range(len(letters), min(len(words), len(letters) + 3) + 1):
                candidate = words[-size:]
                initials = [w[0].upper() for w in candidate if w.lower() not in STOPWORDS or len(candidate) == len(letters)]
                if initials == letters and candidate[0].lower() not in STOPWORDS:
                    found.setdefault(acronym, " ".join(candidate))
                    break
    return found


def expand_acronyms(query: str, acronyms: dict[str, str]) -> str:
    """The query with each defined acronym's long form added, and each long form's acronym."""
    extra: list[str] = []
    lowered = query.lower()
    for acronym, long_form in acronyms.items():
        if re.search(rf"\b{re.escape(acronym)}s?\b", query):
            extra.append(long_form)
        elif tokenize(long_form) and " ".join(tokenize(long_form)) in " ".join(tokenize(lowered)):
            extra.append(acronym)
    return f"{query} {' '.join(extra)}" if extra else query


class LexicalIndex:
    """BM25 scores for every chunk, in chunk-table order, with acronym-aware queries."""

    def __init__(self, retriever, size: int, acronyms: dict[str, str] | None = None):
        self._retriever = retriever
        self.size = size
        self.acronyms = acronyms or {}

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        """Index chunk texts (an empty corpus gives an index that scores nothing)."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index([tokenize(text) or [""] for text in texts], show_progress=False)
        return cls(retriever, len(texts), find_acronyms(texts))

    def save(self, directory: Path) -> None:
        """Write numpy arrays and JSON (bm25s never pickles unless asked)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / ACRONYMS_FILE).write_text(json.dumps(self.acronyms, indent=1, sort_keys=True))
        if self.size:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> "LexicalIndex":
        """Read an index written by `save`."""
        import bm25s

        acronyms_path = directory / ACRONYMS_FILE
        acronyms = json.loads(acronyms_path.read_text()) if acronyms_path.is_file() else {}
        if not size:
            return cls(None, 0, acronyms)
        retriever = bm25s.BM25.load(str(directory), show_progress=False)
        return cls(retriever, size, acronyms)

    def expand(self, query: str) -> str:
        """`query` with the corpus's acronyms expanded both ways."""
        return expand_acronyms(query, self.acronyms)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each chunk for `query` (zeros when no query word is known)."""
        if not self.size:
            return np.zeros(0, dtype="float32")
        tokens = [t for t in tokenize(self.expand(query)) if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(self.size, dtype="float32")
        return np.asarray(self._retriever.get_scores(tokens), dtype="float32")
