"""Rules that give a document its kind, date and publisher from its own text.

Each rule reads the title and the first page, as a person skimming the document would.
Rules are tried in order; the first that matches wins.
"""

from __future__ import annotations

import datetime
import re

from scrutiny.ingest.text import MONTH, MONTH_NUMBERS, years_covered

_MONTH = rf"({MONTH})"  # the month as a group of its own
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}}),\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
# a month 01-12 and a day 01-31: "PEEL 2023-25" is a range of years, not the 25th month
ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?\b")
# a year in a file's name, not inside a longer number ("peel-kent-2023-25.pdf", "2022_12_08-story")
NAME_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
LABELLED_DATE = re.compile(
    r"^\s*(?:date|dated|published(?: on)?|date published|publication date|date of publication)\s*[:\-–]\s*(.+)$",
    re.IGNORECASE | re.MULTILINE)

_PCC_TITLE = r"Police,?\s+(?:Fire\s+and\s+)?(?:and\s+)?Crime\s+Commissioner"
_COMMISSIONER = rf"(?:PCC|PFCC|(?:{_PCC_TITLE})|Commissioner)"
# Rules over the title and the first page, tried in order; the first that matches wins.
# Each names who speaks: a panel's papers, the inspectorate's letters and news releases, a
# commissioner or a force answering a report, the report itself.
KIND_RULES: list[tuple[str, re.Pattern]] = [
    ("board_paper", re.compile(
        r"^\s*to:\s.*\b(board|committee|panel|meeting)\b|\bagenda item\b|\breport to the\b.*\b(board|committee|panel)\b",
        re.IGNORECASE | re.MULTILINE)),
    # a letter is its own kind of document ("Letter from HM Chief Inspector to ...")
    ("other", re.compile(r"\A\s*letter\s+(?:from|to)\b", re.IGNORECASE)),
    # The inspectorate's news release: a link to the report under its lead ("Get the report").
    ("press_release", re.compile(
        r"^\s*(?:get|read|download)\s+the\s+(?:report|letter|full report)\s*$"
        r"|\b(?:the police inspectorate|the inspectorate|HMICFRS)\s+(?:has|have)\s+said\.",
        re.IGNORECASE | re.MULTILINE)),
    ("force_response", re.compile(r"\A\s*response to (?:the )?HMICFRS\b", re.IGNORECASE)),
    ("pcc_response", re.compile(
        r"\b(pcc|police and crime commissioner|police, fire and crime commissioner|commissioner)('s|’s)?\s+response\b"
        r"|\bresponse\s+(by|from|of)\s+the\s+(pcc|police and crime commissioner|commissioner)\b"
        r"|\bsection 55 response\b.*\bcommissioner\b"
        # "Commissioner responds to ...", "PFCC responds", "Commissioner's praise as ...",
        # "PCC receives HMIC's judgement", "... Commissioner's comments on HMICFRS reports"
        r"|\A[^\n]{0,80}\b" + _COMMISSIONER + r"('s|’s)?\s+(?:responds?|praise|comments?|receives|welcomes?|reflects?)\b",
        re.IGNORECASE)),
    # the inspectorate's own titles: "PEEL assessment 2017: ...", "An inspection of ...",
    # "A joint thematic inspection ...", "... re-inspection 2018", "...: Final inspection report"
    ("inspection_report", re.compile(
        r"\APEEL\s+(?:assessment\s+)?\d{4}\b|\A(?:an|a joint(?: thematic)?)\s+inspection\s+of\b"
        r"|\A[^\n]{0,160}\b(?:re-inspection|inspection report)(?:\s+\d{4})?[ \t]*$",
        re.IGNORECASE | re.MULTILINE)),
    ("force_response", re.compile(
        r"\b(force|police|constabulary|chief constable)('s|’s)?[ \t]+response[ \t]+to[ \t]+(?:[\w’'/-]+[ \t]+){0,4}?"
        r"(?:HMIC|HMICFRS|inspections?|inspectorate|reports?|PEEL|recommendations?|findings)\b"
        r"|\A[^\n]{0,60}\b(?:police|constabulary)\s+(?:welcomes?|responds?)\b",
        re.IGNORECASE)),
    ("inspection_report", re.compile(
        r"©\s*HMICFRS|\bHMICFRS\s+\d{4}\b|\bHis Majesty's Inspectorate of Constabulary\b.*\bwe inspected\b"
        r"|\bthis report sets out (?:the )?findings from our inspection\b",
        re.IGNORECASE)),
]
INSPECTORATE_AUTHOR = re.compile(r"\b(HMICFRS|HMIC|Inspectorate)\b", re.IGNORECASE)
# a commissioner's office, not any commissioner ("the Victims' Commissioner", "the Information Commissioner")
COMMISSIONER_OFFICE = re.compile(rf"\b(?:PCC|PFCC|OPCC|{_PCC_TITLE})\b", re.IGNORECASE)
COMMISSIONER_IN_NAME = re.compile(r"(?<![a-z])(?:pcc|pfcc|opcc)(?![a-z])", re.IGNORECASE)
ABOUT_INSPECTION = re.compile(r"\b(?:inspection|HMIC|HMICFRS|inspectorate|PEEL)\b", re.IGNORECASE)


