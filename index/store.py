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

import errno
import fcntl
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
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
BUILDING_PREFIX = ".building-"
LOCK_POLL_SECONDS = 0.2
BYTES_PER_MB = 1024 * 1024
# Room asked for a new snapshot beyond its vectors: a document's text is stored twice (pages and
# blocks) and a chunk's text once, with its BM25 terms beside it (about as large again), plus
# JSON's own keys and quotes; and a margin, so the disk is never filled to the last byte.
BYTES_PER_DOCUMENT_CHARACTER = 2.5
BYTES_PER_CHUNK_CHARACTER = 3.0
SPACE_MARGIN_BYTES = 4 * BYTES_PER_MB
NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


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


class IndexBusy(UnusableIndexDirectory):
    """Another writer held the index for longer than this one would wait."""


class IndexNotSaved(UnusableIndexDirectory):
    """A new snapshot could not be written (disk full, read-only); the index is as it was."""


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
    def lock(self, wait_seconds: float = 0, on_wait: Callable[[str], None] | None = None):
        """Exclusive writer lock, so two writers never interleave.

        When another writer holds it, `on_wait` is told once, and after `wait_seconds`
        (0: no limit) IndexBusy is raised.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle = (self.directory / ".lock").open("w")
        except OSError as error:
            raise UnusableIndexDirectory(
                f"cannot write an index at {self.directory} ({error.strerror or error}); "
                f"pass --index a folder you can write to"
            ) from error
        with handle:
            self._acquire(handle, wait_seconds, on_wait)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _acquire(self, handle, wait_seconds: float, on_wait: Callable[[str], None] | None) -> None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        limit = f" (up to {wait_seconds:g} s)" if wait_seconds else ""
        if on_wait is not None:
            on_wait(f"waiting for another writer to finish with the index at {self.directory}{limit}")
        deadline = time.monotonic() + wait_seconds if wait_seconds else None
        while True:
            time.sleep(LOCK_POLL_SECONDS)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if deadline is not None and time.monotonic() > deadline:
                    raise IndexBusy(
                        f"another writer has held the index at {self.directory} for over {wait_seconds:g} s; "
                        f"gave up (try again later, or raise SCRUTINY_INGEST__LOCK_WAIT_SECONDS)"
                    ) from None

    def remove_leftovers(self) -> None:
        """Delete half-built snapshots and pointer files a crashed writer left. Call under `lock()`."""
        snapshots = self.directory / SNAPSHOTS
        if snapshots.is_dir():
            for entry in snapshots.glob(f"{BUILDING_PREFIX}*"):
                shutil.rmtree(entry, ignore_errors=True)
        for leftover in self.directory.glob(f".{CURRENT_FILE}.*"):
            leftover.unlink(missing_ok=True)

    def save(self, data: IndexData) -> Path:
        """Write `data` as a new snapshot and make it live atomically. Call under `lock()`.

        Raises IndexNotSaved, with nothing half-written left behind, when the disk has no room
        for the snapshot or the write fails; the previous snapshot stays live.
        """
        snapshots = self.directory / SNAPSHOTS
        vectors = data.vectors if data.vectors is not None else np.zeros((0, data.dimension), dtype="float32")
        needed = snapshot_bytes_needed(data, vectors)
        try:
            snapshots.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(snapshots).free
        except OSError as error:
            raise self._not_saved(error, needed) from error
        if free < needed:
            raise IndexNotSaved(f"no space left on the index's disk: {_mb(needed)} MB needed, {_mb(free)} MB free "
                                f"at {self.directory}; nothing was changed")
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        building = snapshots / f"{BUILDING_PREFIX}{name}"
        final = snapshots / name
        pointer_tmp = self.directory / f".{CURRENT_FILE}.{name}"
        previous = self.current_snapshot()
        dense = _build_dense(vectors, data.dimension)
        lexical = LexicalIndex.build([chunk.text for chunk in data.chunks])
        data.dense, data.lexical = dense, lexical
        try:
            building.mkdir()
            self._write_snapshot(data, dense, lexical, building)
            os.rename(building, final)
            _fsync_file(snapshots)
            pointer_tmp.write_text(name)
            _fsync_file(pointer_tmp)
            os.replace(pointer_tmp, self.directory / CURRENT_FILE)
        except OSError as error:
            # CURRENT still names the previous snapshot: remove everything this save wrote.
            for written in (building, final):
                shutil.rmtree(written, ignore_errors=True)
            pointer_tmp.unlink(missing_ok=True)
            raise self._not_saved(error, needed) from error
        try:
            _fsync_file(self.directory)
        except OSError:
            pass  # the switch is made; only its durability across a power cut is not confirmed
        # The snapshot just replaced stays until the next save, for readers still on it.
        self._remove_stale_snapshots(keep={name, previous.name if previous else name})
        return final

    def _not_saved(self, error: OSError, needed: int) -> IndexNotSaved:
        if error.errno in NO_SPACE_ERRNOS:
            return IndexNotSaved(f"no space left on the index's disk: {_mb(needed)} MB needed at {self.directory}; "
                                 f"nothing was changed")
        return IndexNotSaved(f"cannot write the index at {self.directory} ({error.strerror or error}); "
                             f"nothing was changed")

    @staticmethod
    def _write_snapshot(data: IndexData, dense: faiss.IndexFlatIP, lexical: LexicalIndex, building: Path) -> None:
        """Every file of a snapshot of `data` into `building`, fsynced."""
        import faiss

        with (building / "documents.jsonl").open("w", encoding="utf-8") as handle:
            for document in data.documents.values():
                handle.write(json_text(_document_record(document)) + "\n")
        with (building / "chunks.jsonl").open("w", encoding="utf-8") as handle:
            for chunk in data.chunks:
                handle.write(json_text(chunk.to_dict()) + "\n")
        faiss.write_index(dense, str(building / "dense.faiss"))
        lexical.save(building / "lexical")
        (building / "manifest.json").write_text(json_text(data.manifest(), indent=2), encoding="utf-8")
        _fsync_tree(building)

    def _remove_stale_snapshots(self, keep: set[str]) -> None:
        """Delete snapshots other than those kept, including half-built leftovers."""
        for entry in (self.directory / SNAPSHOTS).iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
        for leftover in self.directory.glob(f".{CURRENT_FILE}.*"):
            leftover.unlink(missing_ok=True)


def _mb(size: float) -> str:
    return f"{max(size, 0) / BYTES_PER_MB:,.0f}"


def snapshot_bytes_needed(data: IndexData, vectors: np.ndarray) -> int:
    """About how much disk a snapshot of `data` takes (a little more, never much less)."""
    document_characters = sum(len(page) for document in data.documents.values() for page in document.pages)
    chunk_characters = sum(len(chunk.text) for chunk in data.chunks)
    return int(vectors.nbytes
               + BYTES_PER_DOCUMENT_CHARACTER * document_characters
               + BYTES_PER_CHUNK_CHARACTER * chunk_characters
               + SPACE_MARGIN_BYTES)


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
