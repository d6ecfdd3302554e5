"""`make bench`: speed and retrieval quality, each as a ratio to a baseline run in this process.

Figures (printed as a table and saved to .bench/results.json):
- ingest throughput (chunks/s) over a raw encode of the same texts: bundled corpus and
  a 20x synthetic corpus made from it (copies whose bytes differ, so none is skipped);
- ingest passages/s of each embedding backend (torch, ONNX Runtime, its int8 quantisation) and
  the NumPy pass's encode alone, as a ratio to torch in this process (median of runs taken in
  turn): bundled corpus and, where it is beside the repository, the development corpus;
- re-ingest of the unchanged corpus, `scrutiny --help`, and a cold `scrutiny ask` (subprocesses);
- warm retrieval and warm `ask` latency (p50/p95) over the eval questions;
- hit@1 / hit@5 / MRR@10 of Scrutiny (fused and reranked), the fusion alone, BM25 alone, dense
  alone, and the naive LangChain RAG a user would build (RecursiveCharacterTextSplitter 1000/200
  on raw extracted text, FAISS, same model, top k): on the bundled corpus and, where it is beside
  the repository (SCRUTINY_CORPUS_DEV), on the development corpus's two halves;
- the app under load, when the app is installed: 20 concurrent gradio_client sessions x 5 questions.
Usage: python -m scrutiny.eval.bench [--quick] [--skip-load]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.eval.runner import default_cases_path, is_relevant, load_cases
from scrutiny.index.ingester import embedding_text

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "data" / "corpus"
CORPUS_DEV = Path(os.environ.get("SCRUTINY_CORPUS_DEV", REPO.parent / "shared" / "corpus-dev"))
CORPUS_DEV_CASES = REPO / "eval" / "corpus_dev.jsonl"
SYSTEMS = ("scrutiny", "scrutiny_fused_only", "bm25_only", "dense_only", "naive_langchain_rag")
SYNTHETIC_COPIES = 20
BACKENDS = ("torch", "onnx", "onnx-int8")
BACKEND_RUNS = 3
NAIVE_CHUNK, NAIVE_OVERLAP = 1000, 200
DEPTH = 10


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)}


def synthetic_corpus(target: Path, copies: int) -> Path:
    """`copies` byte-distinct copies of every bundled file (same text, so same chunk count)."""
    import docx

    target.mkdir(parents=True, exist_ok=True)
    for number in range(copies):
        for source in sorted(CORPUS.iterdir()):
            destination = target / f"{source.stem}-copy{number:02d}{source.suffix}"
            if source.suffix == ".docx":
                document = docx.Document(str(source))
                document.core_properties.comments = f"synthetic copy {number}"
                document.save(str(destination))
            else:
                marker = {".pdf": f"\n%synthetic copy {number}\n", ".html": f"\n<!-- synthetic copy {number} -->\n"}
                destination.write_bytes(source.read_bytes() + marker.get(source.suffix, "").encode())
    return target


def ingest_ratio(corpus: Path, scratch: Path, label: str) -> dict:
    """Ingest throughput against raw encode of the same embedding texts, same warm model."""
    service = Scrutiny(Settings(index=scratch / f"index-{label}"))
    service.embedder.warm()
    started = time.perf_counter()
    report = service.ingest([corpus], show_progress=False)
    ingest_seconds = time.perf_counter() - started
    data = service.data()
    titles = {d.id: d.title for d in data.documents.values()}
    texts = [embedding_text(chunk, titles[chunk.doc_id]) for chunk in data.chunks]
    started = time.perf_counter()
    service.embedder.encode(texts)  # the same warm backend, without reading, chunking or saving
    encode_seconds = time.perf_counter() - started
    chunks = len(texts)
    return {
        "corpus": label, "documents": len(data.documents), "chunks": chunks, "failed": len(report.failed),
        "ingest_chunks_per_s": round(chunks / ingest_seconds, 1),
        "encode_chunks_per_s": round(chunks / encode_seconds, 1),
        "ratio": round(encode_seconds / ingest_seconds, 3),
    }


def backend_ratios(corpus: Path, scratch: Path, label: str, runs: int = BACKEND_RUNS) -> dict:
    """Ingest passages/s of each embedding backend, warm, taken in turn `runs` times; the
    ratio of each median to torch's. The NumPy pass (used for questions, not ingest) is timed on
    encoding the same texts alone, so its figure flatters it slightly."""
    from scrutiny.index.bert_numpy import NumpyBertEncoder
    from scrutiny.index.embedder import resolve_model_path

    embedders = {backend: Scrutiny(Settings(ingest={"embedding_backend": backend})).embedder for backend in BACKENDS}
    for embedder in embedders.values():
        embedder.warm()
    numpy_pass = NumpyBertEncoder(resolve_model_path(Settings().embedding_model))
    rates: dict[str, list[float]] = {name: [] for name in (*BACKENDS, "numpy")}
    texts: list[str] = []
    for run in range(runs):
        for backend, embedder in embedders.items():
            service = Scrutiny(Settings(index=scratch / f"backend-{label}-{backend}-{run}"), embedder=embedder)
            started = time.perf_counter()
            report = service.ingest([corpus], show_progress=False)
            rates[backend].append(report.chunks_added / (time.perf_counter() - started))
            if not texts:
                data = service.data()
                titles = {d.id: d.title for d in data.documents.values()}
                texts = [embedding_text(chunk, titles[chunk.doc_id]) for chunk in data.chunks]
        started = time.perf_counter()
        numpy_pass.encode(texts)
        rates["numpy"].append(len(texts) / (time.perf_counter() - started))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {"corpus": label, "passages": len(texts), "runs": runs,
            "passages_per_s": {name: round(value, 1) for name, value in medians.items()},
            "ratio_to_torch": {name: round(value / medians["torch"], 2) for name, value in medians.items()}}


def _timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def cold_commands(index: Path) -> dict:
    """Wall-clock of fresh processes, as a user at a terminal sees them (best of 3)."""
    scrutiny = str(Path(sys.executable).parent / "scrutiny")
    env = {**os.environ, "SCRUTINY_INDEX": str(index), "HF_HUB_OFFLINE": "1"}
    return {
        "help_s": round(min(_timed([scrutiny, "--help"], env) for _ in range(3)), 3),
        "reingest_unchanged_s": round(min(_timed([scrutiny, "ingest", str(CORPUS), "--quiet"], env) for _ in range(3)), 3),
        "cold_ask_s": round(min(_timed([scrutiny, "ask", "What did HMICFRS say about Cleveland's SAR backlog?"], env)
                                for _ in range(3)), 3),
    }


def warm_latency(service: Scrutiny, questions: list[str]) -> dict:
    """Retrieval alone and full `ask`, warm, over the eval questions."""
    for question in questions[:3]:
        service.ask(question)
    retrieval, asking = [], []
    for question in questions:
        started = time.perf_counter()
        service.passages(question, service.settings.retrieval.top_k)  # fused and reranked, as `ask` retrieves
        retrieval.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        service.ask(question)
        asking.append((time.perf_counter() - started) * 1000)
    return {"retrieval_ms": _percentiles(retrieval), "ask_ms": _percentiles(asking)}


def _ranking_metrics(ranked: list[list[tuple[str, str]]], cases: list[dict]) -> dict:
    hit1 = hit5 = mrr = 0.0
    for passages, case in zip(ranked, cases, strict=False):
        ranks = [i for i, (source, text) in enumerate(passages[:DEPTH], start=1)
                 if is_relevant(source, text, case["evidence"])]
        first = ranks[0] if ranks else None
        hit1 += first == 1
        hit5 += bool(first and first <= 5)
        mrr += 1.0 / first if first else 0.0
    n = max(len(cases), 1)
    return {"hit@1": round(hit1 / n, 3), "hit@5": round(hit5 / n, 3), "mrr@10": round(mrr / n, 3)}


def _raw_text(path: Path) -> str:
    """What a user's quick script extracts: raw pypdf / python-docx / BeautifulSoup text."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    if path.suffix == ".docx":
        import docx

        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").get_text("\n")


