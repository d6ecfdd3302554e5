"""Fit the sentence-feature weights on the development documents (`make fit`).

Usage: python -m scrutiny.eval.fit --index DIR --cases FILE [--also INDEX CASES ...] [--out FILE] [--write]

For every answerable case of the development split (`split: calibrate`), the question is asked
as `ask` asks it; every candidate sentence of the passages it draws on is described by the
answerer's features (app/answering/features.py) and labelled by whether it holds the case's
evidence (most of an evidence quote's word stems). A logistic regression over those rows is
fitted with its regularisation chosen by cross-validation grouped by document, so that a
setting is judged on documents it was not fitted on. The figure that matters is top-1: how
often the best-scoring sentence of a question is one that holds its evidence. The shipped
weights' (app/answering/sentence_weights.json) top-1 on the same folds is printed beside it.
`--write` (`make fit`) records both in that file and replaces the shipped weights with the fitted
ones only when the fitted top-1 is higher by MIN_GAIN; `make calibrate` should follow a replacement (the
scores' scale changes, and the refusal threshold is a score).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from scrutiny.app.answering.features import FEATURES, WEIGHTS_FILE, candidate_features, load_weights
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.eval.runner import load_cases
from scrutiny.ingest.text import stems

EVIDENCE_SHARE = 0.6  # of an evidence quote's word stems a sentence must hold to be labelled as holding it
C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5
# The fitted weights replace the shipped ones only when their top-1 is higher by this much: less
# is within what choosing C on the same folds gains by chance (208 questions: 0.63 against 0.626
# was worse end to end, docs/decisions.md).
MIN_GAIN = 0.01


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


def record(path: Path, report: dict) -> bool:
    """Write the fit's figures into the weights file at `path`, and the fitted weights too when
    they rank better than the file's own on the same folds. True when the weights were replaced."""
    shipped = json.loads(path.read_text(encoding="utf-8"))
    better = report["fitted_cv_top1"] >= report["current_cv_top1"] + MIN_GAIN
    if better:
        shipped["source"] = f"fitted by eval/fit.py (logistic regression, C {report['chosen_c']})"
        shipped["weights"] = report["weights"]
    shipped["last_fit"] = {"questions": report["questions"], "folds": report["folds"],
                           "current_cv_top1": report["current_cv_top1"], "fitted_cv_top1": report["fitted_cv_top1"],
                           "fitted_c": report["chosen_c"], "kept": "fitted" if better else "current"}
    path.write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    return better


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--cases", required=True)
    parser.add_argument("--also", nargs=2, action="append", default=[], metavar=("INDEX", "CASES"),
                        help="another set of questions about development documents, over its own index "
                             "(the blind set: .index-dev-half eval/corpus_dev_blind.jsonl)")
    parser.add_argument("--out", default=None, help="write the fitted weights here (JSON)")
    parser.add_argument("--write", action="store_true",
                        help=f"record the fit in {WEIGHTS_FILE.name}, replacing its weights if the fit ranks better")
    args = parser.parse_args()
    entries = [entry for index, cases in [(args.index, args.cases), *args.also]
               for entry in question_rows(Scrutiny(Settings(index=index)), load_cases(Path(cases)))]
    shipped = load_weights()
    current = np.array([shipped[f] for f in FEATURES])
    folds = grouped_folds(entries)
    by_c = {c: round(float(np.mean([top1(test, *fit(train, c)) for train, test in folds])), 3) for c in C_GRID}
    best_c = max(C_GRID, key=lambda c: (by_c[c], -c))
    report: dict = {"questions": len(entries), "with_evidence_among_candidates": sum(bool(e["labels"].any()) for e in entries),
                    "current_cv_top1": round(float(np.mean([top1(test, current) for _, test in folds])), 3), "by_c": by_c,
                    # the best of the C grid on these same folds: a little optimistic, in the fit's favour
                    "fitted_cv_top1": by_c[best_c], "folds": len(folds)}
    weights, intercept = fit(entries, best_c)
    report |= {"chosen_c": best_c, "fitted_top1_in_sample": round(top1(entries, weights, intercept), 3),
               "weights": dict(zip(FEATURES, map(float, weights), strict=True)), "intercept": intercept}
    print(json.dumps(report, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps({
            "features": list(FEATURES), "weights": [float(w) for w in weights], "intercept": intercept,
            "c": best_c, "cv_top1": by_c[best_c], "current_cv_top1": report["current_cv_top1"],
        }, indent=2) + "\n", encoding="utf-8")
    if args.write:
        replaced = record(WEIGHTS_FILE, report)
        print(f"{WEIGHTS_FILE}: " + ("fitted weights written; run `make calibrate` next" if replaced
                                     else f"the fit does not rank {MIN_GAIN} better; the shipped weights stay and the fit "
                                          "is recorded"))


if __name__ == "__main__":
    main()
