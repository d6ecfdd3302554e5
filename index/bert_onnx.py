"""ONNX Runtime forward pass for the packaged BERT model, exported locally at first use.

Why: bulk ingest spends most of its time in the model, and ONNX Runtime runs this model's
graph (attention, layer norm and GELU fused when the session loads it) about 1.3x faster than
torch on 2 cores, with the same vectors (cosine > 0.9999; docs/decisions.md has the figures).
Once exported, an ingest no longer imports torch at all (~5 s on 2 cores).

The model is exported from the packaged weights with torch's exporter into a cache folder, keyed
by the weights' sha256, once per machine; nothing is downloaded. sentence-transformers' own
`backend="onnx"` needs optimum-onnx, which pins transformers below 4.58 (this project has 5.x),
so the export and the session are done here with torch and onnxruntime directly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scrutiny.index.bert_numpy import BertSentenceEncoder, mean_pool

ONNX_OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
HASH_BLOCK_BYTES = 1 << 20


class OnnxExportFailed(Exception):
    """The model could not be exported to ONNX or loaded by ONNX Runtime (torch is used instead)."""


def default_onnx_cache() -> Path:
    """$XDG_CACHE_HOME/scrutiny/onnx (~/.cache/scrutiny/onnx on Linux)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scrutiny" / "onnx"


def _weights_digest(model_dir: Path) -> str:
    """sha256 of the model's weights and config: a changed model gets a new export."""
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors"):
        with (model_dir / name).open("rb") as file:
            while block := file.read(HASH_BLOCK_BYTES):
                digest.update(block)
    return digest.hexdigest()[:16]


def export_onnx(model_dir: Path, target: Path) -> None:
    """Export the BERT encoder (token ids -> last hidden state) with torch's exporter to `target`."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    # eager attention: the exported graph then takes the padding mask as data (sdpa's shortcut for
    # an all-ones mask would be traced as a constant)
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 5:] = 0  # one padded row, so the mask is traced as an input
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUT_NAMES, "last_hidden_state")}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the tracer's notes on shapes and the legacy exporter
        torch.onnx.export(LastHiddenState(model), (ids, mask, torch.zeros_like(ids)), str(target),
                          input_names=list(INPUT_NAMES), output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=ONNX_OPSET, dynamo=False)


def quantise_onnx(source: Path, target: Path) -> None:
    """int8 weights, per output channel, activations quantised on the fly (dynamic quantisation)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantiser's advice to pre-process, on the root logger
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)


def _made_once(path: Path, make: Callable[[Path], None]) -> Path:
    """`path`, made by `make(staged)` unless it exists: staged beside it and moved in whole, so
    a second process never reads half a file."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=path.parent, prefix=".export-") as scratch:
            staged = Path(scratch) / path.name
            make(staged)
            os.replace(staged, path)
    return path


def export_folder(model_dir: Path, cache: Path) -> Path:
    """Where the model's ONNX files are (or will be) in `cache`."""
    return cache / f"{model_dir.name}-{_weights_digest(model_dir)}"


def already_exported(model_dir: Path, cache: Path, quantised: bool = False) -> bool:
    """The model's ONNX file is in `cache` (loading it then needs no torch)."""
    folder = export_folder(model_dir, cache)
    return (folder / ("model-int8.onnx" if quantised else "model.onnx")).is_file()


def exported_model(model_dir: Path, cache: Path, quantised: bool = False) -> Path:
    """The model's ONNX file in `cache`, exported (and quantised) on first use; one line on stderr then."""
    folder = export_folder(model_dir, cache)
    exported = folder / "model.onnx"
    if not exported.is_file():
        print(f"scrutiny: exporting the embedding model to ONNX once for faster ingest (~10 s) -> {folder}",
              file=sys.stderr, flush=True)
    _made_once(exported, lambda staged: export_onnx(model_dir, staged))
    if not quantised:
        return exported
    return _made_once(folder / "model-int8.onnx", lambda staged: quantise_onnx(exported, staged))


class OnnxBertEncoder(BertSentenceEncoder):
    """Mean-pooled, L2-normalised BERT embeddings from an ONNX Runtime session."""

    def __init__(self, model_dir: str | Path, cache: Path, quantised: bool = False, threads: int = 0):
        super().__init__(model_dir)
        try:
            path = exported_model(self.model_dir, cache, quantised)
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            if threads:
                options.intra_op_num_threads = threads
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - exporter, quantiser and runtime errors vary by version
            raise OnnxExportFailed(f"{type(error).__name__}: {' '.join(str(error).split())[:200]}") from error
        self.quantised = quantised

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        hidden = self.session.run(["last_hidden_state"], {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        return mean_pool(hidden, mask)
