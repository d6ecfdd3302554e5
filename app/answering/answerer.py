"""The answerer: extractive by default, through an LLM when a spec is given (still citation-checked)."""

from __future__ import annotations

from scrutiny.app.answering.extractive import extractive_answer
from scrutiny.app.answering.llm import llm_answer
from scrutiny.app.answering.quotes import instructions_ignored
from scrutiny.app.records import Answer
from scrutiny.app.retrieval.fusion import Hit, SearchFilters
from scrutiny.app.retrieval.service import Service


def answer_question(question: str, hits: list[Hit], service: Service, llm: str = "",
                    filters: SearchFilters = SearchFilters()) -> Answer:
    """Extractive by default; through an LLM when a spec is given (still citation-checked).
    Either way, text in the passages addressed to an AI model is never evidence, and the answer
    says where such text was found."""
    if llm:
        answer = llm_answer(question, hits, service, llm)
    else:
        answer = extractive_answer(question, hits, service, service.settings, filters)
    answer.ignored_instructions = instructions_ignored(hits)
    return answer
