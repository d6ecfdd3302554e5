"""PDF pages to blocks with pypdf, using the layout (font size, weight, position).

Running headers and footers are lines in the top or bottom margin band that repeat on most
pages (digits ignored) or are bare page numbers. Wrapped lines are joined into paragraphs;
a bigger or bold font marks a heading, ranked by size into levels.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from scrutiny.ingest.limits import NO_LIMITS, ReadingLimits
from scrutiny.ingest.records import Block, LoadedFile, UnreadableDocument

if TYPE_CHECKING:
    from pypdf.generic import DictionaryObject

MARGIN_BAND = 0.08  # fraction of page height treated as header/footer zone
REPEAT_SHARE = 0.5  # a margin line on at least this share of pages is running text
SAME_LINE_TOLERANCE = 2.5  # points
PARAGRAPH_GAP = 1.5  # a vertical gap above this many font sizes starts a new block
BULLET_GLYPHS = {"\x7f", "•", "\uf0b7", "▪", "◦", "●", "·", "\uf0a7", "o"}
PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?$", re.IGNORECASE)
PLACEHOLDER_TITLES = {"", "(unspecified)", "untitled", "microsoft word", "title"}


@dataclass
class _Line:
    text: str
    x: float
    y: float
    size: float
    bold: bool

    @property
    def is_bullet(self) -> bool:
        return self.text.strip() in BULLET_GLYPHS


def _multiply(m: list[float], n: list[float]) -> list[float]:
    """Compose two PDF transformation matrices (text matrix then CTM)."""
    return [
        m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _page_lines(page) -> list[_Line]:
    """Lines of one page in reading order, each with its dominant font size and weight."""
    fragments: list[tuple[str, float, float, float, bool]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text:
            return
        matrix = _multiply(list(tm), list(cm))
        scale = abs(matrix[3]) or 1.0
        font = str((font_dict or {}).get("/BaseFont", ""))
        bold = "bold" in font.lower() or "black" in font.lower()
        fragments.append((text, matrix[4], matrix[5], font_size * scale, bold))

    page.extract_text(visitor_text=visit)
    lines: list[_Line] = []
    current: list[tuple[str, float, float, float, bool]] = []

    def flush():
        text = "".join(f[0] for f in current).replace("\n", " ").strip()
        if text:
            weights: Counter[tuple[float, bool]] = Counter()
            for frag_text, _, _, size, bold in current:
                weights[(round(size, 1), bold)] += len(frag_text.strip())
            (size, _), _ = weights.most_common(1)[0]
            visible = [f for f in current if f[0].strip()]
            bold = all(f[4] for f in visible)
            lines.append(_Line(text, min(f[1] for f in current), current[0][2], size, bold))
        current.clear()

    for fragment in fragments:
        if current and abs(fragment[2] - current[-1][2]) > SAME_LINE_TOLERANCE:
            flush()
        current.append(fragment)
        if fragment[0].endswith("\n"):
            flush()
    flush()
    return lines


def _in_margin(line: _Line, height: float) -> bool:
    """The line sits in the top or bottom band where running headers, footers and page numbers go."""
    return line.y > height * (1 - MARGIN_BAND) or line.y < height * MARGIN_BAND


def _printed_page_numbers(pages: list[list[_Line]], height: float) -> list[str]:
    """The page number printed in each page's top or bottom margin ("11", "Page 3 of 9" -> "3"),
    "" where none is printed (a cover, a contents page)."""
    labels = []
    for lines in pages:
        printed = [re.findall(r"\d+", line.text)[0] for line in lines
                   if _in_margin(line, height) and PAGE_NUMBER.match(line.text.strip())]
        # A number beyond the page count is not this file's page number (a year in a header).
        printed = [number for number in printed if int(number) <= len(pages)]
        labels.append(printed[0] if printed else "")
    return labels


def _margin_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _strip_running_lines(pages: list[list[_Line]], height: float) -> list[list[_Line]]:
    """Drop header/footer lines: margin-band lines repeated on most pages, and page numbers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_margin_key(line.text) for line in lines if _in_margin(line, height)})
    threshold = max(2, REPEAT_SHARE * len(pages))
    running = {key for key, n in counts.items() if n >= threshold}
    # A running line also goes where it drifts into the body (a last page's closing footer).
    return [
        [
            line for line in lines
            if _margin_key(line.text) not in running
            and not (_in_margin(line, height) and PAGE_NUMBER.match(line.text.strip()))
        ]
        for lines in pages
    ]


def _join(lines: list[str]) -> str:
    """Join wrapped lines, keeping a hyphen that ends a line attached to the next word."""
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
        elif re.search(r"[A-Za-z]-$", text):
            text += line
        else:
            text += " " + line
    return text


