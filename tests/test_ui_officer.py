"""The app as a policy officer uses it (issue 17), through its handlers (fast: fake embedder).

Who says each cited sentence, one click to the page, errors that keep the evidence, the Draft
tab's list kept current, corrections, saved conversations, feedback that becomes eval cases.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scrutiny.app.records import Answer, Citation
from scrutiny.app.web.app import ScrutinyApp
from scrutiny.app.web.conversations import Conversation
from scrutiny.app.web.draft_tab import report_choices
from scrutiny.app.web.render import chat_reply, escape_markdown, page_html, who_says
from scrutiny.ingest.records import Document

ANSWER_EVERYTHING = -1e9
REFUSE_EVERYTHING = 1e9
QUESTION = "What did the inspection find about financial investigation and suspicious activity reports?"
FILTERS = (None, None, None, None)  # kinds, forces, documents, passages as the page sends them unset


@pytest.fixture
def app(fake_corpus_service, tmp_path):
    fake_corpus_service.settings.answering.refusal_threshold = ANSWER_EVERYTHING
    return ScrutinyApp(fake_corpus_service, export_folder=tmp_path / "exports")


def _skipped(value) -> bool:
    """A Gradio update that leaves the component as it was."""
    return isinstance(value, dict) and value.get("__type__") == "update" and "value" not in value \
        and "choices" not in value and "visible" not in value


def _asked(app, question=QUESTION, history=None, conversation=None, forces=None):
    history, pending, _, _ = app.echo(question, history or [])
    outputs = app.ask(pending, history, conversation or Conversation(), None, forces, None, None)
    return outputs


def _document(kind, title="A document", forces=("Cleveland Police",), publisher="") -> Document:
    return Document(id="ab" * 32, source="x.pdf", title=title, kind=kind, publisher=publisher, date="2022-12-07",
                    forces=list(forces), pages=["text"])


def _citation(kind, section="", page=13, page_label="", title="A document") -> Citation:
    return Citation(n=1, doc_id="ab" * 32, source="x.pdf", title=title, kind=kind, date="2022-12-07", page=page,
                    section=section, quote="The quote.", passage="The quote.", score=1.0, page_label=page_label)


# ---------------------------------------------------------------- who says it

@pytest.mark.parametrize("kind, section, title, publisher, expected", [
    ("inspection_report", "Cleveland Police > Resources and skills", "An inspection", "HMICFRS",
     "HMICFRS report · Cleveland Police section · p.13 (printed 11)"),
    ("inspection_report", "Summary", "An inspection", "HMICFRS", "HMICFRS report · p.13 (printed 11)"),
    ("pcc_response", "Response", "Response by the PCC for Cleveland", "", "Cleveland PCC response · p.13 (printed 11)"),
    ("news", "", "Report identifies need", "Police Professional", "news: Police Professional · p.13 (printed 11)"),
])
def test_each_cited_sentence_says_who_says_it_and_where(kind, section, title, publisher, expected):
    citation = _citation(kind, section, page_label="11", title=title)
    assert who_says(citation, _document(kind, title, publisher=publisher)) == expected


def test_the_chat_answer_shows_the_speaker_under_each_sentence_and_links_each_marker(app):
    _, pending, _, _ = app.echo("What is the SAR backlog in Cleveland?", [])
    result = app.answer(pending, None)
    answer = result.conversation.answer
    assert answer.citations
    reply = result.reply["content"]
    documents = app.service.data().documents
    for citation in answer.citations:
        assert f"(#cite-0-{citation.n})" in reply
        assert who_says(citation, documents[citation.doc_id]).replace(" · ", " · ") in reply.replace("\\", "")


def test_markdown_in_a_speaker_is_escaped():
    citation = _citation("news")
    reply = chat_reply(Answer("q", "The quote. [1]", citations=[citation]), None, 0, {1: "news: *bold* <b>x</b>"})
    assert "<b>" not in reply and "\\*bold\\*" in reply


# ---------------------------------------------------------------- bug 3: an error keeps the evidence

def test_a_question_too_long_is_not_asked_and_nothing_is_lost(app):
    outputs = _asked(app)
    conversation = outputs[1]
    limit = app.settings.answering.max_question_chars
    long_question = "Why? " * 3000  # 15,000 characters
    chat, pending, box, notice = app.echo(long_question, outputs[0])
    assert _skipped(chat) and pending == "" and _skipped(box)
    assert f"{len(long_question.strip()):,} characters" in notice and f"{limit:,}" in notice
    # the second step has nothing to ask and changes nothing
    assert all(_skipped(value) for value in app.ask(pending, outputs[0], conversation))


def test_a_question_that_fails_keeps_the_earlier_answer_and_returns_to_the_box(app):
    first = _asked(app)
    history, conversation = first[0], first[1]
    echoed, pending, _, _ = app.echo("What about Atlantis?", history)
    outputs = app.ask(pending, echoed, conversation, None, ["Atlantis Constabulary"], None, None)
    chat, state, sources, picker, page, caption, export_md, export_docx, box, notice, saved = outputs
    assert chat == history  # the echoed question left the chat
    assert all(_skipped(value) for value in (state, sources, picker, page, caption, export_md, export_docx, saved))
    assert box == "What about Atlantis?" and "Atlantis" in notice


# ---------------------------------------------------------------- one click to the page

def test_a_marker_opens_its_answers_sources_and_page(app, corpus_dir):
    app.settings.app.source_folders = [corpus_dir]
    first = _asked(app, "What is the SAR backlog in Cleveland?")
    second = _asked(app, QUESTION, first[0], first[1])
    conversation = second[1]
    earlier = conversation.turns[0].answer
    sources, picker, page, caption = app.open_citation(f"0:{earlier.citations[-1].n}:12345", conversation)
    assert f'data-cite="0:{earlier.citations[-1].n}"' in sources
    assert picker["value"] == f"0:{earlier.citations[-1].n}"
    assert 'class="page-view"' in page["value"] and ("page-highlight" in page["value"] or "<mark>" in page["value"])
    assert f"[{earlier.citations[-1].n}]" in caption["value"].replace("\\", "")
    assert all(_skipped(v) for v in app.open_citation("9:1:1", conversation))  # no such answer


def test_a_pdf_page_outlines_the_quote_where_the_browser_can_scroll_to_it(fake_corpus_service, corpus_dir):
    from scrutiny.app.web.pages import page_view
    from scrutiny.ingest.text import split_sentences

    document = next(d for d in fake_corpus_service.data().documents.values()
                    if d.source.endswith(".pdf") and d.kind == "inspection_report")
    quote = max(split_sentences(document.page_text(13)), key=len)
    view = page_view(document, 13, quote, [corpus_dir])
    assert view.boxes
    shown = page_html(view, "k1")
    assert shown.count('class="page-highlight"') == len(view.boxes) and "data:image/png;base64," in shown
    top = min(y0 for _, y0, _, _ in view.boxes) / view.image.height * 100
    assert f"top:{top:.2f}%" in shown


# ---------------------------------------------------------------- bug 2: the Draft tab's reports stay current

def test_removing_a_report_takes_it_out_of_the_draft_list_and_adding_it_puts_it_back(app, corpus_dir, tmp_path):
    import shutil

    report = next(row for row in app.manifest_rows() if row["kind"] == "inspection_report")
    assert report["doc_id"] in [value for _, value in app.refresh()[5]["choices"]]
    removed = app.remove(report["doc_id"])
    draft_list = removed[1 + 5]
    assert report["doc_id"] not in [value for _, value in draft_list["choices"]]
    assert draft_list["value"] != report["doc_id"]
    copy = tmp_path / report["source"]
    shutil.copyfile(corpus_dir / report["source"], copy)
    uploaded = app.upload([str(copy)])
    assert report["doc_id"] in [value for _, value in uploaded[2 + 5]["choices"]]


# ---------------------------------------------------------------- bug 6: corrections in the Documents tab

def test_a_document_filed_as_other_can_be_corrected_to_a_report_and_drafted(app):
    news = next(row for row in app.manifest_rows() if row["kind"] == "news")
    assert news["doc_id"] not in [value for _, value in report_choices(app.service)]
    message, table, *rest = app.correct(news["doc_id"], "inspection_report", "2022-12-08", ["Cleveland Police"])
    assert message.startswith("Corrected")
    row = next(r for r in table if r[6] == news["source"])
    assert row[1] == "Inspection report ✎" and row[3] == "Cleveland Police ✎"
    assert news["doc_id"] in [value for _, value in rest[4]["choices"]]  # the Draft tab's list
    message, *_ = app.correct(news["doc_id"], "inspection_report", "yesterday", [])
    assert message.startswith("Not corrected") and "YYYY-MM-DD" in message


def test_the_documents_table_has_forces_and_no_ids(app):
    row = app.documents_table()[0]
    assert len(row) == 7 and not any(str(cell) == app.manifest_rows()[0]["doc_id"][:12] for cell in row)
    assert str(app.service.store.directory) not in app.index_status()
    assert app.manifest_rows()[0]["doc_id"][:12] in app.index_details()


# ---------------------------------------------------------------- refusals, examples, chips, regenerate, edit

def test_a_refusal_about_a_force_nothing_covers_says_so_and_what_is_indexed(app):
    app.service.settings.answering.refusal_threshold = REFUSE_EVERYTHING
    outputs = _asked(app, "What did HMICFRS find about Kent Police's SAR backlog?")
    reply = outputs[0][-1]["content"]
    assert "No indexed document covers Kent Police" in reply and "Cleveland Police" in reply
    assert "Documents" in reply


def test_the_forces_covered_follow_the_index_after_an_upload(app, tmp_path):
    assert "Kent Police" not in app.covered_forces()
    report = tmp_path / "kent-peel-2023.txt"
    report.write_text("Kent Police PEEL inspection 2023\n\n" + "Kent Police was graded good at investigating crime. " * 20,
                      encoding="utf-8")
    app.upload([str(report)])
    assert "Kent Police" in app.covered_forces()


def test_example_questions_come_from_the_indexed_reports(app):
    examples = app.example_questions()
    assert examples and all(question.endswith("?") for question in examples)
    indexed = {force for row in app.manifest_rows() for force in row["forces"]}
    assert any(any(force in question for force in indexed) for question in examples)
    assert any(force.split()[0] in question for question in examples for force in indexed)


def test_active_filters_show_as_chips(app):
    assert "every indexed document" in app.chips(None, None, None)
    chips = app.chips(["pcc_response"], ["Cleveland Police"], None)
    assert "Kind: PCC response" in chips and "Force: Cleveland Police" in chips


def test_ask_again_replaces_the_last_answer_and_edit_takes_the_question_back(app):
    first = _asked(app, "What is the SAR backlog in Cleveland?")
    second = _asked(app, "and Durham?", first[0], first[1])
    again = app.regenerate(second[0], second[1], None, None, None, None)
    assert len(again[0]) == 4 and len(again[1].turns) == 2
    assert again[1].turns[-1].asked == second[1].turns[-1].asked  # the follow-up read the same way
    history, conversation, box = app.edit_last(again[0], again[1])
    assert len(history) == 2 and len(conversation.turns) == 1 and box == "and Durham?"


# ---------------------------------------------------------------- saved conversations

def test_a_conversation_is_saved_and_reopens_with_its_sources(app, tmp_path):
    from docx import Document as WordDocument

    first = _asked(app, "What is the SAR backlog in Cleveland?")
    second = _asked(app, QUESTION, first[0], first[1])
    saved = app.saved_conversations()
    assert len(saved) == 1 and second[1].id == saved[0][1] and "2 questions" in saved[0][0]
    fresh = ScrutinyApp(app.service, export_folder=tmp_path / "other")  # as after a restart
    history, conversation, sources, picker, page, caption, md, docx, status = fresh.open_conversation(saved[0][1])
    assert [m["role"] for m in history] == ["user", "assistant"] * 2
    assert history[-1]["content"] == second[0][-1]["content"]
    last = conversation.turns[-1].answer
    assert [c.quote for c in last.citations] == [c.quote for c in second[1].answer.citations]
    assert all(f"[{c.n}]" in sources for c in last.citations) and picker["value"] == f"1:{last.citations[0].n}"
    assert "Opened" in status
    # the earlier answer kept its own sources
    assert fresh.open_citation(f"0:{conversation.turns[0].answer.citations[0].n}:1", conversation)[0] != sources
    # rename, export with footnotes, delete
    choices, _, message = fresh.rename_conversation(saved[0][1], "  Backlogs   in the north east ")
    assert "Backlogs in the north east" in choices["choices"][0][0] and message.startswith("Renamed")
    word = fresh.conversation_file(saved[0][1])["value"]
    document = WordDocument(word)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Backlogs in the north east" in text and QUESTION in text
    footnotes = document.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes").blob.decode()
    assert all(c.quote[:40] in footnotes for c in last.citations)
    fresh.delete_conversation(saved[0][1])
    assert fresh.saved_conversations() == []


def test_each_user_has_their_own_conversations(app):
    class Request:
        username = "alice"

    _asked(app)
    assert app.saved_conversations() and app.saved_conversations(Request()) == []
    assert "Not opened" in app.open_conversation("../../etc/passwd")[-1]  # an id is never a path


# ---------------------------------------------------------------- feedback that becomes tests

def test_feedback_is_stored_and_exports_as_eval_cases(app, tmp_path):
    from scrutiny.app.cli import cli
    from scrutiny.eval.runner import load_cases, run_eval

    first = _asked(app, "What is the SAR backlog in Cleveland?")
    second = _asked(app, QUESTION, first[0], first[1])
    conversation = second[1]
    status, rating = app.rate(conversation, 1, True)
    assert "saved" in status
    status, note, rating = app.add_note("  right page, right number ", rating)
    assert status.startswith("Note saved") and note == ""
    app.rate(conversation, 3, False)
    app.add_note("it quoted the wrong force", app.rate(conversation, 3, "Dislike")[1])
    lines = [json.loads(line) for line in (app.user_folder() / "feedback.jsonl").read_text().splitlines()]
    assert {"question", "filters", "answer", "rating", "note"} <= set(lines[0])
    assert lines[0]["answer"]["citations"]

    out = tmp_path / "cases.jsonl"
    result = CliRunner().invoke(cli, ["feedback", "export", "--out", str(out), "--data", str(app.data_folder)])
    assert result.exit_code == 0, result.output
    cases = load_cases(out)
    assert len(cases) == 1 and cases[0]["answerable"] and cases[0]["note"] == "right page, right number"
    assert cases[0]["question"] == conversation.turns[0].asked
    review = load_cases(tmp_path / "cases.review.jsonl")
    assert len(review) == 1 and "to-review" in review[0]["tags"] and review[0]["note"] == "it quoted the wrong force"
    report = run_eval(app.service, cases)  # the exported case runs in the eval runner
    assert report["metrics"]["cases"] == 1 and report["metrics"]["evidence_cited"] == 1.0


def test_feedback_export_without_a_data_folder_is_a_one_line_error(tmp_path):
    from scrutiny.app.cli import cli

    result = CliRunner().invoke(cli, ["feedback", "export", "--out", str(tmp_path / "c.jsonl"),
                                      "--data", str(tmp_path / "none")])
    assert result.exit_code == 2 and "no app data folder" in result.output


def test_an_example_question_is_asked_like_a_typed_one(app):
    question = app.example_questions()[0]
    history, pending, box, notice = app.use_example([question], [])
    assert pending == question and history[-1] == {"role": "user", "content": escape_markdown(question)}
    assert app.ask(pending, history, Conversation())[0][-1]["role"] == "assistant"


def test_the_length_counter_shows_the_limit_and_warns_past_it():
    from scrutiny.app.web.ask_tab import counter_html

    assert "0 / 2,000 characters" in counter_html(2000)
    assert "too long" in counter_html(2000, 15000) and 'class="over"' in counter_html(2000, 15000)
