"""A cited page as the reader would check it: the PDF page as an image with the quote
highlighted, or, for other files, the page text with the quote marked.

The index keeps page texts, not the files, so the original is looked up by name in the
uploads folder and any configured source folders, and used only when its sha256 is the
document id: a newer file with the same name is never shown as the cited page.
"""

from __future__ import annotations

import glob
import html
import itertools
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from scrutiny.ingest.documents import display_name, sha256_file
from scrutiny.ingest.text import QUOTE_CHARS, normalise_text

if TYPE_CHECKING:
    from PIL.Image import Image

RENDER_SCALE = 1.6  # pixels per PDF point (about 115 dpi): readable text, small images
HIGHLIGHT_RGBA = (255, 200, 0, 120)  # translucent marker yellow over the quoted lines
HIGHLIGHT_PADDING_PT = 1.5  # the marker reaches a little past the glyph boxes
HASH_CACHE_SIZE = 256

# pdfium is not thread-safe and the app serves requests from a thread pool.
_PDFIUM_LOCK = threading.Lock()


@dataclass
class PageView:
    """What the page panel shows for one citation: an image of the page or its text."""

    caption: str
    image: Image | None = None
    html: str = ""  # the page text with the quote marked, when there is no image
    highlighted: bool = False  # the quote was located on the page
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # the quote's lines, image pixels


def mark_quote(text: str, quote: str, context_chars: int | None = None) -> tuple[str, bool]:
    """`text` as HTML (everything escaped) with `quote` inside <mark>, and whether it was found.

    Matching ignores differences of whitespace, case and quote-mark style, the same
    tolerance the citation checker allows. With `context_chars`, only that much text either
    side of the quote is kept (cut at a space, with an ellipsis), so a long passage stays short.
    """
    words = normalise_text(quote).split()
    pattern = r"\s+".join(re.escape(word) for word in words)
    # QUOTE_CHARS maps one character to one, so offsets in the translated text hold for `text`
    match = re.search(pattern, text.translate(QUOTE_CHARS), flags=re.IGNORECASE) if words else None
    if match is None:
        if context_chars is not None and len(text) > 2 * context_chars:
            return html.escape(_cut(text[: 2 * context_chars], keep="start")) + "…", False
        return html.escape(text), False
    start, end = match.span()
    before, after = text[:start], text[end:]
    if context_chars is not None:
        if len(before) > context_chars:
            before = "…" + _cut(before[-context_chars:], keep="end")
        if len(after) > context_chars:
            after = _cut(after[:context_chars], keep="start") + "…"
    marked = f"{html.escape(before)}<mark>{html.escape(text[start:end])}</mark>{html.escape(after)}"
    return marked, True


def _cut(text: str, keep: str) -> str:
    """Drop the partial word at the cut end of an excerpt."""
    if keep == "start":
        return text.rsplit(None, 1)[0] if " " in text.strip() else text
    return text.split(None, 1)[1] if " " in text.strip() else text


@lru_cache(maxsize=HASH_CACHE_SIZE)
def _sha256(path: str, modified_ns: int, size: int) -> str:
    return sha256_file(Path(path))


def find_original(source: str, doc_id: str, folders: Iterable[Path]) -> Path | None:
    """The original file of a document: named `source` under one of `folders` and with
    sha256 equal to `doc_id`; None when no such file is there."""
    if not source or Path(source).name != source or source.startswith("."):
        return None
    for folder in folders:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            continue
        # the file at the top of the folder first; the walk of subfolders only when needed
        for candidate in itertools.chain([folder / source], folder.rglob(glob.escape(source))):
            try:
                stat = candidate.stat()
            except OSError:
                continue
            if candidate.is_file() and _sha256(str(candidate), stat.st_mtime_ns, stat.st_size) == doc_id:
                return candidate
    return None


def _comparable(text: str) -> list[str]:
    """Letters and digits of `text`, lower-cased and with ligatures expanded, one per entry."""
    letters: list[str] = []
    for character in unicodedata.normalize("NFKC", text):
        lowered = character.lower()
        letters.extend(c for c in (lowered if len(lowered) == 1 else character) if c.isalnum())
    return letters


