"""What a question asks: its parts, what each part is searched by, and what kind of thing a
"which X" question asks for."""

from __future__ import annotations

import re

from scrutiny.app.answering.answer_types import AUXILIARY, CLAUSE_WORDS, WHO_ASKED, Expectation
from scrutiny.app.answering.tuning import ELLIPSIS_WORDS, LEANING_WORDS
from scrutiny.ingest.findings import labels_pattern
from scrutiny.ingest.text import tokenize

# "Which national award did ... win?" asks for an award: the phrase between "which" and its
# verb names what is asked for, and a sentence that only restates the rest of the question
# ("... county lines activity, which had links to Merseyside") does not give it. Only at the
# start of the question or of a part ("In which areas has ...?"), and not across a clause
# ("What changed after the inspection was published?" asks for no kind of thing).
ASKED_FOR = re.compile(r"^\s*(?:(?:in|on|at|for|by|from|to|with)\s+)?(?:which|what)\s+(?!(?:" + AUXILIARY + r")\b)"
                       r"((?:(?!(?:" + CLAUSE_WORDS + r")\b)[\w'’-]+\s+){0,3}?)([\w'’-]+)\s+(?:" + AUXILIARY + r")\b",
                       re.IGNORECASE)

PHRASE_PREPOSITION = frozenset({"of", "for", "in", "on", "at", "about", "to"})  # "area for improvement" -> area

VAGUE_HEADS = frozenset({"kind", "kinds", "type", "types", "sort", "sorts", "form", "forms", "number", "amount",
                         "level", "sum", "part"})  # "what kind of award" asks for an award

RESPONSE_QUESTION = re.compile(
    r"\b(respon(?:se|ses|d|ds|ded|ding)|doing about|action(s|ed)?|plan(s|ned)?|progress|address(ing)?|commissioner|pcc)\b"
    # "what is the force doing to get ...", "where does the force expect ... to come from?"
    r"|\b(?:force|police|constabulary|it|they)\s+(?:doing to|expects?)\b",
    re.IGNORECASE,
)

QUESTION_SPLIT = re.compile(
    r"(?:,\s*|\s+)and\s+(?=(?:what|how|when|who|which|where|why|has|have|had|is|are|was|were|did|does|do|"
    r"can|(?:in|on|at|by|for|from|to|since|until|after|before)\s+(?:what|which|whom|when|how))\b)|\?\s+(?=\S)",
    re.IGNORECASE,
)

# "... has that happened in the north-east and in the Eastern region?": a part that ends in only
# another place, body or time ("and in ...", "and for ...", "and at ...": a few words, no comma,
# no question word) asks the same again about that one.
ELLIPSIS = re.compile(r"(?:,\s*|\s+)and\s+((in|for|at)\s+"
                      r"(?!(?:what|which|how|when|where|whom?|each|every|particular)\b)[^,?;]*?)\s*[?.]?\s*$",
                      re.IGNORECASE)

PREPOSITION = re.compile(r"\s(in|for|at)\s", re.IGNORECASE)

# "areas for improvement" is a name, not a place: its "for" is not replaced
FINDING_LABEL = re.compile(r"\b(?:" + labels_pattern() + r")\b", re.IGNORECASE)

REFERS_BACK = re.compile(r"\b(?:[Ii]ts?|[Tt]hey|[Tt]hem|[Tt]heir|[Tt]hose)\b")  # "... say about them?"; not "IT systems"


def asked_for(question: str) -> list[str]:
    """The word stems of what a "which/what X ..." question (or part) asks for ("Which national
    award did ..." -> ["award"]); none for other questions."""
    stems: list[str] = []
    for part in question_parts(question):
        match = ASKED_FOR.search(part)
        if not match:
            continue
        words = (match.group(1) + match.group(2)).split()
        preposition = next((i for i, word in enumerate(words) if word.lower() in PHRASE_PREPOSITION), None)
        if preposition is None or preposition == 0:
            head = words[-1]
        elif words[preposition - 1].lower() in VAGUE_HEADS and preposition + 1 < len(words):
            head = words[preposition + 1]
        else:
            head = words[preposition - 1]
        stems += tokenize(head)
    return stems


def question_parts(question: str) -> list[str]:
    """Sub-questions of a compound question ("When was X set up, and how many Y?"); a part ending
    in only another place ("Has it happened in the north-east and in the Eastern region?") is
    two: the second with that place instead of the first (_elliptical)."""
    parts = [p.strip(" ,;?") for p in QUESTION_SPLIT.split(question)]
    parts = [p for p in parts if len(p.split()) >= 2]
    parts = [asked for part in parts for asked in _elliptical(part)]
    return parts if len(parts) > 1 else [question]


def _elliptical(part: str) -> list[str]:
    """`part`, or the two questions it asks when it ends in "and in/for/at <a few words>": the
    part before, and the part before with its last "in/for/at ..." phrase (not one inside a
    finding's name, "areas for improvement") replaced. Without such a phrase to replace, the
    part is left whole."""
    match = ELLIPSIS.search(part)
    if not match or len(match.group(1).split()) > ELLIPSIS_WORDS:
        return [part]
    before = part[:match.start()].strip(" ,")
    names = [m.span() for m in FINDING_LABEL.finditer(before)]
    places = [m for m in PREPOSITION.finditer(before) if not any(s <= m.start(1) < e for s, e in names)]
    if not places:
        return [part]
    same = [m for m in places if m.group(1).lower() == match.group(2).lower()]
    cut = (same or places)[-1].start()
    return [before, f"{before[:cut]} {match.group(1)}"]


def asks_statement(part: str, expectation: Expectation) -> bool:
    """The part asks for something said or found, not for a name, role, date, figure or grade."""
    return not (expectation.types or expectation.person or WHO_ASKED.search(part))


def part_queries(parts: list[str]) -> list[str]:
    """What each part is searched and scored by: a part with next to no words of its own ("was
    it implemented?", "by when", "in what year"), or one asking what was said or done about
    "it" or "them" ("... and what did the PCC say about them?"), is asked together with the part
    before it. A part asking for a name, date or figure is answered by its own kind of sentence
    and keeps to its own words.

    Alone, "was it implemented" finds "The team is also implementing safeguards", and "what did
    the PCC say about them" finds whatever the PCC said first.
    """
    queries: list[str] = []
    for part in parts:
        leans = queries and (len(tokenize(part)) <= LEANING_WORDS
                             or (bool(REFERS_BACK.search(part)) and asks_statement(part, Expectation.of(part))))
        queries.append(f"{queries[-1]}, {part}" if leans else part)
    return queries
