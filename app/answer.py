"""Extractive answers: the best 1-3 sentences of the retrieved passages, each cited verbatim.

Every candidate sentence of the top passages is scored against the question by meaning
(embedding cosine), by the question's rarer words it contains (IDF-weighted overlap), by
cues in the question ("how many" wants a number, "when" a date, "who" a role, "graded" a
grade), and by whether it speaks of the force the question names. The best sentences,
non-redundant, become the answer; each citation is checked to occur on its page before the
answer is returned. Only sentences that can be the kind of answer asked for compete
(answerability.py); weak evidence, or none of the right kind, gives a refusal with the
nearest passages as "related".
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from scrutiny.app.answerability import COMMISSIONER, LETTERS, Expectation, has_date, has_grade, has_quantity
from scrutiny.app.quotes import (
    PARAGRAPH_BREAK, SENTENCE_END, find_quote_page, normalise, quote_on_page, split_sentences,
)
from scrutiny.app.records import Answer, Citation
from scrutiny.index.lexical import tokenize
from scrutiny.index.search import Hit, SearchFilters
from scrutiny.ingest.findings import labels_pattern
from scrutiny.ingest.forces import forces_in, regional_unit_of
from scrutiny.ingest.records import RESPONSE_KINDS, Document, DocumentMemo

if TYPE_CHECKING:
    from scrutiny.app.responses import Quoted

REFUSAL_TEXT = "The indexed documents don't answer this question."
KIND_PRIORITY = {
    "inspection_report": 0, "board_paper": 1, "force_response": 1, "pcc_response": 1,
    "other": 2, "news": 3,
}

MIN_ANSWER_WORDS = 6  # shorter fragments (bare headings, "Adequate") are not answers
ANAPHOR = re.compile(r"(This|These|That|Those|It|Its|They|Their|He|She|His|Her|Such|However)\b")
CONTINUES = re.compile(r"(This|These|It|They|Such)\b")  # a paragraph going on with the last one's subject
LIST_ITEM_WORDS = 10  # blocks this short after a line are the items of its list
SIBLING_OVERLAP = 0.5  # share of the shorter line's word stems the line after it shares as another row like it
SIBLING_WORDS = 3  # ... and at least this many (one shared word between short lines is no form)
EXTEND_CHARS = 500  # most text a heading or "...:" sentence is extended by
PART_DEPTH = 3  # a sub-question's own best sentence must be among its top few
RELATIVE_KEEP = 0.75  # later sentences must score this share of the best one
REDUNDANT_OVERLAP = 0.6  # token Jaccard above which a sentence repeats one already chosen
RESTATED_SHARE = 0.9  # share of a sentence's word stems in a longer one that restates it
RESTATED_MIN_STEMS = 6  # fewer are too few to call a sentence a restatement of another
NEGATION = re.compile(r"\b(?:not|no|never|nor|without)\b|n't\b", re.IGNORECASE)
QUESTION_CACHE = 256  # recent question vectors kept by the sentence scorer
NEW_DOCUMENT_BONUS = 0.04  # a strong sentence from another document adds a second view
PRIMARY_SWAP_SHARE = 0.6  # the report's own words replace a restatement scoring this share of it
PARAGRAPH_CHARS = 600  # the lead quote runs on to the end of its paragraph when that is this short
QUOTATION_CHARS = 1000  # ... and through a speaker's quotation that goes on over paragraphs, to this length
# "..., Kim McGuinness, said: “The fight ...": someone's words open and are not closed in the paragraph
SAYING_WORDS = r"\b(?:said|says|added|adds|told|commented|stated|explained)\b"
ATTRIBUTION = re.compile(SAYING_WORDS + r"[^“”\"]{0,40}[“\"]", re.IGNORECASE)
# "“This is a different matter,” said the mayor": a closed quotation attributed after it
ATTRIBUTION_AFTER = re.compile(r"[,.!?][”\"]\s*(?:[\w’'-]+\s+){0,4}?" + SAYING_WORDS, re.IGNORECASE)
LEANING_WORDS = 2  # a later part with this few words of its own is about the part before it
REFERS_BACK = re.compile(r"\b(?:[Ii]ts?|[Tt]hey|[Tt]hem|[Tt]heir|[Tt]hose)\b")  # "... say about them?"; not "IT systems"

ROLE = re.compile(
    r"\b(chief constable|commissioner|PCC|officer|superintendent|Supt|inspector|head of|lead|director|"
    r"minister|secretary|council|Home Office|NPCC|HMICFRS|team|unit|board|Mr|Ms|Mrs|Dr)\b|\b[A-Z][a-z]+ [A-Z][a-z]+\b",
)
SPECIFIC = re.compile(r"\b(?:19|20)\d\d(?:[/-]\d\d(?:\d\d)?)?\b|\b\d[\d,.]*\b")
CITATION_LIKE = re.compile(r"\[\d+\]")
WORD_IN_PROSE = re.compile(r"(?<![@./\w])[A-Za-z]+(?![@/\w]|\.\w)")  # not part of an email address or URL
ALPHABETIC_WORD = re.compile(r"\b[A-Za-z][A-Za-z'’-]*\b")
LABEL_CAPITALS = 0.6  # share of capitalised words above which a "sentence" is a label or a title
WHO_ASKED = re.compile(r"\bwho\b|\bwhich (officer|person|role|body|organisation)\b", re.IGNORECASE)
PERFECT = re.compile(r"\b(?:has|have|had)(?:n['’]t| not)?\s+(?:(?:not|yet|also|already|now|since|never|just)\s+)?"
                     r"(?:been|\w+ed)\b", re.IGNORECASE)
AUXILIARY = "did|does|do|is|are|was|were|has|have|had|will|would|can|could|should|must|might|may"
CLAUSE_WORDS = "if|after|before|when|while|that|which|who|whose|where|because|since|until"
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
ASKED_FOR_WEIGHT = 3.0  # the asked-for word's rarity counts this many times
# The question's own ask ("What did it ask for?", "What was the Board asked to do?"), not one in
# a clause ("What did the force do after HMICFRS recommended a review?").
ASKED_TO = re.compile(r"\bwhat (?:did|does|do|has|have|was|were|is)\s+"
                      r"(?:(?!(?:" + CLAUSE_WORDS + r"|what|do|does|did|done|find|found|say|said)\b)[\w'’-]+\s+)*?"
                      r"(?:ask(?:s|ed)? (?:for|to)|recommend(?:s|ed)?|call(?:s|ed)? for)\b", re.IGNORECASE)
SHOULD = re.compile(r"\b(?:should|must|ought to|needs? to|recommends? that|(?:is|are) (?:recommended|asked) to)\b",
                    re.IGNORECASE)
PERCENT = re.compile(r"\d\s*(%|per\s*cent|percent)", re.IGNORECASE)

# Soft cues: (in the question, in a sentence). The answer types of answerability.py are the
# hard form of the same idea; here a "who" wanting a role or a percentage only adds weight.
CUES: list[tuple[re.Pattern, Callable[[str], bool]]] = [
    (re.compile(r"\bwhat (percentage|proportion)|\bper ?cent|%", re.IGNORECASE), lambda s: bool(PERCENT.search(s))),
    (re.compile(r"\bhow (many|much|big|large|long)\b|\bnumber of\b|\bwhat (total|figure|amount)\b", re.IGNORECASE), has_quantity),
    (re.compile(r"\bwhen\b|\bwhat (date|year|month)\b|\bby when\b|\bdeadline\b|\bwhich (year|month)\b", re.IGNORECASE), has_date),
    (WHO_ASKED, lambda s: bool(ROLE.search(s))),
    (re.compile(r"\bgrade[ds]?\b|\bgrading\b|\brated\b|\brating\b|\bjudge?ment\b|\bhow well\b", re.IGNORECASE), has_grade),
    # "Has the region appointed one?" is answered by what has (not) been done, not by the
    # recommendation restated ("Chief constables should appoint ...").
    (re.compile(r"^\s*(?:has|have)\b", re.IGNORECASE), lambda s: bool(PERFECT.search(s))),
    # "What did it ask for?", "What did HMICFRS recommend?" are answered by what someone should do.
    (ASKED_TO, lambda s: bool(SHOULD.search(s))),
]
RESPONSE_QUESTION = re.compile(
    r"\b(respon(?:se|ses|d|ds|ded|ding)|doing about|action(s|ed)?|plan(s|ned)?|progress|address(ing)?|commissioner|pcc)\b"
    # "what is the force doing to get ...", "where does the force expect ... to come from?"
    r"|\b(?:force|police|constabulary|it|they)\s+(?:doing to|expects?)\b",
    re.IGNORECASE,
)
QUESTION_SPLIT = re.compile(
    r"(?:,\s*|\s+)and\s+(?=(?:what|how|when|who|which|where|why|has|have|had|is|are|was|were|did|does|do|"
    r"can|in what|by when|by what)\b)|\?\s+(?=\S)",
    re.IGNORECASE,
)
# "... has that happened in the north-east and in the Eastern region?": a part that ends in only
# another place, body or time ("and in ...", "and for ...", "and at ...": a few words, no comma,
# no question word) asks the same again about that one.
ELLIPSIS = re.compile(r"(?:,\s*|\s+)and\s+((in|for|at)\s+"
                      r"(?!(?:what|which|how|when|where|whom?|each|every|particular)\b)[^,?;]*?)\s*[?.]?\s*$",
                      re.IGNORECASE)
ELLIPSIS_WORDS = 6  # most words of such a part
PREPOSITION = re.compile(r"\s(in|for|at)\s", re.IGNORECASE)
# "areas for improvement" is a name, not a place: its "for" is not replaced
FINDING_LABEL = re.compile(r"\b(?:" + labels_pattern() + r")\b", re.IGNORECASE)


@dataclass
class _Candidate:
    sentence: str
    hit: Hit
    rank: int
    score: float = 0.0
    responds_to: "_Candidate | None" = None  # the finding a response paragraph answers (responses.py)

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
        """The sentence as it would be quoted, with the list or neighbours it needs (computed once)."""
        return _extend_introducer(self)


class SentenceScorer:
    """Scores sentences against a question; caches sentence vectors and word rarity."""

    def __init__(self, service):
        self.service = service
        self._vectors: dict[str, np.ndarray] = {}
        self._questions: dict[str, np.ndarray] = {}  # recent questions (each is scored several times)
        self._corpus_facts: dict[str, tuple[object, object]] = {}  # name -> (index snapshot, value)

    def _of_snapshot(self, name: str, build: Callable[[object], object]):
        """`build(data)` for the live index snapshot, built once per snapshot (an ingest replaces it)."""
        data = self.service.data()
        built_for, value = self._corpus_facts.get(name, (None, None))
        if built_for is not data:
            value = build(data)
            self._corpus_facts[name] = (data, value)
        return value

    def idf(self) -> dict[str, float]:
        """Inverse document frequency of each lexical token over the chunk table."""
        def build(data) -> dict[str, float]:
            frequency = Counter()
            for chunk in data.chunks:
                frequency.update(set(tokenize(chunk.text)))
            total = max(len(data.chunks), 1)
            return {t: math.log(1 + total / (1 + n)) for t, n in frequency.items()}

        return self._of_snapshot("idf", build)

    def lowercase_words(self) -> frozenset[str]:
        """Every word the documents write in lower case somewhere (outside email addresses and
        URLs): in capitals, not a name."""
        return self._of_snapshot("lowercase_words", lambda data: frozenset(
            word for chunk in data.chunks for word in WORD_IN_PROSE.findall(chunk.text) if word.islower()))

    def vectors(self, sentences: list[str]) -> np.ndarray:
        """Normalised vectors of sentences, embedding only those not seen before."""
        missing = [s for s in dict.fromkeys(sentences) if s not in self._vectors]
        if missing:
            for sentence, vector in zip(missing, self.service.embedder.encode(missing)):
                self._vectors[sentence] = vector
        return np.vstack([self._vectors[s] for s in sentences])

    def question_vector(self, question: str) -> np.ndarray:
        """The question's vector: a question is scored for its passages' rerank, again for its
        answer and with each part, so recent ones are kept (the cache starts over when full)."""
        vector = self._questions.get(question)
        if vector is None:
            if len(self._questions) >= QUESTION_CACHE:
                self._questions.clear()
            vector = self._questions[question] = self.service.embedder.encode([question])[0]
        return vector

    def word_weights(self, question_tokens: list[str]) -> dict[str, float]:
        """The rarity of each of the question's words (a word the corpus lacks counts as rarest)."""
        idf = self.idf()
        unseen = math.log(1 + max(len(self.service.data().chunks), 1))
        return {t: idf.get(t, unseen) for t in set(question_tokens)}

    def lexical_overlap(self, weights: dict[str, float], sentence: str) -> float:
        """Share of the question's word rarity (`word_weights`) that the sentence contains (0..1)."""
        total = sum(weights.values())
        if not total:
            return 0.0
        present = _stems(sentence)
        return sum(w for t, w in weights.items() if t in present) / total


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


