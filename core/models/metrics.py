"""``evaluate``: the figures a reader of a medical-imaging paper expects, in one dataclass.

AUC is binary for two classes and one-vs-rest macro otherwise (the MedMNIST
convention). Expected calibration error uses equal-width confidence bins
(Guo et al., On Calibration of Modern Neural Networks, ICML 2017).
"""

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.data.dataset import Dataset
from core.models.predict import check_compatible, predict_proba


@dataclass(frozen=True)
class ClassReport:
    name: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Calibration:
    ece: float
    bin_confidence: list[float]
    bin_accuracy: list[float | None]  # None for an empty bin
    bin_count: list[int]


@dataclass(frozen=True)
class Evaluation:
    split: str
    accuracy: float
    auc: float
    per_class: list[ClassReport]
    confusion: list[list[int]]  # rows: true class, columns: predicted
    roc: dict[str, dict[str, list[float]]]  # class name -> {"fpr": [...], "tpr": [...]}
    calibration: Calibration
    class_names: list[str]
    probabilities: np.ndarray = field(repr=False, compare=False)
    labels: np.ndarray = field(repr=False, compare=False)

    @property
    def ece(self) -> float:
        return self.calibration.ece

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures, without the per-image arrays."""
        data = asdict(self)
        data.pop("probabilities")
        data.pop("labels")
        data["ece"] = self.ece
        return data


def headline(test: Evaluation, val: Evaluation) -> dict[str, Any]:
    """The figures a stored model carries in its metadata (the sidebar and tables read them), and its decision
    settings fitted on validation (temperature, per-class thresholds) that every clinical figure then uses."""
    from core.models.clinical_report import decision_settings

    return {
        "test_accuracy": test.accuracy,
        "test_auc": test.auc,
        "test_ece": test.ece,
        "val_accuracy": val.accuracy,
        "val_auc": val.auc,
        "decision": decision_settings(val.probabilities, val.labels),
    }


def evaluate(model, dataset: Dataset, split: str = "test") -> Evaluation:
    check_compatible(model, dataset)
    probabilities = predict_proba(model, dataset.images(split))
    return evaluate_probabilities(probabilities, dataset.labels(split), list(dataset.class_names), split)


def evaluate_probabilities(
    probabilities: np.ndarray, labels: np.ndarray, class_names: list[str], split: str = "test"
) -> Evaluation:
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, roc_curve

    classes = list(range(len(class_names)))
    predicted = probabilities.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=classes, zero_division=0)
    per_class = [
        ClassReport(name, float(p), float(r), float(f), int(s))
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support, strict=True)
    ]
    roc = {}
    for index, name in enumerate(class_names):
        positives = labels == index
        if positives.any() and not positives.all():
            fpr, tpr, _ = roc_curve(positives, probabilities[:, index])
            roc[name] = {"fpr": fpr.tolist(), "tpr": tpr.tolist()}
    return Evaluation(
        split=split,
        accuracy=float((predicted == labels).mean()) if len(labels) else float("nan"),
        auc=auc_score(probabilities, labels),
        per_class=per_class,
        confusion=confusion_matrix(labels, predicted, labels=classes).tolist(),
        roc=roc,
        calibration=calibration(probabilities, labels),
        class_names=class_names,
        probabilities=probabilities,
        labels=labels,
    )


def auc_score(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Binary AUC on the positive class, else one-vs-rest macro over classes present; NaN if undefined."""
    from sklearn.metrics import roc_auc_score

    present = np.unique(labels)
    if len(present) < 2:
        return float("nan")
    if probabilities.shape[1] == 2:
        return float(roc_auc_score(labels, probabilities[:, 1]))
    scores = [roc_auc_score(labels == c, probabilities[:, c]) for c in present]
    return float(np.mean(scores))


def calibration(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> Calibration:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    bin_conf, bin_acc, bin_count, ece = [], [], [], 0.0
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        bin_count.append(count)
        if count:
            conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
            ece += count / len(labels) * abs(acc - conf)
        else:
            conf, acc = float((edges[b] + edges[b + 1]) / 2), None
        bin_conf.append(conf)
        bin_acc.append(acc)
    return Calibration(float(ece), bin_conf, bin_acc, bin_count)
