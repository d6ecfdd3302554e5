"""The app as a script sees it: gradio_client against an app launched on a free local port."""

from __future__ import annotations

import pytest

from scrutiny.app.web.app import start_in_background

pytest.importorskip("gradio_client")

ANSWER_EVERYTHING = -1e9  # a refusal threshold nothing falls below
QUESTION = "What did the inspection find about financial investigation and suspicious activity reports?"


def cited(payload: dict) -> list[tuple]:
    return [(c["source"], c["page"], c["quote"]) for c in payload["citations"]]


@pytest.fixture
def served(fake_corpus_service):
    """The app over the fake-embedder corpus, and its URL."""
    blocks, url = start_in_background(fake_corpus_service)
    yield fake_corpus_service, url
    blocks.close()


def test_the_ask_api_returns_the_answer_and_citations_as_json(served):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    service, url = served
    service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    client = Client(url, verbose=False)
    payload = client.predict(QUESTION, api_name="/ask")
    assert payload["citations"] and not payload["refused"]
    assert cited(payload) == cited(service.ask(QUESTION).to_dict())
    assert set(payload["citations"][0]) >= {"n", "doc_id", "source", "title", "kind", "page", "section", "quote",
                                            "passage"}

    filtered = client.predict(QUESTION, "pcc_response", "", 2, api_name="/ask")
    assert filtered["citations"] and {c["kind"] for c in filtered["citations"]} == {"pcc_response"}
    with pytest.raises(AppError, match="unknown force"):
        client.predict(QUESTION, "", "Atlantis Constabulary", 0, api_name="/ask")

    # the UI's own events are private: scripts see one documented endpoint for asking
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert "/ask" in endpoints
    assert not any(name.startswith(("/chat", "/upload", "/remove", "/open_source")) for name in endpoints)
    client.close()


def test_a_password_is_required_when_auth_is_set(fake_corpus_service):
    from gradio_client import Client

    fake_corpus_service.settings.app.auth = "pcc:s3cret"
    blocks, url = start_in_background(fake_corpus_service)
    try:
        with pytest.raises(Exception):  # noqa: B017 - the client fails differently for no and for wrong credentials
            Client(url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017 - the client fails differently for no and for wrong credentials
            Client(url, auth=("pcc", "wrong"), verbose=False)
        client = Client(url, auth=("pcc", "s3cret"), verbose=False)
        assert "answer" in client.predict(QUESTION, api_name="/ask")
        client.close()
    finally:
        blocks.close()


def test_twenty_concurrent_sessions_are_all_answered(fake_corpus_service, capsys):
    from scrutiny.eval.loadtest import run_load

    report = run_load(fake_corpus_service, sessions=20, questions_per_session=5)
    with capsys.disabled():
        print(f"\nload (fake embedder): {report.to_dict()}")
    assert report.requests == 100
    assert report.errors == 0, report.error_messages
    assert 0 < report.p50_ms <= report.p95_ms


@pytest.mark.slow
def test_a_real_question_is_answered_with_quotes_found_on_their_pages(real_service):
    from gradio_client import Client

    from scrutiny.eval.runner import default_cases_path, load_cases
    from scrutiny.ingest.text import quote_on_page

    case = next(c for c in load_cases(default_cases_path()) if c["answerable"])
    blocks, url = start_in_background(real_service)
    try:
        client = Client(url, verbose=False)
        payload = client.predict(case["question"], api_name="/ask")
        client.close()
    finally:
        blocks.close()
    assert not payload["refused"] and payload["citations"]
    documents = real_service.data().documents
    for citation in payload["citations"]:
        assert quote_on_page(documents[citation["doc_id"]], citation["page"], citation["quote"])


def test_a_taken_port_is_a_one_line_error(fake_corpus_service):
    import socket

    from scrutiny.app.web.app import launch

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        fake_corpus_service.settings.app.port = taken.getsockname()[1]
        with pytest.raises(ValueError, match="port is in use") as raised:
            launch(fake_corpus_service, prevent_thread_lock=True, quiet=True)
    assert "\n" not in str(raised.value)


def test_stored_uploads_and_the_index_are_not_served_as_files(served, tmp_path):
    import httpx

    from scrutiny.app.web.app import ScrutinyApp

    service, url = served
    notes = tmp_path / "notes.txt"
    notes.write_text("The unit must improve how it records disruptions of organised crime groups.\n")
    assert ScrutinyApp(service).add_files([str(notes)])[0].outcome == "added"
    for path in (service.store.uploads / "notes.txt", service.store.current_snapshot() / "manifest.json"):
        assert path.exists()
        assert httpx.get(f"{url}gradio_api/file={path}").status_code == 403
