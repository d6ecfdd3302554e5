"""The NumPy forward pass must embed exactly as sentence-transformers does."""

from __future__ import annotations

import numpy as np
import pytest

from scrutiny.index.embedder import HashingEmbedder, SentenceTransformerEmbedder


@pytest.mark.slow
def test_numpy_pass_agrees_with_sentence_transformers():
    texts = [
        "What did the inspectorate say about the backlog of suspicious activity reports?",
        "Durham Constabulary is outstanding at tackling serious and organised crime.",
        "ok",
        "word " * 400,  # past the 256 word-piece limit: both must truncate alike
    ]
    light = SentenceTransformerEmbedder()
    cold = light.encode(texts)  # torch not loaded yet: NumPy path
    assert light._model is None
    one_by_one = light._numpy.encode(texts, batch_size=1)  # sorted by length, then put back
    assert np.allclose(one_by_one, cold, atol=1e-5)
    heavy = SentenceTransformerEmbedder()
    heavy.warm()
    warm = heavy.encode(texts)
    cosine = (cold * warm).sum(axis=1)
    assert cosine.min() > 0.9999
    assert np.allclose(np.linalg.norm(cold, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_cold_process_embeds_an_answers_sentences_without_torch_but_not_a_files_passages(monkeypatch):
    import scrutiny.index.embedder as embedder_module

    sentences = [f"Sentence {n} of a passage the answer scores against the question." for n in range(200)]
    light = SentenceTransformerEmbedder()
    light.encode(sentences)  # a rerank pool's sentences: ~3,000 word pieces
    assert light._model is None
    monkeypatch.setattr(embedder_module, "NUMPY_MAX_TOKENS", 1000)  # past the budget, torch is quicker
    bulk = SentenceTransformerEmbedder()
    bulk.encode(sentences)
    assert bulk._model is not None


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
