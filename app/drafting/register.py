"""The findings register: every recommendation, area for improvement and cause of concern of
every indexed report, with the response found for it.

PCC offices keep such a register by hand: one row per finding (report, date, force or body,
addressee, deadline, page, the finding's words) and what the force has said about it. Here the
rows come from the reports' findings (scrutiny.ingest.findings) and the responses from indexed
force or PCC responses and board papers, found the way a draft finds them (`ResponseFinder`),
each cited on its page; a finding nothing answers says "no response indexed". The register is
listed (`scrutiny register`), written as Excel or CSV, and shown in the app's Findings tab.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from scrutiny.app.answering.responses import ResponseFinder, findings_of, response_owners
from scrutiny.app.drafting.builder import Citer, ForceFindings, draftable_forces
from scrutiny.app.drafting.model import ACTION_KINDS, DRAFTABLE_KINDS, KIND_LABELS, DraftError, human_date
from scrutiny.app.records import Citation
from scrutiny.app.retrieval.service import Service
from scrutiny.index.atomic import write_atomically
from scrutiny.ingest.findings import Finding
from scrutiny.ingest.forces import REGIONAL_UNIT_FORCES, TERRITORIAL_FORCES, resolve_force
from scrutiny.ingest.records import RESPONSE_KINDS, Document

NO_RESPONSE = "no response indexed"
REGISTER_SUFFIXES = (".xlsx", ".csv")
COLUMNS = (
    "Report", "File", "Date", "Force or body", "Kind", "Addressee", "Deadline", "Page", "Finding",
    "Response", "Response source",
)
COLUMN_WIDTHS = (40, 30, 12, 26, 20, 30, 14, 8, 70, 70, 50)  # Excel characters
# A spreadsheet runs a cell that opens with one of these as a formula; document text never should.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RegisteredResponse:
    """A paragraph of a force's response (or board paper) answering a finding, cited on its page."""

    force: str
    text: str
    citation: Citation

    def source_line(self) -> str:
        """"cleveland-response.docx, page 3 (7 December 2022)"."""
        return f"{self.citation.source}, {self.citation.page_reference()} ({human_date(self.citation.date)})"


@dataclass
class RegisterEntry:
    """One row of the register: a finding of a report and the responses found for it."""

    report: Document
    finding: Finding
    responses: list[RegisteredResponse] = field(default_factory=list)

    @property
    def body(self) -> str:
        """The force or unit the finding concerns, else its scope ("national")."""
        return self.finding.subject or self.finding.scope

    def response_text(self) -> str:
        """The responses as one cell: "Force: paragraph" lines, or "no response indexed"."""
        if not self.responses:
            return NO_RESPONSE
        return "\n\n".join(f"{r.force}: {r.text}" for r in self.responses)

    def row(self) -> tuple[str | int, ...]:
        """The entry under COLUMNS, for a spreadsheet."""
        finding = self.finding
        return (
            self.report.title, self.report.source, self.report.date, self.body, KIND_LABELS[finding.kind],
            finding.addressee, finding.deadline, finding.page, finding.quote, self.response_text(),
            "\n".join(r.source_line() for r in self.responses),
        )

    def to_dict(self) -> dict:
        """The `scrutiny register --json` object of one finding."""
        finding = self.finding
        return {
            "report": self.report.title, "source": self.report.source, "report_kind": self.report.kind,
            "date": self.report.date, "body": self.body, "kind": finding.kind, "addressee": finding.addressee,
            "deadline": finding.deadline, "page": finding.page, "page_label": self.report.page_label(finding.page),
            "text": finding.text, "quote": finding.quote, "finding_id": finding.id,
            "responses": [
                {"force": r.force, "text": r.text, "citation": r.citation.to_dict()} for r in self.responses
            ],
            "response": self.response_text(),
        }


