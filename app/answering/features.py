"""Sentence features and their weights: how well each candidate sentence answers the question.

Every candidate sentence of the top passages is described by named features: meaning
(embedding cosine), the question's rarer words it contains (IDF-weighted overlap), cues in the
question ("how many" wants a number), the force the question names, the kind of document. The
weighted sum ranks sentences for the answer and passages for the rerank. Only sentences that
can be the kind of answer asked for compete (answer_types.py, `can_answer`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from scrutiny.app.answering.answer_types import CHIEF_CONSTABLE, COMMISSIONER, LETTERS, Expectation, cued_types
from scrutiny.app.answering.question import RESPONSE_QUESTION, asked_for, asks_statement, question_parts
from scrutiny.app.answering.sentences import (
    SAYING_WORDS,
    Candidate,
    candidate_sentences,
    describes_publisher,
    is_label,
)
from scrutiny.app.answering.tuning import ASKED_FOR_WEIGHT, SPEAKER_LOOKBACK_CHARS
from scrutiny.app.retrieval.fusion import Hit
from scrutiny.app.retrieval.rerank import JudgedSentence
from scrutiny.app.retrieval.sentences import SentenceScorer
from scrutiny.ingest.forces import forces_in, regional_unit_of
from scrutiny.ingest.injection import addresses_model
from scrutiny.ingest.records import RESPONSE_KINDS, Document, DocumentMemo
from scrutiny.ingest.text import PARAGRAPH_BREAK, normalise_text, split_sentences, tokenize

# A person named by their role in a sentence saying who speaks; the quotation itself is left out.
# (One person: "inspectors have recognised ..." names no one who speaks.)
SAID = re.compile(SAYING_WORDS, re.IGNORECASE)
QUOTED = re.compile(r"[“\"][^”\"]*(?:[”\"]|$)")
SPEAKER_ROLE = re.compile(r"\b(?:PCC|PFCC|commissioner|chief|constable|officer|superintendent|inspector|HMI|"
                          r"director|chair|chairman|chairwoman|minister|secretary|leader|spokes(?:person|man|woman))\b",
                          re.IGNORECASE)
SPECIFIC = re.compile(r"\b(?:19|20)\d\d(?:[/-]\d\d(?:\d\d)?)?\b|\b\d[\d,.]*\b")

FEATURES = (
    "dense", "lexical_own", "lexical_context", "passage_rank", "cue_hits", "cue_misses",
    "force_match", "force_mismatch", "response_match", "primary_source", "unseen_terms",
    "missing_specifics", "label", "self_description",
)

# The weights ship in sentence_weights.json: hand-set ones (meaning carries most; words, cues
# and the force named separate near misses; a form label or title line, or the publisher
# describing itself under "About us", states no finding) until `make fit` finds fitted ones
# that rank better on development documents they were not fitted on (eval/fit.py).
WEIGHTS_FILE = Path(__file__).with_name("sentence_weights.json")


class WeightsFileError(ValueError):
    """The sentence weights file does not give one weight to each feature."""


def load_weights(path: Path = WEIGHTS_FILE) -> dict[str, float]:
    """The weight of every feature, from the weights file; a feature it lacks, or a name that is
    no feature (a stale file), is an error."""
    weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
    missing = [name for name in FEATURES if name not in weights]
    unknown = [name for name in weights if name not in FEATURES]
    if missing or unknown:
        raise WeightsFileError(f"{path} does not match the answerer's features (missing: {', '.join(missing) or 'none'}; "
                               f"unknown: {', '.join(unknown) or 'none'}): restore it with `git checkout -- {path.name}` "
                               "or give each feature a weight")
    return {name: float(weights[name]) for name in FEATURES}


WEIGHTS = load_weights()
RANKING_WEIGHTS = np.array([WEIGHTS[f] for f in FEATURES])


def candidate_features(question: str, hits: list[Hit], scorer: SentenceScorer,
                       wanted: Callable[[Candidate], bool] | None = None) -> tuple[list[Candidate], np.ndarray]:
    """Every candidate sentence of the passages (those `wanted`, when given) and its feature row
    (columns = FEATURES)."""
    # A passage's rank is its place in the fused order of the question, or of the part of a
    # compound question, that retrieved it (before any rerank); else its place in `hits`.
    candidates = [
        Candidate(sentence, hit, rank if hit.fused_rank is None else hit.fused_rank)
        for rank, hit in enumerate(hits)
        for sentence in candidate_sentences(hit.chunk.text)
    ]
    # A heading with nothing under it before the next heading (a title over a form) says nothing;
    # a sentence addressed to an AI model is data, never an answer (ingest/injection.py).
    candidates = [c for c in candidates if not (c.sentence in c.hit.document.heading_texts and c.quote == c.sentence)
                  and not addresses_model(c.sentence) and (wanted is None or wanted(c))]
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
    # Its meaning is also that of what it is quoted as, when that is more than the sentence ("X
    # said:" with the quotation it introduces, a line with its list): the sentence alone may say little.
    extended = [row for row, c in enumerate(candidates) if c.quote != c.sentence]
    quoted = np.full(len(candidates), -1.0)
    if extended:
        quoted[extended] = scorer.vectors([candidates[row].quote for row in extended]) @ question_vector
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
    passages_text = normalise_text(" ".join(hit.chunk.text for hit in hits)).lower()
    missing_specifics = sum(1 for specific in SPECIFIC.findall(question) if specific.lower() not in passages_text)
    wanted_cues = [t.present for t in cued_types(question)]
    wants_response = bool(RESPONSE_QUESTION.search(question))
    # A label or signature line can give a name, role or date asked for, but it states no finding
    # (nor does it for a question with a part asking for a finding: "What did the report find
    # about X, and which officer highlighted it?").
    expectation = Expectation.of(question)
    parts = question_parts(question)
    wants_statement = any(asks_statement(part, e) for part, e in zip(parts, Expectation.of_parts(question, parts), strict=False))
    rows = np.zeros((len(candidates), len(FEATURES)))
    column = {name: i for i, name in enumerate(FEATURES)}
    for row, candidate in enumerate(candidates):
        hit, sentence = candidate.hit, candidate.sentence
        about = set(hit.chunk.forces) | set(forces_in(sentence))
        kind = hit.document.kind
        values = {
            "dense": max(in_context[row], bare[row], quoted[row]),
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
                    and commissioner_speaks(candidate, expectation.forces)))),
            "primary_source": float(kind == "inspection_report"),
            "unseen_terms": unseen,
            "missing_specifics": missing_specifics,
            "label": float(wants_statement and is_label(sentence)),
            "self_description": float(wants_statement and describes_publisher(hit.chunk.section)),
        }
        for name, value in values.items():
            rows[row, column[name]] = value
    return candidates, rows


def score_candidates(question: str, hits: list[Hit], scorer: SentenceScorer,
                     wanted: Callable[[Candidate], bool] | None = None) -> list[Candidate]:
    """Every sentence of the passages (those `wanted`, when given) with its score, best first."""
    candidates, rows = candidate_features(question, hits, scorer, wanted)
    for candidate, score in zip(candidates, rows @ RANKING_WEIGHTS, strict=False):
        candidate.score = float(score)
    return sorted(candidates, key=lambda c: -c.score)


def can_answer(candidate: Candidate, expectations: list[Expectation], common_words: frozenset[str],
               quote: str | None = None) -> bool:
    """The candidate, as quoted (by default with what it introduces), can answer some part of the question."""
    return None in failed_checks(candidate, expectations, common_words, quote)


def failed_checks(candidate: Candidate, expectations: list[Expectation], common_words: frozenset[str],
                  quote: str | None = None) -> list[str | None]:
    """For each part's expectation, the name of the check the candidate fails (None: it can
    answer that part). See Expectation.failed_check."""
    # What the sentence is about: the forces it names and those of its section heading
    # ("Durham was graded outstanding" is about Durham, not about the Cleveland response
    # it sits in); a sentence naming none is about what its passage is about.
    named = forces_in(candidate.sentence)
    about = set(named) | set(forces_in(candidate.hit.chunk.section)) if named else set(candidate.hit.chunk.forces)
    text = candidate.quote if quote is None else quote
    hit = candidate.hit
    # A dated document's passage dates the sentence; an undated one's other years are as often
    # the past it looks back on ("since 2015") as its own time, so only the sentence and its
    # headings count.
    passage = hit.chunk.text if hit.document.date else text
    context = f"{hit.chunk.section}\n{passage}\n{hit.document.title}\n{hit.document.date or ''}"
    failed: list[str | None] = []
    for expectation in expectations:
        failed.append(expectation.failed_check(
            text, about, context, hit.chunk.section, common_words,
            commissioner_speaks(candidate, expectation.forces) if expectation.commissioner else None,
            _document_words(hit.document), chief_constable_speaks(candidate) if expectation.chief else None))
        if failed[-1] is None:
            break  # one part it can answer is enough (the rest are not computed)
    return failed


def _words_of(document: Document) -> frozenset[str]:
    """The lower-cased runs of letters of a whole document (see Expectation.met_by)."""
    return frozenset(word.lower() for page in document.pages for word in LETTERS.findall(page))


_document_words = DocumentMemo(_words_of)


def commissioner_speaks(candidate: Candidate, forces: frozenset[str]) -> bool:
    """A commissioner of a force asked about says the sentence: a PCC response speaks for its own
    force's commissioner (or its region's); elsewhere (a news story, a report quoting a PCC) the
    commissioner is named in the sentence's section or before it in its passage, or is the last
    speaker named before it on its page (see _named_by_then)."""
    hit = candidate.hit
    if hit.document.kind == "pcc_response":
        own = hit.document.forces[:1]
        return not forces or bool((set(own) | {regional_unit_of(f) for f in own}) & forces)
    return _named_by_then(candidate, COMMISSIONER)


def chief_constable_speaks(candidate: Candidate) -> bool:
    """A chief constable says the sentence: a force's response speaks for its chief; elsewhere one
    is named in the sentence's section or before it in its passage (as for a commissioner)."""
    return candidate.hit.document.kind == "force_response" or _named_by_then(candidate, CHIEF_CONSTABLE)


