"""Optional LLM answers through LangChain, held to the same citation rules as extractive ones.

The model sees the retrieved passages as numbered, delimited quoted material and must cite
`[n]` after every sentence. Nothing it writes is trusted: each sentence must cite passages
that exist and that support it (most of its content words, and every number, are in the
passage); each kept citation quotes the passage sentence nearest to the claim, verbatim,
with the page that sentence is on; then `verify_citations` checks every quote once more.
Sentences that fail are dropped and noted; if none survive the answer is a refusal.

Specs: `openai:MODEL` (any OpenAI-compatible server: OPENAI_BASE_URL and OPENAI_API_KEY
from the environment), `ollama:MODEL` (OLLAMA_HOST), `llamacpp:PATH.gguf` (a local model
file via llama-cpp-python). A ready-made LangChain chat model may be passed instead.
"""

from __future__ import annotations

import functools
import html
import importlib
import importlib.util
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from scrutiny.app.answering.quotes import REFUSAL_TEXT, related_passages, verify_citations
from scrutiny.app.records import Answer, Citation
from scrutiny.app.retrieval.fusion import Hit
from scrutiny.app.retrieval.service import Service
from scrutiny.ingest.injection import addresses_model, without_instructions
from scrutiny.ingest.text import find_quote_page, split_sentences, tokenize

PROVIDERS = ("openai", "ollama", "llamacpp")
SPEC_HELP = "use openai:MODEL, ollama:MODEL or llamacpp:PATH.gguf"
# Where each provider's LangChain class lives, and what to install when it is missing.
PACKAGES = {
    "openai": ("langchain_openai", "pip install 'scrutiny[llm]' (or: pip install langchain-openai)"),
    "ollama": ("langchain_ollama", "pip install 'scrutiny[llm]' (or: pip install langchain-ollama)"),
    "llamacpp": ("langchain_community", "pip install 'scrutiny[llamacpp]' (langchain-community and "
                                        "llama-cpp-python), or serve the file with llama.cpp's llama-server "
                                        "and use openai:MODEL"),
}
# OpenAI-compatible local servers (llama-server, vLLM, Ollama) ignore the key, but the
# openai client refuses to start without one.
LOCAL_SERVER_KEY = "not-needed"

CITATION_MARKS = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# "... SARs. [1] Next ..." -> "... SARs [1]. Next ...", so sentence splitting sees the stop.
MARKS_AFTER_STOP = re.compile(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
LIST_ITEM = re.compile(r"\n\s*(?=(?:[-*•]|\d+[.)])\s)")
ITEM_PREFIX = re.compile(r"^(?:[-*•]|\d+[.)])\s+")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
NUMBER_WORDS = {
    word: str(value) for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split())
}
PASSAGE_TAG = re.compile(r"<(\s*/?\s*passage)", re.IGNORECASE)
NOTE_CHARS = 80  # a dropped sentence is quoted in the notes up to this length


class LLMError(Exception):
    """The LLM answer backend cannot be used as asked; the message says how to fix it."""


class BadLLMSpec(LLMError, ValueError):
    """An --llm spec that names no known provider, no model, or a missing model file."""


class LLMPackageMissing(LLMError, ImportError):
    """The provider's LangChain integration (or its engine) is not installed."""


class LLMFailed(LLMError, RuntimeError):
    """The model was reached for but did not answer (server down, bad key, timeout)."""


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:300]


@dataclass(frozen=True)
class LLMSpec:
    """A parsed --llm value: provider and model (a name, or a file path for llamacpp)."""

    provider: str
    model: str

    @classmethod
    def parse(cls, spec: str) -> LLMSpec:
        """`provider:model`, checked; BadLLMSpec says what is wrong and what to write instead."""
        text = (spec or "").strip()
        provider, colon, model = text.partition(":")
        provider, model = provider.strip().lower(), model.strip()
        if not colon:
            raise BadLLMSpec(f"LLM spec '{text}' names no provider; {SPEC_HELP}")
        if provider not in PROVIDERS:
            raise BadLLMSpec(f"unknown LLM provider '{provider}' in '{text}'; {SPEC_HELP}")
        if not model:
            raise BadLLMSpec(f"LLM spec '{text}' names no model; {SPEC_HELP}")
        if provider == "llamacpp":
            path = Path(model).expanduser()
            if path.suffix.lower() != ".gguf":
                raise BadLLMSpec(f"llamacpp needs a .gguf model file, not '{model}'; {SPEC_HELP}")
            if not path.is_file():
                raise BadLLMSpec(f"llamacpp model file not found: {path}; give the path to a .gguf file")
        return cls(provider, model)

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


