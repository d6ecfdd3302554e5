"""Hostile and broken input never costs data, memory or trust (issue 19): links out of the
folder, hidden files, odd file names, zip bombs and huge files, a full disk, a busy index."""

from __future__ import annotations

import errno
import fcntl
import html
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrutiny.app.cli import cli
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.index.store import CURRENT_FILE, SNAPSHOTS
from scrutiny.tests import badfiles

FAKE_ENV = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
OUTCOME_WORDS = ("added", "replaced", "re-read", "unchanged", "FAILED", "skipped")


def _console_script() -> str:
    return str(Path(sys.executable).with_name("scrutiny"))


def _ingest(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, ["ingest", *args], env={**FAKE_ENV, **(env or {})})


def _docs(index: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["docs", "--index", str(index), "--json", "--chunks"], env=FAKE_ENV)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _all_text(index: Path) -> str:
    return "\n".join(chunk["text"] for row in _docs(index) for chunk in row["chunks"])


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder holding one good text file."""
    path = tmp_path / "d"
    path.mkdir()
    badfiles.write_good_text(path, "good.txt", marker="alpha")
    return path


# ---------------------------------------------------------------- paths stay in the folder


def test_a_link_out_of_the_folder_is_a_failed_line_and_its_target_is_not_read(folder, tmp_path):
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nThe secret line is here.\n")
    (folder / "passwd.txt").symlink_to(secret)
    (folder / "etc").symlink_to(secret.parent, target_is_directory=True)
    index = tmp_path / "index"

    result = _ingest(str(folder), "--index", str(index), "--quiet")
    assert result.exit_code == 1, result.output
    failed = {line.split(":")[0].split()[-1]: line for line in result.stdout.splitlines() if line.startswith("FAILED")}
    assert set(failed) == {str(folder / "passwd.txt"), str(folder / "etc")}
    assert all("symbolic link to outside the folder" in line for line in failed.values())
    assert "added      good.txt" in result.stdout
    assert [row["source"] for row in _docs(index)] == ["good.txt"]
    assert "root:x" not in _all_text(index)


def test_hidden_files_and_folders_get_a_skipped_line(folder, tmp_path):
    (folder / ".notes.txt").write_text("Private notes about the inspection, never to be indexed.")
    (folder / ".git").mkdir()
    (folder / ".git" / "config.txt").write_text("Repository settings.")
    result = _ingest(str(folder), "--index", str(tmp_path / "index"), "--quiet")
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stdout.splitlines() if line.startswith("skipped")]
    assert len(skipped) == 2
    assert any(".notes.txt: hidden file" in line for line in skipped)
    assert any(".git: hidden folder" in line for line in skipped)
    assert "2 skipped" in result.stdout.splitlines()[-1]


# ---------------------------------------------------------------- odd file names


def test_a_file_name_that_is_not_utf8_is_indexed_and_shown_escaped(folder, tmp_path):
    """The probe: every file embedded, then the save died on the name (surrogates not allowed)."""
    odd = os.fsdecode(bytes(folder) + b"/caf\xe9 report.txt")
    Path(odd).write_text("The cafe report says the unit should improve its records.\n", encoding="utf-8")
    index = tmp_path / "index"

    result = _ingest(str(folder), "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert sorted(report["added"]) == ["caf\\xe9 report.txt", "good.txt"]
    assert not list((index / SNAPSHOTS).glob(".building-*"))

    again = _ingest(str(folder), "--index", str(index), "--json")  # found again by its exact path
    assert again.exit_code == 0, again.output
    assert sorted(json.loads(again.stdout)["unchanged"]) == ["caf\\xe9 report.txt", "good.txt"]
    assert "improve its records" in _all_text(index)


def test_a_file_name_with_a_newline_prints_on_one_line(folder, tmp_path):
    (folder / "two\nlines.txt").write_text("A report whose name holds a newline says the force should act.\n")
    (folder / "bell\x07.txt").write_text("Another report says the unit should review its backlog.\n")
    result = _ingest(str(folder), "--index", str(tmp_path / "index"), "--quiet")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(line.startswith(OUTCOME_WORDS) for line in lines[:-1]), lines
    assert "added      two\\nlines.txt" in lines and "added      bell\\x07.txt" in lines
    assert "\x07" not in result.stdout


# ---------------------------------------------------------------- a full disk


def _snapshot_names(index: Path) -> set[str]:
    return {entry.name for entry in (index / SNAPSHOTS).iterdir()}


def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing_half_written(folder, tmp_path, monkeypatch):
    from scrutiny.index.lexical import LexicalSegment

    index = tmp_path / "index"
    assert _ingest(str(folder), "--index", str(index), "--quiet").exit_code == 0
    before, live = _snapshot_names(index), (index / CURRENT_FILE).read_text()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(LexicalSegment, "save", disk_full)  # halfway through writing the snapshot
    extra = badfiles.write_good_text(tmp_path, "delta.txt", marker="delta")
    result = _ingest(str(extra), "--index", str(index), "--quiet")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("scrutiny: error: no space left on the index's disk: ")
    assert " MB needed" in result.stderr and "Traceback" not in result.output
    assert _snapshot_names(index) == before  # the half-written snapshot is gone
    assert (index / CURRENT_FILE).read_text() == live


def test_no_room_for_the_snapshot_is_refused_before_anything_is_written(folder, tmp_path, monkeypatch):
    index = tmp_path / "index"
    assert _ingest(str(folder), "--index", str(index), "--quiet").exit_code == 0
    before = _snapshot_names(index)
    real_usage = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage", lambda path: real_usage(path)._replace(free=1024 * 1024))
    made: list[Path] = []
    real_mkdir = Path.mkdir

    def watched_mkdir(self, *args, **kwargs):
        made.append(self)
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", watched_mkdir)
    extra = badfiles.write_good_text(tmp_path, "delta.txt", marker="delta")
    result = _ingest(str(extra), "--index", str(index), "--quiet")
    assert result.exit_code == 2, result.output
    assert "no space left on the index's disk:" in result.stderr and "1 MB free" in result.stderr
    assert not any(path.name.startswith(".building-") for path in made)
    assert _snapshot_names(index) == before


def test_half_built_snapshots_are_removed_at_the_start_of_each_ingest(folder, tmp_path):
    index = tmp_path / "index"
    assert _ingest(str(folder), "--index", str(index), "--quiet").exit_code == 0
    leftover = index / SNAPSHOTS / ".building-20261206T000000-deadbeef"
    leftover.mkdir()
    (leftover / "chunks.jsonl").write_bytes(b"x" * 4096)
    again = _ingest(str(folder), "--index", str(index), "--quiet")  # nothing changed: no save
    assert again.exit_code == 0 and "unchanged  good.txt" in again.stdout
    assert not leftover.exists()


# ---------------------------------------------------------------- budgets per file


def _measured_ingest(paths: list[Path], index: Path, env: dict | None = None) -> tuple[dict, float, int]:
    """`scrutiny ingest --json` in a fresh process: its report, seconds, and peak memory (bytes) of
    the ingest and every process it started."""
    script = textwrap.dedent("""
        import json, resource, subprocess, sys, time
        started = time.monotonic()
        try:  # on timeout the ingest is killed, not left running
            result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
            code, stdout, stderr = result.returncode, result.stdout, result.stderr
        except subprocess.TimeoutExpired:
            code, stdout, stderr = "timeout", "", "still running after 60 s"
        elapsed = time.monotonic() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        print(json.dumps({"code": code, "stdout": stdout, "stderr": stderr, "seconds": elapsed,
                          "peak_kb": peak_kb}))
    """)
    command = [sys.executable, "-c", script, _console_script(), "ingest", *map(str, paths),
               "--index", str(index), "--json"]
    outer = subprocess.run(command, capture_output=True, text=True, timeout=120,
                           env={**os.environ, **FAKE_ENV, **(env or {})})
    assert outer.returncode == 0, outer.stderr
    measured = json.loads(outer.stdout)
    assert measured["code"] == 1, measured["stderr"][-2000:]
    return json.loads(measured["stdout"]), measured["seconds"], measured["peak_kb"] * 1024


GIB = 1024 ** 3


def test_a_zip_bomb_docx_is_refused_fast_and_small_while_the_good_files_are_indexed(folder, tmp_path):
    """The probe's .docx (259 KB holding 144 MiB of empty paragraphs) ran past 300 s at 3.3 GB."""
    bomb = badfiles.write_docx_bomb(folder, "bomb.docx", unpacked_mb=144)
    assert bomb.stat().st_size < 400 * 1024
    badfiles.write_text_pdf(folder, "report.pdf")
    report, seconds, peak = _measured_ingest([folder], tmp_path / "index")
    assert sorted(report["added"]) == ["good.txt", "report.pdf"]
    assert [failure["source"] for failure in report["failed"]] == ["bomb.docx"]
    assert "zip bomb" in report["failed"][0]["reason"]
    assert seconds < 10, f"took {seconds:.1f} s"
    assert peak < GIB, f"peak memory {peak / 2**20:.0f} MiB"


