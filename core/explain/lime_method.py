"""LIME for images (Ribeiro et al., KDD 2016): fit a linear model to predictions on images with
superpixels switched off. Model-agnostic: works on TFLite files too."""

import numpy as np

from core.explain.base import ExplainMethod, register
from core.params import Param

SEGMENTERS = ("slic", "quickshift", "felzenszwalb")


def segmenter(params: dict, size: int, seed: int):
    """The chosen segmentation with its own setting; sizes scale with the image (defaults suit 28 px)."""
    from skimage.segmentation import felzenszwalb, quickshift, slic

    scale = max(size / 28.0, 1.0)
    kind = params["segmentation"]
    if kind == "slic":
        return lambda image: slic(
            image, n_segments=params["slic_segments"], compactness=params["slic_compactness"], sigma=0.5, start_label=0
        )
    if kind == "quickshift":
        kernel = params["quickshift_kernel"] * scale
        return lambda image: quickshift(image, kernel_size=kernel, max_dist=4 * kernel / 1.5, ratio=0.5, rng=seed)
    return lambda image: felzenszwalb(
        image, scale=params["felzenszwalb_scale"] * scale, sigma=0.5, min_size=int(4 * scale)
    )


def lime(predictor, inputs, targets, params, context):
    from lime.lime_image import LimeImageExplainer

    channels = inputs.shape[-1]

    def classify(batch: np.ndarray) -> np.ndarray:
        batch = batch[..., :1] if channels == 1 else batch
        return predictor(batch.astype(np.float32))

    maps, segments_all = [], []
    for image, target in zip(inputs, targets, strict=True):
        rgb = np.repeat(image, 3, axis=-1) if channels == 1 else image
        explainer = LimeImageExplainer(random_state=context.seed)
        explanation = explainer.explain_instance(
            rgb.astype(np.float64),
            classify,
            labels=(int(target),),
            top_labels=None,
            hide_color=0.0,
            num_samples=params["samples"],
            batch_size=params["batch_size"],
            segmentation_fn=segmenter(params, image.shape[0], context.seed),
            random_seed=context.seed,
        )
        weights = sorted(explanation.local_exp[int(target)], key=lambda item: -abs(item[1]))
        if params["positive_only"]:
            weights = [(segment, w) for segment, w in weights if w > 0]
        segments = explanation.segments
        attribution = np.zeros(segments.shape, np.float32)
        for segment, weight in weights[: params["features"]]:
            attribution[segments == segment] = weight
        maps.append(attribution)
        segments_all.append(segments.astype(np.int32))
    return np.stack(maps), {"segments": np.stack(segments_all)}


register(
    ExplainMethod(
        "lime",
        "LIME",
        (
            Param("segmentation", "choice", "slic", choices=SEGMENTERS, help="How the image is cut into superpixels."),
            Param("slic_segments", "int", 40, 4, 1000, help="SLIC: about how many superpixels."),
            Param("slic_compactness", "float", 10.0, 0.1, 100.0, help="SLIC: higher gives squarer superpixels."),
            Param(
                "quickshift_kernel",
                "float",
                1.5,
                0.5,
                10.0,
                help="Quickshift: kernel size (bigger, fewer superpixels).",
            ),
            Param(
                "felzenszwalb_scale", "float", 20.0, 1.0, 500.0, help="Felzenszwalb: bigger gives larger superpixels."
            ),
            Param("samples", "int", 1000, 50, 5000, help="Perturbed images the linear model is fitted on."),
            Param("features", "int", 8, 1, 100, help="Superpixels shown (the strongest)."),
            Param("positive_only", "bool", False, help="Show only superpixels that support the class."),
            Param("batch_size", "int", 250, 10, 1000, help="Perturbed images per model call."),
        ),
        lime,
        needs_gradients=False,
        note=(
            "**LIME** switches random groups of superpixels off and fits a simple linear model to how the "
            "prediction changes. The answer depends on how the image is cut up and on the random samples; "
            "run it twice with other seeds to see how stable it is."
        ),
    )
)
