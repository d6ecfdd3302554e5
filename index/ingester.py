"""Files into the index: incremental, one bad file never stops the batch.

An unchanged file (same name, same sha256) is a no-op that loads no model; a changed file
replaces its old chunks; everything is committed in one atomic snapshot at the end, so an
interrupted ingest leaves the previous index as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scrutiny.index.embedder import Embedder
from scrutiny.index.store import MIN_ID_PREFIX, IndexData, IndexStore, MissingIndex, documents_matching
from scrutiny.ingest.chunker import Chunker
from scrutiny.ingest.documents import load_document, sha256_file
from scrutiny.ingest.records import Chunk, Document, UnreadableDocument

CONTEXT_PREFIX_CHARS = 200  # keeps title + section well inside the model's 256 word pieces


def _one_line(reason: str) -> str:
    """A failure reason on one line (library messages sometimes span several)."""
    return " ".join(reason.split())


def _unreadable(error: OSError) -> str:
    """The reason for a file the operating system would not let us read."""
    return f"cannot read the file ({error.strerror or error})"


def embedding_text(chunk: Chunk, title: str) -> str:
    """What is embedded for a chunk: a short context prefix (title, section) and the text."""
    prefix = f"{title}. {chunk.section}"[:CONTEXT_PREFIX_CHARS]
    return f"{prefix}\n{chunk.text}"


# Raised whenever reading or chunking changes what an unchanged file puts in the index, so that
# the next ingest of that file reads it again instead of skipping it as unchanged.
#   1: printed page numbers (PDF page labels, margin numbers); chunks that name no force are
#      about the force their document's title names.
#   2: a short continuation chunk is widened back to whole sentences of context.
#   3: plain text saved one paragraph per line is split at its lines, under its title line.
#   4: kinds: press releases, letters, commissioners' and forces' statements by their titles.
#   5: a web page's date from its markup only, not guessed from years in its text.
READER_VERSION = 5


@dataclass
class IngestReport:
    """Outcome per file: what a user needs to know after an ingest."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)  # unchanged, but indexed by an older reader
    failed: list[dict] = field(default_factory=list)  # {"source", "reason"}
    chunks_added: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "added": self.added, "unchanged": self.unchanged, "replaced": self.replaced, "reread": self.reread,
            "failed": self.failed, "chunks_added": self.chunks_added,
        }


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, plus every non-hidden file under folders named, in a stable order."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*")
                       if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))
            )
        else:
            files.append(path)
    return files