def test_a_200_mb_text_file_is_refused_fast_and_small_while_the_good_files_are_indexed(folder, tmp_path):
    """The probe's 200 MB .txt made 176,291 chunks at 6.4 GB, and its batch was never indexed."""
    big = tmp_path / "big"
    big.mkdir()
    badfiles.write_big_text(big, "big.txt", megabytes=200)
    report, seconds, peak = _measured_ingest([folder, big / "big.txt"], tmp_path / "index")
    assert report["added"] == ["good.txt"]
    assert [failure["source"] for failure in report["failed"]] == ["big.txt"]
    assert "limit per file" in report["failed"][0]["reason"]
    assert seconds < 10, f"took {seconds:.1f} s"
    assert peak < GIB, f"peak memory {peak / 2**20:.0f} MiB"


def test_a_text_file_under_the_size_cap_but_over_the_character_cap_is_refused_before_decoding(folder, tmp_path):
    badfiles.write_big_text(folder, "long.txt", megabytes=30)
    report, seconds, peak = _measured_ingest([folder], tmp_path / "index")
    assert report["added"] == ["good.txt"]
    assert [failure["source"] for failure in report["failed"]] == ["long.txt"]
    assert "characters of text, over the limit" in report["failed"][0]["reason"]
    assert seconds < 10 and peak < GIB


