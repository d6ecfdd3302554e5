"""Fit the sentence-feature weights on the development documents (`make fit`).

Usage: python -m scrutiny.eval.fit --index DIR --cases FILE [--out FILE]

For every answerable case of the development split (`split: calibrate`), the question is asked
as `ask` asks it; every candidate sentence of the passages it draws on is described by the
answerer's features (app/answering/features.py) and labelled by whether it holds the case's
evidence (most of an evidence quote's word stems). A logistic regression over those rows is
fitted with its regularisation chosen by cross-validation grouped by document, so that a
setting is judged on documents it was not fitted on. The figure that matters is top-1: how
often the best-scoring sentence of a question is one that holds its evidence. The hand-set
weights' top-1 on the same folds is printed beside it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from scrutiny.app.answering.features import FEATURES, HAND_WEIGHTS, candidate_features
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.eval.runner import load_cases
from scrutiny.ingest.text import stems

EVIDENCE_SHARE = 0.6  # of an evidence quote's word stems a sentence must hold to be labelled as holding it
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5


def holds_evidence(sentence: str, quotes: list[str]) -> bool:
    """The sentence holds most of the word stems of one of the evidence quotes."""
    words = stems(sentence)
    return any(stems(q) and len(stems(q) & words) >= EVIDENCE_SHARE * len(stems(q)) for q in quotes)


def question_rows(service: Scrutiny, cases: list[dict]) -> list[dict]:
    """Feature rows and labels of every candidate sentence, one entry per question."""
    scorer = service.sentence_scorer()
    entries = []
    for case in cases:
        if not case["answerable"] or case.get("split") != "calibrate":
            continue
        _, hits = service.ask_with_passages(case["question"])
        candidates, rows = candidate_features(case["question"], hits, scorer)
        quotes = [e["quote"] for e in case["evidence"]]
        labels = np.array([holds_evidence(c.sentence, quotes) for c in candidates], dtype=bool)
        document = case["evidence"][0]["source"]
        entries.append({"id": case["id"], "document": document, "rows": rows, "labels": labels})
    return entries


def top1(entries: list[dict], weights: np.ndarray, intercept: float = 0.0) -> float:
    """Share of questions (with any positive candidate) whose best-scoring sentence is positive."""
    scored = [e for e in entries if e["labels"].any()]
    hits = sum(bool(e["labels"][int(np.argmax(e["rows"] @ weights + intercept))]) for e in scored)
    return hits / max(len(scored), 1)


def fit(entries: list[dict], c: float) -> tuple[np.ndarray, float]:
    """Logistic regression weights (standardised features folded back) and intercept."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([e["rows"] for e in entries if len(e["rows"])])
    y = np.concatenate([e["labels"] for e in entries if len(e["rows"])])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit((x - mean) / scale, y)
    weights = model.coef_[0] / scale
    return weights, float(model.intercept_[0] - (weights * mean).sum())


def grouped_folds(entries: list[dict]) -> list[tuple[list[dict], list[dict]]]:
    """Train/test splits of the questions with no document on both sides."""
    from sklearn.model_selection import GroupKFold

    groups = [e["document"] for e in entries]
    folds = GroupKFold(n_splits=min(FOLDS, len(set(groups))))
    return [([entries[i] for i in train], [entries[i] for i in test])
            for train, test in folds.split(np.zeros(len(entries)), groups=groups)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--cases", required=True)
    parser.add_argument("--out", default=None, help="write the fitted weights here (JSON)")
    args = parser.parse_args()
    service = Scrutiny(Settings(index=args.index))
    entries = question_rows(service, load_cases(Path(args.cases)))
    hand = np.array([HAND_WEIGHTS.get(f, 0.0) for f in FEATURES])
    folds = grouped_folds(entries)
    by_c = {c: round(float(np.mean([top1(test, *fit(train, c)) for train, test in folds])), 3) for c in C_GRID}
    best_c = max(C_GRID, key=lambda c: (by_c[c], -c))
    report: dict = {"questions": len(entries), "with_evidence_among_candidates": sum(bool(e["labels"].any()) for e in entries),
                    "hand_top1": round(float(np.mean([top1(test, hand) for _, test in folds])), 3), "by_c": by_c}
    weights, intercept = fit(entries, best_c)
    report |= {"chosen_c": best_c, "fitted_top1_in_sample": round(top1(entries, weights, intercept), 3),
               "weights": dict(zip(FEATURES, map(float, weights), strict=True)), "intercept": intercept}
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({
            "features": list(FEATURES), "weights": [float(w) for w in weights], "intercept": intercept,
            "c": best_c, "cv_top1": by_c[best_c], "hand_cv_top1": report["hand_top1"],
        }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
