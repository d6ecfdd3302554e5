"""The NumPy and ONNX Runtime forward passes must embed as sentence-transformers (torch) does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scrutiny.index.embedder import HashingEmbedder, SentenceTransformerEmbedder


@pytest.mark.slow
def test_numpy_pass_agrees_with_sentence_transformers(tmp_path):
    texts = [
        "What did the inspectorate say about the backlog of suspicious activity reports?",
        "Durham Constabulary is outstanding at tackling serious and organised crime.",
        "ok",
        "word " * 400,  # past the 256 word-piece limit: both must truncate alike
    ]
    light = SentenceTransformerEmbedder(onnx_cache=tmp_path)  # no ONNX export on disk
    cold = light.encode(texts)  # torch not loaded yet: NumPy path
    assert light._model is None
    one_by_one = light._numpy.encode(texts, batch_size=1)  # sorted by length, then put back
    assert np.allclose(one_by_one, cold, atol=1e-5)
    heavy = SentenceTransformerEmbedder(backend="torch")
    heavy.warm()
    warm = heavy.encode(texts)
    cosine = (cold * warm).sum(axis=1)
    assert cosine.min() > 0.9999
    assert np.allclose(np.linalg.norm(cold, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_cold_process_embeds_an_answers_sentences_without_torch_but_not_a_files_passages(monkeypatch, tmp_path):
    import scrutiny.index.embedder as embedder_module

    sentences = [f"Sentence {n} of a passage the answer scores against the question." for n in range(200)]
    light = SentenceTransformerEmbedder(onnx_cache=tmp_path)
    light.encode(sentences)  # a rerank pool's sentences: ~3,000 word pieces
    assert light._model is None and light._onnx is None and light._numpy is not None
    assert not list(tmp_path.rglob("*.onnx"))  # a small encode never pays for the export
    monkeypatch.setattr(embedder_module, "NUMPY_MAX_TOKENS", 1000)  # past the budget, the bulk backend is quicker
    bulk = SentenceTransformerEmbedder()
    bulk.encode(sentences)
    assert bulk._onnx is not None and bulk._model is None
    torch_bulk = SentenceTransformerEmbedder(backend="torch")
    torch_bulk.encode(sentences)
    assert torch_bulk._model is not None and torch_bulk._onnx is None


@pytest.mark.slow
def test_once_exported_a_cold_process_embeds_small_batches_with_onnx_runtime():
    SentenceTransformerEmbedder().warm()  # the export is on disk (made once per machine)
    texts = ["What did the inspectorate say about the backlog?", "The force has a backlog of 1,200 reports."]
    cold = SentenceTransformerEmbedder()
    vectors = cold.encode(texts)
    assert cold._onnx is not None and cold._numpy is None and cold._model is None
    assert (vectors * SentenceTransformerEmbedder(onnx_cache=Path("/nonexistent")).encode(texts)).sum(axis=1).min() > 0.9999


def real_passages(count: int = 48) -> list[str]:
    """Embedding texts of the bundled inspection report's passages, as ingest makes them."""
    from scrutiny.index.ingester import embedding_text
    from scrutiny.ingest.chunker import Chunker
    from scrutiny.ingest.documents import load_document
    from scrutiny.tests.conftest import CORPUS, REPORT

    counter = SentenceTransformerEmbedder()
    document = load_document(CORPUS / REPORT)
    chunks = Chunker(counter.count_tokens, 200, 24).split(document)
    return [embedding_text(chunk, document.title) for chunk in chunks[:count]]


@pytest.mark.slow
def test_onnx_vectors_match_torch_on_real_passages():
    texts = real_passages()
    onnx = SentenceTransformerEmbedder()  # the default backend
    onnx.warm()  # loaded as ingest loads it (a handful of texts alone would go through NumPy)
    vectors = onnx.encode(texts)
    assert onnx._onnx is not None and onnx._model is None
    reference = SentenceTransformerEmbedder(backend="torch").encode(texts)
    assert (vectors * reference).sum(axis=1).min() > 0.9999
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_the_onnx_export_is_made_once_and_then_read_from_the_cache(monkeypatch, tmp_path):
    import scrutiny.index.bert_onnx as bert_onnx

    SentenceTransformerEmbedder().warm()  # exported to the default cache (once per machine)

    def no_export(*_):
        raise AssertionError("exported again")

    monkeypatch.setattr(bert_onnx, "export_onnx", no_export)
    again = SentenceTransformerEmbedder()
    again.warm()
    assert again._onnx is not None


@pytest.mark.slow
def test_a_failed_onnx_export_says_so_once_and_embeds_with_torch(monkeypatch, tmp_path, capsys):
    import scrutiny.index.bert_onnx as bert_onnx

    def broken_export(*_):
        raise RuntimeError("exporter\nbroke")

    monkeypatch.setattr(bert_onnx, "export_onnx", broken_export)
    texts = real_passages(8)
    embedder = SentenceTransformerEmbedder(onnx_cache=tmp_path / "onnx")
    embedder.warm()
    vectors = embedder.encode(texts)
    embedder.encode(texts)
    assert embedder._onnx is None and embedder._model is not None
    said = capsys.readouterr().err
    assert said.count("embedding with torch instead") == 1 and "RuntimeError: exporter broke" in said
    assert not list((tmp_path / "onnx").rglob("*.onnx"))  # nothing half-made left in the cache
    reference = SentenceTransformerEmbedder(backend="torch").encode(texts)
    assert (vectors * reference).sum(axis=1).min() > 0.9999


def test_an_unknown_backend_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="onnx, onnx-int8, torch"):
        SentenceTransformerEmbedder(backend="tensorrt")


@pytest.mark.slow
def test_token_count_uses_the_model_word_pieces():
    embedder = SentenceTransformerEmbedder()
    assert embedder.count_tokens("the") == 1
    assert embedder.count_tokens("unacceptable overexposure") > 2  # split into word pieces


def test_fake_embedder_is_deterministic_and_normalised():
    embedder = HashingEmbedder()
    first = embedder.encode(["financial investigation capacity", ""])
    second = embedder.encode(["financial investigation capacity", ""])
    assert np.array_equal(first, second)
    assert abs(float(np.linalg.norm(first[0])) - 1.0) < 1e-6
    assert float(np.linalg.norm(first[1])) == 0.0


def test_numpy_gelu_is_the_exact_erf_gelu():
    import math

    from scrutiny.index.bert_numpy import _gelu

    values = np.linspace(-8, 8, 2001, dtype=np.float32)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in values.astype(float)])
    got = _gelu(values)
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 1e-6
