"""The comparisons the Explain page shows for one image, as plain results: several methods' maps, how much
they agree, how faithful each is against a random order, and the model-randomisation sanity check.

The page only draws these; the CLI and notebooks get the same numbers from here.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.compute.config import ComputeConfig
from core.compute.executor import Sweep, TrialContext
from core.compute.run import run_trials
from core.errors import MedLensError
from core.explain import faithfulness
from core.explain.base import METHODS
from core.explain.compare import rank_correlation, top_k_iou
from core.explain.predictor import Predictor
from core.explain.service import explain
from core.explain.shipping import ExplainInputs


@dataclass(frozen=True)
class MethodMaps:
    maps: dict[str, np.ndarray]  # method name -> (H, W) map
    failures: dict[str, str]  # method name -> why it could not run here


def explain_methods(predictor: Predictor, image: np.ndarray, target: int, methods, seed: int, background) -> MethodMaps:
    """Each method's map of ``image`` (uint8 HWC) for class ``target``; a method that cannot run is reported."""
    maps, failures = {}, {}
    for name in methods:
        try:
            maps[name] = explain(predictor, image[np.newaxis], name, None, np.array([target]), seed, background).maps[0]
        except MedLensError as error:
            failures[name] = str(error)
    return MethodMaps(maps, failures)


def agreement_rows(maps: dict[str, np.ndarray]) -> list[dict]:
    """Every pair of methods: rank correlation and overlap of their top 10 % regions."""
    names = list(maps)
    return [
        {
            "method": METHODS.get(a).title,
            "compared with": METHODS.get(b).title,
            "rank correlation": round(rank_correlation(maps[a], maps[b]), 3),
            "top-10% overlap (IoU)": round(top_k_iou(maps[a], maps[b]), 3),
        }
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]


@dataclass(frozen=True)
class Faithfulness:
    curves: dict[str, faithfulness.Curves]  # method title (and "random order") -> curves
    rows: list[dict]  # best first: deletion AUC, insertion AUC, whether it beats the random order


def faithfulness_of(predictor: Predictor, image: np.ndarray, target: int, maps: dict, seed: int) -> Faithfulness:
    x = image.astype(np.float32) / 255.0
    curves = {
        METHODS.get(n).title: faithfulness.curves(predictor, x, target, faithfulness.attribution_order(m, seed))
        for n, m in maps.items()
    }
    chance = faithfulness.curves(predictor, x, target, faithfulness.random_order(image.shape[0] * image.shape[1], seed))
    scores = {
        name: faithfulness.FaithfulnessScore(c.deletion_auc, c.insertion_auc, chance.deletion_auc, chance.insertion_auc)
        for name, c in curves.items()
    }
    curves["random order"] = chance
    rows = [
        {
            "method": name,
            "deletion AUC": round(curves[name].deletion_auc, 4),
            "insertion AUC": round(curves[name].insertion_auc, 4),
            "beats random": score.passes if name in scores else False,
        }
        for name, score in sorted(
            {**scores, "random order": None}.items(),
            key=lambda item: curves[item[0]].deletion_auc - curves[item[0]].insertion_auc,
        )
    ]
    return Faithfulness(curves, rows)


def sanity_rows(predictor: Predictor, image: np.ndarray, target: int, maps: dict, seed: int, background) -> list[dict]:
    """Rank correlation of each map with the same method's map of a randomised copy (near 0 passes)."""
    predictor.require_keras("The randomisation check")
    scrambled = Predictor(faithfulness.randomised_copy(predictor.keras, seed))
    rows = []
    for name, original in maps.items():
        other = explain(scrambled, image[np.newaxis], name, None, np.array([target]), seed, background).maps
        correlation = faithfulness.randomisation_check(original[np.newaxis], other)
        rows.append(
            {"method": METHODS.get(name).title, "rank correlation with the randomised model": round(correlation, 3)}
        )
    return rows


@dataclass(frozen=True)
class GalleryTrial:
    """One image of a gallery: its map (the method and settings are the trial's, the images are shared)."""

    method: str
    settings: dict

    def __call__(self, index: int, shared: ExplainInputs, context: TrialContext) -> np.ndarray:
        target = None if shared.targets is None else shared.targets[index : index + 1]
        image = shared.picks[index : index + 1]
        return explain(shared.predictor(), image, self.method, self.settings, target, shared.seed).maps[0]


def explain_batch(
    predictor: Predictor,
    images: np.ndarray,
    targets: np.ndarray | None,
    method: str,
    settings: dict,
    seed: int,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    compute: ComputeConfig | None = None,
) -> np.ndarray:
    """(N, H, W) maps of a gallery of images, one trial per image on the ``compute`` executor (progress per
    image, cancel between images); ``targets`` None explains each image's predicted class."""
    if len(images) == 0:
        return np.zeros((0, *images.shape[1:3]), np.float32)
    compute = compute or ComputeConfig()
    shared = ExplainInputs(predictor, images, targets, None, seed).for_executor(compute)
    labels = [f"image {i + 1} of {len(images)}" for i in range(len(images))]
    sweep = Sweep(
        GalleryTrial(method, settings), list(range(len(images))), shared, labels, "The gallery was cancelled."
    )
    return np.stack(run_trials(sweep, compute, on_progress=on_progress, should_stop=should_stop))
