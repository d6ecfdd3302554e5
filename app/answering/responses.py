"""What a force or PCC says it is doing about a finding an answer quotes.

A section 55 response restates each finding of the report and answers it in the paragraph
after ("1. The force doesn't have enough financial investigation capacity ..." then "The
Force is looking at resourcing ..."). When a question asks how a force responded ("..., and
what is the force doing about it?"), an answer that quotes a finding gains that paragraph of
the force's own response, found by `ResponseFinder` (drafts find responses the same way), cited on its
page. Sentence scoring alone misses it: the response's words are the force's plans, not the
question's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import numpy as np

from scrutiny.app.retrieval.fusion import Hit, SearchFilters
from scrutiny.app.retrieval.service import Service
from scrutiny.index.store import IndexData
from scrutiny.ingest.chunker import SECTION_SEPARATOR
from scrutiny.ingest.findings import Finding, extract_findings, is_finding_label, restates_action
from scrutiny.ingest.forces import forces_in
from scrutiny.ingest.records import RESPONSE_KINDS, Block, Document, DocumentMemo
from scrutiny.ingest.text import dice, normalise_text

DAYS_PER_MONTH = 30.4  # dates are often known to the month only

RESTATING_PASSAGES = 20  # report passages sharing most words with a sentence whose reports are searched


# "Force Response: ...", "Update -", "PCC comment:": a paragraph that says it is a response.
RESPONSE_LABEL = re.compile(
    r"^\s*(?:(?:force|pcc|commissioner'?s?|constabulary|chief\s+constable'?s?)\s+)?"
    r"(?:response|update|progress|action(?:s)?(?:\s+taken)?|comment)s?\s*[:\-–—]",
    re.IGNORECASE,
)


def _month_year(iso: str) -> tuple[int, int] | None:
    match = re.match(r"^(\d{4})(?:-(\d{2}))?", iso or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2) or 1)


def response_owners(document: Document) -> list[str]:
    """Whose response a document is: the forces its title names, else the first one it mentions.

    A PCC's response to a regional report mentions every force of the region; only its own
    force's name is in its title ("Response by the PCC to HMICFRS inspections of Cleveland Police").
    """
    named = forces_in(document.title)
    if named:
        return named
    return document.forces[:1]


@dataclass
class ResponseFinder:
    """Paragraphs of indexed force/PCC responses (or board papers) that answer a finding.

    A response document must be the force's own (see `response_owners`) and dated within the
    window after the report. Inside it, a paragraph (or table cell) that restates the finding is followed by the
    force's answer: the paragraphs after it, up to the next heading, finding label or restated
    finding, skipping the finding's own wording (its "By ... should" line and sub-points) unless
    a paragraph calls itself a response ("Force response: ...").
    """

    service: Service
    report: Document
    force: str
    findings: list[Finding]
    max_paragraphs: int | None = None  # paragraphs quoted per response; None = the draft setting

    def __post_init__(self) -> None:
        settings = self.service.settings
        self.similarity = settings.drafting.restatement_similarity
        self.paragraphs: int = settings.drafting.response_paragraphs if self.max_paragraphs is None else self.max_paragraphs
        if self.paragraphs < 1:
            raise ValueError("max_paragraphs must be at least 1")
        self.min_words = settings.drafting.min_response_words
        self.candidates = settings.drafting.response_candidates
        self.window_days = settings.drafting.response_window_days
        self.finding_texts = [f.text for f in self.findings]

    def _dated_in_window(self, document: Document) -> bool:
        if document.id == self.report.id:
            return True
        report, response = _month_year(self.report.date), _month_year(document.date)
        if report is None or response is None:
            return True
        months = (response[0] - report[0]) * 12 + (response[1] - report[1])
        return 0 <= months <= self.window_days / DAYS_PER_MONTH

    def _documents(self, finding: Finding) -> list[Document]:
        hits = self.service.retriever().search(
            finding.text, self.candidates, SearchFilters(kinds=tuple(sorted(RESPONSE_KINDS))),
        )
        documents: dict[str, Document] = {}
        for hit in hits:
            document = hit.document
            if self.force in response_owners(document) and self._dated_in_window(document):
                documents.setdefault(document.id, document)
        return list(documents.values())

    def _restates(self, text: str, finding_text: str) -> bool:
        return dice(text, finding_text) >= self.similarity

    def _restates_any(self, text: str) -> bool:
        return any(self._restates(text, other) for other in self.finding_texts)

    def _own_wording(self, block: Block, finding: Finding) -> bool:
        """The finding's own lines (its dated action, its sub-points), not an answer to it."""
        if restates_action(block.text):
            return True
        own = {normalise_text(e.text) for e in finding.evidence}
        return normalise_text(block.text) in own and not RESPONSE_LABEL.match(block.text)

    def _after(self, document: Document, start: int, finding: Finding) -> list[Block]:
        taken: list[Block] = []
        for block in document.blocks[start + 1:]:
            if block.role == "heading" or is_finding_label(block.text) or self._restates_any(block.text):
                break
            if self._own_wording(block, finding) or len(block.text.split()) < self.min_words:
                continue
            taken.append(block)
            if len(taken) >= self.paragraphs:
                break
        return taken

    def find(self, finding: Finding) -> tuple[Document, list[tuple[int, str]]] | None:
        """(document, [(page, paragraph)]) of the first response that answers the finding."""
        for document in self._documents(finding):
            for index, block in enumerate(document.blocks):
                if block.role == "table_row":
                    cells = [cell.strip() for cell in block.text.split(" | ")]
                    if any(self._restates(cell, finding.text) for cell in cells):
                        answers = [
                            (block.page, cell) for cell in cells
                            if not self._restates_any(cell) and len(cell.split()) >= self.min_words
                        ]
                        if answers:
                            return document, answers[: self.paragraphs]
                    continue
                if not self._restates(block.text, finding.text):
                    continue
                following = self._after(document, index, finding)
                if following:
                    return document, [(b.page, b.text) for b in following]
        return None