def _named_by_then(candidate: Candidate, speaker: re.Pattern) -> bool:
    """`speaker` is named in the sentence's section, or in its passage up to the sentence's end
    (where a news story attributes a quote); or, earlier on its page (up to
    SPEAKER_LOOKBACK_CHARS back), the last person a sentence names as speaking ("...,” said
    Clive Grunshaw, Lancashire's Police and Crime Commissioner.") is named as `speaker`: a
    story's later quotes ("Mr Grunshaw added") are theirs until someone else is named as
    speaking ("Assistant Chief Constable Lisa Theaker said:"). Where no one is named as
    speaking, `speaker` named before the sentence speaks it ("The commissioner welcomed the
    report. “...,” he said."), except in an inspection report, whose own words are the
    inspectorate's."""
    hit = candidate.hit
    passage, sentence = normalise_text(hit.chunk.text), normalise_text(candidate.sentence)
    end = passage.find(sentence)
    up_to_sentence = passage if end < 0 else passage[:end + len(sentence)]
    if speaker.search(f"{hit.chunk.section}\n{up_to_sentence}"):
        return True
    pages = hit.document.pages
    page = pages[hit.chunk.page_start - 1] if 0 < hit.chunk.page_start <= len(pages) else ""
    before_passage = page[max(0, hit.chunk.char_start - SPEAKER_LOOKBACK_CHARS):hit.chunk.char_start]
    last_speaker = _last_attribution(up_to_sentence) or _last_attribution(before_passage)
    if last_speaker:
        return bool(speaker.search(last_speaker))
    # (not named in the passage up to the sentence: checked above)
    return hit.document.kind != "inspection_report" and bool(speaker.search(before_passage))


@lru_cache(maxsize=1024)  # a question's candidates, a few KB each
def _last_attribution(text: str) -> str:
    """The last sentence of `text` naming someone by role as speaking, its quotations left out,
    or "". Cached: a passage's page and a sentence's passage are read for each check asked of
    them (its score's features, then whether it can answer)."""
    last = ""
    for paragraph in PARAGRAPH_BREAK.split(text):
        for said in split_sentences(" ".join(paragraph.split())):
            attribution = QUOTED.sub(" ", said)  # who speaks, not whom the quotation names
            if SAID.search(attribution) and SPEAKER_ROLE.search(attribution):
                last = attribution
    return last


def judge_sentences(question: str, hits: list[Hit], scorer: SentenceScorer) -> list[JudgedSentence]:
    """Every sentence of the passages, best first, with its score and whether it can be the
    kind of answer the question asks for (asked lazily: the rerank asks once per passage)."""
    expectations = Expectation.of_parts(question, question_parts(question))
    common_words = scorer.lowercase_words()
    return [JudgedSentence(c.hit.chunk.id, c.score, lambda c=c: can_answer(c, expectations, common_words))
            for c in score_candidates(question, hits, scorer)]