"""Bad input files: each fails with a clear one-line reason, and never takes the batch down.

Some awkward files must not fail at all: a Windows-1252 or UTF-16 text file, a PDF with only
an owner password, and a scanned PDF when tesseract is installed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrutiny.app.cli import cli
from scrutiny.ingest.documents import load_document
from scrutiny.ingest.records import UnreadableDocument
from scrutiny.tests import badfiles
from scrutiny.tests.conftest import CORPUS, REPORT

# Each bad file, with words its reason must contain (case-insensitive): the cause, in the
# user's terms. The factories are in tests/badfiles.py.
BAD_FILES = {
    "encrypted": (lambda d: badfiles.write_encrypted_pdf(d), ("encrypted", "password")),
    "truncated": (lambda d: badfiles.write_truncated_pdf(d, CORPUS / REPORT), ("damaged or truncated",)),
    "garbage": (lambda d: badfiles.write_garbage_pdf(d), ("damaged or truncated",)),
    "empty": (lambda d: badfiles.write_empty_file(d), ("empty",)),
    "html_as_pdf": (lambda d: badfiles.write_html_as_pdf(d), ("not a pdf", "html")),
    "random_docx": (lambda d: badfiles.write_random_docx(d), ("not a word file",)),
    "unsupported": (lambda d: badfiles.write_unsupported(d), ("unsupported file type", ".xyz")),
}


def _assert_one_line_reason(reason: str, expected_words: tuple[str, ...]) -> None:
    assert reason.strip() and "\n" not in reason, f"reason must be one line: {reason!r}"
    assert "Traceback" not in reason
    for word in expected_words:
        assert word in reason.lower(), f"{word!r} not in {reason!r}"


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_gives_a_clear_one_line_reason(tmp_path, case):
    factory, expected_words = BAD_FILES[case]
    path = factory(tmp_path)
    with pytest.raises(UnreadableDocument) as raised:
        load_document(path)
    _assert_one_line_reason(str(raised.value), expected_words)


def test_the_factories_make_what_they_claim(tmp_path):
    """Guard the fixtures themselves, so a passing test means what it says."""
    from pypdf import PdfReader

    assert PdfReader(badfiles.write_encrypted_pdf(tmp_path)).is_encrypted
    truncated = badfiles.write_truncated_pdf(tmp_path, CORPUS / REPORT)
    assert truncated.read_bytes().startswith(b"%PDF-")
    assert 0 < truncated.stat().st_size < (CORPUS / REPORT).stat().st_size
    assert badfiles.write_empty_file(tmp_path).stat().st_size == 0
    scanned = PdfReader(badfiles.write_scanned_pdf(tmp_path))
    assert len(scanned.pages) == 1
    assert scanned.pages[0].extract_text().strip() == ""  # image only: no text layer
    assert scanned.pages[0].images, "the scanned page should carry an image"


ENCRYPTIONS = ["RC4-128", "AES-128", "AES-256"]


@pytest.mark.parametrize("algorithm", ENCRYPTIONS)
def test_pdf_with_a_user_password_is_refused_whatever_the_cipher(tmp_path, algorithm):
    path = badfiles.write_encrypted_pdf(tmp_path, algorithm=algorithm)
    with pytest.raises(UnreadableDocument) as raised:
        load_document(path)
    _assert_one_line_reason(str(raised.value), ("encrypted", "password"))


@pytest.mark.parametrize("algorithm", ENCRYPTIONS)
def test_pdf_with_only_an_owner_password_is_read(tmp_path, algorithm):
    """Empty user password + owner password (print/copy restrictions): opens without asking."""
    from pypdf import PdfReader

    path = badfiles.write_encrypted_pdf(tmp_path, "restricted.pdf", user_password="", algorithm=algorithm)
    assert PdfReader(path).is_encrypted
    document = load_document(path)
    assert len(document.pages) == 2
    for paragraph in badfiles.GOOD_PARAGRAPHS:
        assert paragraph in document.pages[0]


def test_windows_1252_text_is_decoded_not_refused(tmp_path):
    document = load_document(badfiles.write_cp1252_text(tmp_path))
    expected = [" ".join(p.split()) for p in badfiles.CP1252_TEXT.split("\n\n")]
    assert document.pages[0].split("\n\n") == expected  # curly quotes, en dash and £ intact
    assert "\ufffd" not in document.pages[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_wide_unicode_text_with_a_byte_order_mark_is_decoded(tmp_path, encoding):
    """Notepad's "Unicode" is UTF-16 with a BOM: text full of NUL bytes that is not binary."""
    import codecs

    boms = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}
    path = tmp_path / "wide.txt"
    path.write_bytes(boms[encoding] + badfiles.CP1252_TEXT.encode(encoding))
    document = load_document(path)
    assert "The Commissioner\u2019s response" in document.pages[0]
    assert "\u00a312,500" in document.pages[0]