def is_label(sentence: str) -> bool:
    """A form label, title or signature line ("Date Inspection Published – 7 December 2022"):
    mostly capitalised words, not ending as a sentence does."""
    words = ALPHABETIC_WORD.findall(sentence)
    capitalised = sum(1 for word in words if word[0].isupper())
    return bool(words) and capitalised >= LABEL_CAPITALS * len(words) and not _ends_sentence(sentence)


def _ends_sentence(text: str) -> bool:
    """The text ends as a sentence does (a full stop, maybe inside closing quotes)."""
    return text.rstrip().rstrip("\"'”’)")[-1:] in (".", "!", "?")


@lru_cache(maxsize=16384)
def _stems(text: str) -> frozenset[str]:
    """Lexical tokens of a sentence (answers compare the same few sentences many times)."""
    return frozenset(tokenize(text))


def _jaccard(a: str, b: str) -> float:
    ta, tb = _stems(a), _stems(b)
    return len(ta & tb) / max(len(ta | tb), 1)


def _row_like(a: str, b: str) -> bool:
    """`b` is a line of the same form as `a`: they share at least SIBLING_WORDS word stems, and
    at least SIBLING_OVERLAP of the shorter one's ("Durham was graded outstanding at tackling
    ..." after "Cleveland Police was graded adequate at tackling ..."; not "Cyber crime" after
    "The unit tackles three kinds of crime")."""
    ta, tb = _stems(a), _stems(b)
    shared = len(ta & tb)
    return shared >= SIBLING_WORDS and shared >= SIBLING_OVERLAP * min(len(ta), len(tb))


