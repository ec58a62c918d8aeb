"""Comparing two maps: rank correlation and overlap of their most important regions.

Used between two methods on one image, and between two models (an original and its
compressed version) on one image: "explanation drift".
"""

import numpy as np
from scipy.stats import spearmanr


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman correlation of two maps' pixel rankings; 1 for identical orders, 0 for unrelated."""
    a, b = np.asarray(a, np.float64).reshape(-1), np.asarray(b, np.float64).reshape(-1)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return 1.0 if np.ptp(a) == np.ptp(b) == 0 else 0.0
    return float(spearmanr(a, b).statistic)


def top_region(attribution: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the ``fraction`` of pixels with the highest attribution."""
    flat = np.asarray(attribution).reshape(-1)
    count = max(1, round(fraction * flat.size))
    mask = np.zeros(flat.size, bool)
    mask[np.argsort(-flat, kind="stable")[:count]] = True
    return mask.reshape(np.shape(attribution))


def top_k_iou(a: np.ndarray, b: np.ndarray, fraction: float = 0.1) -> float:
    """Intersection over union of the two maps' top ``fraction`` regions; 1 when they coincide."""
    first, second = top_region(a, fraction), top_region(b, fraction)
    return float((first & second).sum() / max((first | second).sum(), 1))


def drift(maps_a: np.ndarray, maps_b: np.ndarray, fraction: float = 0.1) -> dict[str, float]:
    """Mean rank correlation and top-k IoU over paired maps."""
    pairs = list(zip(maps_a, maps_b, strict=True))
    return {
        "rank_correlation": float(np.mean([rank_correlation(a, b) for a, b in pairs])),
        "top_k_iou": float(np.mean([top_k_iou(a, b, fraction) for a, b in pairs])),
        "top_fraction": fraction,
    }
