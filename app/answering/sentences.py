"""Candidate sentences of a passage, and how each is quoted: with the list it introduces, the
neighbour it leans on, the rest of its paragraph or the quotation it opens.

Blocks are separated only by whitespace, so every extended quote stays verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from scrutiny.app.answering.tuning import (
    EXTEND_CHARS,
    LABEL_CAPITALS,
    LIST_ITEM_WORDS,
    MIN_ANSWER_WORDS,
    PARAGRAPH_CHARS,
    QUOTATION_CHARS,
    SIBLING_OVERLAP,
    SIBLING_WORDS,
)
from scrutiny.app.retrieval.fusion import Hit
from scrutiny.ingest.chunker import SECTION_SEPARATOR
from scrutiny.ingest.injection import instructions_in
from scrutiny.ingest.text import MONTH, PARAGRAPH_BREAK, SENTENCE_END, find_quote_page, normalise_text, split_sentences, stems

ANAPHOR = re.compile(r"(This|These|That|Those|It|Its|They|Their|He|She|His|Her|Such|However)\b")

# "In particular, its investment in ..." goes on from the sentence before it, as "This ..." does
CONNECTIVE = re.compile(r"(?:In particular|In addition|Additionally|Also|Furthermore|Moreover|As a result|Therefore|"
                        r"Consequently|Similarly|Likewise|Nevertheless|Nonetheless|Instead|Indeed|Equally|For example|"
                        r"For instance|In contrast|By contrast|Even so|Again)\b")

CONTINUES = re.compile(r"(This|These|It|They|Such)\b")  # a paragraph going on with the last one's subject

# "..., Kim McGuinness, said: “The fight ...": someone's words open and are not closed in the paragraph
SAYING_WORDS = r"\b(?:said|says|added|adds|told|commented|stated|explained)\b"

ATTRIBUTION = re.compile(SAYING_WORDS + r"[^“”\"]{0,40}[“\"]", re.IGNORECASE)

# "“This is a different matter,” said the mayor": a closed quotation attributed after it
ATTRIBUTION_AFTER = re.compile(r"[,.!?][”\"]\s*(?:[\w’'-]+\s+){0,4}?" + SAYING_WORDS, re.IGNORECASE)

CITATION_LIKE = re.compile(r"\[\d+\]")

# a dated field on a line of its own: "Published: 8 December 2015", "Date of response: May 2023"
DATE_FIELD = re.compile(rf"[A-Z][\w’' -]{{0,30}}:\s*(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{MONTH})\.?,?\s+(?:19|20)\d\d\W*$",
                        re.IGNORECASE)

ALPHABETIC_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]*\b")


@dataclass
class Candidate:
    sentence: str
    hit: Hit
    rank: int
    score: float = 0.0
    responds_to: Candidate | None = None  # the finding a response paragraph answers (responses.py)

    @cached_property
    def sub_heading(self) -> str:
        """The short line last before the sentence's paragraph in its passage: a sub-heading the
        section path may lack ("4.3 Cause of concern:" over the finding)."""
        text = self.hit.chunk.text
        start = text.find(self.sentence)
        blocks = PARAGRAPH_BREAK.split(text[:start]) if start > 0 else []
        if blocks and blocks[-1].strip():
            blocks.pop()  # the sentence's own paragraph, before it
        blocks = [" ".join(b.split()) for b in blocks]
        return next((b for b in reversed(blocks) if b and len(b.split()) < MIN_ANSWER_WORDS), "")

    @cached_property
    def quote(self) -> str:
        """The sentence as it would be quoted, with the list or neighbours it needs (computed once);
        never extended into a sentence addressed to an AI model."""
        extended = extend_introducer(self)
        return self.sentence if extended != self.sentence and instructions_in(extended) else extended


ABOUT_PUBLISHER = re.compile(
    r"\s*about\s+(?:us|our\s+(?:organisation|office|work)|hmicfrs|hmic|his majesty'?s inspectorate|the inspectorate"
    r"|the\s+(?:police\s+(?:(?:,\s*)?fire\s+)?and\s+crime\s+)?commissioner|the\s+pcc|the\s+author)s?\s*$",
    re.IGNORECASE)


def is_label(sentence: str) -> bool:
    """A form label, title or signature line ("Date Inspection Published – 7 December 2022"):
    mostly capitalised words, not ending as a sentence does."""
    words = ALPHABETIC_WORD.findall(sentence)
    capitalised = sum(1 for word in words if word[0].isupper())
    return bool(words) and capitalised >= LABEL_CAPITALS * len(words) and not ends_sentence(sentence)


def describes_publisher(section: str) -> bool:
    """The sentence sits under a heading where the publisher describes itself ("About us",
    "About HMICFRS", "About the commissioner"): boilerplate that states no finding about the
    subject of the document."""
    heading = section.rsplit(SECTION_SEPARATOR, 1)[-1]
    return bool(ABOUT_PUBLISHER.match(heading))


def ends_sentence(text: str) -> bool:
    """The text ends as a sentence does (a full stop, maybe inside closing quotes)."""
    return text.rstrip().rstrip("\"'”’)")[-1:] in (".", "!", "?")


def _row_like(a: str, b: str) -> bool:
    """`b` is a line of the same form as `a`: they share at least SIBLING_WORDS word stems, and
    at least SIBLING_OVERLAP of the shorter one's ("Durham was graded outstanding at tackling
    ..." after "Cleveland Police was graded adequate at tackling ..."; not "Cyber crime" after
    "The unit tackles three kinds of crime")."""
    ta, tb = stems(a), stems(b)
    shared = len(ta & tb)
    return shared >= SIBLING_WORDS and shared >= SIBLING_OVERLAP * min(len(ta), len(tb))


def candidate_sentences(passage: str) -> list[str]:
    """Sentences worth quoting: fragments too short to stand alone are merged or dropped.

    Runs of short blocks (a signature, an address, a heading and its grade) are joined into
    one candidate, and a dated field on a line of its own ("Published: 8 December 2015") to the
    sentence just before it; both stay verbatim because blocks are separated only by whitespace.
    """
    candidates: list[str] = []
    short_run: list[str] = []
    last_sentence = ""  # the last sentence of the block just before the short run

    def close_run():
        joined = " ".join(short_run)
        if len(short_run) > 1 and len(joined.split()) >= MIN_ANSWER_WORDS and not CITATION_LIKE.search(joined):
            candidates.append(joined)
        elif len(short_run) == 1 and last_sentence and DATE_FIELD.match(joined):
            # a dated field under the line it belongs to: "... a national overview." + "Published: 8 December 2015"
            candidates.append(f"{last_sentence} {joined}")
        short_run.clear()

    for block in PARAGRAPH_BREAK.split(passage):
        block = " ".join(block.split())
        if not block:
            continue
        if len(block.split()) < MIN_ANSWER_WORDS:
            short_run.append(block)
            continue
        sentences = split_sentences(block)
        close_run()
        # A question in a document (a form's "Is the force named?") is never evidence, and a
        # sentence holding a "[2]" of its own would be mistaken for the answer's citation marker.
        kept = [s for s in sentences
                if len(s.split()) >= MIN_ANSWER_WORDS and not s.endswith("?") and not CITATION_LIKE.search(s)]
        candidates.extend(kept)
        last_sentence = sentences[-1] if kept and kept[-1] == sentences[-1] else ""
    close_run()
    return candidates


def extend_introducer(candidate: Candidate) -> str:
    """A heading, a sentence ending in ':' or a line followed by a list, quoted with what follows;
    any other sentence with the neighbours it leans on or that lean on it ("They ...").

    "NERSOU has named eight regional SOC priorities" says nothing until its list does.
    Blocks are separated only by whitespace, so the extended quote stays verbatim.
    """
    sentence = candidate.sentence
    text = candidate.hit.chunk.text
    start = text.find(sentence)
    if start < 0:
        return sentence
    sentence_end = end = start + len(sentence)
    blocks = [(sentence_end + m.end(), m.group(0)) for m in re.finditer(r"\S.*?(?=\n\s*\n|\Z)", text[sentence_end:], flags=re.DOTALL)]
    ends_block = not text[sentence_end:].split("\n", 1)[0].strip()
    short = [len(block.split()) <= LIST_ITEM_WORDS for _, block in blocks]
    headings = candidate.hit.document.heading_texts
    # A line followed by a line of its own form (_row_like) is one row of a table, not a list's introducer.
    sibling = bool(blocks) and _row_like(sentence, blocks[0][1])
    if ends_block and len(short) >= 2 and short[0] and short[1] and not ends_sentence(sentence) and not sibling:
        # A list: the short blocks (items) that follow, and nothing after them: a heading or
        # a line ending in ':' opens something else (a form's next field). A sentence that ends
        # with a full stop introduces nothing ("... will continue to monitor progress." before a
        # form's "For Office Use Only" lines).
        for (block_end, block), is_short in zip(blocks, short, strict=False):
            block = " ".join(block.split())
            if not is_short or block_end - start > EXTEND_CHARS or block in headings or block.endswith(":"):
                break
            end = block_end
        return " ".join(text[start:end].split())
    if not (sentence.rstrip().endswith(":") or sentence in headings):
        return _with_neighbours(sentence, text, start, sentence_end)
    for block_end, block in blocks:
        if block_end - start > EXTEND_CHARS or " ".join(block.split()) in headings:
            break  # the next heading opens another section: the title says no more
        end = block_end
        if block.rstrip()[-1:] in ".!?":
            break  # a whole sentence, or a list that ends in a full stop, completes it
    return " ".join(text[start:end].split())


def _with_neighbours(sentence: str, text: str, start: int, sentence_end: int) -> str:
    """The sentence with the one before it if it leans on that one, and with the next one if
    that one leans on it, within its paragraph.

    "They have little time to review SARs" needs the sentence saying who "they" are; "This is
    being completed in three phases." says what the sentence before it leaves out.
    """
    lead_in = _lead_in(text, start)
    if lead_in is not None and sentence_end - lead_in <= EXTEND_CHARS:
        start = lead_in  # "Wendy Williams said:" over the quotation it introduces
    elif ANAPHOR.match(sentence) or CONNECTIVE.match(sentence):
        before = PARAGRAPH_BREAK.split(text[:start])[-1]
        previous = split_sentences(before)
        if previous:
            previous_start = start - len(before) + before.rfind(previous[-1])
            if sentence_end - previous_start <= EXTEND_CHARS:
                start = previous_start
    end = sentence_end
    rest = PARAGRAPH_BREAK.split(text[sentence_end:], maxsplit=1)[0]
    following = split_sentences(rest)
    if following and ANAPHOR.match(following[0]):
        following_end = sentence_end + rest.find(following[0]) + len(following[0])
        if following_end - start <= EXTEND_CHARS:
            end = following_end
    return " ".join(text[start:end].split())


def _lead_in(text: str, start: int) -> int | None:
    """Where the sentence ending in ':' just before `start` begins, in its paragraph or the one
    before ("His Majesty's Inspector of Constabulary Wendy Williams said:" over the quotation):
    what follows a colon is that sentence's to finish, and says whose words it is."""
    before = text[:start].rstrip()
    if not before.endswith(":"):
        return None
    block = PARAGRAPH_BREAK.split(before)[-1]
    previous = split_sentences(block)
    if not previous or not previous[-1].endswith(":"):
        return None  # too short to be a sentence of its own ("Date:"): no lead-in, not the one before
    at = before.rfind(previous[-1])
    return at if at >= 0 else None


