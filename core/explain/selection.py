"""Which images of a split to look at: by true class, only the mistakes, or the least confident first."""

from collections.abc import Callable

import numpy as np

# How the picker orders or filters a split's images: name -> (labels, probabilities, chosen) -> chosen.
ORDERS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]] = {
    "all": lambda labels, probabilities, chosen: chosen,
    "misclassified only": lambda labels, probabilities, chosen: chosen[
        probabilities[chosen].argmax(axis=1) != labels[chosen]
    ],
    "least confident first": lambda labels, probabilities, chosen: chosen[
        np.argsort(probabilities[chosen].max(axis=1), kind="stable")
    ],
}


def candidates(labels: np.ndarray, probabilities: np.ndarray, true_class: int | None, order: str) -> np.ndarray:
    """Indices of the split's images of ``true_class`` (None: any), filtered or ordered by ``order``."""
    chosen = np.arange(len(labels))
    if true_class is not None:
        chosen = chosen[labels == true_class]
    return ORDERS[order](labels, probabilities, chosen)