def candidate_sentences(passage: str) -> list[str]:
    """Sentences worth quoting: fragments too short to stand alone are merged or dropped.

    Runs of short blocks (a signature, an address, a heading and its grade) are joined into
    one candidate, which stays verbatim because blocks are separated only by whitespace.
    """
    candidates: list[str] = []
    short_run: list[str] = []

    def close_run():
        joined = " ".join(short_run)
        if len(short_run) > 1 and len(joined.split()) >= MIN_ANSWER_WORDS and not CITATION_LIKE.search(joined):
            candidates.append(joined)
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
        candidates.extend(s for s in sentences
                          if len(s.split()) >= MIN_ANSWER_WORDS and not s.endswith("?") and not CITATION_LIKE.search(s))
    close_run()
    return candidates


FEATURES = (
    "dense", "lexical_own", "lexical_context", "passage_rank", "cue_hits", "cue_misses",
    "force_match", "force_mismatch", "response_match", "primary_source", "unseen_terms",
    "missing_specifics", "label",
)
# Hand-set weights: meaning carries most; words, cues and the force named separate near
# misses; a form label or title line (is_label) states no finding. Logistic models fitted on
# the eval set's calibration split did worse on its test split (48 questions are too few:
# weights came out with absurd signs), so none ships.
HAND_WEIGHTS = {
    "dense": 0.55, "lexical_own": 0.225, "lexical_context": 0.225, "passage_rank": 0.10,
    "cue_hits": 0.06, "cue_misses": -0.10, "force_match": 0.04, "force_mismatch": -0.12,
    "response_match": 0.08, "primary_source": 0.02, "unseen_terms": -0.03, "missing_specifics": -0.12,
    "label": -0.10,
}
RANKING_WEIGHTS = np.array([HAND_WEIGHTS.get(f, 0.0) for f in FEATURES])


