"""Text primitives every stage shares: normalising, sentences, word stems and their overlap,
months and dates, grades.

One rule each: a quote is compared, a sentence split, a month or a grade recognised the same
way in ingest, retrieval, answering and drafting.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from scrutiny.ingest.records import Document

# -- years -------------------------------------------------------------------------------------

YEAR = re.compile(r"\b(?:19|20)\d\d(?:\s*[/–-]\s*\d\d(?:\d\d)?)?\b")
YEAR_SPAN = 10  # the longest range ("2014-2024") whose every year a mention covers


def years_covered(text: str) -> frozenset[str]:
    """Every year the text's year mentions cover: "PEEL 2021/22" covers 2021 and 2022, "2023–25"
    2023 to 2025, "1999/00" 1999 and 2000. An ISO date ("2010-11-05") and a "range" over
    YEAR_SPAN years are their first year only."""
    years: set[int] = set()
    for match in YEAR.finditer(text):
        first, _, last = re.sub(r"\s", "", match.group(0)).replace("–", "-").replace("/", "-").partition("-")
        start = end = int(first)
        if last and not re.match(r"-\d", text[match.end():]):
            end = int(last) if len(last) == 4 else start // 100 * 100 + int(last)
            end += 100 if end < start and len(last) == 2 else 0
        years.update(range(start, end + 1) if start <= end <= start + YEAR_SPAN else [start])
    return frozenset(map(str, years))


# -- normalising -------------------------------------------------------------------------------

QUOTE_CHARS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def normalise_text(text: str) -> str:
    """Whitespace collapsed and curly quotes and dashes unified, for comparison only.

    The one rule for "a quote occurs on a page, whitespace aside": findings, answers and
    drafts all compare through it.
    """
    return " ".join(text.translate(QUOTE_CHARS).split())


# -- sentences ---------------------------------------------------------------------------------

ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "No.", "St.", "Supt.", "Det.", "vs.", "approx.")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9£•])")
MIN_SENTENCE_CHARS = 12
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # a passage's blocks are separated by a blank line


def split_sentences(passage: str) -> list[str]:
    """Sentences of a passage; blocks (blank-line separated) never merge into one sentence."""
    sentences: list[str] = []
    for block in PARAGRAPH_BREAK.split(passage):
        block = block.strip()
        if not block:
            continue
        protected = block
        for abbreviation in ABBREVIATIONS:
            protected = protected.replace(abbreviation, abbreviation.replace(".", "\x00"))
        for piece in SENTENCE_END.split(protected):
            piece = piece.replace("\x00", ".").strip()
            if len(piece) >= MIN_SENTENCE_CHARS:
                sentences.append(piece)
    return sentences


def quote_on_page(document: Document, page: int, quote: str) -> bool:
    """True when `quote` occurs on that page of the document (whitespace and quote marks aside)."""
    if not 1 <= page <= len(document.pages) or not quote.strip():
        return False
    return normalise_text(quote) in normalise_text(document.pages[page - 1])


def find_quote_page(document: Document, quote: str, first: int, last: int) -> int | None:
    """The first page in [first, last] whose text holds the quote, else None."""
    for page in range(max(1, first), min(last, len(document.pages)) + 1):
        if quote_on_page(document, page, quote):
            return page
    return None


# -- word stems --------------------------------------------------------------------------------

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

        # The stemmer object is cached under a key no word can have.
        stemmer: Any = _STEMS.setdefault("\0stemmer", snowballstemmer.stemmer("english"))
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


@lru_cache(maxsize=16384)
def stems(text: str) -> frozenset[str]:
    """The set of `tokenize(text)` (answers and drafts compare the same few sentences many times)."""
    return frozenset(tokenize(text))


def jaccard(a: str, b: str) -> float:
    """Jaccard overlap of the word stems of two texts (0..1)."""
    ta, tb = stems(a), stems(b)
    return len(ta & tb) / max(len(ta | tb), 1)


def dice(a: str, b: str) -> float:
    """Dice overlap of the word stems of two texts (0..1); 0 when either has none."""
    first, second = stems(a), stems(b)
    if not first or not second:
        return 0.0
    return 2 * len(first & second) / (len(first) + len(second))


# -- months, dates and grades ------------------------------------------------------------------

MONTH_NUMBERS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
# A month's name, in full or shortened ("Sept" too); no group of its own. Callers choose the case
# rule: "may" in lower case is a verb.
MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
         r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
GRADES: tuple[str, ...] = ("outstanding", "good", "adequate", "requires improvement", "inadequate")
