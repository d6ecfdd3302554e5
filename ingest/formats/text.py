"""Plain text and Markdown files to blocks, with encoding detection.

UTF-8 (with or without BOM) first, then UTF-16/32 when a byte-order mark says so; otherwise
charset-normalizer's best guess (cp1252 and latin-1 are common in exported Word text).
Form feeds separate pages.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from scrutiny.ingest.limits import NO_LIMITS, ReadingLimits
from scrutiny.ingest.records import Block, LoadedFile, UnreadableDocument

BINARY_SHARE = 0.05  # more control bytes than this means the file is not text
# A line ends its paragraph when it ends a sentence, or when it is much shorter than the longest
# line beside it and the next starts a new one (a title, a by-line, a date line). Hard-wrapped
# prose keeps its lines together: they are of a length and end mid-sentence.
LINE_ENDS_PARAGRAPH = re.compile(r"[.!?:;\"”’)]\s*$")
SHORT_LINE_SHARE = 0.6
STARTS_PARAGRAPH = re.compile(r"^\s*[\"“‘'(]?[A-Z0-9£]")
TITLE_WORDS = 25  # a first line this short, not ending a sentence, is the document's title
# Byte-order marks of the wide encodings (Notepad's "Unicode" is UTF-16 LE with a BOM). Their
# text is full of NUL bytes, so they must be recognised before the binary check. UTF-32 first:
# its little-endian BOM starts with UTF-16's.
WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(raw: bytes) -> str:
    """Decode bytes as UTF-8, else UTF-16/32 by BOM, else the detected encoding; refuse binary data."""
    if not raw.strip():
        raise UnreadableDocument("file is empty")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for bom, encoding in WIDE_BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as error:
                raise UnreadableDocument(
                    f"text marked as {encoding.upper()} does not decode; save it as UTF-8"
                ) from error
    control = sum(1 for byte in raw[:4096] if byte < 9 or 13 < byte < 32)
    if control > BINARY_SHARE * min(len(raw), 4096):
        raise UnreadableDocument("file is binary, not text; check the file type")
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableDocument("text encoding could not be detected; save it as UTF-8")
    return str(best)


def line_paragraphs(paragraph: str) -> list[str]:
    """The paragraphs of a run of lines with no blank line between them: one per line when the
    lines are paragraphs (text saved one paragraph per line, under a title line), joined when
    they are prose wrapped at a width."""
    lines = [line.strip() for line in paragraph.split("\n") if line.strip()]
    if not lines:
        return []
    longest = max(len(line) for line in lines)
    paragraphs: list[list[str]] = [[]]
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        paragraphs[-1].append(line)
        ends = bool(LINE_ENDS_PARAGRAPH.search(line)) or (
            len(line) < SHORT_LINE_SHARE * longest and bool(STARTS_PARAGRAPH.match(following)))
        if ends and following:
            paragraphs.append([])
    return [" ".join(" ".join(part).split()) for part in paragraphs if part]


def _is_title(text: str) -> bool:
    return len(text.split()) <= TITLE_WORDS and not LINE_ENDS_PARAGRAPH.search(text)


def load_text(path: Path, limits: ReadingLimits = NO_LIMITS) -> LoadedFile:
    """Read .txt (paragraphs split on blank lines) or .md (headings and list items kept).

    The character limit is checked on the file's size before it is decoded, then on the text."""
    from scrutiny.ingest.formats.webpage import markdown_blocks

    limits.check_encoded_length(path.stat().st_size)
    text = decode_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    limits.check_characters(len(text))
    blocks: list[Block] = []
    pages = text.split("\f")
    for page_number, page_text in enumerate(pages, start=1):
        if path.suffix.lower() in {".md", ".markdown"}:
            blocks.extend(markdown_blocks(page_text, page_number))
        else:
            for paragraph in re.split(r"\n\s*\n", page_text):
                blocks.extend(Block(page_number, text, "paragraph") for text in line_paragraphs(paragraph))
            if page_number == 1 and blocks and _is_title(blocks[0].text):
                blocks[0] = Block(1, blocks[0].text, "heading", level=1)
    if not blocks:
        raise UnreadableDocument("file has no text")
    title = next((b.text for b in blocks if b.role == "heading"), blocks[0].text[:120])
    return LoadedFile(blocks=blocks, page_count=len(pages), title=title)
