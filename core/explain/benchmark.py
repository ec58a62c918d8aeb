"""Speed and faithfulness of every method over test images: `python -m core bench explain`.

Each image is explained on its own (the median per-image time is what a user waits for),
after one warm-up image per method so TensorFlow's tracing is not counted; caching is off
except for the final repeated-request timing.
"""

import statistics
import time
from dataclasses import dataclass

import numpy as np

from core.compute.config import ComputeConfig
from core.compute.executor import Sweep, TrialContext
from core.compute.run import run_trials
from core.data.dataset import Dataset, to_float
from core.explain import faithfulness
from core.explain.base import METHODS
from core.explain.predictor import Predictor
from core.explain.service import explain, training_background
from core.explain.shipping import ExplainInputs

# The settings the figures name: IG 32 steps, SHAP Partition 500 evaluations, LIME 1000 samples.
BENCH_SETTINGS = {
    "gradcam": {},
    "integrated_gradients": {"steps": 32},
    "saliency": {},
    "occlusion": {},
    "lime": {"samples": 1000},
    "shap_partition": {"max_evals": 500},
    "shap_gradient": {},
    "shap_deep": {},
}


@dataclass(frozen=True)
class MethodTrial:
    """One method over every image: the median time per image and the faithfulness scores of its maps."""

    def __call__(self, method: str, shared: ExplainInputs, context: TrialContext) -> dict:
        from core.errors import MedLensError

        predictor, picks, seed = shared.predictor(), shared.picks, shared.seed
        settings = BENCH_SETTINGS.get(method, {})
        try:  # one warm-up image, so TensorFlow's tracing is not timed
            explain(predictor, picks[:1], method, settings, seed=seed, background=shared.background, use_cache=False)
        except MedLensError as error:
            return {"error": str(error)}
        times, maps = [], []
        for index in range(1, len(picks)):
            context.report(index / len(picks), f"image {index} of {len(picks) - 1}")
            started = time.perf_counter()
            one = picks[index : index + 1]
            result = explain(predictor, one, method, settings, seed=seed, background=shared.background, use_cache=False)
            times.append(time.perf_counter() - started)
            maps.append(result.maps[0])
        scores = faithfulness.score(predictor, to_float(picks[1:]), shared.targets[1:], np.stack(maps), seed=seed)
        return {"times": times, "scores": scores}


def run(
    predictor: Predictor,
    dataset: Dataset,
    images: int = 16,
    seed: int = 0,
    split: str = "test",
    compute: ComputeConfig | None = None,
    on_progress=None,
) -> dict:
    """Every method over ``images`` test images, one trial per method on the ``compute`` executor (a trial's
    times are its own worker's: on a busy machine they grow with the number of workers)."""
    picks = dataset.images(split)[: images + 1]
    targets = predictor(to_float(picks)).argmax(axis=1)
    compute = compute or ComputeConfig()
    shared = ExplainInputs(predictor, picks, targets, training_background(dataset, seed=seed), seed).for_executor(
        compute
    )
    sweep = Sweep(MethodTrial(), METHODS.names, shared, METHODS.names)
    outcomes = run_trials(sweep, compute, on_progress=on_progress)
    report: dict = {"images": images, "executor": compute.executor, "methods": {}}
    random_scores = []
    for method, outcome in zip(METHODS.names, outcomes, strict=True):
        if "error" in outcome:
            report["methods"][method] = outcome
            continue
        random_scores = random_scores or outcome["scores"]
        mean = faithfulness.mean_score(outcome["scores"])
        report["methods"][method] = {
            "ms_per_image": round(statistics.median(outcome["times"]) * 1000, 2),
            "deletion_auc": round(mean.deletion_auc, 4),
            "insertion_auc": round(mean.insertion_auc, 4),
            "beats_random": mean.passes,
        }
    if random_scores:
        chance = faithfulness.mean_score(random_scores)
        report["random"] = {
            "deletion_auc": round(chance.random_deletion_auc, 4),
            "insertion_auc": round(chance.random_insertion_auc, 4),
        }
    report["cached_request_ms"] = cached_request_ms(predictor, picks, seed)
    report["methods_beating_random"] = sorted(m for m, r in report["methods"].items() if r.get("beats_random"))
    return report


def cached_request_ms(predictor: Predictor, picks: np.ndarray, seed: int) -> float:
    """The median time of a repeated SHAP Partition request, answered from the cache."""
    explain(predictor, picks[1:2], "shap_partition", BENCH_SETTINGS["shap_partition"], seed=seed)
    repeats = []
    for _ in range(20):
        started = time.perf_counter()
        explain(predictor, picks[1:2], "shap_partition", BENCH_SETTINGS["shap_partition"], seed=seed)
        repeats.append(time.perf_counter() - started)
    return round(statistics.median(repeats) * 1000, 3)
