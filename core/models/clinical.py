"""Figures a clinician reads: an operating point chosen on validation, sensitivity and specificity at fixed
levels, calibration (quantile-bin ECE, temperature scaling) and net benefit, each with a bootstrap 95 % CI.

Pure functions over labels and probabilities, vectorised over resamples (no Python loop per resample). A
score is "positive" at threshold ``t`` when ``score >= t``. Multi-class models are read one class against the
rest. References: Youden, Cancer 1950 (J index); Guo et al., ICML 2017 (temperature scaling); Vickers & Elkin,
Med Decis Making 2006 (decision curves); Efron & Tibshirani 1993 (percentile bootstrap, stratified by class).
"""

import itertools
from dataclasses import dataclass

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


def sens_at_spec_rows(neg_sorted: np.ndarray, pos: np.ndarray, level: float) -> np.ndarray:
    """Rows of resamples: negatives sorted ascending (B, n0), positives (B, n1) -> (B,) sensitivity."""
    k = int(np.ceil(level * neg_sorted.shape[1]))
    cut = neg_sorted[:, k - 1 : k]  # at least k negatives score <= cut: specificity >= level
    return (pos > cut).mean(axis=1)


def spec_at_sens_rows(pos_sorted: np.ndarray, neg: np.ndarray, level: float) -> np.ndarray:
    m = int(np.ceil(level * pos_sorted.shape[1]))
    cut = pos_sorted[:, pos_sorted.shape[1] - m : pos_sorted.shape[1] - m + 1]  # the m-th largest positive
    return (neg < cut).mean(axis=1)


def sensitivity_at_specificity(scores: np.ndarray, truth: np.ndarray, level: float) -> float:
    return float(sens_at_spec_rows(np.sort(scores[truth == 0])[None], scores[truth == 1][None], level)[0])


def specificity_at_sensitivity(scores: np.ndarray, truth: np.ndarray, level: float) -> float:
    return float(spec_at_sens_rows(np.sort(scores[truth == 1])[None], scores[truth == 0][None], level)[0])


def auc_rows(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC of each row (ties count a half), from ranks of the pooled row."""
    ranks = rankdata(np.concatenate([pos, neg], axis=1), axis=1)
    n1, n0 = pos.shape[1], neg.shape[1]
    return (ranks[:, :n1].sum(axis=1) - n1 * (n1 + 1) / 2) / (n1 * n0)


def ece_rows(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> np.ndarray:
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
    return float(ece_rows(confidence[None], correct[None], bins)[0])


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


@dataclass(frozen=True)
class Decision:
    positive_class: str
    probability: float  # calibrated probability of the positive class
    threshold: float
    positive: bool  # the call at the operating point


def decide(probabilities: np.ndarray, decision: dict, class_names: list[str]) -> Decision | None:
    """The call a binary model makes for one image at its stored operating point; None for multi-class
    models or a model without a stored threshold for its positive class."""
    if len(class_names) != 2 or not decision or decision["thresholds"][1] is None:
        return None
    calibrated = float(apply_temperature(np.asarray(probabilities)[None], decision["temperature"])[0, 1])
    threshold = float(decision["thresholds"][1])
    return Decision(class_names[1], calibrated, threshold, calibrated >= threshold)
