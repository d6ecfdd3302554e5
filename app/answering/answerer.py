"""The answerer: extractive by default, through an LLM when a spec is given (still citation-checked)."""

from __future__ import annotations

from scrutiny.app.answering.extractive import extractive_answer
from scrutiny.app.answering.llm import llm_answer
from scrutiny.app.records import Answer
from scrutiny.app.retrieval.fusion import Hit, SearchFilters
from scrutiny.app.retrieval.service import Service


def answer_question(question: str, hits: list[Hit], service: Service, llm: str = "",
                    filters: SearchFilters = SearchFilters()) -> Answer:
    """Extractive by default; through an LLM when a spec is given (still citation-checked)."""
    if llm:
        return llm_answer(question, hits, service, llm)
    return extractive_answer(question, hits, service, service.settings, filters)
