"""Figures measured on the exported TFLite file itself: size, accuracy, AUC, latency, agreement."""

import gzip
from dataclasses import asdict, dataclass, field

import numpy as np

from core.data.dataset import Dataset
from core.models.metrics import auc_score
from core.models.tflite import TFLiteRunner


@dataclass(frozen=True)
class Measurement:
    bytes: int
    gzip_bytes: int
    params: int
    nonzero_params: int
    test_accuracy: float
    test_auc: float
    latency_ms: float
    agreement: float  # share of test images where the prediction equals the original model's
    # Read as a clinician would: this file's own temperature and operating point refit on validation, the
    # clinical figures on test with CIs, and each test image's call there (binary: 0/1; else the class).
    clinical: dict = field(default_factory=dict)
    calls: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def weight_counts(model) -> tuple[int, int]:
    """(parameters, non-zero parameters) over the model's trainable weights."""
    weights = [np.asarray(w) for w in model.trainable_weights]
    return int(sum(w.size for w in weights)), int(sum(np.count_nonzero(w) for w in weights))


def measure(flatbuffer: bytes, keras_model, dataset: Dataset, reference_predictions: np.ndarray) -> Measurement:
    """Measure ``flatbuffer`` on the test split; ``keras_model`` only supplies the parameter counts.

    Latency runs on one thread, so figures compare across machines and runs.
    """
    images, labels = dataset.images("test"), dataset.labels("test")
    runner = TFLiteRunner(flatbuffer)
    probabilities = runner.predict(images)
    predicted = probabilities.argmax(axis=1)
    params, nonzero = weight_counts(keras_model)
    clinical, calls = clinical_reading(runner.predict(dataset.images("val")), probabilities, dataset)
    return Measurement(
        bytes=len(flatbuffer),
        gzip_bytes=gzip_size(flatbuffer),
        params=params,
        nonzero_params=nonzero,
        test_accuracy=float((predicted == labels).mean()),
        test_auc=auc_score(probabilities, labels),
        latency_ms=TFLiteRunner(flatbuffer, num_threads=1).latency_ms(images[0]),
        agreement=float((predicted == reference_predictions).mean()),
        clinical=clinical,
        calls=calls,
    )


def clinical_reading(val_probabilities: np.ndarray, test_probabilities: np.ndarray, dataset: Dataset):
    """The clinical report of one exported file, its decision settings refit on validation (a compressed model
    is a new model: its temperature and threshold are its own), and its call on each test image."""
    from core.models.clinical import apply_temperature
    from core.models.clinical_report import decision_settings, report_for

    val_labels, test_labels = dataset.labels("val"), dataset.labels("test")
    decision = decision_settings(val_probabilities, val_labels)
    report = report_for(
        decision, val_probabilities, val_labels, test_probabilities, test_labels, list(dataset.class_names)
    )
    if dataset.num_classes == 2 and decision["thresholds"][1] is not None:
        calibrated = apply_temperature(test_probabilities, decision["temperature"])[:, 1]
        calls = (calibrated >= decision["thresholds"][1]).astype(int).tolist()
    else:
        calls = test_probabilities.argmax(axis=1).astype(int).tolist()
    return report, calls
