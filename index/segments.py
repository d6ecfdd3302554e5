"""One segment of the index: an immutable folder of documents, their chunks, vectors and term counts.

Layout of `segments/<name>/`:
  rows.json            each document's manifest row, with where its record and its chunks start
  documents.jsonl      one document per line (pages and blocks)
  chunks.jsonl         one chunk per line, a document's chunks together, in the rows' order
  chunks.offsets.npy   byte offset of each chunk's line, and of the end: one chunk is read alone
  vectors.npy          float32, one row per chunk (memory-mapped when read)
  dense.faiss          only in a large segment: an approximate (IVF) index over the vectors
  lexical/             term counts for BM25 (index/lexical.py)

A segment is written once and never changed: an ingest adds a new one, a removal only lists
the document as deleted in the next commit (index/store.py), and merging writes a new segment
from the live chunks of others by copying their JSON lines, vectors and term counts (nothing
is parsed, tokenised or embedded again). Reading a segment parses only its rows: a chunk or
a document is parsed when asked for.
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scrutiny.index.lexical import LexicalSegment
from scrutiny.ingest.records import Block, Chunk, Document

if TYPE_CHECKING:
    import faiss

ROWS_FILE = "rows.json"
DOCUMENTS_FILE = "documents.jsonl"
CHUNKS_FILE = "chunks.jsonl"
OFFSETS_FILE = "chunks.offsets.npy"
VECTORS_FILE = "vectors.npy"
DENSE_FILE = "dense.faiss"
LEXICAL_FOLDER = "lexical"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Where, in a segment's rows, a document's record and chunks are; not part of the manifest row.
PLACEMENT = ("offset", "first_chunk")


def json_text(record: object, **options) -> str:
    """JSON that can always be written as UTF-8.

    A file name whose bytes are not UTF-8 reaches Python with surrogate escapes ("\\udce9" for
    the byte 0xE9), which UTF-8 cannot encode: they are written as JSON escapes instead, and
    `json.loads` gives back the very same name, so the file is found again by its path.
    """
    text = json.dumps(record, ensure_ascii=False, **options)
    if LONE_SURROGATE.search(text):
        text = LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return text


def json_line(record: object) -> bytes:
    """One JSON-lines line of a record."""
    return (json_text(record) + "\n").encode("utf-8")


def document_record(document: Document) -> dict:
    """A document as one JSON line's content (blocks as short lists)."""
    from dataclasses import asdict

    record = asdict(document)
    record["blocks"] = [[b.page, b.text, b.role, b.level] for b in document.blocks]
    return record


def document_from_record(record: dict) -> Document:
    """Inverse of `document_record`."""
    blocks = [Block(page, text, role, level) for page, text, role, level in record.pop("blocks", [])]
    return Document(**record, blocks=blocks)


def manifest_row(document: Document, chunks: int) -> dict:
    """What the manifest and `scrutiny docs` show of a document."""
    return {**document.summary(), "sha256": document.id, "chunks": chunks, "origin": document.origin,
            "reader_version": document.reader_version}


def line_offsets(blob: bytes | mmap.mmap) -> np.ndarray:
    """Byte offset of each line of a JSON-lines blob, and of its end."""
    array = np.frombuffer(blob, dtype=np.uint8) if len(blob) else np.zeros(0, dtype=np.uint8)
    ends = np.flatnonzero(array == ord("\n")) + 1
    return np.concatenate([[0], ends]).astype("int64")


@dataclass
class SegmentContent:
    """What a new segment is made of: rows, JSON lines, vectors and term counts, in chunk order."""

    rows: list[dict]  # manifest rows, each with its document's chunk count
    document_lines: list[bytes]
    chunk_lines: list[bytes]
    vectors: np.ndarray
    lexical: LexicalSegment

    @property
    def byte_size(self) -> int:
        """About what the segment takes on disk (term counts are about as large as the chunk text)."""
        chunk_bytes = sum(len(line) for line in self.chunk_lines)
        return int(self.vectors.nbytes + sum(len(line) for line in self.document_lines) + 2 * chunk_bytes)


