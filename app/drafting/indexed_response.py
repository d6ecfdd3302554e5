"""What an indexed response to the report already says besides its answers to the findings:
the exact publication date, the form's "Type of inspection" options, the force's process
paragraph and the PCC's comment.

A PCC's published response often fills in the same template a draft follows ("Date Inspection
Published – 7 December 2022", "Comment by the PCC:" then the comment), so once the response is
indexed a draft can quote those parts, cited, instead of leaving placeholders. The response is
the one whose paragraphs answered the report's findings (`ResponseFinder`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrutiny.ingest.classify import find_date
from scrutiny.ingest.findings import Finding
from scrutiny.ingest.records import Block, Document
from scrutiny.ingest.text import dice, split_sentences

PUBLISHED = re.compile(r"\bpublished\b", re.IGNORECASE)
# "Comment by the PCC:", "PCC's comment", "Commissioner's statement", "Response from the Police and Crime Commissioner"
PCC_COMMENT_LABEL = re.compile(
    r"^\s*(?:(?:comments?|response|statement)\s+(?:by|from|of)\s+(?:the\s+)?"
    r"(?:pcc|p\s*f\s*cc|commissioner|police(?:,\s+fire)?\s+and\s+crime\s+commissioner)\b"
    r"|(?:the\s+)?(?:pcc|commissioner)(?:'s|’s)?\s+(?:comments?|response|statement)\b)",
    re.IGNORECASE,
)
TYPE_LABEL = re.compile(r"^\s*type\s+of\s+inspection\s*[:\-–—]?\s*$", re.IGNORECASE)
OPTION_GAP = re.compile(r"\s{2,}|\u00a0+\s*")  # form options laid out on one line, spaced apart
MAX_LABEL_WORDS = 8  # "For Office Use Only": a short line ends the comment
MAX_OPTION_WORDS = 4
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Stated:
    """A passage of the indexed response: its page and verbatim text."""

    page: int
    text: str


@dataclass
class IndexedResponse:
    """The parts of an indexed response document a draft can pre-fill."""

    document: Document
    min_words: int
    similarity: float

    def publication(self, report: Document) -> tuple[str, Stated] | None:
        """(ISO day, the line saying so) when the response states the day the inspection was
        published and it agrees with the report's own date (same month, or the report is undated)."""
        for block in self.document.blocks:
            for sentence in split_sentences(block.text) or [block.text]:
                if not PUBLISHED.search(sentence):
                    continue
                found = find_date(sentence)
                if ISO_DAY.match(found) and (not report.date or found.startswith(report.date[:7])):
                    return found, Stated(block.page, sentence.strip())
        return None

    def dated_by_publication(self, report: Document) -> bool:
        """True when the response's own date is only the inspection's publication date it states."""
        stated = self.publication(report)
        return stated is not None and stated[0] == self.document.date

    def type_options(self) -> list[str]:
        """The options a response form gives for "Type of inspection", as the form words them."""
        blocks = self.document.blocks
        for index, block in enumerate(blocks):
            if not TYPE_LABEL.match(block.text):
                continue
            options: list[str] = []
            for later in blocks[index + 1:]:
                if later.role == "heading" or "?" in later.text:
                    break
                pieces = [p.strip() for p in OPTION_GAP.split(later.text) if p.strip()]
                if not pieces or any(len(p.split()) > MAX_OPTION_WORDS for p in pieces):
                    break
                options.extend(pieces)
            return options
        return []

    def pcc_comment(self) -> list[Stated]:
        """The paragraphs after a "Comment by the PCC:" label, up to a heading or a short label."""
        blocks = self.document.blocks
        for index, block in enumerate(blocks):
            if not PCC_COMMENT_LABEL.match(block.text) or len(block.text.split()) > MAX_LABEL_WORDS:
                continue
            comment = self._paragraphs_after(blocks, index)
            if comment:
                return comment
        return []

    def process(self, findings: list[Finding], answers: list[str]) -> list[Stated]:
        """The paragraphs that open the force's answers: after the heading above the first
        restated finding that is answered (`answers` are the paragraphs found answering), and
        before it (how the force handles a new report)."""
        blocks = self.document.blocks
        answered = next((i for i, b in enumerate(blocks) if b.text in answers), None)
        if answered is None:
            return []
        texts = [f.text for f in findings]
        first = next((i for i in range(answered - 1, -1, -1)
                      if any(dice(blocks[i].text, text) >= self.similarity for text in texts)), None)
        if first is None:
            return []
        start = first
        while start > 0 and blocks[start - 1].role != "heading":
            start -= 1
        if start == 0:
            return []  # no heading above the answers: no section of their own to open
        return [Stated(b.page, b.text) for b in blocks[start:first] if len(b.text.split()) >= self.min_words]

    def _paragraphs_after(self, blocks: list[Block], index: int) -> list[Stated]:
        taken: list[Stated] = []
        for later in blocks[index + 1:]:
            if later.role == "heading" or len(later.text.split()) <= MAX_LABEL_WORDS:
                break
            taken.append(Stated(later.page, later.text))
        return taken