def _unclosed(text: str) -> bool:
    """A quotation opens in the text and does not close there (curly and straight marks counted
    alike: scraped pages mix them)."""
    return (text.count("“") + text.count("”") + text.count('"')) % 2 == 1


def quotation_run(candidate: Candidate, paragraph: str) -> tuple[str, list[str]]:
    """`paragraph` (the lead quote) with the paragraphs that go on with the quotation it opens,
    and those paragraphs.

    A news story quotes a speaker over several paragraphs, each opening with “ and only the
    last closing it: "Kim McGuinness, said: “The fight ..." / "“For me, the real success is
    the prevention work ...". Those paragraphs are the speaker's words too, though no name is
    beside them, and they may lie in the next passage: they are taken from the page itself. A
    paragraph with an attribution of its own ("“...,” said the mayor") is someone else's.
    """
    if not (ATTRIBUTION.search(paragraph) and _unclosed(paragraph)):
        return paragraph, []
    document, chunk = candidate.hit.document, candidate.hit.chunk
    page = find_quote_page(document, paragraph, chunk.page_start, chunk.page_end)
    if page is None:
        return paragraph, []
    blocks = [" ".join(block.split()) for block in PARAGRAPH_BREAK.split(document.page_text(page))]
    target = normalise_text(paragraph)
    index = next((i for i, block in enumerate(blocks) if normalise_text(block).endswith(target)), None)
    if index is None:
        return paragraph, []
    run: list[str] = []
    for block in blocks[index + 1:]:
        if (not block.startswith(("“", '"')) or ATTRIBUTION_AFTER.search(block)
                or len(" ".join([paragraph, *run, block])) > QUOTATION_CHARS):
            break
        run.append(block)
        if not _unclosed(block):
            break  # its closing mark ends the quotation
    return " ".join([paragraph, *run]), run