def retrieval_quality(service: Scrutiny, cases: list[dict], corpus: Path = CORPUS) -> dict:
    """Scrutiny's retrieval (fused, then sentence-reranked) against the fusion alone, BM25 alone,
    dense alone and a naive LangChain RAG over the files of `corpus`."""
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    answerable = [c for c in cases if c["answerable"]]
    retriever = service.retriever()
    data = service.data()
    fused_ranked = [[(h.document.source, h.chunk.text) for h in retriever.search(c["question"], DEPTH)]
                    for c in answerable]
    scrutiny_ranked = [[(h.document.source, h.chunk.text) for h in service.passages(c["question"], DEPTH)]
                       for c in answerable]
    bm25_ranked = []
    for case in answerable:
        scores = data.lexical.scores(case["question"])
        order = np.argsort(-scores)[:DEPTH]
        bm25_ranked.append([(data.documents[data.chunks[i].doc_id].source, data.chunks[i].text)
                            for i in order if scores[i] > 0])
    questions = service.embedder.encode([c["question"] for c in answerable])
    _, dense_ids = data.dense.search(questions, DEPTH)
    dense_ranked = [[(data.documents[data.chunks[i].doc_id].source, data.chunks[i].text) for i in row if i >= 0]
                    for row in dense_ids]
    splitter = RecursiveCharacterTextSplitter(chunk_size=NAIVE_CHUNK, chunk_overlap=NAIVE_OVERLAP)
    naive_chunks = [(path.name, piece) for path in sorted(corpus.iterdir()) for piece in splitter.split_text(_raw_text(path))]
    vectors = service.embedder.encode([text for _, text in naive_chunks])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    _, ids = index.search(questions, DEPTH)
    naive_ranked = [[naive_chunks[i] for i in row if i >= 0] for row in ids]
    return {
        "cases": len(answerable),
        "scrutiny": _ranking_metrics(scrutiny_ranked, answerable),
        "scrutiny_fused_only": _ranking_metrics(fused_ranked, answerable),
        "bm25_only": _ranking_metrics(bm25_ranked, answerable),
        "dense_only": _ranking_metrics(dense_ranked, answerable),
        "naive_langchain_rag": _ranking_metrics(naive_ranked, answerable),
        "naive_chunks": len(naive_chunks),
    }


