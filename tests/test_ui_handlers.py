"""The app's behaviour, through its handlers called directly (fast: fake embedder, no server)."""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner

from scrutiny.app.answering.followup import standalone_question
from scrutiny.app.records import Answer, Citation
from scrutiny.app.web.app import Conversation, ScrutinyApp, UploadRejected, check_exposure, safe_upload_name
from scrutiny.app.web.export import answer_markdown, export_answer, write_docx
from scrutiny.app.web.pages import find_original, page_view, render_pdf_page
from scrutiny.app.web.render import chat_reply, sources_html
from scrutiny.ingest.text import normalise_text, split_sentences
from scrutiny.tests import badfiles

ANSWER_EVERYTHING = -1e9  # a refusal threshold nothing falls below
REFUSE_EVERYTHING = 1e9  # a refusal threshold nothing reaches
QUESTION = "What did the inspection find about financial investigation and suspicious activity reports?"


def citation(n=1, passage="Some passage. The quoted sentence is here. More text.",
             quote="The quoted sentence is here.", **overrides) -> Citation:
    values = dict(n=n, doc_id="ab" * 32, source="report.pdf", title="An inspection report", kind="inspection_report",
                  date="2022-12-07", page=13, section="Force > Resources", quote=quote, passage=passage, score=0.9)
    values.update(overrides)
    return Citation(**values)


@pytest.fixture
def app(fake_corpus_service, tmp_path):
    return ScrutinyApp(fake_corpus_service, export_folder=tmp_path / "exports")


def pdf_document(service):
    """The indexed inspection report (a PDF), however the corpus names it."""
    documents = service.data().documents.values()
    return next(d for d in documents if d.source.endswith(".pdf") and d.kind == "inspection_report")


# ---------------------------------------------------------------- follow-up questions

@pytest.mark.parametrize("follow_up", ["and Northumbria?", "Northumbria?", "what about Northumbria Police?",
                                       "How about for Northumbria then?", "And Northumbria's?"])
def test_a_follow_up_naming_a_force_asks_the_previous_question_about_it(follow_up):
    previous = "What did HMICFRS say about Cleveland Police's SAR backlog?"
    rewritten = standalone_question(follow_up, previous)
    assert rewritten == "What did HMICFRS say about Northumbria Police's SAR backlog?"


def test_follow_ups_chain_and_replace_every_mention_of_the_previous_force():
    first = "How does Cleveland's backlog compare with what Cleveland Police reported last year?"
    second = standalone_question("and Durham?", first)
    assert "Cleveland" not in second and second.count("Durham Constabulary") == 2
    third = standalone_question("what about Northumbria?", second)
    assert "Durham" not in third and third.count("Northumbria Police") == 2


def test_a_follow_up_adds_the_force_when_the_previous_question_named_none():
    assert standalone_question("and Durham?", "What is the SAR backlog?") == \
        "What is the SAR backlog for Durham Constabulary?"


def test_a_follow_up_without_a_force_keeps_the_previous_forces():
    rewritten = standalone_question("what about the recommendations?", "How is Cleveland Police doing on SOC?")
    assert "recommendations" in rewritten and "Cleveland Police" in rewritten


@pytest.mark.parametrize("message", ["Durham's grades?", "What did the PCC say about Northumbria's recommendations?",
                                     "What is the NCA?"])
def test_a_new_question_is_left_as_typed(message):
    assert standalone_question(message, "What did HMICFRS say about Cleveland's SAR backlog?") == message


def test_the_first_question_is_left_as_typed():
    assert standalone_question("and Northumbria?", None) == "and Northumbria?"
    assert standalone_question("  and Northumbria?  ", "") == "and Northumbria?"


def test_the_chat_reads_a_follow_up_in_context_and_says_how(app):
    first = app.answer("What did HMICFRS find about Cleveland Police's financial investigation capacity?", None)
    second = app.answer("and Durham?", first.conversation)
    assert "Durham Constabulary" in second.conversation.previous_question
    assert "Cleveland" not in second.conversation.previous_question
    assert "Asked as:" in second.reply["content"] and "Durham Constabulary" in second.reply["content"]


# ---------------------------------------------------------------- answers and sources