def test_random_bytes_named_txt_are_refused_as_binary(tmp_path):
    import random

    path = tmp_path / "noise.txt"
    path.write_bytes(random.Random(5).randbytes(4096))
    with pytest.raises(UnreadableDocument) as raised:
        load_document(path)
    _assert_one_line_reason(str(raised.value), ("binary",))


def test_scanned_pdf_is_ocred_when_tesseract_is_installed_else_explained(tmp_path):
    """Asserts whichever behaviour this machine should have; neither branch is skipped."""
    path = badfiles.write_scanned_pdf(tmp_path)
    if shutil.which("tesseract"):
        document = load_document(path)
        text = " ".join(document.pages).upper()
        for word in badfiles.SCAN_WORDS:
            assert word in text, f"OCR missed {word!r}: {text!r}"
    else:
        with pytest.raises(UnreadableDocument) as raised:
            load_document(path)
        _assert_one_line_reason(str(raised.value), ("no text layer", "tesseract"))


def test_scanned_pdf_without_tesseract_says_no_text_layer(tmp_path, monkeypatch):
    """The no-OCR branch, exercised on every machine by hiding the tesseract command."""
    import scrutiny.ingest.documents as documents

    real_which = shutil.which
    monkeypatch.setattr(documents.shutil, "which",
                        lambda name, *a, **k: None if name == "tesseract" else real_which(name, *a, **k))
    with pytest.raises(UnreadableDocument) as raised:
        load_document(badfiles.write_scanned_pdf(tmp_path))
    _assert_one_line_reason(str(raised.value), ("no text layer", "tesseract"))


def _mixed_batch(folder: Path) -> tuple[set[str], dict[str, tuple[str, ...]]]:
    """Write every bad file and three good ones; return good names and bad name -> words."""
    folder.mkdir()
    bad = {}
    for factory, words in BAD_FILES.values():
        bad[factory(folder).name] = words
    good = {
        badfiles.write_text_pdf(folder, "good.pdf").name,
        badfiles.write_good_text(folder, "good.txt").name,
        badfiles.write_cp1252_text(folder, "windows.txt").name,
    }
    return good, bad


def test_one_bad_file_never_stops_the_batch(tmp_path, fake_service):
    good, bad = _mixed_batch(tmp_path / "batch")
    report = fake_service.ingest([tmp_path / "batch"], show_progress=False)
    failed = {failure["source"]: failure["reason"] for failure in report.failed}
    assert set(failed) == set(bad)
    for source, reason in failed.items():
        _assert_one_line_reason(reason, bad[source])
    assert set(report.added) == good
    indexed = {row["source"]: row for row in fake_service.documents()}
    assert set(indexed) == good
    assert all(row["chunks"] > 0 for row in indexed.values())
    hits = fake_service.retriever().search("backlog of financial investigations", 5)
    assert hits and {hit.chunk.doc_id for hit in hits} <= {row["doc_id"] for row in indexed.values()}


def test_a_loader_crash_on_one_file_is_reported_and_the_rest_indexed(tmp_path, fake_service, monkeypatch):
    """An unexpected parser error (a library bug on one odd file) is a failure, not a crash."""
    import scrutiny.index.ingester as ingester

    folder = tmp_path / "batch"
    folder.mkdir()
    badfiles.write_good_text(folder, "first.txt", marker="alpha")
    badfiles.write_good_text(folder, "second.txt", marker="beta")
    monkeypatch.setattr(ingester, "load_document", badfiles.load_failing_first)  # runs in the reader process
    report = fake_service.ingest([folder], show_progress=False)
    assert report.added == ["second.txt"]
    assert [f["source"] for f in report.failed] == ["first.txt"]
    _assert_one_line_reason(report.failed[0]["reason"], ("recursionerror",))


