"""The refusal threshold is chosen on the calibration split with a margin on both sides."""

from __future__ import annotations

from scrutiny.eval.calibrate import MAX_FALSE_REFUSALS, choose, report


def observation(confidence: float, answerable: bool) -> dict:
    return {"id": f"c{confidence}", "split": "calibrate", "answerable": answerable,
            "confidence": confidence, "right_if_answered": answerable}


def test_the_cut_sits_just_under_the_lowest_confidence_it_keeps_answering():
    observations = [observation(c, True) for c in (0.60, 0.70, 0.80)] + [observation(c, False) for c in (0.40, 0.50)]
    chosen = choose(observations)
    # Near the top of the gap (refusing is the lesser mistake), not at 0.60 itself: that
    # question would be answered by a hair's breadth.
    assert chosen["threshold"] == 0.599
    assert chosen["refusal_accuracy"] == 1.0 and chosen["false_refusals"] == 0.0
    # A gap narrower than the margin is cut in the middle.
    close = [observation(0.6000, True), observation(0.5996, False)]
    assert choose(close)["threshold"] == 0.5998
    closest = [observation(0.6000, True), observation(0.5999, False)]  # confidences have 4 places
    assert choose(closest)["threshold"] == 0.59995


def test_false_refusals_are_capped_while_choosing():
    # Refusing both unanswerable questions would refuse two of the three answerable ones.
    observations = [observation(c, True) for c in (0.45, 0.55, 0.90)] + [observation(c, False) for c in (0.50, 0.60)]
    chosen = choose(observations)
    assert chosen["false_refusals"] <= MAX_FALSE_REFUSALS


def test_sets_are_calibrated_together_and_reported_each():
    # Alone, set "a" would refuse nothing it can answer at 0.599; with set "b" beside it the
    # pooled cut must also keep b's answerable 0.50 answered.
    a = [observation(c, True) for c in (0.60, 0.70, 0.80)] + [observation(c, False) for c in (0.40, 0.55)]
    b = [observation(c, True) for c in (0.50, 0.90)] + [observation(0.45, False)]
    observations = [{**o, "set": "a"} for o in a] + [{**o, "set": "b"} for o in b]
    observations += [{**o, "set": "b", "split": "test"} for o in b]
    result = report(observations, current=0.599)
    assert result["chosen_on_calibrate"]["threshold"] == 0.499
    assert result["by_set"]["a"]["calibrate_at_chosen"]["refusal_accuracy"] == 0.5  # 0.55 now answered
    assert result["by_set"]["b"]["calibrate_at_chosen"]["false_refusals"] == 0.0
    assert result["by_set"]["b"]["test_at_chosen"]["refusal_accuracy"] == 1.0
    assert result["test_at_current"]["false_refusals"] == 0.5
    assert "test_at_chosen" not in result["by_set"]["a"]  # a set with no test split reports none
