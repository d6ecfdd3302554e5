"""Files into the index: incremental, one bad file never stops the batch.

An unchanged file (same name, same sha256) is a no-op that loads no model; a changed file
replaces its old chunks; everything is committed at the end as one new segment and one atomic
commit (index/store.py), so an interrupted ingest leaves the previous index as it was, and
adding a file costs in proportion to that file, not to the index.

Files are read (in a child process with a time and memory budget, see ingest/reader.py),
chunked and embedded without the writer lock; the lock is held only to merge the new
documents into the live index (write their segment and commit). Another writer may have saved meanwhile, so the
plan (which file is new, changed or unchanged) is made again under the lock, from the index as
it is then; a file the new plan needs that was not read yet is read there.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scrutiny.index.embedder import Embedder, ModelUnavailable
from scrutiny.index.store import MIN_ID_PREFIX, IndexStore, MissingIndex, NewDocuments, rows_matching
from scrutiny.ingest.chunker import Chunker
from scrutiny.ingest.documents import display_name, load_document, sha256_file
from scrutiny.ingest.limits import ReadingLimits
from scrutiny.ingest.reader import IsolatedReader
from scrutiny.ingest.records import Chunk, Document, UnreadableDocument

CONTEXT_PREFIX_CHARS = 200  # keeps title + section well inside the model's 256 word pieces


def _one_line(reason: str) -> str:
    """A failure reason on one line and printable (library messages sometimes span several)."""
    return display_name(" ".join(reason.split()))


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
#   6: a web page's publisher is its site ("Police Professional"), else its author.
#   7: a document's date from its file name's year when its first page's first date is of
#      another year (or it has none); "2023-25" is a range of years, not a month.
#   8: a date labelled "Published on:" and a date on the page after a cover page; a file from a
#      commissioner's office, or named for one, about an inspection is a PCC response.
READER_VERSION = 8


@dataclass
class IngestReport:
    """Outcome per file: what a user needs to know after an ingest."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    reread: list[str] = field(default_factory=list)  # unchanged, but indexed by an older reader
    failed: list[dict] = field(default_factory=list)  # {"source", "reason"}
    skipped: list[dict] = field(default_factory=list)  # {"source", "reason"}: hidden files and folders
    chunks_added: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "added": self.added, "unchanged": self.unchanged, "replaced": self.replaced, "reread": self.reread,
            "failed": self.failed, "skipped": self.skipped, "chunks_added": self.chunks_added,
        }


@dataclass(frozen=True)
class IngestProgress:
    """How far an ingest has gone, for a progress line a person reads.

    `stage` is "reading" (files read and chunked) or "embedding" (passages embedded).
    """

    stage: str
    done: int
    total: int
    elapsed_seconds: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def per_second(self) -> float | None:
        """Items a second so far (None before the first is done)."""
        return self.done / self.elapsed_seconds if self.done and self.elapsed_seconds > 0 else None

    @property
    def seconds_left(self) -> float | None:
        """At the rate so far, the seconds this stage still needs (None before the first is done)."""
        rate = self.per_second
        return (self.total - self.done) / rate if rate else None

    def words(self) -> str:
        """E.g. "Reading 3 files: 1 read" or "Embedding 120 passages: 64 done, 31 passages/s, about 2 s left"."""
        if self.stage == "reading":
            return f"Reading {_count(self.total, 'file')}: {self.done} read"
        line = f"Embedding {_count(self.total, 'passage')}: {self.done} done"
        if self.per_second is not None and self.done < self.total:
            left = self.seconds_left or 0.0
            when = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
            line += f", {self.per_second:.0f} passages/s, about {when} left"
        return line


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


ProgressListener = Callable[[IngestProgress], None]


@dataclass
class FileListing:
    """The files under the paths given, and what was left out (with the reason)."""

    files: list[Path] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)


def _outcome(path: Path, reason: str) -> dict:
    return {"source": display_name(str(path)), "reason": reason}


