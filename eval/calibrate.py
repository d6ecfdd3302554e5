"""Calibrate the refusal threshold on the eval sets' calibration splits; report on their test splits.

Usage: python -m scrutiny.eval.calibrate [--index DIR] [--cases FILE] [--also INDEX CASES ...]
(`make calibrate`: the bundled set and the development documents together.)
Runs every case with refusal disabled, records each answer's confidence and whether the
answer would be right, then sweeps the threshold. The chosen threshold maximises
(refusal accuracy - false refusals) on the calibration splits pooled (every question counts
once) while false refusals stay at or under MAX_FALSE_REFUSALS (each cut just under an
observed confidence, see choose), ties going to the lower threshold; the test splits' figures
at that threshold are the honest estimate, printed for each set too."""

from __future__ import annotations

import argparse
import json

from scrutiny.app.service import Scrutiny
from scrutiny.app.settings import Settings
from scrutiny.eval.runner import default_cases_path, load_cases, matches_groups

MAX_FALSE_REFUSALS = 0.05  # the product's target for false refusals (docs/evaluation.md): calibration must not trade past it
NOISE_MARGIN = 0.001  # how far under the lowest confidence it keeps answering a cut is placed


def observe(service: Scrutiny, cases: list[dict]) -> list[dict]:
    """Confidence and would-be correctness of each case with refusal turned off."""
    observations = []
    for case in cases:
        answer = service.ask(case["question"])
        observations.append({
            "id": case["id"], "split": case.get("split", "test"), "answerable": case["answerable"],
            "confidence": answer.confidence,
            "right_if_answered": (not answer.refused)
            and matches_groups(answer.text, case.get("answer_must_include", [])),
        })
    return observations


def rates(observations: list[dict], threshold: float) -> dict:
    """Refusal accuracy, false refusals and answer accuracy at one threshold."""
    answerable = [o for o in observations if o["answerable"]]
    unanswerable = [o for o in observations if not o["answerable"]]
    refused = lambda o: o["confidence"] < threshold  # noqa: E731 - one-line predicate
    return {
        "threshold": threshold,
        "refusal_accuracy": sum(map(refused, unanswerable)) / max(len(unanswerable), 1),
        "false_refusals": sum(map(refused, answerable)) / max(len(answerable), 1),
        "answer_accuracy": sum(o["right_if_answered"] and not refused(o) for o in answerable) / max(len(answerable), 1),
    }


def choose(observations: list[dict]) -> dict:
    """The calibration-split threshold with the best refusal trade-off under the cap."""
    # One cut per gap between neighbouring observed confidences (refuse strictly below it),
    # near the gap's top: between the two, a confident wrong answer is the worse mistake. Not
    # at the top itself: that question would stay answered by a hair's breadth, and numerical
    # noise (the NumPy and torch passes differ by ~1e-4 in score) could flip it.
    seen = sorted({round(o["confidence"], 4) for o in observations})
    sweep = [0.0, *(round(max((low + high) / 2, high - NOISE_MARGIN), 5) for low, high in zip(seen, seen[1:], strict=False))]
    table = [rates(observations, t) for t in sweep]
    allowed = [r for r in table if r["false_refusals"] <= MAX_FALSE_REFUSALS] or table[:1]
    return max(allowed, key=lambda r: (r["refusal_accuracy"] - r["false_refusals"], -r["threshold"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=None)
    parser.add_argument("--cases", default=str(default_cases_path()))
    parser.add_argument("--also", nargs=2, action="append", default=[], metavar=("INDEX", "CASES"),
                        help="another eval set, over its own index, whose splits join the first's "
                             "(e.g. the development corpus: .index-dev eval/corpus_dev.jsonl)")
    parser.add_argument("--observations", default=None, help="also write every observation to this JSON file")
    args = parser.parse_args()
    observations: list[dict] = []
    for index, cases in [(args.index, args.cases), *args.also]:
        settings = Settings(**({"index": index} if index else {}), answering={"refusal_threshold": -1.0})
        service = Scrutiny(settings)
        service.embedder.warm()
        observations += [{**o, "set": f"{cases} over {index or 'the default index'}"}
                         for o in observe(service, load_cases(cases))]
    if args.observations:
        with open(args.observations, "w", encoding="utf-8") as handle:
            json.dump(observations, handle, indent=1)
    print(json.dumps(report(observations, Settings().answering.refusal_threshold), indent=2))


def report(observations: list[dict], current: float) -> dict:
    """The threshold chosen on the pooled calibration splits, with the test splits' figures at it
    and at the `current` setting, pooled and for each set (an observation's "set")."""
    calibration = [o for o in observations if o["split"] == "calibrate"]
    test = [o for o in observations if o["split"] != "calibrate"]
    chosen = choose(calibration)
    return {
        "chosen_on_calibrate": chosen,
        "test_at_chosen": rates(test, chosen["threshold"]),
        "current_setting": current,
        "test_at_current": rates(test, current),
        "by_set": {name: {f"{split}_at_chosen": rates(held, chosen["threshold"])
                          for split, held in (("calibrate", [o for o in calibration if o["set"] == name]),
                                              ("test", [o for o in test if o["set"] == name])) if held}
                   for name in dict.fromkeys(o["set"] for o in observations)},
    }


if __name__ == "__main__":
    main()
