"""Format loaders and chunking on the bundled corpus, plus the classification rules.

Fast: load_document and the chunker only, no embedding model. The token-budget test uses the
packaged model's tokenizer (tokenizers only, no torch) and is marked slow.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from scrutiny.app.settings import Settings
from scrutiny.index.embedder import HashingEmbedder
from scrutiny.ingest.chunker import Chunker
from scrutiny.ingest.classify import document_date, document_kind, find_date, name_date
from scrutiny.ingest.documents import BLOCK_SEPARATOR, assemble_pages, load_document
from scrutiny.ingest.records import Block, Chunk, Document
from scrutiny.tests.conftest import CORPUS, REPORT

NEWS = "police-professional-2022-12-08-north-east-soc.html"
BARE_PAGE_NUMBER = re.compile(r"^\s*(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?\s*$", re.IGNORECASE)

# What each bundled file is, as a reader would label it.
EXPECTED_KINDS = {
    "cambridgeshire-constabulary-board-paper-rocu-inspection-2021.pdf": "board_paper",
    "cleveland-pcc-response-north-east-soc-inspection.docx": "pcc_response",
    REPORT: "inspection_report",
    "nottinghamshire-pcc-response-rocu-inspection-2021.pdf": "pcc_response",
    NEWS: "news",
}
# Forces each file is plainly about (a subset: the gazetteer may find more).
EXPECTED_FORCES = {
    "cambridgeshire-constabulary-board-paper-rocu-inspection-2021.pdf": {
        "Cambridgeshire Constabulary", "Eastern Region Special Operations Unit (ERSOU)"},
    "cleveland-pcc-response-north-east-soc-inspection.docx": {"Cleveland Police", "North East ROCU (NERSOU)"},
    REPORT: {"Cleveland Police", "Durham Constabulary", "Northumbria Police", "North East ROCU (NERSOU)"},
    "nottinghamshire-pcc-response-rocu-inspection-2021.pdf": {"Nottinghamshire Police"},
    NEWS: {"Cleveland Police", "Durham Constabulary", "Northumbria Police"},
}


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    return {path.name: load_document(path) for path in sorted(CORPUS.iterdir())}


def _chunker(count_tokens) -> Chunker:
    settings = Settings()
    return Chunker(count_tokens, settings.ingest.chunk_tokens, settings.ingest.chunk_overlap_tokens)


@pytest.fixture(scope="module")
def fake_chunks(documents) -> dict[str, list[Chunk]]:
    """Chunks sized by the fake embedder's word count (fast, same splitting logic)."""
    chunker = _chunker(HashingEmbedder().count_tokens)
    return {name: chunker.split(document) for name, document in documents.items()}


@pytest.fixture(scope="module")
def real_tokenizer():
    from scrutiny.index.embedder import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder()
    embedder.count_tokens("warm")  # loads tokenizer.json only
    assert embedder._model is None
    return embedder


@pytest.fixture(scope="module")
def real_chunks(documents, real_tokenizer) -> dict[str, list[Chunk]]:
    chunker = _chunker(real_tokenizer.count_tokens)
    return {name: chunker.split(document) for name, document in documents.items()}


