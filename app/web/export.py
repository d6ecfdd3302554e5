"""An answer with its citations as a file a PCC office can file or paste: Markdown or Word.

Both carry the question, the answer with its [n] markers, and for each citation the document,
its kind and date, the page, the section and the verbatim quote. A refusal is exported as a
refusal, with its related passages labelled as not evidence.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from scrutiny.app.drafting.model import inert_markdown
from scrutiny.app.records import WEAK_EVIDENCE_NOTE, Answer, Citation

KIND_LABELS = {
    "inspection_report": "Inspection report",
    "press_release": "HMICFRS press release",
    "pcc_response": "PCC response",
    "force_response": "Force response",
    "board_paper": "Board paper",
    "news": "News article",
    "other": "Other document",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
REFUSAL_HEADING = "The indexed documents don't answer this"
RELATED_HEADING = "Related passages (related, not evidence)"
FILE_STEM_CHARS = 48
# Characters XML 1.0 (and so a .docx) cannot hold: control characters other than tab and newlines.
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def provenance(answer: Answer) -> str:
    """Who wrote the answer's sentences, for a reader of the exported file ("" for quoted ones)."""
    if answer.written_by and not answer.refused:
        return (f"Written by the language model {answer.written_by} from the cited passages; every sentence was "
                f"checked against the passage it cites.")
    return ""


def kind_label(kind: str) -> str:
    """A document kind as a reader would say it ("pcc_response" -> "PCC response")."""
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize() if kind else "Document")


def date_label(date: str) -> str:
    """An ISO date or month as written in a UK office ("2022-12-07" -> "7 Dec 2022")."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not match:
        return date or "undated"
    year, month, day = match.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    label = f"{MONTHS[int(month) - 1]} {year}"
    return f"{int(day)} {label}" if day else label


def citation_line(citation: Citation) -> str:
    """Kind, date, page and section of a citation on one line."""
    parts = [kind_label(citation.kind), date_label(citation.date), citation.page_reference()]
    if citation.section:
        parts.append(citation.section)
    return " · ".join(parts)


def _blockquote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def _code_span_text(text: str) -> str:
    """Text for a Markdown code span, where everything is literal once no backtick can close it."""
    return text.replace("`", "'")


WEAK_EVIDENCE_LINE = f"Note: {WEAK_EVIDENCE_NOTE}."  # under an answer marked weak_evidence, wherever exported


def answer_markdown(answer: Answer) -> str:
    """The answer and its citations as a Markdown document.

    Everything from a document or the user (question, answer, titles, sections, quotes) is made
    inert: a document's `<script>`, `<img onerror>`, image links and `javascript:` links reach
    the file as text, never as HTML, links or images.
    """
    lines = ["# Scrutiny answer", "", f"**Question:** {inert_markdown(answer.question)}", ""]
    if answer.refused:
        lines += [f"## {REFUSAL_HEADING}", "", inert_markdown(answer.text), ""]
        sources, heading = answer.related, RELATED_HEADING
    else:
        lines += ["## Answer", "", inert_markdown(answer.text), ""]
        if answer.weak_evidence:
            lines += [f"_{WEAK_EVIDENCE_LINE}_", ""]
        if written := provenance(answer):
            lines += [f"_{inert_markdown(written)}_", ""]
        sources, heading = answer.citations, "Sources"
    if sources:
        lines += [f"## {heading}", ""]
    for citation in sources:
        lines += [
            f"**[{citation.n}] {inert_markdown(citation.title or citation.source)}**  ",
            f"{inert_markdown(citation_line(citation))}  ",
            f"File: `{_code_span_text(citation.source)}`",
            "",
            _blockquote(inert_markdown(citation.quote)),
            "",
        ]
    lines += [f"_Exported from Scrutiny on {time.strftime('%d %b %Y %H:%M')}. "
              "Quotes are verbatim from the cited pages._", ""]
    return "\n".join(lines)


def _xml_safe(text: str) -> str:
    return XML_INVALID.sub("", text)


def write_docx(answer: Answer, path: Path) -> Path:
    """The answer and its citations as a Word document at `path`."""
    from docx import Document as WordDocument
    from docx.shared import Pt

    word = WordDocument()
    word.add_heading("Scrutiny answer", level=1)
    question = word.add_paragraph()
    question.add_run("Question: ").bold = True
    question.add_run(_xml_safe(answer.question))
    if answer.refused:
        word.add_heading(REFUSAL_HEADING, level=2)
        sources, heading = answer.related, RELATED_HEADING
    else:
        word.add_heading("Answer", level=2)
        sources, heading = answer.citations, "Sources"
    word.add_paragraph(_xml_safe(answer.text))
    if answer.weak_evidence:
        word.add_paragraph().add_run(WEAK_EVIDENCE_LINE).italic = True
    if written := provenance(answer):
        word.add_paragraph().add_run(_xml_safe(written)).italic = True
    if sources:
        word.add_heading(heading, level=2)
    for citation in sources:
        title = word.add_paragraph()
        title.add_run(_xml_safe(f"[{citation.n}] {citation.title or citation.source}")).bold = True
        details = word.add_paragraph(_xml_safe(f"{citation_line(citation)}. File: {citation.source}"))
        for run in details.runs:
            run.font.size = Pt(9)
        word.add_paragraph(_xml_safe(citation.quote), style="Quote")
    footer = word.add_paragraph(
        f"Exported from Scrutiny on {time.strftime('%d %b %Y %H:%M')}. Quotes are verbatim from the cited pages."
    )
    for run in footer.runs:
        run.italic = True
    path.parent.mkdir(parents=True, exist_ok=True)
    word.save(str(path))
    return path


def export_stem(answer: Answer) -> str:
    """A file name stem from the question ("scrutiny-what-did-hmicfrs-find")."""
    words = re.findall(r"[a-z0-9]+", answer.question.lower())
    stem = "-".join(words)[:FILE_STEM_CHARS].strip("-") or "answer"
    return f"scrutiny-{stem}"


def export_answer(answer: Answer, folder: Path) -> tuple[Path, Path]:
    """Write the answer as Markdown and as Word into `folder`; returns both paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = export_stem(answer)
    markdown = folder / f"{stem}.md"
    markdown.write_text(answer_markdown(answer), encoding="utf-8")
    return markdown, write_docx(answer, folder / f"{stem}.docx")


