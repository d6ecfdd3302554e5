"""The last gate before an answer leaves: every quote proven on its page; refusals with related passages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from scrutiny.app.answering.sentences import Candidate
from scrutiny.app.records import Answer, Citation
from scrutiny.app.retrieval.fusion import Hit
from scrutiny.ingest.injection import instructions_in
from scrutiny.ingest.records import Document
from scrutiny.ingest.text import find_quote_page, quote_on_page, split_sentences

REFUSAL_TEXT = "The indexed documents don't answer this question."


def related_passages(hits: list[Hit], count: int, candidates: Sequence[Candidate] = ()) -> list[Citation]:
    """The nearest passages, shown with a refusal (never as evidence).

    Each shows its best-scoring sentence when the passage was scored (the near miss a reader
    will want to check), else its first sentence; either is quoted only from its own page.
    """
    best: dict[str, Candidate] = {}
    for candidate in candidates:  # best first
        best.setdefault(candidate.hit.chunk.id, candidate)
    related = []
    for n, hit in enumerate(hits[:count], start=1):
        shown = [best[hit.chunk.id].sentence] if hit.chunk.id in best else []
        shown += split_sentences(hit.chunk.text)[:2] or [hit.chunk.text[:200]]
        page, quote = None, ""
        for sentence in shown:
            if instructions_in(sentence):
                continue
            page = find_quote_page(hit.document, sentence, hit.chunk.page_start, hit.chunk.page_end)
            if page is not None:
                quote = sentence
                break
        related.append(Citation.from_hit(n, hit, page or hit.chunk.page_start, quote, hit.score))
    return related


def instructions_ignored(hits: Sequence[Hit]) -> list[str]:
    """Where the passages hold text addressed to an AI model ("report.pdf p.3"), in hit order."""
    return list(dict.fromkeys(
        f"{hit.document.source} p.{hit.chunk.page_start}" for hit in hits if instructions_in(hit.chunk.text)))


def verify_citations(answer: Answer, documents: Mapping[str, Document]) -> Answer:
    """Drop any cited sentence whose quote is not on its page, or that holds text addressed to an
    AI model; nothing left means refusal.

    This is the last gate before an answer leaves Scrutiny: a citation that does not hold
    is worse than no answer.
    """
    if answer.refused:
        return answer
    kept: list[Citation] = []
    for citation in answer.citations:
        document = documents.get(citation.doc_id)
        if instructions_in(citation.quote):
            answer.notes.append(f"dropped citation [{citation.n}]: its quote is addressed to an AI model")
        elif document is not None and quote_on_page(document, citation.page, citation.quote):
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