def _raw_page_lines(path: Path) -> list[list[str]]:
    """Each page's lines as pypdf extracts them, before Scrutiny removes anything."""
    from pypdf import PdfReader

    return [
        [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        for page in PdfReader(path).pages
    ]


def _running_lines(path: Path) -> set[str]:
    """Lines that repeat on most pages of the raw text (page numbers aside): headers, footers."""
    pages = _raw_page_lines(path)
    counts = Counter(line for lines in pages for line in set(lines) if not line.isdigit())
    return {line for line, n in counts.items() if n >= len(pages) / 2 and len(line) > 10}


# --- the inspection report (PDF) ---------------------------------------------------------


def test_report_pages_kind_date_and_title(documents):
    from pypdf import PdfReader

    report = documents[REPORT]
    assert len(report.pages) == 22
    assert report.kind == "inspection_report"
    assert report.date == "2022-12"
    metadata = PdfReader(CORPUS / REPORT).metadata
    assert metadata is not None and metadata.title is not None
    assert report.title == metadata.title.strip()


def test_report_running_header_and_footer_are_removed(documents, fake_chunks):
    running = _running_lines(CORPUS / REPORT)
    assert "December 2022 | © HMICFRS 2022" in running  # the footer is found in the raw text...
    report = documents[REPORT]
    assert report.title in running  # ...and so is the running title line
    for number, text in enumerate(report.pages, start=1):
        for line in running:
            if number == 1 and line == report.title:
                continue  # the cover page carries the title as its heading: that is content
            assert line not in text, f"page {number} still has running line {line!r}"
    for chunk in fake_chunks[REPORT]:
        for line in running:
            assert line not in chunk.text or (chunk.page_start == 1 and line == report.title), (
                f"chunk on p{chunk.page_start} has running line {line!r}")


def test_report_bare_page_numbers_are_removed(documents):
    raw = _raw_page_lines(CORPUS / REPORT)
    assert sum(1 for lines in raw if any(BARE_PAGE_NUMBER.match(line) for line in lines)) > 10
    report = documents[REPORT]
    for block in report.blocks:
        assert not BARE_PAGE_NUMBER.match(block.text), f"page number left on p{block.page}: {block.text!r}"


def test_report_headings_become_sections(documents, fake_chunks):
    sections = {chunk.section for chunk in fake_chunks[REPORT]}
    for force in ("Cleveland Police", "Durham Constabulary", "Northumbria Police"):
        assert any(section.startswith(force) for section in sections), force
    assert any(" > Resources and skills" in section for section in sections)


# --- the news page (HTML) ----------------------------------------------------------------


def _boilerplate_strings(path: Path) -> set[str]:
    """Text inside the page's nav, aside, header and footer elements."""
    import lxml.html

    tree = lxml.html.fromstring(path.read_bytes())
    strings = set()
    for element in tree.xpath("//nav | //aside | //header | //footer"):
        for text in element.itertext():
            text = " ".join(text.split())
            if len(text) >= 6:
                strings.add(text)
    return strings


def test_news_page_keeps_the_article_and_drops_navigation(documents, fake_chunks):
    boilerplate = _boilerplate_strings(CORPUS / NEWS)
    assert {"Related News", "Subscribe", "Privacy", "Select Vacancies"} <= boilerplate
    news = documents[NEWS]
    assert news.date == "2022-12-08" and news.publisher
    for chunk in fake_chunks[NEWS]:
        for text in boilerplate:
            assert not re.search(rf"\b{re.escape(text)}\b", chunk.text), f"{text!r} leaked into a chunk"
    assert any("outstanding" in chunk.text for chunk in fake_chunks[NEWS])  # the article itself


def test_printed_page_numbers_are_kept_beside_pdf_page_positions(documents, tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from scrutiny.app.records import Citation

    report = documents[REPORT]
    assert report.page_label(13) == "11"  # the report's p.13 prints "11" in its footer
    assert report.page_label(1) == ""  # the cover prints no number

    path = tmp_path / "numbered.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4)
    for page in range(1, 5):
        sheet.setFont("Helvetica", 11)
        sheet.drawString(72, 700, f"Body text of the fourth part number {page} of this inspection report.")
        if page > 2:  # a cover and a contents page, then numbering starts at 1
            sheet.drawString(500, 30, str(page - 2))
        sheet.showPage()
    sheet.save()
    numbered = load_document(path)
    assert [numbered.page_label(n) for n in range(1, 5)] == ["", "", "1", "2"]
    assert not any(text.strip().endswith(("1", "2")) and len(text.strip()) < 3 for text in numbered.pages)
    citation = Citation(n=1, doc_id=numbered.id, source=numbered.source, title="", kind="other", date="", page=4,
                        section="", quote="", passage="", score=1.0, page_label=numbered.page_label(4))
    assert citation.page_reference() == "page 4 (printed 2)"


# --- Word files ---------------------------------------------------------------------------


def _add_numbered_list(document, levels: list[tuple[str, str]]) -> str:
    """A numbering definition (as Word's numbering button writes it); returns its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    ids = [int(n) for n in numbering.xpath("//w:abstractNum/@w:abstractNumId | //w:num/@w:numId")]
    abstract_id, num_id = max(ids, default=0) + 1, max(ids, default=0) + 2
    level_xml = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(  # abstract definitions come before the numbering instances
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{level_xml}</w:abstractNum>'))
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return str(num_id)


def _number_paragraph(paragraph, num_id: str, level: int = 0) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


@pytest.fixture
def word_file(tmp_path) -> Path:
    """A small response in Word: headings, a numbered list, a directly numbered list, a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Response to the inspection"
    document.add_heading("Recommendations", level=1)
    document.add_paragraph("The force accepts every recommendation.")
    for text in ("Appoint a lead officer.", "Review the backlog.", "Train the analysts."):
        document.add_paragraph(text, style="List Number")
    document.add_heading("Areas for improvement", level=2)
    num_id = _add_numbered_list(document, [("decimal", "AFI %1:"), ("lowerLetter", "(%2)")])
    for text, level in (("Improve intelligence sharing.", 0), ("with the region", 1), ("with partners", 1),
                        ("Record disruptions.", 0), ("consistently", 1)):
        _number_paragraph(document.add_paragraph(text, style="List Paragraph"), num_id, level)
    document.add_heading("Resources", level=2)
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(table.rows, [("Unit", "Officers", "Change"), ("Financial investigation", "12", "+2"),
                                       ("Cyber crime", "7", "0")], strict=False):
        for cell, text in zip(row.cells, cells, strict=False):
            cell.text = text
    path = tmp_path / "response.docx"
    document.save(path)
    return path


def test_word_headings_lists_and_tables(word_file):
    document = load_document(word_file)
    assert document.title == "Response to the inspection"
    headings = [(b.text, b.level) for b in document.blocks if b.role == "heading"]
    assert headings == [("Recommendations", 1), ("Areas for improvement", 2), ("Resources", 2)]
    items = [b.text for b in document.blocks if b.role == "list_item"]
    assert items == [
        "1. Appoint a lead officer.", "2. Review the backlog.", "3. Train the analysts.",
        "AFI 1: Improve intelligence sharing.", "(a) with the region", "(b) with partners",
        "AFI 2: Record disruptions.", "(a) consistently",
    ]
    rows = [b.text for b in document.blocks if b.role == "table_row"]
    assert rows == ["Unit | Officers | Change", "Financial investigation | 12 | +2", "Cyber crime | 7 | 0"]

    chunks = _chunker(HashingEmbedder().count_tokens).split(document)
    section_of = {line: c.section for c in chunks for line in c.text.split(BLOCK_SEPARATOR)}
    assert section_of["2. Review the backlog."] == "Recommendations"
    assert section_of["AFI 2: Record disruptions."] == "Recommendations > Areas for improvement"
    assert section_of["Cyber crime | 7 | 0"] == "Recommendations > Resources"


def _page_of(document, text: str) -> int:
    return next(b.page for b in document.blocks if text in b.text)


def test_word_page_breaks_put_each_paragraph_on_its_page(tmp_path):
    import docx
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_paragraph("Text on the first page of the response.")
    opener = document.add_paragraph()
    opener.add_run().add_break(WD_BREAK.PAGE)  # a break before the text: the text is on page 2
    opener.add_run("Heading text that opens the second page.")
    document.add_paragraph("Still on the second page.")
    before = document.add_paragraph("A paragraph set to start a new page.")
    before.paragraph_format.page_break_before = True
    split = document.add_paragraph("This sentence ends page three.")
    split.add_run().add_break(WD_BREAK.PAGE)
    split.add_run(" This sentence starts page four.")
    document.add_paragraph("Last words of page four.")
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("After a next-page section break.")
    document.add_section(WD_SECTION.CONTINUOUS)
    document.add_paragraph("After a continuous section break.")
    path = tmp_path / "breaks.docx"
    document.save(path)

    loaded = load_document(path)
    assert [_page_of(loaded, text) for text in (
        "first page", "opens the second", "Still on the second", "start a new page", "ends page three",
        "starts page four", "Last words", "next-page section", "continuous section")] == [1, 2, 2, 3, 3, 4, 4, 5, 5]
    # Each piece of the split paragraph can be quoted from its own page, not across the break.
    from scrutiny.ingest.text import quote_on_page

    assert quote_on_page(loaded, 3, "This sentence ends page three.")
    assert quote_on_page(loaded, 4, "This sentence starts page four.")
    assert not quote_on_page(loaded, 3, "This sentence starts page four.")


def test_word_rendered_page_marks_win_over_explicit_breaks(tmp_path):
    import docx
    from docx.enum.text import WD_BREAK
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    first = document.add_paragraph("Word laid this paragraph out over two pages; ")
    first.add_run()._r.append(parse_xml(f"<w:lastRenderedPageBreak {nsdecls('w')}/>"))
    first.add_run("this part was on the second page.")
    second = document.add_paragraph()
    second.add_run().add_break(WD_BREAK.PAGE)  # Word also marks this break as rendered:
    mark = second.add_run()
    mark._r.append(parse_xml(f"<w:lastRenderedPageBreak {nsdecls('w')}/>"))
    mark.add_text("Third page, counted once.")
    path = tmp_path / "rendered.docx"
    document.save(path)

    loaded = load_document(path)
    assert [_page_of(loaded, text) for text in ("laid this paragraph", "second page", "counted once")] == [1, 2, 3]


def test_real_word_file_headings_and_numbered_items(documents, fake_chunks):
    import docx

    name = "cleveland-pcc-response-north-east-soc-inspection.docx"
    source = docx.Document(CORPUS / name)
    numbered = [p.text.strip() for p in source.paragraphs
                if p.style.name == "List Number"]  # type: ignore[union-attr]  # python-docx: the style getter never returns None
    items = [b.text for b in documents[name].blocks if b.role == "list_item"]
    assert items == [f"{n}. {text}" for n, text in enumerate(numbered, start=1)]
    sub_headings = [p.text.strip() for p in source.paragraphs
                    if p.style.name == "Heading 2"]  # type: ignore[union-attr]  # python-docx: the style getter never returns None
    sections = {chunk.section for chunk in fake_chunks[name]}
    for heading in sub_headings:
        assert any(section.endswith(heading) for section in sections), heading


# --- every bundled document --------------------------------------------------------------


def test_kinds_of_the_bundled_documents(documents):
    assert {name: document.kind for name, document in documents.items()} == EXPECTED_KINDS


def test_forces_are_detected(documents):
    for name, expected in EXPECTED_FORCES.items():
        assert expected <= set(documents[name].forces), (name, documents[name].forces)


def test_a_chunk_naming_no_force_is_about_the_force_its_document_title_names(documents, fake_chunks):
    """A PCC's letter names several forces, but 'my Joint Audit and Scrutiny Panel' is its own force's."""
    name = "nottinghamshire-pcc-response-rocu-inspection-2021.pdf"
    assert len(documents[name].forces) > 1  # so the document's only force cannot be the reason
    panel = next(c for c in fake_chunks[name] if "Joint Audit and Scrutiny Panel" in c.text)
    assert panel.forces == ("Nottinghamshire Police",)


def _assert_offsets_map_back(document: Document, chunk: Chunk) -> None:
    if chunk.page_start == chunk.page_end:
        assert document.page_text(chunk.page_start)[chunk.char_start:chunk.char_end] == chunk.text
        return
    parts = [document.page_text(chunk.page_start)[chunk.char_start:]]
    parts += [document.page_text(p) for p in range(chunk.page_start + 1, chunk.page_end) if document.page_text(p)]
    parts.append(document.page_text(chunk.page_end)[:chunk.char_end])
    assert BLOCK_SEPARATOR.join(parts) == chunk.text


@pytest.mark.parametrize("sizing", ["fake", pytest.param("real", marks=pytest.mark.slow)])
def test_chunks_stay_in_their_document_have_sections_and_map_back_to_pages(documents, request, sizing):
    chunks_by_name = request.getfixturevalue(f"{sizing}_chunks")
    total = with_section = 0
    for name, chunks in chunks_by_name.items():
        document = documents[name]
        assert chunks, name
        assert len({c.id for c in chunks}) == len(chunks)
        for chunk in chunks:
            assert chunk.doc_id == document.id
            assert 1 <= chunk.page_start <= chunk.page_end <= len(document.pages)
            _assert_offsets_map_back(document, chunk)
            total += 1
            with_section += bool(chunk.section)
    assert with_section / total >= 0.9, f"{with_section}/{total} chunks have a section"
    assert len({c.id for chunks in chunks_by_name.values() for c in chunks}) == total


def test_a_short_paragraph_end_is_chunked_with_the_sentences_it_follows():
    # A long paragraph fills a chunk; the short paragraph after it would be a chunk of its own
    # (the splitter's overlap carries whole paragraphs only), saying neither what the work was
    # nor where: "This work won a national award."
    story = " ".join(f"Sentence {n} tells how the force tackled county lines with Merseyside Police."
                     for n in range(1, 6))
    tail = "This work won the national Tilley Award for preventative policing."
    blocks = [Block(1, "County lines", role="heading", level=1), Block(1, story), Block(1, tail),
              Block(2, "Next heading", role="heading", level=1), Block(2, "Other text follows here.")]
    document = Document(id="d1", source="d.txt", title="T", kind="other", publisher="", date="", forces=[],
                        pages=assemble_pages(blocks, 2)[0], blocks=blocks)

    def count_words(text):
        return len(text.split())

    chunks = Chunker(count_words, max_tokens=60, overlap_tokens=6).split(document)
    holding = [c for c in chunks if tail in c.text]
    assert holding and all("Merseyside" in c.text for c in holding)
    assert all(count_words(c.text) <= 60 for c in chunks)
    for chunk in chunks:  # widened chunks still map back to the page text
        _assert_offsets_map_back(document, chunk)
    # a widened chunk starts at a sentence, and never reaches into the section before
    assert all(c.text.startswith(("County lines", "Sentence", "Next heading")) for c in chunks)
    # nor back to where the chunk before it starts: ids stay unique and no chunk holds another,
    # over paragraphs of sentences of mixed lengths (seeded, so the same every run)
    for seed in range(40):
        rng = random.Random(seed)
        paragraphs = [Block(1, "Heading", role="heading", level=1)]
        for p in range(rng.randint(2, 8)):
            sentences = [" ".join(f"w{p}x{s}y{w}" for w in range(rng.choice([2, 3, 5, 8, 12]))) + "."
                         for s in range(rng.randint(1, 5))]
            paragraphs.append(Block(1, " ".join(sentences)))
        document = dataclasses.replace(document, blocks=paragraphs, pages=assemble_pages(paragraphs, 2)[0])
        for max_tokens in (10, 20, 30, 40):
            chunks = Chunker(count_words, max_tokens=max_tokens, overlap_tokens=3).split(document)
            assert len({c.id for c in chunks}) == len(chunks), (seed, max_tokens)
            spans = [(c.char_start, c.char_end) for c in chunks]
            assert not any(a != b and b[0] <= a[0] and a[1] <= b[1] for a in spans for b in spans), (seed, max_tokens)


@pytest.mark.slow
def test_no_chunk_exceeds_the_token_budget(real_chunks, real_tokenizer, documents):
    from scrutiny.index.ingester import embedding_text

    budget = Settings().ingest.chunk_tokens
    model_limit = real_tokenizer.max_tokens - 2  # [CLS] and [SEP]
    for name, chunks in real_chunks.items():
        for chunk in chunks:
            assert real_tokenizer.count_tokens(chunk.text) <= budget, (name, chunk.page_start)
            # with the title/section prefix it is embedded with, it still fits the model
            prefixed = embedding_text(chunk, documents[name].title)
            assert real_tokenizer.count_tokens(prefixed) <= model_limit, (name, chunk.page_start)


# --- classification rules ----------------------------------------------------------------

RULE_CASES = [
    # (title, first page, author, suffix, expected kind)
    ("Agenda item 7", "To: Police and Crime Panel\nFrom: Chief Executive", "", ".pdf", "board_paper"),
    ("", "REPORT TO THE JOINT AUDIT COMMITTEE\nHMICFRS inspection update", "", ".pdf", "board_paper"),
    ("PCC response to HMICFRS report", "The PCC welcomes the report.", "", ".docx", "pcc_response"),
    ("", "Response by the Police and Crime Commissioner to the inspection", "", ".pdf", "pcc_response"),
    ("Chief Constable's response to the HMICFRS inspection", "The force accepts...", "", ".pdf", "force_response"),
    ("", "Cleveland Police response to the PEEL inspection", "", ".pdf", "force_response"),
    ("An inspection of custody", "© HMICFRS 2023", "", ".pdf", "inspection_report"),
    ("Custody inspection", "We inspected six custody suites.", "HMICFRS", ".pdf", "inspection_report"),
    ("Force rated good", "The force was rated good by inspectors.", "", ".html", "news"),
    ("Minutes", "Members discussed the budget.", "", ".pdf", "other"),
    ("Custody inspection", "We inspected six custody suites.", "", ".pdf", "other"),  # no author, no ©
]


@pytest.mark.parametrize("title, first_page, author, suffix, expected", RULE_CASES)
def test_each_kind_rule(title, first_page, author, suffix, expected):
    assert document_kind(title, first_page, author, suffix) == expected


ORDER_CASES = [
    # a board paper about an inspection report, quoting its copyright line
    ("To: Business Coordination Board\nHMICFRS report summary\n© HMICFRS 2021", "board_paper"),
    # a PCC response that also contains the force's response and the report's copyright
    ("PCC response\nThe force's response to the recommendations follows.\n© HMICFRS 2022", "pcc_response"),
    # a force response quoting the report
    ("Durham Constabulary response to HMICFRS\nHMICFRS 2022 found that...", "force_response"),
]


@pytest.mark.parametrize("first_page, expected", ORDER_CASES)
def test_kind_rules_apply_in_order(first_page, expected):
    """Board paper > PCC response > force response > inspection report, whatever else matches."""
    assert document_kind("", first_page, "", ".pdf") == expected


def test_news_is_only_the_fallback_for_web_pages_and_text_copied_from_them():
    assert document_kind("PCC response to HMICFRS", "", "", ".html") == "pcc_response"
    assert document_kind("Blog post", "Nothing official here.", "", ".htm") == "news"
    assert document_kind("Blog post", "Nothing official here.", "", ".txt") == "news"
    assert document_kind("Blog post", "Nothing official here.", "", ".docx") == "other"


@pytest.mark.parametrize(("title", "first_page", "expected"), [
    ("Concerns over the force's performance", "There are concerns, the police inspectorate has said.\n\nGet the report\n",
     "press_release"),
    ("Force removed from enhanced monitoring", "The force has improved.\n\nGet the letter\n", "press_release"),
    ("Letter from HM Chief Inspector to the Commissioner", "I am writing to you ahead of the publication.", "other"),
    ("Commissioner responds to the force's PEEL report", "The force must do better.", "pcc_response"),
    ("PFCC responds to HMICFRS PEEL report", "", "pcc_response"),
    ("Essex Police welcomes HMICFRS PEEL report", "", "force_response"),
    ("Response to HMICFRS integrity inspection report", "We recognise that our integrity matters.", "force_response"),
    ("PEEL assessment 2017: Devon and Cornwall", "This is our fourth PEEL assessment.", "inspection_report"),
    ("Police response to violence against women and girls: Final inspection report", "", "inspection_report"),
    ("Upcoming inspection report 'won't make pleasant reading'", "The chief constable said so.", "other"),
    # a force responds to an inspection; "the police response to domestic abuse" is a topic
    ("Cleveland Police response to the HMICFRS PEEL report", "", "force_response"),
    ("The police response to domestic abuse: an update report", "We found improvements.", "other"),
    ("The police response to domestic abuse", "An update report on our inspection", "other"),  # not across lines
    ("Force response to the 2021/22 PEEL inspections", "", "force_response"),
])
def test_kind_from_who_speaks_in_the_title(title, first_page, expected):
    assert document_kind(title, first_page, "", ".pdf") == expected


def test_a_commissioners_office_writing_about_an_inspection_is_responding_to_it():
    about = "The inspectorate graded the force good at investigating crime."
    assert document_kind("Latest news", about, "Office of the Police and Crime Commissioner", ".html") == "pcc_response"
    assert document_kind("Latest news", about, "", ".pdf", name="kent-pcc-peel-2022") == "pcc_response"
    assert document_kind("Latest news", about, "", ".pdf", name="kent-peel-2022") == "other"
    assert document_kind("Summer fete", "Come along on Saturday.", "OPCC", ".html", name="opcc-fete") == "news"
    assert document_kind("Latest news", about, "", ".pdf", name="topcco-2022") == "other"  # "pcc" inside a word
    # another commissioner's office is no PCC's
    assert document_kind("Latest news", about, "The Victims' Commissioner", ".html") == "news"


@pytest.mark.parametrize("text, expected", [
    ("Published 16 March 2021 by the force", "2021-03-16"),
    ("December 2022 | © HMICFRS 2022", "2022-12"),
    ("Dec 8, 2022", "2022-12-08"),
    ("Updated 2023-01-05", "2023-01-05"),
    ("Sept 2021 report", "2021-09"),
    ("no date here, only 42 things", ""),
    ("PEEL 2023-25: an inspection", ""),  # a range of years, not a 25th month
    ("Updated 2023-13-01", ""),
])
def test_find_date(text, expected):
    assert find_date(text) == expected


def test_document_date_prefers_a_labelled_date_then_metadata():
    first_page = "Inspection of March 2020 data\nDate: 16 March 2021\n"
    assert document_date(first_page) == "2021-03-16"
    assert document_date("Findings from May 2019", "2022-12-08") == "2022-12-08"
    assert document_date("Findings from May 2019") == "2019-05"


@pytest.mark.parametrize("name, expected", [
    ("hmicfrs-peel-kent-2023-25", "2023"),
    ("police-professional-2022-12-08-north-east-soc", "2022-12-08"),
    ("story_2022_12_08", "2022-12-08"),
    ("03_report-20221208", ""),  # a longer number, not a year
    ("pcc-response", ""),
    ("police-and-crime-plan-2099", ""),  # a year to come is a plan's horizon
    ("plan-2099-review-2021", "2021"),
])
def test_a_file_name_gives_a_date(name, expected):
    assert name_date(name) == expected


def test_a_file_names_year_overrides_a_first_date_of_another_year_only():
    looking_back = "Inspectors visited in September 2018 and found ..."
    assert document_date(looking_back, name="custody-inspection-2019") == "2019"
    assert document_date(looking_back, name="custody-inspection-2018") == "2018-09"
    assert document_date(looking_back, name="custody-inspection-2017-18") == "2018-09"  # in the years it covers
    assert document_date(looking_back) == "2018-09"
    assert document_date("No date at all", name="peel_2021") == "2021"
    assert document_date("Date: 16 March 2021", name="peel-2019") == "2021-03-16"  # the document's own label wins
    assert document_date("Findings from May 2019", "2022-12-08", "peel-2019") == "2022-12-08"  # and its metadata


def test_a_reports_date_on_the_page_after_its_cover_is_its_date(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path / "counter-corruption-2022.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4)
    sheet.drawString(72, 700, "An inspection of the counter-corruption arrangements of a police force")
    sheet.showPage()
    lines = ["Published on: 22 March 2022", "", "Foreword",
             *["In 2019 we found the force had too few investigators for the work it had."] * 8]
    for row, line in enumerate(lines):
        sheet.drawString(72, 750 - 16 * row, line)
    sheet.showPage()
    sheet.save()
    assert load_document(path).date == "2022-03-22"
    assert document_date("In March 2019 we inspected the force.\nPublished on: 4 May 2021") == "2021-05-04"
    assert document_date("In March 2019 we inspected the force.\nPublication date - 4 May 2021") == "2021-05-04"


def test_text_saved_one_paragraph_per_line_is_split_at_its_lines_under_its_title(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(
        "Cheshire custody suites judged 'very good overall'\n"
        "Custody in Cheshire was found by inspectors to be very good overall.\n"
        "However, inspectors made one recommendation and highlighted 19 areas for improvement.\n"
        "Inspectors who visited unannounced in September 2018 found the force focused on care.\n",
        encoding="utf-8")
    document = load_document(path)
    roles_and_texts = [(b.role, b.text[:40]) for b in document.blocks]
    assert roles_and_texts == [
        ("heading", "Cheshire custody suites judged 'very goo"),
        ("paragraph", "Custody in Cheshire was found by inspect"),
        ("paragraph", "However, inspectors made one recommendat"),
        ("paragraph", "Inspectors who visited unannounced in Se"),
    ]
    assert document.title.startswith("Cheshire custody suites")


def test_hard_wrapped_prose_stays_one_paragraph(tmp_path):
    path = tmp_path / "wrapped.txt"
    path.write_text(
        "The force reported that it has a backlog of over 20,000 suspicious activity\n"
        "reports that have built up over several years, and Financial Investigators\n"
        "are dealing with large caseloads across the region.\n\n"
        "A second paragraph follows the blank line.\n",
        encoding="utf-8")
    texts = [b.text for b in load_document(path).blocks]
    assert texts == [
        "The force reported that it has a backlog of over 20,000 suspicious activity reports that have built up "
        "over several years, and Financial Investigators are dealing with large caseloads across the region.",
        "A second paragraph follows the blank line.",
    ]


def test_a_web_page_without_a_dated_markup_gets_no_date_guessed_from_its_years(tmp_path):
    page = tmp_path / "release.html"
    page.write_text(
        "<html><head><title>Domestic abuse response improves</title></head><body><main><article>"
        "<h1>Domestic abuse response improves</h1>"
        "<p>Recorded domestic abuse has risen by almost 90 percent since our first inspection in 2014, "
        "the inspectorate found in its fourth report on the police response.</p>"
        "<p>Forces have invested in training and in multi-agency safeguarding hubs.</p>"
        "</article></main></body></html>", encoding="utf-8")
    assert load_document(page).date == ""
    page.write_text(page.read_text(encoding="utf-8").replace(
        "<head>", '<head><meta property="article:published_time" content="2019-02-05">'), encoding="utf-8")
    assert load_document(page).date == "2019-02-05"


def test_a_web_pages_publisher_is_its_site_not_its_author(tmp_path):
    page = tmp_path / "story.html"
    body = ("<body><main><article><h1>Report finds backlog</h1>"
            "<p>The inspectorate found a backlog of suspicious activity reports in the force it inspected.</p>"
            "<p>The force said it had already begun to recruit more financial investigators.</p>"
            "</article></main></body></html>")
    author = '<meta name="author" content="Paul Jacques">'
    page.write_text(f"<html><head><title>Report finds backlog | Police Professional</title>{author}</head>{body}",
                    encoding="utf-8")
    assert load_document(page).publisher == "Police Professional"
    # a declared site name wins; a title with no site after the headline leaves the author
    page.write_text(f'<html><head><title>Report finds backlog</title>{author}'
                    f'<meta property="og:site_name" content="BBC News"></head>{body}', encoding="utf-8")
    assert load_document(page).publisher == "BBC News"
    page.write_text(f"<html><head><title>Report finds backlog</title>{author}</head>{body}", encoding="utf-8")
    assert load_document(page).publisher == "Paul Jacques"
