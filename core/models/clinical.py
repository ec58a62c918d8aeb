"""Figures a clinician reads: an operating point chosen on validation, sensitivity and specificity at fixed
levels, calibration (quantile-bin ECE, temperature scaling) and net benefit, each with a bootstrap 95 % CI.

Pure functions over labels and probabilities, vectorised over resamples (no Python loop per resample). A
score is "positive" at threshold ``t`` when ``score >= t``. Multi-class models are read one class against the
rest. References: Youden, Cancer 1950 (J index); Guo et al., ICML 2017 (temperature scaling); Vickers & Elkin,
Med Decis Making 2006 (decision curves); Efron & Tibshirani 1993 (percentile bootstrap, stratified by class).
"""

import itertools
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import rankdata

from core.errors import MedLensError

RULES = ("youden", "sensitivity", "specificity")  # Youden's J, or the best threshold reaching a target
LEVELS = (0.9, 0.95)
RESAMPLES = 1000
ECE_BINS = 10


@dataclass(frozen=True)
class Interval:
    value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class OperatingPoint:
    rule: str  # "youden", "sensitivity>=0.9", "specificity>=0.95"
    threshold: float
    sensitivity: float
    specificity: float
    ppv: float
    npv: float


# --- point figures --------------------------------------------------------------------------------------------