def _service(tmp_path, **ingest) -> Scrutiny:
    return Scrutiny(Settings(index=tmp_path / "index", embedding_model="hashing-fake", ingest=ingest))


@pytest.mark.parametrize(("setting", "value", "bad_file", "reason"), [
    ("max_pages", 2, "long.pdf", "the document has 3 pages, over the limit of 2"),
    ("max_characters", 400, "long.txt", "characters of text, over the limit of 400"),
    ("max_chunks", 3, "long.txt", "chunks, over the limit of 3"),
    ("max_file_mb", 0.001, "long.txt", "over the 0.0 MB limit per file"),
])
def test_a_document_over_a_cap_is_a_failed_line_and_the_rest_is_indexed(tmp_path, setting, value, bad_file, reason):
    folder = tmp_path / "d"
    folder.mkdir()
    badfiles.write_good_text(folder, "short.txt")
    if bad_file.endswith(".pdf"):
        badfiles.write_text_pdf(folder, bad_file, pages=3)
    else:
        badfiles.write_text_corpus(folder, count=1)[0].rename(folder / bad_file)
    report = _service(tmp_path, **{setting: value}).ingest([folder], show_progress=False)
    assert report.added == ["short.txt"]
    assert [failure["source"] for failure in report.failed] == [bad_file]
    assert reason in report.failed[0]["reason"]


def test_a_file_over_its_time_budget_is_stopped_and_the_rest_is_indexed(tmp_path, monkeypatch):
    """A parser stuck on one file: the reader process is killed and a fresh one reads the next."""
    import scrutiny.index.ingester as ingester

    folder = tmp_path / "d"
    folder.mkdir()
    badfiles.write_good_text(folder, "first.txt", marker="alpha")
    badfiles.write_good_text(folder, "slow.txt", marker="beta")
    badfiles.write_good_text(folder, "third.txt", marker="gamma")
    monkeypatch.setattr(ingester, "load_document", badfiles.load_slowly)  # sleeps a minute over slow*
    started = time.monotonic()
    report = _service(tmp_path, file_seconds=2).ingest([folder], show_progress=False)
    assert time.monotonic() - started < 30
    assert report.added == ["first.txt", "third.txt"]
    assert [failure["source"] for failure in report.failed] == ["slow.txt"]
    assert "took longer than 2 s" in report.failed[0]["reason"]


# ---------------------------------------------------------------- the writer lock


def _hold_lock(index: Path):
    index.mkdir(parents=True, exist_ok=True)
    handle = (index / ".lock").open("w")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def test_a_waiting_writer_says_so_and_gives_up_after_the_configured_time(folder, tmp_path):
    index = tmp_path / "index"
    holder = _hold_lock(index)
    try:
        result = subprocess.run(
            [_console_script(), "ingest", str(folder), "--index", str(index), "--quiet"],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, **FAKE_ENV, "SCRUTINY_INGEST__LOCK_WAIT_SECONDS": "1"},
        )
    finally:
        holder.close()
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("scrutiny: waiting for another writer to finish with the index at")
    assert lines[-1].startswith("scrutiny: error: another writer has held the index") and "gave up" in lines[-1]
    assert len(lines) == 2 and "Traceback" not in result.stderr