class Ingester:
    """Adds files to an IndexStore with one embedder and one chunking policy."""

    def __init__(self, store: IndexStore, embedder: Embedder, max_tokens: int, overlap_tokens: int,
                 show_progress: bool = True):
        self.store = store
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.show_progress = show_progress

    def _progress(self, total: int, unit: str, description: str):
        from tqdm.auto import tqdm

        return tqdm(total=total, unit=unit, desc=description, disable=not self.show_progress,
                    leave=False, dynamic_ncols=True)

    def _existing(self) -> IndexData:
        try:
            self.store.check_model(self.embedder.name)
            return self.store.load()
        except MissingIndex:
            return IndexData(self.embedder.name, 0)

    def ingest(self, paths: Iterable[Path], on_file: Callable[[str, str], None] | None = None) -> IngestReport:
        """Index `paths` (files or folders). `on_file(source, outcome)` is told about each file."""
        report = IngestReport()
        files = expand_paths(paths)
        with self.store.lock():
            try:
                manifest = self.store.read_manifest()
                self.store.check_model(self.embedder.name)
                rows = manifest["documents"]
            except MissingIndex:
                rows = []
            # A file is "the same document" when it comes from the same path (two folders may
            # each hold a report.pdf); rows without a recorded path fall back to the file name.
            by_origin = {row["origin"]: row["sha256"] for row in rows if row.get("origin")}
            by_name = {row["source"]: row["sha256"] for row in rows if not row.get("origin")}
            known_hashes = {row["sha256"] for row in rows}
            outdated = {row["sha256"] for row in rows if row.get("reader_version", 0) < READER_VERSION}
            to_load: list[tuple[Path, str, str | None]] = []  # path, sha256, sha256 it replaces
            stale: set[str] = set()  # old versions of files whose new bytes are indexed already
            for path in files:
                source = path.name
                if not path.exists():
                    report.failed.append({"source": str(path), "reason": "file not found"})
                    continue
                try:
                    digest = sha256_file(path)
                except OSError as error:
                    report.failed.append({"source": source, "reason": _unreadable(error)})
                    continue
                previous = by_origin.get(str(path.resolve()), by_name.get(source))
                if digest in outdated and previous == digest:  # unchanged, read by an older Scrutiny
                    outdated.discard(digest)
                    to_load.append((path, digest, digest))
                    continue
                if digest in known_hashes:  # these bytes are indexed already, here or elsewhere
                    if previous and previous != digest:
                        # The file now holds another indexed file's bytes: its old version goes,
                        # the content stays indexed once, under the file that brought it first.
                        stale.add(previous)
                        report.replaced.append(source)
                    else:
                        report.unchanged.append(source)
                    continue
                known_hashes.add(digest)  # the same bytes twice in one batch are indexed once
                to_load.append((path, digest, previous))
            if not to_load:
                self._drop_stale(stale)
                self._tell(on_file, report)
                return report

            chunker = Chunker(self.embedder.count_tokens, self.max_tokens, self.overlap_tokens)
            new_documents: list[Document] = []
            new_chunks: list[Chunk] = []
            replaced_ids: set[str] = set()
            with self._progress(len(to_load), "file", "Reading") as bar:
                for path, digest, previous in to_load:
                    bar.set_postfix_str(path.name[:40])
                    try:
                        document = load_document(path)
                        chunks = chunker.split(document)
                        if not chunks:
                            raise UnreadableDocument("no text to index")
                    except UnreadableDocument as error:
                        report.failed.append({"source": path.name, "reason": _one_line(str(error))})
                    except OSError as error:
                        report.failed.append({"source": path.name, "reason": _unreadable(error)})
                    except Exception as error:  # noqa: BLE001 - a parser bug on one file must not stop the batch
                        report.failed.append({
                            "source": path.name,
                            "reason": _one_line(
                                f"could not be read ({type(error).__name__}: {error}); check the file opens"
                            ),
                        })
                    else:
                        if previous == digest:
                            report.reread.append(path.name)
                        else:
                            (report.replaced if previous else report.added).append(path.name)
                        document.reader_version = READER_VERSION
                        if previous:
                            replaced_ids.add(previous)
                        new_documents.append(document)
                        new_chunks.extend(chunks)
                    bar.update(1)
            if not new_documents:
                self._drop_stale(stale)
                self._tell(on_file, report)
                return report

            titles = {d.id: d.title for d in new_documents}
            texts = [embedding_text(chunk, titles[chunk.doc_id]) for chunk in new_chunks]
            with self._progress(len(texts), "chunk", "Embedding") as bar:
                vectors = self.embedder.encode(texts, progress=bar.update)

            data = self._existing()
            data.dimension = data.dimension or int(vectors.shape[1])
            new_ids = {d.id for d in new_documents}
            self._drop(data, lambda doc: doc.id in replaced_ids or doc.id in new_ids or doc.id in stale)
            for document in new_documents:
                data.documents[document.id] = document
            data.chunks.extend(new_chunks)
            data.vectors = np.vstack([data.vectors, vectors]) if data.vectors is not None and len(data.vectors) else vectors
            self.store.save(data)
            report.chunks_added = len(new_chunks)
        self._tell(on_file, report)
        return report

    def _drop_stale(self, stale: set[str]) -> None:
        """Remove old versions of files that now hold already-indexed bytes (nothing else changed)."""
        if stale:
            data = self._existing()
            self._drop(data, lambda doc: doc.id in stale)
            self.store.save(data)

    @staticmethod
    def _tell(on_file, report: IngestReport) -> None:
        if on_file is None:
            return
        for outcome in ("added", "replaced", "reread", "unchanged"):
            for source in getattr(report, outcome):
                on_file(source, outcome)
        for failure in report.failed:
            on_file(failure["source"], f"failed: {failure['reason']}")

    @staticmethod
    def _drop(data: IndexData, condition: Callable[[Document], bool]) -> list[Document]:
        """Remove documents matching `condition` with their chunks and vectors."""
        dropped = [doc for doc in data.documents.values() if condition(doc)]
        dropped_ids = {doc.id for doc in dropped}
        if not dropped_ids:
            return []
        keep = [i for i, chunk in enumerate(data.chunks) if chunk.doc_id not in dropped_ids]
        data.chunks = [data.chunks[i] for i in keep]
        if data.vectors is not None:
            data.vectors = data.vectors[keep]
        for doc_id in dropped_ids:
            del data.documents[doc_id]
        return dropped

    def remove(self, reference: str) -> list[Document]:
        """Remove documents by id prefix or file name; returns what was removed."""
        reference = reference.strip()
        if not reference:
            raise ValueError("say which document: an id prefix or a file name")
        self.store.read_manifest()  # MissingIndex before the lock would create the directory
        with self.store.lock():
            data = self.store.load()
            matches = documents_matching(data.documents.values(), reference)
            if not matches and len(reference) < MIN_ID_PREFIX:
                raise ValueError(
                    f"'{reference}' is not an indexed file name, and too short for an id prefix; "
                    f"give at least {MIN_ID_PREFIX} characters of the id (see `scrutiny docs`)"
                )
            if len(matches) > 1:
                raise ValueError(
                    f"'{reference}' matches {len(matches)} documents; give a longer id prefix"
                )
            if not matches:
                return []
            self._drop(data, lambda doc: doc.id == matches[0].id)
            self.store.save(data)
            return matches
