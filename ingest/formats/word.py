"""Word (.docx) files to blocks with python-docx: headings, paragraphs, numbered lists, tables.

A .docx has no fixed pages; explicit page breaks start a new page, otherwise all is page 1.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from scrutiny.ingest.records import Block, LoadedFile, UnreadableDocument

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _heading_level(style_name: str) -> int:
    """Level of a Word heading style ("Heading 2" -> 2, "Title" -> 1), else 0."""
    name = style_name.lower()
    if name == "title":
        return 1
    if name.startswith("heading"):
        digits = "".join(ch for ch in name if ch.isdigit())
        return int(digits) if digits else 1
    return 0


def _has_page_break(paragraph) -> bool:
    for br in paragraph._element.iter(f"{W_NS}br"):
        if br.get(f"{W_NS}type") == "page":
            return True
    return False


def load_docx(path: Path) -> LoadedFile:
    """Read a .docx in body order (paragraphs and tables interleaved)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(path):
        raise UnreadableDocument("not a Word file (it is not a .docx zip package); open it in Word and save as .docx")
    try:
        document = docx.Document(str(path))
    except Exception as error:  # noqa: BLE001 - python-docx raises KeyError, ValueError, ...
        raise UnreadableDocument(f"Word file is damaged ({type(error).__name__}); open and re-save it in Word") from error

    blocks: list[Block] = []
    page = 1
    list_counters: dict[str, int] = {}
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{W_NS}p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            style = paragraph.style.name if paragraph.style is not None else ""
            if text:
                level = _heading_level(style)
                if level:
                    blocks.append(Block(page, text, "heading", level))
                    list_counters.clear()
                elif "list number" in style.lower():
                    count = list_counters.get(style, 0) + 1
                    list_counters[style] = count
                    blocks.append(Block(page, f"{count}. {text}", "list_item"))
                elif "list" in style.lower():
                    blocks.append(Block(page, text, "list_item"))
                else:
                    blocks.append(Block(page, text, "paragraph"))
            if _has_page_break(paragraph):
                page += 1
        elif child.tag == f"{W_NS}tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    cell_text = " ".join(cell.text.split())
                    if cell_text and (not cells or cells[-1] != cell_text):  # merged cells repeat
                        cells.append(cell_text)
                if cells:
                    blocks.append(Block(page, " | ".join(cells), "table_row"))
    if not blocks:
        raise UnreadableDocument("Word file has no text")
    properties = document.core_properties
    return LoadedFile(
        blocks=blocks,
        page_count=max(block.page for block in blocks),
        title=(properties.title or "").strip(),
        author=(properties.author or "").strip(),
    )