def candidate_features(question: str, hits: list[Hit], scorer: SentenceScorer,
                       wanted: Callable[[_Candidate], bool] | None = None) -> tuple[list[_Candidate], np.ndarray]:
    """Every candidate sentence of the passages (those `wanted`, when given) and its feature row
    (columns = FEATURES)."""
    # A passage's rank is its place in the fused order of the question, or of the part of a
    # compound question, that retrieved it (before any rerank); else its place in `hits`.
    candidates = [
        _Candidate(sentence, hit, rank if hit.fused_rank is None else hit.fused_rank)
        for rank, hit in enumerate(hits)
        for sentence in candidate_sentences(hit.chunk.text)
    ]
    # A heading with nothing under it before the next heading (a title over a form) says nothing.
    candidates = [c for c in candidates if not (c.sentence in c.hit.document.heading_texts and c.quote == c.sentence)
                  and (wanted is None or wanted(c))]
    if not candidates:
        return [], np.zeros((0, len(FEATURES)))
    # Acronyms the documents define are spelled out for the model too ("SAR" alone means
    # little to it; "suspicious activity reports" does).
    expanded = scorer.service.data().lexical.expand(question)
    question_vector = scorer.question_vector(expanded)
    # A sentence is also embedded with its section path: "The force reported a backlog ..."
    # is about Cleveland only because of the heading it sits under.
    in_context = scorer.vectors([f"{c.hit.chunk.section}: {c.sentence}" for c in candidates]) @ question_vector
    bare = scorer.vectors([c.sentence for c in candidates]) @ question_vector
    question_tokens = tokenize(expanded)
    weights = scorer.word_weights(question_tokens)
    for stem in asked_for(question):
        if stem in weights:
            weights[stem] *= ASKED_FOR_WEIGHT
    named_forces = set(forces_in(question))
    # Question-level doubt: words the corpus has never seen, and specifics (years, figures)
    # that none of the passages contains, both suggest the documents are about something else.
    known = scorer.idf()
    unseen = sum(1 for token in set(question_tokens) if token not in known)
    passages_text = normalise(" ".join(hit.chunk.text for hit in hits)).lower()
    missing_specifics = sum(1 for specific in SPECIFIC.findall(question) if specific.lower() not in passages_text)
    wanted_cues = [present for cue, present in CUES if cue.search(question)]
    wants_response = bool(RESPONSE_QUESTION.search(question))
    # A label or signature line can give a name, role or date asked for, but it states no finding
    # (nor does it for a question with a part asking for a finding: "What did the report find
    # about X, and which officer highlighted it?").
    expectation = Expectation.of(question)
    parts = question_parts(question)
    wants_statement = any(_asks_statement(part, e) for part, e in zip(parts, Expectation.of_parts(question, parts)))
    rows = np.zeros((len(candidates), len(FEATURES)))
    column = {name: i for i, name in enumerate(FEATURES)}
    for row, candidate in enumerate(candidates):
        hit, sentence = candidate.hit, candidate.sentence
        about = set(hit.chunk.forces) | set(forces_in(sentence))
        kind = hit.document.kind
        values = {
            "dense": max(in_context[row], bare[row]),
            "lexical_own": scorer.lexical_overlap(weights, sentence),
            # Words of the section path count too: a boxed heading names what the sentences
            # under it are about ("Area for improvement", the force's name).
            "lexical_context": scorer.lexical_overlap(
                weights, f"{hit.chunk.section} {candidate.sub_heading} {sentence}"),
            "passage_rank": 1.0 / (1.0 + candidate.rank),
            "cue_hits": sum(1 for present in wanted_cues if present(sentence)),
            "cue_misses": sum(1 for present in wanted_cues if not present(sentence)),
            "force_match": float(bool(named_forces and about & named_forces)),
            "force_mismatch": float(bool(named_forces and about and not about & named_forces)),
            # a commissioner's own words reported elsewhere (a news story) are their response too:
            # the commissioner of a force asked about, not a report's mention of a PCC
            "response_match": float(wants_response and (
                kind in RESPONSE_KINDS
                or (expectation.commissioner and kind != "inspection_report"
                    and (not expectation.forces or bool(about & expectation.forces))
                    and _commissioner_speaks(candidate, expectation.forces)))),
            "primary_source": float(kind == "inspection_report"),
            "unseen_terms": unseen,
            "missing_specifics": missing_specifics,
            "label": float(wants_statement and is_label(sentence)),
        }
        for name, value in values.items():
            rows[row, column[name]] = value
    return candidates, rows


def score_candidates(question: str, hits: list[Hit], scorer: SentenceScorer,
                     wanted: Callable[[_Candidate], bool] | None = None) -> list[_Candidate]:
    """Every sentence of the passages (those `wanted`, when given) with its score, best first."""
    candidates, rows = candidate_features(question, hits, scorer, wanted)
    for candidate, score in zip(candidates, rows @ RANKING_WEIGHTS):
        candidate.score = float(score)
    return sorted(candidates, key=lambda c: -c.score)


