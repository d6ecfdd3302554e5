"""Extractive answers: the best 1-3 sentences of the retrieved passages, each cited verbatim.

The answerer is a short list of steps over one question plan (parts, what each asks for):
score the candidate sentences (features.py), refuse when none that can answer is strong
enough, choose the sentences (selection.py), list the findings a part asks for by kind,
pair findings with the force's responses, then quote each on its page (quotes.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from scrutiny.app.answering.answer_types import Expectation
from scrutiny.app.answering.features import can_answer, score_candidates
from scrutiny.app.answering.findings_asked import KIND_NAMED, findings_asked
from scrutiny.app.answering.question import RESPONSE_QUESTION, part_queries, question_parts
from scrutiny.app.answering.quotes import REFUSAL_TEXT, related_passages, verify_citations
from scrutiny.app.answering.responses import Quoted, responses_to
from scrutiny.app.answering.selection import choose, same_statement
from scrutiny.app.answering.sentences import CITATION_LIKE, Candidate, passage_through, quotation_run, rest_of_paragraph
from scrutiny.app.answering.tuning import (
    FINDING_KEEP,
    FINDINGS_LISTED,
    KIND_PRIORITY,
    PART_DEPTH,
    RELATIVE_KEEP,
    RESPONSE_PAIRS,
)
from scrutiny.app.records import Answer, Citation
from scrutiny.app.retrieval.fusion import Hit, SearchFilters
from scrutiny.app.retrieval.service import Service
from scrutiny.app.settings import Settings
from scrutiny.ingest.records import RESPONSE_KINDS
from scrutiny.ingest.text import find_quote_page, normalise_text, split_sentences


@dataclass
class _Listed:
    """The findings one part of a question asks for by their kind's name, as candidates."""

    kind: str
    findings: list[Candidate]


def _findings_listed(parts: list[str], queries: list[str], expectations: list[Expectation], hits: list[Hit],
                     service: Service, filters: SearchFilters) -> list[_Listed | None]:
    """For each part of the question, the findings it asks for by their kind's name
    (findings_asked.py) that answer it; None for a part that asks for no kind of finding.

    Each finding is quoted by the sentence of its passage that states it (a boxed heading
    "Innovative practice: ..." is quoted with what it introduces) and scored against its part's
    query (`queries`, from part_queries) as any sentence is, its passage ranked where retrieval
    put it (after every retrieved passage when it was not). The best FINDINGS_LISTED scoring FINDING_KEEP of the best of them are
    kept: "What innovative practice did HMICFRS highlight at the cyber crime unit?" asks for that
    unit's, not every one. (The question has passed the refusal threshold already.)
    """
    scorer = service.sentence_scorer()
    common_words = scorer.lowercase_words()
    retrieved = {hit.chunk.id: rank for rank, hit in enumerate(hits)}
    listed: list[_Listed | None] = []
    for part, query, expectation in zip(parts, queries, expectations, strict=False):
        asked = findings_asked(service, part, expectation.forces, expectation.years, filters)
        if asked is None:
            listed.append(None)
            continue
        passages = {quoted.hit.chunk.id: dataclasses.replace(
            quoted.hit, fused_rank=retrieved.get(quoted.hit.chunk.id, len(hits))) for quoted in asked.findings}
        # only the sentences stating a finding are scored (each sentence scored is embedded)
        scored = score_candidates(query, list(passages.values()), scorer,
                                  lambda c: any(_states(c, quoted) for quoted in asked.findings))
        stating: list[Candidate] = []
        for candidate in scored:  # best first
            if can_answer(candidate, [expectation], common_words) and not any(
                    same_statement(candidate, c) for c in stating):
                stating.append(candidate)
        best = stating[0].score if stating else 0.0
        listed.append(_Listed(asked.kind, [c for c in stating if c.score >= FINDING_KEEP * best][:FINDINGS_LISTED]))
    return listed


def _states(candidate: Candidate, finding: Quoted) -> bool:
    """The candidate is the sentence of the finding's passage that states the finding: it holds
    the finding's first sentence (also when numbered: "4.3.1 We found ...")."""
    return (candidate.hit.chunk.id == finding.hit.chunk.id
            and normalise_text((split_sentences(finding.text) or [finding.text])[0]) in normalise_text(candidate.sentence))