def quote_rectangles(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """PDF-space rectangles (left, bottom, right, top) covering `quote` on a pdfium text page.

    Only letters and digits are compared, so line breaks, hyphenation, ligatures and quote
    marks in the PDF's text layer do not hide a quote the index found on the page.
    """
    import pypdfium2.raw as pdfium_c

    target = "".join(_comparable(quote))
    if not target:
        return []
    letters: list[str] = []
    char_index: list[int] = []
    for index in range(textpage.count_chars()):
        expanded = _comparable(chr(pdfium_c.FPDFText_GetUnicode(textpage, index)))
        letters.extend(expanded)
        char_index.extend([index] * len(expanded))
    at = "".join(letters).find(target)
    if at < 0:
        return []
    first, last = char_index[at], char_index[at + len(target) - 1]
    count = textpage.count_rects(first, last - first + 1)
    return [textpage.get_rect(i) for i in range(count)]


def _to_pixels(page, width: int, height: int, x: float, y: float) -> tuple[int, int]:
    """A PDF-space point on the rendered bitmap (pdfium applies the page's rotation and crop)."""
    import ctypes

    import pypdfium2.raw as pdfium_c

    device_x, device_y = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, width, height, 0, x, y, device_x, device_y)
    return device_x.value, device_y.value


def render_pdf_page(path: Path, page_number: int, quote: str, scale: float = RENDER_SCALE) -> PageView:
    """Page `page_number` (1-based) of a PDF as an image, the quote's lines highlighted."""
    import pypdfium2
    from PIL import Image, ImageDraw

    with _PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(str(path))
        try:
            if not 1 <= page_number <= len(pdf):
                raise ValueError(f"{display_name(path.name)} has no page {page_number}")
            page = pdf[page_number - 1]
            image = page.render(scale=scale).to_pil().convert("RGBA")
            textpage = page.get_textpage()
            rectangles = quote_rectangles(textpage, quote)
            overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(overlay)
            boxes: list[tuple[int, int, int, int]] = []
            for left, bottom, right, top in rectangles:
                corners = [
                    _to_pixels(page, image.width, image.height, x, y)
                    for x, y in ((left - HIGHLIGHT_PADDING_PT, bottom - HIGHLIGHT_PADDING_PT),
                                 (right + HIGHLIGHT_PADDING_PT, top + HIGHLIGHT_PADDING_PT))
                ]
                xs, ys = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
                draw.rectangle((xs[0], ys[0], xs[1], ys[1]), fill=HIGHLIGHT_RGBA)
                boxes.append((xs[0], ys[0], xs[1], ys[1]))
            textpage.close()
            page.close()
            total = len(pdf)
        finally:
            pdf.close()
    image = Image.alpha_composite(image, overlay).convert("RGB")
    caption = f"{display_name(path.name)}: PDF page {page_number} of {total}"
    if rectangles:
        caption += "; the quoted text is highlighted in yellow"
    else:
        caption += " (the quote could not be located in the PDF's text layer; it is in the passage above)"
    return PageView(caption=caption, image=image, highlighted=bool(rectangles), boxes=boxes)


def page_text_view(source: str, page_text: str, page_number: int, quote: str, reason: str) -> PageView:
    """The indexed text of the page with the quote marked, for files that are not shown as images."""
    marked, found = mark_quote(page_text, quote)
    caption = f"{source}: page {page_number} as indexed text ({reason})"
    return PageView(caption=caption, html=f'<div class="page-text">{marked}</div>', highlighted=found)


def page_view(document, page_number: int, quote: str, folders: Iterable[Path]) -> PageView:
    """The best view of a cited page: the PDF page image when the original is found, else its text."""
    if not 1 <= page_number <= len(document.pages):
        return PageView(caption=f"{document.source} has no page {page_number} in the index")
    page_text = document.page_text(page_number)
    if not document.source.lower().endswith(".pdf"):
        return page_text_view(document.source, page_text, page_number, quote, "not a PDF")
    # The name on disk: `source` is the name as shown, which differs for a name that is not UTF-8.
    on_disk = Path(document.origin).name if document.origin else document.source
    original = find_original(on_disk, document.id, folders)
    if original is None:
        return page_text_view(
            document.source, page_text, page_number, quote,
            "the original PDF is not in the uploads or source folders",
        )
    try:
        view = render_pdf_page(original, page_number, quote)
        printed = document.page_label(page_number)
        if printed:
            view.caption = view.caption.replace(
                f"PDF page {page_number} of", f"PDF page {page_number} (printed {printed}) of", 1)
        return view
    except Exception as error:  # noqa: BLE001 - a PDF pdfium cannot draw still has its indexed text
        return page_text_view(
            document.source, page_text, page_number, quote, f"the PDF page could not be drawn: {error}"
        )