def _import_integration(provider: str):
    module, fix = PACKAGES[provider]
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise LLMPackageMissing(f"the {provider}: LLM backend needs {module.replace('_', '-')}; {fix}") from error


# The environment a chat model is built from: a change means a different model object.
ENVIRONMENT = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API_BASE", "OLLAMA_HOST")


@functools.lru_cache(maxsize=4)
def _cached_chat_model(spec: LLMSpec, temperature: float, timeout: float, retries: int, context: int,
                       max_tokens: int, environment: tuple):
    # Cached: a llamacpp model file takes seconds to load, and the app asks many questions.
    if spec.provider == "llamacpp":
        if importlib.util.find_spec("llama_cpp") is None:
            raise LLMPackageMissing(f"the llamacpp: LLM backend needs llama-cpp-python; {PACKAGES['llamacpp'][1]}")
        from langchain_community.chat_models import ChatLlamaCpp

        return ChatLlamaCpp(model_path=str(Path(spec.model).expanduser()), temperature=temperature, n_ctx=context,
                            max_tokens=max_tokens)
    from langchain.chat_models import init_chat_model

    options: dict[str, Any] = {"temperature": temperature}
    if spec.provider == "openai":
        options.update(timeout=timeout, max_retries=retries)
        base_url = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE")
        # langchain-openai sends the limit as max_completion_tokens, which OpenAI-compatible servers
        # (llama.cpp's, vLLM's) may ignore and then write until the context is full: they get max_tokens.
        options.update({"extra_body": {"max_tokens": max_tokens}} if base_url else {"max_tokens": max_tokens})
        if not os.environ.get("OPENAI_API_KEY"):
            if not base_url:
                raise BadLLMSpec(
                    f"{spec} needs OPENAI_API_KEY, or OPENAI_BASE_URL pointing at an OpenAI-compatible "
                    "server (llama.cpp's llama-server, vLLM, Ollama's /v1)"
                )
            options["api_key"] = LOCAL_SERVER_KEY
    else:
        options.update(num_ctx=context, num_predict=max_tokens, client_kwargs={"timeout": timeout})
    return init_chat_model(spec.model, model_provider=spec.provider, **options)


def chat_model(spec: str, settings) -> Any:
    """The LangChain chat model a spec names, or BadLLMSpec / LLMPackageMissing with the fix."""
    parsed = LLMSpec.parse(spec)
    _import_integration(parsed.provider)
    try:
        return _cached_chat_model(
            parsed, settings.llm.temperature, settings.llm.timeout_seconds, settings.llm.max_retries,
            settings.llm.context_tokens, settings.llm.max_tokens, tuple(os.environ.get(name) for name in ENVIRONMENT),
        )
    except LLMError:
        raise
    except ImportError as error:  # an integration's own dependency is missing
        raise LLMPackageMissing(f"{parsed}: {_first_line(error)}; {PACKAGES[parsed.provider][1]}") from error
    except Exception as error:  # the integration rejected its options: say so in one line
        raise BadLLMSpec(f"could not set up {parsed}: {_first_line(error)}") from error


def _template(name: str) -> str:
    return resources.files("scrutiny.prompts").joinpath(name).read_text(encoding="utf-8")