def app_load(index: Path) -> dict | None:
    """The app under concurrent gradio_client sessions, when the load test is available."""
    try:
        from scrutiny.eval.loadtest import run_load_test
    except ImportError:
        return None
    return run_load_test(index)


def main() -> None:
    parser = argparse.ArgumentParser(description="Scrutiny benchmarks")
    parser.add_argument("--quick", action="store_true", help="Skip the 20x synthetic corpus.")
    parser.add_argument("--skip-load", action="store_true", help="Skip the app load test.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    results: dict = {"cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="scrutiny-bench-") as scratch_name:
        scratch = Path(scratch_name)
        results["ingest"] = [ingest_ratio(CORPUS, scratch, "bundled")]
        results["backends"] = [backend_ratios(CORPUS, scratch, "bundled")]
        if (CORPUS_DEV / "files").is_dir():
            results["backends"].append(backend_ratios(CORPUS_DEV / "files", scratch, "corpus-dev"))
        if not args.quick:
            synthetic = synthetic_corpus(scratch / "synthetic", SYNTHETIC_COPIES)
            results["ingest"].append(ingest_ratio(synthetic, scratch, f"synthetic-{SYNTHETIC_COPIES}x"))
        index = scratch / "index-bundled"
        service = Scrutiny(Settings(index=index))
        service.embedder.warm()
        cases = load_cases(default_cases_path())
        results["commands"] = cold_commands(index)
        results["latency"] = warm_latency(service, [c["question"] for c in cases])
        results["retrieval_quality"] = retrieval_quality(service, cases)
        if (CORPUS_DEV / "files").is_dir():
            dev = Scrutiny(Settings(index=scratch / "index-corpus-dev"), embedder=service.embedder)
            dev.ingest([CORPUS_DEV / "files"], show_progress=False)
            dev_cases = load_cases(CORPUS_DEV_CASES)
            results["retrieval_quality_corpus_dev"] = {
                half: retrieval_quality(dev, [c for c in dev_cases if c["split"] == split], CORPUS_DEV / "files")
                for half, split in (("development", "calibrate"), ("held-out", "test"))}
        if not args.skip_load:
            results["app_load"] = app_load(index)
    out = REPO / ".bench"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2))
    print(format_results(results))
    print(f"\nsaved {out / 'results.json'}")


def format_results(results: dict) -> str:
    """The benchmark as a short report for the README."""
    lines = [f"cores: {results['cores']}", "", "ingest throughput (ratio = raw encode time / ingest time, same texts):"]
    for row in results["ingest"]:
        lines.append(f"  {row['corpus']:<14} {row['documents']:>4} docs {row['chunks']:>5} chunks  "
                     f"ingest {row['ingest_chunks_per_s']:>6}/s  encode {row['encode_chunks_per_s']:>6}/s  ratio {row['ratio']}")
    lines += ["", "ingest passages/s by embedding backend (median of runs in turn; ratio to torch in this process; "
                  "numpy: encode alone):"]
    for row in results["backends"]:
        lines.append(f"  {row['corpus']:<14} {row['passages']:>5} passages  " + "  ".join(
            f"{name} {row['passages_per_s'][name]}/s ({row['ratio_to_torch'][name]}x)" for name in row["passages_per_s"]))
    commands = results["commands"]
    lines += ["", f"scrutiny --help {commands['help_s']} s; re-ingest unchanged {commands['reingest_unchanged_s']} s; "
                  f"cold ask {commands['cold_ask_s']} s"]
    latency = results["latency"]
    lines.append(f"warm retrieval p50 {latency['retrieval_ms']['p50']} ms p95 {latency['retrieval_ms']['p95']} ms; "
                 f"warm ask p50 {latency['ask_ms']['p50']} ms p95 {latency['ask_ms']['p95']} ms")
    tables = [("bundled corpus", results["retrieval_quality"])]
    tables += [(f"corpus-dev, {half} documents", quality)
               for half, quality in results.get("retrieval_quality_corpus_dev", {}).items()]
    for label, quality in tables:
        lines += ["", f"retrieval, {label} ({quality['cases']} answerable questions):"]
        for name in SYSTEMS:
            m = quality[name]
            lines.append(f"  {name:<20} hit@1 {m['hit@1']:.3f}  hit@5 {m['hit@5']:.3f}  MRR@10 {m['mrr@10']:.3f}")
    load = results.get("app_load")
    if load:
        lines += ["", f"app load: {json.dumps(load)}"]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
