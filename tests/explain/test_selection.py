"""Choosing images to explain: class filter, mistakes only, least confident first."""

import numpy as np

from core.explain.selection import ORDERS, candidates

LABELS = np.array([0, 1, 1, 0, 1])
PROBABILITIES = np.array([[0.9, 0.1], [0.4, 0.6], [0.8, 0.2], [0.55, 0.45], [0.3, 0.7]])


def test_filters_and_orders():
    assert candidates(LABELS, PROBABILITIES, None, "all").tolist() == [0, 1, 2, 3, 4]
    assert candidates(LABELS, PROBABILITIES, 1, "all").tolist() == [1, 2, 4]
    assert candidates(LABELS, PROBABILITIES, None, "misclassified only").tolist() == [2]
    assert candidates(LABELS, PROBABILITIES, None, "least confident first").tolist() == [3, 1, 4, 2, 0]
    assert candidates(LABELS, PROBABILITIES, 0, "misclassified only").tolist() == []
    assert set(ORDERS) == {"all", "misclassified only", "least confident first"}
