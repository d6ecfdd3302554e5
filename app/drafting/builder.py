"""First-pass PCC (section 55) responses to an inspection report, every fact cited.

Within 56 days of an HMICFRS report the Police and Crime Commissioner publishes a response
saying what the force is doing about each finding. `DraftBuilder.build(report, force)` reads
the report's findings (scrutiny.ingest.findings), picks those the force must act on (its own,
its regional unit's, and national ones addressed to chief constables or forces), and lays them
out as the usual template: inspection details, executive summary, each recommendation and area
for improvement followed by the force's response, and a PCC comment. Existing force or PCC
responses already indexed fill in "Force response" where a paragraph of theirs restates the
finding; otherwise a placeholder says what is needed. Under each finding the report's own
evidence is quoted, figures and shortfalls first (evidence.py); the force's grade, progress on
earlier findings and its mentions elsewhere get short sections of their own. From an indexed
response the draft also takes the publication day, the force's process and the PCC's comment
(indexed_response.py); without one, the PCC comment is a cited skeleton to edit. A force the
report neither grades nor has findings for is refused (`draftable_forces`). Every factual
sentence carries a citation (document, page, verbatim quote) checked against the page text.

Markdown (`to_markdown`) and JSON (`to_dict`) come from the draft itself; files (Markdown, or
Word with real footnotes) are written by writers.py; the records are in model.py.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass

from scrutiny.app.answering.responses import ResponseFinder
from scrutiny.app.drafting.evidence import (
    earlier_findings,
    finding_evidence,
    grade_basis,
    mentions_elsewhere,
    report_name,
    strongest_sentence,
)
from scrutiny.app.drafting.indexed_response import IndexedResponse
from scrutiny.app.drafting.model import (
    ACTION_KINDS,
    DATE_PLACEHOLDER,
    DRAFTABLE_KINDS,
    KIND_LABELS,
    MARKER,
    PCC_PLACEHOLDER,
    PRACTICE_KINDS,
    RESPONSE_PLACEHOLDER,
    Draft,
    DraftError,
    InspectionDetails,
    Paragraph,
    ResponseItem,
    Section,
    document_label,
    human_date,
    quote_marks,
)
from scrutiny.app.records import Citation
from scrutiny.app.retrieval.service import Service
from scrutiny.index.store import DocumentTable, rows_matching
from scrutiny.ingest.classify import find_date
from scrutiny.ingest.findings import Finding, extract_findings
from scrutiny.ingest.forces import REGIONAL_UNITS, TERRITORIAL_FORCES, forces_in, regional_unit_of, resolve_force
from scrutiny.ingest.injection import instructions_in
from scrutiny.ingest.records import Document
from scrutiny.ingest.text import normalise_text, quote_on_page, split_sentences

SECTION_55_DAYS = 56  # Police Act 1996 s.55: the PCC publishes comments within 56 days
# Who a recommendation asks to act: a force's own chief officers, or forces in general.
FORCE_ADDRESSEE = re.compile(
    r"\b(?:chief\s+constables?|chief\s+officers?|chief\s+police\s+officers?|forces|the\s+force|constabular(?:y|ies))\b",
    re.IGNORECASE,
)
PUBLISHED_TITLE = re.compile(r"\bpublished\b\s*:?\s*[“\"](?P<title>[^”\"]{10,200})[”\"]", re.IGNORECASE)
MIN_SENTENCE_WORDS = 6  # a force's first mention is quoted from a sentence at least this long
REGION_SENTENCES = 2  # sentences after the one introducing the region, from its paragraph


# -- small readers ---------------------------------------------------------------------------


def _first_sentence(text: str) -> str:
    sentences = split_sentences(text)
    return sentences[0] if sentences else text


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _strip_end(text: str) -> str:
    return text.rstrip(" .;:")


# -- resolving what the user asked for ------------------------------------------------------

def find_report(documents: Mapping[str, Document], reference: str) -> Document:
    """The indexed document a user means by id prefix or file name; DraftError otherwise.

    Matched on the documents' manifest rows when the index gives them, so that only the chosen
    report is parsed, not every document."""
    reference = (reference or "").strip()
    if not reference:
        raise DraftError("no report given; pass an indexed report's file name or id (see `scrutiny docs`)")
    rows = ([documents.row(doc_id) for doc_id in documents] if isinstance(documents, DocumentTable)
            else [{**d.summary(), "sha256": d.id} for d in documents.values()])
    matches = rows_matching(rows, reference)
    if not matches:
        raise DraftError(f"no indexed document matches '{reference}'; see `scrutiny docs`")
    if len(matches) > 1:
        raise DraftError(f"'{reference}' matches {len(matches)} documents; give more of the id")
    document = documents[matches[0]["sha256"]]
    if document.kind not in DRAFTABLE_KINDS:
        reports = sorted(row["source"] for row in rows if row["kind"] in DRAFTABLE_KINDS)
        choices = ", ".join(reports) if reports else "none indexed yet"
        raise DraftError(
            f"{document.source} is a {document.kind.replace('_', ' ')}, not an inspection report or board paper; "
            f"choose one of: {choices}"
        )
    return document


def resolve_report_force(document: Document, name: str, findings: list[Finding]) -> str:
    """The canonical force or unit `name` means, if the report mentions it; DraftError otherwise."""
    candidates = resolve_force(name or "")
    mentioned = set(document.forces) | {f.subject for f in findings if f.subject}
    if not candidates:
        raise DraftError(f"unknown force '{name}'; give a force name such as 'Cleveland Police'")
    in_report = [c for c in candidates if c in mentioned]
    if len(candidates) > 1 and len(in_report) != 1:
        raise DraftError(f"'{name}' could mean {', '.join(candidates)}; give the full name")
    force = in_report[0] if in_report else candidates[0]
    if force not in mentioned:
        listed = report_bodies(document, findings)
        raise DraftError(
            f"{document.source} never mentions {force}; it mentions: {', '.join(listed) or 'no force'}"
        )
    draftable = draftable_forces(document, findings)
    if force not in draftable:
        raise DraftError(
            f"{document.source} names {force} but has no graded section or findings for it; "
            f"draft for one it has them for: {', '.join(draftable) or 'none (the report has no findings)'}"
        )
    return force


def draftable_forces(document: Document, findings: list[Finding] | None = None) -> list[str]:
    """Forces and units a draft can be written for: those the report grades or has findings for,
    the forces its regional units with findings serve, and, when it asks every force to act
    (national recommendations to chief constables or forces), every force it names.

    A force named only in passing (an appendix map, a comparison) has nothing to respond to.
    """
    findings = extract_findings(document) if findings is None else findings
    subjects = [f.subject for f in findings if f.subject]
    units = {subject for subject in subjects if subject in REGIONAL_UNITS}
    served = [f for f in document.forces if f in TERRITORIAL_FORCES and regional_unit_of(f) in units]
    asks_every_force = any(
        not f.subject and f.kind in ACTION_KINDS and FORCE_ADDRESSEE.search(f.addressee or "") for f in findings
    )
    named = [f for f in document.forces if f in TERRITORIAL_FORCES] if asks_every_force else []
    return list(dict.fromkeys(subjects + served + named))


def report_bodies(document: Document, findings: list[Finding]) -> list[str]:
    """Forces and units a report mentions, those it has findings for first."""
    subjects = [f.subject for f in findings if f.subject]
    ordered = dict.fromkeys(subjects + list(document.forces))
    return list(ordered)


# -- which findings concern the force -------------------------------------------------------

@dataclass
class ForceFindings:
    """A report's findings sorted by how they concern one force."""

    force: str
    unit: str
    own: list[Finding]
    regional: list[Finding]
    national: list[Finding]
    others: list[Finding]

    @classmethod
    def sort(cls, findings: list[Finding], force: str) -> ForceFindings:
        """Own (subject is the force), regional (its unit or region), national, others."""
        unit = force if force in REGIONAL_UNITS else regional_unit_of(force)
        report_units = {f.subject for f in findings if f.subject in REGIONAL_UNITS}
        own, regional, national, others = [], [], [], []
        for finding in findings:
            if finding.subject == force:
                own.append(finding)
            elif unit and (finding.subject == unit or (
                not finding.subject and finding.scope == "regional" and unit in report_units
            )):
                regional.append(finding)
            elif not finding.subject and finding.scope == "national":
                national.append(finding)
            elif finding.subject:
                others.append(finding)
        return cls(force, unit, own, regional, national, others)

    def for_action(self, finding: Finding) -> bool:
        """True when the force itself is asked to act (not only the Home Office, NPCC, ...)."""
        if finding.subject == self.force and (not finding.addressee or finding.addressee == self.force):
            return True
        return bool(FORCE_ADDRESSEE.search(finding.addressee or ""))

    def actions(self) -> list[Finding]:
        """Recommendations, areas for improvement and causes of concern that concern the force."""
        return [f for f in self.own + self.regional + self.national if f.kind in ACTION_KINDS]

    def concerning(self) -> list[Finding]:
        """Every finding about the force, its region, or the nation."""
        return self.own + self.regional + self.national