def _iso(year: str, month: str | None, day: str | None = None) -> str:
    if month is None:
        return year
    month_number = MONTH_NUMBERS[month[:4].lower() if month[:4].lower() == "sept" else month[:3].lower()]
    return f"{year}-{month_number:02d}" + (f"-{int(day):02d}" if day else "")


def dates_in(text: str) -> list[str]:
    """Every date in `text` as ISO 8601 (day or month precision), in reading order; of two read
    at one place, the more precise first."""
    candidates: list[tuple[int, str]] = []
    for match in DAY_MONTH_YEAR.finditer(text):
        candidates.append((match.start(), _iso(match.group(3), match.group(2), match.group(1))))
    for match in MONTH_DAY_YEAR.finditer(text):
        candidates.append((match.start(), _iso(match.group(3), match.group(1), match.group(2))))
    for match in MONTH_YEAR.finditer(text):
        # skip a month-year that is the tail of a day-month-year already found
        if not any(start <= match.start() < start + 20 and len(iso) == 10 for start, iso in candidates):
            candidates.append((match.start(), _iso(match.group(2), match.group(1))))
    for match in ISO_DATE.finditer(text):
        candidates.append((match.start(), match.group(0)))
    return [iso for _, iso in sorted(candidates, key=lambda candidate: (candidate[0], -len(candidate[1])))]


def find_date(text: str) -> str:
    """The first date in `text` as ISO 8601 (day or month precision), or ""."""
    return next(iter(dates_in(text)), "")


def name_date(name: str) -> str:
    """The date a file's name gives: an ISO date in it ("story-2022-12-08.html"), else the
    first year in it ("hmicfrs-peel-kent-2023-25.pdf" -> "2023"), else "". A year still to come
    ("strategy-2030") names a plan's horizon, not the document's date."""
    this_year = datetime.date.today().year
    iso = next((m.group(0) for m in ISO_DATE.finditer(name.replace("_", "-")) if int(m.group(1)) <= this_year), "")
    year = next((m.group(1) for m in NAME_YEAR.finditer(name) if int(m.group(1)) <= this_year), "")
    return iso or year


def document_date(opening: str, metadata_date: str = "", name: str = "") -> str:
    """A labelled date ("Published on: 16 March 2021") wins, then page metadata, then the first
    date of the `opening` (the first page with text, past a cover), unless the file's `name`
    gives a year that date is not in (see name_date): the first date of a page is as often one
    it looks back on ("inspected in September 2018") as its own, while people name files by the
    year of the document ("peel-2021-22" covers 2021 and 2022)."""
    for match in LABELLED_DATE.finditer(opening):
        labelled = find_date(match.group(1))
        if labelled:
            return labelled
    if metadata_date:
        return find_date(metadata_date) or metadata_date
    first, named = find_date(opening), name_date(name)
    if named and first[:4] not in years_covered(name.replace("_", "-")):
        return named
    return first


def document_kind(title: str, first_page: str, publisher: str, suffix: str, name: str = "") -> str:
    """Kind by the ordered rules, then by who published it or whose it is by the file's `name`;
    web pages that match none are news."""
    head = f"{title}\n{first_page}"
    for kind, pattern in KIND_RULES:
        if pattern.search(head):
            return kind
    if INSPECTORATE_AUTHOR.search(publisher) and re.search(r"\binspection\b", head, re.IGNORECASE):
        return "inspection_report"
    # a commissioner's office writing about an inspection is answering it, as is a file named
    # for a commissioner ("lancashire-pcc-peel-2022.docx") that is about one
    if (COMMISSIONER_OFFICE.search(publisher) or COMMISSIONER_IN_NAME.search(name)) and ABOUT_INSPECTION.search(head):
        return "pcc_response"
    if suffix in {".html", ".htm", ".txt"}:  # a web page, or one copied as plain text
        return "news"
    return "other"
