"""What a draft quotes from the report besides the findings themselves: the evidence under each
finding, what a force's grade rests on, progress on earlier findings, and the force's mentions
elsewhere in the report.

A policy officer reading a finding wants the facts that make it bite: "a backlog of over 20,000
SARs", "doesn't routinely screen other SARs", "notably understaffed". Those are the sentences
under the finding that carry a figure or a shortfall, so `finding_evidence` scores every
sentence of the finding's blocks by those marks and quotes the best, in reading order, and
covers each sub-item a finding lists ("three teams struggling with workloads:" then one bullet
per team). Nothing here depends on one report's wording: the marks are the language of
shortfall in general.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrutiny.ingest.findings import Finding, FindingReader
from scrutiny.ingest.forces import forces_in
from scrutiny.ingest.injection import addresses_model
from scrutiny.ingest.records import Block, Document
from scrutiny.ingest.text import split_sentences

MIN_SENTENCE_WORDS = 6  # shorter pieces are labels or fragments, not evidence
MAX_SUB_ITEMS = 6  # sub-items of one finding covered, however long its list
SENTENCES_PER_SUB_ITEM = 2  # the item's own first sentence and its strongest other one
FOLLOWING_SENTENCES = 3  # sentences quoted after an earlier finding, as the progress on it
MAX_BODIES_IN_MENTION = 2  # a sentence naming more bodies is a list or a map, not a remark on one
MAX_NAME_WORDS = 8  # a section heading that is a name, not a statement about the body
# A figure: a number that is not a year, or a percentage or sum of money.
FIGURE = re.compile(r"(?<![\w./])(?!(?:19|20)\d\d\b)\d[\d,.]*(?![A-Za-z])|%|\bper\s?cent\b|£", re.IGNORECASE)
# The language of shortfall: negatives, lacks, backlogs, risks, failures.
SHORTFALL = re.compile(
    r"n't\b|\b(?:no|not|never|none|nor|lack\w*|insufficient\w*|inadequate\w*|backlogs?|unable|struggl\w*"
    r"|overwhelm\w*|understaffed|under-?resourced|shortages?|shortfalls?|too\s+(?:few|many|slow|long)"
    r"|limited|little|inconsisten\w*|inefficien\w*|poor\w*|fail\w*|miss(?:ed|ing)|risks?|concern\w*|delays?"
    r"|exceed\w*|unacceptabl\w*|problem\w*|weak\w*|ineffective\w*|exaggerat\w*|overexposure|burden\w*)\b",
    re.IGNORECASE,
)
MAX_SHORTFALL_MARKS = 3
FIGURE_WEIGHT = 2
MIN_SUPPORT_WEIGHT = 2  # a statement's supporting sentence needs a figure or two marks of shortfall
# "In our 2018 PEEL inspection of Cleveland Police, we established an area for improvement:"
EARLIER_FINDING = re.compile(
    r"\b(?:in|during|after|since)\s+(?:our|the|its|a|an)\b[^.]{0,80}?\binspection\b[^.]{0,120}?"
    r"\b(?:areas?\s+for\s+improvement|recommend\w*|causes?\s+of\s+concern)\b",
    re.IGNORECASE,
)
OPENING_QUOTES = ("“", '"', "‘", "'")


def sentence_weight(sentence: str) -> int:
    """How much a sentence says about a shortfall: 2 for a figure, 1 per mark of shortfall (up to 3)."""
    marks = len(SHORTFALL.findall(sentence))
    return (FIGURE_WEIGHT if FIGURE.search(sentence) else 0) + min(marks, MAX_SHORTFALL_MARKS)


@dataclass(frozen=True)
class Quoted:
    """A sentence of a document to quote, on its page."""

    page: int
    text: str


def _sentences(block: Block) -> list[str]:
    """Whole sentences of a block: long enough, opening with a capital or quote, closed by a stop,
    and not addressed to an AI model."""
    return [
        s for s in split_sentences(block.text)
        if len(s.split()) >= MIN_SENTENCE_WORDS and not addresses_model(s) and (s[:1].isupper() or s.startswith(OPENING_QUOTES))
        and s.rstrip("”\"’' )").endswith((".", "!", "?", ":"))
    ]


def finding_evidence(finding: Finding, limit: int) -> list[Quoted]:
    """The sentences under a finding that carry figures and shortfalls, best first up to `limit`,
    plus each sub-item of a list the finding introduces; in reading order.

    With no marked sentence at all, the first whole sentence stands for the evidence.
    """
    if limit <= 0:
        return []
    blocks = list(finding.evidence)
    chosen: dict[tuple[int, str], int] = {}  # (block index, sentence) -> reading position
    position = 0
    candidates: list[tuple[int, int, int, str]] = []  # (-weight, position, block index, sentence)
    sub_items = 0
    for index, block in enumerate(blocks):
        sentences = _sentences(block)
        if block.role == "list_item" and sub_items < MAX_SUB_ITEMS and index > 0 and (
            blocks[index - 1].text.rstrip().endswith(":") or blocks[index - 1].role == "list_item"
        ):
            sub_items += 1
            weighted = [(sentence_weight(s), i, s) for i, s in enumerate(sentences)]
            taken = [w for w in weighted if w[0] > 0][:1] if weighted and weighted[0][0] > 0 else []
            rest = sorted((w for w in weighted if w[0] > 0 and w not in taken), key=lambda w: (-w[0], w[1]))
            for _, i, sentence in (taken + rest)[:SENTENCES_PER_SUB_ITEM]:
                chosen[(index, sentence)] = position + i
        in_sub_item = any(key[0] == index for key in chosen)
        for i, sentence in enumerate(sentences):
            if in_sub_item or sentence.startswith(OPENING_QUOTES):
                continue  # a sub-item is covered already; a quotation is an earlier report's words
            if sentence.endswith(":") and not (index + 1 < len(blocks) and blocks[index + 1].role == "list_item"):
                continue  # it introduces a quotation, not a list of sub-items
            candidates.append((-sentence_weight(sentence), position + i, index, sentence))
        position += len(sentences)
    ranked = sorted(c for c in candidates if c[0] < 0)
    extra = 0
    for _, at, index, sentence in ranked:
        if extra >= limit:
            break
        if (index, sentence) not in chosen:
            chosen[(index, sentence)] = at
            extra += 1
    if not chosen and candidates:
        first = min(candidates, key=lambda c: c[1])
        chosen[(first[2], first[3])] = first[1]
    ordered = sorted(chosen.items(), key=lambda item: item[1])
    return [Quoted(blocks[index].page, sentence) for (index, sentence), _ in ordered]


def grade_basis(document: Document, grade: Finding) -> list[Quoted]:
    """The paragraph right after a graded judgement, when it says what the grade rests on
    ("This force was inspected under the previous PEEL SOC inspection programme. ...")."""
    for index, block in enumerate(document.blocks):
        if block.page == grade.page and grade.quote in block.text:
            following = document.blocks[index + 1] if index + 1 < len(document.blocks) else None
            if following is not None and following.role == "paragraph":
                return [Quoted(following.page, s) for s in _sentences(following)[:FOLLOWING_SENTENCES]]
            return []
    return []


def earlier_findings(document: Document, bodies: set[str]) -> list[list[Quoted]]:
    """Each earlier inspection's finding the report returns to in the sections on `bodies`: the
    sentence that recalls it, its words as quoted, and what the report found this time."""
    reader = FindingReader(document)
    blocks = document.blocks
    found: list[list[Quoted]] = []
    for index, block in enumerate(blocks):
        if block.role == "heading" or reader.subject_at(index) not in bodies or reader.in_contents(index):
            continue
        recall = next((s for s in split_sentences(block.text) if EARLIER_FINDING.search(s)), None)
        if recall is None:
            continue
        group = [Quoted(block.page, recall)]
        following = FOLLOWING_SENTENCES
        for later in blocks[index + 1:]:
            if later.role == "heading" or following <= 0:
                break
            if later.text.startswith(OPENING_QUOTES) and len(group) == 1:
                group.append(Quoted(later.page, later.text.strip()))  # the earlier finding, as quoted
                continue
            for sentence in _sentences(later):
                if following > 0 and not sentence.endswith(":"):
                    group.append(Quoted(later.page, sentence))
                    following -= 1
        if len(group) > 1:
            found.append(group)
    return found


def mentions_elsewhere(document: Document, force: str, own: set[str], limit: int,
                       skip: set[str] = frozenset()) -> list[Quoted]:  # type: ignore[assignment]
    """Sentences naming `force` outside the sections on `own` bodies: a comparison with another
    force, praise as a model, a criticism in the regional findings. Sentences naming more than
    two bodies (maps, lists of the region's forces) and those in `skip` are left out."""
    reader = FindingReader(document)
    quoted: list[Quoted] = []
    for index, block in enumerate(document.blocks):
        if len(quoted) >= limit:
            break
        if block.role == "heading" or reader.in_contents(index) or reader.subject_at(index) in own:
            continue
        if force not in forces_in(block.text):
            continue
        for sentence in _sentences(block):
            bodies = forces_in(sentence)
            if force in bodies and len(bodies) <= MAX_BODIES_IN_MENTION and sentence not in skip:
                quoted.append(Quoted(block.page, sentence))
                if len(quoted) >= limit:
                    break
    return quoted


def strongest_sentence(finding: Finding) -> Quoted | None:
    """The sentence under a finding with the most figures and shortfall, if one has a figure or
    two marks of shortfall."""
    best: tuple[int, Quoted] | None = None
    for block in finding.evidence:
        for sentence in _sentences(block):
            weight = sentence_weight(sentence)
            if (weight >= MIN_SUPPORT_WEIGHT and not sentence.endswith(":") and not sentence.startswith(OPENING_QUOTES)
                    and (best is None or weight > best[0])):
                best = (weight, Quoted(block.page, sentence))
    return best[1] if best else None


def report_name(document: Document, body: str) -> str:
    """The name the report itself gives a force or unit: its own section heading naming only that
    body ("North East Regional Specialist Operations Unit (NERSOU)"), else the canonical name."""
    for block in document.blocks:
        if block.role == "heading" and len(block.text.split()) <= MAX_NAME_WORDS and forces_in(block.text) == [body]:
            return block.text.strip()
    return body
