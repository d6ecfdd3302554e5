"""The index directory: commits of immutable segments, switched atomically.

Layout of `DIR`:
  CURRENT                 name of the live commit (replaced atomically with os.replace)
  snapshots/<name>/       manifest.json: the commit, naming its segments and the documents
                          deleted from each
  segments/<name>/        documents, chunks, vectors and term counts of one or more ingests
                          (index/segments.py); never changed once written
  uploads/                files added through the app
  corrections.json        kind, date and forces a person corrected, by document id (applied on read)
  .lock                   held while a writer writes

An ingest writes its new documents as a new segment and a removal only lists the document as
deleted, so either costs in proportion to the documents it changes, not to the index (as
Lucene does). A writer fsyncs the new segment, renames it into `segments/`, writes the new
commit the same way, then points CURRENT at it: a crash or `kill -9` at any moment leaves
CURRENT naming the previous complete commit, whose segments are all still there. Past
`max_segments` segments the smallest are merged into one, and `scrutiny compact` merges all
of them (dropping deleted documents for good). No pickle anywhere: JSON lines, FAISS and numpy.

An index written before segments (format 1: one whole snapshot per ingest) is read as it is,
and becomes the first segment at its first write.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from scrutiny.index.corrections import Corrections, apply_correction, apply_to_row
from scrutiny.index.lexical import LexicalIndex, LexicalSegment
from scrutiny.index.segments import (
    PLACEMENT,
    Segment,
    SegmentContent,
    document_record,
    json_line,
    json_text,
    line_offsets,
    manifest_row,
    merged,
    write_segment,
)
from scrutiny.ingest.records import Chunk, Document

FORMAT_VERSION = 2
MIN_ID_PREFIX = 6  # shorter id prefixes are refused: too likely to match by accident
CURRENT_FILE = "CURRENT"
SNAPSHOTS = "snapshots"
SEGMENTS = "segments"
BUILDING_PREFIX = ".building-"
LOCK_POLL_SECONDS = 0.2
BYTES_PER_MB = 1024 * 1024
SPACE_MARGIN_BYTES = 4 * BYTES_PER_MB  # so the disk is never filled to the last byte
NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
MAX_SEGMENTS = 8  # past this, the smallest segments are merged at the next write
CHUNK_CACHE = 131072  # parsed chunks kept by a reader (questions come back to the same passages)
DOCUMENT_CACHE = 8192  # parsed documents (pages and blocks) kept by a reader (a question may read every report's findings)


def rows_matching(rows: Iterable[dict], reference: str) -> list[dict]:
    """The documents a user means, as manifest rows (no page text is read): by file name (exact,
    else ignoring case) or id prefix (6+ characters)."""
    reference = reference.strip()
    rows = list(rows)
    for same_name in (lambda name: name == reference, lambda name: name.lower() == reference.lower()):
        matches = [row for row in rows if same_name(row["source"])]
        if matches:
            return matches
    if len(reference) < MIN_ID_PREFIX:
        return []
    return [row for row in rows if row["doc_id"].startswith(reference.lower())]


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
    """The live index as a reader sees it: documents and chunks (parsed when asked for), BM25 and dense search.

    `chunks` holds the live chunks only, in a fixed order: position i of the chunk table is
    position i of `lexical.scores()` and of the ids `dense.search()` returns.
    """

    model: str
    dimension: int
    documents: Mapping[str, Document] = field(default_factory=dict)
    chunks: Sequence[Chunk] = field(default_factory=list)
    lexical: LexicalIndex | None = None
    dense: DenseIndex | None = None
    segments: list[tuple[Segment, np.ndarray]] = field(default_factory=list)  # each with its live positions

    @property
    def vectors(self) -> np.ndarray:
        """Every live chunk's vector, in chunk-table order (read from disk: for checks, not questions)."""
        parts = [np.asarray(segment.vectors[live], dtype="float32") for segment, live in self.segments]
        return np.vstack(parts) if parts else np.zeros((0, self.dimension), dtype="float32")

    def rows(self) -> dict[str, dict]:
        """Each live document's manifest row by id (kind, date, forces, source: no page text is parsed)."""
        if "_rows" not in self.__dict__:
            self.__dict__["_rows"] = (
                {doc_id: self.documents.row(doc_id) for doc_id in self.documents}
                if isinstance(self.documents, DocumentTable)
                else {doc_id: {**document.summary(), "sha256": doc_id} for doc_id, document in self.documents.items()})
        return self.__dict__["_rows"]

    def documents_where(self, wanted: Callable[[dict], bool]) -> list[Document]:
        """The documents whose manifest row is `wanted`, parsed (only those are)."""
        return [self.documents[doc_id] for doc_id, row in self.rows().items() if wanted(row)]

    def positions_of(self, doc_ids: Iterable[str]) -> np.ndarray:
        """Chunk-table positions of the given documents' chunks (no chunk is parsed)."""
        if not isinstance(self.chunks, ChunkTable) or not isinstance(self.documents, DocumentTable):
            wanted = set(doc_ids)
            return np.asarray([i for i, chunk in enumerate(self.chunks) if chunk.doc_id in wanted], dtype="int64")
        return self.chunks.positions([self.documents.place(doc_id) for doc_id in doc_ids if doc_id in self.documents])

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document, in order (no pass over the chunk table)."""
        if isinstance(self.chunks, ChunkTable) and isinstance(self.documents, DocumentTable):
            if doc_id not in self.documents:
                return []
            segment, row = self.documents.place(doc_id)
            return self.chunks.of_segment(segment, range(row["first_chunk"], row["first_chunk"] + row["chunks"]))
        return [chunk for chunk in self.chunks if chunk.doc_id == doc_id]


class ChunkTable(Sequence[Chunk]):
    """The live chunks of every segment, by position, each parsed from its JSON line when first read."""

    def __init__(self, segments: list[tuple[Segment, np.ndarray]]):
        self._segments = segments
        self._starts = np.cumsum([0, *(len(live) for _, live in segments)])
        self._chunk = lru_cache(maxsize=CHUNK_CACHE)(self._parse)

    def _parse(self, part: int, position: int) -> Chunk:
        return self._segments[part][0].chunk(position)

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = int(index) + (len(self) if index < 0 else 0)
        if not 0 <= index < len(self):
            raise IndexError("chunk position out of range")
        part = int(np.searchsorted(self._starts, index, side="right")) - 1
        return self._chunk(part, int(self._segments[part][1][index - self._starts[part]]))

    def __iter__(self) -> Iterator[Chunk]:
        for part, (_, live) in enumerate(self._segments):
            for position in live.tolist():
                yield self._chunk(part, position)

    def positions(self, places: list[tuple[Segment, dict]]) -> np.ndarray:
        """Chunk-table positions of the chunks of documents given by segment and row."""
        parts = {id(segment): part for part, (segment, _) in enumerate(self._segments)}
        found = []
        for segment, row in places:
            part = parts[id(segment)]
            live = self._segments[part][1]
            first = int(np.searchsorted(live, row["first_chunk"]))
            found.append(np.arange(first, first + row["chunks"]) + self._starts[part])
        return np.sort(np.concatenate(found)).astype("int64") if found else np.zeros(0, dtype="int64")

    def of_segment(self, segment: Segment, positions: Iterable[int]) -> list[Chunk]:
        """Chunks of one segment by their positions in it."""
        part = next(part for part, (candidate, _) in enumerate(self._segments) if candidate is segment)
        return [self._chunk(part, int(position)) for position in positions]


class DocumentTable(Mapping[str, Document]):
    """The live documents by id, each parsed (pages and blocks) when first read, corrections applied."""

    def __init__(self, places: dict[str, tuple[Segment, dict]], corrections: dict):
        self._places = places
        self._corrections = corrections
        self._document = lru_cache(maxsize=DOCUMENT_CACHE)(self._parse)

    def _parse(self, doc_id: str) -> Document:
        segment, row = self._places[doc_id]
        document = segment.document(row)
        apply_correction(document, self._corrections.get(doc_id))
        return document

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id not in self._places:
            raise KeyError(doc_id)
        return self._document(doc_id)

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._places

    def place(self, doc_id: str) -> tuple[Segment, dict]:
        """The segment holding a live document, and its row there."""
        return self._places[doc_id]

    def row(self, doc_id: str) -> dict:
        """A document's manifest row, corrections applied (no page text is parsed)."""
        _, row = self._places[doc_id]
        return apply_to_row({k: v for k, v in row.items() if k not in PLACEMENT}, self._corrections.get(doc_id))


