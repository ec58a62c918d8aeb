"""Gradient methods: Grad-CAM (Selvaraju et al., ICCV 2017), Integrated Gradients (Sundararajan et al.,
ICML 2017), vanilla saliency (Simonyan et al., 2014) and SmoothGrad (Smilkov et al., 2017).

They read the Keras model's gradients, so they cannot explain a TFLite file.
"""

import numpy as np
from scipy.ndimage import gaussian_filter

from core.errors import MedLensError
from core.explain.base import ExplainMethod, register
from core.params import Param


def last_conv_layer(model) -> str:
    """The last layer with a spatial (N, H, W, C) output: where Grad-CAM looks by default."""
    for layer in reversed(model.layers):
        shape = getattr(layer, "output_shape", None)
        if isinstance(shape, tuple) and len(shape) == 4 and "conv" in type(layer).__name__.lower():
            return layer.name
    raise MedLensError("Grad-CAM needs a convolution layer, and this model has none.")


def conv_layer_names(model) -> list[str]:
    return [layer.name for layer in model.layers if "conv" in type(layer).__name__.lower()]


def _gradients(model, inputs: np.ndarray, targets: np.ndarray, batch: int = 128) -> np.ndarray:
    from core.runtime.shared_model import shared

    return shared(model).input_gradients(inputs, targets, batch)


def gradcam(predictor, inputs, targets, params, context):
    import tensorflow as tf

    model = predictor.require_keras("Grad-CAM")
    name = last_conv_layer(model) if params["layer"] == "auto" else params["layer"]
    try:
        layer = model.get_layer(name)
    except ValueError:
        names = ", ".join(conv_layer_names(model))
        raise MedLensError(f"This model has no layer {name!r}; choose one of {names}.") from None
    from core.runtime.shared_model import shared

    activations, grads = shared(model).layer_gradients(inputs, targets, layer.name)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * activations, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, inputs.shape[1:3], method="bilinear")[..., 0].numpy()
    peak = cam.reshape(len(cam), -1).max(axis=1).reshape(-1, 1, 1)
    return (cam / np.where(peak > 0, peak, 1.0)).astype(np.float32), {}


def ig_baseline(inputs: np.ndarray, kind: str) -> np.ndarray:
    if kind == "black":
        return np.zeros_like(inputs)
    if kind == "mean":
        return np.broadcast_to(inputs.mean(axis=(1, 2, 3), keepdims=True), inputs.shape).astype(np.float32)
    sigma = max(inputs.shape[1] / 8.0, 1.0)
    return np.stack([gaussian_filter(image, sigma=(sigma, sigma, 0)) for image in inputs]).astype(np.float32)


def integrated_gradients(predictor, inputs, targets, params, context):
    model = predictor.require_keras("Integrated Gradients")
    steps = params["steps"]
    alphas = np.linspace(0.0, 1.0, steps + 1, dtype=np.float32).reshape(-1, 1, 1, 1)
    baselines = ig_baseline(inputs, params["baseline"])
    maps = []
    for image, baseline, target in zip(inputs, baselines, targets, strict=True):
        path = baseline + alphas * (image - baseline)
        grads = _gradients(model, path, np.full(len(path), target))
        average = (grads[:-1] + grads[1:]).mean(axis=0) / 2.0  # trapezoid rule
        maps.append(((image - baseline) * average).sum(axis=-1))
    return np.stack(maps).astype(np.float32), {}


def saliency(predictor, inputs, targets, params, context):
    model = predictor.require_keras("Saliency")
    samples, sigma = params["samples"], params["noise"]
    if samples <= 1 or sigma == 0:
        grads = _gradients(model, inputs, targets)
        return np.abs(grads).max(axis=-1).astype(np.float32), {}
    rng = np.random.default_rng(context.seed)
    maps = []
    for image, target in zip(inputs, targets, strict=True):
        noisy = image + rng.normal(0.0, sigma, size=(samples, *image.shape)).astype(np.float32)
        grads = _gradients(model, noisy, np.full(samples, target))
        maps.append(np.abs(grads).max(axis=-1).mean(axis=0))
    return np.stack(maps).astype(np.float32), {}


register(
    ExplainMethod(
        "gradcam",
        "Grad-CAM",
        (Param("layer", "text", "auto", help="Convolution layer to look at; auto takes the last one."),),
        gradcam,
        needs_gradients=True,
        batchable=True,
        note=(
            "**Grad-CAM** shows which regions of the last convolution layer's view pushed the prediction "
            "towards the class. It is coarse (the last layer sees the image at low resolution) and shows "
            "only supporting evidence, never what argued against."
        ),
    )
)
register(
    ExplainMethod(
        "integrated_gradients",
        "Integrated Gradients",
        (
            Param("steps", "int", 32, 4, 256, help="Points on the path from the baseline to the image."),
            Param("baseline", "choice", "black", choices=("black", "blurred", "mean"), help="The blank image."),
        ),
        integrated_gradients,
        needs_gradients=True,
        batchable=True,
        note=(
            "**Integrated Gradients** adds up, pixel by pixel, how the prediction changes as the image fades "
            "in from a blank baseline. Its answer depends on that baseline: a black baseline cannot credit "
            "black pixels."
        ),
    )
)
register(
    ExplainMethod(
        "saliency",
        "Saliency / SmoothGrad",
        (
            Param("samples", "int", 1, 1, 100, help="1: vanilla saliency; more: SmoothGrad."),
            Param("noise", "float", 0.1, 0.0, 0.5, help="Noise level for SmoothGrad, as a share of the pixel range."),
        ),
        saliency,
        needs_gradients=True,
        batchable=lambda settings: settings["samples"] <= 1 or settings["noise"] == 0,  # SmoothGrad draws noise
        note=(
            "**Saliency** shows where a tiny change in a pixel would change the prediction most. Raw "
            "gradients are noisy; **SmoothGrad** averages them over noisy copies of the image. Sensitivity is "
            "not the same as evidence."
        ),
    )
)
