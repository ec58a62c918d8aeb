"""Rank methods by faithfulness over a sample of images: the summary table of the Explain page."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.compute.config import ComputeConfig
from core.compute.executor import Sweep, TrialContext
from core.compute.run import run_trials
from core.data.dataset import to_float
from core.errors import MedLensError
from core.explain import faithfulness
from core.explain.service import METHODS, explain
from core.explain.shipping import ExplainInputs


@dataclass(frozen=True)
class RankTrial:
    """One method over every image: its faithfulness row (or the error that stops it on this model)."""

    def __call__(self, method: str, shared: ExplainInputs, context: TrialContext) -> dict:
        predictor, images = shared.predictor(), shared.picks
        try:
            maps = explain(predictor, images, method, None, shared.targets, shared.seed, shared.background).maps
        except MedLensError as error:
            return {"method": METHODS.get(method).title, "error": str(error)}
        scores = faithfulness.score(predictor, to_float(images), shared.targets, maps, seed=shared.seed)
        mean = faithfulness.mean_score(scores)
        return {
            "method": METHODS.get(method).title,
            "deletion AUC": round(mean.deletion_auc, 4),
            "insertion AUC": round(mean.insertion_auc, 4),
            "random deletion AUC": round(mean.random_deletion_auc, 4),
            "random insertion AUC": round(mean.random_insertion_auc, 4),
            "images beating random": f"{sum(s.passes for s in scores)}/{len(scores)}",
            "score": round(mean.insertion_auc - mean.deletion_auc, 4),
        }


def rank_methods(
    predictor,
    images: np.ndarray,
    methods: list[str],
    seed: int = 0,
    background: np.ndarray | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    compute: ComputeConfig | None = None,
) -> list[dict]:
    """One row per method, best first (insertion AUC minus deletion AUC, averaged over ``images``); each method
    a trial on the ``compute`` executor."""
    compute = compute or ComputeConfig()
    targets = predictor(to_float(images)).argmax(axis=1)
    shared = ExplainInputs(predictor, images, targets, background, seed).for_executor(compute)
    labels = [f"{METHODS.get(m).title} on {len(images)} images" for m in methods]
    sweep = Sweep(RankTrial(), list(methods), shared, labels, "Ranking was cancelled.")
    rows = run_trials(sweep, compute, on_progress=on_progress, should_stop=should_stop)
    ranked = sorted((r for r in rows if "error" not in r), key=lambda r: -r["score"])
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    return ranked + [r for r in rows if "error" in r]
