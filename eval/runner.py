"""Known-answer evaluation: run every case through `ask` and compute the metrics of docs/evaluation.md.

Every metric can be recomputed from the per-case records, which hold the answer, its
citations and the top 10 retrieved passages.
"""

from __future__ import annotations

import json
import re
import statistics
import tomllib
from importlib import resources
from pathlib import Path

from scrutiny.ingest.text import normalise_text, quote_on_page

RETRIEVED_RECORDED = 10
HIT_DEPTHS = (1, 5, 10)


def default_cases_path() -> Path:
    """The bundled known-answer set."""
    return Path(str(resources.files("scrutiny.eval") / "known_answers.jsonl"))


def default_thresholds_path() -> Path:
    """The bundled thresholds for `--check`."""
    return Path(str(resources.files("scrutiny.eval") / "thresholds.toml"))


def load_cases(path: Path) -> list[dict]:
    """Cases from a JSON-lines file; a bad line is reported with its number."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        for key in ("id", "question", "answerable"):
            if key not in case:
                raise ValueError(f"{path}:{number}: case lacks '{key}'")
        groups = case.get("answer_must_include", [])
        if not (isinstance(groups, list) and all(
                isinstance(g, list) and g and all(isinstance(a, str) for a in g) for g in groups)):
            raise ValueError(f"{path}:{number}: answer_must_include must be a list of lists of strings")
        for evidence in case.get("evidence", []):
            if not (isinstance(evidence, dict) and {"source", "page", "quote"} <= set(evidence)):
                raise ValueError(f"{path}:{number}: each evidence needs source, page and quote")
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no cases")
    return cases


def _norm(text: str) -> str:
    return normalise_text(text).lower()


def matches_groups(answer: str, groups: list[list[str]]) -> bool:
    """Every group has an alternative in the answer (case, whitespace and quotes aside)."""
    text = _norm(answer)
    return all(any(_norm(alternative) in text for alternative in group) for group in groups)


def is_relevant(source: str, text: str, evidence: list[dict]) -> bool:
    """A passage is relevant when it comes from an evidence source and contains its quote."""
    return any(source == e["source"] and _norm(e["quote"]) in _norm(text) for e in evidence)


def _hit_record(hit) -> dict:
    return {"source": hit.document.source, "page": hit.chunk.page_start, "text": hit.chunk.text}


def run_case(service, case: dict) -> dict:
    """Ask one case's question and record everything needed to score it."""
    answer, _ = service.ask_with_passages(case["question"])
    # Retrieval is measured to depth 10 independently of how many passages the answer used.
    hits = service.passages(service.check_question(case["question"]), RETRIEVED_RECORDED)
    return {
        "id": case["id"],
        "question": case["question"],
        "split": case.get("split", ""),
        "answerable": case["answerable"],
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.to_dict() for c in answer.citations],
        "retrieved": [_hit_record(hit) for hit in hits],
        "latency_ms": answer.timings_ms.get("total", 0.0),
    }