def test_an_answer_shows_each_citation_with_its_page_and_highlighted_quote(app):
    app.service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    result = app.answer(QUESTION, None)
    answer = result.conversation.answer
    assert not answer.refused and answer.citations
    for cited in answer.citations:
        assert f"[{cited.n}]" in result.sources_html
        assert f"{cited.page_reference()}</span>" in result.sources_html and f"page {cited.page}" in result.sources_html
        assert f"[{cited.n}]" in result.reply["content"].replace("\\", "")
    assert result.sources_html.count("<mark>") == len(answer.citations)
    assert "don't answer" not in result.sources_html
    assert [value for _, value in result.source_choices] == [f"0:{c.n}" for c in answer.citations]


def test_a_refusal_looks_different_and_labels_related_passages_as_not_evidence(app):
    app.service.settings.answering.refusal_threshold = REFUSE_EVERYTHING
    result = app.answer(QUESTION, None)
    answer = result.conversation.answer
    assert answer.refused and answer.related
    assert 'class="refusal-notice"' in result.sources_html and "don&#x27;t answer" in result.sources_html
    assert result.sources_html.count("related, not evidence</span>") == len(answer.related)
    assert "Sources (" not in result.sources_html
    assert "don't answer" in result.reply["content"]


def test_everything_from_documents_is_html_escaped():
    hostile = citation(title="<img src=x onerror=alert(1)>", section="<script>alert(2)</script>",
                       passage="Before <b>bold</b> & <script>alert(3)</script>. The <i>quoted</i> sentence.",
                       quote="The <i>quoted</i> sentence.", source="<evil>.pdf")
    panel = sources_html(Answer("q", "The <i>quoted</i> sentence. [1]", citations=[hostile]))
    assert "<script" not in panel and "<img" not in panel and "<i>" not in panel and "<b>" not in panel
    assert "<mark>The &lt;i&gt;quoted&lt;/i&gt; sentence.</mark>" in panel
    reply = chat_reply(Answer("q", "The <script>x</script> *sentence* [1]", citations=[hostile]), None)
    assert "<script" not in reply and "\\*sentence\\*" in reply


def test_a_quote_is_highlighted_despite_different_whitespace_and_quote_marks():
    cited = citation(passage="He said “the  force\nneeds   more staff” in 2022.",
                     quote='the force needs more staff"')
    assert "<mark>the  force\nneeds   more staff”</mark>" in sources_html(Answer("q", "x [1]", citations=[cited]))


def test_a_bad_question_or_filter_is_explained_in_the_chat(app):
    result = app.answer("?!", None)
    assert result.failed and "words" in result.reply["content"]
    result = app.answer(QUESTION, None, forces=["Atlantis Constabulary"])
    assert result.failed and "Atlantis" in result.reply["content"]


def test_filters_restrict_the_passages_used(app):
    app.service.settings.answering.refusal_threshold = REFUSE_EVERYTHING  # related passages show what was searched
    result = app.answer(QUESTION, None, kinds=["pcc_response"], k=3)
    assert result.conversation.answer.related
    assert {c.kind for c in result.conversation.answer.related} == {"pcc_response"}


def test_ask_then_new_conversation_resets_the_chat(app):
    history, pending, box, notice = app.echo("  What is the backlog?  ", [])
    assert pending == "What is the backlog?" and box == "" and notice == "" and history[-1]["role"] == "user"
    outputs = app.ask(pending, history, Conversation())
    assert outputs[0][-1]["role"] == "assistant" and len(outputs[0]) == 2
    cleared = app.new_conversation()
    assert cleared[0] == [] and cleared[1].answer is None


# ---------------------------------------------------------------- the cited page

def test_a_pdf_page_is_drawn_with_the_quote_highlighted(fake_corpus_service, corpus_dir):
    document = pdf_document(fake_corpus_service)
    page = next(p for p in range(1, len(document.pages) + 1) if len(split_sentences(document.page_text(p))) > 3)
    quote = max(split_sentences(document.page_text(page)), key=len)
    view = page_view(document, page, quote, [corpus_dir])
    assert view.image is not None and view.highlighted and f"page {page} of {len(document.pages)}" in view.caption
    plain = render_pdf_page(find_original(document.source, document.id, [corpus_dir]), page, "")
    assert not plain.highlighted
    changed = sum(a != b for a, b in zip(view.image.getdata(), plain.image.getdata(), strict=False))
    assert changed > 100  # the translucent marker covers the quoted lines