@dataclass(frozen=True)
class Quoted:
    """A paragraph quoted from an indexed passage."""

    hit: Hit
    text: str


@dataclass(frozen=True)
class FindingResponse:
    """A finding in the report's own words and the force's response to it."""

    answers: str  # the sentence of the answer that states (or restates) the finding
    finding: Quoted | None  # None when the report's wording is not in one indexed passage
    response: Quoted


def passage_holding(service: Service, document: Document, page: int, paragraph: str) -> Hit | None:
    """The indexed chunk of `document` that holds `paragraph` on `page`."""
    wanted = normalise_text(paragraph)
    for chunk in service.data().chunks_of(document.id):
        if (chunk.page_start <= page <= chunk.page_end
                and wanted in normalise_text(chunk.text)):
            return Hit(chunk=chunk, document=document)
    return None


_findings: DocumentMemo[list[Finding]] = DocumentMemo(extract_findings)


def findings_of(document: Document) -> list[Finding]:
    """The findings of a report (ingest/findings.py), read once per indexed document."""
    return _findings(document)


def _first_finding(documents, matches) -> tuple[Document, Finding, list[Finding]] | None:
    """The first finding of the inspection reports among `documents` that `matches(finding)`,
    with its report and all the report's findings."""
    for document in documents:
        if document.kind != "inspection_report":
            continue
        findings = findings_of(document)
        for finding in findings:
            if matches(finding):
                return document, finding, findings
    return None


def finding_quoted(service: Service, hit: Hit, sentence: str) -> tuple[Document, Finding, list[Finding]] | None:
    """The report finding a sentence states or restates, with the report and all its findings.

    The sentence's own report is tried first: other forces' reports often word a finding alike.
    """
    wanted = normalise_text(sentence)
    threshold = service.settings.drafting.restatement_similarity

    def states(finding: Finding) -> bool:
        text = normalise_text(finding.text)
        return wanted in text or text in wanted or dice(sentence, finding.text) >= threshold

    reports = _reports_sharing_words(service, sentence)
    return _first_finding({hit.document.id: hit.document, **{d.id: d for d in reports}}.values(), states)