def passage_through(text: str, blocks: list[str]) -> str:
    """A passage's text with the paragraphs a quote runs on into after it (those it lacks)."""
    held = normalise_text(text)
    return "\n\n".join([text.rstrip(), *(block for block in blocks if normalise_text(block) not in held)])


def rest_of_paragraph(candidate: Candidate) -> str:
    """The candidate's quote with the rest of its paragraph (and the next paragraph's first
    sentence when it goes on with the same subject), when that stays short.

    A finding's figures and outcomes follow it in the same paragraph ("Operation Eastwood is
    designed to deter children from reoffending. ... only two children had reoffended.").
    """
    quote = candidate.quote
    blocks = [" ".join(block.split()) for block in PARAGRAPH_BREAK.split(candidate.hit.chunk.text)]
    for index, block in enumerate(blocks):
        at = block.find(quote)
        if at >= 0:
            rest = block[at:]
            if not ends_sentence(rest):
                # cut by a page turn or the chunk's end: it stops at its last full sentence
                boundaries = [m.end() for m in SENTENCE_END.finditer(rest)]
                rest = rest[:boundaries[-1]].rstrip() if boundaries else ""
            elif index + 1 < len(blocks):
                # the next paragraph's first sentence may lean on this one ("This is being
                # completed in three phases.")
                following = split_sentences(blocks[index + 1])[:1]
                if (following and CONTINUES.match(following[0]) and ends_sentence(following[0])
                        and len(rest) + 1 + len(following[0]) <= PARAGRAPH_CHARS):
                    rest = f"{rest} {following[0]}"
            return rest if len(quote) < len(rest) <= PARAGRAPH_CHARS else quote
    return quote