def test_the_writer_lock_is_free_while_files_are_read_and_embedded(folder, tmp_path, monkeypatch):
    from scrutiny.index.embedder import HashingEmbedder

    service = _service(tmp_path)
    lock_free_while_embedding: list[bool] = []
    real_encode = HashingEmbedder.encode

    def encode(self, texts, progress=None):
        with (service.store.directory / ".lock").open("w") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(probe, fcntl.LOCK_UN)
                lock_free_while_embedding.append(True)
            except BlockingIOError:
                lock_free_while_embedding.append(False)
        return real_encode(self, texts, progress)

    service.store.directory.mkdir(parents=True)
    monkeypatch.setattr(HashingEmbedder, "encode", encode)
    assert service.ingest([folder], show_progress=False).added == ["good.txt"]
    assert lock_free_while_embedding == [True]


def test_a_writer_that_saved_meanwhile_is_merged_not_overwritten(tmp_path, monkeypatch):
    """Writer A reads and embeds; writer B saves in between; A's save keeps B's documents."""
    from scrutiny.index.embedder import HashingEmbedder

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    badfiles.write_good_text(first, "from-a.txt", marker="alpha")
    badfiles.write_good_text(second, "from-b.txt", marker="beta")
    writer_a, writer_b = _service(tmp_path), _service(tmp_path)
    real_encode = HashingEmbedder.encode
    b_reports: list = []

    def encode_then_let_b_save(self, texts, progress=None):
        vectors = real_encode(self, texts, progress)
        if not b_reports and self is writer_a.embedder:
            runner = threading.Thread(target=lambda: b_reports.append(writer_b.ingest([second], show_progress=False)))
            runner.start()
            runner.join(timeout=60)
            assert not runner.is_alive(), "writer B was blocked while writer A embedded"
        return vectors

    monkeypatch.setattr(HashingEmbedder, "encode", encode_then_let_b_save)
    report_a = writer_a.ingest([first], show_progress=False)
    assert report_a.added == ["from-a.txt"] and b_reports[0].added == ["from-b.txt"]
    fresh = _service(tmp_path)
    assert {row["source"] for row in fresh.documents()} == {"from-a.txt", "from-b.txt"}
    data = fresh.store.load()
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors)


# ---------------------------------------------------------------- exports and the app

HOSTILE_QUOTE = (
    "The force <script>alert(1)</script> should act <img src=x onerror=alert(2)> now. "
    "See ![tracker](http://evil.example/pixel.png) and [the report](javascript:alert(3)).\n"
    "[1]: javascript:alert(4)\n<http://evil.example/auto>"
)


def test_the_markdown_export_of_an_answer_is_inert(tmp_path):
    """The probe: a document's <script>, <img onerror>, remote images and javascript: links went
    into "Download answer (.md)" verbatim. Rendered as Markdown, the file has none of them."""
    from markdown_it import MarkdownIt

    from scrutiny.app.records import Answer, Citation
    from scrutiny.app.web.export import export_answer

    cited = Citation(n=1, doc_id="ab" * 32, source="report`<b>.pdf", title="Title <iframe src=x>",
                     kind="inspection_report", date="2022-12-07", page=3, section="Force > <b onclick=x>Section</b>",
                     quote=HOSTILE_QUOTE, passage=HOSTILE_QUOTE, score=0.9)
    answer = Answer("How was <em>it</em> graded? ![q](http://evil.example/q.png)", f"{HOSTILE_QUOTE} [1]",
                    citations=[cited])
    markdown, _ = export_answer(answer, tmp_path)
    rendered = MarkdownIt("commonmark").render(markdown.read_text(encoding="utf-8"))  # raw HTML allowed
    tags = _tags(rendered)
    assert {tag for tag, _ in tags} <= {"h1", "h2", "p", "strong", "em", "blockquote", "code", "br"}, tags
    assert not [attributes for _, attributes in tags if attributes], tags  # no href, src, onerror
    assert "<script>alert(1)</script>" in html.unescape(rendered)  # the text itself is kept, as text
    assert "[1]" in rendered


