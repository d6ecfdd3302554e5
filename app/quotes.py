"""Sentences and verbatim quotes: splitting passages and proving a quote is on its page."""

from __future__ import annotations

import re

from scrutiny.ingest.records import Document, normalise_text

ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "No.", "St.", "Supt.", "Det.", "vs.", "approx.")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9£•])")
MIN_SENTENCE_CHARS = 12
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")  # a passage's blocks are separated by a blank line


normalise = normalise_text  # the ingest layer's rule, under the name the answer code uses


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
    return normalise(quote) in normalise(document.pages[page - 1])


def find_quote_page(document: Document, quote: str, first: int, last: int) -> int | None:
    """The first page in [first, last] whose text holds the quote, else None."""
    for page in range(max(1, first), min(last, len(document.pages)) + 1):
        if quote_on_page(document, page, quote):
            return page
    return None
