"""A draft section 55 response as typed records, and its Markdown form.

Every factual sentence of a draft carries a citation (document, page, quote); the writers
(writers.py) turn the same records into a Word file with real footnotes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from scrutiny.app.records import Citation
from scrutiny.ingest.findings import Finding
from scrutiny.ingest.records import Document

DRAFTABLE_KINDS = ("inspection_report", "board_paper")


ACTION_KINDS = ("recommendation", "area_for_improvement", "cause_of_concern")


PRACTICE_KINDS = ("innovative_practice", "promising_practice")


RESPONSE_PLACEHOLDER = "[Force to provide update]"


PCC_PLACEHOLDER = "[PCC to add comment]"


DATE_PLACEHOLDER = "[date]"


OUTPUT_SUFFIXES = (".docx", ".md")


KIND_LABELS = {
    "graded_judgement": "Graded judgement", "cause_of_concern": "Cause of concern",
    "recommendation": "Recommendation", "area_for_improvement": "Area for improvement",
    "innovative_practice": "Innovative practice", "promising_practice": "Promising practice",
    "key_finding": "Key finding",
}


MARKER = re.compile(r"\[(\d+)\]")


class DraftError(ValueError):
    """Input a draft cannot be made from; the message says what to do instead."""


@dataclass
class Paragraph:
    """One paragraph of the draft. `text` holds [n] markers tied to the draft's citations.

    `style` is how it is laid out: body, bullet, label (a bold lead-in), field (`label`: text),
    heading (an item's heading), quote (a finding as the report states it), placeholder,
    note (where pre-filled text came from).
    """

    text: str
    style: str = "body"
    label: str = ""


@dataclass
class Section:
    """A titled part of the template."""

    title: str
    paragraphs: list[Paragraph] = field(default_factory=list)


@dataclass
class ResponseItem:
    """A finding the force must act on (or note), with any response already published."""

    number: int
    finding: Finding
    for_action: bool
    citation: int
    response: list[tuple[str, int]] = field(default_factory=list)  # (paragraph, citation n)
    response_source: str = ""  # the document the response paragraphs come from

    def to_dict(self) -> dict:
        finding = self.finding.to_dict()
        finding.pop("evidence", None)
        return {
            "number": self.number, "for_action": self.for_action, "finding": finding,
            "citation": self.citation,
            "response": [{"text": text, "citation": n} for text, n in self.response],
            "response_source": self.response_source,
            "response_placeholder": "" if self.response else RESPONSE_PLACEHOLDER,
        }


@dataclass
class InspectionDetails:
    """The template's first box."""

    title: str
    published: str
    inspection_type: str
    type_reason: str
    force_named: bool
    named_pages: list[int]
    response_due: str


@dataclass
class Draft:
    """A first-pass response: sections of cited paragraphs plus the structured items."""

    report: Document
    force: str
    heading: str
    details: InspectionDetails
    grades: list[Finding]
    items: list[ResponseItem]
    sections: list[Section]
    citations: list[Citation]
    notes: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The `scrutiny draft --json` object."""
        return {
            "report": {key: value for key, value in self.report.summary().items() if key != "forces"},
            "force": self.force,
            "heading": self.heading,
            "inspection": asdict(self.details),
            "grades": [{"subject": g.subject, "grade": g.grade, "text": g.text, "page": g.page} for g in self.grades],
            "items": [item.to_dict() for item in self.items],
            "sections": [
                {"title": s.title, "paragraphs": [asdict(p) for p in s.paragraphs]} for s in self.sections
            ],
            "citations": [c.to_dict() for c in self.citations],
            "notes": self.notes,
            "timings_ms": {key: round(value, 1) for key, value in self.timings_ms.items()},
        }

    def to_markdown(self) -> str:
        """The draft as Markdown, with a numbered list of sources at the end."""
        lines = [f"# {inert_markdown(self.heading)}", ""]
        lines += [f"*{draft_banner(self)}*", ""]
        for section in self.sections:
            lines += [f"## {section.title}", ""]
            previous = ""
            for paragraph in section.paragraphs:
                if previous in ("bullet", "field") and paragraph.style not in ("bullet", "field"):
                    lines.append("")
                lines += _markdown_paragraph(paragraph)
                previous = paragraph.style
            lines.append("")
        lines += ["## Sources", ""]
        for citation in self.citations:
            lines.append(f"{citation.n}. {inert_markdown(source_line(citation))}")
        return "\n".join(lines).rstrip() + "\n"


def inert_markdown(text: str) -> str:
    """Document text made safe to show as Markdown: no HTML, links or images of its own.

    Brackets stay (the [n] markers and [placeholders] are the draft's own), but "](" and
    "![" can no longer form a link or an image, "]:" cannot define a link target for the
    [n] markers ("[1]: javascript:..."), and "<" cannot open a tag or an autolink.
    Answer exports use it too (app/web/export.py).
    """
    return text.replace("<", "&lt;").replace("](", "]\\(").replace("![", "!\\[").replace("]:", "]\\:")


def _markdown_paragraph(paragraph: Paragraph) -> list[str]:
    text = inert_markdown(paragraph.text)
    if paragraph.style == "bullet":
        return [f"- {text}"]
    if paragraph.style == "field":
        return [f"- **{field_label(paragraph.label)}** {text}"]
    if paragraph.style == "label":
        return [f"**{text}**", ""]
    if paragraph.style == "heading":
        return [f"### {text}", ""]
    if paragraph.style == "quote":
        return [f"> {text}", ""]
    if paragraph.style in ("placeholder", "note"):
        return [f"*{text}*", ""]
    return [text, ""]


def field_label(label: str) -> str:
    """"Deadline" -> "Deadline:"; a question keeps its own mark."""
    return label if label.endswith(("?", ":")) else f"{label}:"


KIND_NAMES = {
    "inspection_report": "inspection report", "board_paper": "board paper", "pcc_response": "PCC response",
    "force_response": "force response", "press_release": "press release",
}


def document_label(document: Document, dated: bool = True) -> str:
    """How a draft names a source: its kind, title, file and date ("the board paper “...” (x.pdf, 16 March 2021)").

    The kind comes first so a board paper restating an inspection is never taken for the
    inspectorate's own report, whatever its title says. `dated=False` leaves the date out (a
    response whose only date is the inspection's publication date it states).
    """
    kind = KIND_NAMES.get(document.kind, document.kind.replace("_", " "))
    when = f", {human_date(document.date)}" if dated and document.date else ""
    return f"the {kind} “{document.title}” ({document.source}{when})"


def draft_banner(draft: Draft) -> str:
    """The line that tells the reader what this file is and what to check."""
    restates = (" It is a board paper restating the inspection's findings, not the inspectorate's report: "
                "check each finding against the report itself." if draft.report.kind == "board_paper" else "")
    return (
        f"First-pass draft prepared by Scrutiny from {document_label(draft.report)} for {draft.force}.{restates} "
        "Every statement cites its source; check each one and replace every [bracketed] placeholder before publishing."
    )


def source_line(citation: Citation) -> str:
    """How a citation reads in a source list: document, page and the verbatim quote."""
    return f"{citation.title} ({citation.source}), {citation.page_reference()}: {quote_marks(citation.quote)}"


def quote_marks(text: str) -> str:
    """A quote in curly quotation marks, unless it already opens and closes with its own."""
    text = text.strip()
    if text.startswith(("“", '"')) and text.endswith(("”", '"')):
        return text
    return f"“{text}”"


def short_title(title: str, words: int = 6) -> str:
    """The first words of a long title, for repeat footnotes."""
    parts = title.split()
    return title if len(parts) <= words else " ".join(parts[:words]) + "…"


def footnote_line(citation: Citation, first_for_document: bool, quoted_in_text: bool) -> str:
    """A footnote: full title and file name the first time a document is cited, short after;
    the quote is left out when the sentence it supports repeats it word for word."""
    where = (f"{citation.title} ({citation.source}), {citation.page_reference()}" if first_for_document
             else f"{short_title(citation.title)}, {citation.page_reference()}")
    if quoted_in_text:
        return f"{where} (wording as in the source)."
    return f"{where}: {quote_marks(citation.quote)}"


def human_date(iso: str) -> str:
    """"2022-12" -> "December 2022", "2021-02-10" -> "10 February 2021"."""
    parts = [int(p) for p in (iso or "").split("-") if p.isdigit()]
    if len(parts) == 3:
        return dt.date(*parts).strftime("%-d %B %Y")
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], 1).strftime("%B %Y")
    return iso or "unknown"