class Segment:
    """One segment, read: rows in memory; chunks and documents parsed when asked for; vectors,
    term counts and the IVF index read on first use.

    `chunk_blob` and `document_blob` are the JSON-lines files, memory-mapped (or, for an index
    written before segments, held in memory with its vectors and term counts).
    """

    def __init__(self, name: str, rows: list[dict], document_blob: bytes | mmap.mmap, chunk_blob: bytes | mmap.mmap,
                 chunk_offsets: np.ndarray, folder: Path | None = None, vectors: np.ndarray | None = None,
                 lexical: LexicalSegment | None = None):
        self.name = name
        self.rows = rows
        self.document_blob = document_blob
        self.chunk_blob = chunk_blob
        self.chunk_offsets = chunk_offsets
        self.folder = folder
        if vectors is not None:
            self.__dict__["vectors"] = vectors
        if lexical is not None:
            self.__dict__["lexical"] = lexical
            self.__dict__["approximate"] = None

    def __len__(self) -> int:
        return len(self.chunk_offsets) - 1

    @classmethod
    def open(cls, folder: Path) -> Segment:
        """Read a segment folder's rows; the rest is memory-mapped or read when first used."""
        rows = json.loads((folder / ROWS_FILE).read_text(encoding="utf-8"))
        return cls(folder.name, rows, _mapped(folder / DOCUMENTS_FILE), _mapped(folder / CHUNKS_FILE),
                   np.load(folder / OFFSETS_FILE, allow_pickle=False), folder)

    @cached_property
    def vectors(self) -> np.ndarray:
        """One float32 row per chunk, memory-mapped."""
        assert self.folder is not None
        return np.load(self.folder / VECTORS_FILE, mmap_mode="r", allow_pickle=False)

    @cached_property
    def lexical(self) -> LexicalSegment:
        """The chunks' term counts."""
        assert self.folder is not None
        return LexicalSegment.load(self.folder / LEXICAL_FOLDER)

    @cached_property
    def approximate(self) -> faiss.Index | None:
        """The segment's IVF index, when it has one."""
        import faiss

        path = self.folder / DENSE_FILE if self.folder is not None else None
        return faiss.read_index(str(path)) if path is not None and path.is_file() else None

    def chunk_line(self, position: int) -> bytes:
        """The JSON line of the chunk at `position` in this segment."""
        return bytes(self.chunk_blob[int(self.chunk_offsets[position]):int(self.chunk_offsets[position + 1])])

    def chunk(self, position: int) -> Chunk:
        """The chunk at `position`, parsed."""
        return Chunk.from_dict(json.loads(self.chunk_line(position)))

    def document_line(self, row: dict) -> bytes:
        """The JSON line of a row's document."""
        start = row["offset"]
        end = self.document_blob.find(b"\n", start)
        return bytes(self.document_blob[start:end + 1])

    def document(self, row: dict) -> Document:
        """A row's document, parsed (pages and blocks)."""
        return document_from_record(json.loads(self.document_line(row)))

    def positions(self, doc_ids: Iterable[str]) -> np.ndarray:
        """The chunk positions of the given documents of this segment."""
        wanted = set(doc_ids)
        ranges = [np.arange(row["first_chunk"], row["first_chunk"] + row["chunks"])
                  for row in self.rows if row["sha256"] in wanted]
        return np.concatenate(ranges).astype("int64") if ranges else np.zeros(0, dtype="int64")

    def content(self, live_ids: set[str]) -> SegmentContent:
        """The live documents of this segment, ready to be written into another (a merge)."""
        rows = [row for row in self.rows if row["sha256"] in live_ids]
        kept = self.positions(live_ids)
        return SegmentContent(
            [{k: v for k, v in row.items() if k not in PLACEMENT} for row in rows],
            [self.document_line(row) for row in rows],
            [self.chunk_line(int(position)) for position in kept],
            np.asarray(self.vectors[kept], dtype="float32"),
            LexicalSegment.merge([(self.lexical, kept)]),
        )