def test_without_the_original_file_the_page_text_is_shown_with_the_quote_marked(fake_corpus_service, tmp_path):
    document = pdf_document(fake_corpus_service)
    quote = split_sentences(document.page_text(1))[0]
    view = page_view(document, 1, quote, [tmp_path])
    assert view.image is None and view.highlighted and "<mark>" in view.html
    assert "not in the uploads or source folders" in view.caption


def test_a_changed_file_with_the_same_name_is_not_shown_as_the_cited_page(fake_corpus_service, corpus_dir, tmp_path):
    document = pdf_document(fake_corpus_service)
    shutil.copyfile(corpus_dir / document.source, tmp_path / document.source)
    assert find_original(document.source, document.id, [tmp_path]) == tmp_path / document.source
    with (tmp_path / document.source).open("ab") as handle:
        handle.write(b"\n% edited\n")
    assert find_original(document.source, document.id, [tmp_path]) is None


def test_a_non_pdf_source_shows_its_page_text(fake_corpus_service, corpus_dir):
    document = next(d for d in fake_corpus_service.data().documents.values() if not d.source.endswith(".pdf"))
    quote = split_sentences(document.page_text(1))[1]
    view = page_view(document, 1, quote, [corpus_dir])
    assert view.image is None and view.highlighted and "not a PDF" in view.caption


def test_opening_a_source_from_the_chat_shows_its_page(app, corpus_dir):
    app.service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    app.settings.app.source_folders = [corpus_dir]
    result = app.answer(QUESTION, None)
    for choice in (value for _, value in result.source_choices):
        page, caption = app.open_source(choice, result.conversation)
        assert 'class="page-view"' in page["value"] and ("<mark>" in page["value"] or "page-highlight" in page["value"])
        cited = next(c for c in result.conversation.answer.citations if f"0:{c.n}" == choice)
        assert f"page {cited.page}" in caption["value"]


# ---------------------------------------------------------------- export

def test_an_answer_exports_to_markdown_and_word_with_its_citations(app, tmp_path):
    from docx import Document as WordDocument

    app.service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    answer = app.answer(QUESTION, None).conversation.answer
    markdown, docx = export_answer(answer, tmp_path)
    text = markdown.read_text(encoding="utf-8")
    word = "\n".join(p.text for p in WordDocument(str(docx)).paragraphs)
    for exported in (text, word):
        assert QUESTION in exported
        for cited in answer.citations:
            assert normalise_text(cited.quote) in normalise_text(exported)
            assert f"page {cited.page}" in exported and f"[{cited.n}]" in exported


def test_a_refusal_exports_as_a_refusal():
    refusal = Answer("Who won?", "The indexed documents don't answer this question.", refused=True,
                     related=[citation(quote="Nearby sentence.", passage="Nearby sentence.")])
    assert "related, not evidence" in answer_markdown(refusal)


def test_word_export_survives_control_characters(tmp_path):
    from docx import Document as WordDocument

    odd = citation(quote="A quote with a form feed\x0c and a bell\x07.", title="Title\x00")
    path = write_docx(Answer("q\x1b?", "A quote [1]", citations=[odd]), tmp_path / "odd.docx")
    assert "form feed and a bell" in "\n".join(p.text for p in WordDocument(str(path)).paragraphs)


# ---------------------------------------------------------------- uploads and removal

@pytest.mark.parametrize("name, stored", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\windows\\report.PDF", "report.pdf"),
    (".hidden.docx", "hidden.docx"),
    ("my report: final?.pdf", "my report_ final.pdf"),
    ("ok-name_(v2).md", "ok-name_(v2).md"),
    ("x" * 300 + ".txt", "x" * 116 + ".txt"),
])
def test_upload_names_are_sanitised(name, stored):
    assert safe_upload_name(name) == stored


@pytest.mark.parametrize("name", ["virus.exe", "report.pdf.sh", "..", ".pdf", "noextension", "", "archive.zip"])
def test_upload_types_outside_the_list_are_refused(name):
    with pytest.raises(UploadRejected):
        safe_upload_name(name)


