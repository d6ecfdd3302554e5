"""A NumPy forward pass for small BERT sentence-transformers models (MiniLM and kin).

Why: importing torch and sentence-transformers costs ~6 s on 2 cores, which alone breaks a
5 s cold `scrutiny ask`. Questions and answer sentences are short, so this pass (tokenizers
+ safetensors + NumPy, ~0.3 s to load) embeds them with the same weights and the same
mean pooling; tests check it agrees with sentence-transformers to cosine > 0.9999.
Bulk ingest still uses sentence-transformers, which is faster on long batches.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

# Python floats: NumPy scalars would promote the float32 arrays to float64 (twice the work).
SQRT_HALF = math.sqrt(0.5)


class UnsupportedModel(Exception):
    """The model folder is not a plain BERT + mean pooling + normalise model."""


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


# erf by Abramowitz & Stegun 7.1.26 (absolute error under 1.5e-7, float32's own precision):
# 1 - erf(z) = t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) exp(-z^2), t = 1 / (1 + P z), z >= 0.
# NumPy has no erf; scipy's costs a 0.14 s import and runs 1.6x slower on these arrays.
ERF_P = 0.3275911
ERF_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)  # a5 .. a1


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's "gelu", x * P(X <= x) for a standard normal X, with erf approximated to 1.5e-7
    (float32's own precision; not the tanh approximation some models use)."""
    z = np.abs(x)
    z *= SQRT_HALF
    t = z * ERF_P
    t += 1.0
    np.reciprocal(t, out=t)
    tail = t * ERF_A[0]
    for a in ERF_A[1:]:
        tail += a
        tail *= t
    np.square(z, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    tail *= z  # 1 - erf(|x| / sqrt 2)
    tail *= 0.5  # P(X > |x|)
    return x * np.where(x >= 0, 1.0 - tail, tail)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of each text's token vectors (padding left out), L2-normalised, as float32."""
    mask = mask.astype(np.float32)
    pooled = (hidden * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return pooled.astype("float32")


class BertSentenceEncoder:
    """What every forward pass of a BERT + mean pooling + normalise model shares here: the
    folder's checks, its tokenizer, and batching by length; subclasses give `_forward`."""

    def __init__(self, model_dir: str | Path):
        model_dir = Path(model_dir)
        try:
            config = json.loads((model_dir / "config.json").read_text())
            modules = json.loads((model_dir / "modules.json").read_text())
            pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
            sbert = json.loads((model_dir / "sentence_bert_config.json").read_text())
        except (OSError, ValueError) as error:
            raise UnsupportedModel(f"{model_dir} is not a sentence-transformers folder") from error
        module_types = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if (config.get("model_type") != "bert" or module_types != ["Transformer", "Pooling", "Normalize"]
                or not pooling.get("pooling_mode_mean_tokens") or config.get("hidden_act") != "gelu"
                or not (model_dir / "model.safetensors").is_file() or not (model_dir / "tokenizer.json").is_file()):
            raise UnsupportedModel(f"{model_dir}: only BERT + mean pooling + normalise is supported")
        from tokenizers import Tokenizer

        self.model_dir = model_dir
        self.config = config
        self.max_tokens = int(sbert.get("max_seq_length", 256))
        self.dimension = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))

    def encode(self, texts: Sequence[str], batch_size: int = 16,
               progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text; `progress(n)` after each batch of n.

        Texts are sorted by token count and batched, so a batch pads only to its own longest
        text (a question-sized text beside a passage-sized one would otherwise cost as much).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        encodings = self.tokenizer.encode_batch(list(texts))
        lengths = [sum(e.attention_mask) for e in encodings]  # tokens before the padding
        order = sorted(range(len(encodings)), key=lengths.__getitem__)
        vectors = np.zeros((len(texts), self.dimension), dtype="float32")
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            length = max(lengths[i] for i in batch)
            ids = np.array([encodings[i].ids[:length] for i in batch], dtype=np.int64)
            mask = np.array([encodings[i].attention_mask[:length] for i in batch], dtype=np.int64)
            vectors[batch] = self._forward(ids, mask)
            if progress:
                progress(len(batch))
        return vectors

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooled, normalised vectors of one padded batch of token ids (`mask`: 1 for a token)."""
        raise NotImplementedError


class NumpyBertEncoder(BertSentenceEncoder):
    """Mean-pooled, L2-normalised BERT embeddings computed with NumPy only."""

    def __init__(self, model_dir: str | Path):
        super().__init__(model_dir)
        from safetensors.numpy import load_file

        self.heads = int(self.config["num_attention_heads"])
        self.layers = int(self.config["num_hidden_layers"])
        self.eps = float(self.config["layer_norm_eps"])
        self.weights = load_file(str(self.model_dir / "model.safetensors"))
        self.weights = {k.removeprefix("bert."): v for k, v in self.weights.items()}

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.weights
        length = ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length][None, :, :]
             + w["embeddings.token_type_embeddings.weight"][0][None, None, :])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        batch, _, hidden = x.shape
        head_size = hidden // self.heads
        attention_bias = ((1.0 - mask.astype(np.float32)) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def linear(t, name):
                # one 2-D product: NumPy runs a 3-D one as a loop over the batch (about 30% slower)
                weight = w[p + name + ".weight"]
                return (t.reshape(-1, t.shape[-1]) @ weight.T + w[p + name + ".bias"]).reshape(
                    *t.shape[:-1], weight.shape[0])

            def heads(t):
                return t.reshape(batch, length, self.heads, head_size).transpose(0, 2, 1, 3)

            q = heads(linear(x, "attention.self.query"))
            k = heads(linear(x, "attention.self.key"))
            v = heads(linear(x, "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head_size) + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, hidden)
            x = _layer_norm(linear(context, "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], self.eps)
            intermediate = _gelu(linear(x, "intermediate.dense"))
            x = _layer_norm(linear(intermediate, "output.dense") + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        return mean_pool(x, mask)