def _reports_sharing_words(service: Service, sentence: str) -> list[Document]:
    """The inspection reports of the RESTATING_PASSAGES report passages that share most of the
    sentence's words (BM25), best first. A finding a sentence states or restates shares most of
    its words, so its report is among them; reading every report's findings instead took 40 s
    an answer at 1M passages."""
    data = service.data()
    positions = service.sentence_scorer().of_snapshot("report passages", lambda data: data.positions_of(
        [doc_id for doc_id, row in data.rows().items() if row["kind"] == "inspection_report"]))
    best = islice(passages_by_words(data, positions, sentence), RESTATING_PASSAGES)
    return [data.documents[doc_id] for doc_id in dict.fromkeys(doc_id for doc_id, score in best if score > 0)]


def passages_by_words(data: IndexData, positions: np.ndarray, text: str) -> Iterator[tuple[str, float]]:
    """The document id and BM25 score for `text` of each passage at `positions` (chunk-table
    positions), best first, ties in index order; a passage is parsed only when reached."""
    scores = data.lexical.scores(text)[positions]
    for index in np.argsort(-scores, kind="stable"):
        yield data.chunks[int(positions[index])].doc_id, float(scores[index])


def finding_headed(service: Service, hit: Hit) -> tuple[Document, Finding, list[Finding]] | None:
    """The finding whose own heading a report passage sits under, with the report and its findings.

    A sentence there is the evidence for that finding ("The force reported a backlog of over
    20,000 SARs" under "Area for improvement: The force doesn't have enough financial
    investigation capacity"), so the response to the finding answers it too. Only the passage's
    own report counts, and the heading must state the finding: a plain heading ("Action
    Fraud") that a finding happens to contain ("... every Action Fraud report ...") is no finding.
    """
    if not hit.chunk.section:
        return None
    heading = hit.chunk.section.split(SECTION_SEPARATOR)[-1]
    wanted = normalise_text(heading)
    threshold = service.settings.drafting.restatement_similarity
    return _first_finding([hit.document], lambda finding: normalise_text(finding.text) in wanted
                          or dice(heading, finding.text) >= threshold)


def responses_to(service: Service, question: str, quoted: list[tuple[Hit, str]]) -> list[FindingResponse]:
    """For each (passage, sentence) an answer quotes, the response paragraph that answers it.

    Only a sentence that is a finding of an indexed inspection report (or a response's
    restatement of one), or sits under a finding's own heading (`finding_headed`), has a
    response. The response must be the force's own: a force the question names, else the one
    the finding concerns, else one the quoted passage is about.
    """
    found: list[FindingResponse] = []
    seen: set[str] = set()
    for hit, sentence in quoted:
        stated = finding_quoted(service, hit, sentence) or finding_headed(service, hit)
        if stated is None:
            continue
        report, finding, findings = stated
        if finding.kind == "graded_judgement":
            continue  # a grade asks for no action: no paragraph of a response answers it
        owners = forces_in(question) or ([finding.subject] if finding.subject else list(hit.chunk.forces))
        for force in dict.fromkeys(owners):
            # one paragraph: the answer to the finding (a draft quotes more)
            match = ResponseFinder(service, report, force, findings, max_paragraphs=1).find(finding)
            if match is None:
                continue
            document, [(page, paragraph)] = match
            passage = passage_holding(service, document, page, paragraph)
            if passage is None:
                continue  # not within one indexed passage: it could not be cited
            if normalise_text(paragraph) not in seen:
                seen.add(normalise_text(paragraph))
                report_passage = passage_holding(service, report, finding.page, finding.quote)
                found.append(FindingResponse(
                    sentence,
                    Quoted(report_passage, finding.quote) if report_passage else None,
                    Quoted(passage, paragraph),
                ))
            break
    return found
