"""Load any supported file into a `Document`: format dispatch, OCR fallback, metadata."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from scrutiny.ingest.classify import document_date, document_kind
from scrutiny.ingest.forces import forces_in
from scrutiny.ingest.formats.pdf import load_pdf
from scrutiny.ingest.formats.text import load_text
from scrutiny.ingest.formats.webpage import load_html
from scrutiny.ingest.formats.word import load_docx
from scrutiny.ingest.limits import DEFAULT_LIMITS, ReadingLimits
from scrutiny.ingest.records import Block, Document, LoadedFile, UnreadableDocument

LOADERS = {
    ".pdf": load_pdf,
    ".docx": load_docx,
    ".html": load_html,
    ".htm": load_html,
    ".txt": load_text,
    ".md": load_text,
    ".markdown": load_text,
}
SUPPORTED_SUFFIXES = tuple(sorted(LOADERS))
BLOCK_SEPARATOR = "\n\n"
OCR_DPI_SCALE = 300 / 72
# Half a UTF-16 pair on its own: what a file name's undecodable bytes become (surrogateescape),
# and what a broken PDF text layer can hold. Neither can be written as UTF-8.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Characters that would break a printed line or a terminal: C0/C1 controls (newline, escape),
# and the Unicode line and paragraph separators.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# a page with less text than this is a cover (a title, a logo): the document opens on the next
COVER_PAGE_CHARACTERS = 400


def display_name(name: str) -> str:
    """A file name as it can be printed and stored as text: on one line, valid Unicode.

    Bytes that are not UTF-8 (kept by the OS as surrogate escapes) are shown as `\\xff`,
    control characters such as a newline as `\\n` or `\\x1b`:
    "caf\\xe9.txt", "two\\nlines.txt". A plain name is returned as it is.
    """
    if LONE_SURROGATE.search(name):
        name = "".join(
            f"\\x{ord(ch) - 0xDC00:02x}" if 0xDC80 <= ord(ch) <= 0xDCFF  # an escaped byte
            else f"\\u{ord(ch):04x}" if 0xD800 <= ord(ch) <= 0xDFFF else ch
            for ch in name
        )
    return UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], name)


def _valid_text(text: str) -> str:
    return LONE_SURROGATE.sub("\ufffd", text) if LONE_SURROGATE.search(text) else text


def sha256_file(path: Path) -> str:
    """Content hash of a file: the document id."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def assemble_pages(blocks: list[Block], page_count: int) -> tuple[list[str], list[int]]:
    """Page texts built from blocks, and each block's character offset in its page."""
    pages: list[list[str]] = [[] for _ in range(page_count)]
    lengths = [0] * page_count
    offsets: list[int] = []
    for block in blocks:
        index = block.page - 1
        if pages[index]:
            lengths[index] += len(BLOCK_SEPARATOR)
        offsets.append(lengths[index])
        pages[index].append(block.text)
        lengths[index] += len(block.text)
    return [BLOCK_SEPARATOR.join(parts) for parts in pages], offsets


def _ocr_pages(path: Path, page_numbers: list[int]) -> list[Block]:
    """OCR those pages of a PDF with the tesseract command; a failure raises UnreadableDocument."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    blocks: list[Block] = []
    with tempfile.TemporaryDirectory() as scratch:
        for page_number in page_numbers:
            image_path = Path(scratch) / f"page-{page_number}.png"
            pdf[page_number - 1].render(scale=OCR_DPI_SCALE).to_pil().save(image_path)
            result = subprocess.run(
                ["tesseract", str(image_path), "stdout"], capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:  # e.g. no language data installed: say so, not "no text"
                problem = (result.stderr.strip().splitlines() or ["no message"])[-1]
                raise UnreadableDocument(f"OCR failed (tesseract: {problem}); check tesseract-ocr")
            for paragraph in result.stdout.split("\n\n"):
                joined = " ".join(paragraph.split())
                if joined:
                    blocks.append(Block(page_number, joined, "paragraph"))
    return blocks


def _pictured_pages(path: Path, page_numbers: list[int]) -> list[int]:
    """Those pages that hold an image (a scanned page), not blank ones."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    pdf = pypdfium2.PdfDocument(str(path))
    return [n for n in page_numbers
            if next(pdf[n - 1].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2), None) is not None]


