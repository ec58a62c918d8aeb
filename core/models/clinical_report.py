"""The clinical report of a model on test, with stratified bootstrap 95 % CIs vectorised over resamples, and
the decision settings (temperature, per-class thresholds) fitted on validation and stored with the model."""

from dataclasses import asdict, dataclass

import numpy as np

from core.errors import MedLensError
from core.models.clinical import (
    LEVELS,
    RESAMPLES,
    Interval,
    OperatingPoint,
    apply_temperature,
    auc_rows,
    choose_threshold,
    ece,
    ece_rows,
    fit_temperature,
    net_benefit,
    one_vs_rest,
    operating_point,
    rule_name,
    sens_at_spec_rows,
    sensitivity_at_specificity,
    spec_at_sens_rows,
    specificity_at_sensitivity,
)


def stratified_resamples(truth: np.ndarray, resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(B, n1) indices of positives and (B, n0) of negatives, each drawn with replacement within its class."""
    rng = np.random.default_rng(seed)
    positives, negatives = np.flatnonzero(truth == 1), np.flatnonzero(truth == 0)
    return rng.choice(positives, (resamples, len(positives))), rng.choice(negatives, (resamples, len(negatives)))


def _interval(value: float, draws: np.ndarray) -> Interval:
    low, high = np.nanpercentile(draws, [2.5, 97.5]) if np.isfinite(draws).any() else (np.nan, np.nan)
    return Interval(float(value), float(low), float(high))


@dataclass(frozen=True)
class ClinicalReport:
    positive_class: str
    temperature: float
    operating_point: OperatingPoint
    intervals: dict[str, Interval]  # auc, sensitivity, specificity, ppv, npv, ece at the operating point
    sensitivity_at_specificity: dict[str, Interval]
    specificity_at_sensitivity: dict[str, Interval]
    net_benefit: dict

    def to_dict(self) -> dict:
        data = asdict(self)
        data["ece"] = data["intervals"].pop("ece")
        data["auc_ci"] = data["intervals"].pop("auc")
        return data


def clinical_report(
    val_probabilities: np.ndarray,
    val_labels: np.ndarray,
    test_probabilities: np.ndarray,
    test_labels: np.ndarray,
    class_names: list[str],
    positive: int,
    rule: str = "youden",
    target: float = 0.9,
    temperature: float | None = None,
    threshold: float | None = None,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> ClinicalReport:
    """Temperature and threshold from validation (or as stored with the model), every figure on test with CIs."""
    if temperature is None:
        temperature = fit_temperature(val_probabilities, val_labels)
    val = apply_temperature(val_probabilities, temperature)
    test = apply_temperature(test_probabilities, temperature)
    if threshold is None:
        threshold = choose_threshold(*one_vs_rest(val, val_labels, positive), rule, target)
    # a threshold of one class may be None when validation lacked it: choose_threshold then refuses clearly
    scores, truth = one_vs_rest(test, test_labels, positive)
    point = operating_point(scores, truth, threshold, rule_name(rule, target))
    pos_idx, neg_idx = stratified_resamples(truth, resamples, seed)
    pos, neg = scores[pos_idx], scores[neg_idx]
    tp, fp = (pos >= threshold).sum(axis=1), (neg >= threshold).sum(axis=1)
    tn, fn = neg.shape[1] - fp, pos.shape[1] - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        draws = {
            "sensitivity": tp / (tp + fn),
            "specificity": tn / (tn + fp),
            "ppv": np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), np.nan),
            "npv": np.where(tn + fn > 0, tn / np.maximum(tn + fn, 1), np.nan),
        }
    rows = np.concatenate([pos_idx, neg_idx], axis=1)
    confidence, correct = test.max(axis=1), test.argmax(axis=1) == test_labels
    intervals = {name: _interval(getattr(point, name), draws[name]) for name in draws}
    intervals["auc"] = _interval(auc_rows(scores[truth == 1][None], scores[truth == 0][None])[0], auc_rows(pos, neg))
    intervals["ece"] = _interval(ece(test, test_labels), ece_rows(confidence[rows], correct[rows]))
    neg_sorted, pos_sorted = np.sort(neg, axis=1), np.sort(pos, axis=1)
    sens_at = {
        str(level): _interval(
            sensitivity_at_specificity(scores, truth, level), sens_at_spec_rows(neg_sorted, pos, level)
        )
        for level in LEVELS
    }
    spec_at = {
        str(level): _interval(
            specificity_at_sensitivity(scores, truth, level), spec_at_sens_rows(pos_sorted, neg, level)
        )
        for level in LEVELS
    }
    return ClinicalReport(
        class_names[positive], temperature, point, intervals, sens_at, spec_at, net_benefit(scores, truth)
    )


# --- what a stored model carries, and what `evaluate` prints --------------------------------------------------


def decision_settings(val_probabilities: np.ndarray, val_labels: np.ndarray, rule: str = "youden") -> dict:
    """Fitted once on validation and stored with the model: the temperature and, per class (one against the
    rest), the threshold every later figure uses. A class missing from validation gets no threshold."""
    temperature = fit_temperature(val_probabilities, val_labels)
    calibrated = apply_temperature(val_probabilities, temperature)
    thresholds = []
    for positive in range(calibrated.shape[1]):
        try:
            thresholds.append(choose_threshold(*one_vs_rest(calibrated, val_labels, positive), rule))
        except MedLensError:
            thresholds.append(None)
    return {"temperature": temperature, "rule": rule, "thresholds": thresholds}


def report_for(
    decision: dict | None, val_probabilities, val_labels, test_probabilities, test_labels, class_names, seed: int = 0
) -> dict:
    """The clinical figures of a model on test: binary models for their positive class (index 1), multi-class
    models one class against the rest each; the stored decision settings are used, or fitted when absent."""
    decision = decision or decision_settings(val_probabilities, val_labels)
    reports = {}
    classes = [1] if len(class_names) == 2 else range(len(class_names))
    for positive in classes:
        try:
            reports[class_names[positive]] = clinical_report(
                val_probabilities,
                val_labels,
                test_probabilities,
                test_labels,
                list(class_names),
                positive,
                rule=decision["rule"],
                temperature=decision["temperature"],
                threshold=decision["thresholds"][positive],
                seed=seed,
            ).to_dict()
        except MedLensError:
            continue  # a class absent from test: nothing to report for it
    if len(class_names) == 2 and reports:
        return next(iter(reports.values()))
    return {"temperature": decision["temperature"], "one_vs_rest": reports}
