"""Writers and readers of one index at once: `kill -9` at each moment of a save, two writers
at the same time, and questions answered while an ingest runs (the probe's passes, kept)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.index.store import CURRENT_FILE, SEGMENTS, SNAPSHOTS
from scrutiny.tests import badfiles

FAKE_ENV = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
MOMENT_REACHED = "moment reached"

# `scrutiny COMMAND` (ingest, remove, compact) that stops (sleeps) at one moment of its work, so
# a test can kill it there.
PAUSED_WRITER = textwrap.dedent(f"""
    import sys, time
    from pathlib import Path
    import scrutiny.index.store as store
    from scrutiny.index.embedder import HashingEmbedder

    def pause(*args, **kwargs):
        print({MOMENT_REACHED!r}, file=sys.stderr, flush=True)
        time.sleep(600)

    moment = sys.argv[1]
    if moment == "embedding":  # files read, vectors being made; nothing written
        HashingEmbedder.encode = pause
    elif moment == "writing":  # every file of the new segment (or commit) written, not yet renamed into place
        store._fsync_tree = pause
    elif moment == "segment":  # the new segment renamed into segments/, no commit names it yet
        real_fsync = store._fsync_file
        def fsync(path):
            if Path(path).name == store.SEGMENTS:
                pause()
            real_fsync(path)
        store._fsync_file = fsync
    elif moment == "renamed":  # the new commit in snapshots/, CURRENT not yet switched
        real_fsync = store._fsync_file
        def fsync(path):
            if Path(path).name.startswith(".CURRENT."):
                pause()
            real_fsync(path)
        store._fsync_file = fsync
    elif moment == "switched":  # CURRENT names the new commit; the old one not yet removed
        store.IndexStore._remove_stale_snapshots = pause
    from scrutiny.app.cli import main
    sys.argv = ["scrutiny", *sys.argv[2:]]
    main()