def rerank_passages(question: str, hits: list[Hit], scorer: SentenceScorer, rank_weight: float,
                    rrf_k: int) -> list[Hit]:
    """The passages reordered by their best sentence's score, keeping part of the fused order.

    A passage holding one sentence that answers the question outranks a passage that matches
    its words everywhere but answers nothing. A passage's score is that of its best sentence
    that can be the kind of answer asked for (answerability.py), and passages with one come
    first. Each passage keeps rank_weight x rrf_k/(rrf_k + rank + 1) of its fused position, so
    the order is only overturned by a clearly better sentence.
    """
    expectations = Expectation.of_parts(question, question_parts(question))
    common_words = scorer.lowercase_words()
    best: dict[str, float] = {}
    answering: set[str] = set()
    for candidate in score_candidates(question, hits, scorer):  # best first
        chunk_id = candidate.hit.chunk.id
        if chunk_id not in answering and _answers(candidate, expectations, common_words):
            answering.add(chunk_id)
            best[chunk_id] = candidate.score
        best.setdefault(chunk_id, candidate.score)
    for rank, hit in enumerate(hits):
        hit.fused_rank = rank
        hit.rerank = best.get(hit.chunk.id, 0.0) + rank_weight * rrf_k / (rrf_k + rank + 1)
    # A passage with no sentence that can be the answer ranks after every passage with one, and
    # a passage with no answer-sized sentence last.
    return sorted(hits, key=lambda hit: (hit.chunk.id not in best, hit.chunk.id not in answering, -hit.rerank))


def related_passages(hits: list[Hit], count: int, candidates: list[_Candidate] = ()) -> list[Citation]:
    """The nearest passages, shown with a refusal (never as evidence).

    Each shows its best-scoring sentence when the passage was scored (the near miss a reader
    will want to check), else its first sentence; either is quoted only from its own page.
    """
    best: dict[str, _Candidate] = {}
    for candidate in candidates:  # best first
        best.setdefault(candidate.hit.chunk.id, candidate)
    related = []
    for n, hit in enumerate(hits[:count], start=1):
        shown = [best[hit.chunk.id].sentence] if hit.chunk.id in best else []
        shown += split_sentences(hit.chunk.text)[:1] or [hit.chunk.text[:200]]
        page, quote = None, ""
        for sentence in shown:
            page = find_quote_page(hit.document, sentence, hit.chunk.page_start, hit.chunk.page_end)
            if page is not None:
                quote = sentence
                break
        related.append(Citation.from_hit(n, hit, page or hit.chunk.page_start, quote, hit.score))
    return related


def verify_citations(answer: Answer, documents: Mapping[str, Document]) -> Answer:
    """Drop any cited sentence whose quote is not on its page; nothing left means refusal.

    This is the last gate before an answer leaves Scrutiny: a citation that does not hold
    is worse than no answer.
    """
    if answer.refused:
        return answer
    kept: list[Citation] = []
    for citation in answer.citations:
        document = documents.get(citation.doc_id)
        if document is not None and quote_on_page(document, citation.page, citation.quote):
            kept.append(citation)
        else:
            answer.notes.append(f"dropped citation [{citation.n}]: quote not found on page {citation.page}")
    dropped = {c.n for c in answer.citations} - {c.n for c in kept}
    if not kept:
        answer.refused = True
        answer.text = REFUSAL_TEXT
        answer.citations = []
    elif dropped:
        sentences = re.split(r"(?<=\])\s+", answer.text)
        answer.text = " ".join(s for s in sentences if not any(f"[{n}]" in s for n in dropped))
        answer.citations = kept
    return answer


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


def _asks_statement(part: str, expectation: Expectation) -> bool:
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
                             or (bool(REFERS_BACK.search(part)) and _asks_statement(part, Expectation.of(part))))
        queries.append(f"{queries[-1]}, {part}" if leans else part)
    return queries


def _extend_introducer(candidate: _Candidate) -> str:
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
    if ends_block and len(short) >= 2 and short[0] and short[1] and not _ends_sentence(sentence) and not sibling:
        # A list: the short blocks (items) that follow, and nothing after them: a heading or
        # a line ending in ':' opens something else (a form's next field). A sentence that ends
        # with a full stop introduces nothing ("... will continue to monitor progress." before a
        # form's "For Office Use Only" lines).
        for (block_end, block), is_short in zip(blocks, short):
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
    if ANAPHOR.match(sentence):
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


def _unclosed(text: str) -> bool:
    """A quotation opens in the text and does not close there (curly and straight marks counted
    alike: scraped pages mix them)."""
    return (text.count("“") + text.count("”") + text.count('"')) % 2 == 1


def _quotation_run(candidate: _Candidate, paragraph: str) -> tuple[str, list[str]]:
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
    target = normalise(paragraph)
    index = next((i for i, block in enumerate(blocks) if normalise(block).endswith(target)), None)
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


def _passage_through(text: str, blocks: list[str]) -> str:
    """A passage's text with the paragraphs a quote runs on into after it (those it lacks)."""
    held = normalise(text)
    return "\n\n".join([text.rstrip(), *(block for block in blocks if normalise(block) not in held)])


def _rest_of_paragraph(candidate: _Candidate) -> str:
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
            if not _ends_sentence(rest):
                # cut by a page turn or the chunk's end: it stops at its last full sentence
                boundaries = [m.end() for m in SENTENCE_END.finditer(rest)]
                rest = rest[:boundaries[-1]].rstrip() if boundaries else ""
            elif index + 1 < len(blocks):
                # the next paragraph's first sentence may lean on this one ("This is being
                # completed in three phases.")
                following = split_sentences(blocks[index + 1])[:1]
                if (following and CONTINUES.match(following[0]) and _ends_sentence(following[0])
                        and len(rest) + 1 + len(following[0]) <= PARAGRAPH_CHARS):
                    rest = f"{rest} {following[0]}"
            return rest if len(quote) < len(rest) <= PARAGRAPH_CHARS else quote
    return quote


