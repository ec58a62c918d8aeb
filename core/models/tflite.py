"""Running a TFLite file: LiteRT's interpreter behind a batched, thread-safe runner, and an adapter that lets a
TFLite model stand wherever the code only predicts with a Keras model (``predict_proba``, ``evaluate``)."""

import statistics
import threading
import time
import warnings

import numpy as np

from core.data.dataset import to_float

LATENCY_RUNS = 50


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
        self._lock = threading.Lock()  # one interpreter, one invoke at a time: a cached runner serves many sessions

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
        with self._lock:
            for start in range(0, len(inputs), batch_size):
                chunk = np.asarray(inputs[start : start + batch_size], dtype=np.float32)
                self._resize(len(chunk))
                self.interpreter.set_tensor(self.input["index"], self._encode(chunk))
                self.interpreter.invoke()
                outputs.append(self._decode(self.interpreter.get_tensor(self.output["index"])))
        if not outputs:
            return np.zeros((0, int(self.output["shape"][-1])), np.float32)
        return np.concatenate(outputs)

    def latency_ms(self, image: np.ndarray, runs: int = LATENCY_RUNS) -> float:
        """Median wall time of one single-image inference, after warm-up."""
        with self._lock:
            return self._latency_ms(image, runs)

    def _latency_ms(self, image: np.ndarray, runs: int) -> float:
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


class TFLiteModel:
    """A TFLite file with the few attributes prediction reads from a Keras model: ``input_shape``,
    ``output_shape`` (batch dimension None) and a call on float32 inputs. It has no weights to train."""

    def __init__(self, flatbuffer: bytes) -> None:
        self.flatbuffer = flatbuffer
        self.runner = TFLiteRunner(flatbuffer)
        self.input_shape = (None, *(int(d) for d in self.runner.input["shape"][1:]))
        self.output_shape = (None, int(self.runner.output["shape"][-1]))

    def __call__(self, inputs, training: bool = False) -> np.ndarray:
        return self.runner.predict_float(np.asarray(inputs, dtype=np.float32))

    def forward(self, inputs: np.ndarray, batch_size: int = 256, prepare=np.asarray) -> np.ndarray:
        """Outputs for ``prepare`` of ``inputs``, as ``SharedModel.forward`` gives a Keras model's (the runner
        takes its own lock per invoke)."""
        if len(inputs) == 0:
            return np.zeros((0, self.output_shape[-1]), dtype=np.float32)
        prepared = [
            np.asarray(prepare(inputs[s : s + batch_size]), np.float32) for s in range(0, len(inputs), batch_size)
        ]
        return np.concatenate([self.runner.predict_float(batch, batch_size) for batch in prepared], axis=0)