def format_passage(n: int, hit: Hit) -> str:
    """One passage as delimited quoted material; its text cannot close the delimiter early."""
    chunk, document = hit.chunk, hit.document
    pages = str(chunk.page_start) if chunk.page_end == chunk.page_start else f"{chunk.page_start}-{chunk.page_end}"
    attributes = " ".join(
        f'{name}="{html.escape(str(value), quote=True)}"'
        for name, value in (("n", n), ("source", document.source), ("title", document.title), ("page", pages),
                            ("section", chunk.section))
        if value
    )
    # text addressed to a model is never shown to it as if it were the report's
    text = without_instructions(chunk.text.strip(), "[text addressed to an AI model, removed]")
    body = PASSAGE_TAG.sub(r"&lt;\1", text)
    return f"<passage {attributes}>\n{body}\n</passage>"


def build_messages(question: str, hits: list[Hit], settings) -> list:
    """The system and user messages: rules from prompts/, passages numbered from 1."""
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages([
        ("system", _template("answer_system.txt")),
        ("human", _template("answer_user.txt")),
    ])
    passages = "\n\n".join(format_passage(n, hit) for n, hit in enumerate(hits, start=1))
    return prompt.format_messages(
        question=question, passages=passages, max_sentences=settings.llm.answer_sentences,
    )


def generated_sentences(reply: str) -> list[str]:
    """The model's reply as sentences, each keeping the [n] marks that follow it."""
    text = THINKING.sub(" ", reply)
    text = MARKS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text)
    text = LIST_ITEM.sub("\n\n", text)  # list items are sentences of their own
    sentences = []
    for sentence in split_sentences(text):
        sentence = ITEM_PREFIX.sub("", " ".join(sentence.split()))
        if sentence:
            sentences.append(sentence)
    return sentences


def cited_numbers(sentence: str) -> list[int]:
    """The passage numbers a sentence cites, in order, without repeats."""
    numbers = [int(n) for group in CITATION_MARKS.findall(sentence) for n in re.split(r"[,;]", group)]
    return list(dict.fromkeys(numbers))


def _numbers(text: str, spelled: bool = False) -> set[str]:
    """Figures in the text ("20,000" -> "20000"); with `spelled`, "three" counts as "3" too.

    Only a passage's spelled numbers count: a claim's "one of the ..." is not a figure.
    """
    found = {match.replace(",", "").rstrip(".") for match in NUMBER.findall(text)}
    if spelled:
        found |= {NUMBER_WORDS[word] for word in re.findall(r"[a-z]+", text.lower()) if word in NUMBER_WORDS}
    return found


@dataclass
class Support:
    """How well one passage backs one claim: content-word share and the numbers it lacks."""

    share: float
    missing_numbers: set[str]
    quote: str | None
    page: int | None


class SupportCheck:
    """Judges whether a cited passage says what a generated sentence claims, and finds the quote."""

    def __init__(self, min_share: float):
        if not 0 < min_share <= 1:
            raise ValueError("llm_support_overlap must be in (0, 1]")
        self.min_share = min_share

    @staticmethod
    def evidence(hit: Hit) -> tuple[str, list[str]]:
        """The passage's text and quotable sentences, without any text addressed to an AI model."""
        text = without_instructions(hit.chunk.text, " ")
        return text, [s for s in split_sentences(hit.chunk.text) if not addresses_model(s)]

    def measure(self, claim: str, hit: Hit) -> Support:
        """Content-word share of the claim found in the passage, the best quote, and the claim's
        numbers that quote lacks.

        The passage's title and section path count as its words too: "Cleveland" is often
        only in the heading a sentence sits under.
        """
        text, sentences = self.evidence(hit)
        context = f"{hit.document.title} {hit.chunk.section} {text}"
        claim_tokens = set(tokenize(claim))
        share = len(claim_tokens & set(tokenize(context))) / len(claim_tokens) if claim_tokens else 0.0
        quote, page = self._best_quote(claim, claim_tokens, sentences, hit)
        # Every figure claimed must be in the quote the reader is shown (or its headings),
        # not merely somewhere in the passage.
        missing = _numbers(claim) - _numbers(f"{hit.document.title} {hit.chunk.section} {quote or ''}", spelled=True)
        return Support(share, missing, quote, page)

    def supports(self, support: Support) -> bool:
        """Enough of the claim's words, all its numbers, and a quotable sentence."""
        return support.share >= self.min_share and not support.missing_numbers and support.page is not None

    @staticmethod
    def _best_quote(claim: str, claim_tokens: set[str], sentences: list[str],
                    hit: Hit) -> tuple[str | None, int | None]:
        """The passage sentence nearest the claim (numbers, then shared words) that sits on one page."""
        claim_numbers = _numbers(claim)

        def nearness(sentence: str) -> tuple[int, int, float]:
            tokens = set(tokenize(sentence))
            shared = len(claim_tokens & tokens)
            return (len(claim_numbers & _numbers(sentence, spelled=True)), shared,
                    shared / max(len(claim_tokens | tokens), 1))

        chunk = hit.chunk
        for sentence in sorted(sentences, key=nearness, reverse=True):
            if not nearness(sentence)[1]:
                break  # no sentence shares a word with the claim: nothing to quote
            page = find_quote_page(hit.document, sentence, chunk.page_start, chunk.page_end)
            if page is not None:  # a sentence broken by a page turn cannot be quoted from one page
                return " ".join(sentence.split()), page
        return None, None


