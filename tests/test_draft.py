"""PCC response drafts: content against the real report, citations, files, bad input, the app tab."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from scrutiny.app.cli import cli
from scrutiny.app.drafting.builder import DraftBuilder
from scrutiny.app.drafting.model import RESPONSE_PLACEHOLDER
from scrutiny.app.drafting.writers import DocxWriter
from scrutiny.ingest.text import quote_on_page, split_sentences

REPORT = "hmicfrs-peel-2021-22-north-east-soc-inspection.pdf"
BOARD_PAPER = "cambridgeshire-constabulary-board-paper-rocu-inspection-2021.pdf"
CLEVELAND_RESPONSE = "cleveland-pcc-response-north-east-soc-inspection.docx"
FAKE_ENV = {"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"}
MARKER = re.compile(r"\[\d+\]")
FACTUAL_STYLES = ("body", "bullet", "quote")


def _service(index: Path):
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    return Scrutiny(Settings(index=index, embedding_model="hashing-fake"))


@pytest.fixture(scope="module")
def no_response_index(tmp_path_factory) -> Path:
    """The corpus without Cleveland's published response, so nothing can be copied from it."""
    from tests.conftest import CORPUS

    folder = tmp_path_factory.mktemp("draft-corpus")
    for path in CORPUS.iterdir():
        if path.name != CLEVELAND_RESPONSE:
            shutil.copy(path, folder / path.name)
    index = tmp_path_factory.mktemp("draft-noresp") / "index"
    report = _service(index).ingest([folder], show_progress=False)
    assert report.ok, report.failed
    return index


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=FAKE_ENV, catch_exceptions=False)


