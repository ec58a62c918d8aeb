"""Speed and faithfulness of every method over test images: `python -m core bench explain`.

Each image is explained on its own (the median per-image time is what a user waits for),
after one warm-up image per method so TensorFlow's tracing is not counted; caching is off
except for the final repeated-request timing.
"""

import statistics
import time

import numpy as np

from core.data.dataset import Dataset, to_float
from core.explain import faithfulness
from core.explain.base import METHODS
from core.explain.predictor import Predictor
from core.explain.service import explain, training_background

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


def run(predictor: Predictor, dataset: Dataset, images: int = 16, seed: int = 0, split: str = "test") -> dict:
    from core.errors import MedLensError

    picks = dataset.images(split)[: images + 1]
    inputs = to_float(picks)
    background = training_background(dataset, seed=seed)
    targets = predictor(inputs).argmax(axis=1)
    report: dict = {"images": images, "methods": {}}
    random_scores = []
    for method in METHODS.names:
        settings = BENCH_SETTINGS.get(method, {})
        try:
            explain(predictor, picks[:1], method, settings, seed=seed, background=background, use_cache=False)
        except MedLensError as error:
            report["methods"][method] = {"error": str(error)}
            continue
        times, maps = [], []
        for index in range(1, images + 1):
            started = time.perf_counter()
            result = explain(
                predictor, picks[index : index + 1], method, settings, seed=seed, background=background, use_cache=False
            )
            times.append(time.perf_counter() - started)
            maps.append(result.maps[0])
        scores = faithfulness.score(predictor, inputs[1:], targets[1:], np.stack(maps), seed=seed)
        if not random_scores:
            random_scores = scores
        mean = faithfulness.mean_score(scores)
        report["methods"][method] = {
            "ms_per_image": round(statistics.median(times) * 1000, 2),
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
    explain(predictor, picks[1:2], "shap_partition", BENCH_SETTINGS["shap_partition"], seed=seed)
    repeats = []
    for _ in range(20):
        started = time.perf_counter()
        explain(predictor, picks[1:2], "shap_partition", BENCH_SETTINGS["shap_partition"], seed=seed)
        repeats.append(time.perf_counter() - started)
    report["cached_request_ms"] = round(statistics.median(repeats) * 1000, 3)
    report["methods_beating_random"] = sorted(m for m, r in report["methods"].items() if r.get("beats_random"))
    return report
