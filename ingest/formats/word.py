"""Word (.docx) files to blocks with python-docx: headings, paragraphs, numbered lists, tables.

A .docx has no fixed pages. Word records where it broke the pages when it last laid the
document out (`w:lastRenderedPageBreak`); when those marks are present they give the pages
the user saw. Otherwise page breaks (`w:br w:type="page"`), "page break before" paragraphs
and next-page section breaks start new pages, and a document with none of them is page 1.
A break inside a paragraph splits it into one block per page, so every block's text is on
its page.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
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


RENDERED_BREAK = f"{W_NS}lastRenderedPageBreak"
OFF = {"0", "false", "off"}


def _is_on(element) -> bool:
    """A Word on/off property element: present and not switched off."""
    return element is not None and element.get(f"{W_NS}val", "1").lower() not in OFF


class _PageBreaks:
    """Where the pages of a .docx break: Word's rendered marks if any, else the explicit ones."""

    def __init__(self, body):
        self.rendered = next(body.iter(RENDERED_BREAK), None) is not None
        # Section properties in body order; each says how *its* section starts, so the break
        # after a paragraph that ends a section is given by the next one.
        self.sections = list(body.iter(f"{W_NS}sectPr"))

    def is_break(self, element) -> bool:
        """`element` (inside a paragraph) starts a new page."""
        if self.rendered:
            return element.tag == RENDERED_BREAK
        return element.tag == f"{W_NS}br" and element.get(f"{W_NS}type") == "page"

    def before(self, paragraph) -> bool:
        """The paragraph is set to start on a new page (directly or through its style)."""
        if self.rendered:
            return False  # the rendered marks already hold this break
        properties = paragraph._element.pPr
        direct = properties.find(f"{W_NS}pageBreakBefore") if properties is not None else None
        if direct is not None:
            return _is_on(direct)
        style = paragraph.style
        while style is not None:
            element = style.element.pPr.find(f"{W_NS}pageBreakBefore") if style.element.pPr is not None else None
            if element is not None:
                return _is_on(element)
            style = style.base_style
        return False

    def after(self, paragraph) -> bool:
        """This paragraph ends a section and the next section starts on a new page."""
        if self.rendered:
            return False
        properties = paragraph._element.pPr
        section = properties.find(f"{W_NS}sectPr") if properties is not None else None
        if section is None:
            return False
        following = self.sections.index(section) + 1
        if following >= len(self.sections):
            return False
        kind = self.sections[following].find(f"{W_NS}type")
        return kind is None or kind.get(f"{W_NS}val") in ("nextPage", "oddPage", "evenPage")

    def segments(self, paragraph) -> list[str]:
        """The paragraph's text, one piece per page it runs over (one piece if no break)."""
        if not any(self.is_break(element) for element in paragraph._element.iter()):
            return [paragraph.text]
        pieces = [""]
        for element in paragraph._element.iter():
            if self.is_break(element):
                pieces.append("")
            elif element.tag == f"{W_NS}t":
                pieces[-1] += element.text or ""
            elif element.tag == f"{W_NS}tab":
                pieces[-1] += "\t"
            elif element.tag in (f"{W_NS}br", f"{W_NS}cr"):
                pieces[-1] += "\n"
        return pieces


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


NUMBER_FORMATS: dict[str, Callable[[int], str]] = {
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
    breaks = _PageBreaks(body)
    for child in body.iterchildren():
        if child.tag == f"{W_NS}p":
            paragraph = Paragraph(child, document)
            if breaks.before(paragraph) and blocks:
                page += 1
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _heading_level(style)
            label = numbering.label(paragraph) if not level and paragraph.text.strip() else None
            first = True
            for index, piece in enumerate(breaks.segments(paragraph)):
                if index:
                    page += 1
                text = piece.strip()
                if not text:
                    continue
                if not first:  # the rest of a paragraph that runs onto the next page
                    blocks.append(Block(page, text, "paragraph"))
                    continue
                first = False
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
            if breaks.after(paragraph):
                page += 1
        elif child.tag == f"{W_NS}tbl":
            table = Table(child, document)
            for row in table.rows:
                # A row holding a page break starts the new page (rows do not split here).
                page += sum(1 for element in row._tr.iter() if breaks.is_break(element))
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
