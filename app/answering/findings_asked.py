"""Findings a question asks for by their kind's name.

"What were Cleveland's areas for improvement?" and "What cause of concern did HMICFRS raise?"
ask for the findings themselves. Sentence scoring alone puts sentences that talk about such
findings ("we established an area for improvement in 2018", "HMICFRS raised one cause of
concern") ahead of them. The findings come from the reports and board papers
(ingest/findings.py), within the question's filters, each quoted from the passage that holds it;
extractive.py scores them against the question and keeps those near the best.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scrutiny.app.answering.responses import Quoted, findings_of, passage_holding, passages_by_words
from scrutiny.app.retrieval.fusion import SearchFilters
from scrutiny.app.retrieval.service import Service
from scrutiny.index.store import IndexData
from scrutiny.ingest.findings import LABELS, labels_pattern
from scrutiny.ingest.records import Document

REPORT_KINDS = ("inspection_report", "board_paper")  # a board paper restates the report's findings

FINDING_REPORTS = 50  # most reports whose findings one question asking for a kind of finding reads


# The kind named as the head of what is asked, before any verb or preposition of the question's
# own: "What were Cleveland's areas for improvement?", "Which AFIs did the force get?"; not "What
# did the force do about the recommendation?" or "What was the deadline for recommendations?".
KIND_ASKED = re.compile(
    r"^\s*(?:what|which|list)\s+(?:(?:were|are|was|is)\s+)?(?:the\s+)?"
    r"(?:(?!(?:did|does|do|has|have|had|will|would|should|can|could|of|for|on|in|at|about|to|with|by)\b)"
    r"[\w'’-]+\s+){0,2}?(" + labels_pattern() + r")\b(.*)$",
    re.IGNORECASE | re.DOTALL,
)
# What is asked of findings already made (their progress, their deadline), not the findings:
# "Which recommendations have been implemented?"
STATUS = re.compile(r"\b(?:implement|complet|address|clos|progress|met\b|meet|achiev|adopt|discharg|deliver|"
                    r"done\b|finish|deadline|due\b|outstanding|respond|acted\b)", re.IGNORECASE)
# A question about the findings of an earlier inspection than the latest.
EARLIER = re.compile(r"\b(?:earlier|previous|prior|former)\s+(?:[\w-]+\s+){0,2}?(?:inspections?|reports?)\b",
                     re.IGNORECASE)
# How a sentence names findings of each kind ("raised one cause of concern", "the two AFIs").
KIND_NAMED = {kind: re.compile(r"\b(?:" + labels_pattern(kind) + r")\b", re.IGNORECASE)
              for kind in set(LABELS.values())}


@dataclass(frozen=True)
class Asked:
    """The kind of finding a question (or part) asks for, and the findings of that kind."""

    kind: str
    findings: list[Quoted]


def _month(document) -> str:
    """The year and month of a document's ISO date ("2022-12" of "2022-12-07"); "" when it has no month."""
    return document.date[:7] if document.date and len(document.date) >= 7 else ""


def kind_asked(part: str) -> str | None:
    """The kind of finding a question (or part) asks for by name, if any."""
    match = KIND_ASKED.match(part)
    if not match or STATUS.search(match.group(2)):
        return None
    return LABELS[" ".join(match.group(1).lower().split())]


def _likeliest(data: IndexData, doc_ids: list[str], part: str) -> list[Document]:
    """The documents, in index order, or the FINDING_REPORTS of them whose passages share most
    of the part's words (BM25) when there are more: a question asking for a kind of finding
    reads those reports' findings, not every report's (70 s a question over 25,000 reports)."""
    if len(doc_ids) > FINDING_REPORTS:
        likeliest: dict[str, None] = {}
        for doc_id, _ in passages_by_words(data, data.positions_of(doc_ids), part):
            likeliest[doc_id] = None
            if len(likeliest) == FINDING_REPORTS:
                break
        doc_ids = [doc_id for doc_id in doc_ids if doc_id in likeliest]
    return [data.documents[doc_id] for doc_id in doc_ids]


def findings_asked(service: Service, part: str, forces: frozenset[str], years: frozenset[str],
                   filters: SearchFilters = SearchFilters()) -> Asked | None:
    """The findings of the kind `part` asks for: a named force's own when `forces` names any,
    from a report of a year the question names (by the report's date or title: a 2021 report's
    "By February 2022" is no 2022 finding), each in a passage `filters` allows. For "its earlier
    (previous, prior, former) inspection", only those of inspection reports older, by month, than the
    newest that made any: none when that cannot be told (one report, or undated ones). None when
    the part asks for no kind of finding."""
    kind = kind_asked(part)
    if kind is None:
        return None
    data = service.data()
    mask = service.retriever().allowed(filters)
    allowed = None if mask is None else {data.chunks[int(i)].id for i in np.flatnonzero(mask)}
    earlier = bool(EARLIER.search(part))
    found: dict[str, list[Quoted]] = {}  # by the month of the report that made them, when asked
    def wanted(row: dict) -> bool:
        dated = f"{row['title']} {row['date'] or ''}"
        return (row["kind"] in REPORT_KINDS and all(year in dated for year in years)
                and not (earlier and row["kind"] != "inspection_report")  # a board paper is dated by its meeting
                # a finding about a force is in a document that names it: the others are not read
                # (each report read costs its findings, 70 s a question over 25,000 reports)
                and (not forces or bool(forces & set(row["forces"]))))

    for document in _likeliest(data, [doc_id for doc_id, row in data.rows().items() if wanted(row)], part):
        for finding in findings_of(document):
            if finding.kind != kind or (forces and finding.subject not in forces):
                continue
            passage = passage_holding(service, document, finding.page, finding.quote)
            if passage is not None and (allowed is None or passage.chunk.id in allowed):
                found.setdefault(_month(document) if earlier else "", []).append(Quoted(passage, finding.quote))
    if earlier:
        newest = max(found, default="")
        found = {month: quoted for month, quoted in found.items() if month and month < newest}
    return Asked(kind, [quoted for month in found for quoted in found[month]])