class FindingsRegister:
    """Builds the register from the live index: `FindingsRegister(service).entries(force, kind)`."""

    def __init__(self, service: Service):
        self.service = service

    def entries(self, force: str | None = None, kind: str | None = None,
                with_responses: bool = True) -> list[RegisterEntry]:
        """Every action finding of every indexed report, oldest report first; only those that concern
        `force` (its own, its regional unit's, and national ones of reports it may respond to) and
        of `kind` when given; `with_responses=False` skips the search for responses (a quick list).
        DraftError for an unknown force or kind."""
        if kind is not None and kind not in ACTION_KINDS:
            raise DraftError(f"unknown kind '{kind}'; choose one of: {', '.join(ACTION_KINDS)}")
        canonical = self._force(force) if force else ""
        documents = self.service.data().documents.values()
        responders = self._responders(documents)
        citer = Citer()
        entries: list[RegisterEntry] = []
        reports = sorted((d for d in documents if d.kind in DRAFTABLE_KINDS), key=lambda d: (d.date, d.source))
        for report in reports:
            findings = findings_of(report)
            selected = [f for f in findings if f.kind in ACTION_KINDS and f.kind == (kind or f.kind)]
            if canonical:
                if canonical not in draftable_forces(report, findings):
                    continue
                concerning = {id(f) for f in ForceFindings.sort(findings, canonical).concerning()}
                selected = [f for f in selected if id(f) in concerning]
            for finding in selected:
                entry = RegisterEntry(report, finding)
                owners = ([canonical] if canonical else self._owners(finding)) if with_responses else []
                for owner in owners:
                    if owner in responders:
                        entry.responses.extend(self._responses(report, findings, finding, owner, citer))
                entries.append(entry)
        return entries

    @staticmethod
    def _force(name: str) -> str:
        candidates = resolve_force(name)
        if not candidates:
            raise DraftError(f"unknown force '{name}'; give a force name such as 'Cleveland Police'")
        if len(candidates) > 1:
            raise DraftError(f"'{name}' could mean {', '.join(candidates)}; give the full name")
        return candidates[0]

    @staticmethod
    def _responders(documents) -> set[str]:
        """Forces that own at least one indexed response or board paper (only they can have answered)."""
        return {owner for d in documents if d.kind in RESPONSE_KINDS for owner in response_owners(d)}

    def _owners(self, finding: Finding) -> list[str]:
        """Whose response could answer a finding: its force, the forces its unit serves, else any force."""
        if finding.subject in TERRITORIAL_FORCES:
            return [finding.subject]
        if finding.subject in REGIONAL_UNIT_FORCES:
            return list(REGIONAL_UNIT_FORCES[finding.subject])
        return sorted(self._responders(self.service.data().documents.values()))

    def _responses(self, report: Document, findings: list[Finding], finding: Finding, force: str,
                   citer: Citer) -> list[RegisteredResponse]:
        found = ResponseFinder(self.service, report, force, findings).find(finding)
        if found is None:
            return []
        source, paragraphs = found
        responses = []
        for page, text in paragraphs:
            n = citer.cite(source, page, text)
            if n is not None:  # a paragraph not on its page is never shown as the force's words
                responses.append(RegisteredResponse(force, text, citer.citations[n - 1]))
        return responses


def check_register_path(path: Path) -> Path:
    """The output path if the register can be written there; DraftError saying why not otherwise."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise DraftError(f"cannot write {path}: it is a folder; give a file name such as {path / 'register.xlsx'}")
    if path.suffix.lower() not in REGISTER_SUFFIXES:
        raise DraftError(f"cannot write {path.name}: the register is written as .xlsx or .csv; "
                         "name the file register.xlsx or register.csv")
    folder = path.parent.resolve() if str(path.parent) else Path.cwd()
    if not folder.is_dir():
        raise DraftError(f"cannot write {path}: folder {folder} does not exist; create it first")
    return path


def _inert(value):
    """A CSV cell a spreadsheet shows as text: a leading formula character is quoted."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_register(entries: list[RegisterEntry], path: Path) -> Path:
    """Write the register as .xlsx (one sheet, filters on) or .csv, atomically."""
    path = check_register_path(path)
    rows = [entry.row() for entry in entries]
    if path.suffix.lower() == ".csv":
        def write_csv(temp: Path) -> None:
            with temp.open("w", newline="", encoding="utf-8-sig") as handle:  # the BOM makes Excel read UTF-8
                writer = csv.writer(handle)
                writer.writerow(COLUMNS)
                writer.writerows([_inert(value) for value in row] for row in rows)
        write_atomically(path, write_csv)
    else:
        write_atomically(path, lambda temp: _write_xlsx(rows, temp))
    return path


def _write_xlsx(rows: list[tuple[str | int, ...]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Findings register"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # document text is never a formula, whatever it starts with
            cell.alignment = wrap
    for index, width in enumerate(COLUMN_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(sheet.max_row, 1)}"
    workbook.save(str(path))