def one_vs_rest(probabilities: np.ndarray, labels: np.ndarray, positive: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores for class ``positive`` and 0/1 truth; refuses a split without both outcomes."""
    scores, truth = np.asarray(probabilities)[:, positive], (np.asarray(labels) == positive).astype(np.int8)
    if truth.min() == truth.max():
        raise MedLensError("This split holds only one outcome for the class; clinical figures need both.")
    return scores, truth


def confusion_at(scores: np.ndarray, truth: np.ndarray, threshold: float) -> tuple[int, int, int, int]:
    """(TP, FP, TN, FN) when ``score >= threshold`` is called positive."""
    called = scores >= threshold
    positive = truth == 1
    return (
        int(np.sum(called & positive)),
        int(np.sum(called & ~positive)),
        int(np.sum(~called & ~positive)),
        int(np.sum(~called & positive)),
    )


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b else float("nan")


def operating_point(scores: np.ndarray, truth: np.ndarray, threshold: float, rule: str) -> OperatingPoint:
    tp, fp, tn, fn = confusion_at(scores, truth, threshold)
    return OperatingPoint(
        rule, float(threshold), _ratio(tp, tp + fn), _ratio(tn, tn + fp), _ratio(tp, tp + fp), _ratio(tn, tn + fn)
    )


def choose_threshold(scores: np.ndarray, truth: np.ndarray, rule: str = "youden", target: float = 0.9) -> float:
    """The decision threshold by a named rule, on the split given (validation, never test); a tie goes to the
    highest threshold (fewest false alarms)."""
    if rule not in RULES:
        raise MedLensError(f"Unknown operating-point rule {rule!r}; choose one of {', '.join(RULES)}.")
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], truth[order]
    last_of_value = np.r_[np.diff(ranked) != 0, True]  # ">= t" takes every score equal to t
    candidates = ranked[last_of_value]  # descending
    sensitivity = np.cumsum(hits)[last_of_value] / max(int(truth.sum()), 1)
    specificity = 1.0 - np.cumsum(1 - hits)[last_of_value] / max(int((truth == 0).sum()), 1)
    if rule == "youden":
        return float(candidates[int(np.argmax(sensitivity + specificity - 1.0))])
    reach = sensitivity >= target if rule == "sensitivity" else specificity >= target
    if not reach.any():
        raise MedLensError(f"No threshold reaches {rule} {target:.0%} on this split.")
    # the best other figure among the thresholds that reach the target
    other = np.where(reach, specificity if rule == "sensitivity" else sensitivity, -1.0)
    return float(candidates[int(np.argmax(other))])


def rule_name(rule: str, target: float) -> str:
    return "youden" if rule == "youden" else f"{rule}>={target:g}"


def _sens_at_spec(neg_sorted: np.ndarray, pos: np.ndarray, level: float) -> np.ndarray:
    """Rows of resamples: negatives sorted ascending (B, n0), positives (B, n1) -> (B,) sensitivity."""
    k = int(np.ceil(level * neg_sorted.shape[1]))
    cut = neg_sorted[:, k - 1 : k]  # at least k negatives score <= cut: specificity >= level
    return (pos > cut).mean(axis=1)


def _spec_at_sens(pos_sorted: np.ndarray, neg: np.ndarray, level: float) -> np.ndarray:
    m = int(np.ceil(level * pos_sorted.shape[1]))
    cut = pos_sorted[:, pos_sorted.shape[1] - m : pos_sorted.shape[1] - m + 1]  # the m-th largest positive
    return (neg < cut).mean(axis=1)


def sensitivity_at_specificity(scores: np.ndarray, truth: np.ndarray, level: float) -> float:
    return float(_sens_at_spec(np.sort(scores[truth == 0])[None], scores[truth == 1][None], level)[0])


def specificity_at_sensitivity(scores: np.ndarray, truth: np.ndarray, level: float) -> float:
    return float(_spec_at_sens(np.sort(scores[truth == 1])[None], scores[truth == 0][None], level)[0])


def _auc_rows(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of each row (ties count a half), from ranks of the pooled row."""
    ranks = rankdata(np.concatenate([pos, neg], axis=1), axis=1)
    n1, n0 = pos.shape[1], neg.shape[1]
    return (ranks[:, :n1].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def _ece_rows(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> np.ndarray:
    """Expected calibration error with equal-count (quantile) bins, per row."""
    order = np.argsort(confidence, axis=1, kind="stable")
    conf = np.take_along_axis(confidence, order, axis=1)
    hit = np.take_along_axis(correct, order, axis=1).astype(np.float64)
    n = conf.shape[1]
    edges = np.linspace(0, n, min(bins, n) + 1).round().astype(int)
    total = np.zeros(conf.shape[0])
    for start, stop in itertools.pairwise(edges):
        if stop > start:
            gap = np.abs(hit[:, start:stop].mean(axis=1) - conf[:, start:stop].mean(axis=1))
            total += gap * (stop - start) / n
    return total


def ece(probabilities: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    return float(_ece_rows(confidence[None], correct[None], bins)[0])


# --- calibration ----------------------------------------------------------------------------------------------


def _logits(probabilities: np.ndarray) -> np.ndarray:
    return np.log(np.clip(probabilities, 1e-12, 1.0))


def apply_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Softmax of the logits divided by ``temperature``: >1 softens overconfident outputs, <1 sharpens."""
    scaled = _logits(np.asarray(probabilities, np.float64)) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising validation negative log-likelihood (Guo et al. 2017)."""
    labels = np.asarray(labels, dtype=np.int64)

    def nll(temperature: float) -> float:
        calibrated = apply_temperature(probabilities, temperature)
        return float(-np.mean(np.log(np.clip(calibrated[np.arange(len(labels)), labels], 1e-12, 1.0))))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


# --- decision curve -------------------------------------------------------------------------------------------


def net_benefit(scores: np.ndarray, truth: np.ndarray, thresholds: np.ndarray | None = None) -> dict:
    """Net benefit of acting on ``score >= t`` against treating everyone and no one (which is 0)."""
    thresholds = np.round(np.arange(0.05, 0.951, 0.05), 2) if thresholds is None else np.asarray(thresholds)
    n = len(truth)
    called = scores[None, :] >= thresholds[:, None]
    tp = (called & (truth == 1)).sum(axis=1) / n
    fp = (called & (truth == 0)).sum(axis=1) / n
    odds = thresholds / (1.0 - thresholds)
    prevalence = truth.mean()
    return {
        "thresholds": thresholds.tolist(),
        "model": (tp - fp * odds).tolist(),
        "treat_all": (prevalence - (1.0 - prevalence) * odds).tolist(),
        "treat_none": [0.0] * len(thresholds),
    }


# --- bootstrap ------------------------------------------------------------------------------------------------


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
    intervals["auc"] = _interval(_auc_rows(scores[truth == 1][None], scores[truth == 0][None])[0], _auc_rows(pos, neg))
    intervals["ece"] = _interval(ece(test, test_labels), _ece_rows(confidence[rows], correct[rows]))
    neg_sorted, pos_sorted = np.sort(neg, axis=1), np.sort(pos, axis=1)
    sens_at = {
        str(level): _interval(sensitivity_at_specificity(scores, truth, level), _sens_at_spec(neg_sorted, pos, level))
        for level in LEVELS
    }
    spec_at = {
        str(level): _interval(specificity_at_sensitivity(scores, truth, level), _spec_at_sens(pos_sorted, neg, level))
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