def _same_statement(a: _Candidate, b: _Candidate) -> bool:
    """Near-duplicates, and a shortened restatement (a news article cutting a report's
    sentence short) of the other: long enough to judge by, and not one negating the other."""
    shorter, longer = sorted((_stems(a.sentence), _stems(b.sentence)), key=len)
    restated = (len(shorter) >= RESTATED_MIN_STEMS and len(shorter & longer) >= RESTATED_SHARE * len(shorter)
                and bool(NEGATION.search(a.sentence)) == bool(NEGATION.search(b.sentence)))
    return (_jaccard(a.sentence, b.sentence) > REDUNDANT_OVERLAP
            or restated
            or normalise(a.sentence) in normalise(b.sentence)
            or normalise(b.sentence) in normalise(a.sentence))


def _priority(candidate: _Candidate) -> int:
    return KIND_PRIORITY.get(candidate.hit.document.kind, 2)


def _swaps_in(candidate: _Candidate, existing: _Candidate) -> bool:
    """A more primary source's version of the same statement, relevant enough to stand in."""
    return _priority(candidate) < _priority(existing) and candidate.score >= PRIMARY_SWAP_SHARE * existing.score


def _choose(candidates_by_part: list[list[_Candidate]], candidates: list[_Candidate],
            limit: int) -> list[_Candidate]:
    """Best sentence for each part of the question first, then the best overall.

    When two sources say the same thing (a response restating the report), the primary
    source's sentence is kept if it scores nearly as well.
    """
    chosen: list[_Candidate] = []
    best = candidates[0].score if candidates else 0.0

    def add(candidate: _Candidate) -> bool:
        for index, existing in enumerate(chosen):
            if _same_statement(candidate, existing):
                if _swaps_in(candidate, existing):
                    chosen[index] = candidate
                return False
        chosen.append(candidate)
        return True

    if len(candidates_by_part) > 1:
        for part_candidates in candidates_by_part:
            for candidate in part_candidates[:PART_DEPTH]:
                if add(candidate):
                    break
    for candidate in candidates:
        bonus = NEW_DOCUMENT_BONUS if chosen and all(
            c.hit.document.id != candidate.hit.document.id for c in chosen) else 0.0
        if chosen and candidate.score + bonus < RELATIVE_KEEP * best and not any(
                _same_statement(candidate, c) and _swaps_in(candidate, c) for c in chosen):
            continue
        if len(chosen) < limit:
            add(candidate)
        else:  # full: a primary-source version of a chosen statement may still replace it
            for index, existing in enumerate(chosen):
                if _same_statement(candidate, existing) and _swaps_in(candidate, existing):
                    chosen[index] = candidate
                    break
    return chosen[:max(limit, len(candidates_by_part))]


FINDINGS_LISTED = 4  # most findings of the kind asked for an answer quotes


@dataclass
class _Listed:
    """The findings one part of a question asks for by their kind's name, as candidates."""

    kind: str
    findings: list[_Candidate]


def _findings_listed(parts: list[str], queries: list[str], expectations: list[Expectation], hits: list[Hit],
                     service, filters: SearchFilters) -> list[_Listed | None]:
    """For each part of the question, the findings it asks for by their kind's name
    (findings_asked.py) that answer it; None for a part that asks for no kind of finding.

    Each finding is quoted by the sentence of its passage that states it (a boxed heading
    "Innovative practice: ..." is quoted with what it introduces) and scored against its part's
    query (`queries`, from part_queries) as any sentence is, its passage ranked where retrieval
    put it (after every retrieved passage when it was not). The best FINDINGS_LISTED scoring RELATIVE_KEEP of the best of them are
    kept: "What innovative practice did HMICFRS highlight at the cyber crime unit?" asks for that
    unit's, not every one. (The question has passed the refusal threshold already.)
    """
    from scrutiny.app.findings_asked import findings_asked

    scorer = service.sentence_scorer()
    common_words = scorer.lowercase_words()
    retrieved = {hit.chunk.id: rank for rank, hit in enumerate(hits)}
    listed: list[_Listed | None] = []
    for part, query, expectation in zip(parts, queries, expectations):
        asked = findings_asked(service, part, expectation.forces, expectation.years, filters)
        if asked is None:
            listed.append(None)
            continue
        passages = {quoted.hit.chunk.id: dataclasses.replace(
            quoted.hit, fused_rank=retrieved.get(quoted.hit.chunk.id, len(hits))) for quoted in asked.findings}
        # only the sentences stating a finding are scored (each sentence scored is embedded)
        scored = score_candidates(query, list(passages.values()), scorer,
                                  lambda c: any(_states(c, quoted) for quoted in asked.findings))
        stating: list[_Candidate] = []
        for candidate in scored:  # best first
            if _answers(candidate, [expectation], common_words) and not any(
                    _same_statement(candidate, c) for c in stating):
                stating.append(candidate)
        best = stating[0].score if stating else 0.0
        listed.append(_Listed(asked.kind, [c for c in stating if c.score >= RELATIVE_KEEP * best][:FINDINGS_LISTED]))
    return listed


def _states(candidate: _Candidate, finding: Quoted) -> bool:
    """The candidate is the sentence of the finding's passage that states the finding: it holds
    the finding's first sentence (also when numbered: "4.3.1 We found ...")."""
    return (candidate.hit.chunk.id == finding.hit.chunk.id
            and normalise((split_sentences(finding.text) or [finding.text])[0]) in normalise(candidate.sentence))


