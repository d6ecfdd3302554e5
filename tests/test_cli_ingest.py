"""The command line contract of ingest, docs and remove (docs/design.md): exit codes, JSON shapes,
one-line errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrutiny.app.cli import cli
from scrutiny.tests import badfiles

FAKE_ENV = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
DOC_KEYS = {"doc_id", "source", "title", "kind", "date", "pages", "chunks"}
CHUNK_KEYS = {"id", "page_start", "page_end", "section", "text"}


def run(*args: str, env: dict | None = None):
    """Invoke the CLI in-process; every test passes --index explicitly."""
    return CliRunner().invoke(cli, list(args), env={**FAKE_ENV, **(env or {})})


def assert_clean_failure(result, exit_code: int, *words: str) -> None:
    """A user mistake: the expected exit code, a one-line `scrutiny: error:` and no traceback."""
    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.fixture
def corpus_index(tmp_path, corpus_dir) -> Path:
    """The bundled corpus ingested through the CLI with the fake embedder."""
    index = tmp_path / "index"
    result = run("ingest", str(corpus_dir), "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    return index


def test_ingest_exits_0_and_reports_added_then_unchanged(corpus_index, corpus_dir):
    names = sorted(p.name for p in corpus_dir.iterdir())
    again = run("ingest", str(corpus_dir), "--index", str(corpus_index), "--json")
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert set(report) == {"added", "unchanged", "replaced", "reread", "failed", "skipped", "chunks_added"}
    assert sorted(report["unchanged"]) == names
    assert report["added"] == report["reread"] == report["failed"] == []
    assert report["chunks_added"] == 0

    human = run("ingest", str(corpus_dir), "--index", str(corpus_index), "--quiet")
    assert human.exit_code == 0
    assert f"0 added, {len(names)} unchanged" in human.stdout


def test_ingest_exits_1_when_some_files_fail(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    badfiles.write_good_text(folder)
    badfiles.write_empty_file(folder, "empty.docx")
    result = run("ingest", str(folder), "--index", str(tmp_path / "index"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["added"] == ["good.txt"]
    assert report["failed"] == [{"source": "empty.docx", "reason": "file is empty (0 bytes)"}]


def test_docs_json_lists_every_document_with_its_metadata(corpus_index, corpus_dir):
    result = run("docs", "--index", str(corpus_index), "--json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert isinstance(records, list)
    assert sorted(r["source"] for r in records) == sorted(p.name for p in corpus_dir.iterdir())
    for record in records:
        assert DOC_KEYS <= set(record)
        assert len(record["doc_id"]) == 64 and int(record["doc_id"], 16) >= 0
        assert isinstance(record["pages"], int) and record["pages"] >= 1
        assert isinstance(record["chunks"], int) and record["chunks"] >= 1
        assert record["title"] and record["kind"]


def test_docs_chunks_json_shows_how_each_file_was_split(corpus_index):
    from scrutiny.index.store import IndexStore

    counts = {r["doc_id"]: r["chunks"] for r in json.loads(run("docs", "--index", str(corpus_index), "--json").stdout)}
    result = run("docs", "--chunks", "--index", str(corpus_index), "--json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    data = IndexStore(corpus_index).load(with_vectors=False)
    for record in records:
        chunks = record["chunks"]
        assert isinstance(chunks, list) and len(chunks) == counts[record["doc_id"]]
        for chunk in chunks:
            assert set(chunk) == CHUNK_KEYS
            assert 1 <= chunk["page_start"] <= chunk["page_end"] <= record["pages"]
        expected = [c.text for c in data.chunks if c.doc_id == record["doc_id"]]
        assert [c["text"] for c in chunks] == expected

    human = run("docs", "--chunks", "--index", str(corpus_index))
    assert human.exit_code == 0
    assert len(human.stdout.splitlines()) > 2 * len(records)  # a line per chunk beyond the headers


@pytest.mark.parametrize("command", [
    ["docs"], ["docs", "--json"], ["ask", "What is a ROCU?"], ["remove", "report.pdf"],
])
def test_missing_index_exits_2_and_says_to_ingest(tmp_path, command):
    result = run(*command, "--index", str(tmp_path / "nowhere"))
    assert_clean_failure(result, 2, "run `scrutiny ingest")
    assert result.stdout == ""
    assert not (tmp_path / "nowhere").exists(), "a mistyped --index must not create a folder"


def test_docs_on_an_emptied_index_exits_0(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    badfiles.write_good_text(folder)
    index = str(tmp_path / "index")
    assert run("ingest", str(folder), "--index", index).exit_code == 0
    assert run("remove", "good.txt", "--index", index).exit_code == 0
    listed = run("docs", "--index", index, "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    assert "empty" in run("docs", "--index", index).stdout


USER_MISTAKES = [
    (["ask", "", "--index", "{index}"], 2, "question is empty"),
    (["ask", "???", "--index", "{index}"], 2, "no words"),
    (["ask", "backlog", "--k", "0", "--index", "{index}"], 2, "--k"),
    (["ask", "backlog", "--kind", "memo", "--index", "{index}"], 2, "unknown kind"),
    (["remove", "", "--index", "{index}"], 2, "say which document"),
    (["remove", "abc", "--index", "{index}"], 2, "too short"),
    (["remove", "no-such-file.pdf", "--index", "{index}"], 2, "no indexed document"),
    (["ingest", "{folder}", "--index", "{a_file}"], 2, "cannot write an index"),
    (["docs", "--index", "{a_file}"], 2, "run `scrutiny ingest"),
    (["ingest", "{folder}/missing.pdf", "--index", "{index}"], 1, ""),
    (["ingest", "--index", "{index}"], 2, "Missing argument"),
    (["frobnicate"], 2, "No such command"),
]


@pytest.mark.parametrize("arguments, exit_code, words", USER_MISTAKES,
                         ids=[" ".join(m[0][:2]) + f"-{n}" for n, m in enumerate(USER_MISTAKES)])
def test_user_mistakes_give_one_line_errors_not_tracebacks(tmp_path, arguments, exit_code, words):
    folder = tmp_path / "files"
    folder.mkdir()
    badfiles.write_good_text(folder)
    index = tmp_path / "index"
    assert run("ingest", str(folder), "--index", str(index)).exit_code == 0
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    filled = [a.format(index=index, folder=folder, a_file=a_file) for a in arguments]
    result = run(*filled)
    assert_clean_failure(result, exit_code, *([words] if words else []))
    if exit_code == 1:  # a missing input file is listed as a failed file
        assert "missing.pdf: file not found" in result.stdout


def test_bad_setting_in_the_environment_is_a_usage_error(tmp_path):
    result = run("docs", "--index", str(tmp_path), env={"SCRUTINY_RETRIEVAL__TOP_K": "many"})
    assert_clean_failure(result, 2, "bad setting", "top_k")


def test_console_script_entry_point_exit_codes(tmp_path):
    """The installed `scrutiny` command itself (not just the click group) keeps the contract."""
    script = Path(sys.executable).with_name("scrutiny")
    env = {**os.environ, **FAKE_ENV}
    folder = tmp_path / "files"
    folder.mkdir()
    badfiles.write_good_text(folder)
    index = str(tmp_path / "index")

    def invoke(*args):
        return subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=120)

    missing = invoke("docs", "--index", index)
    assert missing.returncode == 2 and "run `scrutiny ingest" in missing.stderr
    assert "Traceback" not in missing.stderr
    assert invoke("ingest", str(folder), "--index", index, "--quiet").returncode == 0
    listed = invoke("docs", "--index", index, "--json")
    assert listed.returncode == 0
    assert [r["source"] for r in json.loads(listed.stdout)] == ["good.txt"]


def test_an_answer_on_weak_evidence_says_so_wherever_it_is_shown(corpus_index, tmp_path):
    """Answered, but under answering.weak_evidence_below: the CLI, the app's reply, its exports
    and the JSON all carry the caution; above it, none does."""
    from scrutiny.app.records import WEAK_EVIDENCE_NOTE, Answer
    from scrutiny.app.web.export import answer_markdown
    from scrutiny.app.web.render import chat_reply

    question = "What did HMICFRS find about the regional unit's intelligence?"
    unsure = {"SCRUTINY_ANSWERING__REFUSAL_THRESHOLD": "-1", "SCRUTINY_ANSWERING__WEAK_EVIDENCE_BELOW": "100"}
    weak = run("ask", question, "--index", str(corpus_index), env=unsure)
    assert weak.exit_code == 0, weak.output
    assert f"Note: {WEAK_EVIDENCE_NOTE}." in weak.output
    payload = json.loads(run("ask", question, "--index", str(corpus_index), "--json", env=unsure).output)
    assert payload["weak_evidence"] is True and not payload["refused"]
    answer = Answer.from_dict(payload)
    assert answer.weak_evidence
    assert WEAK_EVIDENCE_NOTE[1:] in chat_reply(answer, None) and WEAK_EVIDENCE_NOTE in answer_markdown(answer)
    from docx import Document as WordDocument

    from scrutiny.app.web.export import write_conversation_docx, write_docx
    for written in (write_docx(answer, tmp_path / "answer.docx"),
                    write_conversation_docx("Talk", [(question, answer)], tmp_path / "talk.docx")):
        assert any(WEAK_EVIDENCE_NOTE in p.text for p in WordDocument(str(written)).paragraphs), written
    sure = {"SCRUTINY_ANSWERING__REFUSAL_THRESHOLD": "-1", "SCRUTINY_ANSWERING__WEAK_EVIDENCE_BELOW": "-1"}
    strong = run("ask", question, "--index", str(corpus_index), env=sure)
    assert strong.exit_code == 0 and WEAK_EVIDENCE_NOTE not in strong.output
    plain = Answer.from_dict(json.loads(run("ask", question, "--index", str(corpus_index), "--json", env=sure).output))
    assert not plain.weak_evidence
    assert WEAK_EVIDENCE_NOTE[1:] not in chat_reply(plain, None) and WEAK_EVIDENCE_NOTE not in answer_markdown(plain)
    # a refusal says the documents don't answer; it is never also "weak evidence"
    refused = {"SCRUTINY_ANSWERING__REFUSAL_THRESHOLD": "100", "SCRUTINY_ANSWERING__WEAK_EVIDENCE_BELOW": "1000"}
    refusal = json.loads(run("ask", question, "--index", str(corpus_index), "--json", env=refused).output)
    assert refusal["refused"] and not refusal["weak_evidence"]
