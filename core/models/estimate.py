"""How long a job will take, said before it starts, from times measured on this machine.

Every stored Keras model records its training seconds and epochs: the median seconds per epoch of the models of
a dataset (at a size) is the unit; a job's estimate is its epochs (scaled by the share of the labels it trains on,
since an epoch is a pass over them) times that unit. Without a measured model there is no estimate, and the
page says so instead of guessing.
"""

import statistics

from core.models import store
from core.models.train import MIN_STEPS_PER_EPOCH

OVERHEAD_SECONDS = 3.0  # per training or candidate: building, evaluating, converting


def seconds_per_epoch(dataset: str, size: int) -> float | None:
    """Median seconds per epoch of this dataset's stored Keras models at ``size``, or None if none is stored."""
    rates = [
        m.train_seconds / m.epochs
        for m in store.list_models(dataset)
        if m.size == size and m.format == "keras" and m.epochs > 0 and m.train_seconds > 0
    ]
    return statistics.median(rates) if rates else None


def training_seconds(per_epoch: float, epochs: int, fraction: float = 1.0, train_images: int = 0) -> float:
    """One training of at most ``epochs`` epochs on ``fraction`` of the labels (small sets repeat to a floor of
    batches per epoch, as ``core.models.train`` does)."""
    floor = MIN_STEPS_PER_EPOCH * 64 / train_images if train_images else 0.0
    return epochs * per_epoch * max(fraction, floor) + OVERHEAD_SECONDS


def words(seconds: float | None) -> str:
    if seconds is None:
        return "no estimate yet (no model of this dataset has been trained on this machine)"
    if seconds < 90:
        return f"about {max(5, round(seconds / 5) * 5):.0f} s"
    if seconds < 5400:
        return f"about {round(seconds / 60):.0f} min"
    return f"about {seconds / 3600:.1f} h"