RESPONSE_PAIRS = 2  # most findings quoted with the force's response to each


def _with_responses(question: str, chosen: list[_Candidate], ranked: list[list[_Candidate]],
                    expectations: list[Expectation], service, limit: int,
                    listed: list[_Candidate] = ()) -> list[_Candidate]:
    """The chosen sentences with the force's own response to each finding among them.

    Findings among the chosen and the best few candidates (of the question and of each part) are
    looked up in the force's response (responses.py); each found is quoted with its response,
    which replaces general sentences of response documents (a response sentence that best
    answers the question or a part of it stays). Without any, `chosen` is kept.
    """
    from scrutiny.app.responses import responses_to

    best = max((c.score for c in chosen), default=0.0)
    pool = [c for c in {id(c): c for c in [*chosen, *(c for part in ranked for c in part[:PART_DEPTH])]}.values()
            if c.score >= RELATIVE_KEEP * best]  # a finding the question is about, not any finding
    by_sentence = {c.sentence: c for c in reversed(pool)}
    common_words = service.sentence_scorer().lowercase_words()
    pairs: list[_Candidate] = []
    for found in responses_to(service, question, [(c.hit, c.sentence) for c in pool])[:RESPONSE_PAIRS]:
        answered = by_sentence[found.answers]
        finding = answered
        if found.finding is not None and answered.hit.document.kind != "inspection_report":
            # the report's own words rather than a response's restatement of them, when they
            # too can answer (a regional finding is not about the force the question names)
            primary = _Candidate(found.finding.text, found.finding.hit, answered.rank, answered.score)
            finding = primary if _answers(primary, expectations, common_words) else answered
        response = _Candidate(found.response.text, found.response.hit, answered.rank, answered.score, finding)
        pairs += [finding, response]
    if not pairs:
        return chosen
    # A response's own sentence that best answers the question or a part of it ("what did the
    # PCC say?") stays; its other, general sentences give way to the pairs.
    leads = {id(part[0]) for part in ranked if part}
    others = [c for c in chosen if (c.hit.document.kind not in RESPONSE_KINDS or id(c) in leads)
              and not any(c is p or _same_statement(c, p) for p in pairs)]
    # A finding with its response is one point of the answer: `limit` counts each pair once. The
    # findings asked for by name (`listed`) all stay, paired or not, and are one point together.
    if listed:
        listed_ids = {id(c) for c in listed}
        kept = [c for c in others if id(c) in listed_ids]
        return pairs + kept + [c for c in others if id(c) not in listed_ids][:max(limit - 1, 0)]
    return pairs + others[:max(limit - len(pairs) // 2, 0)]


def _answers(candidate: _Candidate, expectations: list[Expectation], common_words: frozenset[str],
             quote: str | None = None) -> bool:
    """The candidate, as quoted (by default with what it introduces), can answer some part of the question."""
    # What the sentence is about: the forces it names and those of its section heading
    # ("Durham was graded outstanding" is about Durham, not about the Cleveland response
    # it sits in); a sentence naming none is about what its passage is about.
    named = forces_in(candidate.sentence)
    about = set(named) | set(forces_in(candidate.hit.chunk.section)) if named else set(candidate.hit.chunk.forces)
    text = candidate.quote if quote is None else quote
    hit = candidate.hit
    context = f"{hit.chunk.section}\n{hit.chunk.text}\n{hit.document.title}\n{hit.document.date or ''}"
    return any(expectation.met_by(text, about, context, hit.chunk.section, common_words,
                                  _commissioner_speaks(candidate, expectation.forces) if expectation.commissioner
                                  else None, _document_words(hit.document))
               for expectation in expectations)


def _words_of(document: Document) -> frozenset[str]:
    """The lower-cased runs of letters of a whole document (see Expectation.met_by)."""
    return frozenset(word.lower() for page in document.pages for word in LETTERS.findall(page))


_document_words = DocumentMemo(_words_of)


def _commissioner_speaks(candidate: _Candidate, forces: frozenset[str]) -> bool:
    """A commissioner of a force asked about says the sentence: a PCC response speaks for its own
    force's commissioner (or its region's); elsewhere (a news story, a report quoting a PCC) the
    commissioner is named in the sentence's section or before it in its passage."""
    hit = candidate.hit
    if hit.document.kind == "pcc_response":
        own = hit.document.forces[:1]
        return not forces or bool((set(own) | {regional_unit_of(f) for f in own}) & forces)
    passage, sentence = normalise(hit.chunk.text), normalise(candidate.sentence)
    end = passage.find(sentence)
    return bool(COMMISSIONER.search(f"{hit.chunk.section}\n{passage if end < 0 else passage[:end + len(sentence)]}"))


def extractive_answer(question: str, hits: list[Hit], service, settings,
                      filters: SearchFilters = SearchFilters()) -> Answer:
    """The default answerer: offline, deterministic, every sentence a verbatim quote. `filters`
    are those `hits` were retrieved with (findings asked for by kind are looked up within them)."""
    scorer = service.sentence_scorer()
    parts = question_parts(question)
    expectations = Expectation.of_parts(question, parts)
    # Only sentences that can be the kind of answer asked for compete (see answerability.py).
    scored = score_candidates(question, hits, scorer)
    common_words = scorer.lowercase_words()
    candidates = [c for c in scored if _answers(c, expectations, common_words)]
    # Confidence is the score of the sentence that would lead the answer.
    confidence = round(candidates[0].score, 4) if candidates else 0.0
    if not candidates or confidence < settings.refusal_threshold:
        return Answer(question, REFUSAL_TEXT, refused=True, confidence=confidence,
                      related=related_passages(hits, settings.related_passages, scored))
    queries = part_queries(parts)
    by_part = ([score_candidates(query, hits, scorer) for query in queries] if len(parts) > 1
               else [candidates])
    # A part of the question with no good sentence of its own gets none (rather than a weak one).
    by_part = [[c for c in part
                if c.score >= settings.refusal_threshold and _answers(c, [expectation], common_words)]
               for part, expectation in zip(by_part, expectations)]
    listed = _findings_listed(parts, queries, expectations, hits, service, filters)
    findings = [c for part in listed if part is not None for c in part.findings]
    if findings:
        # The findings a part asks for by name are its answer, one point however many: the other
        # parts and the best sentences follow, but not sentences about findings of that kind
        # ("we established an area for improvement in 2018", "HMICFRS raised one cause of concern").
        from scrutiny.app.findings_asked import KIND_NAMED

        named = [KIND_NAMED[part.kind] for part in listed if part is not None and part.findings]
        rest = [c for c in candidates if not any(name.search(c.sentence) for name in named)
                and not any(_same_statement(c, f) for f in findings)
                and c.score >= RELATIVE_KEEP * candidates[0].score]  # near the best, as _choose keeps
        others = _choose([[] if part is not None and part.findings else sentences
                          for sentences, part in zip(by_part, listed)], rest, settings.answer_sentences - 1)
        chosen = findings + [c for c in others if not any(_same_statement(c, f) for f in findings)]
    else:
        chosen = _choose(by_part, candidates, settings.answer_sentences)
    # Primary sources first (the report before a response or a news story quoting it).
    chosen.sort(key=lambda c: (KIND_PRIORITY.get(c.hit.document.kind, 2), -c.score))
    if RESPONSE_QUESTION.search(question):  # "... and what is the force doing about it?"
        # each finding followed by its own response, then the other sentences
        chosen = _with_responses(question, chosen, [candidates, *by_part], expectations, service,
                                 settings.answer_sentences, findings)
    citations: list[Citation] = []
    sentences: list[str] = []
    lead = (candidates[0].hit.chunk.id, candidates[0].sentence)  # the part-by-part choice holds copies
    # A response paragraph answers the finding it is paired with: the question's answer types
    # hold for it, but not its team or operation ("the move to 4 Basic Command Units" answers the
    # finding about neighbourhood teams), and it is quoted only when its finding is.
    without_groups = [dataclasses.replace(e, groups=()) for e in expectations]
    quoted: set[int] = set()  # ids of the chosen candidates that found a quotable page
    lead_run, lead_beyond = "", []  # the lead's quotation, the paragraphs it runs on into (_quotation_run)
    for candidate in chosen:
        chunk, document = candidate.hit.chunk, candidate.hit.document
        if candidate.responds_to is not None and id(candidate.responds_to) not in quoted:
            continue
        rules = expectations if candidate.responds_to is None else without_groups
        page = None
        quotes = []
        if (chunk.id, candidate.sentence) == lead:
            paragraph = _rest_of_paragraph(candidate)
            lead_run, lead_beyond = _quotation_run(candidate, paragraph)
            quotes = [lead_run, paragraph]
        for quote in dict.fromkeys([*quotes, candidate.quote, candidate.sentence]):
            if CITATION_LIKE.search(quote):
                continue  # a list item's own "[3]" would read as a citation marker
            if not _answers(candidate, rules, common_words, quote):
                continue  # the sentence alone lacks what its extension held (the figure asked for)
            page = find_quote_page(document, quote, chunk.page_start, chunk.page_end)
            if page is not None:
                break
        if page is None:
            continue  # a sentence broken by a page turn: it cannot be quoted from one page
        quoted.add(id(candidate))
        if any(normalise(quote) in normalise(c.quote) for c in citations):
            continue  # already quoted as the neighbour of an earlier sentence
        wider = next((i for i, c in enumerate(citations)
                      if c.doc_id == document.id and normalise(c.quote) in normalise(quote)), None)
        if wider is not None:  # this quote holds an earlier one: it takes that one's place
            n = citations[wider].n
            citations[wider] = Citation.from_hit(n, candidate.hit, page, quote, citations[wider].score)
            sentences[wider] = f"{quote} [{n}]"
            continue
        n = len(citations) + 1
        citations.append(Citation.from_hit(n, candidate.hit, page, quote, candidate.score))
        sentences.append(f"{quote} [{n}]")
    for citation in citations:  # a quotation run past its passage's end: the passage shows it all
        if lead_beyond and citation.quote == lead_run and normalise(citation.quote) not in normalise(citation.passage):
            citation.passage = _passage_through(citation.passage, lead_beyond)
    answer = Answer(question, " ".join(sentences), citations=citations, confidence=confidence)
    answer = verify_citations(answer, service.data().documents)
    if answer.refused:
        answer.related = related_passages(hits, settings.related_passages, scored)
    return answer


def answer_question(question: str, hits: list[Hit], service, llm: str = "",
                    filters: SearchFilters = SearchFilters()) -> Answer:
    """Extractive by default; through an LLM when a spec is given (still citation-checked)."""
    if llm:
        from scrutiny.app.llm import llm_answer

        return llm_answer(question, hits, service, llm)
    return extractive_answer(question, hits, service, service.settings, filters)