# -- citations ------------------------------------------------------------------------------

class Citer:
    """Numbers citations and refuses any whose quote is not on its page."""

    def __init__(self):
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, str], int] = {}

    def cite(self, document: Document, page: int, quote: str, section: str = "") -> int | None:
        """The [n] of (document, page, quote), or None when the quote is not on that page."""
        quote = " ".join(quote.split())
        key = (document.id, page, normalise_text(quote))
        if key in self._numbers:
            return self._numbers[key]
        if instructions_in(quote) or not quote_on_page(document, page, quote):
            return None  # text addressed to an AI model is never evidence (ingest/injection.py)
        n = len(self.citations) + 1
        self.citations.append(Citation(
            n=n, doc_id=document.id, source=document.source, title=document.title, kind=document.kind,
            date=document.date, page=page, section=section, quote=quote, passage=quote, score=1.0,
            page_label=document.page_label(page),
        ))
        self._numbers[key] = n
        return n

    def cite_finding(self, document: Document, finding: Finding) -> int | None:
        return self.cite(document, finding.page, finding.quote, finding.section)


# -- the builder ----------------------------------------------------------------------------

class DraftBuilder:
    """Builds a `Draft` for one report and one force from the live index."""

    def __init__(self, service: Service):
        self.service = service
        self.settings = service.settings

    def build(self, report: str, force: str) -> Draft:
        """A cited first-pass response of `force` to `report` (id prefix or file name)."""
        started = time.perf_counter()
        documents = self.service.data().documents
        document = find_report(documents, report)
        findings = extract_findings(document)
        canonical = resolve_report_force(document, force, findings)
        sorted_findings = ForceFindings.sort(findings, canonical)
        read = time.perf_counter()
        finder = ResponseFinder(self.service, document, canonical, findings)
        answers = {id(f): finder.find(f) for f in sorted_findings.actions()}
        response = self._indexed_response(document, answers)
        citer = Citer()
        notes: list[str] = []
        details, detail_section = self._details(document, canonical, findings, citer, response)
        summary = self._summary(document, sorted_findings, findings, citer, notes)
        context = self._report_context(document, sorted_findings, citer)
        items, item_sections = self._items(document, sorted_findings, citer, notes, answers, response)
        pcc = self._pcc_section(document, sorted_findings, citer, response, details.title)
        finished = time.perf_counter()
        return Draft(
            report=document, force=canonical,
            heading=f"Response by the PCC to HMICFRS inspections of {canonical}",
            details=details,
            grades=[f for f in findings if f.kind == "graded_judgement"],
            items=items,
            sections=[detail_section, summary, *context, *item_sections, pcc],
            citations=citer.citations, notes=notes,
            timings_ms={"findings": (read - started) * 1000, "draft": (finished - read) * 1000,
                        "total": (finished - started) * 1000},
        )

    def _indexed_response(self, document: Document, answers: dict) -> IndexedResponse | None:
        """The indexed response (another document) whose paragraphs answered the report's findings."""
        drafting = self.settings.drafting
        for found in answers.values():
            if found is not None and found[0].id != document.id:
                return IndexedResponse(found[0], drafting.min_response_words, drafting.restatement_similarity)
        return None

    # -- inspection details -------------------------------------------------------------
    def _details(self, document: Document, force: str, findings: list[Finding],
                 citer: Citer, response: IndexedResponse | None) -> tuple[InspectionDetails, Section]:
        section = Section("Inspection details")
        title, title_n = self._title(document, citer)
        section.paragraphs.append(Paragraph(_with_marker(title, title_n), "field", "Title of inspection"))
        source = _sentence_case(document_label(document).removeprefix("the "))
        if document.kind == "board_paper":
            source += "; a board paper restating the inspection, not the HMICFRS report itself"
        section.paragraphs.append(Paragraph(source, "field", "Drafted from"))
        stated = response.publication(document) if response is not None else None
        if response is not None and stated is not None and len(document.date) < len(stated[0]):
            # the report gives the month only, its indexed response the day
            published, published_n = human_date(stated[0]), citer.cite(response.document, stated[1].page, stated[1].text)
        else:
            published, published_n = self._published(document, citer)
        section.paragraphs.append(Paragraph(_with_marker(published, published_n), "field", "Date inspection published"))
        kind, reason = inspection_type(document, findings)
        type_text = f"{kind.capitalize()} ({reason})"
        options = response.type_options() if response is not None else []
        if options:
            type_text += f"; the response form's options: {', '.join(options)} [tick one]"
        section.paragraphs.append(Paragraph(type_text, "field", "Type of inspection"))
        pages, mention = self._mentions(document, force)
        if pages:
            mention_n = citer.cite(document, mention[0], mention[1]) if mention else None
            named = _with_marker(f"Yes: {force} is named on {_page_list(pages)}", mention_n)
        else:
            named = f"No: the report does not name {force}"
        section.paragraphs.append(Paragraph(named, "field", f"Is {force} named in the report?"))
        due = response_due(published)
        section.paragraphs.append(Paragraph(due, "field", "Section 55 response due"))
        details = InspectionDetails(
            title=title, published=published, inspection_type=kind, type_reason=reason,
            force_named=bool(pages), named_pages=pages, response_due=due,
        )
        return details, section

    def _title(self, document: Document, citer: Citer) -> tuple[str, int | None]:
        """The inspection's title: a board paper's "HMICFRS published: "..."", else the document's."""
        if document.kind == "board_paper":
            for page, text in enumerate(document.pages, 1):
                match = PUBLISHED_TITLE.search(text)
                if match:
                    title = match.group("title").strip()
                    return title, citer.cite(document, page, title)
        for page in range(1, min(len(document.pages), 3) + 1):
            n = citer.cite(document, page, document.title)
            if n:
                return document.title, n
        first = next((b for b in document.blocks if b.role == "heading"), None)
        if first is not None:
            return first.text, citer.cite(document, first.page, first.text)
        return document.title, None

    def _published(self, document: Document, citer: Citer) -> tuple[str, int | None]:
        """Publication date: a sentence saying when HMICFRS published, else the report's own date."""
        for block in document.blocks:
            for sentence in split_sentences(block.text):
                if re.search(r"\bpublished\b", sentence, re.IGNORECASE):
                    found = find_date(sentence)
                    if found:
                        return human_date(found), citer.cite(document, block.page, sentence)
        if document.date:
            for block in document.blocks:
                if block.page <= 2 and find_date(block.text) == document.date:
                    return human_date(document.date), citer.cite(document, block.page, block.text)
        return human_date(document.date), None

    @staticmethod
    def _mentions(document: Document, force: str) -> tuple[list[int], tuple[int, str] | None]:
        """Pages naming the force, and a sentence that names it (for the citation)."""
        pages: list[int] = []
        quote: tuple[int, str] | None = None
        for block in document.blocks:
            if force not in forces_in(block.text):
                continue
            if block.page not in pages:
                pages.append(block.page)
            if quote is None:
                for sentence in split_sentences(block.text):
                    if len(sentence.split()) >= MIN_SENTENCE_WORDS and force in forces_in(sentence):
                        quote = (block.page, sentence)
                        break
        return sorted(pages), quote

    # -- executive summary ---------------------------------------------------------------
    def _summary(self, document: Document, sorted_findings: ForceFindings, findings: list[Finding],
                 citer: Citer, notes: list[str]) -> Section:
        section = Section("Executive summary of report")
        paragraphs = section.paragraphs
        force = sorted_findings.force

        def bullets(label: str, selected: list[Finding], phrase) -> None:
            lines = []
            for finding in selected:
                n = citer.cite_finding(document, finding)
                if n is not None:
                    lines.append(Paragraph(_with_marker(phrase(finding), n), "bullet"))
            if lines:
                paragraphs.append(Paragraph(label, "label"))
                paragraphs.extend(lines)

        context = self._region_sentence(document, sorted_findings)
        if context is not None:
            page, sentence, paragraph = context
            region = []
            for line in [sentence] + [s for s in split_sentences(paragraph) if s != sentence][:REGION_SENTENCES]:
                n = citer.cite(document, page, line)
                if n is not None:
                    region.append(Paragraph(_with_marker(line, n), "bullet"))
            if region:
                paragraphs.append(Paragraph("The region", "label"))
                paragraphs.extend(region)
        grades = [f for f in findings if f.kind == "graded_judgement"]
        grade_lines = []
        for grade in grades:
            n = citer.cite_finding(document, grade)
            if n is None:
                continue
            text = _with_marker(_grade_phrase(grade), n)
            if grade.subject == force:  # what the force's own grade rests on, when the report says
                text += "".join(" " + _with_marker(q.text, citer.cite(document, q.page, q.text), end=".")
                                for q in grade_basis(document, grade))
            grade_lines.append(Paragraph(text, "bullet"))
        if grade_lines:
            paragraphs.append(Paragraph("Grades", "label"))
            paragraphs.extend(grade_lines)
        own = sorted_findings.own

        def supported(finding: Finding) -> str:
            """A statement, then its strongest sentence of figures or shortfall (cited in turn)."""
            text = _with_marker(_finding_phrase(finding), citer.cite_finding(document, finding))
            support = strongest_sentence(finding) if finding.kind == "key_finding" else None
            if support is not None:
                text += " " + _with_marker(support.text, citer.cite(document, support.page, support.text), end=".")
            return text

        def statements(label: str, selected: list[Finding]) -> None:
            lines = [Paragraph(supported(f), "bullet") for f in selected
                     if citer.cite_finding(document, f) is not None]
            if lines:
                paragraphs.append(Paragraph(label, "label"))
                paragraphs.extend(lines)

        statements(f"Main findings for {force}", [f for f in own if f.kind in ("key_finding", *PRACTICE_KINDS)])
        bullets(f"Areas for improvement and recommendations for {force}",
                [f for f in own if f.kind in ACTION_KINDS], _finding_phrase)
        regional = [f for f in sorted_findings.regional if f.kind != "graded_judgement"]
        unit_name = report_name(document, sorted_findings.unit) if sorted_findings.unit else ""
        statements(f"Regional findings ({unit_name})", [f for f in regional if f.kind not in ACTION_KINDS])
        bullets("Regional areas for improvement and recommendations",
                [f for f in regional if f.kind in ACTION_KINDS], _finding_phrase)
        national = [f for f in sorted_findings.national if f.kind != "graded_judgement"]
        bullets("National recommendations and causes of concern", national, _finding_phrase)
        others = [f for f in sorted_findings.others if f.kind in (*ACTION_KINDS, *PRACTICE_KINDS)]
        by_subject: dict[str, list[Finding]] = {}
        for finding in others:
            by_subject.setdefault(finding.subject, []).append(finding)
        for subject, selected in by_subject.items():
            bullets(f"Other bodies inspected: {report_name(document, subject)}", selected, _finding_phrase)
        if not sorted_findings.concerning():
            text = f"The report makes no findings, recommendations or areas for improvement for {force}."
            paragraphs.insert(0, Paragraph(text, "note"))
            notes.append(text)
        return section

    @staticmethod
    def _region_sentence(document: Document, sorted_findings: ForceFindings) -> tuple[int, str, str] | None:
        """In a report on a region, its first sentence naming both the force and its regional unit,
        with the paragraph it opens (what follows says more about the region: "As of 7 July 2022,
        NERSOU has been renamed ...")."""
        unit, force = sorted_findings.unit, sorted_findings.force
        if not unit or unit == force or not any(f.subject == unit for f in sorted_findings.regional):
            return None
        for block in document.blocks:
            if block.role not in ("paragraph", "list_item"):
                continue
            for sentence in split_sentences(block.text):
                bodies = forces_in(sentence)
                if force in bodies and unit in bodies and len(sentence.split()) >= MIN_SENTENCE_WORDS:
                    return block.page, sentence, block.text
        return None

    # -- what else the report says about the force --------------------------------------
    def _report_context(self, document: Document, sorted_findings: ForceFindings, citer: Citer) -> list[Section]:
        """Short sections: progress on earlier findings, and the force's mentions elsewhere."""
        force, unit = sorted_findings.force, sorted_findings.unit
        sections: list[Section] = []
        progress = Section("Progress on earlier findings")
        for group in earlier_findings(document, {force} | ({unit} if unit else set())):
            lines = [Paragraph(_with_marker(q.text, citer.cite(document, q.page, q.text)), "bullet") for q in group]
            progress.paragraphs.extend(line for line in lines if MARKER.search(line.text))
        if progress.paragraphs:
            sections.append(progress)
        quoted = {normalise_text(c.quote) for c in citer.citations}
        mentions = Section(f"{force} elsewhere in the report")
        for q in mentions_elsewhere(document, force, {force}, self.settings.drafting.mention_sentences):
            if normalise_text(q.text) in quoted:
                continue  # already quoted above
            n = citer.cite(document, q.page, q.text)
            if n is not None:
                mentions.paragraphs.append(Paragraph(_with_marker(q.text, n), "bullet"))
        if mentions.paragraphs:
            sections.append(mentions)
        return sections

    # -- items to respond to -----------------------------------------------------------
    def _items(self, document: Document, sorted_findings: ForceFindings, citer: Citer, notes: list[str],
               answers: dict, response: IndexedResponse | None) -> tuple[list[ResponseItem], list[Section]]:
        force = sorted_findings.force
        action_section = Section("Force response to recommendations and areas for improvement")
        info_section = Section("Recommendations addressed to other bodies (for information)")
        items: list[ResponseItem] = []
        found_any = False
        ordered = sorted(sorted_findings.actions(), key=lambda f: not sorted_findings.for_action(f))
        for finding in ordered:
            n = citer.cite_finding(document, finding)
            if n is None:
                kind = KIND_LABELS[finding.kind].lower()
                notes.append(f"skipped a {kind} on page {finding.page}: quote not on its page")
                continue
            item = ResponseItem(len(items) + 1, finding, sorted_findings.for_action(finding), n)
            found = answers.get(id(finding))
            if found is not None:
                source, paragraphs = found
                for page, text in paragraphs:
                    answer_n = citer.cite(source, page, text)
                    if answer_n is not None:
                        item.response.append((text, answer_n))
                item.response_source = document_label(
                    source, dated=not (response is not None and source.id == response.document.id
                                       and response.dated_by_publication(document)))
            found_any = found_any or bool(item.response)
            items.append(item)
            target = action_section if item.for_action else info_section
            target.paragraphs.extend(self._item_paragraphs(document, item, citer))
        if not any(item.for_action for item in items):
            action_section.paragraphs.insert(0, Paragraph(
                f"The report makes no recommendations or areas for improvement that {force} is asked to act on.",
                "note"))
        elif response is not None:
            answered = [text for found in answers.values() if found is not None for _, text in found[1]]
            process = [Paragraph(_with_marker(q.text, citer.cite(response.document, q.page, q.text)), "body")
                       for q in response.process(sorted_findings.actions(), answered)]
            process = [paragraph for paragraph in process if MARKER.search(paragraph.text)]
            if process:
                action_section.paragraphs[0:0] = [
                    Paragraph("How the force handles the report", "label"),
                    Paragraph(f"Drawn from {document_label(response.document, dated=False)}; update as needed.",
                              "note"),
                    *process,
                ]
        if items and not found_any:
            notes.append("no indexed force or PCC response answers these findings; responses are placeholders")
        sections = [action_section] + ([info_section] if info_section.paragraphs else [])
        return items, sections

    def _item_paragraphs(self, document: Document, item: ResponseItem, citer: Citer) -> list[Paragraph]:
        finding = item.finding
        who = report_name(document, finding.subject) if finding.subject else (
            "regional" if finding.scope == "regional" else "national")
        paragraphs = [
            Paragraph(f"{item.number}. {KIND_LABELS[finding.kind]} ({who})", "heading"),
            Paragraph(_with_marker(quote_marks(_strip_end(finding.text)), item.citation), "quote"),
            Paragraph(finding.addressee or who, "field", "Addressed to"),
            Paragraph(finding.deadline or "none set in the report", "field", "Deadline"),
        ]
        if document.kind == "inspection_report":
            evidence: list[Paragraph] = []
            for q in finding_evidence(finding, self.settings.drafting.evidence_sentences):
                n = citer.cite(document, q.page, q.text)
                if n is not None:
                    evidence.append(Paragraph(_with_marker(q.text, n, end="."), "bullet"))
            if evidence:
                paragraphs.append(Paragraph("What HMICFRS found", "label"))
                paragraphs.extend(evidence)
        paragraphs.append(Paragraph("Force response", "label"))
        if item.response:
            paragraphs.append(Paragraph(f"Drawn from {item.response_source}; update as needed.", "note"))
            paragraphs.extend(Paragraph(_with_marker(text, n), "body") for text, n in item.response)
        else:
            paragraphs.append(Paragraph(RESPONSE_PLACEHOLDER, "placeholder"))
        return paragraphs

    # -- the PCC's comment ---------------------------------------------------------------
    def _pcc_section(self, document: Document, sorted_findings: ForceFindings, citer: Citer,
                     response: IndexedResponse | None, title: str) -> Section:
        """The PCC's indexed comment, cited; else a skeleton in the PCC's voice to edit, every fact cited."""
        section = Section("PCC response to inspection", [Paragraph("Comment by the PCC:", "label")])
        comment = response.pcc_comment() if response is not None else []
        lines = [Paragraph(_with_marker(q.text, citer.cite(response.document, q.page, q.text)), "body")
                 for q in comment] if response is not None else []
        lines = [line for line in lines if MARKER.search(line.text)]
        if lines and response is not None:
            section.paragraphs.append(Paragraph(
                f"Drawn from {document_label(response.document, dated=False)}; update as needed.", "note"))
            section.paragraphs.extend(lines)
        else:
            skeleton = pcc_skeleton(document, sorted_findings, citer, title)
            if skeleton:
                section.paragraphs.append(Paragraph(
                    "Draft text for the PCC to check and edit: every fact in it is cited; fill the bracketed part.",
                    "note"))
                section.paragraphs.extend(skeleton)
            else:
                section.paragraphs.append(Paragraph(PCC_PLACEHOLDER, "placeholder"))
        section.paragraphs += [
            Paragraph("For office use only", "label"),
            Paragraph(DATE_PLACEHOLDER, "field", "Response forwarded to Home Office"),
            Paragraph(DATE_PLACEHOLDER, "field", "Response published on PCC website"),
        ]
        return section


COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


PLURAL_NOUNS = {"area for improvement": "areas for improvement", "cause of concern": "causes of concern"}


def _count(number: int, noun: str) -> str:
    """(2, "area for improvement") -> "two areas for improvement"."""
    word = COUNT_WORDS[number] if number < len(COUNT_WORDS) else str(number)
    return f"{word} {noun if number == 1 else PLURAL_NOUNS.get(noun, noun + 's')}"


def pcc_skeleton(document: Document, sorted_findings: ForceFindings, citer: Citer, title: str) -> list[Paragraph]:
    """A comment in the PCC's voice built from the force's grade and findings ("The PCC welcomes
    ... notes the two areas for improvement ... will monitor progress through ..."): each fact is
    quoted from the report and cited; what only the office knows is a bracketed placeholder."""
    force = sorted_findings.force
    lines: list[Paragraph] = []
    title_n = citer.cite(document, 1, title) or next(
        (citer.cite(document, page, title) for page in range(2, len(document.pages) + 1)
         if quote_on_page(document, page, title)), None)
    if title_n is not None:
        lines.append(Paragraph(f"The PCC welcomes the inspection “{title}” [{title_n}].", "body"))
    for grade in (f for f in sorted_findings.own if f.kind == "graded_judgement"):
        n = citer.cite_finding(document, grade)
        if n is not None:
            lines.append(Paragraph(f"The report finds that {_lower_first(_strip_end(grade.quote))} [{n}].", "body"))
    for who, selected in ((force, [f for f in sorted_findings.own if f.kind in ACTION_KINDS]),
                          (report_name(document, sorted_findings.unit) if sorted_findings.unit else "",
                           [f for f in sorted_findings.regional if f.kind in ACTION_KINDS and f.subject])):
        cited = [(f, citer.cite_finding(document, f)) for f in selected]
        cited = [(f, n) for f, n in cited if n is not None]
        if not cited:
            continue
        kinds = {f.kind for f, _ in cited}
        noun = KIND_LABELS[kinds.pop()].lower() if len(kinds) == 1 else "finding"
        listed = "; ".join(f"{quote_marks(_strip_end(f.text))} [{n}]" for f, n in cited)
        lines.append(Paragraph(f"The PCC notes the {_count(len(cited), noun)} for {who}: {listed}.", "body"))
    if lines:
        lines.append(Paragraph(
            "The PCC will monitor the force's progress on each of them through [the PCC's scrutiny arrangements].",
            "placeholder"))
    return lines


