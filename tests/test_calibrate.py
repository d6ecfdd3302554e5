"""The refusal threshold is chosen on the calibration split with a margin on both sides."""

from __future__ import annotations

from scrutiny.eval.calibrate import MAX_FALSE_REFUSALS, choose


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