""")


def _console_script() -> str:
    return str(Path(sys.executable).with_name("scrutiny"))


def _env() -> dict:
    return {**os.environ, **FAKE_ENV}


def _service(index: Path) -> Scrutiny:
    return Scrutiny(Settings(index=index, embedding_model="hashing-fake"))


def _sources(index: Path) -> set[str]:
    return {row["source"] for row in _service(index).documents()}


def _assert_consistent(index: Path) -> None:
    """The live snapshot loads whole: every chunk has its vector and its document."""
    data = _service(index).store.load()
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors) > 0
    assert {chunk.doc_id for chunk in data.chunks} == set(data.documents)


@pytest.fixture
def index(tmp_path) -> Path:
    folder = tmp_path / "first"
    folder.mkdir()
    for marker in ("alpha", "beta", "gamma"):
        badfiles.write_good_text(folder, f"{marker}.txt", marker=marker)
    path = tmp_path / "index"
    assert _service(path).ingest([folder], show_progress=False).ok
    return path


def _kill_at(moment: str, *command: str) -> None:
    """Run `scrutiny COMMAND...` until it reaches `moment`, and kill -9 it there."""
    process = subprocess.Popen([sys.executable, "-c", PAUSED_WRITER, moment, *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    assert process.stderr is not None
    try:
        reached = process.stderr.readline()  # blocks until the moment is reached (or the process ends)
        assert MOMENT_REACHED in reached, reached + process.stderr.read()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def _assert_tidy(index: Path) -> None:
    """Nothing half-built is left, and every segment on disk is named by a commit."""
    assert not list((index / SNAPSHOTS).glob(".building-*")) and not list((index / SEGMENTS).glob(".building-*"))
    assert not list(index.glob(f".{CURRENT_FILE}.*"))
    named = {entry["name"] for commit in (index / SNAPSHOTS).iterdir()
             for entry in json.loads((commit / "manifest.json").read_text())["segments"]}
    assert {folder.name for folder in (index / SEGMENTS).iterdir()} == named


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["embedding", "writing", "segment", "renamed", "switched"])
def test_kill_9_at_any_moment_of_an_ingest_leaves_the_old_or_the_new_index(index, tmp_path, moment):
    before = _sources(index)
    live_before = (index / CURRENT_FILE).read_text()
    extra = tmp_path / "extra"
    extra.mkdir()
    badfiles.write_good_text(extra, "delta.txt", marker="delta")
    badfiles.write_text_pdf(extra, "epsilon.pdf")
    _kill_at(moment, "ingest", str(extra), "--index", str(index), "--quiet")

    switched = moment == "switched"
    assert ((index / CURRENT_FILE).read_text() != live_before) == switched
    assert _sources(index) == (before | {"delta.txt", "epsilon.pdf"} if switched else before)
    _assert_consistent(index)

    # The next ingest works, and tidies what the killed one left.
    again = subprocess.run([_console_script(), "ingest", str(extra), "--index", str(index), "--json"],
                           capture_output=True, text=True, env=_env(), timeout=60)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert sorted(report["unchanged" if switched else "added"]) == ["delta.txt", "epsilon.pdf"]
    assert _sources(index) == before | {"delta.txt", "epsilon.pdf"}
    _assert_consistent(index)
    _assert_tidy(index)


@pytest.mark.slow
@pytest.mark.parametrize(("command", "moment"), [
    ("remove", "writing"), ("remove", "renamed"), ("remove", "switched"),
    ("compact", "writing"), ("compact", "segment"), ("compact", "renamed"), ("compact", "switched"),
])
def test_kill_9_during_a_removal_or_a_compaction_leaves_the_old_or_the_new_index(index, tmp_path, command, moment):
    extra = tmp_path / "extra"
    extra.mkdir()
    badfiles.write_good_text(extra, "delta.txt", marker="delta")
    assert _service(index).ingest([extra], show_progress=False).ok  # a second segment, for compact to merge
    before = _sources(index)
    live_before = (index / CURRENT_FILE).read_text()
    _kill_at(moment, command, *(["beta.txt"] if command == "remove" else []), "--index", str(index))

    switched = moment == "switched"
    assert ((index / CURRENT_FILE).read_text() != live_before) == switched
    removed = {"beta.txt"} if command == "remove" and switched else set()
    assert _sources(index) == before - removed
    _assert_consistent(index)
    hits = _service(index).retriever().search("Marker beta", 10)
    assert any(hit.chunk.text.endswith("Marker beta.") for hit in hits) == (not removed)

    # The next write works, and tidies what the killed one left.
    again = subprocess.run([_console_script(), "compact", "--index", str(index)],
                           capture_output=True, text=True, env=_env(), timeout=60)
    assert again.returncode == 0, again.stderr
    assert _sources(index) == before - removed
    _assert_consistent(index)
    _assert_tidy(index)


@pytest.mark.slow
def test_two_writers_at_once_are_serialised_and_both_kept(index, tmp_path):
    before = _sources(index)
    folders = []
    for name in ("one", "two"):
        folder = tmp_path / name
        badfiles.write_text_corpus(folder, count=15)
        for path in folder.iterdir():  # each writer's files its own
            path.write_text(path.read_text() + f"\nWritten for writer {name}.\n")
            path.rename(folder / f"{name}-{path.name}")
        folders.append(folder)
    writers = [
        subprocess.Popen([_console_script(), "ingest", str(folder), "--index", str(index), "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        for folder in folders
    ]
    outputs = [writer.communicate(timeout=120) for writer in writers]
    for writer, (stdout, stderr) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, stderr
        assert len(json.loads(stdout)["added"]) == 15
    expected = before | {path.name for folder in folders for path in folder.iterdir()}
    assert _sources(index) == expected
    _assert_consistent(index)


def test_questions_are_answered_while_an_ingest_runs_and_new_documents_after_it(index, tmp_path):
    service = _service(index)
    question = "What did inspectors find about the backlog of financial investigations?"
    assert not service.ask(question).refused
    errors: list[BaseException] = []
    answered = 0
    stop = threading.Event()

    def ask_repeatedly():
        nonlocal answered
        while not stop.is_set():
            try:
                service.ask(question)
                answered += 1
            except BaseException as error:  # noqa: BLE001 - every failure is the test's finding
                errors.append(error)

    askers = [threading.Thread(target=ask_repeatedly) for _ in range(3)]
    for asker in askers:
        asker.start()
    extra = tmp_path / "extra"
    badfiles.write_text_corpus(extra, count=20)
    badfiles.write_good_text(extra, "zeta.txt", marker="zeta")
    started = answered
    ingest = subprocess.run([_console_script(), "ingest", str(extra), "--index", str(index), "--quiet"],
                            capture_output=True, text=True, env=_env(), timeout=120)
    during = answered - started
    time.sleep(0.5)
    stop.set()
    for asker in askers:
        asker.join(timeout=60)
    assert ingest.returncode == 0, ingest.stderr
    assert not errors, errors[:3]
    assert during > 0, "no question was answered while the ingest ran"
    hits = service.retriever().search("Marker zeta", 3)  # the running service sees the new snapshot
    assert any(hit.chunk.text.endswith("Marker zeta.") for hit in hits)
