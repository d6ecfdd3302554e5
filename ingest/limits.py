"""How much of one file Scrutiny will read: size, zip expansion, pages and characters.

A 259 KB .docx can hold 144 MiB of empty paragraphs (a "zip bomb"), and a 200 MB text file
makes 176,000 chunks and 40 minutes of embedding. Each limit is checked as early as the file
allows, before the expensive step it guards: the size and the zip's expansion before parsing,
a PDF's page count before its pages are read, a text file's length before it is split. A file
over a limit is refused with `UnreadableDocument`, whose message names the setting to raise.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from scrutiny.ingest.records import UnreadableDocument

BYTES_PER_MB = 1024 * 1024
ZIP_SUFFIXES = (".docx",)  # formats that are zip packages (a future .xlsx or .pptx joins them)
# Only members this large are held to the expansion ratio: small parts of a real Word file
# (styles, settings) compress 30:1 and more without being a danger.
RATIO_CHECKED_BYTES = BYTES_PER_MB
MAX_BYTES_PER_CHARACTER = 4  # UTF-8 and UTF-32 spend at most 4 bytes on a character


def _mb(size: float) -> str:
    return f"{size / BYTES_PER_MB:,.1f} MB"


@dataclass(frozen=True)
class ReadingLimits:
    """The most of one file Scrutiny reads; 0 turns a limit off."""

    max_file_bytes: int = 100 * BYTES_PER_MB
    max_unzipped_bytes: int = 200 * BYTES_PER_MB
    max_zip_ratio: float = 100.0
    max_pages: int = 2000
    max_characters: int = 5_000_000

    def check_file(self, path: Path) -> None:
        """Refuse a file too large to read, or a zip package that expands too far, before parsing it."""
        size = path.stat().st_size
        if self.max_file_bytes and size > self.max_file_bytes:
            raise UnreadableDocument(
                f"the file is {_mb(size)}, over the {_mb(self.max_file_bytes)} limit per file "
                f"(SCRUTINY_INGEST__MAX_FILE_MB); split it or raise the limit"
            )
        if path.suffix.lower() in ZIP_SUFFIXES and zipfile.is_zipfile(path):
            self._check_zip(path)

    def _check_zip(self, path: Path) -> None:
        try:
            with zipfile.ZipFile(path) as package:
                members = package.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return  # the format's loader says what is wrong with it
        unzipped = sum(member.file_size for member in members)
        if self.max_unzipped_bytes and unzipped > self.max_unzipped_bytes:
            raise UnreadableDocument(
                f"the file expands to {_mb(unzipped)} when unpacked, over the {_mb(self.max_unzipped_bytes)} "
                f"limit (SCRUTINY_INGEST__MAX_UNZIPPED_MB); it may be a zip bomb"
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if self.max_zip_ratio and member.file_size > RATIO_CHECKED_BYTES and ratio > self.max_zip_ratio:
                raise UnreadableDocument(
                    f"part {member.filename} expands {ratio:,.0f} times ({_mb(member.compress_size)} to "
                    f"{_mb(member.file_size)}), over the limit of {self.max_zip_ratio:g} "
                    f"(SCRUTINY_INGEST__MAX_ZIP_RATIO); it looks like a zip bomb"
                )

    def check_pages(self, pages: int) -> None:
        """Refuse a document with more pages than the limit."""
        if self.max_pages and pages > self.max_pages:
            raise UnreadableDocument(
                f"the document has {pages:,} pages, over the limit of {self.max_pages:,} "
                f"(SCRUTINY_INGEST__MAX_PAGES)"
            )

    def check_encoded_length(self, size: int) -> None:
        """Refuse text whose byte count alone proves it holds too many characters (before decoding it)."""
        if self.max_characters and size > MAX_BYTES_PER_CHARACTER * self.max_characters:
            self.check_characters(size // MAX_BYTES_PER_CHARACTER)

    def check_characters(self, characters: int) -> None:
        """Refuse a document with more characters of text than the limit."""
        if self.max_characters and characters > self.max_characters:
            raise UnreadableDocument(
                f"the document holds {'over ' if characters else ''}{characters:,} characters of text, over the "
                f"limit of {self.max_characters:,} (SCRUTINY_INGEST__MAX_CHARACTERS); split it or raise the limit"
            )


DEFAULT_LIMITS = ReadingLimits()
NO_LIMITS = ReadingLimits(0, 0, 0, 0, 0)
