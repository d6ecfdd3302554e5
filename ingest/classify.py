"""Rules that give a document its kind, date and publisher from its own text.

Each rule reads the title and the first page, as a person skimming the document would.
Rules are tried in order; the first that matches wins.
"""

from __future__ import annotations

import re

from scrutiny.ingest.text import MONTH, MONTH_NUMBERS

_MONTH = rf"({MONTH})"  # the month as a group of its own
DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MONTH_DAY_YEAR = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}}),\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
ISO_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?\b")
LABELLED_DATE = re.compile(r"^\s*(?:date|dated|published|date published)\s*[:\-–]\s*(.+)$", re.IGNORECASE | re.MULTILINE)

KIND_RULES: list[tuple[str, re.Pattern]] = [
    ("board_paper", re.compile(
        r"^\s*to:\s.*\b(board|committee|panel|meeting)\b|\bagenda item\b|\breport to the\b.*\b(board|committee|panel)\b",
        re.IGNORECASE | re.MULTILINE)),
    ("pcc_response", re.compile(
        r"\b(pcc|police and crime commissioner|police, fire and crime commissioner|commissioner)('s|’s)?\s+response\b"
        r"|\bresponse\s+(by|from|of)\s+the\s+(pcc|police and crime commissioner|commissioner)\b"
        r"|\bsection 55 response\b.*\bcommissioner\b",
        re.IGNORECASE)),
    ("force_response", re.compile(
        r"\b(force|police|constabulary|chief constable)('s|’s)?\s+response\s+to\b", re.IGNORECASE)),
    ("inspection_report", re.compile(
        r"©\s*HMICFRS|\bHMICFRS\s+\d{4}\b|\bHis Majesty's Inspectorate of Constabulary\b.*\bwe inspected\b",
        re.IGNORECASE)),
]
INSPECTORATE_AUTHOR = re.compile(r"\b(HMICFRS|HMIC|Inspectorate)\b", re.IGNORECASE)


def _iso(year: str, month: str | None, day: str | None = None) -> str:
    if month is None:
        return year
    month_number = MONTH_NUMBERS[month[:4].lower() if month[:4].lower() == "sept" else month[:3].lower()]
    return f"{year}-{month_number:02d}" + (f"-{int(day):02d}" if day else "")


def find_date(text: str) -> str:
    """The first date in `text` as ISO 8601 (day or month precision), or ""."""
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
    if not candidates:
        return ""
    return min(candidates, key=lambda candidate: (candidate[0], -len(candidate[1])))[1]


def document_date(first_page: str, metadata_date: str = "") -> str:
    """A labelled date ("Date: 16 March 2021") wins, then page metadata, then the first date."""
    for match in LABELLED_DATE.finditer(first_page):
        labelled = find_date(match.group(1))
        if labelled:
            return labelled
    if metadata_date:
        return find_date(metadata_date) or metadata_date
    return find_date(first_page)


def document_kind(title: str, first_page: str, author: str, suffix: str) -> str:
    """Kind by the ordered rules; web pages that match none are news."""
    head = f"{title}\n{first_page}"
    for kind, pattern in KIND_RULES:
        if pattern.search(head):
            return kind
    if INSPECTORATE_AUTHOR.search(author) and re.search(r"\binspection\b", head, re.IGNORECASE):
        return "inspection_report"
    if suffix in {".html", ".htm"}:
        return "news"
    return "other"