def _tags(rendered: str) -> list[tuple[str, list]]:
    """Every HTML start tag in `rendered`, with its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, list]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(rendered)
    return found


def test_k_is_capped_in_the_cli_and_the_api(fake_corpus_service):
    from scrutiny.app.service import BadQuestion

    with pytest.raises(BadQuestion, match="at most 50"):
        fake_corpus_service.ask("What did inspectors find?", k=100_000)
    assert fake_corpus_service.ask("What did inspectors find?", k=50)
    result = CliRunner().invoke(cli, ["ask", "What did inspectors find?", "--k", "100000",
                                      "--index", str(fake_corpus_service.store.directory)], env=FAKE_ENV)
    assert result.exit_code == 2 and "--k must be at most 50" in result.stderr


def test_refused_and_stored_uploads_leave_gradios_cache(fake_service, tmp_path, monkeypatch):
    from scrutiny.app.web.app import ScrutinyApp

    cache = tmp_path / "gradio-cache"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    handed = []
    for folder, name in (("h1", "virus.exe"), ("h2", "good.txt"), ("h3", "empty.txt")):
        (cache / folder).mkdir(parents=True)
        handed.append(cache / folder / name)
    handed[0].write_bytes(b"MZ not a document")
    badfiles.write_good_text(handed[1].parent, "good.txt")
    handed[2].write_text("")
    elsewhere = badfiles.write_good_text(tmp_path, "mine.txt", marker="mine")  # not Gradio's: left alone
    outcomes = ScrutinyApp(fake_service, tmp_path / "exports").add_files([*map(str, handed), str(elsewhere)])
    assert [o.outcome for o in outcomes] == ["failed", "added", "failed", "added"]
    assert not any(path.exists() for path in handed)
    assert elsewhere.exists()


def test_uploads_left_waiting_by_a_stopped_server_are_cleared_when_the_app_starts(fake_service):
    from scrutiny.app.web.app import STAGING_FOLDER, build_app

    waiting = fake_service.store.uploads / STAGING_FOLDER / "3f2a9c"
    waiting.mkdir(parents=True)
    (waiting / "report.pdf").write_bytes(b"%PDF-1.7 half an upload")
    build_app(fake_service)
    assert not (fake_service.store.uploads / STAGING_FOLDER).exists()


def test_a_full_queue_tells_api_clients_busy_try_again(fake_service):
    import asyncio
    from types import SimpleNamespace

    from scrutiny.app.web.app import BUSY_MESSAGE, build_app

    blocks = build_app(fake_service)
    blocks._queue.max_size = 0  # full
    success, message, state = asyncio.run(blocks._queue.push(SimpleNamespace(fn_index=0), None, None))
    assert (success, state) == (False, "queue_full")
    assert message == BUSY_MESSAGE and "try again in a moment" in message


def test_the_page_of_a_pdf_whose_name_is_not_utf8_is_still_drawn(fake_service, tmp_path):
    from scrutiny.app.web.pages import page_view

    folder = tmp_path / "d"
    folder.mkdir()
    pdf = badfiles.write_text_pdf(folder, "plain.pdf")
    odd = Path(os.fsdecode(bytes(folder) + b"/r\xe9port.pdf"))
    pdf.rename(odd)
    assert fake_service.ingest([folder], show_progress=False).added == ["r\\xe9port.pdf"]
    document = next(iter(fake_service.data().documents.values()))
    view = page_view(document, 1, "Part 1: findings", [folder])
    assert view.image is not None, view.caption
    assert view.caption.startswith("r\\xe9port.pdf: PDF page 1")


def test_a_file_whose_chunks_cannot_be_embedded_is_a_failed_line_not_a_failed_batch(folder, tmp_path, monkeypatch):
    from scrutiny.index.embedder import HashingEmbedder

    badfiles.write_good_text(folder, "poison.txt", marker="poison")
    real_encode = HashingEmbedder.encode

    def encode(self, texts, progress=None):
        if any("Marker poison" in text for text in texts):
            raise ValueError("the tokenizer choked on this text")
        return real_encode(self, texts, progress)

    monkeypatch.setattr(HashingEmbedder, "encode", encode)
    report = _service(tmp_path).ingest([folder], show_progress=False)
    assert report.added == ["good.txt"]
    assert report.failed == [{"source": "poison.txt",
                              "reason": "could not be embedded (ValueError: the tokenizer choked on this text)"}]
