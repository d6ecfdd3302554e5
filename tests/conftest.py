"""Shared fixtures: a fast service on the fake embedder, and a session index of the real corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
REPORT = "hmicfrs-peel-2021-22-north-east-soc-inspection.pdf"


@pytest.fixture
def corpus_dir() -> Path:
    """The bundled sample corpus (five real documents)."""
    return CORPUS


@pytest.fixture
def fake_settings(tmp_path):
    """Settings for an empty index in tmp_path with the deterministic fake embedder."""
    from scrutiny.app.settings import Settings

    return Settings(index=tmp_path / "index", embedding_model="hashing-fake",
                    app={"data_folder": tmp_path / "data"})


@pytest.fixture
def fake_service(fake_settings):
    """A Scrutiny service over an empty fake-embedder index."""
    from scrutiny.app.service import Scrutiny

    return Scrutiny(fake_settings)


@pytest.fixture
def fake_corpus_service(fake_service, corpus_dir):
    """The bundled corpus indexed with the fake embedder (fast; tests logic, not relevance)."""
    report = fake_service.ingest([corpus_dir], show_progress=False)
    assert report.ok, report.failed
    return fake_service


@pytest.fixture(scope="session")
def full_index(tmp_path_factory) -> Path:
    """The whole bundled corpus indexed once per session on the fake embedder (shared: read only)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    index = tmp_path_factory.mktemp("full-fake") / "index"
    report = Scrutiny(Settings(index=index, embedding_model="hashing-fake")).ingest([CORPUS], show_progress=False)
    assert report.ok, report.failed
    return index


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory) -> Path:
    """The bundled corpus indexed once per session with the real packaged model."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    directory = tmp_path_factory.mktemp("real") / "index"
    service = Scrutiny(Settings(index=directory))
    report = service.ingest([CORPUS], show_progress=False)
    assert report.ok, report.failed
    return directory


@pytest.fixture(scope="session")
def real_service(real_index_dir):
    """A warm service over the real-model index (shared: treat as read-only)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    return Scrutiny(Settings(index=real_index_dir, app={"data_folder": real_index_dir.parent / "data"}))
