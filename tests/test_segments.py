"""Segments: an ingest or a removal costs its own documents, not the index; BM25 over several
segments scores as one index would; an index from before segments still opens; compact; the
approximate dense index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.index.store import CURRENT_FILE, SEGMENTS, SNAPSHOTS
from scrutiny.tests import badfiles

FORMAT_1_INDEX = Path(__file__).parent / "fixtures" / "index-format-1"  # written by Scrutiny before segments
QUESTIONS = ("Marker alpha", "serious and organised crime", "backlog of financial investigations", "Cleveland Police")


def _service(index: Path, **store) -> Scrutiny:
    settings = Settings(index=index, embedding_model="hashing-fake")
    settings.store = settings.store.model_copy(update=store)
    return Scrutiny(settings)


def _files(folder: Path, count: int, first: int = 0) -> Path:
    """`count` distinct small text files."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        badfiles.write_good_text(folder, f"report-{number:03d}.txt", marker=f"m{number:03d}x")
    return folder


def _segments(index: Path) -> list[dict]:
    current = (index / CURRENT_FILE).read_text().strip()
    return json.loads((index / SNAPSHOTS / current / "manifest.json").read_text())["segments"]


def _file_states(index: Path) -> dict[Path, tuple[int, int]]:
    return {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in index.rglob("*") if path.is_file()}


def _written(before: dict[Path, tuple[int, int]], index: Path) -> tuple[int, set[Path]]:
    """Bytes of the files created or changed since `before`, and which files of `before` changed."""
    after = _file_states(index)
    new_or_changed = [path for path, state in after.items() if before.get(path) != state]
    changed = {path for path in new_or_changed if path in before} - {index / CURRENT_FILE, index / ".lock"}
    return sum(path.stat().st_size for path in new_or_changed), changed


def _hits(service: Scrutiny, question: str) -> list[tuple[str, float, float]]:
    return [(hit.chunk.id, round(hit.dense, 5), round(hit.lexical, 5))
            for hit in service.retriever().search(question, 10)]


@pytest.mark.parametrize("operation", ["add", "remove"])
def test_adding_or_removing_a_document_writes_as_much_into_a_large_index_as_into_a_small_one(tmp_path, operation):
    costs = []
    for size in (3, 30):
        index = tmp_path / f"index-{size}"
        service = _service(index)
        assert service.ingest([_files(tmp_path / f"corpus-{size}", size)], show_progress=False).ok
        extra = _files(tmp_path / f"extra-{size}", 1, first=900)
        if operation == "remove":
            assert service.ingest([extra], show_progress=False).ok
        before = _file_states(index)
        if operation == "add":
            assert service.ingest([extra], show_progress=False).added == ["report-900.txt"]
        else:
            assert [d.source for d in service.remove("report-900.txt")] == ["report-900.txt"]
        written, changed = _written(before, index)
        assert not changed, f"files of the index were rewritten: {sorted(map(str, changed))}"
        costs.append(written)
    small, large = costs
    # The same bytes, give or take a few in the commit's names and row offsets: not ten times more.
    assert abs(large - small) < 200, costs


def test_an_ingest_adds_a_segment_and_a_removal_only_a_deletion(tmp_path):
    index = tmp_path / "index"
    service = _service(index)
    service.ingest([_files(tmp_path / "a", 3)], show_progress=False)
    service.ingest([_files(tmp_path / "b", 2, first=3)], show_progress=False)
    assert len(_segments(index)) == 2
    removed = service.remove("report-001.txt")[0]
    segments = _segments(index)
    assert len(segments) == 2 and segments[0]["deleted"] == [removed.id]
    assert "report-001.txt" not in {row["source"] for row in service.documents()}
    assert not [hit for hit in service.retriever().search("Marker m001x", 10) if hit.chunk.doc_id == removed.id]


def test_past_max_segments_the_smallest_are_merged(tmp_path):
    index = tmp_path / "index"
    service = _service(index, max_segments=3)
    for batch in range(5):
        service.ingest([_files(tmp_path / f"batch-{batch}", 2, first=10 * batch)], show_progress=False)
        assert len(_segments(index)) <= 3
    assert len(service.documents()) == 10
    assert {entry.name for entry in (index / SEGMENTS).iterdir()} >= {entry["name"] for entry in _segments(index)}


