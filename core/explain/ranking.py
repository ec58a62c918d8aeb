"""Rank methods by faithfulness over a sample of images: the summary table of the Explain page."""

from collections.abc import Callable

import numpy as np

from core.data.dataset import to_float
from core.errors import Cancelled, MedLensError
from core.explain import faithfulness
from core.explain.service import METHODS, explain


def rank_methods(
    predictor,
    images: np.ndarray,
    methods: list[str],
    seed: int = 0,
    background: np.ndarray | None = None,
    on_progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[dict]:
    """One row per method, best first (insertion AUC minus deletion AUC, averaged over ``images``)."""
    inputs = to_float(images)
    targets = predictor(inputs).argmax(axis=1)
    rows = []
    for index, method in enumerate(methods):
        if should_stop and should_stop():
            raise Cancelled("Ranking was cancelled.")
        if on_progress:
            on_progress(index / len(methods), f"{METHODS.get(method).title} on {len(images)} images")
        try:
            maps = explain(predictor, images, method, None, targets, seed, background).maps
        except MedLensError as error:
            rows.append({"method": METHODS.get(method).title, "error": str(error)})
            continue
        scores = faithfulness.score(predictor, inputs, targets, maps, seed=seed)
        mean = faithfulness.mean_score(scores)
        rows.append(
            {
                "method": METHODS.get(method).title,
                "deletion AUC": round(mean.deletion_auc, 4),
                "insertion AUC": round(mean.insertion_auc, 4),
                "random deletion AUC": round(mean.random_deletion_auc, 4),
                "random insertion AUC": round(mean.random_insertion_auc, 4),
                "images beating random": f"{sum(s.passes for s in scores)}/{len(scores)}",
                "score": round(mean.insertion_auc - mean.deletion_auc, 4),
            }
        )
    if on_progress:
        on_progress(1.0, "done")
    ranked = sorted((r for r in rows if "error" not in r), key=lambda r: -r["score"])
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    return ranked + [r for r in rows if "error" in r]