class DenseIndex:
    """Inner-product search over the live chunks of every segment, with chunk-table positions as ids.

    A segment searches its IVF index when it has one and the search asks for a few neighbours,
    else every vector exactly (FAISS flat); deleted chunks are never returned. Several segments'
    results are merged by score.
    """

    def __init__(self, segments: list[tuple[Segment, np.ndarray]], dimension: int, probes: int):
        self.d = dimension
        self.probes = probes
        self._segments = segments
        self.ntotal = sum(len(live) for _, live in segments)
        self._flat: dict[int, object] = {}
        self._global: list[np.ndarray] = []
        start = 0
        for segment, live in segments:
            table = np.full(len(segment) + 1, -1, dtype="int64")  # the last entry maps faiss's -1 to -1
            table[live] = np.arange(start, start + len(live))
            self._global.append(table)
            start += len(live)

    def _flat_index(self, part: int):
        import faiss

        if part not in self._flat:
            segment, _ = self._segments[part]
            index = faiss.IndexFlatIP(self.d)
            if len(segment):
                index.add(np.ascontiguousarray(segment.vectors, dtype="float32"))
            self._flat[part] = index
        return self._flat[part]

    def _local(self, part: int, allowed: np.ndarray | None) -> np.ndarray | None:
        """Which of a segment's chunks may be returned: live ones, and allowed ones (None: all)."""
        segment, live = self._segments[part]
        if allowed is None and len(live) == len(segment):
            return None
        local = np.zeros(len(segment), dtype=bool)
        start = int(self._global[part][live[0]]) if len(live) else 0
        local[live] = True if allowed is None else allowed[start:start + len(live)]
        return local

    def _search_segment(self, part: int, queries: np.ndarray, depth: int,
                        allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        segment, live = self._segments[part]
        selected = self._local(part, allowed)
        approximate = segment.approximate is not None and depth < len(live) // 2
        parameters: Any
        if approximate:
            # Filtered, every list is searched (only the allowed vectors are scored): exact, and no copy.
            index, parameters = segment.approximate, faiss.SearchParametersIVF()
            parameters.nprobe = self.probes if allowed is None else segment.approximate.nlist
        else:
            index, parameters = self._flat_index(part), faiss.SearchParameters()
        if selected is not None:
            parameters.sel = _bitmap_selector(selected)
        scores, ids = index.search(queries, min(depth, len(segment)), params=parameters)
        return scores, self._global[part][ids]

    def search(self, queries: np.ndarray, depth: int,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and chunk positions of the `depth` nearest live chunks of each query (-1 past the end),
        among those `allowed` (a mask over the chunk table) when given."""
        queries = np.ascontiguousarray(queries, dtype="float32")
        results = [self._search_segment(part, queries, depth, allowed)
                   for part, (_, live) in enumerate(self._segments) if len(live)]
        if not results:
            return (np.full((len(queries), depth), -np.inf, dtype="float32"),
                    np.full((len(queries), depth), -1, dtype="int64"))
        if len(results) == 1:
            return results[0]
        scores = np.hstack([scores for scores, _ in results])
        ids = np.hstack([ids for _, ids in results])
        scores = np.where(ids >= 0, scores, -np.inf)
        order = np.argsort(-scores, axis=1, kind="stable")[:, :depth]
        return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)

    def scores(self, query: np.ndarray, positions: list[int]) -> np.ndarray:
        """The inner products of one query with the chunks at `positions` (as a flat search computes them)."""
        import faiss

        if not positions:
            return np.zeros(0, dtype="float32")
        starts = np.cumsum([0, *(len(live) for _, live in self._segments)])
        vectors = []
        for position in positions:
            part = int(np.searchsorted(starts, position, side="right")) - 1
            segment, live = self._segments[part]
            vectors.append(np.asarray(segment.vectors[live[position - starts[part]]], dtype="float32"))
        index = faiss.IndexFlatIP(self.d)
        index.add(np.vstack(vectors))
        scores, ids = index.search(np.ascontiguousarray(query, dtype="float32").reshape(1, -1), len(positions))
        found = np.zeros(len(positions), dtype="float32")
        found[ids[0]] = scores[0]
        return found


@dataclass
class NewDocuments:
    """Documents read, chunked and embedded, to be written as one new segment."""

    model: str  # the embedding model that made the vectors
    documents: list[Document]
    chunks: list[Chunk]  # each document's chunks together, in the documents' order
    vectors: np.ndarray


@dataclass
class Commit:
    """What a commit (snapshots/<name>/manifest.json) names: segments and the documents deleted from each."""

    model: str
    dimension: int
    segments: list[dict] = field(default_factory=list)  # {"name": ..., "deleted": [doc ids]}

    def manifest(self) -> dict:
        """The manifest.json content."""
        return {"format_version": FORMAT_VERSION, "embedding_model": self.model, "dimension": self.dimension,
                "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "segments": self.segments}


class IndexStore:
    """Reads the index directory and writes it one atomic commit at a time."""

    def __init__(self, directory: Path, max_segments: int = MAX_SEGMENTS, approximate_above: int = 0,
                 probes: int = 32):
        if max_segments < 1 or approximate_above < 0 or probes < 1:
            raise ValueError("max_segments and probes must be at least 1, approximate_above at least 0")
        self.directory = Path(directory).expanduser()
        self.max_segments = max_segments
        self.approximate_above = approximate_above
        self.probes = probes
        self._opened: dict[Path, Segment] = {}  # segments never change: opened once per store
        self._opening = threading.Lock()  # the app reads and writes one store from several threads
        self.bytes_written = 0  # by this store's writes (the scale bench reads it)

    @property
    def uploads(self) -> Path:
        """Where files added through the app are kept."""
        return self.directory / "uploads"

    def current_snapshot(self) -> Path | None:
        """Folder of the live commit, or None when there is no index yet.

        Should CURRENT be missing or name a commit that is not complete (a crash, a hand
        edit), the newest complete one is used: an index is never taken for empty, and so
        never overwritten with nothing, while a complete commit exists.
        """
        pointer = self.directory / CURRENT_FILE
        if pointer.is_file():
            snapshot = self.directory / SNAPSHOTS / pointer.read_text().strip()
            if (snapshot / "manifest.json").is_file():
                return snapshot
        complete = self._complete_snapshots()
        return complete[-1] if complete else None

    def _complete_snapshots(self) -> list[Path]:
        folder = self.directory / SNAPSHOTS
        return sorted(
            (entry for entry in folder.iterdir() if not entry.name.startswith(".") and (entry / "manifest.json").is_file()),
            key=lambda entry: entry.name,
        ) if folder.is_dir() else []

    def exists(self) -> bool:
        """True when a complete commit is live."""
        return self.current_snapshot() is not None

    @property
    def corrections(self) -> Corrections:
        """The metadata corrections kept beside the snapshots (index/corrections.py)."""
        return Corrections(self.directory)

    def _live_snapshot(self) -> Path:
        snapshot = self.current_snapshot()
        if snapshot is None:
            raise MissingIndex(f"no index at {self.directory}; run `scrutiny ingest PATH` first")
        return snapshot

    def read_manifest(self) -> dict:
        """The live manifest with a row per document (cheap: no chunk or vector is read), corrections applied."""
        manifest = json.loads((self._live_snapshot() / "manifest.json").read_text())
        if manifest.get("format_version", 1) >= 2:
            rows = []
            for entry in manifest.pop("segments"):
                deleted = set(entry["deleted"])
                stored = json.loads((self.directory / SEGMENTS / entry["name"] / "rows.json").read_text(encoding="utf-8"))
                rows += [{k: v for k, v in row.items() if k not in PLACEMENT}
                         for row in stored if row["sha256"] not in deleted]
            manifest["documents"] = rows
        corrections = self.corrections.read()
        if corrections:
            manifest["documents"] = [apply_to_row(row, corrections.get(row["doc_id"]))
                                     for row in manifest["documents"]]
        return manifest

    def segment_count(self) -> int:
        """How many segments the live commit names (an index from before segments counts one)."""
        manifest = json.loads((self._live_snapshot() / "manifest.json").read_text())
        return len(manifest.get("segments", [None]))

    def check_model(self, model: str) -> None:
        """Refuse to mix embedding models in one index."""
        built_with = self.read_manifest()["embedding_model"]
        if built_with != model:
            raise ModelMismatch(
                f"index at {self.directory} was built with embedding model '{built_with}', not '{model}'; "
                f"set SCRUTINY_EMBEDDING_MODEL={built_with} or ingest into a new --index"
            )

    def load(self, with_vectors: bool = True) -> IndexData:
        """Open the live commit; BM25 and dense search only when `with_vectors`.

        A writer in another process may switch commits while this reads; the read is then
        tried once more on the new one.
        """
        try:
            return self._load(with_vectors)
        except (FileNotFoundError, RuntimeError, json.JSONDecodeError):
            return self._load(with_vectors)

    def _live(self, snapshot: Path) -> tuple[Commit, list[tuple[Segment, set[str]]]]:
        """The commit and each of its segments with the ids deleted from it."""
        manifest = json.loads((snapshot / "manifest.json").read_text())
        commit = Commit(manifest["embedding_model"], manifest["dimension"])
        if manifest.get("format_version", 1) < 2:
            return commit, [(_snapshot_as_segment(snapshot, manifest), set())]
        entries = []
        with self._opening:
            for entry in manifest["segments"]:
                folder = self.directory / SEGMENTS / entry["name"]
                if folder not in self._opened:
                    self._opened[folder] = Segment.open(folder)
                entries.append((self._opened[folder], set(entry["deleted"])))
            live = {segment.folder for segment, _ in entries}
            self._opened = {folder: segment for folder, segment in self._opened.items() if folder in live}
        return commit, entries

    def _load(self, with_vectors: bool) -> IndexData:
        commit, entries = self._live(self._live_snapshot())
        places: dict[str, tuple[Segment, dict]] = {}
        segments: list[tuple[Segment, np.ndarray]] = []
        for segment, deleted in entries:
            rows = [row for row in segment.rows if row["sha256"] not in deleted]
            places.update((row["sha256"], (segment, row)) for row in rows)
            segments.append((segment, segment.positions(row["sha256"] for row in rows)))
        data = IndexData(commit.model, commit.dimension, DocumentTable(places, self.corrections.read()),
                         ChunkTable(segments), segments=segments)
        if with_vectors:
            data.lexical = LexicalIndex([(segment.lexical, live) for segment, live in segments])
            data.dense = DenseIndex(segments, commit.dimension, self.probes)
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
        """Delete what a crashed writer left: half-built segments and commits, pointer files, and
        segments no complete commit names. Call under `lock()`."""
        for folder in (self.directory / SNAPSHOTS, self.directory / SEGMENTS):
            if folder.is_dir():
                for entry in folder.glob(f"{BUILDING_PREFIX}*"):
                    shutil.rmtree(entry, ignore_errors=True)
        for leftover in self.directory.glob(f".{CURRENT_FILE}.*"):
            leftover.unlink(missing_ok=True)
        self._remove_unnamed_segments()

    def write(self, new: NewDocuments | None, deleted: Iterable[str] = ()) -> Path | None:
        """Add `new` as a segment and delete documents by id, in one atomic commit. Call under `lock()`.

        Costs in proportion to `new` and the deletions, unless the segments are then over
        `max_segments`: the smallest are merged. Returns the commit, or None when nothing changed.
        Raises IndexNotSaved, with nothing half-written left behind, when the disk has no room
        or a write fails; the previous commit stays live.
        """
        deleted = set(deleted)
        snapshot = self.current_snapshot()
        if snapshot is None:
            if new is None:
                return None
            commit, entries = Commit("", 0), list[tuple[Segment, set[str]]]()
        else:
            commit, entries = self._live(snapshot)
        if new is None and not any(deleted & {row["sha256"] for row in segment.rows} - dead
                                   for segment, dead in entries):
            return None
        if new is not None:
            commit.model = commit.model or new.model
        entries = [(segment, dead | (deleted & {row["sha256"] for row in segment.rows})) for segment, dead in entries]
        # A segment whose every document is deleted is dropped; one not on disk (an index from
        # before segments) is written as the first segment.
        entries = [(segment, dead) for segment, dead in entries if {row["sha256"] for row in segment.rows} - dead]
        contents = [] if new is None else [self._content(new, entries)]
        kept: list[tuple[Segment, set[str]]] = []
        for segment, dead in entries:
            if segment.folder is None:
                contents.insert(0, _content_of(segment, dead))
            else:
                kept.append((segment, dead))
        kept, contents = self._merge_small(kept, contents)
        return self._commit(commit, kept, contents)

    def compact(self) -> Path | None:
        """Merge every segment into one, dropping deleted documents for good. Call under `lock()`."""
        snapshot = self.current_snapshot()
        if snapshot is None:
            return None
        commit, entries = self._live(snapshot)
        contents = [_content_of(segment, dead) for segment, dead in entries]
        return self._commit(commit, [], [merged(contents)] if contents else [])

    def _content(self, new: NewDocuments, entries: list[tuple[Segment, set[str]]]) -> SegmentContent:
        """A new segment's content: rows, JSON lines and term counts of the new documents."""
        counts: dict[str, int] = {}
        for chunk in new.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        known = [acronym for segment, _ in entries for acronym in segment.lexical.long_forms]
        return SegmentContent(
            [manifest_row(document, counts.get(document.id, 0)) for document in new.documents],
            [json_line(document_record(document)) for document in new.documents],
            [json_line(chunk.to_dict()) for chunk in new.chunks],
            np.asarray(new.vectors, dtype="float32"),
            LexicalSegment.build([chunk.text for chunk in new.chunks], known),
        )

    def _merge_small(self, kept: list[tuple[Segment, set[str]]], contents: list[SegmentContent]
                     ) -> tuple[list[tuple[Segment, set[str]]], list[SegmentContent]]:
        """Past `max_segments`, the smallest segments and the new content merged into one."""
        if len(kept) + len(contents) <= self.max_segments:
            return kept, contents
        by_size = sorted(kept, key=lambda entry: len(entry[0]) - len(entry[1]))
        merging = by_size[:len(kept) + len(contents) - self.max_segments + 1]
        parts = [_content_of(segment, dead) for segment, dead in merging] + contents
        return [entry for entry in kept if entry not in merging], [merged(parts)]

    def _commit(self, commit: Commit, kept: list[tuple[Segment, set[str]]], contents: list[SegmentContent]) -> Path:
        """Write `contents` as new segments and a commit naming them after `kept`; switch CURRENT."""
        needed = sum(content.byte_size for content in contents) + SPACE_MARGIN_BYTES
        snapshots, segments = self.directory / SNAPSHOTS, self.directory / SEGMENTS
        try:
            snapshots.mkdir(parents=True, exist_ok=True)
            segments.mkdir(parents=True, exist_ok=True)
            free = shutil.disk_usage(snapshots).free
        except OSError as error:
            raise self._not_saved(error, needed) from error
        if free < needed:
            raise IndexNotSaved(f"no space left on the index's disk: {_mb(needed)} MB needed, {_mb(free)} MB free "
                                f"at {self.directory}; nothing was changed")
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        written: list[Path] = []
        pointer_tmp = self.directory / f".{CURRENT_FILE}.{name}"
        previous = self.current_snapshot()
        entries = [{"name": segment.name, "deleted": sorted(dead)} for segment, dead in kept]
        for content in contents:
            if content.vectors.ndim == 2 and content.vectors.shape[1]:
                commit.dimension = commit.dimension or int(content.vectors.shape[1])
        try:
            for number, content in enumerate(contents):
                segment_name = f"{name}-{number}"
                building = segments / f"{BUILDING_PREFIX}{segment_name}"
                written.append(building)
                building.mkdir()
                write_segment(content, building, self.approximate_above, self.probes)
                _fsync_tree(building)
                written.append(segments / segment_name)
                os.rename(building, segments / segment_name)
                entries.append({"name": segment_name, "deleted": []})
            if contents:
                _fsync_file(segments)
            commit.segments = entries
            building = snapshots / f"{BUILDING_PREFIX}{name}"
            written += [building, snapshots / name]
            building.mkdir()
            (building / "manifest.json").write_text(json_text(commit.manifest(), indent=1), encoding="utf-8")
            _fsync_tree(building)
            os.rename(building, snapshots / name)
            _fsync_file(snapshots)
            pointer_tmp.write_text(name)
            _fsync_file(pointer_tmp)
            os.replace(pointer_tmp, self.directory / CURRENT_FILE)
        except OSError as error:
            # CURRENT still names the previous commit: remove everything this write made.
            for path in written:
                shutil.rmtree(path, ignore_errors=True)
            pointer_tmp.unlink(missing_ok=True)
            raise self._not_saved(error, needed) from error
        try:
            _fsync_file(self.directory)
        except OSError:
            pass  # the switch is made; only its durability across a power cut is not confirmed
        self.bytes_written += sum(_tree_bytes(path) for path in written if path.exists())
        # The commit just replaced stays until the next write, for readers still on it.
        self._remove_stale_snapshots(keep={name, previous.name if previous else name})
        return snapshots / name

    def _not_saved(self, error: OSError, needed: int) -> IndexNotSaved:
        if error.errno in NO_SPACE_ERRNOS:
            return IndexNotSaved(f"no space left on the index's disk: {_mb(needed)} MB needed at {self.directory}; "
                                 f"nothing was changed")
        return IndexNotSaved(f"cannot write the index at {self.directory} ({error.strerror or error}); "
                             f"nothing was changed")

    def _remove_stale_snapshots(self, keep: set[str]) -> None:
        """Delete commits other than those kept (and half-built leftovers), then the segments
        that no remaining commit names."""
        for entry in (self.directory / SNAPSHOTS).iterdir():
            if entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
        for leftover in self.directory.glob(f".{CURRENT_FILE}.*"):
            leftover.unlink(missing_ok=True)
        self._remove_unnamed_segments()

    def _remove_unnamed_segments(self) -> None:
        folder = self.directory / SEGMENTS
        if not folder.is_dir():
            return
        named: set[str] = set()
        for snapshot in self._complete_snapshots():
            manifest = json.loads((snapshot / "manifest.json").read_text())
            named.update(entry["name"] for entry in manifest.get("segments", []))
        for entry in folder.iterdir():
            if entry.name not in named:
                shutil.rmtree(entry, ignore_errors=True)


def _bitmap_selector(selected: np.ndarray) -> Any:
    """A FAISS ID selector of the positions where `selected` is True (the Python wrapper takes the
    packed mask alone, and keeps it alive as long as the selector)."""
    import faiss

    selector: Any = faiss.IDSelectorBitmap
    return selector(np.packbits(selected, bitorder="little"))


def _content_of(segment: Segment, dead: set[str]) -> SegmentContent:
    return segment.content({row["sha256"] for row in segment.rows} - dead)


def _snapshot_as_segment(snapshot: Path, manifest: dict) -> Segment:
    """A format-1 snapshot (one folder holding the whole index) read as one segment, in memory.

    Its BM25 files held precomputed scores, not term counts: the chunk texts are counted again
    (a second or two for a few thousand passages), and the index becomes a segment on disk at
    its first write.
    """
    import faiss

    document_blob = (snapshot / "documents.jsonl").read_bytes()
    chunk_blob = (snapshot / "chunks.jsonl").read_bytes()
    chunk_offsets = line_offsets(chunk_blob)
    chunks = [json.loads(chunk_blob[start:end]) for start, end in zip(chunk_offsets[:-1], chunk_offsets[1:], strict=True)]
    dense = faiss.read_index(str(snapshot / "dense.faiss"))
    vectors = dense.reconstruct_n(0, dense.ntotal) if dense.ntotal else np.zeros((0, manifest["dimension"]), "float32")
    # A document's chunks were always appended together, in the documents' order; say where each starts.
    first: dict[str, int] = {}
    for position, chunk in enumerate(chunks):
        first.setdefault(chunk["doc_id"], position)
    document_offsets = line_offsets(document_blob)
    rows = [{**row, "offset": int(document_offsets[number]), "first_chunk": first.get(row["sha256"], 0)}
            for number, row in enumerate(manifest["documents"])]
    return Segment("", rows, document_blob, chunk_blob, chunk_offsets, vectors=vectors,
                   lexical=LexicalSegment.build([chunk["text"] for chunk in chunks]))


def _mb(size: float) -> str:
    return f"{max(size, 0) / BYTES_PER_MB:,.0f}"


def _tree_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


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