def write_conversation_docx(title: str, turns: list[tuple[str, Answer]], path: Path) -> Path:
    """A whole conversation as Word: each question, its answer sentence by sentence, and each
    [n] as a real footnote giving the document, kind, date, page, section and the quote."""
    from scrutiny.app.drafting.writers import word_with_footnotes

    word, add_footnote = word_with_footnotes()
    word.add_heading(_xml_safe(title or "Scrutiny conversation"), level=1)
    for question, answer in turns:
        word.add_heading(_xml_safe(question), level=2)
        by_number = {citation.n: citation for citation in answer.citations}
        if answer.refused:
            word.add_paragraph(_xml_safe(f"{REFUSAL_HEADING}."))
            continue
        if answer.weak_evidence:
            word.add_paragraph().add_run(WEAK_EVIDENCE_LINE).italic = True
        for sentence, numbers in _cited_sentences(answer.text):
            paragraph = word.add_paragraph(_xml_safe(sentence))
            for number in numbers:
                citation = by_number.get(number)
                if citation is not None:
                    add_footnote(paragraph, _xml_safe(
                        f"{citation.title or citation.source}, {citation_line(citation)}: “{citation.quote}”"))
        if written := provenance(answer):
            word.add_paragraph().add_run(_xml_safe(written)).italic = True
    footer = word.add_paragraph(
        f"Exported from Scrutiny on {time.strftime('%d %b %Y %H:%M')}. Quotes are verbatim from the cited pages.")
    for run in footer.runs:
        run.italic = True
    path.parent.mkdir(parents=True, exist_ok=True)
    word.save(str(path))
    return path


def _cited_sentences(text: str) -> list[tuple[str, list[int]]]:
    """An answer's text as (sentence, its [n] numbers), the markers taken out of the sentence."""
    pieces = []
    for match in re.finditer(r"(.+?)((?:\s*\[\d+\])+)(?=\s|$)|(.+?)$", text.strip(), flags=re.S):
        body = (match.group(1) or match.group(3) or "").strip()
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", match.group(2) or "")]
        if body:
            pieces.append((body, numbers))
    return pieces