def _mapped(path: Path) -> bytes | mmap.mmap:
    """A file's bytes, memory-mapped (an empty file cannot be mapped: its empty bytes)."""
    with path.open("rb") as handle:
        if not path.stat().st_size:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def merged(parts: list[SegmentContent]) -> SegmentContent:
    """Several segments' contents as one, in order."""
    if len(parts) == 1:
        return parts[0]
    dimension = next((part.vectors.shape[1] for part in parts if part.vectors.ndim == 2), 0)
    return SegmentContent(
        [row for part in parts for row in part.rows],
        [line for part in parts for line in part.document_lines],
        [line for part in parts for line in part.chunk_lines],
        np.vstack([part.vectors.reshape(-1, dimension) for part in parts]).astype("float32"),
        LexicalSegment.merge([(part.lexical, np.arange(len(part.lexical))) for part in parts]),
    )


def write_segment(content: SegmentContent, folder: Path, approximate_above: int, probes: int) -> None:
    """Every file of a segment into `folder` (not fsynced: the store does that).

    A segment of more than `approximate_above` chunks (0: never) also gets an IVF index.
    """
    rows, offset, first_chunk = [], 0, 0
    with (folder / DOCUMENTS_FILE).open("wb") as handle:
        for row, line in zip(content.rows, content.document_lines, strict=True):
            handle.write(line)
            rows.append({**row, "offset": offset, "first_chunk": first_chunk})
            offset += len(line)
            first_chunk += row["chunks"]
    if first_chunk != len(content.chunk_lines):
        raise ValueError(f"the rows count {first_chunk} chunks, the segment holds {len(content.chunk_lines)}")
    with (folder / CHUNKS_FILE).open("wb") as handle:
        for line in content.chunk_lines:
            handle.write(line)
    lengths = np.fromiter((len(line) for line in content.chunk_lines), dtype="int64", count=len(content.chunk_lines))
    np.save(folder / OFFSETS_FILE, np.concatenate([[0], np.cumsum(lengths)]).astype("int64"), allow_pickle=False)
    np.save(folder / VECTORS_FILE, np.ascontiguousarray(content.vectors, dtype="float32"), allow_pickle=False)
    content.lexical.save(folder / LEXICAL_FOLDER)
    (folder / ROWS_FILE).write_text(json_text(rows), encoding="utf-8")
    if approximate_above and len(content.chunk_lines) > approximate_above:
        import faiss

        faiss.write_index(build_approximate(content.vectors, probes), str(folder / DENSE_FILE))


# IVF lists: about four times the square root of the vectors (faiss's guideline is 4-16 x sqrt(n)),
# trained on this many vectors per list (faiss asks for at least 39) in a few k-means rounds:
# more only costs build time, which grows with lists x training vectors.
IVF_LISTS_PER_SQRT = 4
IVF_TRAINING_PER_LIST = 40
IVF_TRAINING_ROUNDS = 10


def build_approximate(vectors: np.ndarray, probes: int) -> faiss.Index:
    """An inverted-file index (IVF, exact inner products within the lists probed) over `vectors`."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype="float32")
    lists = max(1, int(IVF_LISTS_PER_SQRT * np.sqrt(len(vectors))))
    quantizer = faiss.IndexFlatIP(vectors.shape[1])
    index = faiss.IndexIVFFlat(quantizer, vectors.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = IVF_TRAINING_ROUNDS
    sample = np.random.default_rng(0).choice(len(vectors), min(len(vectors), lists * IVF_TRAINING_PER_LIST),
                                             replace=False)
    index.train(vectors[np.sort(sample)])
    index.add(vectors)
    index.nprobe = probes
    return index
