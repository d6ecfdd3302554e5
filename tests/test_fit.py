"""The sentence weights ship as JSON; a fit replaces them only when it ranks better."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scrutiny.app.answering.features import FEATURES, RANKING_WEIGHTS, WEIGHTS_FILE, WeightsFileError, load_weights
from scrutiny.eval.fit import record, top1


def test_the_shipped_weights_file_matches_the_features():
    """A feature added without a weight (or a stale weight left behind) is caught here, not at import."""
    shipped = json.loads(WEIGHTS_FILE.read_text())
    assert sorted(shipped["weights"]) == sorted(FEATURES)
    assert shipped["last_fit"]["kept"] in {"current", "fitted"}
    assert np.allclose(RANKING_WEIGHTS, [shipped["weights"][f] for f in FEATURES])


@pytest.mark.parametrize("weights, named", [({"dense": 1.0}, "missing: lexical_own"),
                                            ({**{f: 1.0 for f in FEATURES}, "stale": 1.0}, "unknown: stale")])
def test_a_weights_file_not_matching_the_features_is_refused(tmp_path, weights, named):
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({"weights": weights}))
    with pytest.raises(WeightsFileError, match=named):
        load_weights(path)


def _report(current: float, fitted: float) -> dict:
    return {"questions": 10, "folds": 5, "current_cv_top1": current, "fitted_cv_top1": fitted, "chosen_c": 0.1,
            "weights": {f: 9.0 for f in FEATURES}}


def test_a_fit_replaces_the_weights_only_when_it_ranks_better(tmp_path):
    path = tmp_path / "weights.json"
    path.write_text(WEIGHTS_FILE.read_text())
    shipped = json.loads(path.read_text())["weights"]
    assert not record(path, _report(current=0.60, fitted=0.60))  # a tie keeps what ships
    assert not record(path, _report(current=0.60, fitted=0.605))  # and so does a gain within chance
    kept = json.loads(path.read_text())
    assert kept["weights"] == shipped and kept["last_fit"]["kept"] == "current"
    assert record(path, _report(current=0.60, fitted=0.62))
    replaced = json.loads(path.read_text())
    assert replaced["weights"] == {f: 9.0 for f in FEATURES} and replaced["last_fit"]["fitted_cv_top1"] == 0.62


def test_top1_counts_questions_whose_best_sentence_holds_the_evidence():
    entries = [{"rows": np.array([[1.0], [0.0]]), "labels": np.array([True, False])},
               {"rows": np.array([[1.0], [0.0]]), "labels": np.array([False, True])},
               {"rows": np.array([[1.0]]), "labels": np.array([False])}]  # no evidence: not counted
    assert top1(entries, np.array([1.0])) == 0.5
    assert top1(entries[:1], np.array([1.0])) == 1.0 and top1(entries[:1], np.array([-1.0])) == 0.0
