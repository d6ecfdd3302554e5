"""Progress of a long ingest, as the terminal and the app's Documents tab show it."""

from __future__ import annotations

from scrutiny.index.ingester import IngestProgress


def test_progress_reports_every_file_and_passage_once_in_order(fake_service, corpus_dir):
    steps: list[IngestProgress] = []
    report = fake_service.ingest([corpus_dir], show_progress=False, on_progress=steps.append)
    reading = [s for s in steps if s.stage == "reading"]
    embedding = [s for s in steps if s.stage == "embedding"]
    files = len(report.added)
    assert files == len(list(corpus_dir.iterdir()))
    assert [s.done for s in reading] == list(range(files + 1))  # 0, then one step per file read
    assert {s.total for s in reading} == {files}
    assert embedding[0].done == 0 and embedding[-1].done == embedding[-1].total == report.chunks_added
    assert all(a.done < b.done for a, b in zip(embedding, embedding[1:], strict=False))
    assert steps.index(reading[-1]) < steps.index(embedding[0])  # read everything, then embed


def test_an_unchanged_ingest_reports_no_progress(fake_corpus_service, corpus_dir):
    steps: list[IngestProgress] = []
    fake_corpus_service.ingest([corpus_dir], show_progress=False, on_progress=steps.append)
    assert steps == []


def test_progress_in_words_gives_the_rate_and_the_time_left():
    assert IngestProgress("reading", 1, 3, 0.5).words() == "Reading 3 files: 1 read"
    assert IngestProgress("embedding", 0, 120, 0.0).words() == "Embedding 120 passages: 0 done"
    halfway = IngestProgress("embedding", 60, 120, 2.0)
    assert halfway.words() == "Embedding 120 passages: 60 done, 30 passages/s, about 2 s left"
    assert halfway.fraction == 0.5
    long = IngestProgress("embedding", 1_000, 100_000, 40.0)
    assert long.words().endswith("25 passages/s, about 66 min left")
    assert IngestProgress("embedding", 1, 1, 0.1).words() == "Embedding 1 passage: 1 done"


def test_the_upload_shows_reading_and_embedding_in_words(fake_service, tmp_path):
    from scrutiny.app.web.app import ScrutinyApp

    app = ScrutinyApp(fake_service)
    notes = []
    for number in range(3):
        path = tmp_path / f"notes-{number}.txt"
        path.write_text(f"Report {number}. The unit must improve how it records disruptions of organised crime.\n")
        notes.append(str(path))
    shown: list[tuple[float, str]] = []
    outcomes = app.add_files(notes, progress=lambda fraction, desc: shown.append((fraction, desc)))
    assert [o.outcome for o in outcomes] == ["added"] * 3
    descriptions = [desc for _, desc in shown]
    assert "Reading 3 files: 3 read" in descriptions
    assert descriptions[-1] == "Embedding 3 passages: 3 done"
    assert all(0.0 <= fraction <= 1.0 for fraction, _ in shown)
