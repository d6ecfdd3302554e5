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


def _roman(value: int) -> str:
    numerals = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    text = ""
    for amount, numeral in numerals:
        while value >= amount:
            text, value = text + numeral, value - amount
    return text


def _letters(value: int) -> str:
    """Word's letter numbering: a..z, then aa..zz."""
    return chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)


NUMBER_FORMATS = {
    "decimal": str,
    "lowerLetter": _letters,
    "upperLetter": lambda value: _letters(value).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda value: _roman(value).upper(),
}


class _ListNumbering:
    """Numbers of paragraphs numbered directly (Word's numbering button: `w:numPr` on the
    paragraph), rendered with the list level's own text ("%1.", "(%2)", "Recommendation %1")."""

    def __init__(self, document):
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (numId, ilvl) -> fmt, text, start
        self.counters: dict[str, dict[int, int]] = {}
        try:
            numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError):  # a document without lists
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for definition in numbering.iter(f"{W_NS}abstractNum"):
            levels = {}
            for level in definition.iter(f"{W_NS}lvl"):
                fmt, text, start = (level.find(f"{W_NS}{tag}") for tag in ("numFmt", "lvlText", "start"))
                levels[int(level.get(f"{W_NS}ilvl", "0"))] = (
                    fmt.get(f"{W_NS}val") if fmt is not None else "decimal",
                    text.get(f"{W_NS}val", "") if text is not None else "",
                    int(start.get(f"{W_NS}val")) if start is not None else 1,
                )
            abstract[definition.get(f"{W_NS}abstractNumId")] = levels
        for num in numbering.iter(f"{W_NS}num"):
            reference = num.find(f"{W_NS}abstractNumId")
            if reference is not None:
                for ilvl, level in abstract.get(reference.get(f"{W_NS}val"), {}).items():
                    self.levels[(num.get(f"{W_NS}numId"), ilvl)] = level

    def label(self, paragraph) -> str | None:
        """The item's label ("3." for a third item), "" for a bullet, None when not a list item."""
        properties = paragraph._p.pPr
        number = properties.numPr if properties is not None else None
        if number is None or number.numId is None or number.numId.val == 0:
            return None
        num_id = str(number.numId.val)
        ilvl = number.ilvl.val if number.ilvl is not None else 0
        if (num_id, ilvl) not in self.levels:
            return None
        counters = self.counters.setdefault(num_id, {})
        counters[ilvl] = counters.get(ilvl, self.levels[(num_id, ilvl)][2] - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]  # a new item restarts its sub-list
        fmt, text, _ = self.levels[(num_id, ilvl)]
        if fmt not in NUMBER_FORMATS:
            return ""
        for level in range(ilvl + 1):
            level_fmt, _, level_start = self.levels.get((num_id, level), ("decimal", "", 1))
            value = counters.get(level, level_start)
            text = text.replace(f"%{level + 1}", NUMBER_FORMATS.get(level_fmt, str)(value))
        return text.strip()


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
    numbering = _ListNumbering(document)
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{W_NS}p":
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            style = paragraph.style.name if paragraph.style is not None else ""
            if text:
                level = _heading_level(style)
                label = numbering.label(paragraph) if not level else None
                if level:
                    blocks.append(Block(page, text, "heading", level))
                    list_counters.clear()
                elif label is not None:
                    blocks.append(Block(page, f"{label} {text}" if label else text, "list_item"))
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
