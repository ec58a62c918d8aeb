"""Clinical figures on hand-computed cases, against scikit-learn, and CIs that cover the truth at about 95 %."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from core.errors import MedLensError
from core.models import clinical
from core.models.clinical_report import clinical_report

# Eight cases: scores and truth, small enough to check every figure by hand.
SCORES = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
TRUTH = np.array([0, 0, 1, 0, 1, 0, 1, 1])


def test_operating_point_by_hand():
    point = clinical.operating_point(SCORES, TRUTH, 0.6, "youden")
    # called positive: 0.6 0.7 0.8 0.9 -> TP 3 (0.6, 0.8, 0.9), FP 1 (0.7); TN 3, FN 1 (0.3)
    assert (point.sensitivity, point.specificity, point.ppv, point.npv) == (0.75, 0.75, 0.75, 0.75)
    assert clinical.confusion_at(SCORES, TRUTH, 0.6) == (3, 1, 3, 1)


def test_threshold_rules_by_hand():
    # J = sensitivity + specificity - 1 is 0.5 at 0.8, 0.6 and 0.3 (0.25 elsewhere); a tie goes to the highest
    # threshold, the one with the fewest false alarms
    assert clinical.choose_threshold(SCORES, TRUTH, "youden") == 0.8
    assert clinical.choose_threshold(SCORES, TRUTH, "sensitivity", 1.0) == 0.3  # all positives, spec 0.5
    assert clinical.choose_threshold(SCORES, TRUTH, "specificity", 1.0) == 0.8  # no FP, sens 0.5
    with pytest.raises(MedLensError, match="rule"):
        clinical.choose_threshold(SCORES, TRUTH, "accuracy")


def test_figures_match_scikit_learn_on_continuous_scores():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 400)
    scores = rng.normal(truth * 1.2, 1.0)
    fpr, tpr, _ = roc_curve(truth, scores)
    for level in (0.9, 0.95):
        assert clinical.sensitivity_at_specificity(scores, truth, level) == pytest.approx(tpr[fpr <= 1 - level].max())
        assert clinical.specificity_at_sensitivity(scores, truth, level) == pytest.approx(1 - fpr[tpr >= level].min())
    pos, neg = scores[truth == 1][None], scores[truth == 0][None]
    assert clinical.auc_rows(pos, neg)[0] == pytest.approx(roc_auc_score(truth, scores))


def test_ece_quantile_bins_by_hand_and_temperature_softens_overconfidence():
    probabilities = np.array([[0.1, 0.9]] * 5 + [[0.9, 0.1]] * 5)
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 1])  # 3 of 5 right in each half: confidence 0.9, accuracy 0.6
    assert clinical.ece(probabilities, labels, bins=2) == pytest.approx(0.3)
    temperature = clinical.fit_temperature(probabilities, labels)
    assert temperature > 1.0  # overconfident: the fitted temperature softens it
    assert clinical.apply_temperature(probabilities, temperature).max() == pytest.approx(0.6, abs=0.01)


def test_net_benefit_by_hand():
    curve = clinical.net_benefit(SCORES, TRUTH, np.array([0.5]))
    # at t = 0.5: TP 3/8, FP 1/8, odds 1 -> 0.25; treat all: prevalence 0.5 - 0.5 = 0
    assert curve["model"] == [pytest.approx(0.25)] and curve["treat_all"] == [pytest.approx(0.0)]


def test_bootstrap_intervals_cover_the_true_auc_at_about_the_nominal_rate():
    """Seeded simulation: with a known population AUC, the 95 % interval should miss it about 5 % of the time."""
    from scipy.stats import norm

    shift = 1.0
    true_auc = norm.cdf(shift / np.sqrt(2))
    covered = 0
    trials = 60
    for trial in range(trials):
        rng = np.random.default_rng(100 + trial)
        truth = np.r_[np.ones(80, int), np.zeros(120, int)]
        scores = 1 / (1 + np.exp(-rng.normal(truth * shift, 1.0)))  # monotone: the AUC is unchanged
        probabilities = np.column_stack([1 - scores, scores])
        report = clinical_report(
            probabilities, truth, probabilities, truth, ["no", "yes"], 1, temperature=1.0, resamples=400, seed=trial
        )
        interval = report.intervals["auc"]
        covered += interval.ci_low <= true_auc <= interval.ci_high
    assert 0.85 <= covered / trials <= 1.0, covered / trials


def test_a_report_on_real_probabilities_has_every_field(pneumonia):
    rng = np.random.default_rng(0)
    val_labels, test_labels = pneumonia.labels("val"), pneumonia.labels("test")
    val = np.clip(np.eye(2)[val_labels] * 0.7 + rng.random((len(val_labels), 2)) * 0.3, 0.01, None)
    test = np.clip(np.eye(2)[test_labels] * 0.7 + rng.random((len(test_labels), 2)) * 0.3, 0.01, None)
    val, test = val / val.sum(1, keepdims=True), test / test.sum(1, keepdims=True)
    data = clinical_report(val, val_labels, test, test_labels, list(pneumonia.class_names), 1).to_dict()
    assert data["positive_class"] == "pneumonia" and data["operating_point"]["rule"] == "youden"
    assert set(data["sensitivity_at_specificity"]) == {"0.9", "0.95"} and data["temperature"] > 0
    for interval in (data["auc_ci"], data["ece"], data["sensitivity_at_specificity"]["0.95"]):
        assert interval["ci_low"] <= interval["value"] <= interval["ci_high"]
    assert len(data["net_benefit"]["thresholds"]) == len(data["net_benefit"]["model"])


def test_the_call_for_one_image_uses_the_stored_temperature_and_threshold():
    decision = {"temperature": 1.0, "rule": "youden", "thresholds": [None, 0.3]}
    call = clinical.decide(np.array([0.6, 0.4]), decision, ["normal", "pneumonia"])
    assert call.positive_class == "pneumonia" and call.probability == pytest.approx(0.4) and call.positive
    assert not clinical.decide(np.array([0.8, 0.2]), decision, ["normal", "pneumonia"]).positive
    assert clinical.decide(np.array([0.2, 0.3, 0.5]), decision, ["a", "b", "c"]) is None
    softer = clinical.decide(np.array([0.1, 0.9]), {**decision, "temperature": 3.0}, ["normal", "pneumonia"])
    assert 0.5 < softer.probability < 0.9  # a temperature above 1 pulls a confident answer toward even
