"""The figures a compressed candidate is judged on, each read from a measurement: what the Pareto chart can
put on its y-axis and what the search can limit. A clinical figure of a multi-class model is the mean over
its classes (one against the rest)."""

from collections.abc import Callable
from dataclasses import dataclass

from core.compress.measure import Measurement
from core.registry import Registry


@dataclass(frozen=True)
class Figure:
    title: str
    read: Callable[[Measurement], float | None]
    higher_is_better: bool = True
    change_word: str = "drop"  # how a worse value is named: "drop" for accuracy, "rise" for ECE
    in_points: bool = False  # a share a person reads in percentage points (accuracy, sensitivity)

    def value(self, measurement: Measurement) -> float | None:
        return self.read(measurement)

    def goodness(self, measurement: Measurement) -> float | None:
        """The value with higher always better, whichever way the figure runs."""
        value = self.value(measurement)
        return None if value is None else (value if self.higher_is_better else -value)

    def worsening(self, candidate: Measurement, original: Measurement) -> float | None:
        """How much worse the candidate is than the original (positive = worse), or None when either lacks it."""
        ours, theirs = self.value(candidate), self.value(original)
        if ours is None or theirs is None:
            return None
        return theirs - ours if self.higher_is_better else ours - theirs


def _clinical(*path: str) -> Callable[[Measurement], float | None]:
    def read(measurement: Measurement) -> float | None:
        clinical = measurement.clinical or {}
        reports = list(clinical["one_vs_rest"].values()) if "one_vs_rest" in clinical else [clinical]
        values = []
        for report in reports:
            for key in path:
                report = report.get(key) if isinstance(report, dict) else None
            if isinstance(report, int | float):
                values.append(float(report))
        return sum(values) / len(values) if values else None

    return read


FIGURES: Registry[Figure] = Registry("candidate figure")
FIGURES.add("accuracy", "test accuracy")(Figure("test accuracy", lambda m: m.test_accuracy, in_points=True))
FIGURES.add("auc", "test AUC")(Figure("test AUC", lambda m: m.test_auc))
FIGURES.add("sens_at_95_spec", "sensitivity at 95 % specificity")(
    Figure(
        "sensitivity at 95 % specificity",
        _clinical("sensitivity_at_specificity", "0.95", "value"),
        in_points=True,
    )
)
FIGURES.add("ece", "expected calibration error (after the candidate's own temperature)")(
    Figure("ECE (calibrated)", _clinical("ece", "value"), higher_is_better=False, change_word="rise")
)
FIGURES.add("agreement", "share of test images where the candidate's answer equals the original's")(
    Figure("agreement with the original", lambda m: m.agreement)
)
