"""Writing a draft to disk: Markdown or Word (.docx with real footnotes), never half-written.

The draft itself (its sections, paragraphs and citations) is built in builder.py (records in model.py); this
module only lays it out as a file. Files are written atomically: a temporary file beside the
target, then a rename.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from scrutiny.app.drafting.model import (
    MARKER,
    OUTPUT_SUFFIXES,
    Draft,
    DraftError,
    Paragraph,
    draft_banner,
    field_label,
    footnote_line,
)
from scrutiny.index.atomic import write_atomically
from scrutiny.ingest.text import normalise_text


def check_output_path(path: Path) -> Path:
    """The output path if a draft can be written there; DraftError saying why not otherwise."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise DraftError(f"cannot write {path}: it is a folder; give a file name such as {path / 'draft.docx'}")
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise DraftError(
            f"cannot write {path.name}: the draft is written as .docx or .md; name the file draft.docx or draft.md")
    folder = path.parent.resolve() if str(path.parent) else Path.cwd()
    if not folder.is_dir():
        raise DraftError(f"cannot write {path}: folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DraftError(f"cannot write {path}: folder {folder} is not writable; choose another --out")
    if path.exists() and not os.access(path, os.W_OK):
        raise DraftError(f"cannot write {path}: the file exists and is read-only")
    return path


def write_draft(draft: Draft, path: Path) -> Path:
    """Write the draft as .docx or .md (by suffix), atomically."""
    path = check_output_path(path)
    if path.suffix.lower() == ".md":
        text = draft.to_markdown()
        write_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))
    else:
        write_atomically(path, lambda temp: DocxWriter().write(draft, temp))
    return path


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
FOOTNOTES_XML = (
    f'<w:footnotes xmlns:w="{W_NS}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
    '</w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
    'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    '</w:footnotes>'
)
BODY_FONT = "Arial"
BODY_PT = 11
FOOTNOTE_PT = 8
PLACEHOLDER_HIGHLIGHT = "YELLOW"
BANNER_RGB = (0x59, 0x59, 0x59)
FIELD_SPACE_PT = 2


class DocxWriter:
    """A draft as a Word file with real footnotes (Word and LibreOffice show them as such)."""

    def write(self, draft: Draft, path: Path) -> None:
        """Save the draft to `path` (the caller makes it atomic)."""
        import docx
        from docx.enum.text import WD_COLOR_INDEX
        from docx.shared import Pt, RGBColor

        document = docx.Document()
        self._styles(document)
        footnotes = _Footnotes(document)
        by_number = {c.n: c for c in draft.citations}
        self._documents_seen: set[str] = set()
        document.add_heading(draft.heading.upper(), level=1)
        banner = document.add_paragraph()
        run = banner.add_run(draft_banner(draft))
        run.italic = True
        run.font.size = Pt(BODY_PT - 2)
        run.font.color.rgb = RGBColor(*BANNER_RGB)
        for section in draft.sections:
            document.add_heading(section.title.upper(), level=2)
            for paragraph in section.paragraphs:
                self._paragraph(document, paragraph, footnotes, by_number, WD_COLOR_INDEX)
        document.core_properties.title = draft.heading
        document.core_properties.author = "Scrutiny (first-pass draft)"
        document.save(str(path))

    @staticmethod
    def _styles(document) -> None:
        from docx.enum.style import WD_STYLE_TYPE
        from docx.shared import Pt, RGBColor

        normal = document.styles["Normal"]
        normal.font.name = BODY_FONT
        normal.font.size = Pt(BODY_PT)
        normal.paragraph_format.space_after = Pt(6)
        for name, size in (("Heading 1", 14), ("Heading 2", 12), ("Heading 3", 11)):
            style = document.styles[name]
            style.font.name = BODY_FONT
            style.font.size = Pt(size)
            style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
            style.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 8)
        text_style = document.styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
        text_style.base_style = normal
        text_style.font.size = Pt(FOOTNOTE_PT)
        text_style.paragraph_format.space_after = Pt(0)
        reference = document.styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
        reference.font.superscript = True

    def _paragraph(self, document, paragraph: Paragraph, footnotes: _Footnotes, by_number, colours) -> None:
        from docx.shared import Pt

        style = {"bullet": "List Bullet", "heading": "Heading 3"}.get(paragraph.style)
        target = document.add_paragraph(style=style)
        if paragraph.style == "field":
            target.add_run(f"{field_label(paragraph.label)} ").bold = True
        if paragraph.style == "quote":
            target.paragraph_format.left_indent = Pt(18)
        if paragraph.style == "field":
            target.paragraph_format.space_after = Pt(FIELD_SPACE_PT)
        if paragraph.style in ("label", "heading", "quote"):
            target.paragraph_format.keep_with_next = True  # never strand a label at a page foot
        position = 0
        text = paragraph.text
        for match in MARKER.finditer(text):
            self._run(target, text[position:match.start()].rstrip(" "), paragraph, colours)
            citation = by_number.get(int(match.group(1)))
            if citation is not None:
                first = citation.doc_id not in self._documents_seen
                self._documents_seen.add(citation.doc_id)
                quoted = normalise_text(citation.quote).strip(" .") in normalise_text(MARKER.sub("", text))
                footnotes.add(target, footnote_line(citation, first, quoted))
            position = match.end()
        self._run(target, text[position:], paragraph, colours)

    @staticmethod
    def _run(target, text: str, paragraph: Paragraph, colours) -> None:
        from docx.shared import Pt, RGBColor

        if not text:
            return
        for piece in re.split(r"(\[[^\[\]]*\])", text):  # placeholders stand out in yellow
            if not piece:
                continue
            run = target.add_run(piece)
            if paragraph.style == "label":
                run.bold = True
            if paragraph.style in ("quote", "note"):
                run.italic = True
            if paragraph.style == "note":
                run.font.size = Pt(BODY_PT - 2)
                run.font.color.rgb = RGBColor(*BANNER_RGB)
            if piece.startswith("[") and piece.endswith("]") and not MARKER.fullmatch(piece):
                run.font.highlight_color = getattr(colours, PLACEHOLDER_HIGHLIGHT)
                run.bold = True