def test_cli_ingest_exits_1_and_lists_each_failure(tmp_path):
    good, bad = _mixed_batch(tmp_path / "batch")
    runner = CliRunner()
    env = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
    index = str(tmp_path / "index")

    as_json = runner.invoke(cli, ["ingest", str(tmp_path / "batch"), "--index", index, "--json"], env=env)
    assert as_json.exit_code == 1, as_json.output
    payload = json.loads(as_json.stdout)
    assert sorted(payload["added"]) == sorted(good)
    assert {failure["source"] for failure in payload["failed"]} == set(bad)
    for failure in payload["failed"]:
        assert set(failure) == {"source", "reason"}
        _assert_one_line_reason(failure["reason"], bad[failure["source"]])
    assert "Traceback" not in as_json.stderr

    human = runner.invoke(cli, ["ingest", str(tmp_path / "batch"), "--index", index, "--quiet"], env=env)
    assert human.exit_code == 1
    failed_lines = [line for line in human.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed_lines) == len(bad)
    for source in bad:
        assert any(source in line for line in failed_lines)
    assert all(line.startswith("unchanged") for line in human.stdout.splitlines()
               if any(name in line for name in good))
    assert "Traceback" not in human.stderr


def test_console_script_stderr_has_no_library_chatter_for_a_broken_pdf(tmp_path):
    """Through the real entry point (pytest's log capture would hide stray library logging)."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "batch"
    folder.mkdir()
    badfiles.write_truncated_pdf(folder, CORPUS / REPORT)
    badfiles.write_garbage_pdf(folder)
    badfiles.write_good_text(folder)
    script = Path(sys.executable).with_name("scrutiny")
    env = {**os.environ, "SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
    result = subprocess.run(
        [str(script), "ingest", str(folder), "--index", str(tmp_path / "index"), "--json"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert [f["source"] for f in json.loads(result.stdout)["failed"]] == ["garbage.pdf", "truncated.pdf"]
    assert result.stderr.strip() == "", f"unexpected stderr: {result.stderr!r}"


def test_failing_ocr_says_why_instead_of_finding_no_text(tmp_path, monkeypatch):
    """tesseract present but broken (no language data): the reason quotes its error."""
    import subprocess

    import scrutiny.ingest.documents as documents

    def broken_tesseract(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="Error opening data file eng.traineddata\n"
                                           "Could not initialize tesseract.\n")

    monkeypatch.setattr(documents.shutil, "which", lambda name, *a, **k: f"/usr/bin/{name}")
    monkeypatch.setattr(documents.subprocess, "run", broken_tesseract)
    with pytest.raises(UnreadableDocument) as raised:
        load_document(badfiles.write_scanned_pdf(tmp_path))
    _assert_one_line_reason(str(raised.value), ("ocr failed", "could not initialize tesseract"))


def test_a_scanned_page_inside_a_text_pdf_is_ocred_not_lost(tmp_path):
    from pypdf import PdfWriter

    text_pdf = badfiles.write_text_pdf(tmp_path, "text.pdf", pages=1)
    scan_pdf = badfiles.write_scanned_pdf(tmp_path, "scan.pdf")
    writer = PdfWriter()
    for source in (text_pdf, scan_pdf):
        writer.append(str(source))
    mixed = tmp_path / "mixed.pdf"
    with mixed.open("wb") as handle:
        writer.write(handle)

    document = load_document(mixed)
    assert "Part 1: findings" in document.pages[0]
    if shutil.which("tesseract"):
        for word in badfiles.SCAN_WORDS:
            assert word in document.pages[1].upper(), f"OCR missed {word!r} on the scanned page"
    else:
        assert not document.pages[1].strip()  # kept as a text PDF; the scanned page is empty
