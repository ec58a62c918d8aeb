import math

import numpy as np
import pytest

from core.models.metrics import auc_score, calibration, evaluate_probabilities


def test_binary_figures_match_a_hand_count():
    labels = np.array([0, 0, 0, 1, 1, 1])
    p1 = np.array([0.1, 0.4, 0.7, 0.6, 0.8, 0.3])
    evaluation = evaluate_probabilities(np.stack([1 - p1, p1], axis=1), labels, ["normal", "pneumonia"])
    assert evaluation.accuracy == pytest.approx(4 / 6)
    assert evaluation.confusion == [[2, 1], [1, 2]]
    assert evaluation.auc == pytest.approx(6 / 9)  # 6 of 9 positive/negative pairs ranked right
    pneumonia = evaluation.per_class[1]
    assert (pneumonia.precision, pneumonia.recall, pneumonia.support) == (pytest.approx(2 / 3), pytest.approx(2 / 3), 3)
    assert set(evaluation.roc) == {"normal", "pneumonia"}
    assert evaluation.roc["pneumonia"]["tpr"][-1] == 1.0


def test_multiclass_auc_is_one_vs_rest_macro():
    labels = np.array([0, 1, 2, 0, 1, 2])
    perfect = np.eye(3)[labels] * 0.8 + 0.2 / 3
    assert auc_score(perfect, labels) == pytest.approx(1.0)
    assert math.isnan(auc_score(perfect[:2], np.array([1, 1])))


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    # 10 images at 0.8 confidence, 8 of them right: perfectly calibrated.
    labels = np.array([1] * 8 + [0] * 2)
    probabilities = np.tile([0.2, 0.8], (10, 1))
    result = calibration(probabilities, labels)
    assert result.ece == pytest.approx(0.0, abs=1e-9)
    assert sum(result.bin_count) == 10
    overconfident = calibration(np.tile([0.01, 0.99], (10, 1)), labels)
    assert overconfident.ece == pytest.approx(0.19)
    assert None in overconfident.bin_accuracy  # empty bins carry no made-up accuracy


def test_summary_is_json_ready():
    import json

    labels = np.array([0, 1, 1])
    evaluation = evaluate_probabilities(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), labels, ["a", "b"])
    data = evaluation.summary()
    assert "probabilities" not in data and data["ece"] == evaluation.ece
    json.dumps(data)