def draft_json(index: Path, report: str, force: str) -> dict:
    result = run("draft", report, "--force", force, "--index", str(index), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def all_text(payload: dict) -> str:
    return "\n".join(p["text"] for s in payload["sections"] for p in s["paragraphs"])


def assert_every_fact_cited(service, payload: dict) -> None:
    """Each sentence of a factual paragraph carries a marker, and each citation's quote is on its page."""
    documents = service.data().documents
    numbers = {c["n"] for c in payload["citations"]}
    for section in payload["sections"]:
        for paragraph in section["paragraphs"]:
            if paragraph["style"] not in FACTUAL_STYLES:
                continue
            for sentence in split_sentences(paragraph["text"]):
                if not MARKER.search(paragraph["text"]):
                    pytest.fail(f"uncited sentence in {section['title']}: {sentence}")
            for marker in MARKER.findall(paragraph["text"]):
                assert int(marker.strip("[]")) in numbers
    for citation in payload["citations"]:
        assert quote_on_page(documents[citation["doc_id"]], citation["page"], citation["quote"]), citation


# -- the north-east report for Cleveland ------------------------------------------------------

def test_cleveland_draft_from_the_report_alone(no_response_index):
    payload = draft_json(no_response_index, REPORT, "cleveland")
    text = all_text(payload)
    assert payload["force"] == "Cleveland Police"
    details = payload["inspection"]
    assert details["published"] == "December 2022"
    assert details["inspection_type"] == "regional"
    assert details["force_named"] is True
    grades = {g["subject"]: g["grade"] for g in payload["grades"]}
    assert grades == {"North East ROCU (NERSOU)": "adequate", "Cleveland Police": "adequate",
                      "Durham Constabulary": "outstanding", "Northumbria Police": "good"}
    # each grade as the report states it, in the report's own names for the bodies ("NERSOU is adequate ...")
    for grade in payload["grades"]:
        assert grade["text"].split(" is ")[-1] in text
    assert "NERSOU is adequate at tackling serious and organised crime [" in text
    # the damning facts under each area for improvement, the region's renaming and its most serious finding
    assert "a backlog of over 20,000 SARs" in text
    assert "NERSOU has been renamed the North East ROCU (NEROCU)" in text
    assert "unacceptable risk where undercover officers could be recognised" in text
    assert "investigative opportunities are being missed" in text
    # the 2018 area for improvement and the progress on it; the praise for Cleveland in Northumbria's section
    assert "In our 2018 PEEL inspection of Cleveland Police" in text and "We were impressed" in text
    assert "such as Cleveland Police and West Yorkshire Police" in text
    # a PCC comment to edit, built from the grade and the findings, every fact cited
    pcc = next(s for s in payload["sections"] if s["title"] == "PCC response to inspection")
    voice = [p for p in pcc["paragraphs"] if p["style"] == "body"]
    assert voice[0]["text"].startswith("The PCC welcomes") and any("two areas for improvement" in p["text"]
                                                                   for p in voice)
    assert all(MARKER.search(p["text"]) for p in voice)
    assert any(p["style"] == "note" and p["text"].startswith("Draft text") for p in pcc["paragraphs"])
    items = payload["items"]
    assert [(i["finding"]["kind"], i["finding"]["subject"], i["for_action"]) for i in items] == [
        ("area_for_improvement", "Cleveland Police", True),
        ("area_for_improvement", "Cleveland Police", True),
        ("area_for_improvement", "North East ROCU (NERSOU)", True),
    ]
    assert "financial investigation capacity" in items[0]["finding"]["text"]
    assert "neighbourhood level" in items[1]["finding"]["text"]
    assert "single dedicated chief officer" in items[2]["finding"]["text"]
    # Northumbria's area for improvement is summarised but not for Cleveland to answer
    summary = next(s for s in payload["sections"] if s["title"].startswith("Executive summary"))
    summary_text = "\n".join(p["text"] for p in summary["paragraphs"])
    assert "sufficient resources in specialist areas" in summary_text
    assert any(p["text"] == "Other bodies inspected: Northumbria Police" for p in summary["paragraphs"])
    # with no response indexed, every answer is a clear placeholder
    assert all(not i["response"] and i["response_placeholder"] == RESPONSE_PLACEHOLDER for i in items)
    assert text.count(RESPONSE_PLACEHOLDER) == len(items)
    assert "PCC" in text and any(n.startswith("no indexed force or PCC response") for n in payload["notes"])
    assert_every_fact_cited(_service(no_response_index), payload)


def test_existing_pcc_response_fills_in_force_response(full_index):
    payload = draft_json(full_index, REPORT, "Cleveland Police")
    responses = {i["finding"]["text"][:40]: i for i in payload["items"]}
    citations = {c["n"]: c for c in payload["citations"]}
    for item in payload["items"]:
        assert item["response"], f"no response found for {item['finding']['text']}"
        for paragraph in item["response"]:
            assert citations[paragraph["citation"]]["source"] == CLEVELAND_RESPONSE
    financial = next(i for key, i in responses.items() if "financial" in key)
    assert "SARs" in " ".join(p["text"] for p in financial["response"])
    regional = next(i for i in payload["items"] if "chief officer" in i["finding"]["text"])
    assert "3 Chief Constables" in " ".join(p["text"] for p in regional["response"])
    # the restated findings themselves are never offered as the response
    for item in payload["items"]:
        for paragraph in item["response"]:
            assert "should adopt a more consistent approach" not in paragraph["text"]
    assert_every_fact_cited(_service(full_index), payload)


def _marker(text: str) -> int:
    """The citation number of the first [n] in a paragraph."""
    found = MARKER.search(text)
    assert found is not None, text
    return int(found.group(0).strip("[]"))


def test_an_indexed_response_fills_the_publication_day_due_date_and_pcc_comment(full_index):
    payload = draft_json(full_index, REPORT, "Cleveland Police")
    citations = {c["n"]: c for c in payload["citations"]}
    details = payload["inspection"]
    # the report gives "December 2022"; the indexed response the day, so the 56-day deadline is computed
    assert details["published"] == "7 December 2022"
    assert details["response_due"].startswith("1 February 2023")
    fields = {p["label"]: p["text"] for s in payload["sections"] for p in s["paragraphs"] if p["style"] == "field"}
    published_n = _marker(fields["Date inspection published"])
    assert citations[published_n]["source"] == CLEVELAND_RESPONSE
    assert "Cleveland Specific" in fields["Type of inspection"]  # the form's own options
    pcc = next(s for s in payload["sections"] if s["title"] == "PCC response to inspection")
    comment = [p for p in pcc["paragraphs"] if p["style"] == "body"]
    assert comment and comment[0]["text"].startswith("The PCC welcomes")
    for paragraph in comment:
        assert citations[_marker(paragraph["text"])]["source"] == CLEVELAND_RESPONSE
    actions = next(s for s in payload["sections"] if s["title"].startswith("Force response"))
    assert any(p["text"].startswith("All new reports into the Force follow a specific process")
               for p in actions["paragraphs"])
    # the response's only date is the inspection's: it is not shown as the response's own
    notes = [p["text"] for s in payload["sections"] for p in s["paragraphs"] if p["style"] == "note"]
    assert notes and not any("7 December 2022" in note for note in notes if CLEVELAND_RESPONSE in note)
    assert_every_fact_cited(_service(full_index), payload)


def test_durham_draft_says_its_grade_comes_from_its_own_peel_inspection_and_quotes_criticism(no_response_index):
    text = all_text(draft_json(no_response_index, REPORT, "Durham"))
    assert "Durham Constabulary is outstanding at tackling serious and organised crime [" in text
    assert "inspected under the previous PEEL SOC inspection programme" in text
    assert "threat scores were exaggerated" in text  # p7, in the ROCU's section


def test_northumbria_draft_quotes_each_struggling_team(no_response_index):
    payload = draft_json(no_response_index, REPORT, "Northumbria")
    item = next(i for i in payload["items"] if i["finding"]["subject"] == "Northumbria Police")
    section = next(s for s in payload["sections"] if s["title"].startswith("Force response"))
    text = "\n".join(p["text"] for p in section["paragraphs"])
    assert item["finding"]["text"] in text or "sufficient resources in specialist areas" in text
    assert "doesn't routinely screen other SARs" in text and "notably understaffed" in text
    assert "wasn't able to cope" in text


def test_every_quote_of_every_force_draft_is_on_its_page(full_index, no_response_index):
    from scrutiny.app.drafting.builder import draftable_forces
    from scrutiny.app.drafting.model import DRAFTABLE_KINDS

    for index in (full_index, no_response_index):
        service = _service(index)
        documents = service.data().documents
        drafted = 0
        for document in documents.values():
            if document.kind not in DRAFTABLE_KINDS:
                continue
            for force in draftable_forces(document):
                draft = DraftBuilder(service).build(document.id, force)
                for citation in draft.citations:
                    assert quote_on_page(documents[citation.doc_id], citation.page, citation.quote), (force, citation)
                markdown = draft.to_markdown()
                assert "““" not in markdown and "””" not in markdown, force
                assert_every_fact_cited(service, draft.to_dict())
                drafted += 1
        assert drafted >= 6


def test_a_response_to_another_force_is_never_used(full_index):
    payload = draft_json(full_index, REPORT, "Northumbria")
    items = payload["items"]
    assert [i["finding"]["subject"] for i in items] == ["Northumbria Police", "North East ROCU (NERSOU)"]
    # Cleveland's response restates the regional finding, but it is not Northumbria's response
    assert all(not i["response"] for i in items)


# -- the Cambridgeshire board paper -----------------------------------------------------------

def test_board_paper_draft_lists_six_recommendations_and_the_cause_of_concern(full_index):
    payload = draft_json(full_index, BOARD_PAPER, "Cambridgeshire")
    items = payload["items"]
    recommendations = [i for i in items if i["finding"]["kind"] == "recommendation"]
    concerns = [i for i in items if i["finding"]["kind"] == "cause_of_concern"]
    assert sorted(r["finding"]["deadline"] for r in recommendations) == sorted([
        "March 2021", "February 2023", "February 2022", "February 2022", "August 2021", "February 2022",
    ])
    assert len(concerns) == 1 and concerns[0]["finding"]["deadline"] == "February 2022"
    acting = [i["finding"]["addressee"] for i in items if i["for_action"]]
    assert len(acting) == 2 and all("each region" in a for a in acting)
    text = all_text(payload)
    for item in items:
        assert f"{item['finding']['deadline']}" in text
    assert payload["inspection"]["published"] == "10 February 2021"
    assert payload["inspection"]["response_due"].startswith("7 April 2021")
    # the board paper's own "Force Response:" paragraphs answer each item
    assert all(i["response"] and i["response"][0]["text"].startswith("Force Response") for i in items)
    assert_every_fact_cited(_service(full_index), payload)


# -- files ----------------------------------------------------------------------------------

def test_docx_has_real_footnotes_and_the_template_sections(no_response_index, tmp_path):
    import docx

    out = tmp_path / "draft.docx"
    result = run("draft", REPORT, "--force", "cleveland", "--index", str(no_response_index), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs
                if p.style.name.startswith("Heading 2")]  # type: ignore[union-attr]  # python-docx: the style getter never returns None
    assert headings == ["INSPECTION DETAILS", "EXECUTIVE SUMMARY OF REPORT", "PROGRESS ON EARLIER FINDINGS",
                        "CLEVELAND POLICE ELSEWHERE IN THE REPORT",
                        "FORCE RESPONSE TO RECOMMENDATIONS AND AREAS FOR IMPROVEMENT", "PCC RESPONSE TO INSPECTION"]
    with zipfile.ZipFile(out) as package:
        footnotes = package.read("word/footnotes.xml").decode()
        body = package.read("word/document.xml").decode()
        types = package.read("[Content_Types].xml").decode()
    references = re.findall(r'<w:footnoteReference w:id="(\d+)"/>', body)
    notes = re.findall(r'<w:footnote w:id="(\d+)">', footnotes)
    assert references and sorted(references, key=int) == sorted(notes, key=int)
    assert "page 12" in footnotes and "wordprocessingml.footnotes+xml" in types
    assert not list(tmp_path.glob(".*.part")), "no temporary file is left behind"


def test_markdown_and_json_outputs(no_response_index, tmp_path):
    out = tmp_path / "draft.md"
    result = run("draft", REPORT, "--force", "cleveland", "--index", str(no_response_index), "--out", str(out))
    assert result.exit_code == 0, result.output
    markdown = out.read_text()
    assert markdown.startswith("# Response by the PCC to HMICFRS inspections of Cleveland Police")
    assert "## Sources" in markdown and "## Inspection details" in markdown
    sources = re.findall(r"^(\d+)\. .+, page \d+: “.+”$", markdown, re.MULTILINE)
    assert sources and [int(n) for n in sources] == list(range(1, len(sources) + 1))
    result = run("draft", REPORT, "--force", "cleveland", "--index", str(no_response_index), "--json",
                 "--out", str(tmp_path / "again.md"))
    payload = json.loads(result.output)
    assert payload["out"] == str(tmp_path / "again.md") and (tmp_path / "again.md").is_file()


def test_docx_opens_in_libreoffice(no_response_index, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    from pypdf import PdfReader

    out = tmp_path / "draft.docx"
    assert run("draft", REPORT, "--force", "cleveland", "--index", str(no_response_index),
               "--out", str(out)).exit_code == 0
    converted = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    pdf = tmp_path / "draft.pdf"
    assert pdf.is_file(), converted.stderr
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    text = " ".join(text.split())
    assert "INSPECTION DETAILS" in text and "Cleveland Police is adequate at tackling" in text
    # a footnote, laid out at the foot of the page with its quote
    assert "page 5 (printed 3): “The north-east region consists of three forces" in text
    # a sentence that quotes its source word for word is not quoted again in its footnote
    assert "page 12 (printed 10) (wording as in the source)" in text
    assert "[Force to provide update]" in text


# -- bad input (one line, exit 2, nothing written) ----------------------------------------------

def _one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("scrutiny: error: "), result.output
    return lines[0]


def test_a_document_that_is_not_a_report_is_refused(full_index, tmp_path):
    out = tmp_path / "draft.docx"
    line = _one_line_error(run("draft", CLEVELAND_RESPONSE, "--force", "cleveland", "--index", str(full_index),
                               "--out", str(out)))
    assert "pcc response, not an inspection report or board paper" in line
    assert REPORT in line and BOARD_PAPER in line
    assert not out.exists()
    line = _one_line_error(run("draft", "no-such-report.pdf", "--force", "cleveland", "--index", str(full_index)))
    assert "no indexed document matches" in line


def test_a_force_the_report_never_mentions_is_refused_with_the_ones_it_does(full_index):
    line = _one_line_error(run("draft", BOARD_PAPER, "--force", "Kent", "--index", str(full_index)))
    assert "never mentions Kent Police" in line
    assert "Cambridgeshire Constabulary" in line and "Bedfordshire Police" in line
    line = _one_line_error(run("draft", BOARD_PAPER, "--force", "Atlantis", "--index", str(full_index)))
    assert "unknown force 'Atlantis'" in line


def test_a_force_named_only_in_passing_is_refused_with_the_forces_that_have_findings(full_index, tmp_path):
    # the north-east report names Kent only in its map of the regions: no grade, no finding
    out = tmp_path / "draft.docx"
    line = _one_line_error(run("draft", REPORT, "--force", "Kent", "--index", str(full_index), "--out", str(out)))
    assert "names Kent Police but has no graded section or findings for it" in line
    for force in ("Cleveland Police", "Durham Constabulary", "Northumbria Police"):
        assert force in line
    assert "Essex Police" not in line  # also only on the map
    assert not out.exists()


def test_draftable_forces_follow_grades_findings_and_national_recommendations(full_index):
    from scrutiny.app.drafting.builder import draftable_forces

    documents = {d.source: d for d in _service(full_index).data().documents.values()}
    regional = draftable_forces(documents[REPORT])
    assert set(regional) == {"North East ROCU (NERSOU)", "Cleveland Police", "Durham Constabulary",
                             "Northumbria Police"}
    # the board paper's recommendations ask every region's chief officers to act: each force it names may respond
    assert set(draftable_forces(documents[BOARD_PAPER])) >= {"Cambridgeshire Constabulary", "Bedfordshire Police"}


def test_a_board_paper_draft_says_it_comes_from_a_board_paper(full_index):
    payload = draft_json(full_index, BOARD_PAPER, "Cambridgeshire")
    fields = {p["label"]: p["text"] for s in payload["sections"] for p in s["paragraphs"] if p["style"] == "field"}
    assert fields["Drafted from"].startswith("Board paper “")
    assert "not the HMICFRS report itself" in fields["Drafted from"]
    notes = [p["text"] for s in payload["sections"] for p in s["paragraphs"] if p["style"] == "note"]
    assert notes and all(n.startswith("Drawn from the board paper “") for n in notes if n.startswith("Drawn from"))
    result = run("draft", BOARD_PAPER, "--force", "Cambridgeshire", "--index", str(full_index))
    assert "from the board paper “" in result.output.splitlines()[2]


def test_an_output_path_that_cannot_be_written(full_index, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for out, reason in [
        (tmp_path / "missing" / "draft.docx", "does not exist"),
        (blocker / "draft.docx", "does not exist"),
        (tmp_path, "it is a folder"),
        (tmp_path / "draft.pdf", "written as .docx or .md"),
    ]:
        line = _one_line_error(run("draft", REPORT, "--force", "cleveland", "--index", str(full_index),
                                   "--out", str(out)))
        assert reason in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_failure_while_writing_leaves_nothing_behind(full_index, tmp_path, monkeypatch):
    def broken(self, draft, path):
        Path(path).write_bytes(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(DocxWriter, "write", broken)
    out = tmp_path / "draft.docx"
    line = _one_line_error(run("draft", REPORT, "--force", "cleveland", "--index", str(full_index),
                               "--out", str(out)))
    assert "No space left on device" in line
    assert list(tmp_path.iterdir()) == []


def test_llm_option_says_it_is_not_supported_yet(full_index):
    line = _one_line_error(run("draft", REPORT, "--force", "cleveland", "--index", str(full_index),
                               "--llm", "ollama:llama3"))
    assert "not supported for drafts yet" in line


def test_missing_index_is_a_one_line_error(tmp_path):
    line = _one_line_error(run("draft", REPORT, "--force", "cleveland", "--index", str(tmp_path / "none")))
    assert "no index" in line


# -- the findings command ----------------------------------------------------------------------

def test_findings_command_lists_findings_for_a_force(full_index):
    result = run("findings", REPORT, "--force", "cleveland", "--index", str(full_index), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    kinds = [(f["kind"], f["subject"]) for f in payload["findings"]]
    assert ("graded_judgement", "Cleveland Police") in kinds
    assert kinds.count(("area_for_improvement", "Cleveland Police")) == 2
    assert ("area_for_improvement", "North East ROCU (NERSOU)") in kinds
    assert not any(subject == "Northumbria Police" for _, subject in kinds)
    result = run("findings", BOARD_PAPER, "--index", str(full_index))
    assert result.exit_code == 0
    assert result.output.count("recommendation") >= 6 and "deadline: March 2021" in result.output
    _one_line_error(run("findings", CLEVELAND_RESPONSE, "--index", str(full_index)))


# -- the app tab ---------------------------------------------------------------------------

def test_draft_tab_builds_a_preview_and_a_docx(full_index):
    from scrutiny.app.web.draft_tab import force_choices, make_draft, report_choices

    service = _service(full_index)
    reports = report_choices(service)
    assert {label.split(" (")[0] for label, _ in reports} >= {"An inspection of the north-east regional response "
                                                              "to serious and organised crime"}
    doc_id = next(value for label, value in reports if REPORT in label)
    forces = force_choices(service, doc_id)
    # the forces graded in the report come first, then its regional unit, then forces only mentioned
    assert forces == ["Cleveland Police", "Durham Constabulary", "Northumbria Police", "North East ROCU (NERSOU)"]
    status, preview, path = make_draft(service, doc_id, "Cleveland Police")
    assert "Cleveland Police" in status and preview.startswith("# Response by the PCC")
    assert path and Path(path).suffix == ".docx" and zipfile.is_zipfile(path)
    status, preview, path = make_draft(service, doc_id, "Atlantis")
    assert status.startswith("**Cannot draft:**") and path is None


def test_draft_tab_through_gradio_client(full_index):
    from scrutiny.app.web.draft_tab import build_draft_tab
    from scrutiny.tests.one_tab import tab_client

    service = _service(full_index)
    with tab_client("Draft a response", lambda: build_draft_tab(service)) as client:
        doc_id = next(d["doc_id"] for d in service.documents() if d["source"] == BOARD_PAPER)
        status, preview, download = client.predict(doc_id, "Cambridgeshire Constabulary", api_name="/draft")
        assert "Cambridgeshire Constabulary" in status
        assert "By March 2021, the Home Office should consider" in preview
        assert zipfile.is_zipfile(download)


# -- real model ----------------------------------------------------------------------------

@pytest.mark.slow
def test_real_model_draft_prefills_cleveland_response(real_service):
    draft = DraftBuilder(real_service).build(REPORT, "cleveland")
    assert len(draft.items) == 3 and all(item.response for item in draft.items)
    sources = {c.source for item in draft.items for c in draft.citations if c.n in {n for _, n in item.response}}
    assert sources == {CLEVELAND_RESPONSE}


def test_a_force_response_laid_out_as_a_table_fills_in_its_row(tmp_path):
    """Any force's own response document counts, whatever its layout: here a Word table."""
    import docx

    from tests.conftest import CORPUS

    response = docx.Document()
    response.add_heading("Cleveland Police response to the HMICFRS inspection of serious and organised crime", 1)
    response.add_paragraph("Date: 20 January 2023")
    table = response.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Area for improvement", "Progress"
    table.rows[1].cells[0].text = "The force doesn't have enough financial investigation capacity to meet demand."
    answer = "Two more financial investigators have joined and a triage process now clears new reports."
    table.rows[1].cells[1].text = answer
    folder = tmp_path / "docs"
    folder.mkdir()
    response.save(folder / "cleveland-force-response.docx")
    shutil.copy(CORPUS / REPORT, folder / REPORT)
    index = tmp_path / "index"
    assert _service(index).ingest([folder], show_progress=False).ok
    payload = draft_json(index, REPORT, "cleveland")
    financial, neighbourhood, regional = payload["items"]
    assert [p["text"] for p in financial["response"]] == [answer]
    assert "cleveland-force-response.docx" in financial["response_source"]
    assert not neighbourhood["response"] and not regional["response"]
    assert_every_fact_cited(_service(index), payload)


def test_document_text_cannot_add_links_images_or_html_to_the_markdown():
    from scrutiny.app.drafting.model import inert_markdown

    assert inert_markdown("see [the site](http://example.com) and ![x](y.png) <script>") == (
        "see [the site]\\(http://example.com) and !\\[x]\\(y.png) &lt;script>")
    assert inert_markdown("Avon & Somerset") == "Avon & Somerset"  # the saved .md stays readable as text
    assert inert_markdown("Recommendation 3 [2]") == "Recommendation 3 [2]"  # markers are the draft's own
