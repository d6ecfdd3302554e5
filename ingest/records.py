"""Typed records of the ingest stage: what a file becomes before it is indexed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Generic, Literal, TypeVar

DocumentKind = Literal[
    "inspection_report", "press_release", "pcc_response", "force_response", "board_paper", "news", "other"
]
DOCUMENT_KINDS: tuple[str, ...] = (
    "inspection_report", "press_release", "pcc_response", "force_response", "board_paper", "news", "other",
)
# Kinds in which a force or its PCC says what is being done about an inspection's findings.
RESPONSE_KINDS = frozenset({"pcc_response", "force_response", "board_paper"})
BlockRole = Literal["heading", "paragraph", "list_item", "table_row"]


class UnreadableDocument(Exception):
    """A file that cannot be turned into text; the message says why and what to do."""


@dataclass(frozen=True)
class Block:
    """One paragraph, heading, list item or table row as laid out on one page.

    `level` ranks headings (1 is the largest); it is 0 for everything else.
    """

    page: int
    text: str
    role: BlockRole = "paragraph"
    level: int = 0


@dataclass(frozen=True)
class LoadedFile:
    """What a format loader extracts from a file, before classification."""

    blocks: list[Block]
    page_count: int
    title: str = ""
    author: str = ""
    site: str = ""  # a web page's site ("Police Professional"): who publishes it, beside who wrote it
    date: str = ""
    page_labels: tuple[str, ...] = ()  # the page numbers printed on each page ("" if none)


@dataclass
class Document:
    """A source file as text: page texts with 1-based page numbers plus metadata."""

    id: str
    source: str
    title: str
    kind: str
    publisher: str
    date: str
    forces: list[str]
    pages: list[str]
    blocks: list[Block] = field(default_factory=list, repr=False)
    origin: str = ""  # absolute path the file was read from (where the app finds the page)
    page_labels: list[str] = field(default_factory=list)  # printed page numbers, "" where none
    reader_version: int = 0  # the READER_VERSION (index/ingester.py) that read it; 0 = before versions

    @cached_property
    def heading_texts(self) -> frozenset[str]:
        """The text of each heading block, whitespace collapsed (computed once)."""
        return frozenset(" ".join(b.text.split()) for b in self.blocks if b.role == "heading")

    def page_label(self, page: int) -> str:
        """The page number printed on a 1-based page, when it differs from its position ("" otherwise)."""
        label = self.page_labels[page - 1] if 0 < page <= len(self.page_labels) else ""
        return "" if label == str(page) else label

    def page_text(self, page: int) -> str:
        """Text of a 1-based page number."""
        return self.pages[page - 1]

    def summary(self) -> dict:
        """The metadata a manifest and `scrutiny docs` show (no page text)."""
        return {
            "doc_id": self.id, "source": self.source, "title": self.title, "kind": self.kind,
            "publisher": self.publisher, "date": self.date, "forces": self.forces,
            "pages": len(self.pages),
        }


T = TypeVar("T")


class DocumentMemo(Generic[T]):
    """`build(document)`, computed once per Document object and kept on it (as cached_property
    keeps its value), so it lives as long as the index snapshot holding the document: a re-read
    or re-indexed document is a new object and is built again, and nothing outlives the index."""

    def __init__(self, build: Callable[[Document], T]):
        self._build = build
        self._name = f"_memo_{id(self)}"  # outside the dataclass fields: never saved or compared

    def __call__(self, document: Document) -> T:
        try:
            return document.__dict__[self._name]
        except KeyError:
            value = document.__dict__[self._name] = self._build(document)
            return value


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: never crosses documents, stays in one section where it can.

    `char_start` is an offset into the text of `page_start`, `char_end` into `page_end`.
    """

    id: str
    doc_id: str
    text: str
    page_start: int
    page_end: int
    section: str
    char_start: int
    char_end: int
    forces: tuple[str, ...] = ()

    @staticmethod
    def make_id(doc_id: str, page: int, char_start: int) -> str:
        """Content-derived id: stable across re-ingests of the same bytes."""
        return hashlib.sha256(f"{doc_id}:{page}:{char_start}".encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        """JSON-ready form for the chunk table."""
        record = asdict(self)
        record["forces"] = list(self.forces)
        return record

    @classmethod
    def from_dict(cls, record: dict) -> Chunk:
        """Inverse of `to_dict`."""
        return cls(**{**record, "forces": tuple(record.get("forces", ()))})
