"""The findings register: every action finding of every indexed report, its response, Excel and CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from scrutiny.ingest.text import quote_on_page
from tests.test_draft import BOARD_PAPER, CLEVELAND_RESPONSE, REPORT, _one_line_error, _service, run


def register_json(index: Path, *args: str) -> list[dict]:
    result = run("register", "--index", str(index), "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["findings"]


def test_register_lists_every_action_finding_with_deadlines(full_index):
    rows = register_json(full_index)
    north_east = [r for r in rows if r["source"] == REPORT]
    assert sorted((r["kind"], r["body"]) for r in north_east) == [
        ("area_for_improvement", "Cleveland Police"), ("area_for_improvement", "Cleveland Police"),
        ("area_for_improvement", "North East ROCU (NERSOU)"), ("area_for_improvement", "Northumbria Police"),
    ]
    paper = [r for r in rows if r["source"] == BOARD_PAPER]
    assert sorted(r["deadline"] for r in paper if r["kind"] == "recommendation") == sorted([
        "March 2021", "February 2023", "February 2022", "February 2022", "August 2021", "February 2022",
    ])
    assert [r["deadline"] for r in paper if r["kind"] == "cause_of_concern"] == ["February 2022"]
    # no graded judgement, key finding or practice is an action to track
    assert {r["kind"] for r in rows} <= {"recommendation", "area_for_improvement", "cause_of_concern"}
    for row in rows:
        assert row["date"] and row["page"] >= 1 and row["quote"]
        assert row["report_kind"] in ("inspection_report", "board_paper")


def test_register_pairs_findings_with_cited_responses_or_says_none(full_index):
    service = _service(full_index)
    documents = service.data().documents
    rows = register_json(full_index)
    cleveland = [r for r in rows if r["body"] == "Cleveland Police"]
    assert len(cleveland) == 2
    for row in cleveland:
        assert row["responses"] and all(r["citation"]["source"] == CLEVELAND_RESPONSE for r in row["responses"])
    northumbria = next(r for r in rows if r["body"] == "Northumbria Police")
    assert northumbria["responses"] == [] and northumbria["response"] == "no response indexed"
    for row in rows:
        for response in row["responses"]:
            citation = response["citation"]
            assert quote_on_page(documents[citation["doc_id"]], citation["page"], citation["quote"])
            assert response["text"] == citation["quote"]
    # findings in the report are on their pages too
    by_source = {d.source: d for d in documents.values()}
    assert all(quote_on_page(by_source[r["source"]], r["page"], r["quote"]) for r in rows)


def test_register_filters_by_force_and_kind(full_index):
    rows = register_json(full_index, "--force", "cleveland", "--kind", "area_for_improvement")
    # Cleveland's own two, and its regional unit's; not Northumbria's, not the board paper's
    assert sorted(r["body"] for r in rows) == ["Cleveland Police", "Cleveland Police", "North East ROCU (NERSOU)"]
    rows = register_json(full_index, "--kind", "cause_of_concern")
    assert len(rows) == 1 and rows[0]["source"] == BOARD_PAPER
    rows = register_json(full_index, "--force", "Kent")  # named only on the map; no report concerns it
    assert rows == []
    line = _one_line_error(run("register", "--index", str(full_index), "--force", "Atlantis"))
    assert "unknown force 'Atlantis'" in line
    result = run("register", "--index", str(full_index), "--kind", "grade")
    assert result.exit_code == 2


def test_register_text_lists_responses_or_says_none(full_index):
    result = run("register", "--index", str(full_index), "--force", "Northumbria")
    assert result.exit_code == 0, result.output
    assert "sufficient resources in specialist areas" in result.output
    assert "response: no response indexed" in result.output


def test_register_excel_and_csv_open_with_every_finding(full_index, tmp_path):
    from openpyxl import load_workbook

    from scrutiny.app.drafting.register import COLUMNS

    rows = register_json(full_index)
    out = tmp_path / "register.xlsx"
    result = run("register", "--index", str(full_index), "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == COLUMNS
    assert len(values) == len(rows) + 1
    deadlines = [row[COLUMNS.index("Deadline")] for row in values[1:]]
    assert deadlines.count("February 2022") == 4  # three recommendations and the cause of concern
    assert any(row[COLUMNS.index("Response")] == "no response indexed" for row in values[1:])
    assert sheet.auto_filter.ref and sheet.freeze_panes == "A2"
    out_csv = tmp_path / "register.csv"
    assert run("register", "--index", str(full_index), "--out", str(out_csv)).exit_code == 0
    with out_csv.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert tuple(table[0]) == COLUMNS and len(table) == len(rows) + 1


def test_document_text_is_never_a_spreadsheet_formula(tmp_path):
    from openpyxl import load_workbook

    from scrutiny.app.drafting.register import RegisterEntry, write_register
    from scrutiny.ingest.findings import Finding
    from scrutiny.ingest.records import Document

    hostile = '=HYPERLINK("http://example.invalid","click")'
    report = Document(id="d" * 64, source="x.pdf", title=hostile, kind="inspection_report", publisher="",
                      date="2022-01", forces=[], pages=[hostile])
    finding = Finding(kind="recommendation", subject="", text=hostile, page=1, quote=hostile)
    entries = [RegisterEntry(report, finding)]
    sheet = load_workbook(write_register(entries, tmp_path / "r.xlsx")).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == hostile and cell.data_type == "s"
    with write_register(entries, tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert list(csv.reader(handle))[1][0] == "'" + hostile


def test_register_refuses_an_output_it_cannot_write(full_index, tmp_path):
    for out, reason in [(tmp_path / "register.pdf", ".xlsx or .csv"), (tmp_path / "no" / "r.xlsx", "does not exist"),
                        (tmp_path, "it is a folder")]:
        line = _one_line_error(run("register", "--index", str(full_index), "--out", str(out)))
        assert reason in line
    assert list(tmp_path.iterdir()) == []


def test_findings_tab_filters_and_downloads_excel(full_index):
    from openpyxl import load_workbook

    from scrutiny.app.web.findings_tab import ALL, force_choices, show_register

    service = _service(full_index)
    forces = force_choices(service)
    assert forces[0] == ALL and {"Cleveland Police", "Northumbria Police"} <= set(forces)
    status, table, path = show_register(service, "Cleveland Police", "area_for_improvement")
    assert status.startswith("3 findings from 1 report")
    assert len(table) == 3 and path and len(list(load_workbook(path).active.iter_rows())) == 4
    status, table, path = show_register(service, "Atlantis", ALL)
    assert status.startswith("**Cannot list findings:**") and table == [] and path is None


def test_findings_tab_through_gradio_client(full_index):
    from openpyxl import load_workbook

    from scrutiny.app.web.findings_tab import build_findings_tab
    from scrutiny.tests.one_tab import tab_client

    service = _service(full_index)
    with tab_client("Findings", lambda: build_findings_tab(service)) as client:
        status, table, download = client.predict("All", "cause_of_concern", api_name="/register")
        assert status.startswith("1 finding from 1 report")
        assert table["data"][0][3] == "Cause of concern"
        assert len(list(load_workbook(download).active.iter_rows())) == 2