def renumber(answer: Answer) -> Answer:
    """Citations numbered 1..n in the order the text first cites them; uncited ones dropped."""
    order = list(dict.fromkeys(int(n) for n in re.findall(r"\[(\d+)\]", answer.text)))
    new_number = {old: new for new, old in enumerate(order, start=1)}
    answer.text = re.sub(r"\[(\d+)\]", lambda m: f"[{new_number.get(int(m.group(1)), m.group(1))}]", answer.text)
    by_number = {c.n: c for c in answer.citations}
    answer.citations = [by_number[old] for old in order if old in by_number]
    for citation in answer.citations:
        citation.n = new_number[citation.n]
    return answer


def _short(sentence: str) -> str:
    return sentence if len(sentence) <= NOTE_CHARS else sentence[: NOTE_CHARS - 1] + "…"


def checked_answer(question: str, reply: str, hits: list[Hit], service: Service) -> Answer:
    """The model's reply reduced to sentences its cited passages support, each citation verbatim."""
    settings = service.settings
    check = SupportCheck(settings.llm.support_overlap)
    notes: list[str] = []
    citations: list[Citation] = []
    numbered: dict[tuple[str, int, str], int] = {}  # (doc, page, quote) -> citation number
    kept: list[str] = []
    shares: list[float] = []
    for sentence in generated_sentences(reply):
        claim = " ".join(CITATION_MARKS.sub(" ", sentence).split())
        claim = re.sub(r"\s+([.,;:!?])", r"\1", claim)
        cited = cited_numbers(sentence)
        if not cited:
            notes.append(f"dropped uncited sentence: {_short(claim)}")
            continue
        marks: list[int] = []
        for n in cited:
            if not 1 <= n <= len(hits):
                notes.append(f"dropped a citation of passage {n} (there were {len(hits)}): {_short(claim)}")
                continue
            hit = hits[n - 1]
            support = check.measure(claim, hit)
            if not check.supports(support):
                reason = (f"numbers {', '.join(sorted(support.missing_numbers))} not in it"
                          if support.missing_numbers else f"{support.share:.0%} of its words in it")
                notes.append(f"dropped a citation of passage {n}, which does not support the sentence "
                             f"({reason}): {_short(claim)}")
                continue
            assert support.page is not None and support.quote is not None  # what `supports` checked
            key = (hit.document.id, support.page, support.quote)
            if key not in numbered:
                numbered[key] = len(citations) + 1
                citations.append(Citation.from_hit(numbered[key], hit, support.page, support.quote, support.share))
            if numbered[key] not in marks:
                marks.append(numbered[key])
            shares.append(support.share)
        if marks:
            kept.append(claim + " " + "".join(f"[{m}]" for m in marks))
    if not kept:
        return _refusal(question, hits, settings, notes)
    answer = Answer(question, " ".join(kept), citations=citations, confidence=round(min(shares), 4), notes=notes)
    answer = verify_citations(renumber(answer), service.data().documents)
    if answer.refused:
        answer.related = related_passages(hits, settings.answering.related_passages)
        return answer
    return renumber(answer)


