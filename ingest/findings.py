"""The structured findings of an inspection report, read from its layout and language.

HMICFRS reports (and the board papers that restate them) mark their findings in a few
consistent ways, which this module reads the way a reader skims a report:

- graded judgements: "Durham Constabulary is outstanding at tackling serious and organised
  crime", or a table row "Investigating crime | Good";
- boxed headings: "Area for improvement: ...", "Cause of concern: ...", "Innovative
  practice: ...", "Promising practice: ...", or the bare label followed by the finding
  ("Area for improvement 1" then "The force should ...");
- recommendations: "By February 2022, the Home Office should ...", numbered or not, and
  undated "X should ..." items under a "Recommendations" label;
- findings restated as a list a sentence announces: "HMICFRS has made 43 recommendations
  which include:" then one item each, or inline, "The report makes three recommendations: to
  transform ...; that the police should ...; and that ...";
- key findings: the statement headings below a section's top two heading levels
  ("Cleveland Police uses intelligence to inform its strategy and prioritise work"), and
  statement headings set in regular weight, known by their shape: a short sentence-case line
  without a full stop, followed by body text, in a section whose other statements are headings.

Each finding keeps the blocks that follow it, up to the next heading, as its evidence.

Who a finding concerns comes from the enclosing section heading (a report has one top-level
section per force or unit), else the finding's own words, else the report's title.
Findings are computed on demand from a stored Document's blocks; nothing here depends on
the app layer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from scrutiny.ingest.chunker import SECTION_SEPARATOR, section_paths
from scrutiny.ingest.forces import REGIONAL_UNITS, TERRITORIAL_FORCES, forces_in
from scrutiny.ingest.injection import instructions_in
from scrutiny.ingest.records import Block, Document
from scrutiny.ingest.text import GRADES, MONTH, normalise_text

FINDING_KINDS: tuple[str, ...] = (
    "graded_judgement", "cause_of_concern", "recommendation", "area_for_improvement",
    "innovative_practice", "promising_practice", "key_finding",
)
SCOPES: tuple[str, ...] = ("force", "regional", "national")

QUOTE_MAX_CHARS = 300  # a finding's quote stops at a sentence end before this many characters
MAX_EVIDENCE_BLOCKS = 8  # supporting paragraphs kept with a finding
MAX_SUBJECT_WORDS = 8  # "North East Regional Specialist Operations Unit (NERSOU)" is 7
MAX_ADDRESSEE_WORDS = 25
MIN_KEY_FINDING_WORDS = 4  # shorter deep headings are section titles, not statements
MAX_SHAPED_HEADING_WORDS = 30  # a regular-weight statement heading is one short line or two
SENTENCE_CLOSERS = (".", ":", ";", "?", "!", ",", "”", '"', "’", "'", ")")

_DEADLINE = (
    rf"(?:[Bb]y\s+(?:the\s+end\s+of\s+)?(?P<date>(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?{MONTH}\s+\d{{4}})"
    r"|(?P<within>[Ww]ithin\s+(?:\w+|\d+)\s+(?:days?|weeks?|months?|years?))"
    r"|(?P<now>[Ii]mmediately))"
)
# "By February 2022, the NPCC lead for SOC should ..." (a recommendation that opens its block)
DATED_ACTION = re.compile(rf"^{_DEADLINE},?\s+(?P<addressee>.+?)\s+should\b\s*:?\s*(?P<action>.*)$", re.S)
# "Regional chief constables should appoint ..." / "The force needs to ..."
ADDRESSED_ACTION = re.compile(r"^(?P<addressee>.+?)\s+(?:should|must|needs? to)\b", re.S)
# "4.3 ", "1) ", "(a) ", "2. " before a block's text
NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|\d+\)|\(\w{1,3}\)|[a-z]\))\s+")
LABELS: dict[str, str] = {
    "area for improvement": "area_for_improvement", "areas for improvement": "area_for_improvement",
    "cause of concern": "cause_of_concern", "causes of concern": "cause_of_concern",
    "recommendation": "recommendation", "recommendations": "recommendation",
    "innovative practice": "innovative_practice", "promising practice": "promising_practice",
    "afi": "area_for_improvement", "afis": "area_for_improvement",  # how a question may name them
}


def labels_pattern(kind: str | None = None) -> str:
    """A regex alternation of the LABELS (those of one kind), longest first, any whitespace
    between their words."""
    labels = sorted((label for label, k in LABELS.items() if kind in (None, k)), key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, label.split())) for label in labels)


LABEL = re.compile(
    r"^(?P<label>areas?\s+for\s+improvement|causes?\s+of\s+concern|recommendations?|innovative\s+practice"
    r"|promising\s+practice)(?:\s+\d+)?\s*(?:(?P<colon>[:\-–—])\s*(?P<rest>.*))?$",
    re.IGNORECASE | re.S,
)
_PLURAL_LABEL = r"(?P<label>recommendations|areas\s+for\s+improvement|causes\s+of\s+concern)"
# "HMICFRS has made 43 recommendations which include:" then one list item per recommendation
ANNOUNCED_LIST = re.compile(rf"\b{_PLURAL_LABEL}\b[^.:;]*:\s*$", re.IGNORECASE)
# "The report makes three recommendations: to transform ...; that the police should ...; and that ..."
INLINE_LIST = re.compile(rf"\b{_PLURAL_LABEL}\b[^.:;]*:\s*(?P<items>[^:]+?;[^:]+?)(?:\.(?=\s|$)|$)", re.IGNORECASE)
LIST_JOINS = re.compile(r"^(?:and|or)\s+|[\s;,]+(?:and|or)?\s*$", re.IGNORECASE)
_GRADE = r"(?P<grade>outstanding|good|adequate|inadequate|requires\s+improvement)"
GRADED = re.compile(
    rf"^(?P<body>[A-Z][^.:;]{{1,90}}?)\s+(?:is|was|has\s+been)\s+(?:graded\s+|rated\s+|judged(?:\s+to\s+be)?\s+)?"
    rf"{_GRADE}\s+(?:at|in)\s+(?P<area>[^.;]+?)\.?$"
)
GRADED_NEEDS = re.compile(  # "The force requires improvement at ..." (no "is")
    r"^(?P<body>[A-Z][^.:;]{1,90}?)\s+(?P<grade>requires\s+improvement)\s+(?:at|in)\s+(?P<area>[^.;]+?)\.?$"
)
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"‘'(])")
OPENING_QUOTES = ("“", '"', "‘", "'")
# A generic name for the body a section is about ("The force is good at ...").
GENERIC_BODY = re.compile(r"^(?:the\s+)?(?:force|constabulary|police\s+service|unit|rocu|region)$", re.IGNORECASE)
CONTENTS_HEADINGS = re.compile(r"^(?:table\s+of\s+)?contents$", re.IGNORECASE)
REGIONAL_WORDS = re.compile(r"\bregion(?:al)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    """One structured item of an inspection report.

    `subject` is the canonical force or unit the finding concerns ("" when it concerns no single
    body, as with national recommendations); `quote` occurs verbatim (whitespace aside) on `page`.
    """

    kind: str
    subject: str
    text: str
    page: int
    quote: str
    deadline: str = ""
    addressee: str = ""
    grade: str = ""
    scope: str = "national"
    section: str = ""
    doc_id: str = ""
    evidence: tuple[Block, ...] = field(default=(), repr=False)

    @property
    def id(self) -> str:
        """Content-derived id, stable across runs."""
        return hashlib.sha256(f"{self.doc_id}:{self.kind}:{self.page}:{self.text}".encode()).hexdigest()[:12]

    def to_dict(self) -> dict:
        """JSON-ready form (`scrutiny findings --json`)."""
        record = asdict(self)
        record["id"] = self.id
        record["evidence"] = [{"page": block.page, "text": block.text} for block in self.evidence]
        return record


def _strip_numbering(text: str) -> str:
    return NUMBERING.sub("", text, count=1).strip()


def _first_sentences(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """The leading sentences of `text` that fit in `limit` characters (a verbatim prefix)."""
    if len(text) <= limit:
        return text
    ends = [m.start() for m in SENTENCE_BREAK.finditer(text) if m.start() <= limit]
    if ends:
        return text[: ends[-1]].strip()
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].strip()


def _single_body(text: str) -> str:
    bodies = forces_in(text)
    return bodies[0] if len(bodies) == 1 else ""


def scope_of(subject: str, section: str) -> str:
    """force, regional or national: from the body a finding concerns, else its section."""
    if subject in TERRITORIAL_FORCES:
        return "force"
    if subject in REGIONAL_UNITS or REGIONAL_WORDS.search(section):
        return "regional"
    return "national"


@dataclass
class _Open:
    """A finding being read: its fields so far and the blocks that support it."""

    kind: str
    text: str
    block_index: int
    quote: str
    deadline: str = ""
    addressee: str = ""
    evidence: list[Block] = field(default_factory=list)


class FindingReader:
    """Reads the findings of one document from its blocks; see the module docstring."""

    def __init__(self, document: Document):
        self.document = document
        self.blocks = document.blocks
        self.paths = section_paths(self.blocks)
        self.title_subject = _single_body(document.title)
        heading_levels = sorted({b.level for b in self.blocks if b.role == "heading"})
        self.top_levels = set(heading_levels[:2])
        # top-level sections whose statements are set as headings (where a regular-weight one is a slip)
        self.statement_sections = {
            self.paths[i][0] for i, b in enumerate(self.blocks)
            if b.role == "heading" and b.level not in self.top_levels and self.paths[i]
        }

    # -- who and where -------------------------------------------------------------------
    def subject_at(self, index: int, text: str = "") -> str:
        """The force or unit the block at `index` is about: section heading, own words, title."""
        for heading in self.paths[index]:
            body = _single_body(heading)
            if body:
                return body
        return _single_body(text) or self.title_subject

    def section_at(self, index: int) -> str:
        return SECTION_SEPARATOR.join(self.paths[index])

    def in_contents(self, index: int) -> bool:
        return any(CONTENTS_HEADINGS.match(heading.strip()) for heading in self.paths[index][:1])

    # -- building ------------------------------------------------------------------------
    def _finish(self, item: _Open) -> Finding | None:
        block = self.blocks[item.block_index]
        subject = self.subject_at(item.block_index, item.text)
        addressee = item.addressee
        if not addressee and item.kind != "key_finding":  # a statement asks no one to act
            match = ADDRESSED_ACTION.match(item.text)
            if match and len(match.group("addressee").split()) <= MAX_ADDRESSEE_WORDS:
                addressee = match.group("addressee").strip(" ,;:")
        if addressee and GENERIC_BODY.match(addressee.strip()) and subject:
            addressee = subject
        if not addressee and item.kind in ("area_for_improvement", "cause_of_concern") and subject:
            addressee = subject
        quote = item.quote
        page_text = self.document.pages[block.page - 1] if block.page <= len(self.document.pages) else ""
        if normalise_text(quote) not in normalise_text(page_text):
            return None  # the quote must hold; a block not on its page is a loader bug, not a finding
        section = self.section_at(item.block_index)
        return Finding(
            kind=item.kind, subject=subject, text=item.text, page=block.page, quote=quote,
            deadline=item.deadline, addressee=addressee.strip(), scope=scope_of(subject, section),
            section=section, doc_id=self.document.id,
            evidence=tuple(item.evidence[:MAX_EVIDENCE_BLOCKS]),
        )

    def _graded(self, index: int) -> list[Finding]:
        """Graded judgements in one block: sentences "X is good at ...", or a "Area | Grade" row."""
        block = self.blocks[index]
        found: list[Finding] = []
        if block.role == "table_row":
            cells = [cell.strip() for cell in block.text.split(" | ")]
            if len(cells) == 2 and cells[1].lower() in GRADES:
                subject = self.subject_at(index)
                if subject:
                    found.append(self._grade_finding(index, subject, cells[1].lower(), cells[0], block.text))
            return found
        for sentence in SENTENCE_BREAK.split(block.text):
            sentence = sentence.strip()
            match = GRADED.match(sentence) or GRADED_NEEDS.match(sentence)
            if not match:
                continue
            body = match.group("body").strip()
            if len(body.split()) > MAX_SUBJECT_WORDS:
                continue
            subject = _single_body(body)
            if not subject and GENERIC_BODY.match(body):
                subject = self.subject_at(index)
            if subject:
                grade = " ".join(match.group("grade").lower().split())
                found.append(self._grade_finding(index, subject, grade, match.group("area").strip(), sentence))
        return found

    def _grade_finding(self, index: int, subject: str, grade: str, area: str, quote: str) -> Finding:
        block = self.blocks[index]
        section = self.section_at(index)
        return Finding(
            kind="graded_judgement", subject=subject, text=f"{subject} is {grade} at {area}",
            page=block.page, quote=quote, grade=grade, scope=scope_of(subject, section),
            section=section, doc_id=self.document.id,
        )

    def read(self) -> list[Finding]:
        """Every finding of the document, in reading order."""
        items: list[Finding | _Open] = []  # open items are finished at the end
        current: _Open | None = None  # the finding whose supporting blocks follow
        concern: _Open | None = None  # a cause of concern still waiting for its recommendation
        expecting: str | None = None  # a bare label was seen; its finding is the next block
        expecting_level = 0  # heading level of that label (0: a paragraph label)
        plural = False  # "Recommendations:" / "Areas for improvement" introduce several
        consumed: set[int] = set()  # headings used as a finding's text, not key findings

        def close() -> None:
            nonlocal current
            if current is not None and not any(item is current for item in items):
                items.append(current)
            current = None

        def open_key_finding(text: str, index: int) -> None:
            nonlocal current
            close()  # a statement ends the previous finding's evidence; a pending concern stays open
            current = _Open("key_finding", text, index, _first_sentences(self.blocks[index].text))

        def open_item(kind: str, text: str, index: int, quote: str) -> _Open:
            nonlocal current, concern
            close()
            current = _Open(kind, text, index, quote)
            self._read_action(current, text)
            concern = current if kind == "cause_of_concern" else None
            return current

        listed: str | None = None  # a sentence announced a list of findings of this kind: one per item

        for index, block in enumerate(self.blocks):
            if self.in_contents(index):
                continue
            text = _strip_numbering(block.text)
            is_heading = block.role == "heading"
            if listed and block.role == "list_item" and not (
                text.rstrip().endswith(":") or LABEL.match(text) or DATED_ACTION.match(text)
            ):  # an item that is a label, or a finding in its own right, is read as such
                item_text = LIST_JOINS.sub("", text).strip()
                open_item(listed, item_text, index, _first_sentences(block.text))
                continue
            listed = None
            if block.role == "paragraph" and not LABEL.match(text):
                announced = ANNOUNCED_LIST.search(text)
                if announced and len(text.split()) >= MIN_KEY_FINDING_WORDS:  # a sentence, not a bare label
                    close()
                    listed = LABELS[" ".join(announced.group("label").lower().split())]
                    continue
                inline = self._inline_list(index, text)
                if inline:
                    close()
                    items.extend(inline)
                    continue
            heading_is_expected_text = bool(
                expecting and is_heading and expecting_level and block.level > expecting_level
            )
            if is_heading and not heading_is_expected_text:
                close()
                expecting, plural = None, False
                if block.level in self.top_levels:
                    concern = None
            items.extend(self._graded(index))

            label = LABEL.match(text)
            if label:
                kind = LABELS[" ".join(label.group("label").lower().split())]
                rest = (label.group("rest") or "").strip()
                if rest:
                    expecting, plural = None, False
                    start = block.text.find(rest)
                    open_item(kind, rest, index, _first_sentences(block.text[start:] if start >= 0 else rest))
                    continue
                if is_heading or label.group("colon"):
                    close()
                    if kind != "recommendation":
                        concern = None  # a recommendations label may still answer the concern
                    expecting = kind
                    expecting_level = block.level if is_heading else 0
                    plural = label.group("label").split()[0].lower().endswith("s")  # areas, causes, ...s
                    continue

            dated = DATED_ACTION.match(text) if not text.startswith(OPENING_QUOTES) else None
            if dated and concern is not None and not concern.deadline:
                self._read_action(concern, text)  # the recommendation that answers the concern
                concern.evidence.append(block)
                close()
                current = concern  # what follows (its sub-points, a response) supports it
                continue
            if dated:
                open_item("recommendation", text, index, _first_sentences(text))
                continue
            if expecting:
                if expecting == "recommendation" and not self._is_undated_recommendation(text):
                    if current is not None:
                        current.evidence.append(block)
                    continue  # "The Board is recommended to note ..." is not a recommendation
                if plural and current is not None and block.role == "paragraph" and not ADDRESSED_ACTION.match(text):
                    current.evidence.append(block)  # commentary under the previous item
                    continue
                open_item(expecting, text, index, _first_sentences(text))
                if is_heading:
                    consumed.add(index)
                if not plural:
                    expecting = None
                continue
            if not is_heading and self._is_shaped_heading(index):
                open_key_finding(text, index)
                continue
            if current is not None and not is_heading:
                current.evidence.append(block)
                continue
            if is_heading and index not in consumed and self._is_key_finding(index, text):
                open_key_finding(text, index)
        close()
        findings = [item if isinstance(item, Finding) else self._finish(item) for item in items]
        return [finding for finding in findings if finding is not None]

    def _inline_list(self, index: int, text: str) -> list[_Open]:
        """Findings a sentence lists after announcing them ("makes three recommendations: a; b; and c")."""
        match = INLINE_LIST.search(text)
        if not match:
            return []
        kind = LABELS[" ".join(match.group("label").lower().split())]
        pieces = [LIST_JOINS.sub("", piece.strip()).strip() for piece in match.group("items").split(";")]
        pieces = [piece for piece in pieces if len(piece.split()) >= MIN_KEY_FINDING_WORDS]
        if len(pieces) < 2:
            return []
        return [_Open(kind, piece, index, piece) for piece in pieces]

    @staticmethod
    def _is_undated_recommendation(text: str) -> bool:
        """ "Chief constables should ..." : a short addressee, no "Label:" before it."""
        if text.startswith(OPENING_QUOTES):
            return False  # an earlier report's recommendation, quoted
        match = ADDRESSED_ACTION.match(text)
        return match is not None and ":" not in match.group("addressee") and (
            len(match.group("addressee").split()) <= MAX_SUBJECT_WORDS
        )

    def _read_action(self, item: _Open, text: str) -> None:
        """Deadline and addressee of a "By <date>, <addressee> should ..." sentence, when there is one."""
        match = DATED_ACTION.match(text)
        if not match:
            return
        item.deadline = match.group("date") or match.group("within") or match.group("now") or ""
        addressee = match.group("addressee").strip(" ,;:")
        if len(addressee.split()) <= MAX_ADDRESSEE_WORDS:
            item.addressee = addressee

    def _is_key_finding(self, index: int, text: str) -> bool:
        block = self.blocks[index]
        return (
            block.level not in self.top_levels
            and len(text.split()) >= MIN_KEY_FINDING_WORDS
            and bool(self.paths[index])
            and not LABEL.match(text)
        )

    def _is_shaped_heading(self, index: int) -> bool:
        """A statement heading set in regular weight, known by its shape: one short sentence-case
        line with no closing punctuation, followed by a new sentence of body text, in a section
        whose other statements are set as headings ("There are good relationships between the
        ROCU and forces, but NERSOU needs more consistent support ..." above its paragraphs)."""
        block = self.blocks[index]
        text = block.text.strip()
        words = text.split()
        if (block.role != "paragraph" or not self.paths[index] or self.paths[index][0] not in self.statement_sections
                or not MIN_KEY_FINDING_WORDS <= len(words) <= MAX_SHAPED_HEADING_WORDS):
            return False
        if not text[:1].isupper() or text.endswith(SENTENCE_CLOSERS) or SENTENCE_BREAK.search(text):
            return False  # not a whole line of its own: a sentence, or one cut at a page end
        if sum(1 for word in words[1:] if word[:1].isupper()) * 2 > len(words) - 1:
            return False  # Title Case: a title or a name, not a statement
        if LABEL.match(text) or GRADED.match(text) or GRADED_NEEDS.match(text):
            return False
        following = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
        return (following is not None and following.role in ("paragraph", "list_item")
                and following.text[:1].isupper() and following.text.rstrip().endswith((".", ":")))


def is_finding_label(text: str) -> bool:
    """True for a finding's label ("4.3 Cause of concern:", "Area for improvement: ...")."""
    return bool(LABEL.match(_strip_numbering(text)))


def restates_action(text: str) -> bool:
    """True for a "By <date>, <addressee> should ..." sentence (a recommendation's wording)."""
    return bool(DATED_ACTION.match(_strip_numbering(text)))


def extract_findings(document: Document) -> list[Finding]:
    """The findings of a document (inspection report or board paper), in reading order; text
    addressed to an AI model is never a finding (ingest/injection.py)."""
    if not document.blocks:
        return []
    return [f for f in FindingReader(document).read() if not instructions_in(f.text)]
