"""Which of the scored sentences make the answer: the best for each part, then the best overall,
without repeating a statement, preferring the primary source's words."""

from __future__ import annotations

import re

from scrutiny.app.answering.sentences import Candidate
from scrutiny.app.answering.tuning import (
    KIND_PRIORITY,
    NEW_DOCUMENT_BONUS,
    PART_DEPTH,
    PRIMARY_SWAP_SHARE,
    REDUNDANT_OVERLAP,
    RELATIVE_KEEP,
    RESTATED_MIN_STEMS,
    RESTATED_SHARE,
)
from scrutiny.ingest.text import jaccard, normalise_text, stems

NEGATION = re.compile(r"\b(?:not|no|never|nor|without)\b|n't\b", re.IGNORECASE)


def same_statement(a: Candidate, b: Candidate) -> bool:
    """Near-duplicates, and a shortened restatement (a news article cutting a report's
    sentence short) of the other: long enough to judge by, and not one negating the other."""
    shorter, longer = sorted((stems(a.sentence), stems(b.sentence)), key=len)
    restated = (len(shorter) >= RESTATED_MIN_STEMS and len(shorter & longer) >= RESTATED_SHARE * len(shorter)
                and bool(NEGATION.search(a.sentence)) == bool(NEGATION.search(b.sentence)))
    return (jaccard(a.sentence, b.sentence) > REDUNDANT_OVERLAP
            or restated
            or normalise_text(a.sentence) in normalise_text(b.sentence)
            or normalise_text(b.sentence) in normalise_text(a.sentence))


def _priority(candidate: Candidate) -> int:
    return KIND_PRIORITY.get(candidate.hit.document.kind, 2)


def _swaps_in(candidate: Candidate, existing: Candidate) -> bool:
    """A more primary source's version of the same statement, relevant enough to stand in."""
    return _priority(candidate) < _priority(existing) and candidate.score >= PRIMARY_SWAP_SHARE * existing.score


def choose(candidates_by_part: list[list[Candidate]], candidates: list[Candidate],
            limit: int) -> list[Candidate]:
    """Best sentence for each part of the question first, then the best overall.

    When two sources say the same thing (a response restating the report), the primary
    source's sentence is kept if it scores nearly as well.
    """
    chosen: list[Candidate] = []
    best = candidates[0].score if candidates else 0.0

    def add(candidate: Candidate) -> bool:
        for index, existing in enumerate(chosen):
            if same_statement(candidate, existing):
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
                same_statement(candidate, c) and _swaps_in(candidate, c) for c in chosen):
            continue
        if len(chosen) < limit:
            add(candidate)
        else:  # full: a primary-source version of a chosen statement may still replace it
            for index, existing in enumerate(chosen):
                if same_statement(candidate, existing) and _swaps_in(candidate, existing):
                    chosen[index] = candidate
                    break
    return chosen[:max(limit, len(candidates_by_part))]