def _heading_levels(pages: list[list[_Line]], body_size: float) -> dict[tuple[float, bool], int]:
    """Rank heading styles: larger sizes first, then bold at body size."""
    styles = {
        (line.size, line.bold)
        for lines in pages for line in lines
        if not line.is_bullet and (line.size > body_size + 0.4 or line.bold)
    }
    ordered = sorted(styles, key=lambda style: (-style[0], not style[1]))
    return {style: rank + 1 for rank, style in enumerate(ordered)}


def _blocks(pages: list[list[_Line]]) -> list[Block]:
    """Group lines into headings, paragraphs and list items."""
    sizes: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            sizes[line.size] += len(line.text)
    if not sizes:
        return []
    body_size = sizes.most_common(1)[0][0]
    levels = _heading_levels(pages, body_size)
    blocks: list[Block] = []
    for page_number, lines in enumerate(pages, start=1):
        group: list[_Line] = []
        role = "paragraph"

        def emit():
            if group:
                level = levels.get((group[0].size, group[0].bold), 0) if role == "heading" else 0
                text = _join([line.text for line in group])
                blocks.append(Block(page_number, text, role, level))

        previous: _Line | None = None
        pending_bullet = False
        for line in lines:
            if line.is_bullet:
                pending_bullet = True
                continue
            is_heading = (line.size, line.bold) in levels
            new_role = "heading" if is_heading else ("list_item" if pending_bullet else role)
            gap = (previous.y - line.y) if previous else 0.0
            starts_block = (
                previous is None
                or pending_bullet
                or is_heading != (role == "heading")
                or (is_heading and (line.size, line.bold) != (previous.size, previous.bold))
                or gap > PARAGRAPH_GAP * line.size
                or gap < -SAME_LINE_TOLERANCE  # moved up: new column or box
            )
            if starts_block:
                emit()
                group = []
                role = new_role if (is_heading or pending_bullet) else "paragraph"
            group.append(line)
            previous = line
            pending_bullet = False
        emit()
    return _demote_subtitles(blocks)


def _demote_subtitles(blocks: list[Block]) -> list[Block]:
    """A short heading right under a bigger one (a grade, a subtitle) is not a section."""
    result: list[Block] = []
    for block in blocks:
        previous = result[-1] if result else None
        if (
            block.role == "heading" and previous is not None and previous.role == "heading"
            and previous.level < block.level and len(block.text.split()) <= 3
            and previous.page == block.page
        ):
            block = Block(block.page, block.text, "paragraph", 0)
        result.append(block)
    return result


def load_pdf(path: Path, limits: ReadingLimits = NO_LIMITS) -> LoadedFile:
    """Read a PDF into blocks; raise UnreadableDocument with the reason when it can't.

    The page limit is checked before any page is read."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repair attempts ("EOF marker not found") as warnings, which would print
    # raw on stderr; a file that cannot be read is reported through UnreadableDocument instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    with path.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        looks_like = "an HTML page" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "something else"
        raise UnreadableDocument(f"not a PDF (the file is {looks_like} named .pdf); save the real PDF and retry")
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            try:
                decrypted: int = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several kinds here
                decrypted = 0
            if not decrypted:
                raise UnreadableDocument("PDF is encrypted with a password; decrypt it first and retry")
        page_objects = list(reader.pages)
        if not page_objects:
            raise UnreadableDocument("PDF has no pages")
        limits.check_pages(len(page_objects))
        height = float(page_objects[0].mediabox.height)
        raw_pages = [_page_lines(page) for page in page_objects]
        metadata: Mapping[str, object] = reader.metadata or {}
    except UnreadableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise UnreadableDocument(f"PDF is damaged or truncated ({type(error).__name__}: {error}); re-download it") from error
    except Exception as error:  # noqa: BLE001 - pypdf surfaces odd errors on broken files
        raise UnreadableDocument(f"PDF could not be parsed ({type(error).__name__}); re-download it") from error
    # The page numbers readers quote: the PDF's own page labels when it defines them, else the
    # numbers printed in the margins (page 13 of the file is often printed "11").
    try:
        defined = "/PageLabels" in cast("DictionaryObject", reader.trailer["/Root"])  # the document catalog
        page_labels = [str(label) for label in reader.page_labels] if defined else []
    except Exception:  # noqa: BLE001 - a broken label tree only costs the labels
        page_labels = []
    if len(page_labels) != len(page_objects):
        page_labels = _printed_page_numbers(raw_pages, height)
    pages = _strip_running_lines(raw_pages, height)
    blocks = _blocks(pages)
    title = str(metadata.get("/Title") or "").strip()
    if title.lower() in PLACEHOLDER_TITLES:
        first_headings = [b.text for b in blocks if b.page == 1 and b.role == "heading"]
        title = max(first_headings, key=len, default="")
    return LoadedFile(
        blocks=blocks,
        page_count=len(page_objects),
        title=title,
        author=str(metadata.get("/Author") or "").strip(),
        page_labels=tuple(page_labels),
    )
