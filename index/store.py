"""The index directory: snapshots written beside the live one and switched atomically.

Layout of `DIR`:
  CURRENT                 name of the live snapshot (replaced atomically with os.replace)
  snapshots/<name>/       manifest.json, documents.jsonl, chunks.jsonl, dense.faiss, lexical/
  uploads/                files added through the app
  corrections.json        kind, date and forces a person corrected, by document id (applied on read)
  .lock                   held while a writer builds a snapshot

A writer builds a complete snapshot in a temporary folder, fsyncs it, renames it into
`snapshots/`, then points CURRENT at it. A crash or Ctrl-C at any moment leaves CURRENT
naming the previous complete snapshot. No pickle anywhere: JSON lines, FAISS and numpy.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scrutiny.index.corrections import Corrections, apply_correction, apply_to_row
from scrutiny.index.lexical import LexicalIndex
from scrutiny.ingest.records import Block, Chunk, Document

if TYPE_CHECKING:
    import faiss

FORMAT_VERSION = 1
MIN_ID_PREFIX = 6  # shorter id prefixes are refused: too likely to match by accident
CURRENT_FILE = "CURRENT"
SNAPSHOTS = "snapshots"


def documents_matching(documents: Iterable[Document], reference: str) -> list[Document]:
    """The documents a user means: by file name (exact, else ignoring case) or id prefix (6+ characters)."""
    reference = reference.strip()
    documents = list(documents)
    for same_name in (lambda d: d.source == reference, lambda d: d.source.lower() == reference.lower()):
        matches = [d for d in documents if same_name(d)]
        if matches:
            return matches
    if len(reference) < MIN_ID_PREFIX:
        return []
    return [d for d in documents if d.id.startswith(reference.lower())]


class MissingIndex(Exception):
    """No index at the given directory."""


class UnusableIndexDirectory(MissingIndex):
    """The index directory cannot be created or written (a file in the way, no permission).

    A kind of MissingIndex, so every front end that explains a missing index explains this too.
    """


class ModelMismatch(Exception):
    """The index was built with a different embedding model than the one configured."""


@dataclass
class IndexData:
    """Everything in one snapshot, in memory."""

    model: str
    dimension: int
    documents: dict[str, Document] = field(default_factory=dict)
    chunks: list[Chunk] = field(default_factory=list)
    vectors: np.ndarray | None = None
    lexical: LexicalIndex | None = None
    dense: object | None = None  # faiss.IndexFlatIP

    def chunk_counts(self) -> dict[str, int]:
        """Number of chunks per document id."""
        counts: dict[str, int] = {}
        for chunk in self.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return counts

    def manifest(self) -> dict:
        """The manifest.json content for this data."""
        counts = self.chunk_counts()
        return {
            "format_version": FORMAT_VERSION,
            "embedding_model": self.model,
            "dimension": self.dimension,
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "documents": [
                {**doc.summary(), "sha256": doc.id, "chunks": counts.get(doc.id, 0), "origin": doc.origin,
                 "reader_version": doc.reader_version}
                for doc in self.documents.values()
            ],
        }


def _document_record(document: Document) -> dict:
    record = asdict(document)
    record["blocks"] = [[b.page, b.text, b.role, b.level] for b in document.blocks]
    return record


def _document_from_record(record: dict) -> Document:
    blocks = [Block(page, text, role, level) for page, text, role, level in record.pop("blocks", [])]
    return Document(**record, blocks=blocks)


def _build_dense(vectors: np.ndarray, dimension: int) -> faiss.IndexFlatIP:
    import faiss

    index = faiss.IndexFlatIP(dimension)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype="float32"))
    return index


class IndexStore:
    """Reads and atomically writes the index directory."""

    def __init__(self, directory: Path):
        self.directory = Path(directory).expanduser()

    @property
    def uploads(self) -> Path:
        """Where files added through the app are kept."""
        return self.directory / "uploads"

    def current_snapshot(self) -> Path | None:
        """Folder of the live snapshot, or None when there is no index yet.

        Should CURRENT be missing or name a snapshot that is not complete (a crash, a hand
        edit), the newest complete snapshot is used: an index is never taken for empty, and
        so never overwritten with nothing, while a complete snapshot exists.
        """
        pointer = self.directory / CURRENT_FILE
        if pointer.is_file():
            snapshot = self.directory / SNAPSHOTS / pointer.read_text().strip()
            if (snapshot / "manifest.json").is_file():
                return snapshot
        folder = self.directory / SNAPSHOTS
        complete = sorted(
            (entry for entry in folder.iterdir() if not entry.name.startswith(".") and (entry / "manifest.json").is_file()),
            key=lambda entry: entry.name,
        ) if folder.is_dir() else []
        return complete[-1] if complete else None

    def exists(self) -> bool:
        """True when a complete snapshot is live."""
        return self.current_snapshot() is not None

    @property
    def corrections(self) -> Corrections:
        """The metadata corrections kept beside the snapshots (index/corrections.py)."""
        return Corrections(self.directory)

    def read_manifest(self) -> dict:
        """The live manifest (cheap: no vectors are read), with any corrections applied."""
        snapshot = self.current_snapshot()
        if snapshot is None:
            raise MissingIndex(f"no index at {self.directory}; run `scrutiny ingest PATH` first")
        manifest = json.loads((snapshot / "manifest.json").read_text())
        corrections = self.corrections.read()
        if corrections:
            manifest["documents"] = [apply_to_row(row, corrections.get(row["doc_id"]))
                                     for row in manifest["documents"]]
        return manifest

    def check_model(self, model: str) -> None:
        """Refuse to mix embedding models in one index."""
        built_with = self.read_manifest()["embedding_model"]
        if built_with != model:
            raise ModelMismatch(
                f"index at {self.directory} was built with embedding model '{built_with}', not '{model}'; "
                f"set SCRUTINY_EMBEDDING_MODEL={built_with} or ingest into a new --index"
            )

    def load(self, with_vectors: bool = True) -> IndexData:
        """Read the live snapshot; vectors and FAISS only when `with_vectors`.

        A writer in another process may switch snapshots while this reads; the read is then
        tried once more on the new one.
        """
        try:
            return self._load(with_vectors)
        except (FileNotFoundError, RuntimeError, json.JSONDecodeError):
            return self._load(with_vectors)

    def _load(self, with_vectors: bool) -> IndexData:
        snapshot = self.current_snapshot()
        if snapshot is None:
            raise MissingIndex(f"no index at {self.directory}; run `scrutiny ingest PATH` first")
        manifest = json.loads((snapshot / "manifest.json").read_text())
        documents = {}
        corrections = self.corrections.read()
        with (snapshot / "documents.jsonl").open(encoding="utf-8") as handle:
            for line in handle:
                document = _document_from_record(json.loads(line))
                apply_correction(document, corrections.get(document.id))
                documents[document.id] = document
        with (snapshot / "chunks.jsonl").open(encoding="utf-8") as handle:
            chunks = [Chunk.from_dict(json.loads(line)) for line in handle]
        data = IndexData(manifest["embedding_model"], manifest["dimension"], documents, chunks)
        if with_vectors:
            import faiss

            data.dense = faiss.read_index(str(snapshot / "dense.faiss"))
            data.vectors = (
                data.dense.reconstruct_n(0, data.dense.ntotal) if data.dense.ntotal
                else np.zeros((0, data.dimension), dtype="float32")
            )
            data.lexical = LexicalIndex.load(snapshot / "lexical", len(chunks))
        return data

    @contextmanager
    def lock(self):
        """Exclusive writer lock, so two ingests never interleave."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = (self.directory / ".lock").open("w")
        except OSError as error:
            raise UnusableIndexDirectory(
                f"cannot write an index at {self.directory} ({error.strerror or error}); "
                f"pass --index a folder you can write to"
            ) from error
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def save(self, data: IndexData) -> Path:
        """Write `data` as a new snapshot and make it live atomically. Call under `lock()`."""
        snapshots = self.directory / SNAPSHOTS
        snapshots.mkdir(parents=True, exist_ok=True)
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        building = snapshots / f".building-{name}"
        building.mkdir()
        vectors = data.vectors if data.vectors is not None else np.zeros((0, data.dimension), dtype="float32")
        data.dense = _build_dense(vectors, data.dimension)
        data.lexical = LexicalIndex.build([chunk.text for chunk in data.chunks])

        import faiss

        with (building / "documents.jsonl").open("w", encoding="utf-8") as handle:
            for document in data.documents.values():
                handle.write(json.dumps(_document_record(document), ensure_ascii=False) + "\n")
        with (building / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for chunk in data.chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(data.dense, str(building / "dense.faiss"))
        data.lexical.save(building / "lexical")
        (building / "manifest.json").write_text(json.dumps(data.manifest(), indent=2, ensure_ascii=False))
        _fsync_tree(building)
        final = snapshots / name
        previous = self.current_snapshot()
        os.rename(building, final)
        _fsync_file(snapshots)
        pointer_tmp = self.directory / f".{CURRENT_FILE}.{name}"
        pointer_tmp.write_text(name)
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, self.directory / CURRENT_FILE)
        _fsync_file(self.directory)
        # The snapshot just replaced stays until the next save, for readers still on it.
        self._remove_stale_snapshots(keep={name, previous.name if previous else name})
        return final

    def _remove_stale_snapshots(self, keep: set[str]) -> None:
        """Delete snapshots other than those kept, including half-built leftovers."""
        for entry in (self.directory / SNAPSHOTS).iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
        for leftover in self.directory.glob(f".{CURRENT_FILE}.*"):
            leftover.unlink(missing_ok=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        _fsync_file(path)  # files and sub-folders (lexical/) alike
    _fsync_file(folder)