def _lower_first(text: str) -> str:
    """"The force is ..." -> "the force is ..."; a name ("Cleveland Police is ...") keeps its capital."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first in ("The", "A", "An", "This", "Its") else text


def _grade_phrase(grade: Finding) -> str:
    """A grade as the report states it; a table row ("Investigating crime | Good") in words."""
    if " | " in grade.quote:
        return grade.text.replace(f" is {grade.grade} at ", f" was graded {grade.grade} at ") + "."
    return grade.quote.strip()


def _with_marker(text: str, n: int | None, end: str = "") -> str:
    """`text` with its citation marker before the final full stop ("... crime [3].")."""
    body = text.rstrip()
    if n is None:
        return body + ("" if body.endswith((".", "!", "?", "”", '"')) else end)
    if body.endswith(("”", '"', "’")):  # a closing quotation keeps its own punctuation
        return f"{body} [{n}]"
    stop = end
    if body.endswith((".", "!", "?")) and not body.endswith("..."):
        body, stop = body[:-1], body[-1]
    return f"{body} [{n}]{stop}"


def _finding_phrase(finding: Finding) -> str:
    """A summary bullet: a key finding as stated, other kinds labelled, long texts cut to a sentence."""
    text = _strip_end(_first_sentence(finding.text))
    if finding.kind == "key_finding":
        return _sentence_case(text) + "."
    label = KIND_LABELS[finding.kind]
    if finding.deadline and finding.deadline.lower() not in text.lower():
        label = f"{label} (deadline: {finding.deadline})"
    return f"{label}: {text}."


def _page_list(pages: list[int]) -> str:
    """[2, 5, 12, 13, 14] -> "pages 2, 5 and 12–14"."""
    runs: list[str] = []
    start = previous = pages[0]
    for page in pages[1:] + [None]:
        if page is not None and page == previous + 1:
            previous = page
            continue
        runs.append(str(start) if start == previous else f"{start}–{previous}")
        if page is not None:
            start = previous = page
    word = "page" if len(pages) == 1 else "pages"
    return f"{word} {', '.join(runs[:-1]) + ' and ' + runs[-1] if len(runs) > 1 else runs[0]}"


def inspection_type(document: Document, findings: list[Finding]) -> tuple[str, str]:
    """force, regional, national or thematic, with the reason in words."""
    if re.search(r"\bthematic\b", f"{document.title}\n{document.pages[0] if document.pages else ''}", re.IGNORECASE):
        return "thematic", "the report calls itself thematic"
    subjects = list(dict.fromkeys(f.subject for f in findings if f.subject))
    units = [s for s in subjects if s in REGIONAL_UNITS]
    forces = [s for s in subjects if s in TERRITORIAL_FORCES]
    if len(units) == 1 and all(regional_unit_of(f) == units[0] for f in forces):
        served = ", ".join(forces) or "none of its forces"
        return "regional", f"findings for {units[0]} and the forces it serves: {served}"
    if len(forces) == 1 and not units:
        return "force", f"findings for {forces[0]} only"
    national = [f for f in findings if not f.subject and f.kind in ACTION_KINDS]
    if national and not subjects:
        return "national", (f"{len(national)} recommendations and causes of concern for national bodies "
                            "or every force or region; none for one force alone")
    if subjects:
        return "thematic", f"findings for several forces: {', '.join(subjects)}"
    return "national", "no single force or region is inspected"


def response_due(published: str) -> str:
    """The section 55 deadline when the day is known, else the rule."""
    try:
        day = dt.datetime.strptime(published, "%d %B %Y").date()
    except ValueError:
        return f"{SECTION_55_DAYS} days after publication (check the exact publication day)"
    due = day + dt.timedelta(days=SECTION_55_DAYS)
    return f"{due.strftime('%-d %B %Y')} ({SECTION_55_DAYS} days after publication)"


