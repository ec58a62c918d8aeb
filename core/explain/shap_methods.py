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


SATURATED = 0.95
"""Above this probability (or below 1 - it) blurring a region barely moves the probability, so Shapley values on
the probability scale are all tiny and one-signed; on the log-odds scale they are not."""


def log_odds(probabilities: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) per class (one against the rest), with 1 - p summed from the other classes' probabilities:
    near certainty, 1 - p in float32 is 0 while the other classes still hold a measurable 1e-9."""
    p = np.asarray(probabilities, dtype=np.float64)
    others = (p[:, None, :] * (1.0 - np.eye(p.shape[1]))[None]).sum(axis=-1)
    return (np.log(np.maximum(p, 1e-30)) - np.log(np.maximum(others, 1e-30))).astype(np.float32)


def uses_log_odds(link: str, probability: float) -> bool:
    return link == "log-odds" or (link == "auto" and not 1 - SATURATED < probability < SATURATED)


def partition(predictor, inputs, targets, params, context):
    """Shapley values of each region on the probability or, for a saturated prediction (``link`` auto), the
    log-odds scale; extras say which, with the base value (everything hidden) and the model's output, so a reader
    can check that the map adds up to output minus base."""
    import shap

    masker_kind = "blur(5,5)" if params["masker"] == "blur" else "inpaint_telea"
    masker = shap.maskers.Image(masker_kind, inputs.shape[1:])
    scales = {False: lambda x: predictor(x), True: lambda x: log_odds(predictor(x))}
    maps, bases, outputs, links = [], [], [], []
    for image, target in zip(inputs, targets, strict=True):
        logit = uses_log_odds(params["link"], float(predictor(image[np.newaxis])[0, int(target)]))
        explainer = shap.Explainer(scales[logit], masker, algorithm="partition", seed=context.seed)
        result = explainer(
            image[np.newaxis],
            max_evals=params["max_evals"],
            batch_size=params["batch_size"],
            outputs=[int(target)],
            silent=True,
        )
        maps.append(np.asarray(result.values)[0, ..., 0].sum(axis=-1))
        bases.append(float(np.asarray(result.base_values).reshape(-1)[0]))
        outputs.append(float(scales[logit](image[np.newaxis])[0, int(target)]))
        links.append(int(logit))
    extras = {"base_value": np.array(bases), "model_output": np.array(outputs), "log_odds": np.array(links)}
    return np.stack(maps).astype(np.float32), extras


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
            Param(
                "link",
                "choice",
                "auto",
                choices=("auto", "log-odds", "probability"),
                help="The scale the regions share out: auto uses log-odds when the model is saturated (above 95 % "
                "or below 5 %), where blurring a region barely moves the probability.",
            ),
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