def with_responses(question: str, chosen: list[Candidate], ranked: list[list[Candidate]],
                   expectations: list[Expectation], service: Service, limit: int,
                   listed: Sequence[Candidate] = ()) -> list[Candidate]:
    """The chosen sentences with the force's own response to each finding among them.

    Findings among the chosen and the best few candidates (of the question and of each part) are
    looked up in the force's response (responses.py); each found is quoted with its response,
    which replaces general sentences of response documents (a response sentence that best
    answers the question or a part of it stays). Without any, `chosen` is kept.
    """
    best = max((c.score for c in chosen), default=0.0)
    pool = [c for c in {id(c): c for c in [*chosen, *(c for part in ranked for c in part[:PART_DEPTH])]}.values()
            if c.score >= FINDING_KEEP * best]  # a finding the question is about, not any finding
    by_sentence = {c.sentence: c for c in reversed(pool)}
    common_words = service.sentence_scorer().lowercase_words()
    pairs: list[Candidate] = []
    for found in responses_to(service, question, [(c.hit, c.sentence) for c in pool])[:RESPONSE_PAIRS]:
        answered = by_sentence[found.answers]
        finding = answered
        if found.finding is not None and answered.hit.document.kind != "inspection_report":
            # the report's own words rather than a response's restatement of them, when they
            # too can answer (a regional finding is not about the force the question names)
            primary = Candidate(found.finding.text, found.finding.hit, answered.rank, answered.score)
            finding = primary if can_answer(primary, expectations, common_words) else answered
        response = Candidate(found.response.text, found.response.hit, answered.rank, answered.score, finding)
        pairs += [finding, response]
    if not pairs:
        return chosen
    # A response's own sentence that best answers the question or a part of it ("what did the
    # PCC say?") stays; its other, general sentences give way to the pairs.
    leads = {id(part[0]) for part in ranked if part}
    others = [c for c in chosen if (c.hit.document.kind not in RESPONSE_KINDS or id(c) in leads)
              and not any(c is p or same_statement(c, p) for p in pairs)]
    # A finding with its response is one point of the answer: `limit` counts each pair once. The
    # findings asked for by name (`listed`) all stay, paired or not, and are one point together.
    if listed:
        listed_ids = {id(c) for c in listed}
        kept = [c for c in others if id(c) in listed_ids]
        return pairs + kept + [c for c in others if id(c) not in listed_ids][:max(limit - 1, 0)]
    return pairs + others[:max(limit - len(pairs) // 2, 0)]


def extractive_answer(question: str, hits: list[Hit], service: Service, settings: Settings,
                      filters: SearchFilters = SearchFilters()) -> Answer:
    """The default answerer: offline, deterministic, every sentence a verbatim quote. `filters`
    are those `hits` were retrieved with (findings asked for by kind are looked up within them)."""
    scorer = service.sentence_scorer()
    common_words = scorer.lowercase_words()
    parts = question_parts(question)
    expectations = Expectation.of_parts(question, parts)
    # 1. Score every sentence; only those that can be the kind of answer asked for compete
    #    (see answer_types.py).
    scored = score_candidates(question, hits, scorer)
    candidates = [c for c in scored if can_answer(c, expectations, common_words)]
    # 2. Refuse when none is strong enough: confidence is the score of the sentence that would lead.
    confidence = round(candidates[0].score, 4) if candidates else 0.0
    if not candidates or confidence < settings.answering.refusal_threshold:
        return Answer(question, REFUSAL_TEXT, refused=True, confidence=confidence,
                      related=related_passages(hits, settings.answering.related_passages, scored))
    # 3. Choose the sentences: each part's best, the findings a part asks for by kind, the best overall.
    chosen, by_part, findings = _chosen(question, parts, expectations, candidates, hits, service, settings, filters)
    # 4. Primary sources first (the report before a response or a news story quoting it), and
    #    for "... and what is the force doing about it?" each finding followed by its response.
    chosen.sort(key=lambda c: (KIND_PRIORITY.get(c.hit.document.kind, 2), -c.score))
    if RESPONSE_QUESTION.search(question):
        chosen = with_responses(question, chosen, [candidates, *by_part], expectations, service,
                                settings.answering.answer_sentences, findings)
    # 5. Quote each on its page, and prove every quote is there before the answer leaves.
    citations = _citations(chosen, candidates[0], expectations, common_words)
    answer = Answer(question, " ".join(f"{c.quote} [{c.n}]" for c in citations), citations=citations,
                    confidence=confidence)
    answer = verify_citations(answer, service.data().documents)
    if answer.refused:
        answer.related = related_passages(hits, settings.answering.related_passages, scored)
    else:  # weak evidence is said of an answer only: a refusal says the documents don't answer
        answer.weak_evidence = confidence < settings.answering.weak_evidence_below
    return answer


def _chosen(question: str, parts: list[str], expectations: list[Expectation], candidates: list[Candidate],
            hits: list[Hit], service: Service, settings: Settings,
            filters: SearchFilters) -> tuple[list[Candidate], list[list[Candidate]], list[Candidate]]:
    """The sentences an answer quotes, each part's own candidates, and the findings listed by kind."""
    scorer = service.sentence_scorer()
    common_words = scorer.lowercase_words()
    threshold = settings.answering.refusal_threshold
    queries = part_queries(parts)
    by_part = ([score_candidates(query, hits, scorer) for query in queries] if len(parts) > 1
               else [candidates])
    # A part of the question with no good sentence of its own gets none (rather than a weak one).
    by_part = [[c for c in part if c.score >= threshold and can_answer(c, [expectation], common_words)]
               for part, expectation in zip(by_part, expectations, strict=False)]
    listed = _findings_listed(parts, queries, expectations, hits, service, filters)
    findings = [c for part in listed if part is not None for c in part.findings]
    if not findings:
        return choose(by_part, candidates, settings.answering.answer_sentences), by_part, findings
    # The findings a part asks for by name are its answer, one point however many: the other
    # parts and the best sentences follow, but not sentences about findings of that kind
    # ("we established an area for improvement in 2018", "HMICFRS raised one cause of concern").
    named = [KIND_NAMED[part.kind] for part in listed if part is not None and part.findings]
    rest = [c for c in candidates if not any(name.search(c.sentence) for name in named)
            and not any(same_statement(c, f) for f in findings)
            and c.score >= RELATIVE_KEEP * candidates[0].score]  # near the best, as choose keeps
    others = choose([[] if part is not None and part.findings else sentences
                     for sentences, part in zip(by_part, listed, strict=False)],
                    rest, settings.answering.answer_sentences - 1)
    return findings + [c for c in others if not any(same_statement(c, f) for f in findings)], by_part, findings


def _citations(chosen: list[Candidate], lead: Candidate, expectations: list[Expectation],
               common_words: frozenset[str]) -> list[Citation]:
    """A citation for each chosen sentence that can be quoted from one page, numbered in order.

    The lead sentence is quoted with the rest of its paragraph (and the quotation it opens) when
    that still answers; a quote holding an earlier one takes its place; one already quoted as an
    earlier sentence's neighbour is not quoted again.
    """
    lead_key = (lead.hit.chunk.id, lead.sentence)  # the part-by-part choice holds copies
    # A response paragraph answers the finding it is paired with: the question's answer types
    # hold for it, but not its team or operation ("the move to 4 Basic Command Units" answers the
    # finding about neighbourhood teams), and it is quoted only when its finding is.
    without_groups = [dataclasses.replace(e, groups=()) for e in expectations]
    citations: list[Citation] = []
    quoted: set[int] = set()  # ids of the chosen candidates that found a quotable page
    lead_run, lead_beyond = "", []  # the lead's quotation, the paragraphs it runs on into (quotation_run)
    for candidate in chosen:
        chunk, document = candidate.hit.chunk, candidate.hit.document
        if candidate.responds_to is not None and id(candidate.responds_to) not in quoted:
            continue
        rules = expectations if candidate.responds_to is None else without_groups
        page = None
        quotes = []
        if (chunk.id, candidate.sentence) == lead_key:
            paragraph = rest_of_paragraph(candidate)
            lead_run, lead_beyond = quotation_run(candidate, paragraph)
            quotes = [lead_run, paragraph]
        for quote in dict.fromkeys([*quotes, candidate.quote, candidate.sentence]):
            if CITATION_LIKE.search(quote):
                continue  # a list item's own "[3]" would read as a citation marker
            if not can_answer(candidate, rules, common_words, quote):
                continue  # the sentence alone lacks what its extension held (the figure asked for)
            page = find_quote_page(document, quote, chunk.page_start, chunk.page_end)
            if page is not None:
                break
        if page is None:
            continue  # a sentence broken by a page turn: it cannot be quoted from one page
        quoted.add(id(candidate))
        if any(normalise_text(quote) in normalise_text(c.quote) for c in citations):
            continue  # already quoted as the neighbour of an earlier sentence
        wider = next((i for i, c in enumerate(citations)
                      if c.doc_id == document.id and normalise_text(c.quote) in normalise_text(quote)), None)
        if wider is not None:  # this quote holds an earlier one: it takes that one's place
            citations[wider] = Citation.from_hit(citations[wider].n, candidate.hit, page, quote, citations[wider].score)
            continue
        citations.append(Citation.from_hit(len(citations) + 1, candidate.hit, page, quote, candidate.score))
    for citation in citations:  # a quotation run past its passage's end: the passage shows it all
        if lead_beyond and citation.quote == lead_run and normalise_text(citation.quote) not in normalise_text(citation.passage):
            citation.passage = passage_through(citation.passage, lead_beyond)
    return citations