def test_uploads_are_stored_in_the_index_and_failures_keep_their_reason(app, tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    locked = badfiles.write_encrypted_pdf(incoming)
    notes = incoming / "notes.txt"
    notes.write_text("The unit must improve how it records disruptions of organised crime groups.\n")
    program = incoming / "tool.exe"
    program.write_bytes(b"MZ")
    outcomes = {o.name: o for o in app.add_files([str(locked), str(notes), str(program)])}
    assert outcomes["notes.txt"].outcome == "added"
    assert outcomes[locked.name].outcome == "failed" and "encrypted" in outcomes[locked.name].reason
    assert outcomes["tool.exe"].outcome == "failed" and "not accepted" in outcomes["tool.exe"].reason
    uploads = app.service.store.uploads
    assert sorted(p.name for p in uploads.iterdir() if not p.name.startswith(".")) == ["notes.txt"]
    assert not any((uploads / ".incoming").iterdir())  # staging is emptied
    assert "notes.txt" in [row[6] for row in app.documents_table()]
    html = app.outcomes_html(list(outcomes.values()))
    assert "1 of 3 file(s) indexed, 2 failed" in html and "encrypted" in html


def test_a_failed_upload_replaces_nothing(app, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    (first / "notes.txt").write_text("Inspectors found the unit's intelligence systems were fragmented.\n")
    assert app.add_files([str(first / "notes.txt")])[0].outcome == "added"
    (second / "notes.txt").write_bytes(b"")  # an empty file has no text to index
    outcome = app.add_files([str(second / "notes.txt")])[0]
    assert outcome.outcome == "failed" and outcome.reason
    assert "fragmented" in (app.service.store.uploads / "notes.txt").read_text()
    assert "notes.txt" in [row[6] for row in app.documents_table()]


def test_uploads_over_the_size_limit_are_refused(app, tmp_path):
    app.settings.app.upload_max_mb = 0.001
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    outcome = app.add_files([str(big)])[0]
    assert outcome.outcome == "failed" and "MB upload limit" in outcome.reason
    assert not (app.service.store.uploads / "big.txt").exists()


def test_removing_a_document_drops_it_and_its_stored_upload(app, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("The force should publish its serious and organised crime profile.\n")
    app.add_files([str(notes)])
    doc_id = next(row["doc_id"] for row in app.manifest_rows() if row["source"] == "notes.txt")
    message, table, *_ = app.remove(doc_id)
    assert "Removed notes.txt" in message
    assert "notes.txt" not in [row[6] for row in table]
    assert not (app.service.store.uploads / "notes.txt").exists()
    assert app.remove(None)[0].startswith("Nothing removed")


def test_an_empty_index_is_explained_not_an_error(fake_service, tmp_path):
    app = ScrutinyApp(fake_service, export_folder=tmp_path)
    assert app.documents_table() == [] and "No documents" in app.index_status()
    result = app.answer("What is the backlog?", None)
    assert result.failed and "Documents tab" in result.reply["content"]


# ---------------------------------------------------------------- API and serving safety

def test_the_api_returns_the_ask_json_object(app):
    import gradio as gr

    payload = app.ask_api(QUESTION, kind="inspection_report, pcc_response", k=3)
    assert set(payload) >= {"question", "answer", "refused", "citations", "related", "timings_ms"}
    assert {c["kind"] for c in payload["citations"] + payload["related"]} <= {"inspection_report", "pcc_response"}
    with pytest.raises(gr.Error, match="unknown kind"):
        app.ask_api(QUESTION, kind="gossip")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_a_loopback_host_needs_no_password(host):
    assert check_exposure(host, "", no_auth=False) is None


def test_a_network_host_needs_auth_or_an_explicit_no_auth(capsys):
    with pytest.raises(ValueError, match="--auth") as raised:
        check_exposure("0.0.0.0", "", no_auth=False)
    assert "\n" not in str(raised.value)
    assert check_exposure("0.0.0.0", "pcc:s3cret", no_auth=False) == ("pcc", "s3cret")
    assert "unencrypted" in capsys.readouterr().err
    assert check_exposure("192.168.1.20", "", no_auth=True) is None
    assert "WITHOUT a password" in capsys.readouterr().err
    with pytest.raises(ValueError, match="user:password"):
        check_exposure("127.0.0.1", "justaname", no_auth=False)


def test_serve_refuses_a_network_host_without_auth(tmp_path, monkeypatch):
    from scrutiny.app.cli import cli

    monkeypatch.delenv("SCRUTINY_APP__AUTH", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--index", str(tmp_path), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert re.search(r"--auth", result.output) and len(result.output.strip().splitlines()) == 1
