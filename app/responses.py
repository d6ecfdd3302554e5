"""What a force or PCC says it is doing about a finding an answer quotes.

A section 55 response restates each finding of the report and answers it in the paragraph
after ("1. The force doesn't have enough financial investigation capacity ..." then "The
Force is looking at resourcing ..."). When a question asks how a force responded ("..., and
what is the force doing about it?"), an answer that quotes a finding gains that paragraph of
the force's own response, found the way a draft finds it (draft.ResponseFinder), cited on its
page. Sentence scoring alone misses it: the response's words are the force's plans, not the
question's.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrutiny.app.draft import ResponseFinder, similarity
from scrutiny.app.quotes import normalise
from scrutiny.index.search import Hit
from scrutiny.ingest.chunker import SECTION_SEPARATOR
from scrutiny.ingest.findings import Finding, extract_findings
from scrutiny.ingest.forces import forces_in
from scrutiny.ingest.records import Document, DocumentMemo


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


def passage_holding(service, document: Document, page: int, paragraph: str) -> Hit | None:
    """The indexed chunk of `document` that holds `paragraph` on `page`."""
    wanted = normalise(paragraph)
    for chunk in service.data().chunks:
        if (chunk.doc_id == document.id and chunk.page_start <= page <= chunk.page_end
                and wanted in normalise(chunk.text)):
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


def finding_quoted(service, hit: Hit, sentence: str) -> tuple[Document, Finding, list[Finding]] | None:
    """The report finding a sentence states or restates, with the report and all its findings.

    The sentence's own report is tried first: other forces' reports often word a finding alike.
    """
    wanted = normalise(sentence)
    threshold = service.settings.draft_restatement_similarity

    def states(finding: Finding) -> bool:
        text = normalise(finding.text)
        return wanted in text or text in wanted or similarity(sentence, finding.text) >= threshold

    return _first_finding({hit.document.id: hit.document, **service.data().documents}.values(), states)


def finding_headed(service, hit: Hit) -> tuple[Document, Finding, list[Finding]] | None:
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
    wanted = normalise(heading)
    threshold = service.settings.draft_restatement_similarity
    return _first_finding([hit.document], lambda finding: normalise(finding.text) in wanted
                          or similarity(heading, finding.text) >= threshold)


def responses_to(service, question: str, quoted: list[tuple[Hit, str]]) -> list[FindingResponse]:
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
            if normalise(paragraph) not in seen:
                seen.add(normalise(paragraph))
                report_passage = passage_holding(service, report, finding.page, finding.quote)
                found.append(FindingResponse(
                    sentence,
                    Quoted(report_passage, finding.quote) if report_passage else None,
                    Quoted(passage, paragraph),
                ))
            break
    return found
