"""Figures measured on the exported TFLite file itself: size, accuracy, AUC, latency, agreement."""

import gzip
import statistics
import time
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np

from core.data.dataset import Dataset, to_float
from core.models.metrics import auc_score

LATENCY_RUNS = 50


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


def interpreter_class():
    """LiteRT's interpreter (``ai-edge-litert``, the successor of the deprecated ``tf.lite.Interpreter``);
    TensorFlow's own where LiteRT is not installed. Both give identical outputs (tested)."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        def Interpreter(**kwargs):
            with warnings.catch_warnings():  # it warns that it moves to LiteRT; it still works
                warnings.simplefilter("ignore")
                return tf.lite.Interpreter(**kwargs)

    return Interpreter


class TFLiteRunner:
    """Batched inference through the TFLite interpreter, int8 inputs/outputs handled."""

    def __init__(self, flatbuffer: bytes, num_threads: int | None = None) -> None:
        self.flatbuffer = flatbuffer
        self.interpreter = interpreter_class()(model_content=flatbuffer, num_threads=num_threads)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.batch = None

    def _resize(self, batch: int) -> None:
        if batch != self.batch:
            shape = [batch, *self.input["shape"][1:]]
            self.interpreter.resize_tensor_input(self.input["index"], shape)
            self.interpreter.allocate_tensors()
            self.batch = batch

    def _encode(self, x: np.ndarray) -> np.ndarray:
        if self.input["dtype"] == np.int8:
            scale, zero = self.input["quantization"]
            return np.clip(np.round(x / scale + zero), -128, 127).astype(np.int8)
        return x.astype(self.input["dtype"])

    def _decode(self, y: np.ndarray) -> np.ndarray:
        if self.output["dtype"] == np.int8:
            scale, zero = self.output["quantization"]
            return (y.astype(np.float32) - zero) * scale
        return y.astype(np.float32)

    def predict(self, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Probabilities for uint8 NHWC images."""
        return self.predict_float(to_float(images), batch_size)

    def predict_float(self, inputs: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Probabilities for float32 NHWC inputs in [0, 1] (the scale ``to_float`` gives)."""
        outputs = []
        for start in range(0, len(inputs), batch_size):
            chunk = np.asarray(inputs[start : start + batch_size], dtype=np.float32)
            self._resize(len(chunk))
            self.interpreter.set_tensor(self.input["index"], self._encode(chunk))
            self.interpreter.invoke()
            outputs.append(self._decode(self.interpreter.get_tensor(self.output["index"])))
        return np.concatenate(outputs)

    def latency_ms(self, image: np.ndarray, runs: int = LATENCY_RUNS) -> float:
        """Median wall time of one single-image inference, after warm-up."""
        self._resize(1)
        x = self._encode(to_float(image[np.newaxis]))
        for _ in range(5):
            self.interpreter.set_tensor(self.input["index"], x)
            self.interpreter.invoke()
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            self.interpreter.set_tensor(self.input["index"], x)
            self.interpreter.invoke()
            self.interpreter.get_tensor(self.output["index"])
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000.0


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
