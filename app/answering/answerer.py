"""The answerer: extractive by default, through an LLM when a spec is given (still citation-checked)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrutiny.app.answering.extractive import extractive_answer
from scrutiny.app.answering.llm import LLMFailed, llm_answer, llm_answer_steps, model_name
from scrutiny.app.answering.quotes import instructions_ignored
from scrutiny.app.records import Answer
from scrutiny.app.retrieval.fusion import Hit, SearchFilters
from scrutiny.app.retrieval.service import Service

NOTHING_HELD = "none of its sentences was backed by the passage it cited"


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


def answer_steps(question: str, hits: list[Hit], service: Service, llm: Any = "",
                 filters: SearchFilters = SearchFilters()) -> Iterator[tuple[Answer, bool]]:
    """The answer as (answer, done) steps. Without an LLM (a spec or a chat model), one step:
    the quoted answer. With one, a written summary as the LLM writes it (see
    `llm_answer_steps`), with the quoted answer as the fallback: when the LLM does not answer,
    or none of its sentences holds, the final answer is the quoted one, and `summary_not_used`
    says why. A spec that cannot be used at all (unknown provider, package missing) is an
    error, not a fallback."""
    if not llm:
        yield answer_question(question, hits, service, "", filters), True
        return
    reason, dropped = "", []
    try:
        for answer, done in llm_answer_steps(question, hits, service, llm):
            if not done:
                yield answer, False
            elif answer.refused and hits:
                reason, dropped = NOTHING_HELD, answer.notes
            else:
                answer.ignored_instructions = instructions_ignored(hits)
                yield answer, True
                return
    except LLMFailed as error:
        reason = str(error)
    fallback = answer_question(question, hits, service, "", filters)
    fallback.summary_not_used = f"the written summary by {model_name(llm)} was not used: {reason}"
    fallback.notes = [*dropped, *fallback.notes]  # what the summary said and why each sentence went
    yield fallback, True
