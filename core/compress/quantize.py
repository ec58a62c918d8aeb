"""Quantization: TFLite export (float32, dynamic range, float16, full int8) and quantization-aware training.

Full-integer int8 is calibrated on a seeded sample of the training split (Jacob et al.,
CVPR 2018); QAT (the ``qat`` step) trains with simulated int8 rounding so the export
loses less. After pruning or clustering, QAT can preserve their zeros and shared values
(tfmot's collaborative optimisation schemes).
"""

from collections.abc import Callable

import numpy as np

from core.compress.finetune import FINE_TUNING, StepContext, clone, fine_tune
from core.compress.steps import Param, StepKind, register
from core.data.dataset import Dataset, to_float
from core.errors import MedLensError
from core.runtime.shared_model import shared

EXPORT_MODES = ("float32", "dynamic", "float16", "int8")
CALIBRATION_IMAGES = 256


def representative_images(dataset: Dataset, count: int = CALIBRATION_IMAGES, seed: int = 0) -> np.ndarray:
    images = dataset.images("train")
    picks = np.random.default_rng(seed).choice(len(images), size=min(count, len(images)), replace=False)
    return to_float(images[np.sort(picks)])


CALIBRATION_REPORT_EVERY = 10


def to_tflite(
    model,
    mode: str,
    dataset: Dataset | None = None,
    int8_io: bool = False,
    seed: int = 0,
    on_calibrate: Callable[[int, int], None] | None = None,
) -> bytes:
    """The model as a TFLite flatbuffer in ``mode``; int8 needs ``dataset`` for calibration, and reports
    ``on_calibrate(done, total)`` as the converter reads its calibration images (the long part of an int8 export)."""
    import tensorflow as tf

    if mode not in EXPORT_MODES:
        raise MedLensError(f"Unknown export mode {mode!r}; choose one of {', '.join(EXPORT_MODES)}.")
    converter = tf.lite.TFLiteConverter.from_keras_model(shared(model).keras)  # it traces only in convert()
    if mode != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        if dataset is None:
            raise MedLensError("int8 export needs training images to calibrate on.")
        samples = representative_images(dataset, seed=seed)

        def representative():
            for done, image in enumerate(samples):
                if on_calibrate is not None and done % CALIBRATION_REPORT_EVERY == 0:
                    on_calibrate(done, len(samples))
                yield [image[np.newaxis]]

        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if int8_io:
            converter.inference_input_type = tf.int8
            converter.inference_output_type = tf.int8
    try:
        return shared(model).export(lambda _: converter.convert())  # never beside another thread's call of it
    except Exception as error:  # the converter raises ConverterError and friends
        first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        raise MedLensError(f"This model could not be converted to TFLite ({mode}): {first}") from error


def qat(model, dataset: Dataset, params: dict, context: StepContext):
    import tensorflow_model_optimization as tfmot

    quantization = tfmot.quantization.keras
    schemes = {
        "none": lambda: quantization.default_8bit.Default8BitQuantizeScheme(),
        "sparsity": lambda: tfmot.experimental.combine.Default8BitPrunePreserveQuantizeScheme(),
        "clusters": lambda: tfmot.experimental.combine.Default8BitClusterPreserveQuantizeScheme(preserve_sparsity=True),
    }
    context.report("quantization-aware training")
    try:
        annotated = quantization.quantize_annotate_model(clone(model))
        with quantization.quantize_scope():
            quantized = quantization.quantize_apply(annotated, schemes[params["preserve"]]())
    except (ValueError, RuntimeError) as error:
        raise MedLensError(f"Quantization-aware training does not support this model: {str(error)[:200]}") from error
    return fine_tune(quantized, dataset, params, context)


def export_step(model, dataset: Dataset, params: dict, context: StepContext) -> bytes:
    context.report(f"exporting to TFLite ({params['mode']})")

    def calibrating(done: int, total: int) -> None:
        context.report(f"calibrating int8 on training images: {done} of {total}")

    return to_tflite(model, params["mode"], dataset, params["int8_io"], context.seed, calibrating)


register(
    StepKind(
        name="qat",
        title="Quantization-aware training",
        params=(
            Param(
                "preserve",
                "choice",
                "none",
                choices=("none", "sparsity", "clusters"),
                help="Keep the zeros (after pruning) or shared values (after clustering) while training.",
            ),
            Param("epochs", "int", 1, 1, 20),
            Param("learning_rate", "float", 1e-4, 1e-6, 1e-2, scale="log"),
            *FINE_TUNING,
        ),
        apply=qat,
        export_modes=("int8", "dynamic"),  # it rehearses integer rounding: a float export would waste it
        note=(
            "**Quantization-aware training** rehearses the 8-bit rounding during a short training, so "
            "the network learns to live with it; it usually wins back part of what plain int8 loses."
        ),
    )
)

register(
    StepKind(
        name="export",
        title="Export to TFLite",
        params=(
            Param(
                "mode",
                "choice",
                "float32",
                choices=EXPORT_MODES,
                help="float32 keeps full precision; dynamic and float16 shrink weights; "
                "int8 shrinks weights and activations.",
            ),
            Param(
                "int8_io",
                "bool",
                False,
                help="int8 only: the model also takes and returns int8 (for microcontrollers).",
            ),
        ),
        apply=export_step,
        export=True,
        note=(
            "**Quantization** stores each weight in fewer bits: float16 halves the file, int8 quarters it. "
            "int8 also computes in integers, which is fast on ordinary CPUs; it needs a few hundred "
            "training images to calibrate the ranges, and usually costs under a point of accuracy."
        ),
    )
)
