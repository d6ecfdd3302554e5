"""Precision and recall of finding extraction against hand labels on the development corpus.

Usage:
    python -m scrutiny.eval.findings_eval [--labels eval/findings_labels.jsonl] [--files DIR] [--json]

Each line of the labels file is one document read by hand: its file name, and every
recommendation, area for improvement and cause of concern it states, in its own words (an empty
list when it states none: those documents measure false findings). A finding the extractor
reads (scrutiny.ingest.findings) matches a label of the same kind when one text holds the other
or their word overlap (Dice on stems) reaches the restatement threshold drafts use.
Precision = extracted findings matching a label / extracted findings; recall = labels matched /
labels. Every label must be on its document (the script stops otherwise), so the labels stay
verbatim.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scrutiny.ingest.documents import load_document
from scrutiny.ingest.findings import extract_findings
from scrutiny.ingest.text import dice, normalise_text

HERE = Path(__file__).resolve().parent
DEFAULT_LABELS = HERE / "findings_labels.jsonl"
DEFAULT_FILES = HERE.parent.parent / "shared" / "corpus-dev" / "files"
ACTION_KINDS = ("recommendation", "area_for_improvement", "cause_of_concern")
MATCH_SIMILARITY = 0.6  # the drafts' restatement threshold (settings.drafting.restatement_similarity)


@dataclass
class DocumentScore:
    """One labelled document: its labels, what was extracted, and which matched."""

    file: str
    labels: list[dict]
    extracted: list[dict]
    labels_matched: int = 0
    extracted_matched: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)


def matches(label: dict, finding: dict) -> bool:
    """Same kind, and one text holds the other or they overlap enough."""
    if label["kind"] != finding["kind"]:
        return False
    wanted, got = normalise_text(label["text"]), normalise_text(finding["text"])
    return wanted in got or got in wanted or dice(label["text"], finding["text"]) >= MATCH_SIMILARITY


def score_document(path: Path, labels: list[dict]) -> DocumentScore:
    """Extract the findings of one file and match them to its labels."""
    document = load_document(path)
    text = normalise_text("\n".join(document.pages))
    for label in labels:
        if normalise_text(label["text"]) not in text:
            raise SystemExit(f"{path.name}: label not in the document, so not verbatim: {label['text']!r}")
    extracted = [{"kind": f.kind, "text": f.text, "page": f.page}
                 for f in extract_findings(document) if f.kind in ACTION_KINDS]
    score = DocumentScore(path.name, labels, extracted)
    for label in labels:
        if any(matches(label, finding) for finding in extracted):
            score.labels_matched += 1
        else:
            score.misses.append(f"{label['kind']}: {label['text']}")
    for finding in extracted:
        if any(matches(label, finding) for label in labels):
            score.extracted_matched += 1
        else:
            score.false.append(f"{finding['kind']}: {finding['text'][:120]}")
    return score


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def evaluate(labels_path: Path, files: Path) -> dict:
    """Per-document scores and the totals, overall and per kind."""
    records = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    scores = [score_document(files / record["file"], record["findings"]) for record in records]
    labelled = sum(len(s.labels) for s in scores)
    extracted = sum(len(s.extracted) for s in scores)
    per_kind = {}
    for kind in ACTION_KINDS:
        kind_labels = sum(1 for s in scores for label in s.labels if label["kind"] == kind)
        kind_extracted = sum(1 for s in scores for f in s.extracted if f["kind"] == kind)
        kind_matched = sum(1 for s in scores for label in s.labels
                           if label["kind"] == kind and any(matches(label, f) for f in s.extracted))
        kind_correct = sum(1 for s in scores for f in s.extracted
                           if f["kind"] == kind and any(matches(label, f) for label in s.labels))
        per_kind[kind] = {"labels": kind_labels, "extracted": kind_extracted,
                          "precision": _ratio(kind_correct, kind_extracted), "recall": _ratio(kind_matched, kind_labels)}
    return {
        "documents": len(scores), "documents_with_findings": sum(1 for s in scores if s.labels),
        "labels": labelled, "extracted": extracted,
        "precision": _ratio(sum(s.extracted_matched for s in scores), extracted),
        "recall": _ratio(sum(s.labels_matched for s in scores), labelled),
        "per_kind": per_kind,
        "per_document": [
            {"file": s.file, "labels": len(s.labels), "extracted": len(s.extracted),
             "matched": s.labels_matched, "misses": s.misses, "false": s.false}
            for s in scores
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--files", type=Path, default=DEFAULT_FILES, help="The corpus-dev files folder.")
    parser.add_argument("--json", action="store_true", help="The full report as JSON.")
    args = parser.parse_args(argv)
    if not args.files.is_dir():
        print(f"findings_eval: no folder {args.files}; pass --files PATH/corpus-dev/files", file=sys.stderr)
        return 2
    report = evaluate(args.labels, args.files)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    for document in report["per_document"]:
        print(f"{document['file']}: {document['matched']}/{document['labels']} labels found, "
              f"{document['extracted']} extracted")
        for miss in document["misses"]:
            print(f"    missed: {miss}")
        for false in document["false"]:
            print(f"    not labelled: {false}")
    print(f"\n{report['documents']} documents ({report['documents_with_findings']} stating findings), "
          f"{report['labels']} labelled findings, {report['extracted']} extracted")
    print(f"precision {report['precision']}  recall {report['recall']}")
    for kind, figures in report["per_kind"].items():
        print(f"  {kind:<21} labels {figures['labels']:>2}  extracted {figures['extracted']:>2}  "
              f"precision {figures['precision']}  recall {figures['recall']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