class _Footnotes:
    """The footnotes part python-docx lacks: word/footnotes.xml, its relationship and styles."""

    def __init__(self, document):
        from docx.opc.constants import RELATIONSHIP_TYPE
        from docx.opc.packuri import PackURI
        from docx.opc.part import XmlPart
        from docx.oxml import parse_xml

        self.part = XmlPart(
            PackURI("/word/footnotes.xml"), FOOTNOTES_CONTENT_TYPE, parse_xml(FOOTNOTES_XML), document.part.package,
        )
        document.part.relate_to(self.part, RELATIONSHIP_TYPE.FOOTNOTES)
        settings = document.settings.element
        properties = parse_xml(
            f'<w:footnotePr xmlns:w="{W_NS}"><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
        )
        compat = settings.find(f"{{{W_NS}}}compat")
        if compat is not None:
            compat.addprevious(properties)  # schema order: footnotePr comes before compat
        else:
            settings.append(properties)
        self.next_id = 1

    def add(self, paragraph, text: str) -> None:
        """A footnote reference at the end of `paragraph`, and its note."""
        from docx.oxml import parse_xml
        from docx.oxml.ns import qn

        note_id = self.next_id
        self.next_id += 1
        reference = parse_xml(
            f'<w:r xmlns:w="{W_NS}"><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
            f'<w:footnoteReference w:id="{note_id}"/></w:r>'
        )
        paragraph._p.append(reference)
        note = parse_xml(
            f'<w:footnote xmlns:w="{W_NS}" w:id="{note_id}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            f'<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f'<w:r><w:t xml:space="preserve"> </w:t></w:r></w:p></w:footnote>'
        )
        note.find(f".//{qn('w:p')}").findall(qn("w:r"))[-1].find(qn("w:t")).text = f" {text}"
        self.part.element.append(note)


def word_with_footnotes():
    """A new python-docx document with the draft's styles and a footnotes part, and a function
    `add_footnote(paragraph, text)`; the app's conversation export writes its citations with it."""
    import docx

    document = docx.Document()
    DocxWriter._styles(document)
    return document, _Footnotes(document).add
