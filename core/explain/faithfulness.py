"""How faithful is a map? Deletion and insertion curves (Petsiuk et al., RISE, BMVC 2018) against a
random pixel order, and the model-randomisation sanity check (Adebayo et al., NeurIPS 2018).

Deletion removes the most important pixels first (replacing them by a blurred copy): a faithful
map makes the target probability fall fast (low AUC). Insertion adds them back into the blurred
image: the probability should rise fast (high AUC).
"""

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from core.explain.compare import rank_correlation


@dataclass(frozen=True)
class Curves:
    fractions: np.ndarray  # (S,) share of pixels removed / inserted
    deletion: np.ndarray  # (S,) target probability
    insertion: np.ndarray  # (S,)

    @property
    def deletion_auc(self) -> float:
        return float(np.trapezoid(self.deletion, self.fractions))

    @property
    def insertion_auc(self) -> float:
        return float(np.trapezoid(self.insertion, self.fractions))


def blurred(image: np.ndarray) -> np.ndarray:
    sigma = max(image.shape[0] / 7.0, 1.0)
    return gaussian_filter(image, sigma=(sigma, sigma, 0)).astype(np.float32)


def curves(predictor, image: np.ndarray, target: int, order: np.ndarray, steps: int = 20) -> Curves:
    """Both curves for one image, given a pixel order (flat indices, most important first); one batch."""
    height, width = image.shape[:2]
    fractions = np.linspace(0.0, 1.0, steps + 1)
    base = blurred(image)
    flat_image, flat_base = image.reshape(height * width, -1), base.reshape(height * width, -1)
    deletions, insertions = [], []
    for fraction in fractions:
        chosen = order[: round(fraction * height * width)]
        deleted, inserted = flat_image.copy(), flat_base.copy()
        deleted[chosen] = flat_base[chosen]
        inserted[chosen] = flat_image[chosen]
        deletions.append(deleted.reshape(image.shape))
        insertions.append(inserted.reshape(image.shape))
    probabilities = predictor(np.stack(deletions + insertions))[:, target]
    return Curves(fractions, probabilities[: steps + 1], probabilities[steps + 1 :])


def attribution_order(attribution: np.ndarray, seed: int = 0) -> np.ndarray:
    """Pixels from most to least important; ties (flat regions) broken at random, reproducibly."""
    jitter = np.random.default_rng(seed).random(attribution.size) * 1e-9
    return np.argsort(-(attribution.reshape(-1).astype(np.float64) + jitter), kind="stable")


def random_order(size: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(size)


@dataclass(frozen=True)
class FaithfulnessScore:
    deletion_auc: float
    insertion_auc: float
    random_deletion_auc: float
    random_insertion_auc: float

    @property
    def passes(self) -> bool:
        """Better than random on both curves."""
        return self.deletion_auc < self.random_deletion_auc and self.insertion_auc > self.random_insertion_auc


def mean_score(scores: list[FaithfulnessScore]) -> FaithfulnessScore:
    """The four AUCs averaged over images (``passes`` then compares the averages)."""
    return FaithfulnessScore(
        *(float(np.mean([getattr(s, name) for s in scores])) for name in FaithfulnessScore.__dataclass_fields__)
    )


def score(predictor, inputs: np.ndarray, targets: np.ndarray, maps: np.ndarray, seed: int = 0, randoms: int = 3):
    """Per-image (deletion, insertion) AUCs of ``maps`` and of random orders (mean of ``randoms`` orders)."""
    results = []
    for index, (image, target, attribution) in enumerate(zip(inputs, targets, maps, strict=True)):
        own = curves(predictor, image, int(target), attribution_order(attribution, seed))
        chance = [
            curves(predictor, image, int(target), random_order(attribution.size, seed + 1000 * index + r))
            for r in range(randoms)
        ]
        results.append(
            FaithfulnessScore(
                own.deletion_auc,
                own.insertion_auc,
                float(np.mean([c.deletion_auc for c in chance])),
                float(np.mean([c.insertion_auc for c in chance])),
            )
        )
    return results


def randomised_copy(model, seed: int = 0):
    """The same architecture with every weight re-drawn: explanations of it should look different."""
    from core.runtime.shared_model import shared

    return shared(model).copy(redraw_seed=seed)


def randomisation_check(original_maps: np.ndarray, randomised_maps: np.ndarray) -> float:
    """Mean rank correlation between maps of the trained and the randomised model; near 0 passes."""
    return float(np.mean([rank_correlation(a, b) for a, b in zip(original_maps, randomised_maps, strict=True)]))