def _with_scanned_pages(path: Path, loaded: LoadedFile) -> LoadedFile:
    """A PDF's scanned pages read by OCR: the whole file when it has no text layer at all,
    else each page without text that holds a picture (a scan bound into a text report)."""
    if not loaded.blocks:
        if shutil.which("tesseract") is None:
            raise UnreadableDocument(
                "PDF has no text layer (a scan?); install tesseract-ocr to OCR it, or use a text PDF"
            )
        try:
            blocks = _ocr_pages(path, list(range(1, loaded.page_count + 1)))
        except UnreadableDocument as error:
            raise UnreadableDocument(f"PDF has no text layer and {error}") from None
        if not blocks:
            raise UnreadableDocument("PDF has no text layer and OCR found no text")
        return LoadedFile(blocks=blocks, page_count=loaded.page_count, title=blocks[0].text[:120])
    with_text = {block.page for block in loaded.blocks}
    textless = [n for n in range(1, loaded.page_count + 1) if n not in with_text]
    if not textless or shutil.which("tesseract") is None:
        return loaded
    scanned = _pictured_pages(path, textless)
    if not scanned:
        return loaded
    blocks = sorted(loaded.blocks + _ocr_pages(path, scanned), key=lambda block: block.page)  # stable
    return dataclasses.replace(loaded, blocks=blocks)


def load_file(path: Path, limits: ReadingLimits = DEFAULT_LIMITS) -> LoadedFile:
    """Run the loader for the file's type within `limits`; a clear UnreadableDocument for anything else."""
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise UnreadableDocument(
            f"unsupported file type '{suffix or '(none)'}'; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise UnreadableDocument("file is empty (0 bytes)")
    limits.check_file(path)
    if suffix == ".pdf":
        loaded = _with_scanned_pages(path, load_pdf(path, limits))
    elif loader is load_text:
        loaded = load_text(path, limits)
    else:
        loaded = loader(path)
    limits.check_pages(loaded.page_count)
    limits.check_characters(sum(len(block.text) for block in loaded.blocks))
    return loaded


def _opening(pages: list[str]) -> str:
    """The first page with text, and the next ones while they are short: a report's cover holds
    only its title, and its date ("Published on: 22 March 2022") is on the page after."""
    opening = ""
    for page in pages:
        opening = f"{opening}\n{page}" if opening else page
        if len(opening.strip()) >= COVER_PAGE_CHARACTERS:
            break
    return opening


def load_document(path: Path, limits: ReadingLimits = DEFAULT_LIMITS) -> Document:
    """Read, classify and date one file within `limits`. Raises UnreadableDocument with a one-line reason."""
    path = Path(path)
    loaded = load_file(path, limits)
    if any(LONE_SURROGATE.search(block.text) for block in loaded.blocks) or LONE_SURROGATE.search(loaded.title):
        loaded = dataclasses.replace(
            loaded, title=_valid_text(loaded.title), author=_valid_text(loaded.author), site=_valid_text(loaded.site),
            blocks=[dataclasses.replace(block, text=_valid_text(block.text)) for block in loaded.blocks],
        )
    pages, _ = assemble_pages(loaded.blocks, loaded.page_count)
    first_page = next((page for page in pages if page.strip()), "")
    opening = _opening(pages)
    all_text = "\n".join(pages)
    kind = document_kind(loaded.title, first_page, f"{loaded.site}\n{loaded.author}", path.suffix.lower(), path.stem)
    return Document(
        id=sha256_file(path),
        source=display_name(path.name),
        title=loaded.title or display_name(path.stem),
        kind=kind,
        publisher=loaded.site or loaded.author,
        date=document_date(opening, loaded.date, path.stem),
        forces=forces_in(f"{loaded.title}\n{all_text}"),
        pages=pages,
        blocks=loaded.blocks,
        origin=str(path.resolve()),
        page_labels=list(loaded.page_labels),
    )
