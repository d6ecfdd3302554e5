"""Fit the evidence model (does this sentence answer the question?) on the eval set's calibration split (never the test split).

Usage: python -m scrutiny.eval.train_evidence [--index DIR] [--cases FILE] [--out app/evidence_model.json]
Each candidate sentence of each calibration question is an example: positive when it holds
one of the case's expected answer phrases, negative otherwise (every candidate of an
unanswerable case is negative). A logistic regression over the generic features in
`scrutiny.app.answer.FEATURES` (similarities, word overlap, cues, rank, force match, kind)
is fitted on standardised features and saved with the scaling folded into its weights.
Its best probability over a question's candidates is the answer's confidence, which the
refusal threshold cuts (`python -m scrutiny.eval.calibrate`); the test split then measures
both honestly (`scrutiny eval --split test`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from scrutiny.app.answer import FEATURES, candidate_features
from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.eval.runner import default_cases_path, load_cases, matches_groups

REGULARISATION = 0.5  # inverse strength (scikit-learn's C): small data, keep weights modest
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "app" / "evidence_model.json"


def examples(service: Scrutiny, cases: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels for every candidate sentence of the cases."""
    from scrutiny.app.answer import question_parts

    rows, labels = [], []
    for case in cases:
        _, hits = service.ask_with_passages(case["question"])
        for question in dict.fromkeys([case["question"], *question_parts(case["question"])]):
            candidates, features = candidate_features(question, hits, service.sentence_scorer())
            for candidate, row in zip(candidates, features):
                groups = case.get("answer_must_include", [])
                positive = case["answerable"] and any(matches_groups(candidate.sentence, [group]) for group in groups)
                rows.append(row)
                labels.append(int(positive))
    return np.array(rows), np.array(labels)


def fit(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression on standardised features; returns weights for raw features."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=5000)
    model.fit((rows - mean) / scale, labels)
    weights = model.coef_[0] / scale
    bias = float(model.intercept_[0] - (model.coef_[0] * mean / scale).sum())
    return weights, bias


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None)
    parser.add_argument("--cases", default=str(default_cases_path()))
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args()
    settings = Settings(**({"index": args.index} if args.index else {}), refusal_threshold=-1e9)
    service = Scrutiny(settings)
    service.embedder.warm()
    calibration = [c for c in load_cases(args.cases) if c.get("split") == "calibrate"]
    rows, labels = examples(service, calibration)
    weights, bias = fit(rows, labels)
    model = {
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6),
        "trained_on": f"calibrate split of {Path(args.cases).name}: {len(calibration)} cases, "
                      f"{len(labels)} candidate sentences, {int(labels.sum())} positive",
    }
    Path(args.out).write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    main()