def score(cases: list[dict], records: list[dict], documents: dict) -> dict:
    """The metrics over the cases (docs/evaluation.md)."""
    answerable = [(c, r) for c, r in zip(cases, records, strict=False) if c["answerable"]]
    unanswerable = [(c, r) for c, r in zip(cases, records, strict=False) if not c["answerable"]]
    metrics: dict[str, float | dict] = {"cases": len(cases)}
    reciprocal = []
    for depth in HIT_DEPTHS:
        hits = [
            any(is_relevant(p["source"], p["text"], c.get("evidence", [])) for p in r["retrieved"][:depth])
            for c, r in answerable
        ]
        metrics[f"hit@{depth}"] = sum(hits) / len(hits) if hits else 0.0
    for c, r in answerable:
        rank = next((i for i, p in enumerate(r["retrieved"][:10], start=1)
                     if is_relevant(p["source"], p["text"], c.get("evidence", []))), None)
        reciprocal.append(1.0 / rank if rank else 0.0)
    metrics["mrr@10"] = sum(reciprocal) / len(reciprocal) if reciprocal else 0.0
    correct = [not r["refused"] and matches_groups(r["answer"], c.get("answer_must_include", []))
               for c, r in answerable]
    metrics["answer_accuracy"] = sum(correct) / len(correct) if correct else 0.0
    cited = [any(is_relevant(x["source"], x["passage"], c.get("evidence", [])) for x in r["citations"])
             for c, r in answerable]
    metrics["evidence_cited"] = sum(cited) / len(cited) if cited else 0.0
    all_citations = [x for r in records for x in r["citations"]]
    valid = [
        x["doc_id"] in documents and quote_on_page(documents[x["doc_id"]], x["page"], x["quote"])
        for x in all_citations
    ]
    metrics["quote_validity"] = sum(valid) / len(valid) if valid else 1.0
    metrics["refusal_accuracy"] = (
        sum(r["refused"] for _, r in unanswerable) / len(unanswerable) if unanswerable else 1.0
    )
    metrics["false_refusals"] = (
        sum(r["refused"] for _, r in answerable) / len(answerable) if answerable else 0.0
    )
    latencies = sorted(r["latency_ms"] for r in records)
    metrics["latency_ms"] = {
        "p50": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1) if latencies else 0.0,
    }
    return metrics


def run_eval(service, cases: list[dict]) -> dict:
    """Run all cases; returns {"metrics": ..., "cases": [...]} as `scrutiny eval --json` prints."""
    data = service.data()
    documents_by_source = {d.source: d for d in data.documents.values()}
    missing = sorted({e["source"] for c in cases for e in c.get("evidence", [])} - set(documents_by_source))
    if missing:
        raise ValueError(f"evidence documents not in the index: {', '.join(missing)}; ingest them first")
    service.embedder.warm()  # latency is measured warm, as in the app
    service.ask_with_passages(cases[0]["question"])
    records = [run_case(service, case) for case in cases]
    for case, record in zip(cases, records, strict=False):
        record["correct"] = (
            (not record["refused"] and matches_groups(record["answer"], case.get("answer_must_include", [])))
            if case["answerable"] else record["refused"]
        )
    return {"metrics": score(cases, records, data.documents), "cases": records}


def load_thresholds(path: Path | None = None) -> dict:
    """Minimums (and maximums for false_refusals and latency) from thresholds.toml."""
    return tomllib.loads(Path(path or default_thresholds_path()).read_text())


def thresholds_failed(metrics: dict, path: Path | None = None, split: str = "all") -> list[str]:
    """Human-readable list of metrics outside their thresholds (the file's table for `split`, when
    it has one: a held-out split has bounds of its own)."""
    thresholds = load_thresholds(path)
    thresholds = thresholds.get(split, thresholds)
    failures = []
    for name, minimum in thresholds.get("minimum", {}).items():
        if metrics.get(name, 0.0) < minimum:
            failures.append(f"{name} = {metrics.get(name, 0.0):.3f} < {minimum}")
    for name, maximum in thresholds.get("maximum", {}).items():
        value = metrics.get(name, 0.0)
        if isinstance(value, dict):
            value = value.get("p50", 0.0)
        if value > maximum:
            failures.append(f"{name} = {value:.3f} > {maximum}")
    return failures


def format_report(report: dict) -> str:
    """A table for people: one line per case, then the metrics."""
    lines = [f"{'id':<6} {'ok':<3} {'refused':<8} question / answer"]
    for record in report["cases"]:
        mark = "yes" if record["correct"] else "NO"
        question = re.sub(r"\s+", " ", record["question"])[:70]
        lines.append(f"{record['id']:<6} {mark:<3} {str(record['refused']):<8} {question}")
        if not record["correct"]:
            lines.append(f"{'':<19}-> {record['answer'][:150]}")
    lines.append("")
    for name, value in report["metrics"].items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, float):
            value = f"{value:.3f}"
        lines.append(f"{name:<18} {value}")
    return "\n".join(lines)
