"""The hybrid index as a LangChain retriever, so Scrutiny's search plugs into other people's chains.

`ScrutinyRetriever` wraps anything that searches the index: the `PassageSearch` that `ask`
uses (`Scrutiny(settings).langchain_retriever()`, the same order as `ask`), a `HybridRetriever`
(fused only), both with filters, or a plain `search(query, k) -> list[Hit]` callable (no
filters). Each hit becomes a LangChain `Document` whose text is the chunk and whose metadata
says where it came from (document, pages, section) and how it ranked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LangChainDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, SkipValidation, field_validator, model_validator

from scrutiny.app.retrieval.fusion import BadFilter, Hit, SearchFilters
from scrutiny.app.settings import RetrievalSettings
from scrutiny.ingest.forces import resolve_force

FILTER_FIELDS = ("kinds", "forces", "documents")


class HitSearch(Protocol):
    """What `ScrutinyRetriever` needs from a search backend that can filter (PassageSearch, HybridRetriever)."""

    def search(self, query: str, k: int, filters: SearchFilters = ...) -> list[Hit]:
        ...


SearchFunction = Callable[[str, int], list[Hit]]


def _as_names(value: Any) -> Any:
    """Accept a single name where a sequence of names is expected."""
    return (value,) if isinstance(value, str) else value


def hit_to_document(hit: Hit) -> LangChainDocument:
    """A LangChain Document for a hit: the chunk text, where it came from and how it scored."""
    chunk, source = hit.chunk, hit.document
    scores = {"dense": hit.dense, "lexical": hit.lexical, "fused": hit.fused}
    if hit.rerank is not None:
        scores["rerank"] = hit.rerank
    return LangChainDocument(
        id=chunk.id,
        page_content=chunk.text,
        metadata={
            "doc_id": chunk.doc_id,
            "source": source.source,
            "title": source.title,
            "kind": source.kind,
            "date": source.date,
            "page_start": chunk.page_start,
            "page_end": chunk.page_end,
            "section": chunk.section,
            "chunk_id": chunk.id,
            "forces": list(chunk.forces),
            "scores": scores,
        },
    )


class ScrutinyRetriever(BaseRetriever):
    """Scrutiny's hybrid (dense + BM25) search as a LangChain `BaseRetriever`.

    `k` and the filters are fields; `invoke(query, k=..., kinds=..., forces=...,
    documents=...)` overrides them for one call.
    """

    # extra="forbid": a misspelt filter (`kind=` for `kinds=`) must fail, not silently match all.
    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    searcher: SkipValidation[HitSearch | SearchFunction] = Field(
        exclude=True,
        description="A HybridRetriever-like object with search(query, k, filters), "
                    "or a callable search(query, k) -> list[Hit].",
    )
    k: int = Field(RetrievalSettings().top_k, ge=1, description="Passages returned per query.")
    kinds: tuple[str, ...] = Field((), description="Only these document kinds, e.g. 'pcc_response'.")
    forces: tuple[str, ...] = Field((), description="Only passages mentioning these forces, e.g. 'Cleveland Police'.")
    documents: tuple[str, ...] = Field((), description="Only these documents: id prefixes or file names.")

    @field_validator("searcher")
    @classmethod
    def _check_searcher(cls, searcher: Any) -> Any:
        if not (callable(getattr(searcher, "search", None)) or callable(searcher)):
            raise ValueError(
                f"searcher must be a HybridRetriever or a callable search(query, k), not {type(searcher).__name__}; "
                "or take one from Scrutiny(settings).langchain_retriever()"
            )
        return searcher

    @field_validator(*FILTER_FIELDS, mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return _as_names(value)

    @model_validator(mode="after")
    def _check_filters(self) -> ScrutinyRetriever:
        # Unknown kinds and forces fail at construction, not at the first query.
        if self.filters().active and not self._can_filter():
            raise ValueError(
                "filters need a searcher with search(query, k, filters), such as HybridRetriever; "
                "a plain search(query, k) callable cannot filter, so filter inside it instead"
            )
        return self

    def filters(self, **overrides: Any) -> SearchFilters:
        """The search filters from the fields, with any per-call overrides applied."""
        values = {name: getattr(self, name) for name in FILTER_FIELDS}
        values.update({name: _as_names(value) for name, value in overrides.items()})
        filters = SearchFilters(**{name: tuple(value) for name, value in values.items()})
        for name in filters.forces:
            if not resolve_force(name):
                raise BadFilter(f"unknown force '{name}'; give a force name such as 'Cleveland Police'")
        return filters

    def _can_filter(self) -> bool:
        return callable(getattr(self.searcher, "search", None))

    def _search(self, query: str, k: int, filters: SearchFilters) -> list[Hit]:
        if k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if self._can_filter():
            return cast(HitSearch, self.searcher).search(query, k, filters)
        if filters.active:
            raise ValueError("this retriever wraps a plain search(query, k) callable, which cannot filter")
        return cast(SearchFunction, self.searcher)(query, k)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LangChainDocument]:
        """Documents for the top `k` passages, best first (`k` and filters may be given per call)."""
        k = kwargs.pop("k", self.k)
        overrides = {name: kwargs.pop(name) for name in FILTER_FIELDS if name in kwargs}
        if kwargs:
            raise TypeError(
                f"unexpected argument(s) {', '.join(sorted(kwargs))}; "
                f"invoke accepts k, {', '.join(FILTER_FIELDS)}"
            )
        hits = self._search(query, k, self.filters(**overrides))
        return [hit_to_document(hit) for hit in hits[:k]]
