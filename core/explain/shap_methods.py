"""SHAP (Lundberg & Lee, NeurIPS 2017): Partition with an image masker (model-agnostic, so TFLite
files too), GradientExplainer (expected gradients) and DeepExplainer (DeepLIFT-style, where the
model's operations allow it)."""

import numpy as np

from core.errors import MedLensError
from core.explain.base import ExplainMethod, register
from core.params import Param

BACKGROUND_IMAGES = 32


def background(inputs: np.ndarray, context) -> np.ndarray:
    """Reference images: the context's training sample when there is one, else blurred copies of the inputs."""
    from scipy.ndimage import gaussian_filter

    if context.background is not None:
        return context.background
    rng = np.random.default_rng(context.seed)
    picks = rng.choice(len(inputs), size=BACKGROUND_IMAGES, replace=True)
    sigma = max(inputs.shape[1] / 6.0, 1.0)
    return np.stack([gaussian_filter(inputs[i], sigma=(sigma, sigma, 0)) for i in picks]).astype(np.float32)


def partition(predictor, inputs, targets, params, context):
    import shap

    masker_kind = "blur(5,5)" if params["masker"] == "blur" else "inpaint_telea"
    masker = shap.maskers.Image(masker_kind, inputs.shape[1:])
    explainer = shap.Explainer(lambda x: predictor(x), masker, algorithm="partition", seed=context.seed)
    maps = []
    for image, target in zip(inputs, targets, strict=True):
        values = explainer(
            image[np.newaxis],
            max_evals=params["max_evals"],
            batch_size=params["batch_size"],
            outputs=[int(target)],
            silent=True,
        ).values
        maps.append(np.asarray(values)[0, ..., 0].sum(axis=-1))
    return np.stack(maps).astype(np.float32), {}


def _pick_target(values, targets: np.ndarray) -> np.ndarray:
    """shap returns per-class values as a list or as a trailing axis; take each image's target."""
    if isinstance(values, list):
        values = np.stack(values, axis=-1)
    values = np.asarray(values)
    return np.stack([values[i, ..., int(t)] for i, t in enumerate(targets)]).sum(axis=-1)


def gradient(predictor, inputs, targets, params, context):
    import shap

    model = predictor.require_keras("SHAP Gradient")
    reference = background(inputs, context)
    explainer = shap.GradientExplainer(model, reference, batch_size=params["batch_size"])
    values = explainer.shap_values(inputs, nsamples=params["samples"], rseed=context.seed)
    return _pick_target(values, targets).astype(np.float32), {}


def deep(predictor, inputs, targets, params, context):
    import shap

    model = predictor.require_keras("SHAP Deep")
    reference = background(inputs, context)
    try:
        explainer = shap.DeepExplainer(model, reference)
        values = explainer.shap_values(inputs, check_additivity=False)
    except Exception as error:  # shap's TF graph surgery fails on ops it does not know
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise MedLensError(
            f"SHAP Deep cannot explain this model with TensorFlow {_tf_version()} ({first}); use SHAP Gradient, "
            "which answers the same question by sampling."
        ) from error
    return _pick_target(values, targets).astype(np.float32), {}


def _tf_version() -> str:
    import tensorflow as tf

    return tf.__version__


register(
    ExplainMethod(
        "shap_partition",
        "SHAP Partition",
        (
            Param("masker", "choice", "blur", choices=("blur", "inpaint"), help="How hidden regions are filled."),
            Param("max_evals", "int", 500, 50, 5000, help="Model calls per image: more is finer and slower."),
            Param("batch_size", "int", 100, 1, 1000, help="Masked images per model call."),
        ),
        partition,
        needs_gradients=False,
        note=(
            "**SHAP Partition** shares the prediction out among image regions fairly (Shapley values), hiding "
            "regions hierarchically. It works on any model; its resolution is limited by the number of "
            "evaluations, and blurred regions may still carry information."
        ),
    )
)
register(
    ExplainMethod(
        "shap_gradient",
        "SHAP Gradient",
        (
            Param("samples", "int", 100, 10, 1000, help="Samples of background image and path point."),
            Param("batch_size", "int", 50, 1, 500),
        ),
        gradient,
        needs_gradients=True,
        note=(
            "**SHAP Gradient** (expected gradients) averages Integrated Gradients over many reference images "
            "instead of one baseline. Less baseline-dependent than IG; noisier with few samples."
        ),
    )
)
register(
    ExplainMethod(
        "shap_deep",
        "SHAP Deep",
        (),
        deep,
        needs_gradients=True,
        note=(
            "**SHAP Deep** propagates contributions back through the layers (DeepLIFT rules). Fast, but it "
            "supports only some TensorFlow operations: where it cannot, MedLens says so."
        ),
    )
)
