"""BM25 over chunk texts, one term-count matrix per index segment, saved without pickle.

Tokens are lower-cased, Snowball-stemmed words ("SARs" and "SAR" meet, as do "funding" and
"funded"); numbers lose their thousands separators so "20,000" and "20000" meet; common
English function words are dropped.

Each segment keeps its chunks' term counts (a scipy CSC matrix, chunks x terms) and lengths,
not precomputed scores: BM25's statistics (passages, document frequency, mean length) are
summed over the live chunks of every segment when the index is opened, so a passage scores
exactly as it would in one index built from scratch (bm25s's "lucene" variant, the same
float arithmetic), however many segments hold the corpus and whatever was deleted from them.
A question costs the postings of its own words, not a pass over the corpus.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from scrutiny.ingest.text import STOPWORDS, tokenize

ACRONYM_IN_BRACKETS = re.compile(r"\((?:the )?([A-Z][A-Za-z]{1,9}?)s?\)")
WORDS_BEFORE = re.compile(r"[A-Za-z][\w'’-]*")
LOOKBACK_CHARS = 120  # enough for a long form of up to a dozen words
MAX_ACRONYM_SHARE = 0.05  # an acronym in more of the passages than this is not spelled out
ACRONYMS_FILE = "acronyms.json"
TERMS_FILE = "terms.json"
COUNTS_FILE = "counts.npz"
LENGTHS_FILE = "lengths.npy"
LOWERCASE_FILE = "lowercase.json"
K1, B = 1.5, 0.75  # bm25s's defaults, which the index was built with before segments
EMPTY_TEXT = [""]  # a chunk with no words still counts one (empty) token, as bm25s indexed it
WORD_IN_PROSE = re.compile(r"(?<![@./\w])[A-Za-z]+(?![@/\w]|\.\w)")  # not part of an email address or URL


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


def acronym_uses(texts: Sequence[str], acronyms: Iterable[str]) -> dict[str, list[int]]:
    """The positions of the texts that use each acronym."""
    uses = {}
    for acronym in acronyms:
        pattern = re.compile(rf"\b{re.escape(acronym)}s?\b")
        uses[acronym] = [position for position, text in enumerate(texts) if pattern.search(text)]
    return uses


def lowercase_words(texts: Iterable[str]) -> set[str]:
    """Every word the texts write in lower case somewhere (outside email addresses and URLs)."""
    return {word for text in texts for word in WORD_IN_PROSE.findall(text) if word.islower()}


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


class LexicalSegment:
    """The term counts of one segment's chunks: what BM25 needs, and what merges without re-reading text."""

    def __init__(self, terms: list[str], counts, lengths: np.ndarray, long_forms: dict[str, str],
                 uses: dict[str, list[int]], lowercase: set[str]):
        self.terms = terms
        self.columns = {term: column for column, term in enumerate(terms)}
        self.counts = counts  # scipy.sparse.csc_matrix, chunks x terms, float32 term frequencies
        self.lengths = lengths  # tokens per chunk
        self.long_forms = long_forms  # acronyms its chunks define, in the order first defined
        self.uses = uses  # chunk positions using each acronym known when the segment was written
        self.lowercase = lowercase

    def __len__(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, texts: Sequence[str], known_acronyms: Iterable[str] = ()) -> LexicalSegment:
        """Count the terms of chunk texts; `known_acronyms` (defined in other segments) are counted too."""
        from scipy.sparse import csc_matrix

        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        columns: list[int] = []
        frequencies: list[int] = []
        lengths = np.zeros(len(texts), dtype="int32")
        for position, text in enumerate(texts):
            tokens = tokenize(text) or EMPTY_TEXT
            lengths[position] = len(tokens)
            for token, count in Counter(tokens).items():
                rows.append(position)
                columns.append(vocabulary.setdefault(token, len(vocabulary)))
                frequencies.append(count)
        counts = csc_matrix((np.asarray(frequencies, dtype="float32"), (rows, columns)),
                            shape=(len(texts), len(vocabulary)), dtype="float32")
        long_forms = find_acronyms(list(texts))
        uses = acronym_uses(texts, dict.fromkeys([*long_forms, *known_acronyms]))
        return cls(list(vocabulary), counts, lengths, long_forms, uses, lowercase_words(texts))

    def save(self, directory: Path) -> None:
        """Write JSON and numpy arrays (scipy's npz holds plain arrays: no pickle)."""
        from scipy.sparse import save_npz

        directory.mkdir(parents=True, exist_ok=True)
        (directory / TERMS_FILE).write_text(json.dumps(self.terms, ensure_ascii=False), encoding="utf-8")
        save_npz(directory / COUNTS_FILE, self.counts, compressed=False)
        np.save(directory / LENGTHS_FILE, self.lengths, allow_pickle=False)
        (directory / ACRONYMS_FILE).write_text(
            json.dumps({"long_forms": self.long_forms, "uses": self.uses}, indent=1), encoding="utf-8")
        (directory / LOWERCASE_FILE).write_text(json.dumps(sorted(self.lowercase)), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> LexicalSegment:
        """Read a segment written by `save`."""
        from scipy.sparse import load_npz

        acronyms = json.loads((directory / ACRONYMS_FILE).read_text(encoding="utf-8"))
        return cls(json.loads((directory / TERMS_FILE).read_text(encoding="utf-8")),
                   load_npz(directory / COUNTS_FILE).tocsc(), np.load(directory / LENGTHS_FILE, allow_pickle=False),
                   acronyms["long_forms"], acronyms["uses"],
                   set(json.loads((directory / LOWERCASE_FILE).read_text(encoding="utf-8"))))

    @classmethod
    def merge(cls, parts: list[tuple[LexicalSegment, np.ndarray]]) -> LexicalSegment:
        """One segment of the chosen chunk positions of each part, in order, without re-tokenising."""
        from scipy.sparse import csc_matrix, vstack

        vocabulary: dict[str, int] = {}
        blocks, lengths, offset = [], [], 0
        long_forms: dict[str, str] = {}
        uses: dict[str, list[int]] = {}
        for segment, _ in parts:
            for term in segment.terms:
                vocabulary.setdefault(term, len(vocabulary))
        for segment, kept in parts:
            rows = segment.counts[kept].tocoo()
            remap = np.asarray([vocabulary[term] for term in segment.terms], dtype="int64")
            blocks.append(csc_matrix((rows.data, (rows.row, remap[rows.col] if len(remap) else rows.col)),
                                     shape=(len(kept), len(vocabulary)), dtype="float32"))
            lengths.append(segment.lengths[kept])
            for acronym, long_form in segment.long_forms.items():
                long_forms.setdefault(acronym, long_form)
            renumbered = np.full(len(segment), -1, dtype="int64")
            renumbered[kept] = np.arange(offset, offset + len(kept))
            for acronym, positions in segment.uses.items():
                moved = renumbered[np.asarray(positions, dtype="int64")] if positions else np.zeros(0, dtype="int64")
                uses.setdefault(acronym, []).extend(int(p) for p in moved if p >= 0)
            offset += len(kept)
        lowercase = set().union(*(segment.lowercase for segment, _ in parts))
        counts = vstack(blocks, format="csc", dtype="float32") if blocks else csc_matrix((0, 0), dtype="float32")
        return cls(list(vocabulary), counts, np.concatenate(lengths) if lengths else np.zeros(0, dtype="int32"),
                   long_forms, uses, lowercase)


class LexicalIndex:
    """BM25 scores for every live chunk, in chunk-table order, with acronym-aware queries.

    `segments` pairs each segment with the positions of its live chunks; the statistics are
    those of the live chunks alone, as if the index had been built from them.
    """

    def __init__(self, segments: list[tuple[LexicalSegment, np.ndarray]]):
        self.segments = segments
        self.size = sum(len(live) for _, live in segments)
        frequency: Counter[str] = Counter()
        total_length = 0
        self.long_forms: dict[str, str] = {}
        used: Counter[str] = Counter()
        for segment, live in segments:
            counts = segment.counts if len(live) == len(segment) else segment.counts[live]
            for term, chunks in zip(segment.terms, np.diff(counts.indptr).tolist(), strict=True):
                frequency[term] += chunks
            total_length += int(segment.lengths[live].sum())
            for acronym, long_form in segment.long_forms.items():
                self.long_forms.setdefault(acronym, long_form)
            alive = np.zeros(len(segment), dtype=bool)
            alive[live] = True
            for acronym, positions in segment.uses.items():
                used[acronym] += int(alive[np.asarray(positions, dtype="int64")].sum()) if positions else 0
        self.document_frequency = +frequency  # terms of deleted chunks only are gone
        self.mean_length = np.float64(total_length) / self.size if self.size else np.float64(0)
        self.acronyms = self.long_forms
        self.shares = {acronym: round(used[acronym] / max(self.size, 1), 4) for acronym in self.long_forms}

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index chunk texts as one segment (an empty corpus gives an index that scores nothing)."""
        return cls([(LexicalSegment.build(texts), np.arange(len(texts)))])

    def save(self, directory: Path) -> None:
        """Write the one segment of an index made by `build`."""
        (segment, _), = self.segments
        segment.save(directory)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Read an index written by `save`."""
        return cls([(LexicalSegment.load(directory), np.arange(size))])

    def lowercase_words(self) -> frozenset[str]:
        """Every word the documents write in lower case somewhere (a deleted document's words stay
        until the index is compacted)."""
        return frozenset().union(*(segment.lowercase for segment, _ in self.segments))

    def expand(self, query: str) -> str:
        """`query` with the corpus's acronyms expanded (see expand_acronyms)."""
        return expand_acronyms(query, self.acronyms, self.shares)

    def _idf(self, token: str) -> np.float32:
        frequency = self.document_frequency[token]
        return np.float32(math.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of each live chunk for `query` (zeros when no query word is known)."""
        tokens = [t for t in tokenize(self.expand(query)) if t in self.document_frequency]
        parts = []
        for segment, live in self.segments:
            scores = np.zeros(len(segment), dtype="float32")
            for token in tokens:  # in the query's order, repeats included, as bm25s summed them
                column = segment.columns.get(token)
                if column is None:
                    continue
                start, end = segment.counts.indptr[column], segment.counts.indptr[column + 1]
                rows = segment.counts.indices[start:end]
                frequency = segment.counts.data[start:end].astype("float64")
                norm = K1 * ((1 - B) + B * segment.lengths[rows].astype("float64") / self.mean_length)
                term_scores = (np.float64(self._idf(token)) * (frequency / (norm + frequency))).astype("float32")
                np.add.at(scores, rows, term_scores)
            parts.append(scores[live])
        return np.concatenate(parts) if parts else np.zeros(0, dtype="float32")