def _refusal(question: str, hits: list[Hit], settings, notes: list[str]) -> Answer:
    return Answer(question, REFUSAL_TEXT, refused=True, related=related_passages(hits, settings.answering.related_passages),
                  notes=notes)


def _server_hint(name: str) -> str:
    provider = name.partition(":")[0].lower()
    if provider == "openai":
        where = os.environ.get("OPENAI_BASE_URL") or os.environ.get("OPENAI_API_BASE") or "the OpenAI API"
        return f"check that {where} is reachable and that the model name and OPENAI_API_KEY are right"
    if provider == "ollama":
        where = os.environ.get("OLLAMA_HOST") or "the local Ollama server"
        return f"check that {where} is running (ollama serve) and the model is pulled (ollama pull MODEL)"
    return "check the model and try again"


def _reply_text(reply: Any) -> str:
    """The text of a chat model's message (a plain LLM returns a str already)."""
    from langchain_core.messages import BaseMessage

    return str(reply.text) if isinstance(reply, BaseMessage) else str(reply)


def model_name(spec_or_model: Any) -> str:
    """How the user knows the model: its spec, or a ready-made chat model's class."""
    return spec_or_model.strip() if isinstance(spec_or_model, str) else type(spec_or_model).__name__


def finished_sentences(reply: str) -> str:
    """The part of a reply being streamed that is whole sentences: all but the last, which may
    still be growing (its citation marks too: "... SARs." may yet be followed by " [1]")."""
    return " ".join(generated_sentences(reply)[:-1])


def llm_answer_steps(question: str, hits: list[Hit], service: Service, spec_or_model: Any) -> Iterator[tuple[Answer, bool]]:
    """An answer written by an LLM from the passages, kept only where its citations hold, as it
    is written: after each finished sentence, the answer checked so far (`done` False; only
    when some sentence holds), then the whole reply checked (`done` True). Nothing unchecked is
    ever yielded.

    `spec_or_model` is an --llm spec string or a LangChain chat model (anything with
    `stream(messages)`). With no passages the model is not called: the answer is a refusal.
    """
    settings = service.settings
    model = chat_model(spec_or_model, settings) if isinstance(spec_or_model, str) else spec_or_model
    if not hits:
        yield _refusal(question, hits, settings, ["no passages were retrieved; the LLM was not asked"]), True
        return
    name = model_name(spec_or_model)
    messages = build_messages(question, hits, settings)
    reply, checked = "", ""
    # The client's timeout bounds each wait for the next piece; this bounds the whole reply.
    deadline = time.monotonic() + settings.llm.timeout_seconds
    try:
        for piece in model.stream(messages):
            if time.monotonic() > deadline:
                raise LLMFailed(f"the LLM {name} did not finish its reply within {settings.llm.timeout_seconds:g} s; "
                                f"raise SCRUTINY_LLM__TIMEOUT_SECONDS or use a faster model")
            reply += _reply_text(piece)
            finished = finished_sentences(reply)
            if finished != checked:
                checked = finished
                so_far = checked_answer(question, finished, hits, service)
                if not so_far.refused:
                    so_far.written_by = name
                    yield so_far, False
    except LLMFailed:
        raise
    except Exception as error:  # network, credentials, server errors: one line for the user
        raise LLMFailed(f"the LLM {name} did not answer: {_first_line(error)}; {_server_hint(name)}") from error
    answer = checked_answer(question, reply, hits, service)
    answer.written_by = "" if answer.refused else name
    yield answer, True


def llm_answer(question: str, hits: list[Hit], service: Service, spec_or_model: Any) -> Answer:
    """The final answer of `llm_answer_steps`."""
    *_, (answer, _done) = llm_answer_steps(question, hits, service, spec_or_model)
    return answer