def test_several_segments_and_deletions_search_as_one_index_built_from_scratch(tmp_path):
    """BM25's statistics and the dense ids span every live chunk of every segment."""
    pieces = _service(tmp_path / "pieces")
    for batch in range(3):
        pieces.ingest([_files(tmp_path / f"batch-{batch}", 3, first=3 * batch)], show_progress=False)
    pieces.ingest([_files(tmp_path / "gone", 1, first=99)], show_progress=False)
    pieces.remove("report-099.txt")
    pieces.remove("report-004.txt")
    whole_folder = tmp_path / "whole"
    for path in sorted((tmp_path).glob("batch-*/*.txt")):
        if path.name != "report-004.txt":
            whole_folder.mkdir(exist_ok=True)
            shutil.copy(path, whole_folder / path.name)
    whole = _service(tmp_path / "whole-index")
    whole.ingest([whole_folder], show_progress=False)
    # The segment whose one document was removed is gone; another holds a deletion.
    assert len(_segments(tmp_path / "pieces")) == 3 and len(_segments(tmp_path / "whole-index")) == 1
    for question in QUESTIONS:
        assert sorted(_hits(pieces, question)) == sorted(_hits(whole, question)), question


def test_compact_merges_every_segment_and_drops_deleted_documents(tmp_path):
    index = tmp_path / "index"
    service = _service(index)
    for batch in range(3):
        service.ingest([_files(tmp_path / f"batch-{batch}", 2, first=2 * batch)], show_progress=False)
    removed = service.remove("report-002.txt")[0]
    before = {question: sorted(_hits(service, question)) for question in QUESTIONS}

    from click.testing import CliRunner

    from scrutiny.app.cli import cli

    result = CliRunner().invoke(cli, ["compact", "--index", str(index), "--json"],
                                env={"SCRUTINY_EMBEDDING_MODEL": "hashing-fake"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"segments_before": 3, "segments_after": 1}
    segment, = _segments(index)
    assert segment["deleted"] == []
    assert removed.id not in (index / SEGMENTS / segment["name"] / "documents.jsonl").read_text()
    # Besides it, only the segments of the commit it replaced stay, for readers still on that one.
    assert len(list((index / SEGMENTS).iterdir())) == 4
    fresh = _service(index)
    assert {question: sorted(_hits(fresh, question)) for question in QUESTIONS} == before
    assert len(fresh.documents()) == 5


def test_an_index_written_before_segments_opens_and_becomes_segments_at_its_first_write(tmp_path):
    index = tmp_path / "index"
    shutil.copytree(FORMAT_1_INDEX, index)
    service = _service(index)
    assert sorted(row["source"] for row in service.documents()) == ["alpha.txt", "beta.txt", "gamma.txt"]
    hit = service.retriever().search("Marker beta", 1)[0]
    assert hit.chunk.text.endswith("Marker beta.") and hit.lexical > 0 and hit.document.source == "beta.txt"
    assert not (index / SEGMENTS).exists()  # reading writes nothing

    extra = _files(tmp_path / "extra", 1, first=7)
    assert service.ingest([extra], show_progress=False).added == ["report-007.txt"]
    manifest = json.loads((index / SNAPSHOTS / (index / CURRENT_FILE).read_text() / "manifest.json").read_text())
    assert manifest["format_version"] == 2 and len(manifest["segments"]) == 2
    fresh = _service(index)
    assert sorted(row["source"] for row in fresh.documents()) == ["alpha.txt", "beta.txt", "gamma.txt",
                                                                  "report-007.txt"]
    assert fresh.retriever().search("Marker beta", 1)[0].chunk.text.endswith("Marker beta.")
    data = fresh.store.load()
    assert data.dense.ntotal == len(data.chunks) == len(data.vectors) == 4


def test_the_approximate_index_finds_what_exact_search_finds(tmp_path):
    """IVF searching every list is exact search (`make bench-scale` measures recall with fewer)."""
    exact = _service(tmp_path / "exact")
    corpus = badfiles.write_text_corpus(tmp_path / "corpus", count=40, paragraphs=3)
    exact.ingest([corpus[0].parent], show_progress=False)
    approximate = _service(tmp_path / "approximate", approximate_above=10, probes=1000)
    approximate.ingest([corpus[0].parent], show_progress=False)
    data = approximate.store.load()
    (segment, _), = data.segments
    assert segment.approximate is not None and segment.approximate.nlist > 1
    queries = exact.embedder.encode(["serious organised crime backlog", "training evidence", "police commissioner"])
    exact_scores, exact_ids = exact.store.load().dense.search(queries, 10)
    approximate_scores, approximate_ids = data.dense.search(queries, 10)
    assert np.array_equal(exact_ids, approximate_ids)
    assert np.allclose(exact_scores, approximate_scores, atol=1e-5)