def _walk(folder: Path, root: Path, listing: FileListing) -> None:
    """Regular files under `folder`, in name order; links, hidden and special files reported."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        listing.failed.append(_outcome(folder, f"cannot list the folder ({error.strerror or error})"))
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith("."):
            what = "hidden folder" if entry.is_dir(follow_symlinks=False) else "hidden file"
            listing.skipped.append(_outcome(path, f"{what} (names starting with '.' are not read)"))
        elif entry.is_symlink():
            target = path.resolve()
            where = "inside" if target.is_relative_to(root) else "outside"
            listing.failed.append(_outcome(
                path, f"a symbolic link to {where} the folder; links are not followed (copy the file in instead)"))
        elif entry.is_dir(follow_symlinks=False):
            _walk(path, root, listing)
        elif not entry.is_file(follow_symlinks=False):
            listing.failed.append(_outcome(path, "not a regular file (a pipe, socket or device)"))
        elif not path.resolve().is_relative_to(root):
            listing.failed.append(_outcome(path, "its real path is outside the folder given"))
        else:
            listing.files.append(path)


def list_files(paths: Iterable[Path]) -> FileListing:
    """Files named, plus every regular file under folders named, in a stable order.

    Inside a folder, paths stay where the user pointed: a symbolic link is a failure with its
    reason (a link to /etc/passwd is not read), and hidden files and folders are skipped with
    a line each. A file named directly is read wherever it is, as asked.
    """
    listing = FileListing()
    for path in paths:
        path = Path(path)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            listing.failed.append(_outcome(path, "file not found"))
            continue
        except OSError as error:
            listing.failed.append(_outcome(path, _unreadable(error)))
            continue
        if stat.S_ISDIR(mode):
            _walk(path, path.resolve(), listing)
        elif not stat.S_ISREG(mode):
            listing.failed.append(_outcome(path, "not a regular file (a pipe, socket or device)"))
        else:
            listing.files.append(path)
    return listing


@dataclass
class Plan:
    """What an ingest does with each file, judged against one state of the index."""

    to_load: list[tuple[Path, str, str | None]] = field(default_factory=list)  # path, sha256, sha256 it replaces
    unchanged: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # now holding another indexed file's bytes
    stale: set[str] = field(default_factory=set)  # old versions of those files


@dataclass
class Prepared:
    """A file read, chunked and embedded, ready to merge."""

    document: Document
    chunks: list[Chunk]
    vectors: np.ndarray


class Ingester:
    """Adds files to an IndexStore with one embedder and one chunking policy."""

    def __init__(self, store: IndexStore, embedder: Embedder, max_tokens: int, overlap_tokens: int,
                 show_progress: bool = True, limits: ReadingLimits | None = None, max_chunks: int = 0,
                 file_seconds: float = 300.0, file_memory_mb: float = 0, lock_wait_seconds: float = 0):
        self.store = store
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.show_progress = show_progress
        self.limits = limits or ReadingLimits()
        self.max_chunks = max_chunks
        self.file_seconds = file_seconds
        self.file_memory_mb = file_memory_mb
        self.lock_wait_seconds = lock_wait_seconds

    def _progress(self, total: int, unit: str, description: str):
        """The terminal's bar (tqdm shows the rate and the time left)."""
        from tqdm.auto import tqdm

        return tqdm(total=total, unit=unit, desc=description, disable=not self.show_progress,
                    leave=False, dynamic_ncols=True)

    def _rows(self) -> list[dict]:
        """The live manifest's documents ([] with no index), after the model check."""
        try:
            manifest = self.store.read_manifest()
        except MissingIndex:
            return []
        self.store.check_model(self.embedder.name)
        return manifest["documents"]

    def ingest(self, paths: Iterable[Path], on_file: Callable[[str, str], None] | None = None,
               on_wait: Callable[[str], None] | None = None, on_progress: ProgressListener | None = None) -> IngestReport:
        """Index `paths` (files or folders). `on_file(source, outcome)` is told about each file,
        `on_wait(message)` when another writer holds the index, `on_progress(IngestProgress)`
        after each file read and each batch of passages embedded."""
        report = IngestReport()
        listing = list_files(paths)
        report.failed.extend(listing.failed)
        report.skipped.extend(listing.skipped)
        hashed: list[tuple[Path, str]] = []
        for path in listing.files:
            try:
                hashed.append((path, sha256_file(path)))
            except OSError as error:
                report.failed.append({"source": display_name(path.name), "reason": _unreadable(error)})
        plan = self._plan(hashed, self._rows())
        prepared = self._prepare(plan.to_load, on_progress)
        with self.store.lock(self.lock_wait_seconds, on_wait):
            self.store.remove_leftovers()
            plan = self._plan(hashed, self._rows())  # another writer may have saved meanwhile
            prepared.update(self._prepare([item for item in plan.to_load if item[1] not in prepared], on_progress))
            self._commit(plan, prepared, report)
        self._tell(on_file, report)
        return report

    @staticmethod
    def _plan(hashed: list[tuple[Path, str]], rows: list[dict]) -> Plan:
        """Which files are new, changed, unchanged or re-read, against the index's `rows`."""
        plan = Plan()
        # A file is "the same document" when it comes from the same path (two folders may
        # each hold a report.pdf); rows without a recorded path fall back to the file name.
        by_origin = {row["origin"]: row["sha256"] for row in rows if row.get("origin")}
        by_name = {row["source"]: row["sha256"] for row in rows if not row.get("origin")}
        known_hashes = {row["sha256"] for row in rows}
        outdated = {row["sha256"] for row in rows if row.get("reader_version", 0) < READER_VERSION}
        for path, digest in hashed:
            source = display_name(path.name)
            previous = by_origin.get(str(path.resolve()), by_name.get(source))
            if digest in outdated and previous == digest:  # unchanged, read by an older Scrutiny
                outdated.discard(digest)
                plan.to_load.append((path, digest, digest))
                continue
            if digest in known_hashes:  # these bytes are indexed already, here or elsewhere
                if previous and previous != digest:
                    # The file now holds another indexed file's bytes: its old version goes,
                    # the content stays indexed once, under the file that brought it first.
                    plan.stale.add(previous)
                    plan.replaced.append(source)
                else:
                    plan.unchanged.append(source)
                continue
            known_hashes.add(digest)  # the same bytes twice in one batch are indexed once
            plan.to_load.append((path, digest, previous))
        return plan

    @staticmethod
    def _tracker(stage: str, total: int, bar, on_progress: ProgressListener | None) -> Callable[[int], None]:
        """`advance(n)`: moves the terminal's bar and tells `on_progress` how far `stage` is."""
        started = time.monotonic()
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            bar.update(count)
            if on_progress is not None:
                on_progress(IngestProgress(stage, done, total, time.monotonic() - started))

        if on_progress is not None:
            on_progress(IngestProgress(stage, 0, total, 0.0))
        return advance

    def _prepare(self, to_load: list[tuple[Path, str, str | None]],
                 on_progress: ProgressListener | None = None) -> dict[str, Prepared | str]:
        """Read, chunk and embed each file: by sha256, a Prepared or the reason it failed."""
        results: dict[str, Prepared | str] = {}
        if not to_load:
            return results
        chunker = Chunker(self.embedder.count_tokens, self.max_tokens, self.overlap_tokens)
        read: list[tuple[str, Document, list[Chunk]]] = []
        # load_document is looked up here, so a test may stand another module-level reader in.
        with IsolatedReader(self.limits, self.file_seconds, self.file_memory_mb, load_document) as reader, \
                self._progress(len(to_load), "file", "Reading") as bar:
            advance = self._tracker("reading", len(to_load), bar, on_progress)
            for path, digest, _ in to_load:
                bar.set_postfix_str(display_name(path.name)[:40])
                try:
                    document = reader.read(path)
                    chunks = chunker.split(document)
                    if not chunks:
                        raise UnreadableDocument("no text to index")
                    if self.max_chunks and len(chunks) > self.max_chunks:
                        raise UnreadableDocument(
                            f"the document makes {len(chunks):,} chunks, over the limit of {self.max_chunks:,} "
                            f"(SCRUTINY_INGEST__MAX_CHUNKS); split it or raise the limit")
                except UnreadableDocument as error:
                    results[digest] = _one_line(str(error))
                except OSError as error:
                    results[digest] = _unreadable(error)
                except ModelUnavailable:
                    raise  # no file can be indexed: the one-line reason for the whole ingest
                except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the batch
                    results[digest] = _one_line(f"could not be read ({type(error).__name__}: {error}); "
                                                f"check the file opens")
                else:
                    read.append((digest, document, chunks))
                advance(1)
        if read:
            results.update(self._embed(read, on_progress))
        return results

    def _embed(self, read: list[tuple[str, Document, list[Chunk]]],
               on_progress: ProgressListener | None = None) -> dict[str, Prepared | str]:
        """Embed every chunk in one pass; should that fail, file by file, so one file's failure is its own."""
        texts = [[embedding_text(chunk, document.title) for chunk in chunks] for _, document, chunks in read]
        total = sum(len(group) for group in texts)
        with self._progress(total, "passage", "Embedding") as bar:
            try:
                vectors = self.embedder.encode([text for group in texts for text in group],
                                               progress=self._tracker("embedding", total, bar, on_progress))
            except ModelUnavailable:
                raise  # no file can be embedded: the one-line reason for the whole ingest
            except Exception:  # noqa: BLE001 - find the file it was, below
                vectors = None
        results: dict[str, Prepared | str] = {}
        start = 0
        for (digest, document, chunks), group in zip(read, texts, strict=True):
            if vectors is not None:
                results[digest] = Prepared(document, chunks, vectors[start:start + len(group)])
                start += len(group)
                continue
            try:
                results[digest] = Prepared(document, chunks, self.embedder.encode(group))
            except Exception as error:  # noqa: BLE001 - a bug on one file must not stop the batch
                results[digest] = _one_line(f"could not be embedded ({type(error).__name__}: {error})")
        return results

    def _commit(self, plan: Plan, prepared: dict[str, Prepared | str], report: IngestReport) -> None:
        """Merge the prepared files into the live index and save it. Call under the lock."""
        report.unchanged.extend(plan.unchanged)
        report.replaced.extend(plan.replaced)
        new_documents: list[Document] = []
        new_chunks: list[Chunk] = []
        new_vectors: list[np.ndarray] = []
        replaced_ids: set[str] = set()
        for path, digest, previous in plan.to_load:
            source = display_name(path.name)
            item = prepared[digest]
            if isinstance(item, str):
                report.failed.append({"source": source, "reason": item})
                continue
            if previous == digest:
                report.reread.append(source)
            else:
                (report.replaced if previous else report.added).append(source)
            item.document.reader_version = READER_VERSION
            if previous:
                replaced_ids.add(previous)
            new_documents.append(item.document)
            new_chunks.extend(item.chunks)
            new_vectors.append(item.vectors)
        deleted = replaced_ids | {d.id for d in new_documents} | plan.stale
        new = NewDocuments(self.embedder.name, new_documents, new_chunks, np.vstack(new_vectors)) if new_documents else None
        self.store.write(new, deleted)
        report.chunks_added = len(new_chunks)

    @staticmethod
    def _tell(on_file, report: IngestReport) -> None:
        if on_file is None:
            return
        for outcome in ("added", "replaced", "reread", "unchanged"):
            for source in getattr(report, outcome):
                on_file(source, outcome)
        for failure in report.failed:
            on_file(failure["source"], f"failed: {failure['reason']}")
        for skip in report.skipped:
            on_file(skip["source"], f"skipped: {skip['reason']}")

    def remove(self, reference: str) -> list[Document]:
        """Remove documents by id prefix or file name; returns what was removed."""
        reference = reference.strip()
        if not reference:
            raise ValueError("say which document: an id prefix or a file name")
        self.store.read_manifest()  # MissingIndex before the lock would create the directory
        with self.store.lock(self.lock_wait_seconds):
            matches = rows_matching(self.store.read_manifest()["documents"], reference)
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
            removed = self.store.load(with_vectors=False).documents[matches[0]["doc_id"]]
            self.store.write(None, {removed.id})
            return [removed]

    def compact(self) -> None:
        """Merge the index's segments into one (deleted documents are dropped for good)."""
        self.store.read_manifest()  # MissingIndex before the lock would create the directory
        with self.store.lock(self.lock_wait_seconds):
            self.store.remove_leftovers()
            self.store.compact()
